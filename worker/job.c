/* job.c -- the life of one URL in a worker:
 *
 *   delivery -> parse -> host line -> book (Redis: rate slot, lease) -> timer -> lease
 *            -> fetch (curl) -> extract -> publish -> broker confirm -> ack the delivery
 *
 * A delivery is acked only after its record or dead letter is confirmed, so a crash at any
 * point returns it to the queue (at least once, never lost). Each state of enum job_state is
 * one wait; every transition is a function here named for what happened (on_booked,
 * on_slot_due, ...). See docs/worker.md. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "extract.h"
#include "log.h"
#include "record.h"
#include "robots.h"
#include "url.h"
#include "worker_int.h"

static void book(struct job *j);
static void host_next(struct worker *w, struct policy_host *h);
static void on_book_timer(struct loop *l, void *arg);
static void start_ready(struct worker *w);

/* -- states -- */

/* The states in which the job waits holding its host's turn: while one does, no other job
 * of the host books in this worker (one poll, not one per job). */
static int waits_with_turn(enum job_state s)
{
    return s == JOB_LEASE_WAIT || s == JOB_PENALTY_WAIT || s == JOB_HORIZON_WAIT ||
           s == JOB_REDIS_WAIT;
}

/* The states that count against the host's turn: a booking out, or a wait holding it. */
static int holds_turn(enum job_state s)
{
    return s == JOB_BOOKING || waits_with_turn(s);
}

/* Bookings out at once per host and worker. One: several at once (as many as the host has
 * leases) measured slower with two workers in bench/run, the extra answers mostly LEASE_BUSY
 * and each then a poll. */
#define BOOKINGS_PER_HOST 1

/* The job gives up the share of its host's turn its state held. */
static void leave_turn(struct job *j)
{
    if (j->state == JOB_BOOKING)
        j->ph->booking--;
    else if (waits_with_turn(j->state))
        j->ph->waiting = 0;
}

/* The states with an answer still to come from Redis or curl: such a job cannot be freed
 * until it arrives (the callback holds a pointer to it). */
static int awaits_callback(enum job_state s)
{
    return s == JOB_REVISIT_LOOKUP || s == JOB_BOOKING || s == JOB_LEASE_ASKING ||
           s == JOB_FETCHING || s == JOB_CLAIMING;
}

/* The states a drain hands back to the queue at once: nothing started, nothing out. */
static int returnable(enum job_state s)
{
    return !awaits_callback(s) && s != JOB_FOLLOWING && s != JOB_PUBLISHING &&
           s != JOB_ABANDONED;
}

void line_remove(struct job **head, struct job **tail, struct job *j)
{
    struct job *prev = NULL;
    for (struct job *k = *head; k; prev = k, k = k->line_next)
        if (k == j) {
            if (prev)
                prev->line_next = j->line_next;
            else
                *head = j->line_next;
            if (*tail == j)
                *tail = prev;
            break;
        }
    j->line_next = NULL;
}

void line_push(struct job **head, struct job **tail, struct job *j)
{
    j->line_next = NULL;
    if (*tail)
        (*tail)->line_next = j;
    else
        *head = j;
    *tail = j;
}

void line_push_front(struct job **head, struct job **tail, struct job *j)
{
    j->line_next = *head;
    *head = j;
    if (!*tail)
        *tail = j;
}

/* The job leaves whatever state it is in: its timer stops, it leaves its line, and a turn it
 * held passes to the next job of its host. */
static void leave_state(struct job *j)
{
    struct worker *w = j->w;
    struct policy_host *h = j->ph;
    loop_timer_stop(w->loop, &j->timer);
    if (j->state == JOB_ROBOTS_WAIT)
        line_remove((struct job **)&j->site->wait_head, (struct job **)&j->site->wait_tail, j);
    if (!h)
        return;
    if (j->state == JOB_QUEUED)
        line_remove((struct job **)&h->queue_head, (struct job **)&h->queue_tail, j);
    else if (j->state == JOB_READY)
        line_remove(&w->ready_head, &w->ready_tail, j);
    if (holds_turn(j->state)) {
        leave_turn(j);
        j->state = JOB_QUEUED; /* no longer holding it, whatever comes next */
        host_next(w, h);
    }
}

