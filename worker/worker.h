/* worker.h -- one trawl-worker process: consume URLs, wait for the host's slot, fetch,
 * extract, publish the outcome, and ack the input only once the outcome is confirmed. */
#ifndef TRAWL_WORKER_H
#define TRAWL_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "extract.h"
#include "fetch.h"
#include "policy.h"
#include "rate.h"
#include "rules.h"

/* --rate-host, in the order given; the keys are owned by main. */
struct worker_host_rates {
    struct policy_host_rate *v;
    size_t n;
};

enum { FOLLOW_FEEDS = 1, FOLLOW_LINKS = 2 };
enum follow_scope { FOLLOW_SCOPE_HOST, FOLLOW_SCOPE_DOMAIN };

struct worker_config {
    struct common_config common;
    unsigned concurrency;       /* transfers in flight at once */
    unsigned prefetch;          /* messages in hand at once (AMQP prefetch), >= concurrency */
    struct rate rate;           /* default per-host rate */
    unsigned burst;             /* requests a host may receive at once */
    struct worker_host_rates host_rates;
    unsigned host_concurrency;  /* requests in flight per host over every worker; 0: no cap */
    enum policy_key rate_key;   /* rates and leases per host or per registrable domain */
    double park_after_s;        /* a URL whose host cannot take it this soon is set aside */
    int ignore_robots;          /* 1: robots.txt is not fetched nor obeyed */
    double max_crawl_delay_s;   /* a robots.txt Crawl-delay above this counts as this */
    struct fetch_opts fetch;    /* its --header lines are owned by main */
    int keep_body;              /* --keep-body: the body goes into the record */
    size_t keep_body_bytes;     /* ... at most this much of it */
    struct extract_opts extract;
    size_t max_items;           /* items kept per feed or sitemap */
    double revisit_ttl_s;       /* how long a revisited URL's validators are kept */
    int follow;                 /* FOLLOW_* bits: what records lead to, enqueued once */
    enum follow_scope follow_scope; /* links followed: the page's host or domain */
    long max_depth;             /* nothing is followed from a URL this deep */
    double seen_ttl_s;          /* how long a followed URL stays seen */
    const char *rules_path;     /* --rules, which main loads into rules */
    struct rules *rules;        /* owned by main; may be NULL */
    int max_attempts;           /* attempts per URL, the first included */
    uint64_t max_retry_after_ms; /* ceiling on a server's Retry-After */
    double grace_s;             /* drain deadline after SIGTERM/SIGINT */
    double idle_exit_s;         /* 0: never */
    double progress_s;          /* progress line interval */
    const char *metrics_addr;   /* HOST:PORT for Prometheus, or NULL */
};

/* Runs until a signal (drain, exit code 0), --idle-exit (0), or a fatal error (1). */
int worker_run(const struct worker_config *cfg);

#endif
