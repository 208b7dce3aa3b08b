/* seen.c -- the producer's Redis: pipelines that wait out an outage (kvsync routes them on a
 * Redis Cluster), and the seen-set of URLs enqueued in earlier runs.
 *
 * The seen-set is 64-bit fingerprints in bucket sets (policy/fingerprint.h): about 9 bytes a
 * URL at 100 M URLs instead of about 120 for the URL's text, spread over a cluster's masters
 * by the bucket's hash tag. A seen-set of URL strings from before (the set PREFIX:seen) is
 * still read while it exists, and --migrate-seen moves it into buckets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "kvsync.h"
#include "log.h"
#include "loop.h"
#include "producer.h"

#define REDIS_TIMEOUT_MS 10000
#define MIGRATE_SCAN_COUNT 1000 /* URLs of the old set read per SSCAN */

int producer_redis_pipeline(struct producer *p, size_t n, const struct kvsync_cmd *cmds,
                            redisReply **replies)
{
    uint64_t start = loop_now_ms(), delay_ms = 0;
    char err[1024];
    for (;;) {
        if (!p->kv)
            p->kv = kvsync_connect(p->cfg.redis_url, config_redis_from(&p->cfg),
                                   REDIS_TIMEOUT_MS, err, sizeof(err));
        if (p->kv && kvsync_pipeline(p->kv, n, cmds, replies, err, sizeof(err)) == 0) {
            /* An error reply is the caller's to judge, but a loading server is an outage. */
            size_t i = 0;
            while (i < n && !(replies[i]->type == REDIS_REPLY_ERROR &&
                              strncmp(replies[i]->str, "LOADING", 7) == 0))
                i++;
            if (i == n)
                return 0;
            snprintf(err, sizeof(err), "%s", replies[i]->str);
            for (size_t k = 0; k < n; k++) {
                freeReplyObject(replies[k]);
                replies[k] = NULL;
            }
        }
        kvsync_free(p->kv);
        p->kv = NULL;
        if (producer_outage_wait("redis unreachable", start, &delay_ms, err) < 0)
            return -1;
    }
}

redisReply *producer_redis(struct producer *p, int argc, const char **argv)
{
    struct kvsync_cmd cmd = {argc, argv};
    redisReply *r = NULL;
    if (producer_redis_pipeline(p, 1, &cmd, &r) < 0)
        return NULL;
    if (r->type == REDIS_REPLY_ERROR) {
        char why[1100];
        LOG_E("redis command failed", "cmd=%s err=%s", argv[0],
              producer_quote(why, sizeof(why), r->str));
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

int seen_open(struct producer *p)
{
    const char *argv[] = {"EXISTS", p->seen_key};
    redisReply *r = producer_redis(p, 2, argv);
    if (!r)
        return -1;
    p->legacy_seen = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (p->legacy_seen)
        LOG_W("old seen-set", "key=%s hint=\"URLs seen before are read from it as well; "
              "trawl-producer --migrate-seen moves them into fingerprints (about 9 instead of "
              "120 bytes a URL)\"", p->seen_key);
    return 0;
}

/* One command per URL of urls[0..n): verb BUCKET MEMBER. The strings live in keys and
 * members (n * FP_KEY_MAX and n * 24 bytes). */
static void bucket_cmds(const struct producer *p, const char *verb, const char *const *urls,
                        size_t n, struct kvsync_cmd *cmds, const char **argv, char *keys,
                        char *members)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t fp = fp_of_url(urls[i], strlen(urls[i]));
        char *key = keys + i * FP_KEY_MAX, *member = members + i * 24;
        fp_bucket_key(fp, p->cfg.prefix, key, FP_KEY_MAX);
        fp_member(fp, member, 24);
        argv[3 * i] = verb;
        argv[3 * i + 1] = key;
        argv[3 * i + 2] = member;
        cmds[i] = (struct kvsync_cmd){3, argv + 3 * i};
    }
}

