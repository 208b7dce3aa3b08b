/* retry.c -- the retry ladder and backoff arithmetic. */
#include "retry.h"

const struct retry_level RETRY_LEVEL[RETRY_LEVELS] = {
    {"delay.1s", 1000},      {"delay.5s", 5000},     {"delay.30s", 30000},
    {"delay.2m", 120000},    {"delay.10m", 600000},  {"delay.1h", 3600000},
};

int retry_pick(int attempt, int64_t retry_after_s, uint64_t max_retry_after_ms,
               uint32_t random, uint64_t *expire_ms)
{
    uint64_t want_ms = 1000;
    for (int i = 1; i < attempt && want_ms < RETRY_LEVEL[RETRY_LEVELS - 1].delay_ms; i++)
        want_ms *= 4;
    if (retry_after_s >= 0) {
        uint64_t asked_ms = (uint64_t)retry_after_s * 1000;
        if (asked_ms > max_retry_after_ms)
            asked_ms = max_retry_after_ms;
        if (asked_ms > want_ms)
            want_ms = asked_ms;
    }
    /* The shortest level that waits at least as long as wanted (the last one otherwise). */
    int level = 0;
    while (level < RETRY_LEVELS - 1 && RETRY_LEVEL[level].delay_ms < want_ms)
        level++;
    uint64_t base = RETRY_LEVEL[level].delay_ms;
    *expire_ms = base + (uint64_t)random % (base / 2 + 1);
    return level;
}

int retry_level_for(uint64_t delay_ms)
{
    int level = 0;
    while (level < RETRY_LEVELS - 1 && RETRY_LEVEL_MAX_MS(level) < delay_ms)
        level++;
    return level;
}
