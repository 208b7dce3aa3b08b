/* requeue.c -- trawl-producer --requeue-dead: dead letters back to work.
 *
 * At least once, never lost: a letter is acked off PREFIX.dead only once the broker has
 * confirmed what takes its place: its input message on PREFIX.urls, or, for a letter that
 * stays, the letter itself published again on PREFIX.dead. A letter that stays is
 * republished rather than rejected back to the queue: a reject puts it at the head, where
 * this consumer would get it again, and spends a quorum queue's x-delivery-count.
 *
 * The run reads how many letters are ready when it starts (a passive declare) and handles at
 * most that many, so it never reads back what it republished, and it ends.
 *
 * Each round of up to --batch letters has a connection of its own, whose consumer's prefetch
 * is the round's size: the broker cannot hand over a letter the round will not handle, and
 * closing the connection ends the consumer without waiting for a cancel-ok (which broker.h
 * does not show). A connection costs a few milliseconds per round. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "message.h"
#include "producer.h"
#include "record.h"

#define QUIET_MS 1000           /* a round stops waiting once no letter came for this long */
#define PROGRESS_MS 5000        /* a progress line at most this often */
#define ROUND_MAX 65535         /* AMQP's prefetch count is 16 bits */
#define FAILED_ROUNDS_MAX 10    /* rounds in a row lost to the broker before giving up */

enum verdict { REQUEUE, KEEP, BAD };

/* A letter received in this round, waiting for what replaces it to be confirmed. */
struct held {
    uint64_t tag;               /* the delivery, acked once `body` is confirmed */
    char *body;                 /* owned: the input message, or the letter again */
    size_t len;
    char *content_type;         /* owned */
    enum verdict verdict;       /* REQUEUE goes to PREFIX.urls, KEEP and BAD to PREFIX.dead */
};

struct requeue {
    struct producer *p;
    char q_dead[128];
    struct held *held;          /* owned, grown as letters arrive */
    size_t nheld, cap;
    size_t requeuing;           /* REQUEUE verdicts in hand (for --count) */
    int failed;                 /* out of memory: the round cannot go on */
    uint64_t last_delivery_ms;
    unsigned long long requeued, kept, bad;
};

static int selected(const struct producer *p, const char *code)
{
    if (p->errors.n == 0)
        return 1;
    for (size_t i = 0; code && i < p->errors.n; i++)
        if (strcmp(code, p->errors.v[i]) == 0)
            return 1;
    return 0;
}

/* Decides a letter's fate and keeps what will be published for it. */
static void on_delivery(const struct broker_delivery *d, void *arg)
{
    struct requeue *rq = arg;
    rq->last_delivery_ms = loop_now_ms();
    if (rq->nheld == rq->cap) {
        size_t cap = rq->cap ? rq->cap * 2 : 64;
        struct held *grown = realloc(rq->held, cap * sizeof(*grown));
        if (!grown) {
            rq->failed = 1; /* not acked: it stays on PREFIX.dead */
            return;
        }
        rq->held = grown;
        rq->cap = cap;
    }
    struct held *h = &rq->held[rq->nheld];
    *h = (struct held){.tag = d->tag};
    struct dead_letter dl;
    char why[512];
    int usable = dead_letter_parse(d->body, d->len, &dl, why, sizeof(why)) == 0;
    if (!selected(rq->p, dl.error))
        h->verdict = KEEP;
    else if (!usable)
        h->verdict = BAD;
    else if (rq->p->requeue_max && rq->requeued + rq->requeuing >= rq->p->requeue_max)
        h->verdict = KEEP;
    else
        h->verdict = REQUEUE;
    if (h->verdict == REQUEUE) {
        /* Attempts start again from 0: the message carries no "attempt" or "errors". */
        h->body = message_encode_full(dl.msg.url, dl.msg.kind, dl.msg.depth, dl.msg.meta, 0, 0);
        h->len = h->body ? strlen(h->body) : 0;
        h->content_type = strdup("application/json");
        rq->requeuing++;
        char qurl[600], qcode[200];
        LOG_D("dead letter requeued", "url=%s error=%s",
              producer_quote(qurl, sizeof(qurl), dl.msg.url),
              producer_quote(qcode, sizeof(qcode), dl.error ? dl.error : ""));
    } else {
        h->body = malloc(d->len ? d->len : 1);
        if (h->body)
            memcpy(h->body, d->body, d->len);
        h->len = d->len;
        h->content_type = strdup(d->content_type[0] ? d->content_type : "application/json");
        if (h->verdict == BAD) {
            char qwhy[600];
            LOG_D("dead letter kept", "reason=%s", producer_quote(qwhy, sizeof(qwhy), why));
        }
    }
    dead_letter_cleanup(&dl);
    if (!h->body || !h->content_type) {
        free(h->body);
        free(h->content_type);
        rq->failed = 1;
        return;
    }
    rq->nheld++;
}

