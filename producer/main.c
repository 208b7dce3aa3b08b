/* main.c -- trawl-producer: read URLs, canonicalise, skip duplicates, enqueue with publisher
 * confirms (or, with --requeue-dead, hand over to requeue.c). Blocking on purpose: it has one
 * thing to do at a time. */
#include <errno.h>
#include <signal.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "backoff.h"
#include "broker.h"
#include "config.h"
#include "errcode.h"
#include "flags.h"
#include "kv.h"
#include "log.h"
#include "loop.h"
#include "message.h"
#include "mgmt.h"
#include "producer.h"
#include "url.h"

#define LINE_MAX_BYTES 65536
#define OUTAGE_MAX_MS 300000     /* how long a broker or Redis outage is waited out */
#define NACKED_ROUNDS_BEFORE_RECONNECT 3

static const char USAGE[] =
    "Usage: trawl-producer [OPTIONS] [FILE...]\n"
    "\n"
    "Reads URLs, one per line, from the FILEs or from standard input (none or '-'), and\n"
    "enqueues each on PREFIX.urls as a persistent message. A line may also be a JSON message,\n"
    "{\"url\": ..., \"kind\": \"page\"|\"feed\", \"depth\": N, \"meta\": ANY}. Blank lines and lines\n"
    "starting with '#' are skipped. Each URL is checked and canonicalised; a bad line is reported as\n"
    "FILE:LINE: reason and skipped. Duplicates are skipped within the run and, through the\n"
    "seen-set in Redis (64-bit fingerprints in the sets PREFIX:seen:{BUCKET}; a Redis\n"
    "Cluster works too), across runs.\n"
    "\n"
    "It returns only once the broker has confirmed every message, and ends with the line\n"
    "  enqueued=N duplicate=D invalid=I\n"
    "A URL enters the seen-set only after the broker confirmed it: a producer killed mid-file\n"
    "and run again on the same file enqueues every URL that was not confirmed (one confirmed\n"
    "just before the kill may be enqueued twice: at least once, never lost).\n"
    "A broker or Redis that goes away is waited out for up to 5 minutes: the producer\n"
    "reconnects and publishes again whatever was not confirmed.\n"
    "\n"
    "With --requeue-dead it reads no input: it moves the dead letters on PREFIX.dead (those\n"
    "--error selects, at most --count) back to PREFIX.urls, past the seen-set, each as the\n"
    "input message it was, and ends with the line\n"
    "  requeued=N kept=K skipped_bad=B\n"
    "\n"
    "With --migrate-seen it reads no input: it moves a seen-set of URL strings from before\n"
    "(the set PREFIX:seen, still read as long as it exists) into fingerprints, and removes it.\n"
    "\n"
    "Exit status:\n"
    "  0  every valid URL was enqueued (invalid lines alone do not fail a run); with\n"
    "     --requeue-dead, each dead letter present at the start was requeued or left on\n"
    "     PREFIX.dead, as selected\n"
    "  1  a runtime failure: the broker or Redis stayed away, an input could not be read, or\n"
    "     invalid lines with --strict; what was confirmed stays enqueued, nothing is lost\n"
    "  2  a usage error: a bad flag, value or combination; nothing was done\n"
    "\n";

void entry_free(struct entry *e)
{
    free(e->url);
    free(e->body);
    e->url = e->body = NULL;
}

/* Set by SIGTERM/SIGINT while polling: the round in hand is finished, then the producer
 * exits 0. */
static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static void progress(struct producer *p, int final)
{
    if (!p->tty)
        return;
    uint64_t now = loop_now_ms();
    if (!final && now - p->last_progress_ms < 250)
        return;
    p->last_progress_ms = now;
    fprintf(stderr, "\rlines=%llu enqueued=%llu duplicate=%llu invalid=%llu%s", p->lines,
            p->enqueued, p->duplicate, p->invalid, final ? "\n" : "");
}


static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

