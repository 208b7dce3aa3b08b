/* main.c -- trawl-worker: flags to a worker_config, then worker_run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "config.h"
#include "log.h"
#include "worker.h"

static const char USAGE[] =
    "Usage: trawl-worker [OPTIONS]\n"
    "\n"
    "Consumes URLs from PREFIX.urls, fetches each under its host's rate limit (shared by every\n"
    "worker through Redis), extracts the page, and publishes one JSON record to PREFIX.records\n"
    "or a dead letter with an error code to PREFIX.dead. A URL is acknowledged only once its\n"
    "outcome is confirmed by the broker: a crash repeats a page, it never loses one.\n"
    "Runs until SIGTERM/SIGINT, then drains (see --grace); a second signal exits at once.\n"
    "\n"
    "Work:\n"
    "  --concurrency N       transfers in flight at once, per process (default 64)\n"
    "  --prefetch N          URLs in hand at once, per process: waiting for their host's\n"
    "                        slot, fetching, or being confirmed (default 4 x concurrency)\n"
    "  --rate RATE           default rate per host, COUNT/UNIT with UNIT s, m or h, from\n"
    "                        1/h to 1000000/s (default 2/s); summed over all workers\n"
    "  --rate-host HOST=RATE a host's own rate (repeatable), e.g. --rate-host example.com=10/s\n"
    "                        (with --rate-key domain, HOST is a registrable domain)\n"
    "  --burst N             requests a host may receive at once (default 1)\n"
    "  --host-concurrency N  requests in flight to one host over ALL workers (default 2;\n"
    "                        0: no cap). Held as leases in Redis: a killed worker's lease\n"
    "                        frees itself within 10 s\n"
    "  --rate-key host|domain  what a rate, a lease and a pause apply to: each host name\n"
    "                        (default), or each registrable domain (a.example.co.uk and\n"
    "                        b.example.co.uk share one, from the public suffix list)\n"
    "  --park-after S        a URL whose host cannot take it within S seconds (its rate is\n"
    "                        booked further ahead, it is paused, or its leases stay held) is\n"
    "                        set aside in a delay queue and comes back when the host can\n"
    "                        take it, at most 3 times, so that one busy host never fills the\n"
    "                        prefetch window (default 10; 0: never)\n"
    "  --ignore-robots       do not fetch or obey robots.txt (said at start-up). By default\n"
    "                        each site's robots.txt (RFC 9309) is fetched once a day by one\n"
    "                        worker and shared through Redis; the group is chosen by the\n"
    "                        first word of --user-agent (\"trawl\"), else \"*\". A disallowed\n"
    "                        URL is a \"robots\" dead letter; a robots.txt answering 5xx or\n"
    "                        unreachable stops the site's URLs (retried) until it answers\n"
    "  --max-crawl-delay S   a robots.txt Crawl-delay slows its host to one request per\n"
    "                        delay, at most this many seconds (default 30)\n"
    "  --rules FILE          extra XPath fields, JSON: {\"default\": {FIELD: XPATH},\n"
    "                        \"hosts\": {HOST: {FIELD: XPATH}}}\n"
    "  --max-links N         links kept per page (default 5000)\n"
    "  --idle-exit SECONDS   exit 0 after the input queue stayed empty with nothing in hand\n"
    "                        for this long (default: run until signalled)\n"
    "  --grace SECONDS       drain deadline after a signal (default 30)\n"
    "  --progress SECONDS    interval of the progress line (default 5)\n"
    "  --metrics HOST:PORT   serve Prometheus metrics at http://HOST:PORT/metrics\n"
    "Fetching:\n"
    "  --user-agent STRING   (default trawl/" TRAWL_VERSION ")\n"
    "  --timeout SECONDS     whole fetch (default 30)\n"
    "  --connect-timeout S   (default 10)\n"
    "  --max-bytes N         decoded body ceiling; larger is a too_large dead letter\n"
    "                        (default 10000000)\n"
    "  --max-redirects N     (default 10)\n"
    "  --max-attempts N      attempts per URL, the first included (default 4): transport\n"
    "                        errors and HTTP 429/502/503/504 are tried again after a wait\n"
    "                        in the broker (1 s, 4 s, 16 s, ... with jitter, or the\n"
    "                        server's Retry-After); then a dead letter lists every error\n"
    "  --max-retry-after S   ceiling on a Retry-After (default 3600)\n"
    "  --allow-private       allow loopback and private addresses (link-local, multicast and\n"
    "                        reserved ones stay refused)\n";

static int parse_count(const char *flag, const char *v, long min, long max, long *out,
                       char *err, size_t errlen)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < min || n > max) {
        snprintf(err, errlen, "%s '%s': expected a whole number from %ld to %ld", flag, v,
                 min, max);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_seconds(const char *flag, const char *v, double min, double max, double *out,
                         char *err, size_t errlen)
{
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end || !(d >= min && d <= max)) {
        snprintf(err, errlen, "%s '%s': expected seconds from %g to %g", flag, v, min, max);
        return -1;
    }
    *out = d;
    return 0;
}

/* The worker's own flags, as read: the config, and what main still has to load. */
struct worker_cli {
    struct worker_config *cfg;
    const char *rules_path;
};

