/* main.c -- trawl-worker: flags to a worker_config, then worker_run. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "config.h"
#include "errcode.h"
#include "flags.h"
#include "header.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"
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
    "Exit status:\n"
    "  0  stopped by a signal after draining, or idle for --idle-exit\n"
    "  1  a runtime failure: the broker or Redis not reached once within --idle-exit of\n"
    "     start-up, or out of memory; deliveries not acked go back to the queue, nothing is\n"
    "     lost (later outages are waited out, never a reason to exit)\n"
    "  2  a usage error: a bad flag, value or rules file; nothing was done\n"
    "\n";

static int set_rate(void *target, const char *v, char *err, size_t errlen)
{
    return rate_parse(v, target, err, errlen);
}

/* HOST=RATE, repeatable: each one is added to the list. */
static int add_host_rate(void *target, const char *v, char *err, size_t errlen)
{
    struct worker_host_rates *list = target;
    const char *eq = strchr(v, '=');
    struct policy_host_rate hr;
    if (!eq || eq == v) {
        snprintf(err, errlen, "expected HOST=RATE");
        return -1;
    }
    if (rate_parse(eq + 1, &hr.rate, err, errlen) < 0)
        return -1;
    hr.key = strndup(v, (size_t)(eq - v));
    struct policy_host_rate *grown = realloc(list->v, (list->n + 1) * sizeof(*list->v));
    if (!hr.key || !grown) {
        free((char *)hr.key);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    list->v = grown;
    list->v[list->n++] = hr;
    return 0;
}

/* NAME: VALUE, repeatable: each one is checked and added to the list. */
static int add_header(void *target, const char *v, char *err, size_t errlen)
{
    struct fetch_headers *list = target;
    char *line = header_parse(v, err, errlen);
    if (!line)
        return -1;
    char **grown = realloc(list->lines, (list->n + 1) * sizeof(*list->lines));
    if (!grown) {
        free(line);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    list->lines = grown;
    list->lines[list->n++] = line;
    return 0;
}

static int set_proxy(void *target, const char *v, char *err, size_t errlen)
{
    if (proxy_check(v, err, errlen) < 0)
        return -1;
    *(const char **)target = v;
    return 0;
}

static int set_park_after(void *target, const char *v, char *err, size_t errlen)
{
    char *end;
    double d = strtod(v, &end);
    if (!*v || *end || !(d == 0 || (d >= 2 && d <= 3600))) {
        snprintf(err, errlen, "expected 0 (never) or at least 2 seconds, at most 3600 (the "
                 "delay queues cannot bring a URL back sooner)");
        return -1;
    }
    *(double *)target = d;
    return 0;
}

/* HOST:PORT, checked now: a typo is a usage error, not a worker that starts and then fails. */
static int set_metrics(void *target, const char *v, char *err, size_t errlen)
{
    char host[256], port[8];
    if (metrics_parse_addr(v, host, sizeof(host), port, sizeof(port), err, errlen) < 0)
        return -1;
    *(const char **)target = v;
    return 0;
}

/* feeds, links, or both with a comma. */
static int set_follow(void *target, const char *v, char *err, size_t errlen)
{
    int bits = 0;
    const char *s = v;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (n == 5 && strncmp(s, "feeds", 5) == 0)
            bits |= FOLLOW_FEEDS;
        else if (n == 5 && strncmp(s, "links", 5) == 0)
            bits |= FOLLOW_LINKS;
        else
            break;
        s += n + (s[n] == ',');
    }
    if (*s || !bits) {
        snprintf(err, errlen, "expected feeds, links, or feeds,links");
        return -1;
    }
    *(int *)target = bits;
    return 0;
}

static const char *const SCOPES[] = {"host", "domain", NULL};
static const int SCOPE_VALUES[] = {FOLLOW_SCOPE_HOST, FOLLOW_SCOPE_DOMAIN};
static const char *const RATE_KEYS[] = {"host", "domain", NULL};
static const int RATE_KEY_VALUES[] = {POLICY_KEY_HOST, POLICY_KEY_DOMAIN};

#define AT(f) offsetof(struct worker_config, f)

static const struct flag WORKER_FLAGS[] = {
    {.name = "concurrency", .value_name = "N", .type = FLAG_UINT, .offset = AT(concurrency),
     .min = 1, .max = 10000, .def = "64", .section = "Work",
     .help = "transfers in flight at once, per process"},
    {.name = "prefetch", .value_name = "N", .type = FLAG_UINT, .offset = AT(prefetch),
     .min = 1, .max = 65535,
     .help = "URLs in hand at once, per process: waiting for their host's slot, fetching, or "
             "being confirmed (default 4 x concurrency)"},
    {.name = "rate", .value_name = "RATE", .type = FLAG_CUSTOM, .offset = AT(rate),
     .set = set_rate, .def = "2/s",
     .help = "default rate per host, COUNT/UNIT with UNIT s, m or h, from 1/h to 1000000/s; "
             "summed over all workers"},
    {.name = "rate-host", .value_name = "HOST=RATE", .type = FLAG_CUSTOM,
     .offset = AT(host_rates), .set = add_host_rate,
     .help = "a host's own rate (repeatable), e.g. --rate-host example.com=10/s (with "
             "--rate-key domain, HOST is a registrable domain)"},
    {.name = "burst", .value_name = "N", .type = FLAG_UINT, .offset = AT(burst), .min = 1,
     .max = 100000, .def = "1", .help = "requests a host may receive at once"},
    {.name = "host-concurrency", .value_name = "N", .type = FLAG_UINT,
     .offset = AT(host_concurrency), .min = 0, .max = 10000, .def = "2",
     .help = "requests in flight to one host over ALL workers (0: no cap). Held as leases in "
             "Redis: a killed worker's lease frees itself within ten seconds"},
    {.name = "rate-key", .value_name = "host|domain", .type = FLAG_CHOICE,
     .offset = AT(rate_key), .choices = RATE_KEYS, .choice_values = RATE_KEY_VALUES,
     .def = "host",
     .help = "what a rate, a lease and a pause apply to: each host name, or each registrable "
             "domain (a.example.co.uk and b.example.co.uk share one, from the public suffix "
             "list)"},
    {.name = "park-after", .value_name = "S", .type = FLAG_CUSTOM, .offset = AT(park_after_s),
     .set = set_park_after, .def = "10",
     .help = "a URL whose host cannot take it within S seconds (its rate is booked further "
             "ahead, it is paused, its leases stay held, or its keys' Redis Cluster master is "
             "away) is set aside in a delay queue and comes back when the host can take it, at "
             "most 3 times, so that one busy host never fills the prefetch window (0: never)"},
    {.name = "ignore-robots", .type = FLAG_SWITCH, .offset = AT(ignore_robots),
     .help = "do not fetch or obey robots.txt (said at start-up). By default each site's "
             "robots.txt (RFC 9309) is fetched once a day by one worker and shared through "
             "Redis; the group is chosen by the first word of --user-agent (\"trawl\"), else "
             "\"*\". A disallowed URL is a \"robots\" dead letter; a robots.txt answering 5xx "
             "or unreachable stops the site's URLs (retried) until it answers"},
    {.name = "max-crawl-delay", .value_name = "S", .type = FLAG_SECONDS,
     .offset = AT(max_crawl_delay_s), .min = 0, .max = 86400, .def = "30",
     .help = "a robots.txt Crawl-delay slows its host to one request per delay, at most this "
             "many seconds"},
    {.name = "rules", .value_name = "FILE", .type = FLAG_STRING, .offset = AT(rules_path),
     .help = "extra XPath fields, JSON: {\"default\": {FIELD: XPATH}, \"hosts\": {HOST: "
             "{FIELD: XPATH}}}; a field may be {\"xpath\": XPATH, \"list\": true} (always an "
             "array); request headers per host: \"headers\": {\"default\": {NAME: VALUE}, "
             "\"hosts\": {HOST: {NAME: VALUE}}} (over --header)"},
    {.name = "max-links", .value_name = "N", .type = FLAG_SIZE, .offset = AT(extract.max_links),
     .min = 0, .max = 1000000, .def = "5000", .help = "links kept per page"},
    {.name = "no-text", .type = FLAG_SWITCH, .offset = AT(extract.no_text),
     .help = "no article text (\"text\": null): pages are read without building a tree, "
             "which is about twice as fast, for users who want links and metadata only"},
    {.name = "max-text-bytes", .value_name = "N", .type = FLAG_SIZE,
     .offset = AT(extract.max_text_bytes), .min = 1000, .max = 100000000, .def = "1000000",
     .help = "the article text is cut at a paragraph (else a character) to at most this"},
    {.name = "max-items", .value_name = "N", .type = FLAG_SIZE, .offset = AT(max_items),
     .min = 1, .max = 100000, .def = "1000", .help = "items kept per feed or sitemap"},
    {.name = "follow", .value_name = "feeds|links", .type = FLAG_CUSTOM, .offset = AT(follow),
     .set = set_follow, .section = "Following (feeds to articles, sitemaps to pages, pages to pages)",
     .help = "enqueue what records lead to, each URL once over every worker and every poll: "
             "\"feeds\" the items of feeds and sitemaps (a sitemap index's sitemaps as feeds; "
             "meta.feed names the feed, meta.item the item), \"links\" a page's links in "
             "--scope, or both as feeds,links. Seen by link and by item id, in Redis"},
    {.name = "scope", .value_name = "host|domain", .type = FLAG_CHOICE,
     .offset = AT(follow_scope), .choices = SCOPES, .choice_values = SCOPE_VALUES,
     .def = "host", .help = "links followed stay on the page's host, or its registrable domain"},
    {.name = "max-depth", .value_name = "N", .type = FLAG_LONG, .offset = AT(max_depth),
     .min = 0, .max = 1000, .def = "3",
     .help = "nothing is followed from a URL this many steps from its input (a producer's "
             "URL is at depth 0)"},
    {.name = "seen-ttl", .value_name = "DURATION", .type = FLAG_DURATION,
     .offset = AT(seen_ttl_s), .min = 60, .max = 3650 * 86400.0, .def = "30d",
     .help = "how long a followed URL (and a feed item's id) stays seen"},
    {.name = "revisit-ttl", .value_name = "DURATION", .type = FLAG_DURATION,
     .offset = AT(revisit_ttl_s), .min = 60, .max = 365 * 86400.0, .def = "30d",
     .help = "how long the validators (ETag, Last-Modified) of a feed or a polled URL are "
             "kept in Redis for the next conditional GET (at least a day past its next poll)"},
    {.name = "idle-exit", .value_name = "SECONDS", .type = FLAG_SECONDS,
     .offset = AT(idle_exit_s), .min = 0.1, .max = 1e7,
     .help = "exit 0 once the input queue and the delay queues stayed empty, with nothing in "
             "hand and none of this worker's retries due back, for this long (default: run "
             "until signalled). Also a start-up deadline: not having reached the broker or "
             "Redis once this long after starting exits 1"},
    {.name = "grace", .value_name = "SECONDS", .type = FLAG_SECONDS, .offset = AT(grace_s),
     .min = 0, .max = 86400, .def = "30", .help = "drain deadline after a signal"},
    {.name = "progress", .value_name = "SECONDS", .type = FLAG_SECONDS,
     .offset = AT(progress_s), .min = 0.1, .max = 86400, .def = "5",
     .help = "interval of the progress line"},
    {.name = "metrics", .value_name = "HOST:PORT", .type = FLAG_CUSTOM,
     .offset = AT(metrics_addr), .set = set_metrics, .help = "serve Prometheus metrics at http://HOST:PORT/metrics"},
    {.name = "user-agent", .value_name = "STRING", .type = FLAG_STRING,
     .offset = AT(fetch.user_agent), .def = "trawl/" TRAWL_VERSION, .section = "Fetching",
     .help = "sent with every request; its first word picks the robots.txt group"},
    {.name = "header", .value_name = "'NAME: VALUE'", .type = FLAG_CUSTOM,
     .offset = AT(fetch.headers), .set = add_header,
     .help = "an extra request header (repeatable), sent with every request, robots.txt "
             "included; the rules file's headers for a host win over one of the same name. "
             "User-Agent is --user-agent's"},
    {.name = "proxy", .value_name = "URL", .type = FLAG_CUSTOM, .offset = AT(fetch.proxy),
     .set = set_proxy,
     .help = "fetch through this proxy: http://, https://, socks4://, socks4a://, socks5:// or "
             "socks5h://HOST:PORT. The address rule then applies to the proxy's address, "
             "allowed on loopback and private networks since you name it; the proxy reaches "
             "the sites, and which addresses it may reach is its own policy. Without it, the "
             "http_proxy/https_proxy/all_proxy/no_proxy variables are ignored"},
    {.name = "keep-body", .type = FLAG_SWITCH, .offset = AT(keep_body),
     .help = "put the body in the record: a text type as \"body\" (UTF-8, decoded from its "
             "charset), any other as \"body_base64\"; \"body_truncated\": true when cut at "
             "--keep-body-bytes"},
    {.name = "keep-body-bytes", .value_name = "N", .type = FLAG_SIZE,
     .offset = AT(keep_body_bytes), .min = 1, .max = 1099511627776.0, .def = "1048576",
     .help = "the most of a body --keep-body keeps (UTF-8 bytes of a text, bytes before "
             "base64 of any other); a body over --max-bytes is a too_large dead letter "
             "whatever this says"},
    {.name = "timeout", .value_name = "SECONDS", .type = FLAG_LONG_MS,
     .offset = AT(fetch.timeout_ms), .min = 0.1, .max = 86400, .def = "30",
     .help = "whole fetch"},
    {.name = "connect-timeout", .value_name = "S", .type = FLAG_LONG_MS,
     .offset = AT(fetch.connect_timeout_ms), .min = 0.1, .max = 3600, .def = "10",
     .help = "connection set-up"},
    {.name = "max-bytes", .value_name = "N", .type = FLAG_SIZE, .offset = AT(fetch.max_bytes),
     .min = 1, .max = 1099511627776.0, .def = "10000000",
     .help = "decoded body ceiling; larger is a too_large dead letter"},
    {.name = "max-redirects", .value_name = "N", .type = FLAG_LONG,
     .offset = AT(fetch.max_redirects), .min = 0, .max = 100, .def = "10",
     .help = "redirects followed; more is a too_many_redirects dead letter"},
    {.name = "max-attempts", .value_name = "N", .type = FLAG_INT, .offset = AT(max_attempts),
     .min = 1, .max = 100, .def = "4",
     .help = "attempts per URL, the first included: the codes marked \"tried again\" below "
             "wait in the broker (1 s, 4 s, 16 s, ... with jitter, or the server's "
             "Retry-After) and are tried again; then a dead letter lists every error"},
    {.name = "max-retry-after", .value_name = "S", .type = FLAG_MS,
     .offset = AT(max_retry_after_ms), .min = 0, .max = 86400, .def = "3600",
     .help = "ceiling on a Retry-After"},
    {.name = "allow-private", .type = FLAG_SWITCH, .offset = AT(fetch.allow_private),
     .help = "allow loopback and private addresses (link-local, multicast and reserved ones "
             "stay refused)"},
    {0},
};

/* The error codes, from their table, after the flags. */
static void help_error_codes(FILE *out)
{
    fprintf(out, "Dead-letter codes (again: tried again, up to --max-attempts):\n");
    for (int c = ERR_NONE + 1; c < ERR_COUNT; c++)
        fprintf(out, "  %-19s %-6s %s\n", ERRCODE[c].name, ERRCODE[c].transient ? "again" : "",
                ERRCODE[c].meaning);
}

int main(int argc, char **argv)
{
    struct worker_config cfg = {
        .fetch = {.low_speed_bytes = 100, .low_speed_time_s = 10},
    };
    const struct flag_table tables[] = {
        {WORKER_FLAGS, &cfg}, {CONFIG_FLAGS, &cfg.common}, {NULL, NULL}};
    const struct flag_program program = {"trawl-worker", USAGE, tables, help_error_codes};
    int rc = flags_parse(argc, argv, &program);
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
    if (cfg.rules_path) {
        char err[1024];
        cfg.rules = rules_load(cfg.rules_path, err, sizeof(err));
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
    for (size_t i = 0; i < cfg.host_rates.n; i++)
        free((char *)cfg.host_rates.v[i].key);
    free(cfg.host_rates.v);
    for (size_t i = 0; i < cfg.fetch.headers.n; i++)
        free(cfg.fetch.headers.lines[i]);
    free(cfg.fetch.headers.lines);
    return rc;
}
