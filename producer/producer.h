/* producer.h -- trawl-producer's state, shared by its files: main.c (reading, publishing,
 * confirms) and poll.c (which URLs a polling round enqueues). */
#ifndef TRAWL_PRODUCER_H
#define TRAWL_PRODUCER_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "broker.h"
#include "config.h"

/* A URL read, waiting to be enqueued. */
struct entry {
    char *url;                  /* canonical, owned */
    char *body;                 /* the message, owned */
};

struct producer {
    struct common_config cfg;
    int no_dedup, strict;
    size_t batch_max;
    struct broker *broker;
    redisContext *redis;
    char q_urls[128], seen_key[160];
    double every_s, every_max_s; /* --every, --every-max: polling rounds; 0: one pass */
    json_t *seen_in_run;        /* set of canonical URLs (object keys): jansson's hash table */
    struct entry *batch;        /* waiting to be enqueued (owned) */
    size_t nbatch;
    unsigned long long enqueued, duplicate, invalid, lines;
    unsigned long long not_due, still_queued; /* polling: left for a later round */
    int tty;
    uint64_t last_progress_ms;
};

void entry_free(struct entry *e);

/* Runs a Redis command, reconnecting through an outage. The reply is the caller's; NULL when
 * Redis stayed away or refused the command (said in the log). */
redisReply *producer_redis(struct producer *p, int argc, const char **argv);

/* Polling: drops the batch's URLs that are not due (their last poll set a later time) or
 * still queued from an earlier round, counting them. 0, or -1 when Redis failed. */
int poll_filter_due(struct producer *p);

/* Polling: the broker confirmed these; they are queued from now on. 0 or -1. */
int poll_mark_queued(struct producer *p, const struct entry *done, size_t n);

#endif
