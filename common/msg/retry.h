/* retry.h -- when a failed fetch is tried again, and how long it waits.
 *
 * The wait happens in the broker, not in a worker's memory: a retried URL is published to one
 * of a few delay queues (PREFIX.delay.1s ... PREFIX.delay.1h) whose messages expire and are
 * dead-lettered back to PREFIX.urls. A fixed ladder of queues needs no broker plugin and keeps
 * expiry in order within each queue (RabbitMQ only expires messages at the head). */
#ifndef TRAWL_RETRY_H
#define TRAWL_RETRY_H

#include <stdint.h>

#define RETRY_LEVELS 6

struct retry_level {
    const char *suffix;         /* queue name after "PREFIX." */
    uint64_t delay_ms;          /* shortest wait in this queue */
};

/* The ladder, shortest first. A message waits delay_ms plus up to half of it (jitter). */
extern const struct retry_level RETRY_LEVEL[RETRY_LEVELS];

/* Each queue's own TTL (x-message-ttl): a message never waits longer in level i, whatever
 * its own expiration. */
#define RETRY_LEVEL_MAX_MS(i) (RETRY_LEVEL[i].delay_ms * 2)

/* What is worth another attempt is the error table's word (errcode.h). */

/* Picks the wait after failed attempt number `attempt` (1 = the first): exponential backoff
 * (1 s, 4 s, 16 s, ... ) or the server's Retry-After (seconds, < 0 when none) if longer,
 * capped at max_retry_after_ms. `random` spreads retries (any 32-bit value). Returns the
 * level index and stores the message's expiration in *expire_ms (within the level's span). */
int retry_pick(int attempt, int64_t retry_after_s, uint64_t max_retry_after_ms,
               uint32_t random, uint64_t *expire_ms);

/* The level to set a URL aside for delay_ms (parking, not a failure): the shortest that can
 * hold it that long (the last one, capped at its RETRY_LEVEL_MAX_MS, beyond). The message
 * carries delay_ms as its own expiration; messages set aside for one host in one level are
 * then in the order they expire in (RabbitMQ expires only at a queue's head). */
int retry_level_for(uint64_t delay_ms);

#endif
