/* worker.c -- the worker's event loop and the life of one job:
 *
 *   delivery -> parse -> rate slot (Redis) -> timer -> fetch (curl) -> extract -> publish
 *            -> broker confirm -> ack the delivery
 *
 * A delivery is acked only after its record or dead letter is confirmed, so a crash at any
 * point returns it to the queue (at least once, never lost). See docs/worker.md. */
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "kv.h"
#include "log.h"
#include "loop.h"
#include "message.h"
#include "metrics.h"
#include "record.h"
#include "retry.h"
#include "url.h"

#define HEARTBEAT_S 30
#define BROKER_TIMEOUT_MS 10000
#define TICK_MS 1000                /* heartbeats, idle check, drain deadline */
#define RATE_RETRY_MS 500           /* ask Redis again after it failed */
#define RATE_MAX_WAIT_US 30000000   /* book a host's schedule at most 30 s ahead */
#define POISON_DELIVERIES 5         /* a message delivered this often has killed workers */
#define METRICS_MAX_CODES 64        /* distinct error codes counted (then "other") */

/* Upper bounds (ms) of the fetch latency histogram's buckets; +Inf is implied. */
static const uint64_t LATENCY_BUCKETS_MS[] = {50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000};
#define NBUCKETS (sizeof(LATENCY_BUCKETS_MS) / sizeof(*LATENCY_BUCKETS_MS))

enum job_state { JOB_RATE_WAIT, JOB_READY, JOB_FETCHING, JOB_PUBLISHING };

struct job {
    struct worker *w;
    struct job *prev, *next;    /* all jobs in hand */
    struct job *ready_next;     /* JOB_READY: the queue of slots waiting for a transfer */
    uint64_t tag;               /* input delivery tag */
    enum job_state state;
    struct message msg;
    char *host;
    struct loop_timer timer;    /* rate wait */
    int asked;                  /* a rate request is outstanding */
    uint64_t seq;               /* confirm sequence of our outcome */
    char *out_body;             /* the outcome, kept until confirmed (republished on nack) */
    const char *out_queue;
    int orphan;                 /* its connection is gone: finish quietly, publish nothing */
    uint64_t out_expire_ms;     /* per-message expiration of a retry, 0 otherwise */
    enum { OUT_RECORD, OUT_DEAD, OUT_RETRY } out_kind;
};

struct worker {
    const struct worker_config *cfg;
    struct loop *loop;
    struct broker *in, *out;
    struct kv *kv;
    struct fetcher *fetcher;
    struct job *jobs;
    size_t njobs;
    struct job *ready_head, *ready_tail; /* slots due, waiting for a free transfer (FIFO) */
    char q_urls[128], q_records[128], q_dead[128];
    char q_delay[RETRY_LEVELS][128];
    struct loop_timer tick;
    int sigfd;
    int consuming;              /* the consumer is started (once Redis answers) */
    int broker_lost;            /* a connection failed: tear down before sleeping */
    uint64_t reconnect_backoff_ms;
    uint64_t broker_lost_at_ms; /* when the current outage began */
    struct loop_timer reconnect_timer;
    int draining;               /* a signal came: no new work */
    uint64_t drain_deadline_ms;
    int exit_code;
    uint64_t last_activity_ms;
    uint64_t last_progress_ms;
    int redis_down_logged;
    struct {
        uint64_t records, dead, retries, bytes, fetch_errors, rate_waits, late_slots;
        uint64_t sent_back;                 /* deliveries that arrived while draining */
        uint64_t by_class[6];               /* responses by status class: 1xx..5xx, other */
        uint64_t latency[NBUCKETS + 1];     /* fetch latency histogram (+Inf last) */
        uint64_t latency_sum_ms, fetches;
        struct {
            char code[24];
            uint64_t count;
        } errors[METRICS_MAX_CODES];        /* failed attempts by code */
        size_t nerrors;
    } n;
    struct metrics_server *metrics;
};

static void job_free(struct job *j)
{
    struct worker *w = j->w;
    loop_timer_stop(w->loop, &j->timer);
    if (j->state == JOB_READY) {
        struct job **pp = &w->ready_head, *prev = NULL;
        while (*pp && *pp != j) {
            prev = *pp;
            pp = &(*pp)->ready_next;
        }
        if (*pp)
            *pp = j->ready_next;
        if (w->ready_tail == j)
            w->ready_tail = prev;
    }
    if (j->prev)
        j->prev->next = j->next;
    else
        w->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    w->njobs--;
    message_cleanup(&j->msg);
    free(j->host);
    free(j->out_body);
    free(j);
}