/* Arms the job's one timer for its new state. */
static void arm(struct job *j, loop_timer_fn *fn, uint64_t delay_ms)
{
    loop_timer_stop(j->w->loop, &j->timer);
    j->timer.fn = fn;
    loop_timer_start(j->w->loop, &j->timer, delay_ms);
}

static void give_back_lease(struct job *j)
{
    if (!j->has_lease)
        return;
    struct worker *w = j->w;
    struct policy_host *h = j->ph;
    policy_release_lease(w->policy, h, j->lease_id);
    j->has_lease = 0;
    /* A job of ours polling for this host's lease need not wait for its timer. (Handing the
     * lease straight to it, in its booking, was tried: one worker then kept a host's leases
     * while the other's jobs waited, and two workers crawled slower in bench/run.) */
    for (struct job *k = w->jobs; k && h->waiting; k = k->next)
        if (k->ph == h && k->state == JOB_LEASE_WAIT) {
            arm(k, on_book_timer, 0);
            break;
        }
}

/* Unlinks and frees a job (its delivery is neither acked nor rejected here). */
static void job_free(struct job *j)
{
    struct worker *w = j->w;
    leave_state(j);
    give_back_lease(j);
    if (j->ph)
        policy_host_put(w->policy, j->ph);
    if (j->site) {
        if (j->purpose == FETCH_ROBOTS)
            robots_job_gone(j);
        policy_site_put(w->policy, j->site);
    }
    if (j->prev)
        j->prev->next = j->next;
    else
        w->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    w->njobs--;
    message_cleanup(&j->msg);
    free(j->out_body);
    free(j->seen_before);
    free(j->seen_now);
    follow_free(j->follow);
    free(j);
}

/* Back to the queue, unstarted (basic.reject with requeue). A robots job has no delivery:
 * it just goes, and its site's claim with it. */
static void job_return(struct job *j)
{
    if (j->purpose == FETCH_PAGE)
        broker_reject(j->w->in, j->tag, 1);
    job_free(j);
}

/* A callback arrived for a job that may no longer be wanted. Returns 1 when it was dealt
 * with (abandoned: freed; draining and not started: returned). */
int job_gone_or_returned(struct job *j)
{
    if (j->state == JOB_ABANDONED) {
        job_free(j);
        return 1;
    }
    if (j->w->draining) {
        j->state = JOB_QUEUED; /* nothing out any more */
        job_return(j);
        return 1;
    }
    return 0;
}

/* -- outcomes -- */