/* Runs verb (SISMEMBER or SADD) for every URL; the integer replies in out[] (may be NULL). */
static int bucket_run(struct producer *p, const char *verb, const char *const *urls, size_t n,
                      long long *out)
{
    struct kvsync_cmd *cmds = calloc(n, sizeof(*cmds));
    const char **argv = malloc(3 * n * sizeof(*argv));
    char *keys = malloc(n * FP_KEY_MAX), *members = malloc(n * 24);
    redisReply **replies = calloc(n, sizeof(*replies));
    int rc = -1;
    if (!cmds || !argv || !keys || !members || !replies) {
        LOG_E("redis command failed", "err=\"out of memory\"");
        goto out;
    }
    bucket_cmds(p, verb, urls, n, cmds, argv, keys, members);
    if (producer_redis_pipeline(p, n, cmds, replies) < 0)
        goto out;
    rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (replies[i]->type != REDIS_REPLY_INTEGER) {
            char why[600];
            LOG_E("redis command failed", "cmd=%s err=%s", verb,
                  producer_quote(why, sizeof(why), replies[i]->type == REDIS_REPLY_ERROR
                                                       ? replies[i]->str
                                                       : "not an integer"));
            rc = -1;
        } else if (out) {
            out[i] = replies[i]->integer;
        }
        freeReplyObject(replies[i]);
    }
out:
    free(cmds);
    free(argv);
    free(keys);
    free(members);
    free(replies);
    return rc;
}

int seen_filter(struct producer *p)
{
    size_t n = p->nbatch;
    if (p->no_dedup || n == 0)
        return 0;
    const char **urls = malloc(n * sizeof(*urls));
    long long *seen = malloc(n * sizeof(*seen));
    int rc = -1;
    if (!urls || !seen)
        goto out;
    for (size_t i = 0; i < n; i++)
        urls[i] = p->batch[i].url;
    if (bucket_run(p, "SISMEMBER", urls, n, seen) < 0)
        goto out;
    if (p->legacy_seen) {
        /* Those not in a bucket may be in the old set of URL strings: one SMISMEMBER. */
        const char **argv = malloc((n + 2) * sizeof(*argv));
        if (!argv)
            goto out;
        argv[0] = "SMISMEMBER";
        argv[1] = p->seen_key;
        for (size_t i = 0; i < n; i++)
            argv[i + 2] = urls[i];
        redisReply *r = producer_redis(p, (int)n + 2, argv);
        free(argv);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
            freeReplyObject(r);
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            seen[i] |= r->element[i]->integer;
        freeReplyObject(r);
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (seen[i]) {
            p->duplicate++;
            entry_free(&p->batch[i]);
        } else {
            p->batch[kept++] = p->batch[i];
        }
    }
    p->nbatch = kept;
    rc = 0;
out:
    free(urls);
    free(seen);
    return rc;
}

int seen_mark(struct producer *p, const struct entry *done, size_t n)
{
    if (p->no_dedup || n == 0)
        return 0;
    const char **urls = malloc(n * sizeof(*urls));
    if (!urls)
        return -1;
    for (size_t i = 0; i < n; i++)
        urls[i] = done[i].url;
    int rc = bucket_run(p, "SADD", urls, n, NULL);
    free(urls);
    return rc;
}

int seen_migrate(struct producer *p)
{
    char cursor[32] = "0", count[16];
    snprintf(count, sizeof(count), "%d", MIGRATE_SCAN_COUNT);
    unsigned long long moved = 0;
    uint64_t last_log = loop_now_ms();
    do {
        const char *argv[] = {"SSCAN", p->seen_key, cursor, "COUNT", count};
        redisReply *r = producer_redis(p, 5, argv);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING ||
            r->element[1]->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            LOG_E("migration failed", "key=%s moved=%llu hint=\"run it again: what was moved "
                  "stays, the old set is removed only at the end\"", p->seen_key, moved);
            return -1;
        }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        const redisReply *batch = r->element[1];
        const char **urls = malloc((batch->elements ? batch->elements : 1) * sizeof(*urls));
        if (!urls) {
            freeReplyObject(r);
            return -1;
        }
        for (size_t i = 0; i < batch->elements; i++)
            urls[i] = batch->element[i]->str;
        int rc = batch->elements ? bucket_run(p, "SADD", urls, batch->elements, NULL) : 0;
        moved += batch->elements;
        free(urls);
        freeReplyObject(r);
        if (rc < 0)
            return -1;
        if (loop_now_ms() - last_log >= 5000) {
            LOG_I("migrating", "key=%s moved=%llu", p->seen_key, moved);
            last_log = loop_now_ms();
        }
    } while (strcmp(cursor, "0") != 0);
    /* Every URL is in a bucket now (SSCAN returns each member present throughout at least
     * once; one added since by an older producer may be missed: stop those first). */
    const char *unlink[] = {"UNLINK", p->seen_key};
    redisReply *r = producer_redis(p, 2, unlink);
    if (!r)
        return -1;
    freeReplyObject(r);
    report_summary(p, "migrated=%llu key=%s", moved, p->seen_key);
    return 0;
}