static void fatal(struct worker *w, const char *what, const char *why)
{
    LOG_E(what, "err=\"%s\"", why);
    w->exit_code = 1;
    loop_stop(w->loop);
}

/* Marks the broker connections as failed. The teardown waits for the before-sleep hook: this
 * runs inside rabbitmq-c's own call stack more often than not. */
static void lose_broker(struct worker *w, const char *what, const char *why)
{
    if (w->broker_lost)
        return;
    LOG_W("broker connection lost", "what=\"%s\" err=\"%s\" (reconnecting; unacked URLs "
          "return to the queue)", what, why);
    w->broker_lost = 1;
    w->broker_lost_at_ms = loop_now_ms();
    loop_wake(w->loop);
}

/* Takes ownership of body. */
static void publish_outcome(struct job *j, const char *queue, char *body, int kind,
                            uint64_t expire_ms)
{
    struct worker *w = j->w;
    j->state = JOB_PUBLISHING;
    j->out_queue = queue;
    j->out_body = body;
    j->out_kind = kind;
    j->out_expire_ms = expire_ms;
    if (!body) {
        fatal(w, "cannot encode outcome", "out of memory");
        return;
    }
    int64_t seq = broker_publish_expiring(w->out, queue, body, strlen(body),
                                          "application/json", expire_ms);
    if (seq < 0) {
        lose_broker(w, "publish", broker_error(w->out));
        return;
    }
    j->seq = (uint64_t)seq;
}

static void count_error(struct worker *w, const char *code)
{
    size_t i = 0;
    while (i < w->n.nerrors && strcmp(w->n.errors[i].code, code) != 0)
        i++;
    if (i == w->n.nerrors) {
        if (i == METRICS_MAX_CODES)
            i--; /* the last slot collects the rest */
        else
            w->n.nerrors++;
        snprintf(w->n.errors[i].code, sizeof(w->n.errors[i].code), "%s",
                 i == METRICS_MAX_CODES - 1 ? "other" : code);
    }
    w->n.errors[i].count++;
}

/* A dead letter for a message that never became a fetch (it counts as one attempt). */
static void publish_dead(struct job *j, const char *raw, size_t raw_len, const char *error,
                         const char *detail)
{
    count_error(j->w, error);
    char *body = dead_letter_encode(j->msg.url, raw, raw_len, error, detail,
                                    j->msg.attempt + 1, j->msg.errors);
    LOG_D("dead letter", "url=%s error=%s detail=\"%s\"", j->msg.url ? j->msg.url : "-", error,
          detail);
    publish_outcome(j, j->w->q_dead, body, OUT_DEAD, 0);
}

/* A failed attempt: another one after a wait in a delay queue, or, when attempts are used up
 * or the failure is not transient, a dead letter listing every attempt's error. */
static void fail_attempt(struct job *j, const char *code, const char *detail, int transient,
                         int64_t retry_after_s)
{
    struct worker *w = j->w;
    int attempt = j->msg.attempt + 1;
    count_error(w, code);
    json_t *errors = j->msg.errors ? json_copy(j->msg.errors) : json_array();
    json_array_append_new(errors, json_pack("{s:i, s:s, s:s, s:I}", "attempt", attempt,
                                            "error", code, "detail", detail, "at",
                                            (json_int_t)time(NULL)));
    if (!transient || attempt >= w->cfg->max_attempts) {
        char *body = dead_letter_encode(j->msg.url, NULL, 0, code, detail, attempt, errors);
        json_decref(errors);
        LOG_D("dead letter", "url=%s error=%s attempts=%d", j->msg.url, code, attempt);
        publish_outcome(j, w->q_dead, body, OUT_DEAD, 0);
        return;
    }
    if (retry_after_s >= 0 && (uint64_t)retry_after_s * 1000 > w->cfg->max_retry_after_ms)
        LOG_W("retry-after clamped", "url=%s asked_s=%lld max_s=%llu", j->msg.url,
              (long long)retry_after_s, (unsigned long long)(w->cfg->max_retry_after_ms / 1000));
    uint64_t expire_ms;
    int level = retry_pick(attempt, retry_after_s, w->cfg->max_retry_after_ms,
                           (uint32_t)random(), &expire_ms);
    char *body = message_encode_retry(&j->msg, attempt, errors);
    json_decref(errors);
    LOG_D("retry", "url=%s error=%s attempt=%d wait_ms=%llu", j->msg.url, code, attempt,
          (unsigned long long)expire_ms);
    publish_outcome(j, w->q_delay[level], body, OUT_RETRY, expire_ms);
}

