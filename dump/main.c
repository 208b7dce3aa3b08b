/* main.c -- trawl-dump: read one of trawl's queues into JSON lines or CSV (a file or stdout).
 * Flags, the queue's name and default mode, then reader.c's loop. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "broker.h"
#include "broker_list.h"
#include "config.h"
#include "flags.h"
#include "log.h"
#include "loop.h"
#include "mgmt.h"
#include "output.h"
#include "reader.h"

#define DUMP_OUTAGE_MAX_MS 300000 /* a lost broker is waited for this long, as the producer does */

static const char USAGE[] =
    "Usage: trawl-dump [OPTIONS] --queue NAME\n"
    "\n"
    "Reads the queue PREFIX.NAME (records, dead, urls; a NAME that starts with 'PREFIX.' is\n"
    "used as it is) and writes each message as one line: its body, chosen --fields, or a CSV\n"
    "row.\n"
    "\n"
    "--take removes what it reads: a message is acked once its line is written and flushed.\n"
    "It is the default for records and dead. --peek leaves the queue as it found it, and is\n"
    "the default for every other queue (urls above all): each message read is replaced by a\n"
    "copy (same body and headers, published with confirms before the original is acked), so\n"
    "no delivery count is spent, but peeked messages move to the back of the queue in the\n"
    "order read and a copy's x-delivery-count starts again at 0. A peek reads the messages\n"
    "ready when it starts (or --count of them), each once. Messages a running worker holds\n"
    "unacked are not seen.\n"
    "\n"
    "SIGTERM or SIGINT: the lines written so far are flushed and acked, then exit 0.\n"
    "\n"
    "Exit status:\n"
    "  0  done: --count reached, the peek read what was there, idle for --idle-exit, or a\n"
    "     signal\n"
    "  1  a runtime failure: the broker, a missing queue, the output; what was not written\n"
    "     and acked stays on the queue\n"
    "  2  a usage error: a bad flag, value or combination; nothing was read\n"
    "\n";

/* The flags of trawl-dump's own, as read. */
struct dump_cli {
    const char *queue, *output, *fields;
    double idle_exit_s;
    size_t count;
    int peek, take, with_headers;
    int format; /* enum output_format */
};

#define AT(f) offsetof(struct dump_cli, f)

static int set_fields(void *target, const char *v, char *err, size_t errlen)
{
    if (output_check_fields(v, err, errlen) < 0)
        return -1;
    *(const char **)target = v;
    return 0;
}

static const char *const FORMATS[] = {"jsonl", "csv", NULL};
static const int FORMAT_VALUES[] = {OUTPUT_JSONL, OUTPUT_CSV};

static const struct flag DUMP_FLAGS[] = {
    {.name = "queue", .value_name = "NAME", .type = FLAG_STRING, .offset = AT(queue),
     .section = "Options",
     .help = "records, dead, urls (any name after 'PREFIX.'), or a full name 'PREFIX.NAME'"},
    {.name = "peek", .type = FLAG_SWITCH, .offset = AT(peek),
     .help = "read without removing (the default except for records and dead)"},
    {.name = "take", .type = FLAG_SWITCH, .offset = AT(take),
     .help = "remove what is read (the default for records and dead)"},
    {.name = "output", .value_name = "FILE", .type = FLAG_STRING, .offset = AT(output),
     .help = "append to FILE (default: standard output)"},
    {.name = "format", .value_name = "FMT", .type = FLAG_CHOICE, .offset = AT(format),
     .choices = FORMATS, .choice_values = FORMAT_VALUES, .def = "jsonl",
     .help = "jsonl or csv (RFC 4180, with a header row when the output is empty; needs "
             "--fields)"},
    {.name = "fields", .value_name = "A,B.C", .type = FLAG_CUSTOM, .offset = AT(fields),
     .set = set_fields,
     .help = "write only these fields of each message ('feed.title' is a nested one); a "
             "message whose body is not JSON is then not written, and stays on the queue"},
    {.name = "with-headers", .type = FLAG_SWITCH, .offset = AT(with_headers),
     .help = "write {\"headers\": {...}, \"body\": BODY} (headers such as x-delivery-count "
             "and x-death); --fields then name headers.X or body.X"},
    {.name = "idle-exit", .value_name = "SECONDS", .type = FLAG_SECONDS,
     .offset = AT(idle_exit_s), .min = 0.001, .max = 1e7,
     .help = "take: exit 0 once the queue stayed empty for this long"},
    {.name = "count", .value_name = "N", .type = FLAG_SIZE, .offset = AT(count), .min = 1,
     .max = 1e15, .help = "exit 0 after N messages"},
    {0},
};

