/* policy.c -- the per-host scripts (rate slots, leases, penalties) and the worker's host
 * table. The arithmetic of each guarantee lives in the Lua below, on Redis' clock; this file
 * only builds keys and arguments and reads the answers. */
#include "policy.h"

#include <hiredis/hiredis.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

/* Shared by the scripts: the time in microseconds, and the key's slowdown factor after a
 * penalty (KEYS[3]: hash until_us, factor). While paused it answers how long is left; after,
 * the factor halves every recover_us until it is back to 1. */
#define LUA_PRELUDE                                                                       \
    "local t = redis.call('TIME')\n"                                                      \
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"                             \
    "local function penalty(key, recover_us)\n"                                           \
    "  local p = redis.call('HMGET', key, 'until', 'factor')\n"                           \
    "  if not p[1] then return 0, 1 end\n"                                                \
    "  local untl, f = tonumber(p[1]), tonumber(p[2])\n"                                  \
    "  if now < untl then return untl - now, f end\n"                                     \
    "  f = f / 2 ^ math.floor((now - untl) / recover_us)\n"                               \
    "  if f < 1 then f = 1 end\n"                                                         \
    "  return 0, f\n"                                                                     \
    "end\n"                                                                               \
    /* Takes a lease (a sorted set of holders scored by expiry, in ms) if one is free. */ \
    "local function lease(key, max, ttl_ms, id)\n"                                        \
    "  if max == 0 then return true end\n"                                                \
    "  local now_ms = math.floor(now / 1000)\n"                                           \
    "  redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms)\n"                             \
    "  if redis.call('ZCARD', key) >= max then return false end\n"                        \
    "  redis.call('ZADD', key, now_ms + ttl_ms, id)\n"                                    \
    "  redis.call('PEXPIRE', key, ttl_ms)\n"                                              \
    "  return true\n"                                                                     \
    "end\n"

/* Answers are {code, wait_us}; the codes are enum policy_answer's order. */

/* GCRA ("virtual scheduling") with reservation: books the key's next free slot and answers
 * how long to wait for it, so workers sleep on a timer instead of polling. A slot due now is
 * booked only together with a lease: a worker never holds a slot it cannot use while another
 * could. The schedule key expires once it is in the past, so idle hosts cost no memory.
 * KEYS: rate, lease, penalty. ARGV: interval_us, burst, max_wait_us, lease_max, lease_ttl_ms,
 * lease_id, recover_us. */
static const char BOOK_SCRIPT[] =
    LUA_PRELUDE
    "local paused, factor = penalty(KEYS[3], tonumber(ARGV[7]))\n"
    "if paused > 0 then return {3, paused} end\n"
    "local interval = tonumber(ARGV[1]) * factor\n"
    "local tolerance = interval * (tonumber(ARGV[2]) - 1)\n"
    "local tat = tonumber(redis.call('GET', KEYS[1]) or now)\n"
    "if tat < now then tat = now end\n"
    "local wait = tat - tolerance - now\n"
    "if wait < 0 then wait = 0 end\n"
    "if wait > tonumber(ARGV[3]) then return {4, wait} end\n"
    "local answer = 1\n"
    "if wait == 0 then\n"
    "  if not lease(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]) then\n"
    "    return {2, 0}\n"
    "  end\n"
    "  answer = 0\n"
    "end\n"
    "local new_tat = tat + interval\n"
    "redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',\n"
    "           math.floor((new_tat - now) / 1000) + 1000)\n"
    "return {answer, wait}\n";

/* At a booked slot's time. KEYS: lease, penalty. ARGV: lease_max, lease_ttl_ms, lease_id,
 * recover_us. */
static const char LEASE_SCRIPT[] =
    LUA_PRELUDE
    "local paused = penalty(KEYS[2], tonumber(ARGV[4]))\n"
    "if paused > 0 then return {3, paused} end\n"
    "if not lease(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]) then\n"
    "  return {2, 0}\n"
    "end\n"
    "return {0, 0}\n";

