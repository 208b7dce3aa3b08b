/* worker.c -- the worker's event loop: its two broker connections (and reconnects), Redis,
 * the tick, signals and the drain, and the metrics page. The life of one URL is in job.c;
 * see docs/worker.md for the whole picture. */
#include "worker_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "backoff.h"
#include "broker.h"
#include "kv.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "mgmt.h"
#include "policy.h"
#include "retry.h"

#define BROKER_RECONNECT_MIN_MS 250   /* the first retry after a failed reconnect ... */
#define BROKER_RECONNECT_MAX_MS 10000 /* ... doubling up to this */

void worker_fatal(struct worker *w, const char *what, const char *why)
{
    LOG_E(what, "err=\"%s\"", why);
    w->exit_code = 1;
    loop_stop(w->loop);
}

/* The teardown waits for the before-sleep hook: this runs inside rabbitmq-c's own call stack
 * more often than not. */
void worker_lose_broker(struct worker *w, const char *what, const char *why)
{
    if (w->broker_lost)
        return;
    LOG_W("broker connection lost", "what=\"%s\" err=\"%s\" (reconnecting; unacked URLs "
          "return to the queue)", what, why);
    w->broker_lost = 1;
    w->broker_lost_at_ms = loop_now_ms();
    loop_wake(w->loop);
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
    struct broker_events ev = {.on_delivery = job_on_delivery, .on_confirm = job_on_confirm,
                               .on_blocked = on_blocked, .arg = w};
    if (!w->in || w->broker_lost)
        return;
    if (broker_drain(w->out, &ev) < 0)
        worker_lose_broker(w, "publishing connection", broker_error(w->out));
    else if (broker_drain(w->in, &ev) < 0)
        worker_lose_broker(w, "consuming connection", broker_error(w->in));
}

static int connect_brokers(struct worker *w, char *err, size_t errlen);
static void teardown_brokers(struct worker *w);

/* Keeps the failure for the give-up message and logs it, sparingly (reach_failed). */
static void broker_failed(struct worker *w, const char *err)
{
    snprintf(w->broker_error, sizeof(w->broker_error), "%s", err);
    reach_failed(&w->broker_failures,
                 w->broker_reached ? "broker reconnect failed" : "broker connect failed",
                 "broker still unreachable", err, "retrying");
}

/* The start-up deadline, in ms from now (UINT64_MAX: none). A worker that has not reached the
 * broker or Redis once since it started is misconfigured, not in an outage: with --idle-exit
 * it gives up after that long. Outages after both were reached are waited out. */
static uint64_t unreached_deadline_in_ms(const struct worker *w)
{
    if (w->cfg->idle_exit_s <= 0 || (w->broker_reached && w->kv && kv_reached(w->kv)))
        return UINT64_MAX;
    uint64_t deadline = w->started_ms + (uint64_t)(w->cfg->idle_exit_s * 1000);
    uint64_t now = loop_now_ms();
    return now >= deadline ? 0 : deadline - now;
}

/* At the start-up deadline: exit 1 with the connection's own error. Returns 1 when it gave
 * up. */
static int give_up_unreached(struct worker *w)
{
    if (unreached_deadline_in_ms(w) > 0)
        return 0;
    char why[1400];
    const char *which = !w->broker_reached ? "RabbitMQ" : "Redis";
    const char *err = !w->broker_reached ? w->broker_error : kv_error(w->kv);
    if (!err[0])
        err = !w->broker_reached ? "no answer" : "no answer from Redis";
    snprintf(why, sizeof(why), "%s (%s not reached once in --idle-exit %gs since start-up: "
             "giving up)", err, which, w->cfg->idle_exit_s);
    worker_fatal(w, "cannot start", why);
    return 1;
}

/* Once, when the broker is first reached: are the queues replicated as they could be? */
static void first_reached(struct worker *w)
{
    const struct common_config *c = &w->cfg->common;
    w->broker_reached = 1;
    mgmt_report_replication(c->amqp_http, broker_list_current(&w->brokers), c->prefix,
                            c->quorum_size, w->brokers.n > 1 || c->amqp_http);
}