int producer_outage_wait(const char *msg, uint64_t start_ms, uint64_t *delay_ms, const char *err)
{
    char why[1100];
    if (loop_now_ms() - start_ms > OUTAGE_MAX_MS) {
        LOG_E(msg, "err=%s waited_s=%d", producer_quote(why, sizeof(why), err),
              OUTAGE_MAX_MS / 1000);
        return -1;
    }
    *delay_ms = backoff_next(*delay_ms, BACKOFF_OUTAGE_MIN_MS, BACKOFF_OUTAGE_MAX_MS);
    LOG_W(msg, "err=%s retry_ms=%llu", producer_quote(why, sizeof(why), err),
          (unsigned long long)*delay_ms);
    sleep_ms(*delay_ms);
    return 0;
}

/* One attempt: a member of --amqp that answers (the next one after a failure), the queues
 * declared, confirm mode on. 0, or -1 with err (p->broker left NULL). */
static int connect_broker(struct producer *p, char *err, size_t errlen)
{
    /* A short heartbeat: a hung broker is left after 20 s, even in the middle of a publish. */
    p->broker = broker_list_connect(&p->brokers, config_amqp_from(&p->cfg), "trawl-producer", 10,
                                    10000, err, errlen);
    if (p->broker && broker_declare_queues(p->broker, p->cfg.prefix, p->cfg.queue_type, p->cfg.quorum_size, err,
                                           errlen) == 0 &&
        broker_confirm_select(p->broker, err, errlen) == 0)
        return 0;
    broker_free(p->broker);
    p->broker = NULL;
    return -1;
}

/* Connects (again), waiting out an outage with capped backoff. */
int producer_broker(struct producer *p)
{
    uint64_t start = loop_now_ms(), delay_ms = 0;
    char err[1024];
    while (!p->broker && connect_broker(p, err, sizeof(err)) < 0)
        if (producer_outage_wait("broker unreachable", start, &delay_ms, err) < 0)
            return -1;
    return 0;
}

static int mark_seen(struct producer *p, const struct entry *done, size_t n)
{
    return p->every_s > 0 ? poll_mark_queued(p, done, n) : seen_mark(p, done, n);
}

/* Publishes the batch and waits until the broker confirmed every message (nacked ones, and
 * those a lost connection left without a verdict, are published again). Then records them
 * as seen. */
static int flush_batch(struct producer *p)
{
    if ((p->every_s > 0 ? poll_filter_due(p) : seen_filter(p)) < 0)
        return -1;
    struct entry *todo = p->batch;
    size_t ntodo = p->nbatch;
    int rc = -1;
    struct outgoing *out = calloc(ntodo ? ntodo : 1, sizeof(*out));
    if (!out)
        goto out;
    uint64_t nack_delay_ms = 0;
    int nacked_rounds = 0; /* in a row, every message nacked */
    while (ntodo > 0) {
        if (producer_broker(p) < 0)
            goto out;
        for (size_t i = 0; i < ntodo; i++)
            out[i] = (struct outgoing){p->q_urls, todo[i].body, strlen(todo[i].body),
                                       "application/json", OUT_WAITING};
        int lost = producer_publish(p, out, ntodo, NULL, NULL) < 0;
        /* Acked ones are done; the rest go round again, at the front of todo. */
        size_t again = 0;
        for (size_t i = 0; i < ntodo; i++) {
            if (out[i].state == OUT_ACKED) {
                p->enqueued++;
            } else {
                struct entry t = todo[again];
                todo[again++] = todo[i];
                todo[i] = t;
            }
        }
        if (mark_seen(p, todo + again, ntodo - again) < 0)
            goto out;
        if (again)
            LOG_W("publishing again", "count=%zu cause=%s", again,
                  lost ? "connection_lost" : "nack");
        if (again && !lost && again == ntodo) {
            /* A channel can keep nacking a quorum queue after its leader moved to another
             * node: after a few such rounds, a new connection (the next broker of a list). */
            if (++nacked_rounds >= NACKED_ROUNDS_BEFORE_RECONNECT) {
                LOG_W("broker nacks every message", "rounds=%d next=reconnect", nacked_rounds);
                broker_free(p->broker);
                p->broker = NULL;
                nacked_rounds = 0;
            }
            nack_delay_ms = backoff_next(nack_delay_ms, BACKOFF_OUTAGE_MIN_MS, BACKOFF_OUTAGE_MAX_MS);
            sleep_ms(nack_delay_ms);
        } else {
            nacked_rounds = 0;
            nack_delay_ms = 0;
        }
        ntodo = again;
        progress(p, 0);
    }
    rc = 0;
out:
    free(out);
    for (size_t i = 0; i < p->nbatch; i++)
        entry_free(&p->batch[i]);
    p->nbatch = 0;
    /* Duplicates of these in later batches are caught by Redis (or, polling, by their
     * queued mark): the in-run set only needs the batch, so it never grows past it. */
    json_object_clear(p->seen_in_run);
    return rc;
}

