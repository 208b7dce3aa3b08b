/* worker_int.h -- what worker.c (the loop, connections, drain) and job.c (the life of one
 * URL) share. Internal to the worker: worker.h is its interface. */
#ifndef TRAWL_WORKER_INT_H
#define TRAWL_WORKER_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "due.h"
#include "fetch.h"
#include "kv.h"
#include "loop.h"
#include "broker_list.h"
#include "message.h"
#include "metrics.h"
#include "policy.h"
#include "reach.h"
#include "retry.h"
#include "revisit.h"
#include "seen.h"
#include "worker.h"

/* A hung broker (alive to TCP, silent to AMQP) is noticed once no frame came for two
 * heartbeats: 20 s, a publish blocked on it included (rabbitmq-c gives up a send at the
 * heartbeat deadline). */
#define HEARTBEAT_S 10
#define BROKER_TIMEOUT_MS 10000
#define TICK_MS 1000                /* heartbeats, idle check, drain deadline */
#define RETURN_SLACK_MS 10000       /* --idle-exit waits this long past our last due return */
#define REDIS_RETRY_MS 500          /* ask Redis again after it failed */
#define LEASE_POLL_MS 25            /* ask again for a lease another worker holds */
#define RATE_MAX_WAIT_US 30000000   /* book a host's schedule at most 30 s ahead */
#define NACK_RETRY_MIN_MS 100       /* a nacked outcome is published again after this ... */
#define NACK_RETRY_MAX_MS 5000      /* ... doubling up to this */
#define NACK_REOPEN_MS 15000        /* records and dead letters nacked, none acked, this long:
                                       the publishing channel is reopened */
#define MAX_PARKS 3                 /* a URL is set aside for a busy host at most this often */
#define ROBOTS_POLL_MS 250          /* ask again for robots.txt another worker is fetching */
#define POISON_DELIVERIES 5         /* a message delivered this often has killed workers */
#define HTTP_STATUS_MAX 999         /* statuses are three digits; others count as 0 */

/* Upper bounds (ms) of the fetch latency histogram's buckets; +Inf is implied. */
static const uint64_t LATENCY_BUCKETS_MS[] = {50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000};
#define NBUCKETS (sizeof(LATENCY_BUCKETS_MS) / sizeof(*LATENCY_BUCKETS_MS))

/* Where a job is in its life: each state is one wait, and says what may end it. The
 * transitions, and what a drain or a lost connection does in each state, are in job.c. */
enum job_state {
    JOB_REVISIT_LOOKUP, /* a feed or polled URL: what is known of it is asked of Redis */
    JOB_ROBOTS_WAIT,    /* in its site's line until the site's robots.txt rules are known */
    JOB_QUEUED,         /* in its host's line: one job per host and worker books at a time */
    JOB_BOOKING,        /* holds the host's turn; a booking is out at Redis */
    JOB_SLOT_WAIT,      /* a slot is booked; the timer fires at its time */
    JOB_LEASE_ASKING,   /* at the slot's time; a lease request is out at Redis */
    JOB_LEASE_WAIT,     /* holds the turn; every lease is held: the timer, then book again */
    JOB_PENALTY_WAIT,   /* holds the turn; the host is paused (429/503): timer, book again */
    JOB_HORIZON_WAIT,   /* holds the turn; the host is booked far ahead: timer, book again */
    JOB_REDIS_WAIT,     /* holds the turn; Redis could not answer: timer, book again */
    JOB_READY,          /* slot and lease held; in line for a transfer (--concurrency) */
    JOB_FETCHING,       /* the transfer runs; the timer renews the lease */
    JOB_CLAIMING,       /* --follow: its record's new links are claimed in the seen-set */
    JOB_FOLLOWING,      /* --follow: the new links are published; waiting for the broker's
                           confirms, then the record is published */
    JOB_PUBLISHING,     /* the outcome is published; waiting for the broker's confirm */
    JOB_ABANDONED,      /* the connection it came on is gone: waits only for the Redis answer
                           or the transfer still out, then gives back its lease and goes */
};

/* What a job waited for before its fetch, each counted once per job in the metrics. */
#define WAITED_RATE 1u
#define WAITED_LEASE 2u
#define WAITED_PENALTY 4u
#define WAITED_ROBOTS 8u

enum outcome_kind { OUT_RECORD, OUT_DEAD, OUT_RETRY, OUT_PARKED };