/* -- fetch -- */

static void start_fetch(struct loop *l, void *arg);

/* A transfer ended: hand its place to the next jobs in line. Safe here: the fetcher calls us
 * from its reap loop, outside any libcurl call. */
static void start_ready(struct worker *w)
{
    while (w->ready_head && fetcher_in_flight(w->fetcher) < w->cfg->concurrency) {
        struct job *j = w->ready_head;
        w->ready_head = j->ready_next;
        if (!w->ready_head)
            w->ready_tail = NULL;
        j->state = JOB_RATE_WAIT;
        start_fetch(w->loop, j);
    }
}

static void on_fetch_done(const struct fetch_result *r, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;
    start_ready(w);
    if (j->orphan) {
        job_free(j);
        return;
    }
    w->last_activity_ms = loop_now_ms();
    size_t b = 0;
    while (b < NBUCKETS && r->elapsed_ms > LATENCY_BUCKETS_MS[b])
        b++;
    w->n.latency[b]++;
    w->n.latency_sum_ms += r->elapsed_ms;
    w->n.fetches++;
    if (!r->error)
        w->n.by_class[r->status >= 100 && r->status < 600 ? r->status / 100 - 1 : 5]++;
    if (r->error) {
        w->n.fetch_errors++;
        fail_attempt(j, r->error, r->detail, retry_error_is_transient(r->error), -1);
        return;
    }
    if (retry_status_is_transient(r->status)) {
        char code[32], detail[64];
        snprintf(code, sizeof(code), "http_%ld", r->status);
        snprintf(detail, sizeof(detail), "HTTP status %ld", r->status);
        fail_attempt(j, code, detail, 1, r->retry_after_s);
        return;
    }
    json_t *rec = record_new(j->msg.url, r, time(NULL), j->msg.meta);
    if (!rec) {
        fatal(w, "cannot build record", "out of memory");
        return;
    }
    if (record_is_html(r->content_type, r->body, r->len))
        extract_html(r->body, r->len, r->content_type, r->final_url, &w->cfg->extract, rec);
    char *body = record_dump(rec);
    json_decref(rec);
    w->n.bytes += r->len;
    LOG_D("fetched", "url=%s status=%ld bytes=%zu ms=%llu", j->msg.url, r->status, r->len,
          (unsigned long long)r->elapsed_ms);
    publish_outcome(j, w->q_records, body, OUT_RECORD, 0);
}

static const struct rate *rate_for(const struct worker *w, const char *host);
static void ask_slot(struct loop *l, void *arg);

/* Below this spacing a slot cannot be kept to the millisecond anyway: no lateness check. */
#define LATE_CHECK_MIN_INTERVAL_MS 10

static void start_fetch(struct loop *l, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;
    /* A slot taken late (the loop or the machine stalled) would land next to the following
     * slot and make the host see a burst. Past half an interval, give it up and book anew:
     * then no 1-second window at the server holds more than the rate plus the burst. */
    uint64_t late_ms = loop_now_ms() - j->timer.due_ms;
    uint64_t interval_ms = rate_interval_us(rate_for(w, j->host)) / 1000;
    if (interval_ms >= LATE_CHECK_MIN_INTERVAL_MS && late_ms * 2 > interval_ms) {
        LOG_D("slot missed", "url=%s late_ms=%llu (booking another)", j->msg.url,
              (unsigned long long)late_ms);
        w->n.late_slots++;
        j->timer.fn = ask_slot;
        ask_slot(l, j);
        return;
    }
    if (fetcher_in_flight(w->fetcher) >= w->cfg->concurrency) {
        /* Every transfer is busy: wait in line; on_fetch_done starts the next. */
        j->state = JOB_READY;
        j->ready_next = NULL;
        if (w->ready_tail)
            w->ready_tail->ready_next = j;
        else
            w->ready_head = j;
        w->ready_tail = j;
        return;
    }
    j->state = JOB_FETCHING;
    if (fetcher_start(j->w->fetcher, j->msg.url, on_fetch_done, j) < 0)
        publish_dead(j, NULL, 0, "bad_message", "the URL could not be handed to libcurl");
}