static int on_flag(void *arg, const char *name, const char *v, char *err, size_t errlen)
{
    struct worker_cli *c = arg;
    struct worker_config *cfg = c->cfg;
    char why[512];
    long n;
    double d;
    if (strcmp(name, "concurrency") == 0) {
        if (parse_count("--concurrency", v, 1, 10000, &n, err, errlen) < 0)
            return -1;
        cfg->concurrency = (unsigned)n;
    } else if (strcmp(name, "prefetch") == 0) {
        if (parse_count("--prefetch", v, 1, 65535, &n, err, errlen) < 0)
            return -1;
        cfg->prefetch = (unsigned)n;
    } else if (strcmp(name, "rate") == 0) {
        if (rate_parse(v, &cfg->rate, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "--rate %s", why);
            return -1;
        }
    } else if (strcmp(name, "rate-host") == 0) {
        const char *eq = strchr(v, '=');
        struct policy_host_rate hr;
        if (!eq || eq == v) {
            snprintf(err, errlen, "--rate-host '%s': expected HOST=RATE", v);
            return -1;
        }
        if (rate_parse(eq + 1, &hr.rate, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "--rate-host %s", why);
            return -1;
        }
        hr.key = strndup(v, (size_t)(eq - v));
        struct policy_host_rate *p = realloc(cfg->host_rates,
                                      (cfg->n_host_rates + 1) * sizeof(*cfg->host_rates));
        if (!hr.key || !p) {
            free((char *)hr.key);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        cfg->host_rates = p;
        cfg->host_rates[cfg->n_host_rates++] = hr;
    } else if (strcmp(name, "host-concurrency") == 0) {
        if (parse_count("--host-concurrency", v, 0, 10000, &n, err, errlen) < 0)
            return -1;
        cfg->host_concurrency = (unsigned)n;
    } else if (strcmp(name, "rate-key") == 0) {
        if (strcmp(v, "host") == 0) {
            cfg->rate_key = POLICY_KEY_HOST;
        } else if (strcmp(v, "domain") == 0) {
            cfg->rate_key = POLICY_KEY_DOMAIN;
        } else {
            snprintf(err, errlen, "--rate-key '%s': expected host or domain", v);
            return -1;
        }
    } else if (strcmp(name, "park-after") == 0) {
        if (parse_seconds("--park-after", v, 0, 3600, &cfg->park_after_s, err, errlen) < 0)
            return -1;
        if (cfg->park_after_s > 0 && cfg->park_after_s < 2) {
            snprintf(err, errlen, "--park-after '%s': expected 0 (never) or at least 2 seconds "
                     "(the delay queues cannot bring a URL back sooner)", v);
            return -1;
        }
    } else if (strcmp(name, "ignore-robots") == 0) {
        cfg->ignore_robots = 1;
    } else if (strcmp(name, "max-crawl-delay") == 0) {
        if (parse_seconds("--max-crawl-delay", v, 0, 86400, &cfg->max_crawl_delay_s, err,
                          errlen) < 0)
            return -1;
    } else if (strcmp(name, "burst") == 0) {
        if (parse_count("--burst", v, 1, 100000, &n, err, errlen) < 0)
            return -1;
        cfg->burst = (unsigned)n;
    } else if (strcmp(name, "rules") == 0) {
        c->rules_path = v;
    } else if (strcmp(name, "max-links") == 0) {
        if (parse_count("--max-links", v, 0, 1000000, &n, err, errlen) < 0)
            return -1;
        cfg->extract.max_links = (size_t)n;
    } else if (strcmp(name, "idle-exit") == 0) {
        if (parse_seconds("--idle-exit", v, 0.1, 1e7, &cfg->idle_exit_s, err, errlen) < 0)
            return -1;
    } else if (strcmp(name, "grace") == 0) {
        if (parse_seconds("--grace", v, 0, 86400, &cfg->grace_s, err, errlen) < 0)
            return -1;
    } else if (strcmp(name, "progress") == 0) {
        if (parse_seconds("--progress", v, 0.1, 86400, &cfg->progress_s, err, errlen) < 0)
            return -1;
    } else if (strcmp(name, "user-agent") == 0) {
        cfg->fetch.user_agent = v;
    } else if (strcmp(name, "timeout") == 0) {
        if (parse_seconds("--timeout", v, 0.1, 86400, &d, err, errlen) < 0)
            return -1;
        cfg->fetch.timeout_ms = (long)(d * 1000);
    } else if (strcmp(name, "connect-timeout") == 0) {
        if (parse_seconds("--connect-timeout", v, 0.1, 3600, &d, err, errlen) < 0)
            return -1;
        cfg->fetch.connect_timeout_ms = (long)(d * 1000);
    } else if (strcmp(name, "max-bytes") == 0) {
        if (parse_count("--max-bytes", v, 1, 1L << 40, &n, err, errlen) < 0)
            return -1;
        cfg->fetch.max_bytes = (size_t)n;
    } else if (strcmp(name, "max-redirects") == 0) {
        if (parse_count("--max-redirects", v, 0, 100, &n, err, errlen) < 0)
            return -1;
        cfg->fetch.max_redirects = n;
    } else if (strcmp(name, "max-attempts") == 0) {
        if (parse_count("--max-attempts", v, 1, 100, &n, err, errlen) < 0)
            return -1;
        cfg->max_attempts = (int)n;
    } else if (strcmp(name, "max-retry-after") == 0) {
        if (parse_seconds("--max-retry-after", v, 0, 86400, &d, err, errlen) < 0)
            return -1;
        cfg->max_retry_after_ms = (uint64_t)(d * 1000);
    } else if (strcmp(name, "metrics") == 0) {
        cfg->metrics_addr = v;
    } else if (strcmp(name, "allow-private") == 0) {
        cfg->fetch.allow_private = 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct worker_config cfg = {
        .concurrency = 64,
        .burst = 1,
        .host_concurrency = 2,
        .max_crawl_delay_s = 30,
        .park_after_s = 10,
        .rate = {.count = 2, .period_ms = 1000},
        .fetch = {.user_agent = "trawl/" TRAWL_VERSION, .timeout_ms = 30000,
                  .connect_timeout_ms = 10000, .low_speed_bytes = 100, .low_speed_time_s = 10,
                  .max_bytes = 10000000, .max_redirects = 10},
        .extract = {.max_links = 5000},
        .max_attempts = 4,
        .max_retry_after_ms = 3600000,
        .grace_s = 30,
        .progress_s = 5,
    };
    config_defaults(&cfg.common);
    struct worker_cli cli_state = {.cfg = &cfg};
    static const struct config_flag flags[] = {
        {"concurrency", 1}, {"prefetch", 1}, {"rate", 1}, {"rate-host", 1}, {"burst", 1},
        {"host-concurrency", 1}, {"rate-key", 1}, {"ignore-robots", 0}, {"max-crawl-delay", 1},
        {"park-after", 1},
        {"rules", 1}, {"max-links", 1}, {"idle-exit", 1}, {"grace", 1}, {"progress", 1},
        {"user-agent", 1}, {"timeout", 1}, {"connect-timeout", 1}, {"max-bytes", 1},
        {"max-redirects", 1}, {"allow-private", 0}, {"max-attempts", 1},
        {"max-retry-after", 1}, {"metrics", 1}, {NULL, 0}};
    const struct config_cli cli = {"trawl-worker", USAGE, flags, on_flag, &cli_state};
    int rc = config_parse_cli(argc, argv, &cli, &cfg.common);
    if (rc >= 0)
        goto out;
    rc = 2;
    if (optind < argc) {
        fprintf(stderr, "trawl-worker: unexpected argument '%s' (the worker takes no files; "
                "enqueue URLs with trawl-producer)\n", argv[optind]);
        goto out;
    }
    if (cfg.prefetch == 0)
        cfg.prefetch = cfg.concurrency * 4 > 65535 ? 65535 : cfg.concurrency * 4;
    if (cfg.prefetch < cfg.concurrency) {
        fprintf(stderr, "trawl-worker: --prefetch %u is below --concurrency %u: transfers "
                "would sit idle\n", cfg.prefetch, cfg.concurrency);
        goto out;
    }
    if (cli_state.rules_path) {
        char err[1024];
        cfg.rules = rules_load(cli_state.rules_path, err, sizeof(err));
        if (!cfg.rules) {
            fprintf(stderr, "trawl-worker: --rules %s\n", err);
            goto out;
        }
        cfg.extract.rules = cfg.rules;
    }
    log_init("trawl-worker", cfg.common.log_level, cfg.common.log_format);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
    rc = worker_run(&cfg);
    xmlCleanupParser();
    curl_global_cleanup();
out:
    rules_free(cfg.rules);
    for (size_t i = 0; i < cfg.n_host_rates; i++)
        free((char *)cfg.host_rates[i].key);
    free(cfg.host_rates);
    return rc;
}