struct job {
    struct worker *w;
    struct job *prev, *next;    /* all jobs in hand */
    struct job *line_next;      /* JOB_QUEUED: its host's line; JOB_READY: the ready line */
    uint64_t tag;               /* input delivery tag */
    enum job_state state;
    struct message msg;
    enum fetch_purpose purpose; /* FETCH_PAGE: a delivery; FETCH_ROBOTS: no delivery, no
                                   outcome: it fetches robots.txt for its site's jobs */
    struct policy_site *site;   /* its origin's robots entry (a reference), or NULL */
    const char *path;           /* the URL's path and query (borrowed from msg.url) */
    struct policy_host *ph;     /* its host's entry (a reference), NULL before parsing */
    struct loop_timer timer;    /* the state's timer: slot, backoff, lease renewal */
    uint64_t polite_since_ms;   /* when it joined its host's line */
    uint64_t redis_away_since_ms; /* its host's Redis has not answered since; 0: it has */
    unsigned waited;            /* WAITED_* reasons already counted for this job */
    int has_lease;              /* a lease is held under lease_id */
    char lease_id[48];
    uint64_t seq;               /* confirm sequence of our outcome */
    char *out_body;             /* the outcome, kept until confirmed (republished on nack) */
    const char *out_queue;
    uint64_t out_expire_ms;     /* per-message expiration of a retry, 0 otherwise */
    uint64_t nack_delay_ms;     /* wait before publishing a nacked outcome again */
    enum outcome_kind out_kind;
    struct revisit_state *seen_before; /* a revisited URL: what Redis knew of it, else NULL */
    struct revisit_state *seen_now;    /* ... and what its outcome stores once confirmed */
    struct follow *follow;      /* JOB_CLAIMING, JOB_FOLLOWING: what its record leads to */
};

struct worker {
    const struct worker_config *cfg;
    struct loop *loop;
    struct broker *in, *out;
    struct broker_list brokers; /* --amqp's members, and which to try next */
    struct kv *kv;
    struct policy *policy;
    struct revisit *revisit;
    struct seen *seen;
    struct fetcher *fetcher;
    struct job *jobs;
    size_t njobs;
    struct job *ready_head, *ready_tail; /* JOB_READY, waiting for a free transfer (FIFO) */
    char q_urls[128], q_records[128], q_dead[128];
    char q_delay[RETRY_LEVELS][128];
    char id[24];                /* this process among all workers: names its leases */
    uint64_t lease_seq;
    struct loop_timer tick;
    int sigfd;
    int consuming;              /* the consumer is started (once Redis answers) */
    int broker_lost;            /* a connection failed: tear down before sleeping */
    uint64_t reconnect_backoff_ms;
    uint64_t broker_lost_at_ms; /* when the current outage began */
    uint64_t nacked_since_ms;   /* first nack of an outcome with no ack since; 0: none */
    struct loop_timer reconnect_timer;
    int draining;               /* a signal came: no new work */
    uint64_t drain_deadline_ms;
    int exit_code;
    uint64_t last_activity_ms;
    uint64_t returns_due_ms;    /* latest time a URL we sent round a delay queue is due back */
    struct due returns;         /* those URLs (retries and parks) by due time, counted once
                                   the broker confirmed them: retry_waiting, retry_next_s */
    uint64_t started_ms;        /* the start-up deadline (--idle-exit) counts from here */
    int broker_reached;         /* connected to the broker at least once since start-up */
    struct reach_failures broker_failures; /* failed connects since the last success */
    char broker_error[1024];    /* the last one's message */
    uint64_t last_progress_ms;
    int redis_down_logged;
    struct {
        uint64_t records, dead, retries, bytes, fetch_errors, late_slots;
        uint64_t feeds;                     /* feed and sitemap records built */
        uint64_t not_modified;              /* 304 answers to a conditional GET */
        uint64_t followed, follow_seen;     /* --follow: URLs enqueued; found seen */
        uint64_t waits_rate, waits_lease, waits_penalty, waits_robots; /* what a fetch waited for */
        uint64_t robots_fetches, robots_denied, robots_unavailable;
        uint64_t parked, reparked;          /* set aside for a busy host; again */
        uint64_t parked_shard_away;         /* set aside: its Redis Cluster master away */
        uint64_t nacks;                     /* outcomes the broker refused (published again) */
        uint64_t lease_expiries;            /* leases found expired while their fetch ran */
        uint64_t penalties;                 /* 429/503 answers that paused their host */
        uint64_t sent_back;                 /* deliveries that arrived while draining */
        uint64_t by_class[6];               /* responses by status class: 1xx..5xx, other */
        uint64_t latency[NBUCKETS + 1];     /* fetch latency histogram (+Inf last) */
        uint64_t latency_sum_ms, fetches;
        uint64_t errors[ERR_COUNT];         /* failed attempts by code (http_NNN below) */
        uint64_t http_errors[HTTP_STATUS_MAX + 1]; /* http_NNN failed attempts by status */
    } n;
    struct metrics_server *metrics;
};

/* -- job.c -- */

/* A delivery arrived: it becomes a job (or goes straight back while draining). */
void job_on_delivery(const struct broker_delivery *d, void *arg);

/* The broker confirmed (ok) or refused an outcome: ack the input, or publish again. */
void job_on_confirm(uint64_t seq, int multiple, int ok, void *arg);

/* Draining: returns to the queue every job that has not started fetching and is not waiting
 * for a Redis answer (those go back when it comes). Returns how many. */