/* Set by SIGTERM/SIGINT: finish the lines in hand, ack them and exit 0. */
static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* The queue's full name: NAME under the prefix, or NAME itself when it already starts with
 * "PREFIX." (never "trawl.trawl.records"). */
static void full_queue_name(char *buf, size_t buflen, const char *prefix, const char *name)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) == 0 && name[n] == '.')
        snprintf(buf, buflen, "%s", name);
    else
        broker_queue_name(buf, buflen, prefix, name);
}

/* 1 when qname is PREFIX.SUFFIX. */
static int is_queue(const char *qname, const char *prefix, const char *suffix)
{
    char name[256];
    return strcmp(qname, broker_queue_name(name, sizeof(name), prefix, suffix)) == 0;
}

/* Checks the flags that only make sense together; 0, or 2 after saying why. */
static int check_usage(const struct dump_cli *cli, int argc)
{
    const char *why = NULL;
    if (!cli->queue)
        why = "--queue is required";
    else if (optind < argc)
        why = "unexpected argument";
    else if (cli->peek && cli->take)
        why = "--peek and --take exclude each other";
    else if (cli->format == OUTPUT_CSV && !cli->fields)
        why = "--format csv needs --fields (the columns)";
    if (!why)
        return 0;
    fprintf(stderr, "trawl-dump: %s\nTry 'trawl-dump --help'.\n", why);
    return 2;
}

/* One attempt: a member of the list that answers, and the standard queues declared, as every
 * program does, so that a dump started before the producer waits for records instead of
 * failing. Any other name must exist: a dump never creates a queue out of a typo. */
static struct broker *connect_broker(struct broker_list *brokers, const struct common_config *cfg,
                                     int standard, char *err, size_t errlen)
{
    /* A short heartbeat: a hung broker is left after 20 s. */
    struct broker *b = broker_list_connect(brokers, config_amqp_from(cfg), "trawl-dump", 10,
                                           10000, err, errlen);
    if (b && standard && broker_declare_queues(b, cfg->prefix, cfg->queue_type, cfg->quorum_size, err,
                                               errlen) < 0) {
        broker_free(b);
        return NULL;
    }
    return b;
}

/* Waits out a lost broker as the producer does: capped backoff, for at most
 * DUMP_OUTAGE_MAX_MS, or until a stop signal. */
static struct broker *reconnect(struct broker_list *brokers, const struct common_config *cfg,
                                int standard, char *err, size_t errlen)
{
    uint64_t start = loop_now_ms(), delay_ms = 0;
    for (;;) {
        struct broker *b = connect_broker(brokers, cfg, standard, err, errlen);
        if (b) {
            LOG_I("broker reconnected", "down_ms=%llu",
                  (unsigned long long)(loop_now_ms() - start));
            return b;
        }
        if (stopping || loop_now_ms() - start > DUMP_OUTAGE_MAX_MS)
            return NULL;
        delay_ms = backoff_next(delay_ms, BACKOFF_OUTAGE_MIN_MS, BACKOFF_OUTAGE_MAX_MS);
        LOG_W("broker unreachable", "err=\"%s\" retry_ms=%llu", err,
              (unsigned long long)delay_ms);
        struct timespec ts = {(time_t)(delay_ms / 1000), (long)(delay_ms % 1000) * 1000000};
        nanosleep(&ts, NULL); /* a signal cuts it short: the loop sees `stopping` */
    }
}