static void on_reconnect_timer(struct loop *l, void *arg)
{
    struct worker *w = arg;
    (void)l;
    char err[1024];
    if (connect_brokers(w, err, sizeof(err)) == 0) {
        if (w->broker_reached)
            LOG_I("broker reconnected", "down_ms=%llu",
                  (unsigned long long)(loop_now_ms() - w->broker_lost_at_ms));
        else
            LOG_I("broker connected", "after_ms=%llu failures=%llu",
                  (unsigned long long)(loop_now_ms() - w->started_ms),
                  (unsigned long long)w->broker_failures.count);
        if (!w->broker_reached)
            first_reached(w);
        w->broker_failures.count = 0;
        w->reconnect_backoff_ms = 0;
        loop_timer_start(w->loop, &w->tick, 0); /* resumes consuming */
        return;
    }
    teardown_brokers(w);
    broker_failed(w, err);
    if (give_up_unreached(w))
        return;
    w->reconnect_backoff_ms = backoff_next(w->reconnect_backoff_ms, BROKER_RECONNECT_MIN_MS,
                                            BROKER_RECONNECT_MAX_MS);
    /* Try once more at the deadline, not after it. */
    uint64_t delay_ms = w->reconnect_backoff_ms, left = unreached_deadline_in_ms(w);
    loop_timer_start(w->loop, &w->reconnect_timer, delay_ms < left ? delay_ms : left);
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
    jobs_abandon_all(w);
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
    size_t st[JOB_ABANDONED + 1];
    jobs_count_states(w, st);
    /* Jobs waiting on politeness (their host's turn, slot, lease or pause), not the network. */
    size_t polite = st[JOB_ROBOTS_WAIT] + st[JOB_QUEUED] + st[JOB_BOOKING] + st[JOB_SLOT_WAIT] +
                    st[JOB_LEASE_ASKING] + st[JOB_LEASE_WAIT] + st[JOB_PENALTY_WAIT] +
                    st[JOB_HORIZON_WAIT];
    /* When most of what is in hand waits on politeness rather than the network, say for
     * which host: that is where the crawl's time goes. */
    char busy[320] = "";
    const struct policy_host *h = w->policy ? policy_busiest_host(w->policy) : NULL;
    if (h && polite * 2 > w->njobs)
        snprintf(busy, sizeof(busy), " waiting_on=politeness busiest_host=%.200s in_hand_for_it=%u",
                 h->key, h->refs);
    uint64_t now = loop_now_ms();
    LOG_I("progress", "records=%llu feeds=%llu not_modified=%llu followed=%llu "
          "follow_seen=%llu dead=%llu retries=%llu retry_waiting=%llu retry_next_s=%llu "
          "in_hand=%zu fetching=%zu "
          "polite_wait=%zu hosts=%zu bytes=%llu rate_waits=%llu lease_waits=%llu "
          "penalty_waits=%llu robots_fetches=%llu robots_denied=%llu parked=%llu reparked=%llu "
          "nacks=%llu late_slots=%llu redis_redirects=%llu parked_shard_away=%llu "
          "max_rss_kb=%ld%s",
          (unsigned long long)w->n.records, (unsigned long long)w->n.feeds,
          (unsigned long long)w->n.not_modified, (unsigned long long)w->n.followed,
          (unsigned long long)w->n.follow_seen,
          (unsigned long long)w->n.dead, (unsigned long long)w->n.retries,
          (unsigned long long)due_pending(&w->returns, now),
          (unsigned long long)((due_next_ms(&w->returns, now) + 999) / 1000), w->njobs,
          fetcher_in_flight(w->fetcher), polite, policy_host_count(w->policy),
          (unsigned long long)w->n.bytes, (unsigned long long)w->n.waits_rate,
          (unsigned long long)w->n.waits_lease, (unsigned long long)w->n.waits_penalty,
          (unsigned long long)w->n.robots_fetches, (unsigned long long)w->n.robots_denied,
          (unsigned long long)w->n.parked, (unsigned long long)w->n.reparked,
          (unsigned long long)w->n.nacks, (unsigned long long)w->n.late_slots,
          w->kv ? kv_redirects(w->kv) : 0ULL, (unsigned long long)w->n.parked_shard_away,
          ru.ru_maxrss,
          busy);
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
    size_t returned = jobs_return_waiting(w);
    LOG_I("draining", "reason=%s returned=%zu in_hand=%zu grace_s=%.1f", why, returned,
          w->njobs, w->cfg->grace_s);
}

