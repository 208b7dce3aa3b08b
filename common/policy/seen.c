/* seen.c -- the seen-set's keys and scripts. */
#include "seen.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "kv.h"

/* The key holds "d VALUE" once confirmed, "p VALUE\tOWNER" while claimed.
 * ARGV: value, claim ttl, owner. 1: claimed (new, or a claim of the same owner taken again);
 * 0: seen (confirmed, or claimed by another owner); a collision (another value) answers 1
 * without touching the key. */
static const char CLAIM_SCRIPT[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "local mine = 'p ' .. ARGV[1] .. '\\t' .. ARGV[3]\n"
    "if not v or v == mine then\n"
    "  redis.call('SET', KEYS[1], mine, 'PX', ARGV[2])\n"
    "  return 1\n"
    "end\n"
    "if v == 'd ' .. ARGV[1] then return 0 end\n"
    "if string.sub(v, 1, #ARGV[1] + 3) == 'p ' .. ARGV[1] .. '\\t' then return 0 end\n"
    "return 1\n";

/* ARGV: value, ttl. Unless the key holds another value (a collision), the value is seen. */
static const char CONFIRM_SCRIPT[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v and v ~= 'd ' .. ARGV[1] and\n"
    "   string.sub(v, 1, #ARGV[1] + 3) ~= 'p ' .. ARGV[1] .. '\\t' then return 0 end\n"
    "redis.call('SET', KEYS[1], 'd ' .. ARGV[1], 'PX', ARGV[2])\n"
    "return 1\n";

struct seen {
    struct kv *kv;
    struct kv_script *claim, *confirm;
    char *prefix;
};

struct claim_call {
    seen_claim_fn *cb;
    void *arg;
};

struct seen *seen_new(struct kv *kv, const char *prefix)
{
    struct seen *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->kv = kv;
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

static void key_of(char *out, size_t outlen, const struct seen *s, enum seen_what what,
                   const char *value)
{
    snprintf(out, outlen, "%s:seen:%s:%016llx", s->prefix, what == SEEN_URL ? "url" : "id",
             (unsigned long long)hash_str(value));
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
    char key[256], ttl[24];
    key_of(key, sizeof(key), s, what, value);
    snprintf(ttl, sizeof(ttl), "%d", SEEN_CLAIM_TTL_MS);
    struct claim_call *call = malloc(sizeof(*call));
    if (!call)
        return -1;
    *call = (struct claim_call){cb, arg};
    const char *keys[] = {key};
    const char *args[] = {value, ttl, owner};
    if (kv_eval(s->kv, s->claim, keys, 1, args, 3, on_claimed, call) < 0) {
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

int seen_confirm(struct seen *s, enum seen_what what, const char *value, int64_t ttl_ms)
{
    char key[256], ttl[24];
    key_of(key, sizeof(key), s, what, value);
    snprintf(ttl, sizeof(ttl), "%lld", (long long)(ttl_ms > 0 ? ttl_ms : 1));
    const char *keys[] = {key};
    const char *args[] = {value, ttl};
    return kv_eval(s->kv, s->confirm, keys, 1, args, 2, on_confirmed, NULL);
}
