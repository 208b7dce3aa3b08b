/* producer.h -- trawl-producer's state, shared by its files: main.c (reading, enqueueing),
 * publish.c (publisher confirms), poll.c (which URLs a polling round enqueues), requeue.c
 * (dead letters back to work) and report.c (invalid lines and the summary). */
#ifndef TRAWL_PRODUCER_H
#define TRAWL_PRODUCER_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "broker_list.h"
#include "config.h"
#include "kvsync.h"

/* A URL read, waiting to be enqueued. */
struct entry {
    char *url;                  /* canonical, owned */
    char *body;                 /* the message, owned */
};

/* --error CODE, repeatable: the dead letters --requeue-dead selects. */
struct error_codes {
    char **v;                   /* owned, each owned */
    size_t n;
};

struct producer {
    struct common_config cfg;
    int no_dedup, strict;
    int requeue_dead;           /* --requeue-dead: no input is read */
    struct error_codes errors;  /* --error; none: every code */
    size_t requeue_max;         /* --count: dead letters requeued at most; 0: no limit */
    size_t batch_max;
    struct broker *broker;
    struct broker_list brokers; /* --amqp's members, and which to try next */
    struct kvsync *kv;          /* Redis, NULL until needed or after a failure */
    int legacy_seen;            /* the old seen-set of URL strings (seen_key) exists */
    int migrate_seen;           /* --migrate-seen */
    char q_urls[128], seen_key[160];
    double every_s, every_max_s; /* --every, --every-max: polling rounds; 0: one pass */
    json_t *seen_in_run;        /* the batch's canonical URLs (object keys), for duplicates
                                   within it; earlier batches are in Redis by then, so memory
                                   stays bounded by --batch whatever the input's size */
    struct entry *batch;        /* waiting to be enqueued (owned) */
    size_t nbatch;
    unsigned long long enqueued, duplicate, invalid, lines;
    unsigned long long not_due, still_queued; /* polling: left for a later round */
    int tty;
    uint64_t last_progress_ms;
};

void entry_free(struct entry *e);

/* Connects to the broker when not connected (declaring the queues, confirm mode), waiting out
 * an outage for up to 5 minutes. 0, or -1 (said in the log) when it stayed away. */
int producer_broker(struct producer *p);

/* A message to publish and, once producer_publish returns, the broker's verdict. */
struct outgoing {
    const char *queue;          /* borrowed */
    const char *body;           /* borrowed, len bytes */
    size_t len;
    const char *content_type;   /* borrowed */
    enum { OUT_WAITING = 0, OUT_ACKED, OUT_NACKED } state; /* WAITING: no verdict (lost) */
};

typedef void producer_delivery_fn(const struct broker_delivery *d, void *arg);

/* Publishes out[0..n) on p->broker (connected, in confirm mode) and waits until the broker
 * acked or nacked each, handing deliveries that arrive meanwhile to `deliveries` (may be
 * NULL). Returns 0 once each has its verdict in state; -1 when the connection was lost or
 * the broker stopped confirming (said in the log): p->broker is then freed and NULL, and what
 * was not acked is not known to be anywhere. */
int producer_publish(struct producer *p, struct outgoing *out, size_t n,
                     producer_delivery_fn *deliveries, void *arg);

/* --requeue-dead: moves the dead letters present at the start (those --error selects, up to
 * --count) from PREFIX.dead to PREFIX.urls and writes the summary. 0, or -1 when the broker
 * stayed away (nothing lost: a letter leaves PREFIX.dead only after its copy was confirmed). */
int requeue_dead(struct producer *p);

/* Writes value into buf as a key=value log value: as it is when it is one bare word, else in
 * double quotes with '"' and '\' escaped and control characters made spaces (cut to fit
 * buflen). Returns buf. */
const char *producer_quote(char *buf, size_t buflen, const char *value);

/* An input line that is not enqueued: "FILE:LINE: reason" in text mode, an "invalid line"
 * event with file, line and reason in JSON mode. */
void report_invalid_line(const struct producer *p, const char *file, unsigned long line,
                         const char *reason);

/* The closing summary, fmt giving key=value fields: the line itself in text mode, a "summary"
 * event with those fields in JSON mode. */
void report_summary(const struct producer *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One more failure to reach a server in an outage that began at start_ms: sleeps the next
 * delay (*delay_ms, 0 at first) and returns 0, or returns -1 once the outage has lasted 5
 * minutes. `msg` names the server ("broker unreachable"); err is the last failure. */
int producer_outage_wait(const char *msg, uint64_t start_ms, uint64_t *delay_ms, const char *err);

/* Runs n Redis commands (pipelined; routed on a Redis Cluster), connecting or reconnecting
 * through an outage (seen.c). replies[i] are the caller's; error replies included. 0, or -1
 * when Redis stayed away (said in the log). */
int producer_redis_pipeline(struct producer *p, size_t n, const struct kvsync_cmd *cmds,
                            redisReply **replies);

/* One command, as producer_redis_pipeline; NULL when Redis stayed away or refused the command
 * (both said in the log). */
redisReply *producer_redis(struct producer *p, int argc, const char **argv);

/* The seen-set (seen.c): notes whether an old set of URL strings exists (read as well). */
int seen_open(struct producer *p);
/* Drops the batch's URLs seen in an earlier run (or batch), counting them. 0 or -1. */
int seen_filter(struct producer *p);
/* The broker confirmed these: they are seen from now on. 0 or -1. */
int seen_mark(struct producer *p, const struct entry *done, size_t n);
/* --migrate-seen: moves the old set of URL strings into fingerprint buckets, then removes
 * it. Safe to run again after a failure. 0 or -1. */
int seen_migrate(struct producer *p);

/* Polling: drops the batch's URLs that are not due (their last poll set a later time) or
 * still queued from an earlier round, counting them. 0, or -1 when Redis failed. */
int poll_filter_due(struct producer *p);

/* Polling: the broker confirmed these; they are queued from now on. 0 or -1. */
int poll_mark_queued(struct producer *p, const struct entry *done, size_t n);

#endif
