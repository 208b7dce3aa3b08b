/* due.c -- a counting time wheel (see due.h). Written here: a dozen lines of ring arithmetic
 * are less than any timer library's interface to them. */
#include "due.h"

#include <stdlib.h>
#include <string.h>

int due_init(struct due *d, uint64_t horizon_ms, uint64_t now)
{
    memset(d, 0, sizeof(*d));
    d->width_ms = 1000;
    while (horizon_ms / d->width_ms + 2 > DUE_MAX_BUCKETS)
        d->width_ms *= 2;
    d->n = (size_t)(horizon_ms / d->width_ms) + 2;
    d->count = calloc(d->n, sizeof(*d->count));
    d->base_ms = now;
    return d->count ? 0 : -1;
}

void due_cleanup(struct due *d)
{
    free(d->count);
    d->count = NULL;
}

/* Drops the buckets that ended by now. At most n steps: past a whole turn, all is dropped. */
static void advance(struct due *d, uint64_t now)
{
    if (now >= d->base_ms + d->n * d->width_ms) {
        memset(d->count, 0, d->n * sizeof(*d->count));
        d->total = 0;
        d->head = 0;
        d->base_ms = now;
        return;
    }
    while (now >= d->base_ms + d->width_ms) {
        d->total -= d->count[d->head];
        d->count[d->head] = 0;
        d->head = (d->head + 1) % d->n;
        d->base_ms += d->width_ms;
    }
}

void due_add(struct due *d, uint64_t due_ms, uint64_t now)
{
    if (!d->count || due_ms <= now)
        return;
    advance(d, now);
    uint64_t i = (due_ms - d->base_ms) / d->width_ms;
    if (i >= d->n)
        i = d->n - 1;
    size_t at = (d->head + (size_t)i) % d->n;
    if (d->count[at] == UINT32_MAX)
        return; /* four billion in one bucket: the count saturates */
    d->count[at]++;
    d->total++;
}

uint64_t due_pending(struct due *d, uint64_t now)
{
    if (!d->count)
        return 0;
    advance(d, now);
    return d->total;
}

uint64_t due_next_ms(struct due *d, uint64_t now)
{
    if (!d->count)
        return 0;
    advance(d, now);
    if (d->total == 0)
        return 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->count[(d->head + i) % d->n]) {
            uint64_t end = d->base_ms + (i + 1) * d->width_ms;
            return end > now ? end - now : 0;
        }
    return 0;
}