/* -- rate slot -- */

static const struct rate *rate_for(const struct worker *w, const char *host)
{
    for (size_t i = 0; i < w->cfg->n_host_rates; i++)
        if (strcmp(w->cfg->host_rates[i].host, host) == 0)
            return &w->cfg->host_rates[i].rate;
    return &w->cfg->rate;
}

static void on_slot(int64_t wait_us, const char *err, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;
    j->asked = 0;
    if (j->orphan) {
        job_free(j);
        return;
    }
    if (w->draining) /* the tick returns the job to the queue */
        return;
    j->timer.fn = ask_slot;
    if (err) {
        /* Politeness is never bypassed: no slot, no fetch. */
        if (!w->redis_down_logged)
            LOG_W("rate limiter unavailable", "err=\"%s\" (waiting; not fetching)", err);
        w->redis_down_logged = 1;
        loop_timer_start(w->loop, &j->timer, RATE_RETRY_MS);
        return;
    }
    w->redis_down_logged = 0;
    if (wait_us < 0) {
        /* The host is booked far ahead; come back when the horizon has moved. */
        loop_timer_start(w->loop, &j->timer, (uint64_t)(-wait_us) / 1000 - RATE_MAX_WAIT_US / 1000 + 1);
        return;
    }
    if (wait_us > 0)
        w->n.rate_waits++;
    j->timer.fn = start_fetch;
    loop_timer_start(w->loop, &j->timer, ((uint64_t)wait_us + 999) / 1000);
}

static void ask_slot(struct loop *l, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;
    (void)l;
    if (w->draining) /* not started yet: it goes back to the queue */
        return;
    const struct rate *r = rate_for(w, j->host);
    if (kv_rate_acquire(w->kv, w->cfg->common.prefix, j->host, rate_interval_us(r),
                        w->cfg->burst, RATE_MAX_WAIT_US, on_slot, j) < 0) {
        if (!w->redis_down_logged)
            LOG_W("rate limiter unavailable", "err=\"redis not connected\" (waiting; not fetching)");
        w->redis_down_logged = 1;
        loop_timer_start(w->loop, &j->timer, RATE_RETRY_MS);
        return;
    }
    j->asked = 1;
}

/* -- deliveries and confirms -- */

static void on_delivery(const struct broker_delivery *d, void *arg)
{
    struct worker *w = arg;
    if (w->draining) {
        /* Sent before the broker saw our cancel: straight back. At most a prefetch
         * window of these can arrive; more means the cancel did not take. */
        broker_reject(w->in, d->tag, 1);
        w->n.sent_back++;
        return;
    }
    struct job *j = calloc(1, sizeof(*j));
    if (!j) {
        fatal(w, "cannot accept delivery", "out of memory");
        return;
    }
    j->w = w;
    j->tag = d->tag;
    loop_timer_init(&j->timer, ask_slot, j);
    j->next = w->jobs;
    if (j->next)
        j->next->prev = j;
    w->jobs = j;
    w->njobs++;
    w->last_activity_ms = loop_now_ms();

    char why[512];
    int parsed = message_parse(d->body, d->len, d->content_type, &j->msg, why, sizeof(why));
    if (d->delivery_count >= POISON_DELIVERIES) {
        /* Checked before anything else is done with it: this message has killed workers. */
        snprintf(why, sizeof(why), "delivered %ld times without an outcome (it crashes or hangs "
                 "workers)", d->delivery_count + 1);
        publish_dead(j, d->body, d->len > 4096 ? 4096 : d->len, "poison", why);
        return;
    }
    if (parsed < 0) {
        publish_dead(j, d->body, d->len > 4096 ? 4096 : d->len, "bad_message", why);
        return;
    }
    j->host = url_host(j->msg.url);
    if (!j->host) {
        publish_dead(j, NULL, 0, "bad_message", "URL has no host");
        return;
    }
    ask_slot(w->loop, j);
}

static void settle(struct worker *w, struct job *j, int ok)
{
    if (!ok) {
        /* A nack means the broker could not take the message: publish it again. */
        LOG_W("publish nacked", "queue=%s (publishing again)", j->out_queue);
        int64_t seq = broker_publish_expiring(w->out, j->out_queue, j->out_body,
                                              strlen(j->out_body), "application/json",
                                              j->out_expire_ms);
        if (seq < 0)
            lose_broker(w, "publish", broker_error(w->out));
        else
            j->seq = (uint64_t)seq;
        return;
    }
    if (broker_ack(w->in, j->tag, 0) < 0) {
        lose_broker(w, "ack", broker_error(w->in));
        return;
    }
    if (j->out_kind == OUT_DEAD)
        w->n.dead++;
    else if (j->out_kind == OUT_RETRY)
        w->n.retries++;
    else
        w->n.records++;
    job_free(j);
}