/* KEYS: lease. ARGV: lease_id, lease_ttl_ms. 1 when renewed, 0 when it had expired. */
static const char RENEW_SCRIPT[] =
    "local t = redis.call('TIME')\n"
    "local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end\n"
    "redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])\n"
    "redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))\n"
    "return 1\n";

/* KEYS: lease. ARGV: lease_id. */
static const char RELEASE_SCRIPT[] = "return redis.call('ZREM', KEYS[1], ARGV[1])\n";

/* A 429 or 503: the factor doubles (at most max_factor) and the key pauses for pause_us, or
 * for factor seconds when the server gave no Retry-After, capped at max_pause_us. A pause
 * already running longer is kept. The key lives until the factor is back to 1.
 * KEYS: penalty. ARGV: pause_us (-1: none), max_pause_us, recover_us, max_factor. */
static const char PENALIZE_SCRIPT[] =
    LUA_PRELUDE
    "local recover = tonumber(ARGV[3])\n"
    "local paused, f = penalty(KEYS[1], recover)\n"
    "f = math.min(f * 2, tonumber(ARGV[4]))\n"
    "local pause = tonumber(ARGV[1])\n"
    "if pause < 0 then pause = f * 1000000 end\n"
    "pause = math.min(pause, tonumber(ARGV[2]))\n"
    "if paused > pause then pause = paused end\n"
    "local untl = now + pause\n"
    "redis.call('HSET', KEYS[1], 'until', string.format('%.0f', untl), 'factor', f)\n"
    "local life_us = pause + recover * (math.log(f) / math.log(2) + 1)\n"
    "redis.call('PEXPIRE', KEYS[1], math.floor(life_us / 1000) + 1000)\n"
    "return {3, pause}\n";

#define POLICY_TABLE_SIZE 4096 /* buckets; entries chain */

struct policy {
    struct kv *kv;
    struct policy_opts o;
    struct kv_script *book, *lease, *renew, *release, *penalize;
    psl_ctx_t *psl_owned;           /* the system's list, when it loads */
    const psl_ctx_t *psl;           /* that, or libpsl's built-in copy */
    struct policy_host *table[POLICY_TABLE_SIZE];
    size_t nhosts;
};

/* One request in flight: what to call back. */
struct policy_call {
    policy_answer_fn *on_answer;
    policy_renew_fn *on_renew;
    void *arg;
};

struct policy *policy_new(struct kv *kv, const struct policy_opts *o, char *err, size_t errlen)
{
    struct policy *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->kv = kv;
    p->o = *o;
    p->book = kv_script_add(kv, BOOK_SCRIPT);
    p->lease = kv_script_add(kv, LEASE_SCRIPT);
    p->renew = kv_script_add(kv, RENEW_SCRIPT);
    p->release = kv_script_add(kv, RELEASE_SCRIPT);
    p->penalize = kv_script_add(kv, PENALIZE_SCRIPT);
    if (!p->book || !p->lease || !p->renew || !p->release || !p->penalize) {
        snprintf(err, errlen, "out of memory");
        free(p);
        return NULL;
    }
    if (o->key == POLICY_KEY_DOMAIN) {
        /* The system's list (Debian's publicsuffix package) is newer than the copy built into
         * libpsl when it is installed. */
        p->psl_owned = psl_latest(NULL);
        p->psl = p->psl_owned ? p->psl_owned : psl_builtin();
        if (!p->psl) {
            snprintf(err, errlen, "--rate-key domain: libpsl has no public suffix list");
            free(p);
            return NULL;
        }
    }
    return p;
}

void policy_free(struct policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < POLICY_TABLE_SIZE; i++)
        while (p->table[i]) {
            struct policy_host *h = p->table[i];
            p->table[i] = h->hash_next;
            free(h->key);
            free(h);
        }
    if (p->psl_owned)
        psl_free(p->psl_owned);
    free(p);
}

char *policy_key_of(const struct policy *p, const char *host)
{
    if (p->o.key == POLICY_KEY_DOMAIN) {
        /* NULL for an IP address or a bare public suffix: the host is its own key then. */
        const char *domain = psl_registrable_domain(p->psl, host);
        if (domain)
            return strdup(domain);
    }
    return strdup(host);
}

