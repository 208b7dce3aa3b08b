/* reader.h -- trawl-dump's loop: read a queue's messages into an output, taking them (ack
 * once written and flushed) or peeking at them (a confirmed copy replaces each one).
 *
 * Why a peek copies instead of returning messages: on a quorum queue every return (reject
 * with requeue, nack, a closed channel) counts as a delivery, and a worker dead-letters a URL
 * as `poison` once that count reaches its limit; the management UI's "get messages" returns
 * them too. A copy published with confirms, and the original acked only once the copy is
 * safe, spends no delivery: at least once (a crash in between leaves both), never lost. */
#ifndef TRAWL_DUMP_READER_H
#define TRAWL_DUMP_READER_H

#include <signal.h>

#include "broker.h"
#include "output.h"

enum reader_mode { READER_TAKE = 0, READER_PEEK };

struct reader_opts {
    const char *queue;          /* the full name */
    enum reader_mode mode;
    unsigned long long count;   /* at most this many messages, 0 for no limit */
    long ready_at_start;        /* the queue's ready count before reading: a peek reads at
                                   most that many, so it never meets its own copies */
    double idle_exit_s;         /* take: stop once the queue stayed empty that long; 0 never */
};

struct reader_stats {
    unsigned long long read;    /* messages received */
    unsigned long long written; /* ... written to the output */
    unsigned long long skipped; /* ... not JSON where fields were wanted: not written */
};

#define READER_LOST (-2) /* reader_run: the connection was lost; stats carry over */

/* Reads until the count, the end of a peek, the idle exit or *stopping, committing what was
 * written (flush, then copies confirmed, then acks) before returning. Returns 0; READER_LOST
 * when the broker connection was lost (a new connection can take over: call again with the
 * same stats, which count and limit the whole run); or -1 after logging why. Either way
 * the messages not yet acked go back to the queue when the connection closes (written ones
 * come again: at least once). */
int reader_run(struct broker *b, struct output *out, const struct reader_opts *o,
               volatile sig_atomic_t *stopping, struct reader_stats *stats);

#endif
