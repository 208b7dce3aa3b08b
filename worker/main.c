/* main.c -- trawl-worker: flags to a worker_config, then worker_run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    "  --burst N             requests a host may receive at once (default 1)\n"
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

static int parse_count(const char *flag, const char *v, long min, long max, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < min || n > max) {
        fprintf(stderr, "trawl-worker: %s '%s': expected a whole number from %ld to %ld\n",
                flag, v, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_seconds(const char *flag, const char *v, double min, double max, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end || !(d >= min && d <= max)) {
        fprintf(stderr, "trawl-worker: %s '%s': expected seconds from %g to %g\n", flag, v,
                min, max);
        return -1;
    }
    *out = d;
    return 0;
}

int main(int argc, char **argv)
{
    struct worker_config cfg = {
        .concurrency = 64,
        .burst = 1,
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
    const char *rules_path = NULL;
    static const struct option options[] = {
        {"amqp", required_argument, 0, 0},        {"redis", required_argument, 0, 0},
        {"prefix", required_argument, 0, 0},      {"queue-type", required_argument, 0, 0},
        {"log-level", required_argument, 0, 0},   {"log-format", required_argument, 0, 0},
        {"concurrency", required_argument, 0, 0}, {"rate", required_argument, 0, 0},
        {"prefetch", required_argument, 0, 0},
        {"rate-host", required_argument, 0, 0},   {"burst", required_argument, 0, 0},
        {"rules", required_argument, 0, 0},       {"max-links", required_argument, 0, 0},
        {"idle-exit", required_argument, 0, 0},   {"grace", required_argument, 0, 0},
        {"progress", required_argument, 0, 0},    {"user-agent", required_argument, 0, 0},
        {"timeout", required_argument, 0, 0},     {"connect-timeout", required_argument, 0, 0},
        {"max-bytes", required_argument, 0, 0},   {"max-redirects", required_argument, 0, 0},
        {"allow-private", no_argument, 0, 0},     {"max-attempts", required_argument, 0, 0},
        {"max-retry-after", required_argument, 0, 0}, {"metrics", required_argument, 0, 0},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},         {0, 0, 0, 0},
    };
    int rc = 2, idx;
    for (;;) {
        int c = getopt_long(argc, argv, "hV", options, &idx);
        if (c == -1)
            break;
        if (c == 'h') {
            printf("%s\n%s", USAGE, CONFIG_HELP);
            return 0;
        }
        if (c == 'V') {
            printf("trawl-worker %s\n", TRAWL_VERSION);
            return 0;
        }
        if (c != 0) {
            fprintf(stderr, "Try 'trawl-worker --help'.\n");
            return 2;
        }
        const char *name = options[idx].name, *v = optarg;
        char err[512];
        long n;
        double d;
        int shared = config_option(&cfg.common, name, v, err, sizeof(err));
        if (shared < 0) {
            fprintf(stderr, "trawl-worker: %s\n", err);
            goto out;
        }
        if (shared > 0)
            continue;
        if (strcmp(name, "concurrency") == 0) {
            if (parse_count("--concurrency", v, 1, 10000, &n) < 0)
                goto out;
            cfg.concurrency = (unsigned)n;
        } else if (strcmp(name, "prefetch") == 0) {
            if (parse_count("--prefetch", v, 1, 65535, &n) < 0)
                goto out;
            cfg.prefetch = (unsigned)n;
        } else if (strcmp(name, "rate") == 0) {
            if (rate_parse(v, &cfg.rate, err, sizeof(err)) < 0) {
                fprintf(stderr, "trawl-worker: --rate %s\n", err);
                goto out;
            }
        } else if (strcmp(name, "rate-host") == 0) {
            const char *eq = strchr(v, '=');
            struct host_rate hr;
            if (!eq || eq == v) {
                fprintf(stderr, "trawl-worker: --rate-host '%s': expected HOST=RATE\n", v);
                goto out;
            }
            if (rate_parse(eq + 1, &hr.rate, err, sizeof(err)) < 0) {
                fprintf(stderr, "trawl-worker: --rate-host %s\n", err);
                goto out;
            }
            hr.host = strndup(v, (size_t)(eq - v));
            struct host_rate *p = realloc(cfg.host_rates,
                                          (cfg.n_host_rates + 1) * sizeof(*cfg.host_rates));
            if (!hr.host || !p) {
                fprintf(stderr, "trawl-worker: out of memory\n");
                goto out;
            }
            cfg.host_rates = p;
            cfg.host_rates[cfg.n_host_rates++] = hr;
        } else if (strcmp(name, "burst") == 0) {
            if (parse_count("--burst", v, 1, 100000, &n) < 0)
                goto out;
            cfg.burst = (unsigned)n;
        } else if (strcmp(name, "rules") == 0) {
            rules_path = v;
        } else if (strcmp(name, "max-links") == 0) {
            if (parse_count("--max-links", v, 0, 1000000, &n) < 0)
                goto out;
            cfg.extract.max_links = (size_t)n;
        } else if (strcmp(name, "idle-exit") == 0) {
            if (parse_seconds("--idle-exit", v, 0.1, 1e7, &cfg.idle_exit_s) < 0)
                goto out;
        } else if (strcmp(name, "grace") == 0) {
            if (parse_seconds("--grace", v, 0, 86400, &cfg.grace_s) < 0)
                goto out;
        } else if (strcmp(name, "progress") == 0) {
            if (parse_seconds("--progress", v, 0.1, 86400, &cfg.progress_s) < 0)
                goto out;
        } else if (strcmp(name, "user-agent") == 0) {
            cfg.fetch.user_agent = v;
        } else if (strcmp(name, "timeout") == 0) {
            if (parse_seconds("--timeout", v, 0.1, 86400, &d) < 0)
                goto out;
            cfg.fetch.timeout_ms = (long)(d * 1000);
        } else if (strcmp(name, "connect-timeout") == 0) {
            if (parse_seconds("--connect-timeout", v, 0.1, 3600, &d) < 0)
                goto out;
            cfg.fetch.connect_timeout_ms = (long)(d * 1000);
        } else if (strcmp(name, "max-bytes") == 0) {
            if (parse_count("--max-bytes", v, 1, 1L << 40, &n) < 0)
                goto out;
            cfg.fetch.max_bytes = (size_t)n;
        } else if (strcmp(name, "max-redirects") == 0) {
            if (parse_count("--max-redirects", v, 0, 100, &n) < 0)
                goto out;
            cfg.fetch.max_redirects = n;
        } else if (strcmp(name, "max-attempts") == 0) {
            if (parse_count("--max-attempts", v, 1, 100, &n) < 0)
                goto out;
            cfg.max_attempts = (int)n;
        } else if (strcmp(name, "max-retry-after") == 0) {
            if (parse_seconds("--max-retry-after", v, 0, 86400, &d) < 0)
                goto out;
            cfg.max_retry_after_ms = (uint64_t)(d * 1000);
        } else if (strcmp(name, "metrics") == 0) {
            cfg.metrics_addr = v;
        } else if (strcmp(name, "allow-private") == 0) {
            cfg.fetch.allow_private = 1;
        }
    }
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
    char err[1024];
    if (config_check(&cfg.common, err, sizeof(err)) < 0) {
        fprintf(stderr, "trawl-worker: %s\n", err);
        goto out;
    }
    if (rules_path) {
        cfg.rules = rules_load(rules_path, err, sizeof(err));
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
        free((char *)cfg.host_rates[i].host);
    free(cfg.host_rates);
    return rc;
}
