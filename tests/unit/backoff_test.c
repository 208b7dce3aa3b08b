/* backoff_test.c -- capped exponential backoff: each caller's ladder, reset, and the edges. */
#include <stdint.h>

#include "backoff.h"
#include "check.h"

/* Checks the first n delays from a reset against want. */
static void ladder(uint64_t min_ms, uint64_t max_ms, const uint64_t *want, size_t n)
{
    uint64_t d = 0;
    for (size_t i = 0; i < n; i++) {
        d = backoff_next(d, min_ms, max_ms);
        CHECK_EQ(d, want[i]);
    }
}

int main(void)
{
    /* The worker's broker reconnect: 250 ms doubling to 10 s. */
    static const uint64_t broker[] = {250, 500, 1000, 2000, 4000, 8000, 10000, 10000};
    ladder(250, 10000, broker, sizeof(broker) / sizeof(*broker));
    /* The worker's Redis reconnect (kv.c): 200 ms doubling to 10 s. */
    static const uint64_t redis[] = {200, 400, 800, 1600, 3200, 6400, 10000, 10000};
    ladder(200, 10000, redis, sizeof(redis) / sizeof(*redis));
    /* The producer's outages: 250 ms doubling to 5 s. */
    static const uint64_t producer[] = {250, 500, 1000, 2000, 4000, 5000, 5000};
    ladder(250, 5000, producer, sizeof(producer) / sizeof(*producer));

    /* 0 is the reset: the next delay is min_ms again, whatever came before. */
    CHECK_EQ(backoff_next(0, 250, 10000), 250);
    /* Exactly half the cap doubles to the cap; one more is capped. */
    CHECK_EQ(backoff_next(5000, 250, 10000), 10000);
    CHECK_EQ(backoff_next(5001, 250, 10000), 10000);
    CHECK_EQ(backoff_next(4999, 250, 10001), 9998);
    /* No overflow near the top of the range. */
    CHECK(backoff_next(UINT64_MAX / 2 + 1, 1, UINT64_MAX) == UINT64_MAX);
    CHECK(backoff_next(UINT64_MAX, 1, UINT64_MAX) == UINT64_MAX);
    /* The cap wins over a larger minimum, and over a delay stored before the cap shrank. */
    CHECK_EQ(backoff_next(0, 500, 100), 100);
    CHECK_EQ(backoff_next(60000, 250, 10000), 10000);
    return check_summary();
}