/* Takes ownership of body. */
static void publish_outcome(struct job *j, const char *queue, char *body,
                            enum outcome_kind kind, uint64_t expire_ms)
{
    struct worker *w = j->w;
    leave_state(j);
    give_back_lease(j);
    j->state = JOB_PUBLISHING;
    j->out_queue = queue;
    j->out_body = body;
    j->out_kind = kind;
    j->out_expire_ms = expire_ms;
    if (expire_ms && loop_now_ms() + expire_ms > w->returns_due_ms)
        w->returns_due_ms = loop_now_ms() + expire_ms;
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

static void count_error(struct worker *w, enum errcode code, long http_status)
{
    w->n.errors[code]++;
    if (code == ERR_HTTP_STATUS)
        w->n.http_errors[http_status >= 0 && http_status <= HTTP_STATUS_MAX ? http_status : 0]++;
}

void job_publish_dead(struct job *j, const char *raw, size_t raw_len, enum errcode code,
                      const char *detail)
{
    count_error(j->w, code, 0);
    const char *error = ERRCODE[code].name;
    char *body = dead_letter_encode(&j->msg, raw, raw_len, error, detail, j->msg.attempt + 1,
                                    j->msg.errors);
    LOG_D("dead letter", "url=%s error=%s detail=\"%s\"", j->msg.url ? j->msg.url : "-", error,
          detail);
    publish_outcome(j, j->w->q_dead, body, OUT_DEAD, 0);
}

/* Another attempt after a wait in a delay queue, or, when attempts are used up or the
 * failure is not transient, a dead letter listing every attempt's error. */
void job_fail_attempt(struct job *j, enum errcode error, long http_status, const char *detail,
                      int transient, int64_t retry_after_s)
{
    struct worker *w = j->w;
    int attempt = j->msg.attempt + 1;
    count_error(w, error, http_status);
    char name[ERRCODE_NAME_MAX];
    const char *code = errcode_name(error, http_status, name, sizeof(name));
    json_t *errors = j->msg.errors ? json_copy(j->msg.errors) : json_array();
    json_array_append_new(errors, json_pack("{s:i, s:s, s:s, s:I}", "attempt", attempt,
                                            "error", code, "detail", detail, "at",
                                            (json_int_t)time(NULL)));
    if (!transient || attempt >= w->cfg->max_attempts) {
        char *body = dead_letter_encode(&j->msg, NULL, 0, code, detail, attempt, errors);
        json_decref(errors);
        LOG_D("dead letter", "url=%s error=%s attempts=%d", j->msg.url, code, attempt);
        revisit_note(j, NULL, NULL);
        publish_outcome(j, w->q_dead, body, OUT_DEAD, 0);
        return;
    }
    if (retry_after_s >= 0 && (uint64_t)retry_after_s * 1000 > w->cfg->max_retry_after_ms)
        LOG_W("retry-after clamped", "url=%s asked_s=%lld max_s=%llu", j->msg.url,
              (long long)retry_after_s, (unsigned long long)(w->cfg->max_retry_after_ms / 1000));
    uint64_t expire_ms;
    int level = retry_pick(attempt, retry_after_s, w->cfg->max_retry_after_ms,
                           (uint32_t)random(), &expire_ms);
    char *body = message_encode_again(&j->msg, attempt, errors, j->msg.parked);
    json_decref(errors);
    LOG_D("retry", "url=%s error=%s attempt=%d wait_ms=%llu", j->msg.url, code, attempt,
          (unsigned long long)expire_ms);
    publish_outcome(j, w->q_delay[level], body, OUT_RETRY, expire_ms);
}

/* Counts a reason the job waited, once per job. */
void job_count_wait(struct job *j, unsigned reason)
{
    struct worker *w = j->w;
    if (j->waited & reason)
        return;
    j->waited |= reason;
    if (reason == WAITED_RATE)
        w->n.waits_rate++;
    else if (reason == WAITED_LEASE)
        w->n.waits_lease++;
    else if (reason == WAITED_PENALTY)
        w->n.waits_penalty++;
    else
        w->n.waits_robots++;
}

/* Sets the job aside for delay_ms: its message goes round a delay queue (the URL's attempts
 * unchanged, its park count one more) and comes back to some worker, so that a host that
 * cannot take it soon does not hold a place in the prefetch window meanwhile. */
static void park(struct job *j, uint64_t delay_ms)
{
    struct worker *w = j->w;
    char *body = message_encode_again(&j->msg, j->msg.attempt, j->msg.errors, j->msg.parked + 1);
    LOG_D("parked", "url=%s host=%s back_ms=%llu times=%d", j->msg.url, j->ph->key,
          (unsigned long long)delay_ms, j->msg.parked + 1);
    publish_outcome(j, w->q_delay[retry_level_for(delay_ms)], body, OUT_PARKED,
                    delay_ms ? delay_ms : 1);
}

/* Page jobs may be set aside, each at most MAX_PARKS times (a bound on churn). */
static int may_park(const struct job *j)
{
    return j->w->cfg->park_after_s > 0 && j->purpose == FETCH_PAGE && j->msg.parked < MAX_PARKS;
}

static uint64_t park_after_ms(const struct worker *w)
{
    return (uint64_t)(w->cfg->park_after_s * 1000);
}

/* Its host's leases have been held longer than --park-after while the job polled: every job
 * queued behind it in this worker is set aside (each one would wait as long), for longer at
 * each time round. */
static void park_line(struct job *holder)
{
    struct policy_host *h = holder->ph;
    struct worker *w = holder->w;
    for (struct job *k = h->queue_head, *next; k; k = next) {
        next = k->line_next;
        if (may_park(k))
            park(k, park_after_ms(w) << k->msg.parked);
    }
}

/* -- fetch -- */

static void on_lease_renewed(int ok, const char *err, void *arg)
{
    struct worker *w = arg;
    if (!ok && !err) {
        /* Expired while its fetch ran (Redis was away longer than the lease): the host may
         * see one request more than its cap until this fetch ends. */
        w->n.lease_expiries++;
        LOG_W("lease expired during a fetch", "%s", "(Redis was unreachable for too long)");
    }
}

/* JOB_FETCHING's timer: keep the lease alive while the transfer runs. The answer goes to the
 * worker, not the job, which may be gone by then. */
static void on_renew_due(struct loop *l, void *arg)
{
    struct job *j = arg;
    if (j->has_lease)
        policy_renew_lease(j->w->policy, j->ph, j->lease_id, on_lease_renewed, j->w);
    loop_timer_start(l, &j->timer, POLICY_LEASE_RENEW_MS);
}

static void on_fetch_done(const struct fetch_result *r, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;
    loop_timer_stop(w->loop, &j->timer);
    give_back_lease(j);
    start_ready(w);
    if (j->state == JOB_ABANDONED) {
        job_free(j);
        return;
    }
    w->last_activity_ms = loop_now_ms();
    if (!r->error && (r->status == 429 || r->status == 503)) {
        /* The site asks to slow down: every worker pauses this host, not just this URL. */
        policy_penalize(w->policy, j->ph, r->retry_after_s);
        w->n.penalties++;
        LOG_I("host paused", "host=%s status=%ld retry_after_s=%lld", j->ph->key, r->status,
              (long long)r->retry_after_s);
    }
    size_t b = 0;
    while (b < NBUCKETS && r->elapsed_ms > LATENCY_BUCKETS_MS[b])
        b++;
    w->n.latency[b]++;
    w->n.latency_sum_ms += r->elapsed_ms;
    w->n.fetches++;
    if (!r->error)
        w->n.by_class[r->status >= 100 && r->status < 600 ? r->status / 100 - 1 : 5]++;
    if (j->purpose == FETCH_ROBOTS) {
        robots_on_fetched(j, r);
        j->state = JOB_PUBLISHING; /* nothing out any more; nothing to publish */
        job_free(j);
        return;
    }
    if (r->error) {
        w->n.fetch_errors++;
        job_fail_attempt(j, r->error, 0, r->detail, ERRCODE[r->error].transient, -1);
        return;
    }
    if (errcode_status_transient(r->status)) {
        char detail[64];
        snprintf(detail, sizeof(detail), "HTTP status %ld", r->status);
        job_fail_attempt(j, ERR_HTTP_STATUS, r->status, detail, 1, r->retry_after_s);
        return;
    }
    json_t *rec = page_record(j, r);
    if (!rec) {
        worker_fatal(w, "cannot build record", "out of memory");
        return;
    }
    revisit_note(j, r, rec);
    char *body = record_dump(rec);
    w->n.bytes += r->len;
    LOG_D("fetched", "url=%s status=%ld bytes=%zu ms=%llu", j->msg.url, r->status, r->len,
          (unsigned long long)r->elapsed_ms);
    if (!body) {
        json_decref(rec);
        worker_fatal(w, "cannot encode record", "out of memory");
        return;
    }
    leave_state(j);
    give_back_lease(j); /* the fetch is over; following is the broker's and Redis' work */
    follow_or_publish(j, rec, body);
    json_decref(rec);
}

void job_publish_record(struct job *j, char **record)
{
    char *body = *record;
    *record = NULL;
    publish_outcome(j, j->w->q_records, body, OUT_RECORD, 0);
}

void job_discard(struct job *j)
{
    job_free(j);
}

/* The rules file's header lines for url's host (borrowed from the rules), or NULL; the host
 * is parsed out only when the file has headers at all. */
static const char *const *rules_headers(const struct worker *w, const char *url, size_t *n)
{
    *n = 0;
    if (!rules_have_headers(w->cfg->rules))
        return NULL;
    char *host = url_host(url);
    const char *const *lines = rules_headers_for_host(w->cfg->rules, host, n);
    free(host);
    return lines;
}

/* Slot and lease held: fetch now, or wait in line for a free transfer. */
static void go(struct job *j)
{
    struct worker *w = j->w;
    if (fetcher_in_flight(w->fetcher) >= w->cfg->concurrency) {
        j->state = JOB_READY;
        line_push(&w->ready_head, &w->ready_tail, j);
        return;
    }
    j->state = JOB_FETCHING;
    struct fetch_request req = {.url = j->msg.url, .purpose = FETCH_PAGE, .max_redirects = -1};
    struct revisit_headers conditional;
    if (j->purpose == FETCH_ROBOTS)
        robots_request(j, &req);
    else
        revisit_request(j, &req, &conditional);
    req.site_headers = rules_headers(w, j->msg.url, &req.nsite_headers);
    if (fetcher_start(w->fetcher, &req, on_fetch_done, j) < 0) {
        if (j->purpose == FETCH_ROBOTS)
            worker_fatal(w, "cannot fetch robots.txt", "libcurl refused the transfer");
        else
            job_publish_dead(j, NULL, 0, ERR_BAD_MESSAGE, "the URL could not be handed to libcurl");
        return;
    }
    if (j->has_lease)
        arm(j, on_renew_due, POLICY_LEASE_RENEW_MS);
}

/* A transfer ended: hand its place to the next jobs in line. Safe here: the fetcher calls us
 * from its reap loop, outside any libcurl call. */
static void start_ready(struct worker *w)
{
    while (w->ready_head && fetcher_in_flight(w->fetcher) < w->cfg->concurrency) {
        struct job *j = w->ready_head;
        line_remove(&w->ready_head, &w->ready_tail, j);
        j->state = JOB_QUEUED; /* between states: go() sets the next */
        go(j);
    }
}

/* -- the host's turn: booking a slot and a lease -- */

/* Holds the turn for a while (lease poll, penalty, horizon, Redis away), then books again. */
static void wait_turn(struct job *j, enum job_state state, uint64_t delay_ms)
{
    j->state = state;
    j->ph->waiting = 1;
    arm(j, on_book_timer, delay_ms);
}

static void redis_unavailable(struct job *j, const char *err)
{
    struct worker *w = j->w;
    /* Politeness is never bypassed: no answer, no fetch. */
    if (!w->redis_down_logged)
        LOG_W("rate limiter unavailable", "err=\"%s\" (waiting; not fetching)", err);
    w->redis_down_logged = 1;
    wait_turn(j, JOB_REDIS_WAIT, REDIS_RETRY_MS);
}

/* A job that had a slot and lost it (late, no lease, a pause, Redis away) books again
 * first among its host's jobs. */
static void rebook_first(struct job *j)
{
    j->state = JOB_QUEUED;
    line_push_front((struct job **)&j->ph->queue_head, (struct job **)&j->ph->queue_tail, j);
    host_next(j->w, j->ph);
}

static void on_slot_due(struct loop *l, void *arg);

/* Every lease taken has a name of its own. */
static void new_lease_id(struct job *j)
{
    struct worker *w = j->w;
    w->lease_seq++;
    snprintf(j->lease_id, sizeof(j->lease_id), "%s-%llu", w->id,
             (unsigned long long)w->lease_seq);
}

/* The answer to a booking (JOB_BOOKING: the job holds its host's turn) or to a lease request
 * at a slot's time (JOB_LEASE_ASKING: it does not). */
static void on_booked(enum policy_answer a, uint64_t wait_us, const char *err, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;
    struct policy_host *h = j->ph;
    int had_turn = j->state == JOB_BOOKING;
    if (!err && a == POLICY_GO && w->cfg->host_concurrency > 0)
        j->has_lease = 1; /* taken in Redis, whatever happens to the job now */
    if (had_turn) {
        leave_turn(j);
        j->state = JOB_QUEUED;
    }
    if (job_gone_or_returned(j)) {
        if (had_turn)
            host_next(w, h);
        return;
    }
    if (err) {
        if (had_turn && !h->waiting)
            redis_unavailable(j, err);
        else
            rebook_first(j);
        return;
    }
    w->redis_down_logged = 0;
    j->redis_away_since_ms = 0;
    if (a == POLICY_GO || a == POLICY_SLOT) {
        if (had_turn)
            host_next(w, h); /* the next job may book the slot after this one */
        if (a == POLICY_GO) {
            go(j);
        } else {
            job_count_wait(j, WAITED_RATE);
            j->state = JOB_SLOT_WAIT;
            arm(j, on_slot_due, (wait_us + 999) / 1000);
        }
        return;
    }
    if (!had_turn) {
        rebook_first(j); /* the slot is given up; booking again tells how long to wait */
        return;
    }
    if (h->waiting && a != POLICY_PARK) {
        rebook_first(j); /* another booking out at once got the same answer and waits */
        return;
    }
    if (a == POLICY_PARK || (a == POLICY_PENALTY && may_park(j) &&
                             wait_us / 1000 > park_after_ms(w))) {
        /* Its host cannot take it for a while: out of the window, back when it can. */
        if (a == POLICY_PENALTY)
            job_count_wait(j, WAITED_PENALTY);
        host_next(w, h);
        park(j, wait_us / 1000);
        return;
    }
    if (a == POLICY_LEASE_BUSY) {
        job_count_wait(j, WAITED_LEASE);
        if (loop_now_ms() - j->polite_since_ms > park_after_ms(w) && park_after_ms(w) > 0)
            park_line(j);
        wait_turn(j, JOB_LEASE_WAIT, LEASE_POLL_MS);
    } else if (a == POLICY_PENALTY) {
        job_count_wait(j, WAITED_PENALTY);
        wait_turn(j, JOB_PENALTY_WAIT, (wait_us + 999) / 1000);
    } else {
        /* Booked further than RATE_MAX_WAIT_US: ask again when the horizon has moved. */
        job_count_wait(j, WAITED_RATE);
        wait_turn(j, JOB_HORIZON_WAIT, (wait_us - RATE_MAX_WAIT_US) / 1000 + 1);
    }
}

/* Below this spacing a slot cannot be kept to the millisecond anyway: no lateness check. */
#define LATE_CHECK_MIN_INTERVAL_MS 10

/* JOB_SLOT_WAIT's timer: the booked slot has come; take a lease for it. */
static void on_slot_due(struct loop *l, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;
    (void)l;
    /* A slot taken late (the loop or the machine stalled) would land next to the following
     * slot and make the host see a burst. Past half an interval, give it up and book anew:
     * then no 1-second window at the server holds more than the rate plus the burst. */
    uint64_t late_ms = loop_now_ms() - j->timer.due_ms;
    uint64_t interval_ms = j->ph->interval_us / 1000;
    if (interval_ms >= LATE_CHECK_MIN_INTERVAL_MS && late_ms * 2 > interval_ms) {
        LOG_D("slot missed", "url=%s late_ms=%llu (booking another)", j->msg.url,
              (unsigned long long)late_ms);
        w->n.late_slots++;
        rebook_first(j);
        return;
    }
    new_lease_id(j);
    j->state = JOB_LEASE_ASKING;
    if (policy_take_lease(w->policy, j->ph, j->lease_id, on_booked, j) < 0)
        rebook_first(j);
}

/* The timer of a wait that holds the turn: book again. */
static void on_book_timer(struct loop *l, void *arg)
{
    (void)l;
    book(arg);
}

/* On a Redis Cluster with one master away, the hosts whose keys live on the others go on;
 * a job whose host's keys are on the master away is set aside once it has waited
 * --park-after, so that the prefetch window does not fill with such jobs while the cluster
 * fails over. Redis away altogether (no master answers) is an outage: waited out, not
 * parked. Returns 1 when the job was parked. */
static int park_if_shard_away(struct job *j)
{
    struct worker *w = j->w;
    uint64_t now = loop_now_ms();
    if (!j->redis_away_since_ms)
        j->redis_away_since_ms = now;
    if (!kv_ready(w->kv) || !may_park(j) || now - j->redis_away_since_ms < park_after_ms(w))
        return 0;
    w->n.parked_shard_away++;
    park(j, park_after_ms(w) << j->msg.parked);
    return 1;
}

/* Asks Redis for a slot (and a lease) for the job. */
static void book(struct job *j)
{
    struct worker *w = j->w;
    leave_turn(j); /* from a wait that held the turn, if it comes from one */
    new_lease_id(j);
    j->state = JOB_BOOKING;
    j->ph->booking++;
    if (policy_book(w->policy, j->ph, j->lease_id, may_park(j), on_booked, j) < 0) {
        /* Parked, the job gives the turn back as it leaves this state (publish_outcome). */
        if (park_if_shard_away(j))
            return;
        leave_turn(j); /* no booking is out after all */
        redis_unavailable(j, "redis not connected");
    }
}

/* Lets the first jobs in h's line book, as far as the turn allows. Nothing new starts while
 * draining or without a broker connection. */
static void host_next(struct worker *w, struct policy_host *h)
{
    while (!h->waiting && h->booking < BOOKINGS_PER_HOST && h->queue_head && !w->draining &&
           w->in) {
        struct job *j = h->queue_head;
        line_remove((struct job **)&h->queue_head, (struct job **)&h->queue_tail, j);
        book(j);
    }
}

/* -- deliveries and confirms -- */

/* A new job joins the set in hand. */
static void job_link(struct worker *w, struct job *j)
{
    j->w = w;
    j->state = JOB_QUEUED;
    loop_timer_init(&j->timer, on_book_timer, j);
    j->next = w->jobs;
    if (j->next)
        j->next->prev = j;
    w->jobs = j;
    w->njobs++;
    w->last_activity_ms = loop_now_ms();
}

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
    job_link(w, j);
    j->tag = d->tag;

