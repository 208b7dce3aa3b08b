/* reader.c -- trawl-dump's loop: consume, write, copy (a peek, or past the limit), flush, ack. */
#include "reader.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "loop.h"

#define READER_PREFETCH 500          /* unacked deliveries in flight while consuming */
#define READER_PEEK_IDLE_S 1.0       /* a peek whose queue emptied stops after this */
#define READER_CONFIRM_TIMEOUT_MS 30000 /* for the broker to confirm a batch of copies */
#define READER_WAIT_MS 200           /* one wait for frames; stop signals are seen this often */

/* A message written (or, on a peek, copied) and not acked yet. */
struct pending {
    uint64_t tag;               /* of the original */
    uint64_t seq;               /* its copy's confirm number, 0 when not copied */
    int confirmed;              /* the broker has the copy */
};

struct reader {
    struct broker *b;
    struct output *out;
    const struct reader_opts *o;
    struct reader_stats *stats;
    struct pending *pending;
    size_t npending, cap_bytes;
    unsigned long long held;    /* take: not written (not JSON), so never acked: the broker
                                   gives them back when the dump closes its connection */
    int write_errno;            /* the output failed: nothing more is written or acked */
    int copy_failed;            /* peek: a copy could not be published */
    int nacked;                 /* peek: the broker refused a copy */
    unsigned long long limit;   /* messages to read, 0 for no limit */
    unsigned long long put_back; /* delivered past the limit, copied back unread */
};

static int push_pending(struct reader *r, uint64_t tag, uint64_t seq)
{
    char *bytes = (char *)r->pending;
    if (!buf_grow(&bytes, &r->cap_bytes, (r->npending + 1) * sizeof(*r->pending),
                  256 * sizeof(*r->pending)))
        return -1;
    r->pending = (struct pending *)bytes;
    r->pending[r->npending++] = (struct pending){tag, seq, 0};
    return 0;
}

static void on_delivery(const struct broker_delivery *d, void *arg)
{
    struct reader *r = arg;
    if (r->write_errno || r->copy_failed)
        return; /* left unacked: back on the queue when the connection closes */
    /* Past the limit (the prefetch window sent more than wanted): put back as a copy, not
     * written, so that no delivery is spent on it. */
    int beyond = r->limit && r->stats->read >= r->limit;
    int w = 0;
    if (!beyond) {
        r->stats->read++;
        w = output_write(r->out, d);
    }
    if (w < 0) {
        r->write_errno = errno ? errno : EIO;
        return;
    }
    int peek = r->o->mode == READER_PEEK;
    if (beyond) {
        r->put_back++;
    } else if (w == 1) {
        r->stats->skipped++;
        LOG_W("not written: the body is not JSON", "queue=%s bytes=%zu kept=%s", r->o->queue,
              d->len, peek ? "on the queue (copied)" : "on the queue (not acked)");
    } else {
        r->stats->written++;
    }
    uint64_t seq = 0;
    if (peek || beyond) {
        int64_t s = broker_publish_copy(r->b, r->o->queue, d);
        if (s <= 0) {
            r->copy_failed = 1;
            return;
        }
        seq = (uint64_t)s;
    } else if (w == 1) {
        r->held++;
        return;
    }
    if (push_pending(r, d->tag, seq) < 0)
        r->write_errno = ENOMEM;
}

static void on_confirm(uint64_t seq, int multiple, int ok, void *arg)
{
    struct reader *r = arg;
    if (!ok)
        r->nacked = 1;
    for (size_t i = 0; i < r->npending; i++)
        if (multiple ? r->pending[i].seq <= seq : r->pending[i].seq == seq)
            r->pending[i].confirmed = 1;
}

static int all_confirmed(const struct reader *r)
{
    for (size_t i = 0; i < r->npending; i++)
        if (r->pending[i].seq && !r->pending[i].confirmed)
            return 0;
    return 1;
}

/* Makes the written lines durable, waits for the copies of a peek, then acks the originals
 * but the newest `keep` (see keep_unacked). 0, or -1 after logging why. */
static int commit(struct reader *r, const struct broker_events *ev, size_t keep)
{
    if (r->npending <= keep)
        return 0;
    if (output_sync(r->out) < 0) {
        LOG_E("cannot write output", "err=\"%s\"", strerror(errno));
        return -1;
    }
    uint64_t deadline = loop_now_ms() + READER_CONFIRM_TIMEOUT_MS;
    while (!r->nacked && !all_confirmed(r)) {
        if (loop_now_ms() >= deadline) {
            LOG_E("copies not confirmed", "queue=%s timeout_s=%d", r->o->queue,
                  READER_CONFIRM_TIMEOUT_MS / 1000);
            return -1;
        }
        if (broker_wait(r->b, ev, READER_WAIT_MS) < 0) {
            LOG_W("broker connection lost", "err=\"%s\"", broker_error(r->b));
            return READER_LOST;
        }
    }
    if (r->nacked) {
        /* The originals stay (unacked, back at the close): the copies that did arrive make
         * duplicates, which at-least-once allows; a loss it does not. */
        LOG_E("the broker refused a copy", "queue=%s originals=kept duplicates=possible",
              r->o->queue);
        return -1;
    }
    /* One ack for the batch whenever no message is held back: on a quorum queue each ack
     * becomes a settle command, and RabbitMQ 3.10 holds back settles past a few dozen in
     * flight; those still held back when the channel closes are lost, and their messages
     * come back. A multiple ack is one command. */
    size_t n = r->npending - keep;
    for (size_t i = r->held ? 0 : n - 1; i < n; i++)
        if (broker_ack(r->b, r->pending[i].tag, !r->held) < 0) {
            LOG_W("broker connection lost", "err=\"%s\"", broker_error(r->b));
            return READER_LOST;
        }
    memmove(r->pending, r->pending + n, keep * sizeof(*r->pending));
    r->npending = keep;
    return 0;
}

