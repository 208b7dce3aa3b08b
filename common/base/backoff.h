/* backoff.h -- capped exponential backoff for reconnects: the broker and Redis, in the worker
 * (on loop timers) and in the producer (sleeping). Each caller keeps its own constants and its
 * own uint64_t delay, 0 meaning "no failure since the last success". */
#ifndef TRAWL_BACKOFF_H
#define TRAWL_BACKOFF_H

#include <stdint.h>

/* The programs that wait an outage out by sleeping (the producer, trawl-dump): the first retry
 * after this, doubling up to the max. The worker keeps its own constants: it waits on loop
 * timers, with other work going on. */
#define BACKOFF_OUTAGE_MIN_MS 250
#define BACKOFF_OUTAGE_MAX_MS 5000

/* Returns the delay before the next attempt, given the one before (prev_ms): min_ms after 0,
 * else twice prev_ms, never above max_ms. Reset by storing 0 again on success. */
uint64_t backoff_next(uint64_t prev_ms, uint64_t min_ms, uint64_t max_ms);

#endif