    char why[512];
    int parsed = message_parse(d->body, d->len, d->content_type, &j->msg, why, sizeof(why));
    if (d->delivery_count >= POISON_DELIVERIES) {
        /* Checked before anything else is done with it: this message has killed workers. */
        snprintf(why, sizeof(why), "delivered %ld times without an outcome (it crashes or hangs "
                 "workers)", d->delivery_count + 1);
        job_publish_dead(j, d->body, d->len > 4096 ? 4096 : d->len, ERR_POISON, why);
        return;
    }
    if (parsed < 0) {
        job_publish_dead(j, d->body, d->len > 4096 ? 4096 : d->len, ERR_BAD_MESSAGE, why);
        return;
    }
    revisit_begin(j);
}

void job_enter_politeness(struct job *j)
{
    struct worker *w = j->w;
    if (w->cfg->ignore_robots) {
        job_enter_host_line(j, 0);
        return;
    }
    j->site = policy_site_get(w->policy, j->msg.url, &j->path);
    if (!j->site) {
        worker_fatal(w, "cannot accept delivery", "out of memory");
        return;
    }
    robots_check(j);
}

void job_enter_host_line(struct job *j, int front)
{
    struct worker *w = j->w;
    if (!j->ph) {
        char *host = url_host(j->msg.url);
        if (!host) {
            job_publish_dead(j, NULL, 0, ERR_BAD_MESSAGE, "URL has no host");
            return;
        }
        j->ph = policy_host_get(w->policy, host);
        free(host);
        if (!j->ph) {
            worker_fatal(w, "cannot accept delivery", "out of memory");
            return;
        }
    }
    if (j->site && j->site->rules) {
        /* Crawl-delay lowers the host's rate; every worker reads the same rules. */
        double delay_s = robots_crawl_delay(j->site->rules);
        if (delay_s > w->cfg->max_crawl_delay_s)
            delay_s = w->cfg->max_crawl_delay_s;
        if (delay_s > 0 && delay_s * 1e6 > (double)j->ph->interval_us)
            j->ph->interval_us = (uint64_t)(delay_s * 1e6);
    }
    j->state = JOB_QUEUED;
    j->polite_since_ms = loop_now_ms();
    if (front)
        line_push_front((struct job **)&j->ph->queue_head, (struct job **)&j->ph->queue_tail, j);
    else
        line_push((struct job **)&j->ph->queue_head, (struct job **)&j->ph->queue_tail, j);
    host_next(w, j->ph);
}

