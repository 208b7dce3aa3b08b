/* kv.h -- trawl's Redis client for the event loop: a hiredis async context on our loop,
 * reconnecting on its own, and the cluster-wide per-host rate limiter.
 *
 * Every key is "PREFIX:{HOST}:..." so that all the keys of one host share a hash tag: the
 * scripts that will combine them (concurrency slots, penalties, robots) then run unchanged on
 * Redis Cluster. */
#ifndef TRAWL_KV_H
#define TRAWL_KV_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct kv;

/* Where a Redis is, from a redis://[:password@]host[:port][/db] URL. */
struct kv_endpoint {
    char host[256];             /* name or bare IP (IPv6 without brackets) */
    int port;                   /* default 6379 */
    char password[256];         /* "" for none */
    int db;                     /* default 0 */
};

/* Parses url into ep. Returns 0, or -1 with a message naming the (password-less) URL. */
int kv_parse_url(const char *url, struct kv_endpoint *ep, char *err, size_t errlen);

/* Parses a redis://[:password@]host[:port][/db] URL and starts connecting (non-blocking).
 * Returns NULL with a message naming the URL in err when it is malformed. */
struct kv *kv_new(struct loop *l, const char *url, char *err, size_t errlen);
/* Closes the connection; pending callbacks run once with an error. NULL is a no-op. */
void kv_free(struct kv *kv);

/* 1 once connected (and authenticated); 0 while connecting or reconnecting. */
int kv_ready(const struct kv *kv);

/* Called with the time to wait before the request may go, or err set (Redis unreachable: the
 * caller must not fetch, and asks again later). */
typedef void kv_rate_fn(int64_t wait_us, const char *err, void *arg);

/* Reserves the next request slot for `host` in a GCRA schedule of one request per
 * interval_us with `burst` requests allowed at once, shared by every worker through Redis
 * (one round trip, one atomic script). wait_us >= 0: the slot is reserved, fetch after that
 * long. wait_us < 0: the schedule is booked further than max_wait_us ahead; nothing was
 * reserved, ask again after -wait_us. Copies host. Returns 0, or -1 when not connected. */
int kv_rate_acquire(struct kv *kv, const char *prefix, const char *host, uint64_t interval_us,
                    unsigned burst, uint64_t max_wait_us, kv_rate_fn *cb, void *arg);

#endif