static void drop_held(struct requeue *rq)
{
    for (size_t i = 0; i < rq->nheld; i++) {
        free(rq->held[i].body);
        free(rq->held[i].content_type);
    }
    rq->nheld = 0;
    rq->requeuing = 0;
}

/* Publishes what replaces each held letter until every one is confirmed (nacked ones again),
 * including letters that arrive meanwhile, then acks the letters. 0, or -1 when the
 * connection was lost. */
static int settle_held(struct requeue *rq)
{
    struct producer *p = rq->p;
    size_t done = 0;
    while (done < rq->nheld) {
        size_t n = rq->nheld - done;
        struct outgoing *out = calloc(n, sizeof(*out));
        if (!out)
            return -1;
        for (size_t i = 0; i < n; i++) {
            const struct held *h = &rq->held[done + i];
            out[i] = (struct outgoing){h->verdict == REQUEUE ? p->q_urls : rq->q_dead, h->body,
                                       h->len, h->content_type, OUT_WAITING};
        }
        int rc = producer_publish(p, out, n, on_delivery, rq);
        /* Nacked ones move to the end of the round and go out again. */
        size_t acked = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (out[i].state != OUT_ACKED)
                continue;
            struct held t = rq->held[done + acked];
            rq->held[done + acked++] = rq->held[done + i];
            rq->held[done + i] = t;
        }
        free(out);
        if (rc < 0 || rq->failed)
            return -1;
        if (acked < n)
            LOG_W("publishing again", "count=%zu cause=nack", n - acked);
        done += acked;
    }
    /* One ack for the round: every delivery of this connection is held, so "multiple" up to
     * the highest tag takes exactly them. Acked one by one, with the connection closed right
     * after, about two thirds of a 100-letter round came back to PREFIX.dead on RabbitMQ
     * 3.10 (a quorum queue's client holds back commands past a few dozen in flight, and
     * the channel's end drops them): requeued twice, and the letters at the end of the
     * queue never reached. */
    uint64_t last_tag = 0;
    for (size_t i = 0; i < rq->nheld; i++)
        if (rq->held[i].tag > last_tag)
            last_tag = rq->held[i].tag;
    if (broker_ack(p->broker, last_tag, 1) < 0)
        return -1;
    for (size_t i = 0; i < rq->nheld; i++) {
        enum verdict v = rq->held[i].verdict;
        if (v == REQUEUE)
            rq->requeued++;
        else if (v == KEEP)
            rq->kept++;
        else
            rq->bad++;
    }
    return 0;
}

/* One round on p->broker (connected), which it closes: receives up to `want` letters (fewer
 * when none came for QUIET_MS) and settles them. Returns how many were settled (0: the queue
 * had none), or -1 when the connection failed, leaving the round's letters to the broker,
 * which returns them to PREFIX.dead. */