int main(int argc, char **argv)
{
    struct common_config cfg = {0};
    struct dump_cli cli = {0};
    const struct flag_table tables[] = {{DUMP_FLAGS, &cli}, {CONFIG_FLAGS, &cfg}, {NULL, NULL}};
    const struct flag_program program = {"trawl-dump", USAGE, tables, NULL};
    int status = flags_parse(argc, argv, &program);
    if (status >= 0)
        return status;
    status = check_usage(&cli, argc);
    if (status)
        return status;
    log_init("trawl-dump", cfg.log_level, cfg.log_format);
    /* Before anything that takes time: a stop that arrives while connecting is still a clean
     * exit with nothing read, never a death by signal. No SA_RESTART: poll returns. */
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    char qname[256];
    full_queue_name(qname, sizeof(qname), cfg.prefix, cli.queue);
    int standard = is_queue(qname, cfg.prefix, "urls") || is_queue(qname, cfg.prefix, "records") ||
                   is_queue(qname, cfg.prefix, "dead");
    /* Only the outputs are drained by default: anything else (the URLs, the retry queues, a
     * queue of your own) is read without removing it unless --take says so. */
    int drained = is_queue(qname, cfg.prefix, "records") || is_queue(qname, cfg.prefix, "dead");
    struct reader_opts ro = {
        .queue = qname,
        .mode = cli.take || (drained && !cli.peek) ? READER_TAKE : READER_PEEK,
        .count = cli.count,
        .idle_exit_s = cli.idle_exit_s,
    };
    struct output_opts oo = {cli.output, (enum output_format)cli.format, cli.fields,
                             cli.with_headers};
    char err[1024];
    struct output *out = output_open(&oo, err, sizeof(err));
    if (!out) {
        LOG_E("cannot open output", "err=\"%s\"", err);
        return 1;
    }
    int rc = 1;
    struct reader_stats stats = {0};
    srandom((unsigned)(loop_wall_ms() ^ (uint64_t)getpid()));
    static struct broker_list brokers; /* 16 KiB */
    struct broker *b = NULL;
    if (broker_list_parse(cfg.amqp_url, &brokers, err, sizeof(err)) < 0 ||
        !(b = connect_broker(&brokers, &cfg, standard, err, sizeof(err)))) {
        if (stopping) {
            rc = 0; /* asked to stop while connecting: nothing was read, nothing is lost */
            goto out;
        }
        LOG_E("cannot start", "err=\"%s\"", err);
        goto out;
    }
    if (standard)
        mgmt_report_replication(cfg.amqp_http, broker_list_current(&brokers), cfg.prefix,
                                cfg.quorum_size, brokers.n > 1 || cfg.amqp_http);
    ro.ready_at_start = broker_queue_ready(b, qname, err, sizeof(err));
    if (ro.ready_at_start < 0) {
        LOG_E("cannot start", "err=\"%s\"", err);
        goto out;
    }
    LOG_I("reading", "queue=%s mode=%s ready=%ld", qname,
          ro.mode == READER_PEEK ? "peek" : "take", ro.ready_at_start);
    for (;;) {
        int got = reader_run(b, out, &ro, &stopping, &stats);
        if (got != READER_LOST) {
            rc = got == 0 ? 0 : 1;
            break;
        }
        /* What was not acked went back to the queue with the connection; the next one (the
         * next broker of a list first) reads on, within the same count. */
        broker_free(b);
        if (!(b = reconnect(&brokers, &cfg, standard, err, sizeof(err)))) {
            LOG_E("broker unreachable", "err=\"%s\" waited_s=%d", err, DUMP_OUTAGE_MAX_MS / 1000);
            break;
        }
    }
out:
    LOG_I("done", "queue=%s read=%llu written=%llu skipped=%llu", qname, stats.read,
          stats.written, stats.skipped);
    broker_free(b);
    if (output_close(out) < 0 && rc == 0) {
        LOG_E("cannot write output", "err=\"%m\"");
        rc = 1;
    }
    return rc;
}