/* A line of input: a URL, or a JSON message {"url", "kind", "depth", "meta"} (the worker's
 * own format, checked the same way). Its body is built now, with the poll settings. */
static int add_line(struct producer *p, const char *name, unsigned long lineno, char *line)
{
    size_t n = strlen(line);
    while (n > 0 && strchr(" \t\r\n", line[n - 1]))
        line[--n] = '\0';
    char *s = line + strspn(line, " \t");
    if (!*s || *s == '#')
        return 0;
    p->lines++;
    char why[512];
    struct message m = {0};
    if (*s == '{') {
        if (message_parse(s, strlen(s), "application/json", &m, why, sizeof(why)) < 0) {
            p->invalid++;
            report_invalid_line(p, name, lineno, why);
            return 0;
        }
    } else if (!(m.url = url_canonicalize(s, why, sizeof(why)))) {
        p->invalid++;
        report_invalid_line(p, name, lineno, why);
        return 0;
    }
    if (p->every_s > 0 || !p->no_dedup) {
        if (json_object_get(p->seen_in_run, m.url)) {
            p->duplicate++;
            message_cleanup(&m);
            return 0;
        }
        json_object_set_new(p->seen_in_run, m.url, json_true());
    }
    struct entry *e = &p->batch[p->nbatch];
    e->body = message_encode_full(m.url, m.kind, m.depth, m.meta, (long)p->every_s,
                                  (long)p->every_max_s);
    e->url = m.url;
    m.url = NULL;
    message_cleanup(&m);
    if (!e->body) {
        entry_free(e);
        LOG_E("cannot encode message", "err=\"out of memory\"");
        return -1;
    }
    p->nbatch++;
    if (p->nbatch == p->batch_max)
        return flush_batch(p);
    return 0;
}

static int read_file(struct producer *p, const char *path)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    char qpath[1024], why[256];
    if (!f) {
        LOG_E("cannot open input", "file=%s err=%s", producer_quote(qpath, sizeof(qpath), path),
              producer_quote(why, sizeof(why), strerror(errno)));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int rc = 0;
    while (rc == 0 && !stopping && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len > LINE_MAX_BYTES) {
            p->invalid++;
            snprintf(why, sizeof(why), "line of %zd bytes is too long for a URL", len);
            report_invalid_line(p, name, lineno, why);
            continue;
        }
        if ((size_t)len != strlen(line)) {
            p->invalid++;
            report_invalid_line(p, name, lineno, "line contains a NUL byte");
            continue;
        }
        rc = add_line(p, name, lineno, line);
    }
    if (rc == 0 && ferror(f)) {
        LOG_E("cannot read input", "file=%s err=%s", producer_quote(qpath, sizeof(qpath), path),
              producer_quote(why, sizeof(why), strerror(errno)));
        rc = -1;
    }
    free(line);
    if (!is_stdin)
        fclose(f);
    return rc;
}


/* --error CODE[,CODE...]: each a code dead letters carry, kept in its canonical spelling
 * (a typo would otherwise select nothing, silently). */