static void on_confirm(uint64_t seq, int multiple, int ok, void *arg)
{
    struct worker *w = arg;
    struct job *j = w->jobs, *next;
    for (; j; j = next) {
        next = j->next;
        if (j->state == JOB_PUBLISHING && j->seq != 0 &&
            (j->seq == seq || (multiple && j->seq < seq)))
            settle(w, j, ok);
    }
}

static void on_blocked(int blocked, const char *reason, void *arg)
{
    (void)arg;
    if (blocked)
        LOG_W("broker blocked publishing", "reason=\"%s\"", reason);
    else
        LOG_I("broker unblocked publishing", "%s", "");
}

/* -- loop plumbing -- */

static void drain_brokers(struct worker *w)
{
    struct broker_events ev = {.on_delivery = on_delivery, .on_confirm = on_confirm,
                               .on_blocked = on_blocked, .arg = w};
    if (!w->in || w->broker_lost)
        return;
    if (broker_drain(w->out, &ev) < 0)
        lose_broker(w, "publishing connection", broker_error(w->out));
    else if (broker_drain(w->in, &ev) < 0)
        lose_broker(w, "consuming connection", broker_error(w->in));
}

static int connect_brokers(struct worker *w, char *err, size_t errlen);
static void teardown_brokers(struct worker *w);

static void on_reconnect_timer(struct loop *l, void *arg)
{
    struct worker *w = arg;
    (void)l;
    char err[1024];
    if (connect_brokers(w, err, sizeof(err)) == 0) {
        LOG_I("broker reconnected", "down_ms=%llu",
              (unsigned long long)(loop_now_ms() - w->broker_lost_at_ms));
        w->reconnect_backoff_ms = 0;
        loop_timer_start(w->loop, &w->tick, 0); /* resumes consuming */
        return;
    }
    teardown_brokers(w);
    w->reconnect_backoff_ms = w->reconnect_backoff_ms ? w->reconnect_backoff_ms * 2 : 250;
    if (w->reconnect_backoff_ms > 10000)
        w->reconnect_backoff_ms = 10000;
    LOG_W("broker reconnect failed", "err=\"%s\" retry_ms=%llu", err,
          (unsigned long long)w->reconnect_backoff_ms);
    loop_timer_start(w->loop, &w->reconnect_timer, w->reconnect_backoff_ms);
}

/* Closes both connections and lets go of every job: their deliveries are unacked, so the
 * broker hands them out again. Jobs with a callback still to come (a Redis answer, a fetch)
 * stay as orphans and free themselves. */
static void teardown_brokers(struct worker *w)
{
    if (w->in)
        loop_unwatch(w->loop, broker_fd(w->in));
    if (w->out)
        loop_unwatch(w->loop, broker_fd(w->out));
    broker_free(w->in);
    broker_free(w->out);
    w->in = w->out = NULL;
    w->consuming = 0;
    w->broker_lost = 0;
    struct job *j, *next;
    for (j = w->jobs; j; j = next) {
        next = j->next;
        if (j->state == JOB_FETCHING || (j->state == JOB_RATE_WAIT && j->asked))
            j->orphan = 1;
        else if (!j->orphan)
            job_free(j);
    }
}

static void on_broker_readable(struct loop *l, int fd, int events, void *arg)
{
    (void)l;
    (void)fd;
    (void)events;
    drain_brokers(arg);
}

static void before_sleep(struct loop *l, void *arg)
{
    struct worker *w = arg;
    /* rabbitmq-c may hold bytes or frames that epoll will never report again. */
    if (w->in && (broker_has_buffered(w->in) || broker_has_buffered(w->out))) {
        drain_brokers(w);
        if (w->in && (broker_has_buffered(w->in) || broker_has_buffered(w->out)))
            loop_wake(l);
    }
    if (w->broker_lost) {
        teardown_brokers(w);
        if (w->draining) {
            LOG_W("broker lost while draining", "in_hand=%zu (they return to the queue)",
                  w->njobs);
            loop_stop(l);
            return;
        }
        loop_timer_start(l, &w->reconnect_timer, 0);
    }
    if (w->draining && w->njobs == 0) {
        LOG_I("drained", "records=%llu dead=%llu sent_back=%llu",
              (unsigned long long)w->n.records, (unsigned long long)w->n.dead,
              (unsigned long long)w->n.sent_back);
        loop_stop(l);
    }
}