struct job *job_new_internal(struct worker *w, const char *url)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return NULL;
    j->msg.url = strdup(url);
    if (!j->msg.url) {
        free(j);
        return NULL;
    }
    job_link(w, j);
    return j;
}

/* JOB_PUBLISHING's timer after a nack: publish the outcome again. */
static void on_republish_due(struct loop *l, void *arg)
{
    struct job *j = arg;
    struct worker *w = j->w;
    (void)l;
    int64_t seq = broker_publish_expiring(w->out, j->out_queue, j->out_body,
                                          strlen(j->out_body), "application/json",
                                          j->out_expire_ms);
    if (seq < 0)
        worker_lose_broker(w, "publish", broker_error(w->out));
    else
        j->seq = (uint64_t)seq;
}

/* Records and dead letters go to queues without a length limit, where a nack is not a full
 * queue. A channel that nacks them all for NACK_REOPEN_MS is taken as stuck (RabbitMQ 3.10
 * kept nacking every publish on a channel to a quorum queue whose leader had moved to
 * another node: minutes, until the channel closed): both connections are opened again, on
 * the next broker of a list. Returns 1 when it did. */
static int reopen_if_stuck(struct worker *w, const struct job *j, int ok)
{
    if (j->out_kind != OUT_RECORD && j->out_kind != OUT_DEAD)
        return 0;
    if (ok) {
        w->nacked_since_ms = 0;
        return 0;
    }
    uint64_t now = loop_now_ms();
    if (!w->nacked_since_ms)
        w->nacked_since_ms = now;
    if (now - w->nacked_since_ms < NACK_REOPEN_MS)
        return 0;
    w->nacked_since_ms = 0;
    worker_lose_broker(w, "publishing connection", "every record and dead letter nacked for "
                       "15 s: reopening the connections");
    return 1;
}

