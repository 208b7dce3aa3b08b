/* policy.c -- the per-host scripts (rate slots, leases, penalties) and the worker's host
 * table. The arithmetic of each guarantee lives in the Lua below, on Redis' clock; this file
 * only builds keys and arguments and reads the answers. */
#include "policy.h"

#include <hiredis/hiredis.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kv.h"
#include "robots.h"

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
 *
 * A slot further than park_after ahead is not booked: the caller parks the URL instead, and
 * gets a place on a second schedule of the same spacing (KEYS[4]) that starts where the rate
 * schedule ends. It comes back park_after/2 before that place, when the rate schedule has
 * moved on by as many slots as were parked before it, and books then: parked URLs return one
 * interval apart and find a slot within park_after, so each is parked once, not again.
 * KEYS: rate, lease, penalty, park. ARGV: interval_us, burst, max_wait_us, lease_max,
 * lease_ttl_ms, lease_id, recover_us, park_after_us (0: never park). */
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
    "local park_after = tonumber(ARGV[8])\n"
    "if park_after > 0 and wait > park_after then\n"
    "  local place = tonumber(redis.call('GET', KEYS[4]) or 0)\n"
    "  if place < tat then place = tat end\n"
    "  place = place + interval\n"
    "  redis.call('SET', KEYS[4], string.format('%.0f', place), 'PX',\n"
    "             math.floor((place - now) / 1000) + 1000)\n"
    "  local back = place - now - park_after / 2\n"
    "  return {5, back}\n"
    "end\n"
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

/* robots.txt, shared: the rules cached for every worker, or a claim on fetching them so
 * that one worker fetches while the others wait. KEYS: rules, claim. ARGV: owner, claim_ms.
 * {1, value, ttl_ms}: found; {2}: claimed by the caller; {3}: claimed by another. */
