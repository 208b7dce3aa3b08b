/* seen.c -- the seen-set's keys and scripts (the layout is in seen.h). */
#include "seen.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "hash.h"
#include "kv.h"
#include "loop.h"

/* KEYS: the SEEN_LOOKUP_GENERATIONS sets, the claim, and on a single Redis the legacy key.
 * ARGV: member, claim ttl (ms), owner, the value (for the legacy key).
 * 1: claimed (new, or a claim of the same owner taken again); 0: seen (in a set, claimed by
 * another owner, or so in the legacy key). */
static const char CLAIM_SCRIPT[] = /* 4: SEEN_LOOKUP_GENERATIONS */
    "for i = 1, 4 do\n"
    "  if redis.call('SISMEMBER', KEYS[i], ARGV[1]) == 1 then return 0 end\n"
    "end\n"
    "local c = redis.call('GET', KEYS[5])\n"
    "if c and c ~= ARGV[3] then return 0 end\n"
    "if KEYS[6] then\n"
    "  local v = redis.call('GET', KEYS[6])\n"
    "  if v == 'd ' .. ARGV[4] then return 0 end\n"
    "  local p = 'p ' .. ARGV[4] .. '\\t'\n"
    "  if v and string.sub(v, 1, #p) == p and string.sub(v, #p + 1) ~= ARGV[3] then\n"
    "    return 0\n"
    "  end\n"
    "end\n"
    "redis.call('SET', KEYS[5], ARGV[3], 'PX', ARGV[2])\n"
    "return 1\n";

/* KEYS: generation G's set, the claim. ARGV: member, the set's expiry (unix ms). */
static const char CONFIRM_SCRIPT[] =
    "redis.call('SADD', KEYS[1], ARGV[1])\n"
    "redis.call('PEXPIREAT', KEYS[1], ARGV[2])\n"
    "redis.call('DEL', KEYS[2])\n"
    "return 1\n";

struct seen {
    struct kv *kv;
    struct kv_script *claim, *confirm;
    char *prefix;
    int64_t ttl_ms;
};

struct claim_call {
    seen_claim_fn *cb;
    void *arg;
};

static int fits(int n, size_t len)
{
    return n > 0 && (size_t)n < len;
}

int seen_keys_of(struct seen_keys *k, const char *prefix, enum seen_what what, const char *value,
                 int64_t now_ms, int64_t ttl_ms)
{
    const char *kind = what == SEEN_URL ? "url" : "id";
    uint64_t fp = fp_of_url(value, strlen(value));
    char tag[8];
    fp_bucket_tag(fp, tag, sizeof(tag));
    int64_t width = ttl_ms / 2 > 0 ? ttl_ms / 2 : 1;
    int64_t gen = now_ms / width;
    for (int i = 0; i < SEEN_LOOKUP_GENERATIONS; i++)
        if (!fits(snprintf(k->lookup[i], SEEN_KEY_MAX, "%s:seen:%s:%s:g%lld", prefix, kind, tag,
                           (long long)(gen + 1 - i)),
                  SEEN_KEY_MAX))
            return -1;
    k->expire_at_ms = (gen + 3) * width;
    if (!fits(snprintf(k->claim, SEEN_KEY_MAX, "%s:seen:%s:%s:c:%016llx", prefix, kind, tag,
                       (unsigned long long)fp),
              SEEN_KEY_MAX) ||
        !fits(snprintf(k->legacy, SEEN_KEY_MAX, "%s:seen:%s:%016llx", prefix, kind,
                       (unsigned long long)hash_str(value)),
              SEEN_KEY_MAX))
        return -1;
    return fp_member(fp, k->member, sizeof(k->member)) < 0 ? -1 : 0;
}

struct seen *seen_new(struct kv *kv, const char *prefix, int64_t ttl_ms)
{
    struct seen *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->kv = kv;
    s->ttl_ms = ttl_ms;
    s->prefix = strdup(prefix);
    s->claim = kv_script_add(kv, CLAIM_SCRIPT);
    s->confirm = kv_script_add(kv, CONFIRM_SCRIPT);
    if (!s->prefix || !s->claim || !s->confirm) {
        seen_free(s);
        return NULL;
    }
    return s;
}

void seen_free(struct seen *s)
{
    if (!s)
        return;
    free(s->prefix);
    free(s);
}

static void on_claimed(const struct redisReply *reply, const char *err, void *arg)
{
    struct claim_call *call = arg;
    if (!err && reply->type != REDIS_REPLY_INTEGER)
        err = "seen script: unexpected answer";
    call->cb(err ? -1 : reply->integer == 1, err, call->arg);
    free(call);
}

int seen_claim(struct seen *s, enum seen_what what, const char *value, const char *owner,
               seen_claim_fn *cb, void *arg)
{
    struct seen_keys k;
    if (seen_keys_of(&k, s->prefix, what, value, (int64_t)loop_wall_ms(), s->ttl_ms) < 0)
        return -1;
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%d", SEEN_CLAIM_TTL_MS);
    struct claim_call *call = malloc(sizeof(*call));
    if (!call)
        return -1;
    *call = (struct claim_call){cb, arg};
    const char *keys[] = {k.lookup[0], k.lookup[1], k.lookup[2], k.lookup[3], k.claim, k.legacy};
    /* A Cluster cannot run a script over two slots, and never held legacy keys. */
    size_t nkeys = kv_is_cluster(s->kv) ? 5 : 6;
    const char *args[] = {k.member, ttl, owner, value};
    if (kv_eval(s->kv, s->claim, keys, nkeys, args, 4, on_claimed, call) < 0) {
        free(call);
        return -1;
    }
    return 0;
}

static void on_confirmed(const struct redisReply *reply, const char *err, void *arg)
{
    (void)reply;
    (void)err;
    (void)arg;
}

int seen_confirm(struct seen *s, enum seen_what what, const char *value)
{
    struct seen_keys k;
    if (seen_keys_of(&k, s->prefix, what, value, (int64_t)loop_wall_ms(), s->ttl_ms) < 0)
        return -1;
    char expire_at[24];
    snprintf(expire_at, sizeof(expire_at), "%lld", (long long)k.expire_at_ms);
    const char *keys[] = {k.lookup[1], k.claim};
    const char *args[] = {k.member, expire_at};
    return kv_eval(s->kv, s->confirm, keys, 2, args, 2, on_confirmed, NULL);
}