static void settle(struct worker *w, struct job *j, int ok)
{
    if (reopen_if_stuck(w, j, ok))
        return;
    if (!ok) {
        /* A nack means the broker could not take the message (a full queue, a failing
         * disk): publish it again, after a wait that doubles, not at once, which spun
         * against a full queue thousands of times a second. Meanwhile the job has no
         * sequence number, so no later confirm can be taken for this outcome's. */
        j->seq = 0;
        j->nack_delay_ms = backoff_next(j->nack_delay_ms, NACK_RETRY_MIN_MS, NACK_RETRY_MAX_MS);
        LOG_W("publish nacked", "queue=%s retry_ms=%llu (publishing again)", j->out_queue,
              (unsigned long long)j->nack_delay_ms);
        w->n.nacks++;
        arm(j, on_republish_due, j->nack_delay_ms);
        return;
    }
    if (broker_ack(w->in, j->tag, 0) < 0) {
        worker_lose_broker(w, "ack", broker_error(w->in));
        return;
    }
    if (j->out_kind == OUT_RECORD || j->out_kind == OUT_DEAD)
        revisit_commit(j);
    if (j->out_kind == OUT_RETRY || j->out_kind == OUT_PARKED)
        due_add(&w->returns, loop_now_ms() + j->out_expire_ms, loop_now_ms());
    if (j->out_kind == OUT_DEAD)
        w->n.dead++;
    else if (j->out_kind == OUT_RETRY)
        w->n.retries++;
    else if (j->out_kind == OUT_PARKED) {
        w->n.parked++;
        if (j->msg.parked > 0)
            w->n.reparked++;
    }
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
        else if (j->state == JOB_FOLLOWING)
            follow_on_confirm(j, seq, multiple, ok);
    }
}

