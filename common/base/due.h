/* due.h -- how many things are due at a later time, and when the earliest is: a counting
 * time wheel of fixed size (at most DUE_MAX_BUCKETS counters), so memory stays bounded however
 * many are added. The worker counts with it the URLs it sent round a delay queue that are not
 * back yet (its progress line's retry_waiting and retry_next_s).
 *
 * Times are uint64_t milliseconds of one clock (CLOCK_MONOTONIC); `now` never goes back.
 * Precision is one bucket: a thing is counted until the end of its bucket, at most one
 * bucket width after its due time (one second for horizons up to DUE_MAX_BUCKETS seconds). */
#ifndef TRAWL_DUE_H
#define TRAWL_DUE_H

#include <stddef.h>
#include <stdint.h>

#define DUE_MAX_BUCKETS 8192

struct due {
    uint32_t *count;            /* per bucket; count[head] is the bucket starting at base_ms */
    size_t n;                   /* buckets */
    size_t head;
    uint64_t width_ms;          /* of a bucket, at least 1000 */
    uint64_t base_ms;           /* start of the head bucket */
    uint64_t total;             /* the sum of count */
};

/* Sets d up for due times up to horizon_ms after now (later ones count in the last bucket,
 * so they leave the count early). Returns 0, or -1 when out of memory. */
int due_init(struct due *d, uint64_t horizon_ms, uint64_t now);
/* Frees what due_init allocated. */
void due_cleanup(struct due *d);

/* Counts one thing due at due_ms (a time already past is not counted). */
void due_add(struct due *d, uint64_t due_ms, uint64_t now);

/* How many are not due yet at now. */
uint64_t due_pending(struct due *d, uint64_t now);

/* Milliseconds from now until the earliest pending one is due (the end of its bucket), 0 when
 * none is pending. */
uint64_t due_next_ms(struct due *d, uint64_t now);

#endif
