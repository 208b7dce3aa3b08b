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

#include "loop.h"
#include "rate.h"

struct kv;
struct robots;

#define POLICY_LEASE_TTL_MS 10000   /* a dead worker's lease frees itself this long after */
#define POLICY_LEASE_RENEW_MS 3000  /* renewed this often while its transfer runs */
#define POLICY_RECOVER_MS 30000     /* after a penalty, the slowdown halves this often */
#define POLICY_MAX_FACTOR 64        /* a host penalised again and again: at most 64x slower */
#define POLICY_ROBOTS_TTL_MS (24 * 3600 * 1000ULL) /* robots.txt rules kept by every worker */
#define POLICY_ROBOTS_RETRY_MS 30000   /* an unreachable robots.txt: first wait, doubling ... */
#define POLICY_ROBOTS_RETRY_MAX_MS 3600000 /* ... up to an hour */

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
    uint64_t park_after_us;         /* a slot further ahead is not booked: POLICY_PARK (0: off) */
    uint64_t max_retry_after_ms;    /* ceiling on a penalty's pause */
    int domains;                    /* load the public suffix list for policy_domain_of even
                                       when key is POLICY_KEY_HOST (--scope domain) */
};

/* One rate key as this worker sees it. The caller (the worker's job code) keeps its own
 * queue of jobs here: the policy only counts references. */
struct policy_host {
    struct policy_host *hash_next;
    char *key;                      /* host or registrable domain */
    uint64_t interval_us;           /* configured spacing of requests */
    unsigned refs;                  /* jobs holding this entry */
    unsigned booking;               /* bookings out at Redis from this worker */
    int waiting;                    /* a job of ours waits holding the host's turn (a lease
                                       poll, a pause, Redis away): no other books meanwhile */
    void *queue_head, *queue_tail;  /* the caller's jobs waiting for their turn to book */
};

/* One origin's robots.txt (scheme://host[:port]) as this worker knows it. The caller keeps
 * its waiting jobs and drives the states; the policy holds the entry and the Redis side. */
enum policy_site_state {
    SITE_UNKNOWN,       /* nothing known: the first job asks Redis */
    SITE_ASKING,        /* a lookup is out at Redis */
    SITE_FETCHING,      /* this worker claimed it and fetches robots.txt */
    SITE_WAITING,       /* another worker fetches it; the timer asks Redis again */
    SITE_KNOWN,         /* rules (or "unavailable") held until expires_ms */
};

struct policy_site {
    struct policy_site *hash_next;
    char *origin;                   /* "https://example.com" (canonical: no default port) */
    char *host;                     /* its host, for its keys' hash tag */
    enum policy_site_state state;
    struct robots *rules;           /* SITE_KNOWN and available: owned */
    char *unavailable;              /* SITE_KNOWN and unreachable: "CODE detail", owned */
    uint64_t expires_ms;            /* SITE_KNOWN: monotonic time to ask again */
    unsigned refs;                  /* jobs holding this entry */
    struct loop_timer timer;        /* SITE_WAITING: the next lookup */
    void *wait_head, *wait_tail;    /* the caller's jobs waiting for the rules */
};

/* What a robots lookup answered. */
enum policy_robots_answer {
    POLICY_ROBOTS_FOUND,    /* value (borrowed) cached for ttl_ms more */
    POLICY_ROBOTS_CLAIMED,  /* nothing cached: this worker fetches it (a lock is held) */
    POLICY_ROBOTS_BUSY,     /* another worker fetches it: ask again */
};
typedef void policy_robots_fn(enum policy_robots_answer a, const char *value, size_t len,
                              uint64_t ttl_ms, const char *err, void *arg);

/* What a booking or a lease request answered. */
enum policy_answer {
    POLICY_GO,          /* slot due now and (with a cap) the lease taken: fetch now */
    POLICY_SLOT,        /* slot booked wait_us ahead, no lease yet: take it then */
    POLICY_LEASE_BUSY,  /* slot due but every lease is held: nothing booked; ask again */
    POLICY_PENALTY,     /* the key is paused for wait_us more (a 429/503): nothing booked */
    POLICY_HORIZON,     /* the schedule is booked wait_us ahead, beyond max_wait_us: nothing
                           booked */
    POLICY_PARK,        /* the slot would be beyond park_after: nothing booked; set the URL
                           aside for wait_us, then book (its place is kept meanwhile) */
};

/* Called once per request: err set (and the answer meaningless) when Redis could not answer;
 * the caller must then not fetch. */
typedef void policy_answer_fn(enum policy_answer a, uint64_t wait_us, const char *err, void *arg);
/* ok is 1 when the lease was still held (renewed), 0 when it had expired. */
typedef void policy_renew_fn(int ok, const char *err, void *arg);

/* Registers the scripts on kv. Returns NULL with the reason in err. */
struct policy *policy_new(struct loop *l, struct kv *kv, const struct policy_opts *o, char *err,
                          size_t errlen);
void policy_free(struct policy *p); /* every entry must have been put; NULL is a no-op */

/* The registrable domain of host (libpsl), or the host itself for an address, a public
 * suffix, or a policy made without domains. Caller frees; NULL when out of memory. */
char *policy_domain_of(const struct policy *p, const char *host);

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
/* The host with the most jobs holding it (for the progress line), or NULL. */
const struct policy_host *policy_busiest_host(const struct policy *p);

/* The entry of the origin of url (canonical), created on first use; takes a reference.
 * Sets *path to where url's path starts (borrowed from url). NULL when out of memory. */
struct policy_site *policy_site_get(struct policy *p, const char *url, const char **path);
/* Drops a reference. A known entry stays cached (up to a bound) for the next job. */
void policy_site_put(struct policy *p, struct policy_site *s);
/* Sets what is known of s (taking ownership of rules or unavailable, one of them NULL)
 * until ttl_ms from now. */
void policy_site_know(struct policy_site *s, struct robots *rules, char *unavailable,
                      uint64_t ttl_ms);

/* Looks the site's robots.txt up in Redis, or claims its fetch for this worker (under
 * owner_id, until claim_ms). Returns 0, or -1 when Redis is not connected. */
int policy_robots_lookup(struct policy *p, struct policy_site *s, const char *owner_id,
                         uint64_t claim_ms, policy_robots_fn *cb, void *arg);
/* Stores what this worker's fetch found and lets the claim go: value is a robots_serialize
 * form (kept POLICY_ROBOTS_TTL_MS), or, with unavailable set, an unavailable form kept
 * POLICY_ROBOTS_RETRY_MS doubling with each failure in a row. Fire and forget. */
void policy_robots_store(struct policy *p, struct policy_site *s, const char *owner_id,
                         const char *value, int unavailable);
/* Gives up a claim without storing anything (the fetch could not be made). */
void policy_robots_unclaim(struct policy *p, struct policy_site *s, const char *owner_id);

/* Books h's next request slot and, when it is due now, one of its leases under lease_id;
 * with may_park, a slot beyond park_after_us is answered POLICY_PARK instead. Returns 0, or -1
 * when Redis is not connected (cb will not run). */
int policy_book(struct policy *p, struct policy_host *h, const char *lease_id, int may_park,
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