static const char ROBOTS_LOOKUP_SCRIPT[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v then return {1, v, redis.call('PTTL', KEYS[1])} end\n"
    "if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2, '', 0} end\n"
    "return {3, '', 0}\n";

/* Stores a fetch's result and drops the caller's claim. An unavailable robots.txt is kept for
 * retry_ms, doubling with each failure in a row (counted in KEYS[3] for a day), at most
 * max_ms; rules for ok_ttl_ms. KEYS: rules, claim, failures. ARGV: owner, value, ok_ttl_ms,
 * unavailable (0|1), retry_ms, max_ms. */
static const char ROBOTS_STORE_SCRIPT[] =
    "local ttl = tonumber(ARGV[3])\n"
    "if ARGV[4] == '1' then\n"
    "  local n = redis.call('INCR', KEYS[3])\n"
    "  redis.call('PEXPIRE', KEYS[3], 86400000)\n"
    "  ttl = math.min(tonumber(ARGV[5]) * 2 ^ (n - 1), tonumber(ARGV[6]))\n"
    "else\n"
    "  redis.call('DEL', KEYS[3])\n"
    "end\n"
    "redis.call('SET', KEYS[1], ARGV[2], 'PX', math.floor(ttl))\n"
    "if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end\n"
    "return math.floor(ttl)\n";

/* KEYS: claim. ARGV: owner. */
static const char ROBOTS_UNCLAIM_SCRIPT[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

#define POLICY_TABLE_SIZE 4096 /* buckets; entries chain */
#define POLICY_SITES_CACHED 10000 /* known sites kept when no job holds them */

struct policy {
    struct kv *kv;
    struct policy_opts o;
    struct loop *loop;
    struct kv_script *book, *lease, *renew, *release, *penalize;
    struct kv_script *robots_lookup, *robots_store, *robots_unclaim;
    psl_ctx_t *psl_owned;           /* the system's list, when it loads */
    const psl_ctx_t *psl;           /* that, or libpsl's built-in copy */
    struct policy_host *table[POLICY_TABLE_SIZE];
    size_t nhosts;
    struct policy_site *sites[POLICY_TABLE_SIZE];
    size_t nsites;
};

/* One request in flight: what to call back. */
struct policy_call {
    policy_answer_fn *on_answer;
    policy_renew_fn *on_renew;
    policy_robots_fn *on_robots;
    void *arg;
};

struct policy *policy_new(struct loop *l, struct kv *kv, const struct policy_opts *o, char *err,
                          size_t errlen)
{
    struct policy *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->loop = l;
    p->kv = kv;
    p->o = *o;
    p->book = kv_script_add(kv, BOOK_SCRIPT);
    p->lease = kv_script_add(kv, LEASE_SCRIPT);
    p->renew = kv_script_add(kv, RENEW_SCRIPT);
    p->release = kv_script_add(kv, RELEASE_SCRIPT);
    p->penalize = kv_script_add(kv, PENALIZE_SCRIPT);
    p->robots_lookup = kv_script_add(kv, ROBOTS_LOOKUP_SCRIPT);
    p->robots_store = kv_script_add(kv, ROBOTS_STORE_SCRIPT);
    p->robots_unclaim = kv_script_add(kv, ROBOTS_UNCLAIM_SCRIPT);
    if (!p->book || !p->lease || !p->renew || !p->release || !p->penalize ||
        !p->robots_lookup || !p->robots_store || !p->robots_unclaim) {
        snprintf(err, errlen, "out of memory");
        free(p);
        return NULL;
    }
    if (o->key == POLICY_KEY_DOMAIN || o->domains) {
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

static void site_free(struct policy *p, struct policy_site *st)
{
    loop_timer_stop(p->loop, &st->timer);
    robots_free(st->rules);
    free(st->unavailable);
    free(st->origin);
    free(st->host);
    free(st);
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
    for (size_t i = 0; i < POLICY_TABLE_SIZE; i++)
        while (p->sites[i]) {
            struct policy_site *st = p->sites[i];
            p->sites[i] = st->hash_next;
            site_free(p, st);
        }
    if (p->psl_owned)
        psl_free(p->psl_owned);
    free(p);
}

/* An IPv4 address (digits and dots only) or an IPv6 literal: no domain to speak of. libpsl
 * would take "127.0.0.2" for a name under "0.2". */
static int is_address(const char *host)
{
    if (strchr(host, ':') || host[0] == '[')
        return 1;
    return host[0] != '\0' && strspn(host, "0123456789.") == strlen(host);
}

char *policy_domain_of(const struct policy *p, const char *host)
{
    if (p->psl && !is_address(host)) {
        /* NULL for a bare public suffix: the host is its own domain then. */
        const char *domain = psl_registrable_domain(p->psl, host);
        if (domain)
            return strdup(domain);
    }
    return strdup(host);
}

char *policy_key_of(const struct policy *p, const char *host)
{
    return p->o.key == POLICY_KEY_DOMAIN ? policy_domain_of(p, host) : strdup(host);
}

static size_t bucket_of(const char *key)
{
    return (size_t)(hash_str(key) % POLICY_TABLE_SIZE);
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

const struct policy_host *policy_busiest_host(const struct policy *p)
{
    const struct policy_host *best = NULL;
    for (size_t i = 0; i < POLICY_TABLE_SIZE; i++)
        for (const struct policy_host *h = p->table[i]; h; h = h->hash_next)
            if (!best || h->refs > best->refs)
                best = h;
    return best;
}

struct policy_site *policy_site_get(struct policy *p, const char *url, const char **path)
{
    /* A canonical URL: scheme "://" host [":" port] then the path, which always starts. */
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    const char *end = strchr(host, '/');
    if (!end)
        end = host + strlen(host);
    *path = end;
    size_t origin_len = (size_t)(end - url);
    char *origin = strndup(url, origin_len);
    if (!origin)
        return NULL;
    size_t b = bucket_of(origin);
    struct policy_site *st = p->sites[b];
    while (st && strcmp(st->origin, origin) != 0)
        st = st->hash_next;
    if (st) {
        free(origin);
        st->refs++;
        return st;
    }
    st = calloc(1, sizeof(*st));
    if (!st) {
        free(origin);
        return NULL;
    }
    st->origin = origin;
    /* The host for the keys' hash tag: up to a port (an IPv6 literal keeps its brackets). */
    const char *port = host[0] == '[' ? strstr(host, "]:") : strchr(host, ':');
    if (port && host[0] == '[')
        port++;
    st->host = strndup(host, (size_t)((port && port < end ? port : end) - host));
    if (!st->host) {
        free(st->origin);
        free(st);
        return NULL;
    }
    loop_timer_init(&st->timer, NULL, st);
    st->refs = 1;
    st->hash_next = p->sites[b];
    p->sites[b] = st;
    p->nsites++;
    return st;
}

void policy_site_put(struct policy *p, struct policy_site *st)
{
    if (--st->refs > 0)
        return;
    if (st->state == SITE_KNOWN && p->nsites <= POLICY_SITES_CACHED)
        return;
    struct policy_site **pp = &p->sites[bucket_of(st->origin)];
    while (*pp != st)
        pp = &(*pp)->hash_next;
    *pp = st->hash_next;
    p->nsites--;
    site_free(p, st);
}

void policy_site_know(struct policy_site *st, struct robots *rules, char *unavailable,
                      uint64_t ttl_ms)
{
    robots_free(st->rules);
    free(st->unavailable);
    st->rules = rules;
    st->unavailable = unavailable;
    st->state = SITE_KNOWN;
    st->expires_ms = loop_now_ms() + ttl_ms;
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
                 reply->element[0]->integer > POLICY_PARK))
        err = "policy script: unexpected answer";
    if (err)
        call->on_answer(POLICY_GO, 0, err, call->arg);
    else
        call->on_answer((enum policy_answer)reply->element[0]->integer,
                        reply->element[1]->integer > 0 ? (uint64_t)reply->element[1]->integer : 0,
                        NULL, call->arg);
    free(call);
}

static void on_robots_answer(const struct redisReply *reply, const char *err, void *arg)
{
    struct policy_call *call = arg;
    if (!err && (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
                 reply->element[0]->type != REDIS_REPLY_INTEGER))
        err = "robots script: unexpected answer";
    if (err) {
        call->on_robots(POLICY_ROBOTS_BUSY, NULL, 0, 0, err, call->arg);
    } else if (reply->element[0]->integer == 1 && reply->elements == 3 &&
               reply->element[1]->type == REDIS_REPLY_STRING &&
               reply->element[2]->type == REDIS_REPLY_INTEGER) {
        long long ttl = reply->element[2]->integer;
        call->on_robots(POLICY_ROBOTS_FOUND, reply->element[1]->str, reply->element[1]->len,
                        ttl > 0 ? (uint64_t)ttl : 0, NULL, call->arg);
    } else {
        call->on_robots(reply->element[0]->integer == 2 ? POLICY_ROBOTS_CLAIMED
                                                        : POLICY_ROBOTS_BUSY,
                        NULL, 0, 0, NULL, call->arg);
    }
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

/* Runs a script; `cb` (with on_reply's matching type) gets the answer. */
static int eval(struct policy *p, struct kv_script *sc, const char *const *keys, size_t nkeys,
                const char *const *args, size_t nargs, kv_reply_fn *on_reply,
                struct policy_call cb)
{
    struct policy_call *call = NULL;
    if (on_reply != on_ignored) {
        call = malloc(sizeof(*call));
        if (!call)
            return -1;
        *call = cb;
    }
    if (kv_eval(p->kv, sc, keys, nkeys, args, nargs, on_reply, call) < 0) {
        free(call);
        return -1;
    }
    return 0;
}

int policy_book(struct policy *p, struct policy_host *h, const char *lease_id, int may_park,
                policy_answer_fn *cb, void *arg)
{
    char rate[512], lease[512], penalty[512], park[512];
    key_name(rate, sizeof(rate), p, h, "rate");
    key_name(park, sizeof(park), p, h, "park");
    key_name(lease, sizeof(lease), p, h, "lease");
    key_name(penalty, sizeof(penalty), p, h, "penalty");
    char interval[24], burst[16], max_wait[24], lease_max[16], ttl[16], recover[24];
    snprintf(interval, sizeof(interval), "%llu", (unsigned long long)h->interval_us);
    snprintf(burst, sizeof(burst), "%u", p->o.burst ? p->o.burst : 1);
    snprintf(max_wait, sizeof(max_wait), "%llu", (unsigned long long)p->o.max_wait_us);
    snprintf(lease_max, sizeof(lease_max), "%u", p->o.host_concurrency);
    snprintf(ttl, sizeof(ttl), "%d", POLICY_LEASE_TTL_MS);
    snprintf(recover, sizeof(recover), "%llu", (unsigned long long)POLICY_RECOVER_MS * 1000);
    char park_after[24];
    snprintf(park_after, sizeof(park_after), "%llu",
             may_park ? (unsigned long long)p->o.park_after_us : 0ULL);
    const char *keys[] = {rate, lease, penalty, park};
    const char *args[] = {interval, burst, max_wait, lease_max, ttl, lease_id, recover, park_after};
    return eval(p, p->book, keys, 4, args, 8, on_answer,
                (struct policy_call){.on_answer = cb, .arg = arg});
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
    return eval(p, p->lease, keys, 2, args, 4, on_answer,
                (struct policy_call){.on_answer = cb, .arg = arg});
}

int policy_renew_lease(struct policy *p, struct policy_host *h, const char *lease_id,
                       policy_renew_fn *cb, void *arg)
{
    char lease[512], ttl[16];
    key_name(lease, sizeof(lease), p, h, "lease");
    snprintf(ttl, sizeof(ttl), "%d", POLICY_LEASE_TTL_MS);
    const char *keys[] = {lease};
    const char *args[] = {lease_id, ttl};
    return eval(p, p->renew, keys, 1, args, 2, on_renewed,
                (struct policy_call){.on_renew = cb, .arg = arg});
}

void policy_release_lease(struct policy *p, struct policy_host *h, const char *lease_id)
{
    char lease[512];
    key_name(lease, sizeof(lease), p, h, "lease");
    const char *keys[] = {lease};
    const char *args[] = {lease_id};
    eval(p, p->release, keys, 1, args, 1, on_ignored, (struct policy_call){0});
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
    eval(p, p->penalize, keys, 1, args, 4, on_ignored, (struct policy_call){0});
}

/* Keys of a site: "PREFIX:{HOST}:robots:ORIGIN" and the like. */
static void site_key(char *out, size_t outlen, const struct policy *p,
                     const struct policy_site *st, const char *what)
{
    snprintf(out, outlen, "%s:{%s}:%s:%s", p->o.prefix, st->host, what, st->origin);
}

int policy_robots_lookup(struct policy *p, struct policy_site *st, const char *owner_id,
                         uint64_t claim_ms, policy_robots_fn *cb, void *arg)
{
    char rules[1024], claim[1024], ms[24];
    site_key(rules, sizeof(rules), p, st, "robots");
    site_key(claim, sizeof(claim), p, st, "robots-claim");
    snprintf(ms, sizeof(ms), "%llu", (unsigned long long)claim_ms);
    const char *keys[] = {rules, claim};
    const char *args[] = {owner_id, ms};
    return eval(p, p->robots_lookup, keys, 2, args, 2, on_robots_answer,
                (struct policy_call){.on_robots = cb, .arg = arg});
}

void policy_robots_store(struct policy *p, struct policy_site *st, const char *owner_id,
                         const char *value, int unavailable)
{
    char rules[1024], claim[1024], failures[1024];
    site_key(rules, sizeof(rules), p, st, "robots");
    site_key(claim, sizeof(claim), p, st, "robots-claim");
    site_key(failures, sizeof(failures), p, st, "robots-failures");
    char ttl[24], retry[24], max[24];
    snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long)POLICY_ROBOTS_TTL_MS);
    snprintf(retry, sizeof(retry), "%d", POLICY_ROBOTS_RETRY_MS);
    snprintf(max, sizeof(max), "%d", POLICY_ROBOTS_RETRY_MAX_MS);
    const char *keys[] = {rules, claim, failures};
    const char *args[] = {owner_id, value, ttl, unavailable ? "1" : "0", retry, max};
    eval(p, p->robots_store, keys, 3, args, 6, on_ignored, (struct policy_call){0});
}

void policy_robots_unclaim(struct policy *p, struct policy_site *st, const char *owner_id)
{
    char claim[1024];
    site_key(claim, sizeof(claim), p, st, "robots-claim");
    const char *keys[] = {claim};
    const char *args[] = {owner_id};
    eval(p, p->robots_unclaim, keys, 1, args, 1, on_ignored, (struct policy_call){0});
}
