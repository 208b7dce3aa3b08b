/* policy.h -- may this host be fetched now? The per-host politeness that every worker shares
 * through Redis (rate slots, concurrency leases, shared backoff), and this worker's table of
 * the hosts it has jobs for.
 *
 * Each answer comes from one Lua script run atomically on Redis' own clock, so the guarantees
 * hold across any number of workers on any number of machines. Every key of one host is
 * "PREFIX:{KEY}:..." where KEY is the host, or its registrable domain with POLICY_KEY_DOMAIN:
 * one hash tag, so the scripts run unchanged on Redis Cluster.
 *
 * A caller's string arguments are copied; struct policy_host pointers are borrowed from the
 * table and stay valid while the caller holds a reference (policy_host_get/_put). */
#ifndef TRAWL_POLICY_H
#define TRAWL_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "rate.h"

struct kv;

#define POLICY_LEASE_TTL_MS 10000   /* a dead worker's lease frees itself this long after */
#define POLICY_LEASE_RENEW_MS 3000  /* renewed this often while its transfer runs */
#define POLICY_RECOVER_MS 30000     /* after a penalty, the slowdown halves this often */
#define POLICY_MAX_FACTOR 64        /* a host penalised again and again: at most 64x slower */

enum policy_key { POLICY_KEY_HOST, POLICY_KEY_DOMAIN };

struct policy_host_rate {
    const char *key;                /* host (or domain, with POLICY_KEY_DOMAIN); borrowed */
    struct rate rate;
};

struct policy_opts {
    const char *prefix;             /* borrowed, outlives the policy */
    struct rate rate;               /* default per-key rate */
    const struct policy_host_rate *host_rates; /* borrowed */
    size_t n_host_rates;
    unsigned burst;                 /* requests a key may receive at once, >= 1 */
    unsigned host_concurrency;      /* leases per key over every worker; 0: no cap */
    enum policy_key key;
    uint64_t max_wait_us;           /* book slots at most this far ahead */
    uint64_t max_retry_after_ms;    /* ceiling on a penalty's pause */
};

/* One rate key as this worker sees it. The caller (the worker's job code) keeps its own
 * queue of jobs here: the policy only counts references. */
struct policy_host {
    struct policy_host *hash_next;
    char *key;                      /* host or registrable domain */
    uint64_t interval_us;           /* configured spacing of requests */
    unsigned refs;                  /* jobs holding this entry */
    unsigned leases;                /* leases this worker holds on the key */
    int asking;                     /* a booking is out or a lease poll is due: one at a time */
    void *queue_head, *queue_tail;  /* the caller's jobs waiting for their turn to book */
};

/* What a booking or a lease request answered. */
enum policy_answer {
    POLICY_GO,          /* slot due now and (with a cap) the lease taken: fetch now */
    POLICY_SLOT,        /* slot booked wait_us ahead, no lease yet: take it then */
    POLICY_LEASE_BUSY,  /* slot due but every lease is held: nothing booked; ask again */
    POLICY_PENALTY,     /* the key is paused for wait_us more (a 429/503): nothing booked */
    POLICY_HORIZON,     /* the schedule is booked wait_us ahead, beyond max_wait_us: nothing
                           booked */
};

/* Called once per request: err set (and the answer meaningless) when Redis could not answer;
 * the caller must then not fetch. */
typedef void policy_answer_fn(enum policy_answer a, uint64_t wait_us, const char *err, void *arg);
/* ok is 1 when the lease was still held (renewed), 0 when it had expired. */
typedef void policy_renew_fn(int ok, const char *err, void *arg);

/* Registers the scripts on kv. Returns NULL with the reason in err. */
struct policy *policy_new(struct kv *kv, const struct policy_opts *o, char *err, size_t errlen);
void policy_free(struct policy *p); /* every host must have been put; NULL is a no-op */

/* The rate key of a URL's host (the host itself, or its registrable domain). Returns a
 * malloc'd string, or NULL when out of memory. */
char *policy_key_of(const struct policy *p, const char *host);

/* The entry of host's rate key, created on first use; takes a reference. NULL when out of
 * memory. */
struct policy_host *policy_host_get(struct policy *p, const char *host);
/* Drops a reference; the entry goes once nothing holds it. */
void policy_host_put(struct policy *p, struct policy_host *h);
/* Hosts in the table. */
size_t policy_host_count(const struct policy *p);

/* Books h's next request slot and, when it is due now, one of its leases under lease_id.
 * Returns 0, or -1 when Redis is not connected (cb will not run). */
int policy_book(struct policy *p, struct policy_host *h, const char *lease_id,
                policy_answer_fn *cb, void *arg);
/* At a booked slot's time: takes a lease (POLICY_GO), or says the leases are all held
 * (POLICY_LEASE_BUSY) or the key is paused (POLICY_PENALTY); the slot is then given up. */
int policy_take_lease(struct policy *p, struct policy_host *h, const char *lease_id,
                      policy_answer_fn *cb, void *arg);
/* Extends a lease by POLICY_LEASE_TTL_MS. */
int policy_renew_lease(struct policy *p, struct policy_host *h, const char *lease_id,
                       policy_renew_fn *cb, void *arg);
/* Gives a lease back (no answer needed: an unreturned lease expires). */
void policy_release_lease(struct policy *p, struct policy_host *h, const char *lease_id);
/* A 429 or 503 from the key: pause it for every worker for retry_after_s (< 0: none given,
 * a doubling pause), capped by max_retry_after_ms, then slow it down and let it recover. */
void policy_penalize(struct policy *p, struct policy_host *h, int64_t retry_after_s);

#endif