static long run_round(struct requeue *rq, size_t want)
{
    struct producer *p = rq->p;
    char err[1024], why[1100];
    long rc = -1;
    if (broker_consume(p->broker, rq->q_dead, (unsigned)want, err, sizeof(err)) < 0) {
        LOG_W("cannot consume dead letters", "err=%s", producer_quote(why, sizeof(why), err));
        goto out;
    }
    struct broker_events ev = {.on_delivery = on_delivery, .arg = rq};
    rq->last_delivery_ms = loop_now_ms();
    while (rq->nheld < want && !rq->failed) {
        uint64_t quiet_ms = loop_now_ms() - rq->last_delivery_ms;
        if (quiet_ms >= QUIET_MS)
            break;
        if (broker_wait(p->broker, &ev, (int)(QUIET_MS - quiet_ms)) < 0) {
            LOG_W("broker connection lost", "err=%s",
                  producer_quote(why, sizeof(why), broker_error(p->broker)));
            goto out;
        }
    }
    if (rq->failed) {
        LOG_E("cannot hold dead letters", "err=\"out of memory\"");
        goto out;
    }
    size_t n = rq->nheld;
    LOG_D("requeue round", "want=%zu got=%zu", want, n);
    if (settle_held(rq) < 0)
        goto out;
    rc = (long)n;
out:
    drop_held(rq);
    /* Closing ends the consumer; a letter not acked goes back to PREFIX.dead. */
    broker_free(p->broker);
    p->broker = NULL;
    return rc;
}

int requeue_dead(struct producer *p)
{
    struct requeue rq = {.p = p};
    broker_queue_name(rq.q_dead, sizeof(rq.q_dead), p->cfg.prefix, "dead");
    char err[1024], why[1100], codes[512] = "";
    for (size_t i = 0; i < p->errors.n; i++)
        snprintf(codes + strlen(codes), sizeof(codes) - strlen(codes), "%s%s", i ? "," : "",
                 p->errors.v[i]);
    int rc = -1;
    long ready = producer_broker(p) < 0 ? -1 : broker_queue_ready(p->broker, rq.q_dead, err,
                                                                  sizeof(err));
    if (ready < 0) {
        if (p->broker)
            LOG_E("cannot count dead letters", "err=%s", producer_quote(why, sizeof(why), err));
        goto out;
    }
    char count[24] = "all";
    if (p->requeue_max)
        snprintf(count, sizeof(count), "%zu", p->requeue_max);
    LOG_I("requeueing dead letters", "queue=%s ready=%ld errors=%s count=%s", rq.q_dead, ready,
          codes[0] ? codes : "all", count);
    unsigned long long handled = 0;
    uint64_t last_progress_ms = loop_now_ms();
    int failed_rounds = 0;
    while (handled < (unsigned long long)ready &&
           !(p->requeue_max && rq.requeued >= p->requeue_max)) {
        unsigned long long left = (unsigned long long)ready - handled;
        size_t want = p->batch_max < ROUND_MAX ? p->batch_max : ROUND_MAX;
        if (left < want)
            want = (size_t)left;
        if (producer_broker(p) < 0)
            goto out; /* an outage longer than the producer waits one out */
        long n = run_round(&rq, want);
        if (n == 0)
            break; /* someone else took the rest */
        if (n < 0) {
            if (++failed_rounds >= FAILED_ROUNDS_MAX) {
                LOG_E("giving up", "failed_rounds=%d reason=\"the broker keeps failing\"",
                      failed_rounds);
                goto out;
            }
            continue;
        }
        failed_rounds = 0;
        handled += (unsigned long long)n;
        if (loop_now_ms() - last_progress_ms >= PROGRESS_MS) {
            last_progress_ms = loop_now_ms();
            LOG_I("requeue progress", "handled=%llu of=%ld requeued=%llu kept=%llu "
                  "skipped_bad=%llu", handled, ready, rq.requeued, rq.kept, rq.bad);
        }
    }
    rc = 0;
out:
    free(rq.held);
    report_summary(p, "requeued=%llu kept=%llu skipped_bad=%llu", rq.requeued, rq.kept, rq.bad);
    return rc;
}
