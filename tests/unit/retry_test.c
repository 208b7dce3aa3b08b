/* retry_test.c -- the backoff ladder. */
#include "check.h"
#include "retry.h"

int main(void)
{
    uint64_t e;
    /* Backoff 1 s, 4 s, 16 s, 64 s, 256 s, 1024 s: the shortest level that covers it. */
    CHECK_EQ(retry_pick(1, -1, 3600000, 0, &e), 0);
    CHECK_EQ(e, 1000);
    CHECK_EQ(retry_pick(2, -1, 3600000, 0, &e), 1);
    CHECK_EQ(retry_pick(3, -1, 3600000, 0, &e), 2);
    CHECK_EQ(retry_pick(4, -1, 3600000, 0, &e), 3);
    CHECK_EQ(retry_pick(5, -1, 3600000, 0, &e), 4);
    CHECK_EQ(retry_pick(6, -1, 3600000, 0, &e), 5);
    CHECK_EQ(retry_pick(60, -1, 3600000, 0, &e), 5);
    /* Jitter stays within half a level. */
    for (uint32_t r = 0; r < 5000; r += 37) {
        retry_pick(2, -1, 3600000, r, &e);
        CHECK(e >= 5000 && e <= 7500);
    }
    /* Retry-After wins when longer, and is capped. */
    CHECK_EQ(retry_pick(1, 20, 3600000, 0, &e), 2);
    CHECK_EQ(retry_pick(1, 0, 3600000, 0, &e), 0);
    CHECK_EQ(retry_pick(1, 86400, 3600000, 0, &e), 5);
    CHECK_EQ(retry_pick(1, 86400, 30000, 0, &e), 2);
    /* Parking: the shortest level whose queue TTL (twice its base) holds the whole delay, so
     * that the queue never sends it back early. */
    CHECK_EQ(retry_level_for(0), 0);
    CHECK_EQ(retry_level_for(2000), 0);
    CHECK_EQ(retry_level_for(2001), 1);
    CHECK_EQ(retry_level_for(10000), 1);
    CHECK_EQ(retry_level_for(25000), 2);
    CHECK_EQ(retry_level_for(60001), 3);
    CHECK_EQ(retry_level_for(7200000), 5);
    CHECK_EQ(retry_level_for(100000000), 5);
    for (uint64_t d = 0; d <= 7200000; d += 997)
        CHECK(RETRY_LEVEL_MAX_MS(retry_level_for(d)) >= d);
    return check_summary();
}
