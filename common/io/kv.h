/* kv.h -- trawl's Redis client for the event loop: hiredis async contexts on our loop that
 * reconnect on their own, and Lua scripts run by their SHA1 with NOSCRIPT handled here, once,
 * for every script (after a Redis restart the script is sent again and the call goes on). On
 * a Redis Cluster each call goes to the master of its first key's slot (all of a call's keys
 * must share a hash tag), following MOVED and ASK; a master away stops only the calls for
 * its slots.
 *
 * What the scripts do belongs to their owners (policy/ holds the per-host ones); this module
 * knows nothing of hosts or rates. */
#ifndef TRAWL_KV_H
#define TRAWL_KV_H

#include <stddef.h>
#include <stdint.h>

#include "sentinel.h"

struct loop;
struct kv;
struct redisReply;

/* The flag and the environment variable that set Redis's URL (config.c's table); a
 * connection error tells the user to set one of them. */
#define KV_URL_FLAG "redis"
#define KV_URL_ENV "TRAWL_REDIS_URL"

/* Where a Redis is, from a redis://[:password@]host[:port][/db] URL. */
struct kv_endpoint {
    char host[256];             /* name or bare IP (IPv6 without brackets) */
    int port;                   /* default 6379 */
    char password[256];         /* "" for none */
    int db;                     /* default 0 */
};

/* Parses url into ep (port from 1 to 65535). Returns 0, or -1 with what was expected in err
 * (the value is not repeated: the caller names it, password masked). */
int kv_parse_url(const char *url, struct kv_endpoint *ep, char *err, size_t errlen);

/* What --redis names: one server, or a master that Redis Sentinel points to (asked again on
 * every (re)connect, so that a failover is followed). */
struct kv_target {
    int sentinel;               /* 1: st is used, ep is filled by kv_target_resolve */
    struct kv_endpoint ep;
    struct sentinel_target st;
};

/* Parses redis:// or redis-sentinel:// (sentinel.h). Returns 0, or -1 with what was expected
 * in err, as kv_parse_url. */
int kv_target_parse(const char *url, struct kv_target *t, char *err, size_t errlen);

/* The endpoint to connect to now: t's own, or the master the sentinels name (blocking: at
 * most SENTINEL_TIMEOUT_MS per sentinel asked). Returns 0 with *ep, or -1 with err. */
#define SENTINEL_TIMEOUT_MS 500
int kv_target_resolve(const struct kv_target *t, struct kv_endpoint *ep, char *err,
                      size_t errlen);

/* The message for a connection to ep that failed with hiredis' errstr, or for a connection
 * whose AUTH or SELECT was refused with the reply `refused` (then errstr is NULL): the address,
 * where it came from (origin: "--redis", "TRAWL_REDIS_URL", "default"), why and what to check;
 * the password is never shown. For the blocking client (the producer) and kv alike. Returns
 * buf. */
const char *kv_explain(const struct kv_endpoint *ep, const char *origin, const char *errstr,
                       const char *refused, char *buf, size_t buflen);

/* Parses a redis://[:password@]host[:port][/db] URL and starts connecting (non-blocking);
 * origin says where the URL came from, for messages. Failures to connect are logged (the
 * first of a run of them, then one every 30 s with a count) and retried with capped backoff,
 * for ever. Returns NULL with a message naming the URL in err when it is malformed. */
struct kv *kv_new(struct loop *l, const char *url, const char *origin, char *err,
                  size_t errlen);
/* Closes the connection; pending callbacks run once with an error. NULL is a no-op. */
void kv_free(struct kv *kv);

/* 1 once connected (and authenticated); 0 while connecting or reconnecting. On a cluster, 1
 * while any master is connected: kv_eval says which calls cannot go. */
int kv_ready(const struct kv *kv);

/* 1 once kv has been ready at least once since kv_new. */
int kv_reached(const struct kv *kv);

/* Why the last connection attempt failed (kv_explain's message), "" when none failed since
 * the last success. Borrowed from kv. */
const char *kv_error(const struct kv *kv);
/* 1 once the server reached is known to be a Redis Cluster node (calls are routed by slot):
 * then a script's keys must share a slot. */
int kv_is_cluster(const struct kv *kv);
/* Redirections (MOVED, ASK) followed so far on a Redis Cluster. */
unsigned long long kv_redirects(const struct kv *kv);

/* A script's handle, from kv_script_add. */
struct kv_script;

/* Registers a Lua script (source borrowed: a string constant). It is loaded on every
 * (re)connect. Returns NULL when out of memory. Scripts live as long as kv. */
struct kv_script *kv_script_add(struct kv *kv, const char *source);

/* The answer to a call: reply is hiredis' (borrowed: valid during the callback only), or
 * NULL with err set when Redis was unreachable, the connection dropped, or the script
 * failed ("rate script: ERR ..."). A reply of type error is turned into err. */
typedef void kv_reply_fn(const struct redisReply *reply, const char *err, void *arg);

/* Runs script with nkeys keys followed by nargs arguments (all copied). cb runs exactly once,
 * from the loop, never inline. Returns 0, or -1 when the server for keys[0] is not connected
 * (cb will not run). */
int kv_eval(struct kv *kv, struct kv_script *script, const char *const *keys, size_t nkeys,
            const char *const *args, size_t nargs, kv_reply_fn *cb, void *arg);

#endif
