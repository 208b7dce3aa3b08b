/* backoff.c -- capped exponential backoff for reconnects (see backoff.h). */
#include "backoff.h"

uint64_t backoff_next(uint64_t prev_ms, uint64_t min_ms, uint64_t max_ms)
{
    /* prev_ms > max_ms / 2 is prev_ms * 2 > max_ms without the overflow. */
    uint64_t next = prev_ms == 0 ? min_ms : prev_ms > max_ms / 2 ? max_ms : prev_ms * 2;
    return next > max_ms ? max_ms : next;
}