/* How many of the newest messages to leave unacked so that the broker, whose prefetch window
 * an ack reopens, sends no more than the limit: past it, a message would have to be put
 * back. The window is full of unacked messages before the acks; after them it has room for
 * prefetch - kept. */
static size_t keep_unacked(const struct reader *r, unsigned prefetch)
{
    if (!r->limit || r->stats->read + prefetch <= r->limit)
        return 0;
    unsigned long long keep = r->stats->read + prefetch - r->limit;
    return keep < r->npending ? (size_t)keep : r->npending;
}

int reader_run(struct broker *b, struct output *out, const struct reader_opts *o,
               volatile sig_atomic_t *stopping, struct reader_stats *stats)
{
    struct reader r = {.b = b, .out = out, .o = o, .stats = stats, .limit = o->count};
    struct broker_events ev = {.on_delivery = on_delivery, .on_confirm = on_confirm, .arg = &r};
    char err[1024];
    if (o->mode == READER_PEEK) {
        unsigned long long ready = o->ready_at_start > 0 ? (unsigned long long)o->ready_at_start
                                                         : 0;
        r.limit = r.limit && r.limit < ready ? r.limit : ready;
        if (r.limit == 0)
            return 0;
    }
    /* A consumer rather than basic.get: RabbitMQ 3.10 settles basic.get acks on a quorum
     * queue one command at a time and holds back those past a few dozen in flight; closing
     * then loses them and their messages come back, each a delivery spent. A consumer's
     * multiple ack is one command. The prefetch window keeps what comes past a limit small. */
    unsigned prefetch = READER_PREFETCH;
    if (r.limit && r.limit < prefetch)
        prefetch = (unsigned)r.limit;
    if (broker_consume(b, o->queue, prefetch, err, sizeof(err)) < 0) {
        LOG_E("cannot start", "err=\"%s\"", err);
        return -1;
    }
    /* A peek stops by itself after the messages it found; should the queue empty before
     * (a worker took some), it stops once it stayed empty this long. */
    double idle_exit_s = o->idle_exit_s > 0 ? o->idle_exit_s
                         : o->mode == READER_PEEK ? READER_PEEK_IDLE_S : 0;
    int rc = -1;
    uint64_t last_activity = loop_now_ms();
    while (broker_consuming(b)) {
        unsigned long long before = stats->read;
        if (broker_wait(b, &ev, READER_WAIT_MS) < 0) {
            LOG_W("broker connection lost", "err=\"%s\"", broker_error(b));
            rc = READER_LOST;
            goto out;
        }
        if (r.write_errno) {
            LOG_E("cannot write output", "err=\"%s\"", strerror(r.write_errno));
            goto out;
        }
        if (r.copy_failed) {
            LOG_W("cannot publish a copy", "err=\"%s\"", broker_error(b));
            rc = READER_LOST;
            goto out;
        }
        int committed = commit(&r, &ev, keep_unacked(&r, prefetch));
        if (committed < 0) {
            rc = committed;
            goto out;
        }
        if (r.held >= READER_PREFETCH) {
            /* Every delivery slot holds a message we cannot write: nothing more would come. */
            LOG_E("too many messages that are not JSON", "held=%llu hint=\"dump them as "
                  "jsonl without --fields, or with --with-headers\"", r.held);
            goto out;
        }
        int done = *stopping || (r.limit && stats->read >= r.limit);
        if (stats->read != before) {
            last_activity = loop_now_ms();
        } else if (!done && idle_exit_s > 0 &&
                   loop_now_ms() - last_activity >= (uint64_t)(idle_exit_s * 1000)) {
            /* Nothing arrived for that long; stop if the queue really is empty. */
            done = broker_queue_ready(b, o->queue, err, sizeof(err)) == 0;
            last_activity = loop_now_ms();
        }
        /* Cancelled, the consumer still gets what was on the wire before the cancel-ok:
         * the loop goes on until then, putting those back. */
        if (done && broker_cancel(b) < 0) {
            LOG_W("broker connection lost", "err=\"%s\"", broker_error(b));
            rc = READER_LOST;
            goto out;
        }
    }
    rc = 0;
out:
    if (rc == 0)
        rc = commit(&r, &ev, 0);
    if (r.put_back)
        LOG_D("put back", "queue=%s messages=%llu", o->queue, r.put_back);
    free(r.pending);
    return rc;
}