size_t jobs_return_waiting(struct worker *w);

/* The broker connections are gone: lets go of every job (their deliveries come back to some
 * worker); the ones with a Redis answer or a transfer still out are abandoned and go when it
 * arrives. */
void jobs_abandon_all(struct worker *w);

/* At exit: frees every job at once, whatever it waits for (callbacks will not run). */
void jobs_free_all(struct worker *w);

/* Jobs in each state, for the progress line and metrics. */
void jobs_count_states(const struct worker *w, size_t counts[JOB_ABANDONED + 1]);

/* Publishes a record built earlier (takes ownership of *record, which is set to NULL). */
void job_publish_record(struct job *j, char **record);
/* Frees a job whose last awaited answer came after it was abandoned. */
void job_discard(struct job *j);
/* The lines jobs wait in (a host's, a site's, the ready line): singly linked through
 * line_next, with head and tail. */
void line_push(struct job **head, struct job **tail, struct job *j);
void line_push_front(struct job **head, struct job **tail, struct job *j);
void line_remove(struct job **head, struct job **tail, struct job *j);
/* After parsing (and the revisit lookup): the robots step, or the host's line. */
void job_enter_politeness(struct job *j);
/* For a callback that finds its job abandoned (freed) or the worker draining (returned to
 * the queue): 1 when the job is gone. */
int job_gone_or_returned(struct job *j);
/* Leaves the robots step: into its host's line (at the front with front set). */
void job_enter_host_line(struct job *j, int front);
/* Dead letter for a job that was never fetched (it counts as one attempt). */
void job_publish_dead(struct job *j, const char *raw, size_t raw_len, enum errcode code,
                      const char *detail);
/* A failed attempt: a retry after a wait in the broker, or a dead letter when attempts are
 * used up or the failure is not transient. */
void job_fail_attempt(struct job *j, enum errcode code, long http_status, const char *detail,
                      int transient, int64_t retry_after_s);
/* Counts one of the WAITED_* reasons for j, once per job. */
void job_count_wait(struct job *j, unsigned reason);
/* A job with no delivery behind it (a robots.txt fetch), for url. NULL when out of memory. */
struct job *job_new_internal(struct worker *w, const char *url);

/* -- page.c -- */

/* The record of a successful response (a new reference), or NULL when out of memory. */
json_t *page_record(struct job *j, const struct fetch_result *r);

/* -- revisit.c -- */

/* A feed, or a URL a polling producer sent: asks Redis what is known of it, then goes on to
 * the politeness steps. Any other URL goes on at once. */
void revisit_begin(struct job *j);
/* The conditional request's header lines, on the caller's stack for fetcher_start. */
struct revisit_headers {
    char line[2][REVISIT_MAX_VALIDATOR + 32];
    const char *ptr[2];
};
/* Adds If-None-Match / If-Modified-Since to req for a URL fetched before (the lines are
 * written into hdr, which must live until fetcher_start returns). */
void revisit_request(const struct job *j, struct fetch_request *req, struct revisit_headers *hdr);
/* What a response (and its record, NULL for a dead letter) tells of the URL's next visit,
 * kept in j->seen_now until the outcome is confirmed. */
void revisit_note(struct job *j, const struct fetch_result *r, const json_t *rec);
/* The outcome is confirmed: store what was noted. */
void revisit_commit(struct job *j);

/* -- follow.c -- */

struct follow;
struct robots;
/* Publishes the record (takes ownership of `record`, its JSON text), after enqueueing what
 * rec leads to under --follow. */
void follow_or_publish(struct job *j, const json_t *rec, char *record);
/* A confirm for a JOB_FOLLOWING job; 1 when it was one of its publishes. */
int follow_on_confirm(struct job *j, uint64_t seq, int multiple, int ok);
void follow_free(struct follow *f);
/* --follow feeds: a site's robots.txt was just fetched (once a day, by one worker for all):
 * its Sitemap lines go out as feeds. */
void follow_sitemaps(struct worker *w, const char *origin, const struct robots *rules);

/* -- robots.c -- */

/* A parsed page job of a site: on to its host's line, to a dead letter (disallowed), to a
 * retry (robots.txt unreachable), or to wait for the site's rules. */
void robots_check(struct job *j);
/* The robots job's transfer ended: what it says goes to Redis and to the waiting jobs. */
void robots_on_fetched(struct job *j, const struct fetch_result *r);
/* The robots job goes without a result (a drain, a lost connection): the claim is given up. */
void robots_job_gone(struct job *j);
/* The request of a robots job: its own limits on redirects and size. */
void robots_request(const struct job *j, struct fetch_request *req);

/* -- worker.c -- */

/* Logs, sets exit status 1 and stops the loop. */
void worker_fatal(struct worker *w, const char *what, const char *why);

/* Marks the broker connections as failed; the before-sleep hook tears them down. */
void worker_lose_broker(struct worker *w, const char *what, const char *why);

#endif