static void on_tick(struct loop *l, void *arg)
{
    struct worker *w = arg;
    uint64_t now = loop_now_ms();
    drain_brokers(w); /* services heartbeats on both connections */
    if (give_up_unreached(w))
        return;
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
            worker_lose_broker(w, "consume", err);
            return;
        }
        w->consuming = 1;
        w->last_activity_ms = now;
        LOG_I("consuming", "queue=%s prefetch=%u concurrency=%u", w->q_urls, w->cfg->prefetch,
              w->cfg->concurrency);
    }
    if (w->draining) {
        jobs_return_waiting(w); /* what a slow rate answer left behind */
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
        now - w->last_activity_ms >= (uint64_t)(w->cfg->idle_exit_s * 1000) &&
        now >= w->returns_due_ms + RETURN_SLACK_MS) {
        /* Idle means nothing to come: no URL ready, no retry waiting in a delay queue, and
         * none of ours due back. The last check is not redundant: a quorum delay queue
         * hands an expired message to its dead-letter process, where it is in no queue's
         * count until it lands in PREFIX.urls (seen taking seconds under load). */
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
    for (int c = ERR_NONE + 1; c < ERR_HTTP_STATUS; c++)
        metrics_printf(o, "trawl_errors_total{code=\"%s\"} %llu\n", ERRCODE[c].name,
                       (unsigned long long)w->n.errors[c]);
    for (long status = 0; status <= HTTP_STATUS_MAX; status++)
        if (w->n.http_errors[status])
            metrics_printf(o, "trawl_errors_total{code=\"http_%ld\"} %llu\n", status,
                           (unsigned long long)w->n.http_errors[status]);
    metrics_printf(o, "# HELP trawl_outcomes_total Outcomes published and confirmed.\n"
                      "# TYPE trawl_outcomes_total counter\n"
                      "trawl_outcomes_total{kind=\"record\"} %llu\n"
                      "trawl_outcomes_total{kind=\"dead\"} %llu\n"
                      "trawl_outcomes_total{kind=\"retry\"} %llu\n",
                   (unsigned long long)w->n.records, (unsigned long long)w->n.dead,
                   (unsigned long long)w->n.retries);
    metrics_printf(o, "# HELP trawl_feeds_total Records of feeds and sitemaps.\n"
                      "# TYPE trawl_feeds_total counter\ntrawl_feeds_total %llu\n"
                      "# HELP trawl_not_modified_total 304 answers to conditional GETs.\n"
                      "# TYPE trawl_not_modified_total counter\ntrawl_not_modified_total %llu\n"
                      "# HELP trawl_followed_total URLs enqueued by --follow, and found seen.\n"
                      "# TYPE trawl_followed_total counter\n"
                      "trawl_followed_total{result=\"enqueued\"} %llu\n"
                      "trawl_followed_total{result=\"seen\"} %llu\n",
                   (unsigned long long)w->n.feeds, (unsigned long long)w->n.not_modified,
                   (unsigned long long)w->n.followed, (unsigned long long)w->n.follow_seen);
    metrics_printf(o, "# HELP trawl_rate_limit_waits_total Fetches that waited for their host's "
                      "slot.\n# TYPE trawl_rate_limit_waits_total counter\n"
                      "trawl_rate_limit_waits_total %llu\n",
                   (unsigned long long)w->n.waits_rate);
    metrics_printf(o, "# HELP trawl_politeness_waits_total Waits before a fetch, by reason.\n"
                      "# TYPE trawl_politeness_waits_total counter\n"
                      "trawl_politeness_waits_total{reason=\"rate\"} %llu\n"
                      "trawl_politeness_waits_total{reason=\"lease\"} %llu\n"
                      "trawl_politeness_waits_total{reason=\"penalty\"} %llu\n"
                      "trawl_politeness_waits_total{reason=\"robots\"} %llu\n",
                   (unsigned long long)w->n.waits_rate, (unsigned long long)w->n.waits_lease,
                   (unsigned long long)w->n.waits_penalty, (unsigned long long)w->n.waits_robots);
    metrics_printf(o, "# HELP trawl_lease_expiries_total Leases found expired while their fetch "
                      "ran.\n# TYPE trawl_lease_expiries_total counter\n"
                      "trawl_lease_expiries_total %llu\n"
                      "# HELP trawl_penalties_total 429/503 answers that paused their host for "
                      "every worker.\n# TYPE trawl_penalties_total counter\n"
                      "trawl_penalties_total %llu\n",
                   (unsigned long long)w->n.lease_expiries, (unsigned long long)w->n.penalties);
    metrics_printf(o, "# HELP trawl_parked_total URLs set aside for a busy host.\n"
                      "# TYPE trawl_parked_total counter\ntrawl_parked_total %llu\n"
                      "# HELP trawl_reparked_total URLs set aside again, after coming back.\n"
                      "# TYPE trawl_reparked_total counter\ntrawl_reparked_total %llu\n",
                   (unsigned long long)w->n.parked, (unsigned long long)w->n.reparked);
    metrics_printf(o, "# HELP trawl_robots_total robots.txt fetches, and pages they decided.\n"
                      "# TYPE trawl_robots_total counter\n"
                      "trawl_robots_total{event=\"fetch\"} %llu\n"
                      "trawl_robots_total{event=\"denied\"} %llu\n"
                      "trawl_robots_total{event=\"unavailable\"} %llu\n",
                   (unsigned long long)w->n.robots_fetches, (unsigned long long)w->n.robots_denied,
                   (unsigned long long)w->n.robots_unavailable);
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
    const char *from = config_amqp_from(c);
    char shown[BROKER_URL_MAX];
    /* With several brokers the two connections go to different members (the list moves on
     * after each), and a lost one is replaced starting at the member after it. */
    w->out = broker_list_connect(&w->brokers, from, "trawl-worker publish", HEARTBEAT_S,
                                 BROKER_TIMEOUT_MS, err, errlen);
    if (!w->out || broker_declare_queues(w->out, c->prefix, c->queue_type, c->quorum_size, err,
                                           errlen) < 0 ||
        broker_confirm_select(w->out, err, errlen) < 0)
        return -1;
    if (w->brokers.n > 1)
        LOG_I("publishing through", "broker=%s",
              log_redact_url(broker_list_current(&w->brokers), shown, sizeof(shown)));
    w->in = broker_list_connect(&w->brokers, from, "trawl-worker consume", HEARTBEAT_S,
                                BROKER_TIMEOUT_MS, err, errlen);
    if (!w->in)
        return -1;
    if (w->brokers.n > 1)
        LOG_I("consuming through", "broker=%s",
              log_redact_url(broker_list_current(&w->brokers), shown, sizeof(shown)));
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
    /* Names this process's leases in Redis: unique enough among every worker of a cluster. */
    snprintf(w.id, sizeof(w.id), "%08lx%08lx", (unsigned long)random(),
             (unsigned long)getpid());
    /* Checked when the flags were read; parsed again here for the random first member. */
    if (broker_list_parse(cfg->common.amqp_url, &w.brokers, err, sizeof(err)) < 0) {
        LOG_E("cannot start", "err=\"%s\"", err);
        return 1;
    }

    w.loop = loop_new();
    if (!w.loop || setup_signals(&w) < 0) {
        LOG_E("cannot start", "err=\"%s\"", strerror(errno));
        loop_free(w.loop);
        return 1;
    }
    loop_timer_init(&w.tick, on_tick, &w);
    loop_timer_init(&w.reconnect_timer, on_reconnect_timer, &w);
    w.exit_code = 1;
    w.started_ms = loop_now_ms();
    /* Retries and parks wait at most the longest delay queue's time or a Retry-After. */
    uint64_t horizon_ms = RETRY_LEVEL_MAX_MS(RETRY_LEVELS - 1);
    if (due_init(&w.returns, horizon_ms > cfg->max_retry_after_ms ? horizon_ms
                                                                  : cfg->max_retry_after_ms,
                 w.started_ms) < 0) {
        snprintf(err, sizeof(err), "out of memory");
        goto out;
    }
    /* A broker that cannot be reached yet is tried again from the loop (on_reconnect_timer),
     * like Redis: with --idle-exit, until that long after start-up (give_up_unreached). */
    if (connect_brokers(&w, err, sizeof(err)) == 0) {
        first_reached(&w);
    } else {
        teardown_brokers(&w);
        broker_failed(&w, err);
        err[0] = '\0';
        w.reconnect_backoff_ms = BROKER_RECONNECT_MIN_MS;
        loop_timer_start(w.loop, &w.reconnect_timer, w.reconnect_backoff_ms);
    }
    w.kv = kv_new(w.loop, cfg->common.redis_url, config_redis_from(&cfg->common), err,
                  sizeof(err));
    if (!w.kv)
        goto out;
    struct policy_opts po = {
        .prefix = prefix, .rate = cfg->rate, .host_rates = cfg->host_rates.v,
        .n_host_rates = cfg->host_rates.n, .burst = cfg->burst,
        .host_concurrency = cfg->host_concurrency, .key = cfg->rate_key,
        .max_wait_us = RATE_MAX_WAIT_US, .max_retry_after_ms = cfg->max_retry_after_ms,
        .park_after_us = (uint64_t)(cfg->park_after_s * 1e6),
        .domains = (cfg->follow & FOLLOW_LINKS) && cfg->follow_scope == FOLLOW_SCOPE_DOMAIN,
    };
    w.policy = policy_new(w.loop, w.kv, &po, err, sizeof(err));
    if (!w.policy)
        goto out;
    w.revisit = revisit_new(w.kv, prefix);
    w.seen = seen_new(w.kv, prefix, (int64_t)(cfg->seen_ttl_s * 1000));
    if (!w.revisit || !w.seen) {
        snprintf(err, sizeof(err), "out of memory");
        goto out;
    }
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
    char amqp[256], redis[256], rate[32];
    LOG_I("started", "version=%s amqp=%s amqp_from=%s redis=%s redis_from=%s queue=%s "
          "concurrency=%u rate=%s rate_hosts=%zu host_concurrency=%u rate_key=%s",
          TRAWL_VERSION, log_redact_url(cfg->common.amqp_url, amqp, sizeof(amqp)),
          config_amqp_from(&cfg->common),
          log_redact_url(cfg->common.redis_url, redis, sizeof(redis)),
          config_redis_from(&cfg->common), w.q_urls, cfg->concurrency,
          rate_format(&cfg->rate, rate, sizeof(rate)), cfg->host_rates.n,
          cfg->host_concurrency, cfg->rate_key == POLICY_KEY_DOMAIN ? "domain" : "host");
    for (size_t i = 0; i < cfg->host_rates.n; i++)
        LOG_I("host rate", "host=%s rate=%s", cfg->host_rates.v[i].key,
              rate_format(&cfg->host_rates.v[i].rate, rate, sizeof(rate)));

    if (cfg->ignore_robots)
        LOG_W("robots.txt ignored", "%s", "(--ignore-robots: sites' crawling rules are not read)");
    w.exit_code = 0;
    if (loop_run(w.loop) < 0)
        worker_fatal(&w, "event loop failed", strerror(errno));
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
    kv_free(w.kv); /* answers still out arrive now, as errors: their jobs go back */
    w.kv = NULL;
    jobs_free_all(&w);
    policy_free(w.policy);
    revisit_free(w.revisit);
    seen_free(w.seen);
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
    due_cleanup(&w.returns);
    loop_free(w.loop);
    return w.exit_code;
}