static void log_progress(struct worker *w)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    LOG_I("progress", "records=%llu dead=%llu retries=%llu in_hand=%zu fetching=%zu "
          "bytes=%llu rate_waits=%llu late_slots=%llu max_rss_kb=%ld",
          (unsigned long long)w->n.records,
          (unsigned long long)w->n.dead, (unsigned long long)w->n.retries, w->njobs,
          fetcher_in_flight(w->fetcher), (unsigned long long)w->n.bytes,
          (unsigned long long)w->n.rate_waits, (unsigned long long)w->n.late_slots,
          ru.ru_maxrss);
}

/* Returns to the queue every job that has not started fetching and is not waiting for
 * Redis. Returns how many. */
static size_t return_waiting_jobs(struct worker *w)
{
    size_t returned = 0;
    struct job *j, *next;
    for (j = w->jobs; j; j = next) {
        next = j->next;
        if (((j->state == JOB_RATE_WAIT && !j->asked) || j->state == JOB_READY) && !j->orphan) {
            broker_reject(w->in, j->tag, 1);
            job_free(j);
            returned++;
        }
    }
    return returned;
}

static void begin_drain(struct worker *w, const char *why)
{
    w->draining = 1;
    w->drain_deadline_ms = loop_now_ms() + (uint64_t)(w->cfg->grace_s * 1000);
    if (!w->in) {
        LOG_I("draining", "reason=%s (not connected: nothing in hand to finish)", why);
        loop_stop(w->loop);
        return;
    }
    broker_cancel(w->in);
    /* Jobs not fetching yet go back to the queue now; the rest finish within the grace. */
    size_t returned = return_waiting_jobs(w);
    LOG_I("draining", "reason=%s returned=%zu in_hand=%zu grace_s=%.1f", why, returned,
          w->njobs, w->cfg->grace_s);
}

static void on_tick(struct loop *l, void *arg)
{
    struct worker *w = arg;
    uint64_t now = loop_now_ms();
    drain_brokers(w); /* services heartbeats on both connections */
    if (!w->in) {
        /* Reconnecting: the reconnect timer restarts the tick. */
        return;
    }
    if (!w->consuming && !w->draining) {
        /* Take no URL before the rate limiter answers: there would be nothing to do with it. */
        if (!kv_ready(w->kv)) {
            loop_timer_start(l, &w->tick, 50);
            return;
        }
        char err[512];
        if (broker_consume(w->in, w->q_urls, w->cfg->prefetch, err, sizeof(err)) < 0) {
            lose_broker(w, "consume", err);
            return;
        }
        w->consuming = 1;
        w->last_activity_ms = now;
        LOG_I("consuming", "queue=%s prefetch=%u concurrency=%u", w->q_urls, w->cfg->prefetch,
              w->cfg->concurrency);
    }
    if (w->draining) {
        return_waiting_jobs(w); /* what a slow rate answer left behind */
        if (now >= w->drain_deadline_ms) {
            LOG_W("grace expired", "in_hand=%zu (they return to the queue)", w->njobs);
            loop_stop(l);
            return;
        }
    }
    if (now - w->last_progress_ms >= (uint64_t)(w->cfg->progress_s * 1000)) {
        w->last_progress_ms = now;
        log_progress(w);
    }
    if (w->cfg->idle_exit_s > 0 && w->consuming && !w->draining && w->njobs == 0 &&
        now - w->last_activity_ms >= (uint64_t)(w->cfg->idle_exit_s * 1000)) {
        /* Idle means nothing to come: no URL ready and no retry waiting in a delay queue. */
        char err[512];
        long ready = broker_queue_ready(w->out, w->q_urls, err, sizeof(err));
        for (int i = 0; i < RETRY_LEVELS && ready == 0; i++)
            ready = broker_queue_ready(w->out, w->q_delay[i], err, sizeof(err));
        if (ready == 0) {
            LOG_I("idle, exiting", "idle_s=%.1f records=%llu dead=%llu", w->cfg->idle_exit_s,
                  (unsigned long long)w->n.records, (unsigned long long)w->n.dead);
            loop_stop(l);
            return;
        }
        w->last_activity_ms = now; /* messages are ready: they are on their way to someone */
    }
    loop_timer_start(l, &w->tick, TICK_MS);
}