/* FNV-1a: the table is keyed by short host names. */
static size_t bucket_of(const char *key)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *s = (const unsigned char *)key; *s; s++)
        h = (h ^ *s) * 1099511628211ULL;
    return (size_t)(h % POLICY_TABLE_SIZE);
}

static uint64_t interval_for(const struct policy *p, const char *key)
{
    for (size_t i = 0; i < p->o.n_host_rates; i++)
        if (strcmp(p->o.host_rates[i].key, key) == 0)
            return rate_interval_us(&p->o.host_rates[i].rate);
    return rate_interval_us(&p->o.rate);
}

struct policy_host *policy_host_get(struct policy *p, const char *host)
{
    char *key = policy_key_of(p, host);
    if (!key)
        return NULL;
    size_t b = bucket_of(key);
    struct policy_host *h = p->table[b];
    while (h && strcmp(h->key, key) != 0)
        h = h->hash_next;
    if (h) {
        free(key);
        h->refs++;
        return h;
    }
    h = calloc(1, sizeof(*h));
    if (!h) {
        free(key);
        return NULL;
    }
    h->key = key;
    h->interval_us = interval_for(p, key);
    h->refs = 1;
    h->hash_next = p->table[b];
    p->table[b] = h;
    p->nhosts++;
    return h;
}

void policy_host_put(struct policy *p, struct policy_host *h)
{
    if (--h->refs > 0)
        return;
    struct policy_host **pp = &p->table[bucket_of(h->key)];
    while (*pp != h)
        pp = &(*pp)->hash_next;
    *pp = h->hash_next;
    p->nhosts--;
    free(h->key);
    free(h);
}

size_t policy_host_count(const struct policy *p)
{
    return p->nhosts;
}

/* -- requests -- */

static void key_name(char *out, size_t outlen, const struct policy *p,
                     const struct policy_host *h, const char *what)
{
    snprintf(out, outlen, "%s:{%s}:%s", p->o.prefix, h->key, what);
}

static void on_answer(const struct redisReply *reply, const char *err, void *arg)
{
    struct policy_call *call = arg;
    if (!err && (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
                 reply->element[0]->type != REDIS_REPLY_INTEGER ||
                 reply->element[1]->type != REDIS_REPLY_INTEGER ||
                 reply->element[0]->integer < POLICY_GO ||
                 reply->element[0]->integer > POLICY_HORIZON))
        err = "policy script: unexpected answer";
    if (err)
        call->on_answer(POLICY_GO, 0, err, call->arg);
    else
        call->on_answer((enum policy_answer)reply->element[0]->integer,
                        reply->element[1]->integer > 0 ? (uint64_t)reply->element[1]->integer : 0,
                        NULL, call->arg);
    free(call);
}

static void on_renewed(const struct redisReply *reply, const char *err, void *arg)
{
    struct policy_call *call = arg;
    if (!err && reply->type != REDIS_REPLY_INTEGER)
        err = "lease script: unexpected answer";
    call->on_renew(err ? 0 : reply->integer == 1, err, call->arg);
    free(call);
}

static void on_ignored(const struct redisReply *reply, const char *err, void *arg)
{
    (void)reply;
    (void)err;
    (void)arg;
}

static int eval(struct policy *p, struct kv_script *sc, const char *const *keys, size_t nkeys,
                const char *const *args, size_t nargs, kv_reply_fn *on_reply,
                policy_answer_fn *cb_answer, policy_renew_fn *cb_renew, void *arg)
{
    struct policy_call *call = NULL;
    if (on_reply != on_ignored) {
        call = malloc(sizeof(*call));
        if (!call)
            return -1;
        *call = (struct policy_call){.on_answer = cb_answer, .on_renew = cb_renew, .arg = arg};
    }
    if (kv_eval(p->kv, sc, keys, nkeys, args, nargs, on_reply, call) < 0) {
        free(call);
        return -1;
    }
    return 0;
}

