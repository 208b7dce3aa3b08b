/* due_test.c -- the counting time wheel behind the worker's retry_waiting and retry_next_s. */
#include <stdint.h>

#include "check.h"
#include "due.h"

int main(void)
{
    struct due d;
    uint64_t t0 = 5000000;
    CHECK_EQ(due_init(&d, 7200000, t0), 0);
    CHECK_EQ(d.width_ms, 1000);
    CHECK_EQ(due_pending(&d, t0), 0);
    CHECK_EQ(due_next_ms(&d, t0), 0);

    /* Three due at 4 s, 10 s and 2 h; one already past is not counted. */
    due_add(&d, t0 + 10000, t0);
    due_add(&d, t0 + 4000, t0);
    due_add(&d, t0 + 7200000, t0);
    due_add(&d, t0 - 1, t0);
    due_add(&d, t0, t0);
    CHECK_EQ(due_pending(&d, t0), 3);
    CHECK_EQ(due_next_ms(&d, t0), 5000); /* the end of the 4 s bucket */
    /* Counted until the end of its bucket, gone after. */
    CHECK_EQ(due_pending(&d, t0 + 4999), 3);
    CHECK_EQ(due_pending(&d, t0 + 5000), 2);
    CHECK_EQ(due_next_ms(&d, t0 + 5000), 6000);
    CHECK_EQ(due_pending(&d, t0 + 11000), 1);
    /* Beyond the horizon: in the last bucket, still counted. */
    due_add(&d, t0 + 11000 + 86400000, t0 + 11000);
    CHECK_EQ(due_pending(&d, t0 + 11000), 2);
    /* A whole turn later everything is due. */
    CHECK_EQ(due_pending(&d, t0 + 86400000 * 2), 0);
    CHECK_EQ(due_next_ms(&d, t0 + 86400000 * 2), 0);
    /* And it counts again from there. */
    due_add(&d, t0 + 86400000 * 2 + 1500, t0 + 86400000 * 2);
    CHECK_EQ(due_pending(&d, t0 + 86400000 * 2 + 100), 1);
    due_cleanup(&d);

    /* A long horizon widens the buckets instead of growing the wheel. */
    CHECK_EQ(due_init(&d, 86400000, 0), 0);
    CHECK(d.n <= DUE_MAX_BUCKETS);
    CHECK_EQ(d.width_ms, 16000);
    for (int i = 0; i < 100000; i++)
        due_add(&d, 1 + (uint64_t)i * 800, 0);
    CHECK_EQ(due_pending(&d, 0), 100000);
    CHECK_EQ(due_next_ms(&d, 0), 16000);
    due_cleanup(&d);
    /* A due without a wheel (out of memory at init) is empty, never a crash. */
    struct due none = {0};
    due_add(&none, 10, 0);
    CHECK_EQ(due_pending(&none, 0), 0);
    CHECK_EQ(due_next_ms(&none, 0), 0);
    return check_summary();
}
