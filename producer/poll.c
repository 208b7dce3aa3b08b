/* poll.c -- a polling producer's rounds: which URLs are due, and which are still queued.
 *
 * Each URL's revisit hash (policy/revisit.h) says when its next poll is due (set by the
 * worker from what the last response told: unchanged feeds wait longer, up to --every-max,
 * and the server's max-age or Retry-After is a floor) and whether a round already enqueued it
 * with no outcome since. Commands are pipelined per batch: one round trip, not one per URL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "producer.h"
#include "revisit.h"

/* A URL marked queued whose outcome never cleared the mark (the queue was purged, say) is
 * enqueued again after this long. */
#define QUEUED_STALE_MS (24LL * 3600 * 1000)
#define REVISIT_KEY_MAX 1024

/* In a command template: where each entry's key and URL go. */
static const char KEY_ARG[] = "<key>", URL_ARG[] = "<url>";

/* Sets url and queued; a hash the worker never stored gets an expiry of its own. */
static const char MARK_SCRIPT[] =
    "redis.call('HSET', KEYS[1], 'url', ARGV[1], 'queued', ARGV[2])\n"
    "if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end\n"
    "return 1\n";

/* Sends one command per entry (cmd with KEY_ARG and URL_ARG filled in), pipelined, and
 * reads the replies in order into replies[]. An error reply fails the whole batch. */
static int pipeline(struct producer *p, size_t n, const char *const *cmd, int argc,
                    const struct entry *entries, redisReply **replies)
{
    struct kvsync_cmd *cmds = calloc(n, sizeof(*cmds));
    const char **argv = malloc(n * (size_t)argc * sizeof(*argv));
    char *keys = malloc(n * REVISIT_KEY_MAX);
    int rc = -1;
    if (!cmds || !argv || !keys)
        goto out;
    for (size_t i = 0; i < n; i++) {
        char *key = keys + i * REVISIT_KEY_MAX;
        const char **a = argv + i * (size_t)argc;
        if (revisit_key(key, REVISIT_KEY_MAX, p->cfg.prefix, entries[i].url) < 0)
            goto out;
        memcpy(a, cmd, (size_t)argc * sizeof(*a));
        for (int k = 0; k < argc; k++)
            if (a[k] == KEY_ARG)
                a[k] = key;
            else if (a[k] == URL_ARG)
                a[k] = entries[i].url;
        cmds[i] = (struct kvsync_cmd){argc, a};
    }
    if (producer_redis_pipeline(p, n, cmds, replies) < 0)
        goto out;
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (replies[i]->type == REDIS_REPLY_ERROR) {
            char why[600];
            LOG_E("redis pipeline failed", "err=%s",
                  producer_quote(why, sizeof(why), replies[i]->str));
            rc = -1;
        }
    if (rc < 0)
        for (size_t i = 0; i < n; i++) {
            freeReplyObject(replies[i]);
            replies[i] = NULL;
        }
out:
    free(cmds);
    free(argv);
    free(keys);
    return rc;
}

static int64_t field_number(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
}

int poll_filter_due(struct producer *p)
{
    if (p->nbatch == 0)
        return 0;
    redisReply **replies = calloc(p->nbatch, sizeof(*replies));
    if (!replies)
        return -1;
    const char *cmd[] = {"HMGET", KEY_ARG, "url", "due", "queued"};
    if (pipeline(p, p->nbatch, cmd, 5, p->batch, replies) < 0) {
        free(replies);
        return -1;
    }
    int64_t now = loop_wall_ms();
    size_t kept = 0;
    for (size_t i = 0; i < p->nbatch; i++) {
        const redisReply *r = replies[i];
        int ours = r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
                   r->element[0]->type == REDIS_REPLY_STRING &&
                   strcmp(r->element[0]->str, p->batch[i].url) == 0;
        int64_t due = ours ? field_number(r->element[1]) : 0;
        int64_t queued = ours ? field_number(r->element[2]) : 0;
        if (queued > 0 && now - queued < QUEUED_STALE_MS) {
            p->still_queued++;
            entry_free(&p->batch[i]);
        } else if (due > now) {
            p->not_due++;
            entry_free(&p->batch[i]);
        } else {
            p->batch[kept++] = p->batch[i];
        }
        freeReplyObject(replies[i]);
    }
    free(replies);
    p->nbatch = kept;
    return 0;
}

int poll_mark_queued(struct producer *p, const struct entry *done, size_t n)
{
    if (n == 0)
        return 0;
    redisReply **replies = calloc(n, sizeof(*replies));
    if (!replies)
        return -1;
    char now[24], ttl[24];
    snprintf(now, sizeof(now), "%lld", (long long)loop_wall_ms());
    /* The worker's store sets the real expiry; this one only bounds a URL never fetched. */
    snprintf(ttl, sizeof(ttl), "%lld", (long long)(p->every_max_s * 1000 * 4 + QUEUED_STALE_MS));
    const char *cmd[] = {"EVAL", MARK_SCRIPT, "1", KEY_ARG, URL_ARG, now, ttl};
    int rc = pipeline(p, n, cmd, 7, done, replies);
    for (size_t i = 0; rc == 0 && i < n; i++)
        freeReplyObject(replies[i]);
    free(replies);
    return rc;
}