int policy_book(struct policy *p, struct policy_host *h, const char *lease_id,
                policy_answer_fn *cb, void *arg)
{
    char rate[512], lease[512], penalty[512];
    key_name(rate, sizeof(rate), p, h, "rate");
    key_name(lease, sizeof(lease), p, h, "lease");
    key_name(penalty, sizeof(penalty), p, h, "penalty");
    char interval[24], burst[16], max_wait[24], lease_max[16], ttl[16], recover[24];
    snprintf(interval, sizeof(interval), "%llu", (unsigned long long)h->interval_us);
    snprintf(burst, sizeof(burst), "%u", p->o.burst ? p->o.burst : 1);
    snprintf(max_wait, sizeof(max_wait), "%llu", (unsigned long long)p->o.max_wait_us);
    snprintf(lease_max, sizeof(lease_max), "%u", p->o.host_concurrency);
    snprintf(ttl, sizeof(ttl), "%d", POLICY_LEASE_TTL_MS);
    snprintf(recover, sizeof(recover), "%llu", (unsigned long long)POLICY_RECOVER_MS * 1000);
    const char *keys[] = {rate, lease, penalty};
    const char *args[] = {interval, burst, max_wait, lease_max, ttl, lease_id, recover};
    return eval(p, p->book, keys, 3, args, 7, on_answer, cb, NULL, arg);
}

int policy_take_lease(struct policy *p, struct policy_host *h, const char *lease_id,
                      policy_answer_fn *cb, void *arg)
{
    char lease[512], penalty[512];
    key_name(lease, sizeof(lease), p, h, "lease");
    key_name(penalty, sizeof(penalty), p, h, "penalty");
    char lease_max[16], ttl[16], recover[24];
    snprintf(lease_max, sizeof(lease_max), "%u", p->o.host_concurrency);
    snprintf(ttl, sizeof(ttl), "%d", POLICY_LEASE_TTL_MS);
    snprintf(recover, sizeof(recover), "%llu", (unsigned long long)POLICY_RECOVER_MS * 1000);
    const char *keys[] = {lease, penalty};
    const char *args[] = {lease_max, ttl, lease_id, recover};
    return eval(p, p->lease, keys, 2, args, 4, on_answer, cb, NULL, arg);
}

int policy_renew_lease(struct policy *p, struct policy_host *h, const char *lease_id,
                       policy_renew_fn *cb, void *arg)
{
    char lease[512], ttl[16];
    key_name(lease, sizeof(lease), p, h, "lease");
    snprintf(ttl, sizeof(ttl), "%d", POLICY_LEASE_TTL_MS);
    const char *keys[] = {lease};
    const char *args[] = {lease_id, ttl};
    return eval(p, p->renew, keys, 1, args, 2, on_renewed, NULL, cb, arg);
}

void policy_release_lease(struct policy *p, struct policy_host *h, const char *lease_id)
{
    char lease[512];
    key_name(lease, sizeof(lease), p, h, "lease");
    const char *keys[] = {lease};
    const char *args[] = {lease_id};
    eval(p, p->release, keys, 1, args, 1, on_ignored, NULL, NULL, NULL);
}

void policy_penalize(struct policy *p, struct policy_host *h, int64_t retry_after_s)
{
    char penalty[512];
    key_name(penalty, sizeof(penalty), p, h, "penalty");
    uint64_t max_pause_us = p->o.max_retry_after_ms * 1000;
    char pause[24], max_pause[24], recover[24], max_factor[16];
    if (retry_after_s >= 0)
        snprintf(pause, sizeof(pause), "%llu", (unsigned long long)retry_after_s * 1000000ULL);
    else
        snprintf(pause, sizeof(pause), "-1");
    snprintf(max_pause, sizeof(max_pause), "%llu", (unsigned long long)max_pause_us);
    snprintf(recover, sizeof(recover), "%llu", (unsigned long long)POLICY_RECOVER_MS * 1000);
    snprintf(max_factor, sizeof(max_factor), "%d", POLICY_MAX_FACTOR);
    const char *keys[] = {penalty};
    const char *args[] = {pause, max_pause, recover, max_factor};
    eval(p, p->penalize, keys, 1, args, 4, on_ignored, NULL, NULL, NULL);
}