/* -- the whole set -- */

/* Frees may reorder the list (a freed job passes its host's turn on, which books). Restart
 * from the head after each: the loops end because every pass removes or marks a job. */

size_t jobs_return_waiting(struct worker *w)
{
    size_t returned = 0;
    for (int again = 1; again;) {
        again = 0;
        for (struct job *j = w->jobs; j; j = j->next)
            if (returnable(j->state)) {
                job_return(j);
                returned++;
                again = 1;
                break;
            }
    }
    return returned;
}

void jobs_abandon_all(struct worker *w)
{
    for (int again = 1; again;) {
        again = 0;
        for (struct job *j = w->jobs; j; j = j->next) {
            if (j->state == JOB_ABANDONED)
                continue;
            if (awaits_callback(j->state)) {
                if (holds_turn(j->state))
                    leave_turn(j); /* the rest of its host's line is freed below */
                j->state = JOB_ABANDONED;
                continue;
            }
            job_free(j); /* unacked: the broker hands it out again */
            again = 1;
            break;
        }
    }
}

void jobs_free_all(struct worker *w)
{
    while (w->jobs) {
        struct job *j = w->jobs;
        if (awaits_callback(j->state) || j->state == JOB_ABANDONED)
            j->state = JOB_PUBLISHING; /* no callback will come: free it as a plain job */
        j->has_lease = 0; /* expires on its own: Redis may be gone */
        job_free(j);
    }
}

void jobs_count_states(const struct worker *w, size_t counts[JOB_ABANDONED + 1])
{
    memset(counts, 0, sizeof(size_t) * (JOB_ABANDONED + 1));
    for (const struct job *j = w->jobs; j; j = j->next)
        counts[j->state]++;
}