static int add_error_codes(void *target, const char *value, char *err, size_t errlen)
{
    struct error_codes *codes = target;
    const char *s = value;
    for (;;) {
        size_t n = strcspn(s, ",");
        char code[ERRCODE_NAME_MAX + 8], name[ERRCODE_NAME_MAX];
        long status = 0;
        snprintf(code, sizeof(code), "%.*s", (int)(n < sizeof(code) ? n : sizeof(code) - 1), s);
        enum errcode c = n < sizeof(code) ? errcode_parse(code, &status) : ERR_NONE;
        if (c == ERR_NONE) {
            snprintf(err, errlen, "expected error codes as dead letters spell them, such as "
                     "blocked_address, timeout or http_503 (trawl-worker --help lists them)");
            return -1;
        }
        char *copy = strdup(errcode_name(c, status, name, sizeof(name)));
        char **grown = copy ? realloc(codes->v, (codes->n + 1) * sizeof(*codes->v)) : NULL;
        if (!grown) {
            free(copy);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        codes->v = grown;
        codes->v[codes->n++] = copy;
        if (!s[n])
            return 0;
        s += n + 1;
    }
}

#define AT(f) offsetof(struct producer, f)

static const struct flag PRODUCER_FLAGS[] = {
    {.name = "no-dedup", .type = FLAG_SWITCH, .offset = AT(no_dedup), .section = "Options",
     .help = "enqueue duplicates too (no Redis needed)"},
    {.name = "strict", .type = FLAG_SWITCH, .offset = AT(strict),
     .help = "exit 1 when any line was invalid"},
    {.name = "batch", .value_name = "N", .type = FLAG_SIZE, .offset = AT(batch_max), .min = 1,
     .max = 100000, .def = "1000", .help = "URLs per confirm round"},
    {.name = "every", .value_name = "DURATION", .type = FLAG_DURATION, .offset = AT(every_s),
     .min = 10, .max = MESSAGE_POLL_MAX_S, .section = "Polling (feeds, or any URL visited again)",
     .help = "read the FILEs again every DURATION (90, 90s, 15m, 2h, 1d; jittered by up to "
             "10%) and enqueue each URL that is due, until SIGTERM/SIGINT. The seen-set is not "
             "used: a URL is skipped while its previous round's message has no outcome yet, or "
             "until its next poll is due. Each message asks the worker for a conditional GET "
             "(ETag, Last-Modified: a 304 is a record with \"not_modified\": true) and to "
             "schedule the next poll"},
    {.name = "every-max", .value_name = "DURATION", .type = FLAG_DURATION,
     .offset = AT(every_max_s), .min = 10, .max = MESSAGE_POLL_MAX_S,
     .help = "a URL unchanged at each poll is polled half as often each time, down to once "
             "per this (default 4 x --every); a change brings it back to --every. Its "
             "Cache-Control max-age or Retry-After, when longer, is honoured too"},
    {.name = "migrate-seen", .type = FLAG_SWITCH, .offset = AT(migrate_seen),
     .section = "Maintenance",
     .help = "read no input: move the old seen-set of URL strings (PREFIX:seen) into "
             "fingerprint buckets (about 9 instead of 120 bytes a URL), then remove it; "
             "safe to run again after a failure. Stop older producers first"},
    {.name = "requeue-dead", .type = FLAG_SWITCH, .offset = AT(requeue_dead),
     .section = "Dead letters back to work",
     .help = "read no input: move the dead letters PREFIX.dead holds at the start back to "
             "PREFIX.urls, each as the input message it was (url, kind, depth, meta; attempts "
             "from 0), past the seen-set. A letter leaves PREFIX.dead only once its message "
             "was confirmed; letters not selected, and those without a URL (a bad message), "
             "stay there. --batch letters per round"},
    {.name = "error", .value_name = "CODE", .type = FLAG_CUSTOM, .offset = AT(errors),
     .set = add_error_codes,
     .help = "with --requeue-dead: only the dead letters with this error code (repeatable, or "
             "a comma list: --error timeout,http_503)"},
    {.name = "count", .value_name = "N", .type = FLAG_SIZE, .offset = AT(requeue_max),
     .min = 1, .max = 1000000000,
     .help = "with --requeue-dead: requeue at most N dead letters, the first selected"},
    {0},
};

/* One pass over the files (standard input when none). 0, or -1 on a failure. */
static int read_all(struct producer *p, int nfiles, char **files)
{
    int failed = 0;
    if (nfiles == 0)
        failed = read_file(p, "-") < 0;
    for (int i = 0; i < nfiles && !failed; i++)
        failed = read_file(p, files[i]) < 0;
    if (!failed)
        failed = flush_batch(p) < 0;
    return failed ? -1 : 0;
}

/* Sleeps ms, or less when a signal comes. */
static void sleep_unless_stopped(uint64_t ms)
{
    uint64_t end = loop_now_ms() + ms;
    while (!stopping && loop_now_ms() < end)
        sleep_ms(end - loop_now_ms() < 500 ? end - loop_now_ms() : 500);
}

/* --every: a pass per round, each logged, until a signal. The files are read afresh each
 * round, so a list can be edited while the producer runs. */
static int poll_rounds(struct producer *p, int nfiles, char **files)
{
    struct sigaction sa = {.sa_handler = on_stop_signal}; /* no SA_RESTART */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    for (unsigned long round = 1; !stopping; round++) {
        uint64_t start = loop_now_ms();
        p->enqueued = p->duplicate = p->invalid = p->lines = p->not_due = p->still_queued = 0;
        json_object_clear(p->seen_in_run);
        int failed = read_all(p, nfiles, files);
        LOG_I("round", "n=%lu enqueued=%llu not_due=%llu still_queued=%llu duplicate=%llu "
              "invalid=%llu ms=%llu result=%s", round, p->enqueued, p->not_due, p->still_queued,
              p->duplicate, p->invalid, (unsigned long long)(loop_now_ms() - start),
              failed ? "\"failed, trying again next round\"" : "ok");
        if (p->strict && p->invalid)
            return -1;
        /* Jitter: producers started together drift apart instead of polling in step. */
        double wait_s = p->every_s * (0.9 + 0.2 * ((double)random() / RAND_MAX));
        uint64_t spent = loop_now_ms() - start;
        uint64_t wait_ms = (uint64_t)(wait_s * 1000);
        sleep_unless_stopped(wait_ms > spent ? wait_ms - spent : 0);
    }
    LOG_I("stopped", "reason=signal");
    return 0;
}

/* The flag combinations flags_parse cannot judge alone. 2 (said on stderr) or -1 to go on. */
static int check_modes(struct producer *p, int argc, char **argv)
{
    if (p->migrate_seen) {
        if (optind < argc || p->requeue_dead || p->every_s > 0 || p->no_dedup) {
            fprintf(stderr, "trawl-producer: --migrate-seen runs alone: no FILE, --requeue-dead, "
                    "--every or --no-dedup\n");
            return 2;
        }
        return -1;
    }
    if (p->requeue_dead) {
        if (optind < argc) {
            fprintf(stderr, "trawl-producer: --requeue-dead reads no input, so no FILE "
                    "('%s')\n", argv[optind]);
            return 2;
        }
        if (p->every_s > 0 || p->every_max_s > 0) {
            fprintf(stderr, "trawl-producer: --requeue-dead runs once: no --every\n");
            return 2;
        }
        return -1;
    }
    if (p->errors.n > 0 || p->requeue_max > 0) {
        fprintf(stderr, "trawl-producer: %s needs --requeue-dead\n",
                p->errors.n > 0 ? "--error" : "--count");
        return 2;
    }
    if (p->every_s > 0) {
        if (p->every_max_s == 0)
            p->every_max_s = p->every_s * 4 < MESSAGE_POLL_MAX_S ? p->every_s * 4
                                                                  : MESSAGE_POLL_MAX_S;
        if (p->every_max_s < p->every_s) {
            fprintf(stderr, "trawl-producer: --every-max %gs is below --every %gs\n",
                    p->every_max_s, p->every_s);
            return 2;
        }
        for (int i = optind; i <= argc; i++)
            if (i == argc ? optind == argc : strcmp(argv[i], "-") == 0) {
                fprintf(stderr, "trawl-producer: --every reads its FILEs again each round: "
                        "name them (standard input can be read only once)\n");
                return 2;
            }
    } else if (p->every_max_s > 0) {
        fprintf(stderr, "trawl-producer: --every-max needs --every\n");
        return 2;
    }
    return -1;
}

static void error_codes_free(struct error_codes *codes)
{
    for (size_t i = 0; i < codes->n; i++)
        free(codes->v[i]);
    free(codes->v);
    codes->v = NULL;
    codes->n = 0;
}

int main(int argc, char **argv)
{
    struct producer p = {0};
    const struct flag_table tables[] = {
        {PRODUCER_FLAGS, &p}, {CONFIG_FLAGS, &p.cfg}, {NULL, NULL}};
    const struct flag_program program = {"trawl-producer", USAGE, tables, NULL};
    int status = flags_parse(argc, argv, &program);
    if (status < 0)
        status = check_modes(&p, argc, argv);
    if (status >= 0) {
        error_codes_free(&p.errors);
        return status;
    }
    char err[1024], why[1100];
    log_init("trawl-producer", p.cfg.log_level, p.cfg.log_format);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* The live line is for a person at a terminal; JSON lines are for a program. */
    p.tty = isatty(STDERR_FILENO) && p.cfg.log_format == LOG_FORMAT_TEXT;
    broker_queue_name(p.q_urls, sizeof(p.q_urls), p.cfg.prefix, "urls");
    snprintf(p.seen_key, sizeof(p.seen_key), "%s:seen", p.cfg.prefix);
    p.seen_in_run = json_object();
    p.batch = calloc(p.batch_max, sizeof(*p.batch));
    int rc = 1;
    if (!p.seen_in_run || !p.batch) {
        LOG_E("cannot start", "err=\"out of memory\"");
        goto out;
    }
    /* Seeds the first broker of a list and the polling jitter. */
    srandom((unsigned)(loop_wall_ms() ^ (uint64_t)getpid()));
    if (broker_list_parse(p.cfg.amqp_url, &p.brokers, err, sizeof(err)) < 0 ||
        connect_broker(&p, err, sizeof(err)) < 0) {
        LOG_E("cannot start", "err=%s", producer_quote(why, sizeof(why), err));
        goto out;
    }
    mgmt_report_replication(p.cfg.amqp_http, broker_list_current(&p.brokers), p.cfg.prefix,
                            p.cfg.quorum_size, p.brokers.n > 1 || p.cfg.amqp_http);
    if (p.requeue_dead) {
        rc = requeue_dead(&p) < 0 ? 1 : 0;
        goto out;
    }
    /* Redis that cannot be reached at start is a configuration problem worth an exit; once
     * reached, outages are waited out (producer_redis_pipeline). */
    if ((!p.no_dedup || p.every_s > 0 || p.migrate_seen) &&
        !(p.kv = kvsync_connect(p.cfg.redis_url, config_redis_from(&p.cfg), 10000, err,
                                sizeof(err)))) {
        LOG_E("cannot start", "err=%s%s", producer_quote(why, sizeof(why), err),
              p.every_s > 0 || p.migrate_seen ? "" : " hint=\"or use --no-dedup\"");
        goto out;
    }
    if (p.migrate_seen) {
        rc = seen_migrate(&p) < 0 ? 1 : 0;
        goto out;
    }
    if (!p.no_dedup && p.every_s <= 0 && seen_open(&p) < 0)
        goto out;
    int failed = p.every_s > 0 ? poll_rounds(&p, argc - optind, argv + optind)
                               : read_all(&p, argc - optind, argv + optind);
    if (p.every_s <= 0) {
        progress(&p, 1);
        report_summary(&p, "enqueued=%llu duplicate=%llu invalid=%llu", p.enqueued,
                       p.duplicate, p.invalid);
    }
    rc = failed || (p.strict && p.invalid) ? 1 : 0;
    if (p.kv && kvsync_redirects(p.kv))
        LOG_I("redis cluster redirects", "followed=%llu", kvsync_redirects(p.kv));
out:
    for (size_t i = 0; i < p.nbatch; i++)
        entry_free(&p.batch[i]);
    free(p.batch);
    json_decref(p.seen_in_run);
    kvsync_free(p.kv);
    broker_free(p.broker);
    error_codes_free(&p.errors);
    curl_global_cleanup();
    return rc;
}
