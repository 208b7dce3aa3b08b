/* worker_int.h -- what worker.c (the loop, connections, drain) and job.c (the life of one
 * URL) share. Internal to the worker: worker.h is its interface. */
#ifndef TRAWL_WORKER_INT_H
#define TRAWL_WORKER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "fetch.h"
#include "kv.h"
#include "loop.h"
#include "message.h"
#include "metrics.h"
#include "retry.h"
#include "worker.h"

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

/* -- job.c -- */

/* A delivery arrived: it becomes a job (or goes straight back while draining). */
void job_on_delivery(const struct broker_delivery *d, void *arg);

/* The broker confirmed (ok) or refused an outcome: ack the input, or publish again. */
void job_on_confirm(uint64_t seq, int multiple, int ok, void *arg);

/* Returns to the queue every job that has not started fetching and is not waiting for
 * Redis. Returns how many. */
size_t jobs_return_waiting(struct worker *w);

/* Unlinks and frees a job (its delivery is neither acked nor rejected here). */
void job_free(struct job *j);

/* -- worker.c -- */

/* Logs, sets exit status 1 and stops the loop. */
void worker_fatal(struct worker *w, const char *what, const char *why);

/* Marks the broker connections as failed; the before-sleep hook tears them down. */
void worker_lose_broker(struct worker *w, const char *what, const char *why);

#endif