static void on_signal(struct loop *l, int fd, int events, void *arg)
{
    struct worker *w = arg;
    (void)events;
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof(si)) != sizeof(si))
        return;
    if (w->draining) {
        LOG_W("second signal, exiting now", "in_hand=%zu (unacked: they return to the queue)",
              w->njobs);
        loop_stop(l);
        return;
    }
    begin_drain(w, si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
}

static int setup_signals(struct worker *w)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    w->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (w->sigfd < 0)
        return -1;
    return loop_watch(w->loop, w->sigfd, LOOP_READ, on_signal, w);
}

static void render_metrics(struct metrics_buf *o, void *arg)
{
    const struct worker *w = arg;
    static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    metrics_printf(o, "# HELP trawl_pages_total HTTP responses fetched, by status class.\n"
                      "# TYPE trawl_pages_total counter\n");
    for (int i = 0; i < 6; i++)
        metrics_printf(o, "trawl_pages_total{class=\"%s\"} %llu\n", classes[i],
                       (unsigned long long)w->n.by_class[i]);
    metrics_printf(o, "# HELP trawl_bytes_total Body bytes received, after decompression.\n"
                      "# TYPE trawl_bytes_total counter\ntrawl_bytes_total %llu\n",
                   (unsigned long long)w->n.bytes);
    metrics_printf(o, "# HELP trawl_errors_total Failed attempts and dead letters, by code.\n"
                      "# TYPE trawl_errors_total counter\n");
    for (size_t i = 0; i < w->n.nerrors; i++)
        metrics_printf(o, "trawl_errors_total{code=\"%s\"} %llu\n", w->n.errors[i].code,
                       (unsigned long long)w->n.errors[i].count);
    metrics_printf(o, "# HELP trawl_outcomes_total Outcomes published and confirmed.\n"
                      "# TYPE trawl_outcomes_total counter\n"
                      "trawl_outcomes_total{kind=\"record\"} %llu\n"
                      "trawl_outcomes_total{kind=\"dead\"} %llu\n"
                      "trawl_outcomes_total{kind=\"retry\"} %llu\n",
                   (unsigned long long)w->n.records, (unsigned long long)w->n.dead,
                   (unsigned long long)w->n.retries);
    metrics_printf(o, "# HELP trawl_rate_limit_waits_total Fetches that waited for their host's "
                      "slot.\n# TYPE trawl_rate_limit_waits_total counter\n"
                      "trawl_rate_limit_waits_total %llu\n",
                   (unsigned long long)w->n.rate_waits);
    metrics_printf(o, "# HELP trawl_transfers_in_flight Fetches running now.\n"
                      "# TYPE trawl_transfers_in_flight gauge\ntrawl_transfers_in_flight %zu\n"
                      "# HELP trawl_jobs_in_hand URLs taken and not yet settled.\n"
                      "# TYPE trawl_jobs_in_hand gauge\ntrawl_jobs_in_hand %zu\n",
                   w->fetcher ? fetcher_in_flight(w->fetcher) : 0, w->njobs);
    metrics_printf(o, "# HELP trawl_fetch_duration_seconds Fetch time, redirects included.\n"
                      "# TYPE trawl_fetch_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= NBUCKETS; i++) {
        cumulative += w->n.latency[i];
        if (i < NBUCKETS)
            metrics_printf(o, "trawl_fetch_duration_seconds_bucket{le=\"%g\"} %llu\n",
                           (double)LATENCY_BUCKETS_MS[i] / 1000, (unsigned long long)cumulative);
        else
            metrics_printf(o, "trawl_fetch_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                           (unsigned long long)cumulative);
    }
    metrics_printf(o, "trawl_fetch_duration_seconds_sum %.3f\n"
                      "trawl_fetch_duration_seconds_count %llu\n",
                   (double)w->n.latency_sum_ms / 1000, (unsigned long long)w->n.fetches);
}

/* Opens both connections (publishing first: it declares the queues) and watches them. */
static int connect_brokers(struct worker *w, char *err, size_t errlen)
{
    const struct common_config *c = &w->cfg->common;
    w->out = broker_connect(c->amqp_url, "trawl-worker publish", HEARTBEAT_S, BROKER_TIMEOUT_MS,
                            err, errlen);
    if (!w->out || broker_declare_queues(w->out, c->prefix, c->queue_type, err, errlen) < 0 ||
        broker_confirm_select(w->out, err, errlen) < 0)
        return -1;
    w->in = broker_connect(c->amqp_url, "trawl-worker consume", HEARTBEAT_S, BROKER_TIMEOUT_MS,
                           err, errlen);
    if (!w->in)
        return -1;
    loop_watch(w->loop, broker_fd(w->in), LOOP_READ, on_broker_readable, w);
    loop_watch(w->loop, broker_fd(w->out), LOOP_READ, on_broker_readable, w);
    return 0;
}

int worker_run(const struct worker_config *cfg)
{
    struct worker w = {.cfg = cfg, .sigfd = -1};
    char err[1024] = "";
    const char *prefix = cfg->common.prefix;
    broker_queue_name(w.q_urls, sizeof(w.q_urls), prefix, "urls");
    broker_queue_name(w.q_records, sizeof(w.q_records), prefix, "records");
    broker_queue_name(w.q_dead, sizeof(w.q_dead), prefix, "dead");
    for (int i = 0; i < RETRY_LEVELS; i++)
        broker_queue_name(w.q_delay[i], sizeof(w.q_delay[i]), prefix, RETRY_LEVEL[i].suffix);
    srandom((unsigned)getpid() ^ (unsigned)loop_now_ms());

    w.loop = loop_new();
    if (!w.loop || setup_signals(&w) < 0) {
        LOG_E("cannot start", "err=\"%s\"", strerror(errno));
        loop_free(w.loop);
        return 1;
    }
    loop_timer_init(&w.tick, on_tick, &w);
    loop_timer_init(&w.reconnect_timer, on_reconnect_timer, &w);
    w.exit_code = 1;
    /* A broker that cannot be reached at start-up is a configuration problem worth an exit;
     * once connected, outages are waited out (on_reconnect_timer). */
    if (connect_brokers(&w, err, sizeof(err)) < 0)
        goto out;
    w.kv = kv_new(w.loop, cfg->common.redis_url, err, sizeof(err));
    if (!w.kv)
        goto out;
    w.fetcher = fetcher_new(w.loop, &cfg->fetch, err, sizeof(err));
    if (!w.fetcher)
        goto out;
    if (cfg->metrics_addr) {
        w.metrics = metrics_server_new(w.loop, cfg->metrics_addr, render_metrics, &w, err,
                                       sizeof(err));
        if (!w.metrics)
            goto out;
        LOG_I("metrics", "listening=%s port=%d path=/metrics", cfg->metrics_addr,
              metrics_server_port(w.metrics));
    }
    loop_before_sleep(w.loop, before_sleep, &w);
    loop_timer_start(w.loop, &w.tick, 0); /* starts consuming once Redis is connected */
    w.last_activity_ms = w.last_progress_ms = loop_now_ms();
    char redacted[256];
    LOG_I("started", "version=%s amqp=%s queue=%s concurrency=%u rate=%llu/%llums",
          TRAWL_VERSION, log_redact_url(cfg->common.amqp_url, redacted, sizeof(redacted)),
          w.q_urls, cfg->concurrency, (unsigned long long)cfg->rate.count,
          (unsigned long long)cfg->rate.period_ms);

    w.exit_code = 0;
    if (loop_run(w.loop) < 0)
        fatal(&w, "event loop failed", strerror(errno));
    log_progress(&w);
    err[0] = '\0';
out:
    if (err[0])
        LOG_E("cannot start", "err=\"%s\"", err);
    /* Order matters: curl calls back into the loop while it tears down; jobs still in hand
     * are simply not acked, and the broker returns them to the queue when we disconnect. */
    metrics_server_free(w.metrics);
    fetcher_free(w.fetcher);
    w.draining = 1;
    kv_free(w.kv);
    w.kv = NULL;
    while (w.jobs)
        job_free(w.jobs);
    if (w.in)
        loop_unwatch(w.loop, broker_fd(w.in));
    if (w.out)
        loop_unwatch(w.loop, broker_fd(w.out));
    broker_free(w.in);
    broker_free(w.out);
    loop_timer_stop(w.loop, &w.tick);
    loop_timer_stop(w.loop, &w.reconnect_timer);
    if (w.sigfd >= 0)
        close(w.sigfd);
    loop_free(w.loop);
    return w.exit_code;
}
