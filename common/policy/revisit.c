/* revisit.c -- the per-URL revisit hash: its key, the schedule arithmetic, and the worker's
 * two scripts (one key each, so they run unchanged on a Redis Cluster). */
#include "revisit.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kv.h"
#include "url.h"

/* Answers the fields of KEYS[1] when its url is ARGV[1], else nothing. */
static const char LOOKUP_SCRIPT[] =
    "local v = redis.call('HMGET', KEYS[1], 'url', 'etag', 'modified', 'digest', 'interval',\n"
    "                     'due', 'queued')\n"
    "if v[1] ~= ARGV[1] then return {} end\n"
    "return v\n";

/* ARGV: url, etag, modified, digest, interval, due, ttl_ms. Empty strings delete. */
static const char STORE_SCRIPT[] =
    "local names = {'url', 'etag', 'modified', 'digest', 'interval', 'due'}\n"
    "for i, name in ipairs(names) do\n"
    "  if ARGV[i] == '' then redis.call('HDEL', KEYS[1], name)\n"
    "  else redis.call('HSET', KEYS[1], name, ARGV[i]) end\n"
    "end\n"
    "redis.call('HDEL', KEYS[1], 'queued')\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[7])\n"
    "return 1\n";

struct revisit {
    struct kv *kv;
    struct kv_script *lookup, *store;
    char *prefix;
};

struct lookup_call {
    revisit_found_fn *cb;
    void *arg;
};

int revisit_key(char *out, size_t outlen, const char *prefix, const char *url)
{
    char *host = url_host(url);
    if (!host)
        return -1;
    int n = snprintf(out, outlen, "%s:{%s}:revisit:%016llx", prefix, host,
                     (unsigned long long)hash_str(url));
    free(host);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

void revisit_digest(const char *body, size_t len, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)hash_bytes(body, len));
}

int64_t revisit_next_interval(int64_t every_ms, int64_t max_ms, int64_t prev_ms, bool changed,
                              int64_t floor_ms)
{
    if (max_ms < every_ms)
        max_ms = every_ms;
    int64_t next = changed || prev_ms <= 0 ? every_ms : prev_ms > max_ms / 2 ? max_ms : prev_ms * 2;
    if (next < floor_ms)
        next = floor_ms;
    if (next < every_ms)
        next = every_ms;
    return next > max_ms ? max_ms : next;
}

struct revisit *revisit_new(struct kv *kv, const char *prefix)
{
    struct revisit *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->kv = kv;
    r->prefix = strdup(prefix);
    r->lookup = kv_script_add(kv, LOOKUP_SCRIPT);
    r->store = kv_script_add(kv, STORE_SCRIPT);
    if (!r->prefix || !r->lookup || !r->store) {
        revisit_free(r);
        return NULL;
    }
    return r;
}

void revisit_free(struct revisit *r)
{
    if (!r)
        return;
    free(r->prefix);
    free(r);
}

static void copy_field(char *out, size_t outlen, const redisReply *v)
{
    out[0] = '\0';
    if (v->type == REDIS_REPLY_STRING && v->len < outlen)
        memcpy(out, v->str, v->len + 1);
}

static int64_t number_field(const redisReply *v)
{
    return v->type == REDIS_REPLY_STRING ? strtoll(v->str, NULL, 10) : 0;
}

static void on_lookup(const struct redisReply *reply, const char *err, void *arg)
{
    struct lookup_call *call = arg;
    if (!err && reply->type != REDIS_REPLY_ARRAY)
        err = "revisit script: unexpected answer";
    if (err || reply->elements != 7) {
        call->cb(NULL, err, call->arg);
        free(call);
        return;
    }
    struct revisit_state st;
    copy_field(st.etag, sizeof(st.etag), reply->element[1]);
    copy_field(st.modified, sizeof(st.modified), reply->element[2]);
    copy_field(st.digest, sizeof(st.digest), reply->element[3]);
    st.interval_ms = number_field(reply->element[4]);
    st.due_ms = number_field(reply->element[5]);
    st.queued_ms = number_field(reply->element[6]);
    call->cb(&st, NULL, call->arg);
    free(call);
}

int revisit_lookup(struct revisit *r, const char *url, revisit_found_fn *cb, void *arg)
{
    char key[1024];
    if (revisit_key(key, sizeof(key), r->prefix, url) < 0)
        return -1;
    struct lookup_call *call = malloc(sizeof(*call));
    if (!call)
        return -1;
    *call = (struct lookup_call){cb, arg};
    const char *keys[] = {key};
    const char *args[] = {url};
    if (kv_eval(r->kv, r->lookup, keys, 1, args, 1, on_lookup, call) < 0) {
        free(call);
        return -1;
    }
    return 0;
}

static void on_stored(const struct redisReply *reply, const char *err, void *arg)
{
    (void)reply;
    (void)err;
    (void)arg;
}

int revisit_store(struct revisit *r, const char *url, const struct revisit_state *st,
                  int64_t ttl_ms)
{
    char key[1024];
    if (revisit_key(key, sizeof(key), r->prefix, url) < 0)
        return -1;
    char interval[24] = "", due[24] = "", ttl[24];
    if (st->interval_ms > 0)
        snprintf(interval, sizeof(interval), "%lld", (long long)st->interval_ms);
    if (st->due_ms > 0)
        snprintf(due, sizeof(due), "%lld", (long long)st->due_ms);
    snprintf(ttl, sizeof(ttl), "%lld", (long long)(ttl_ms > 0 ? ttl_ms : 1));
    const char *keys[] = {key};
    const char *args[] = {url, st->etag, st->modified, st->digest, interval, due, ttl};
    return kv_eval(r->kv, r->store, keys, 1, args, 7, on_stored, NULL);
}
