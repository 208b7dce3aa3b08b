/* job.c -- the life of one URL in a worker:
 *
 *   delivery -> parse -> rate slot (Redis) -> timer -> fetch (curl) -> extract -> publish
 *            -> broker confirm -> ack the delivery
 *
 * A delivery is acked only after its record or dead letter is confirmed, so a crash at any
 * point returns it to the queue (at least once, never lost). See docs/worker.md. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extract.h"
#include "log.h"
#include "record.h"
#include "url.h"
#include "worker_int.h"

static void start_fetch(struct loop *l, void *arg);
static void ask_slot(struct loop *l, void *arg);
static const struct rate *rate_for(const struct worker *w, const char *host);

void job_free(struct job *j)
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
        worker_fatal(w, "cannot encode outcome", "out of memory");
        return;
    }
    int64_t seq = broker_publish_expiring(w->out, queue, body, strlen(body),
                                          "application/json", expire_ms);
    if (seq < 0) {
        worker_lose_broker(w, "publish", broker_error(w->out));
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
        worker_fatal(w, "cannot build record", "out of memory");
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

void job_on_delivery(const struct broker_delivery *d, void *arg)
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
        worker_fatal(w, "cannot accept delivery", "out of memory");
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
            worker_lose_broker(w, "publish", broker_error(w->out));
        else
            j->seq = (uint64_t)seq;
        return;
    }
    if (broker_ack(w->in, j->tag, 0) < 0) {
        worker_lose_broker(w, "ack", broker_error(w->in));
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

void job_on_confirm(uint64_t seq, int multiple, int ok, void *arg)
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

size_t jobs_return_waiting(struct worker *w)
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
