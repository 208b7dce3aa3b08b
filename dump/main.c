/* main.c -- trawl-dump: drain one of trawl's queues into JSON lines (a file or stdout).
 * Each message is acked only after its line reached the file (fflush + fdatasync for files),
 * so a dump killed halfway loses nothing: the rest stays on the queue. */
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "config.h"
#include "flags.h"
#include "log.h"
#include "loop.h"

static const char USAGE[] =
    "Usage: trawl-dump [OPTIONS] --queue NAME\n"
    "\n"
    "Consumes PREFIX.NAME (records, dead or urls) and writes each message body as one line.\n"
    "A message is acknowledged once its line is written and flushed.\n"
    "\n"
    "SIGTERM or SIGINT: the lines written so far are flushed and acked, then exit 0.\n"
    "\n";

struct dump {
    FILE *out;
    int sync_fd;                /* -1 for stdout */
    struct broker *b;
    unsigned long long written, limit;
    uint64_t last_tag;          /* written, not yet acked */
    int failed;
};

/* Set by SIGTERM/SIGINT: finish the lines in hand, ack them and exit 0. */
static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static void on_delivery(const struct broker_delivery *d, void *arg)
{
    struct dump *dm = arg;
    if (dm->failed || (dm->limit && dm->written >= dm->limit)) {
        broker_reject(dm->b, d->tag, 1);
        return;
    }
    if (fwrite(d->body, 1, d->len, dm->out) != d->len || fputc('\n', dm->out) == EOF) {
        dm->failed = 1;
        broker_reject(dm->b, d->tag, 1);
        return;
    }
    dm->written++;
    dm->last_tag = d->tag;
}

/* Makes written lines durable, then acks them. */
static int commit(struct dump *dm)
{
    if (!dm->last_tag)
        return 0;
    if (fflush(dm->out) != 0 || (dm->sync_fd >= 0 && fdatasync(dm->sync_fd) != 0)) {
        LOG_E("cannot write output", "err=\"%m\"");
        return -1;
    }
    /* One ack covers every line written so far: tags on a channel only increase. */
    int rc = broker_ack(dm->b, dm->last_tag, 1);
    dm->last_tag = 0;
    return rc;
}

/* The flags of trawl-dump's own, as read. */
struct dump_cli {
    const char *queue, *output;
    double idle_exit_s;
    size_t count;
};

#define AT(f) offsetof(struct dump_cli, f)

static const struct flag DUMP_FLAGS[] = {
    {.name = "queue", .value_name = "NAME", .type = FLAG_STRING, .offset = AT(queue),
     .section = "Options", .help = "records, dead, urls (or any suffix after 'PREFIX.')"},
    {.name = "output", .value_name = "FILE", .type = FLAG_STRING, .offset = AT(output),
     .help = "append to FILE (default: standard output)"},
    {.name = "idle-exit", .value_name = "SECONDS", .type = FLAG_SECONDS,
     .offset = AT(idle_exit_s), .min = 0.001, .max = 1e7,
     .help = "exit 0 once the queue stayed empty for this long"},
    {.name = "count", .value_name = "N", .type = FLAG_SIZE, .offset = AT(count), .min = 1,
     .max = 1e15, .help = "exit 0 after N messages"},
    {0},
};

int main(int argc, char **argv)
{
    struct common_config cfg = {0};
    struct dump_cli cli = {0};
    const struct flag_table tables[] = {{DUMP_FLAGS, &cli}, {CONFIG_FLAGS, &cfg}, {NULL, NULL}};
    const struct flag_program program = {"trawl-dump", USAGE, tables, NULL};
    int status = flags_parse(argc, argv, &program);
    if (status >= 0)
        return status;
    struct dump dm = {.sync_fd = -1, .limit = cli.count};
    const char *queue = cli.queue, *output = cli.output;
    double idle_exit_s = cli.idle_exit_s;
    char err[1024];
    if (!queue || optind < argc) {
        fprintf(stderr, "trawl-dump: %s\nTry 'trawl-dump --help'.\n",
                queue ? "unexpected argument" : "--queue is required");
        return 2;
    }
    log_init("trawl-dump", cfg.log_level, cfg.log_format);
    dm.out = output ? fopen(output, "a") : stdout;
    if (!dm.out) {
        LOG_E("cannot open output", "file=%s err=\"%m\"", output);
        return 1;
    }
    if (output)
        dm.sync_fd = fileno(dm.out);
    char qname[256];
    broker_queue_name(qname, sizeof(qname), cfg.prefix, queue);
    int rc = 1;
    dm.b = broker_connect(cfg.amqp_url, config_amqp_from(&cfg), "trawl-dump", 30, 10000, err,
                         sizeof(err));
    if (!dm.b || broker_declare_queues(dm.b, cfg.prefix, cfg.queue_type, err, sizeof(err)) < 0 ||
        broker_consume(dm.b, qname, 500, err, sizeof(err)) < 0) {
        LOG_E("cannot start", "err=\"%s\"", err);
        goto out;
    }
    struct sigaction sa = {.sa_handler = on_stop_signal}; /* no SA_RESTART: poll returns */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct broker_events ev = {.on_delivery = on_delivery, .arg = &dm};
    uint64_t last_activity = loop_now_ms();
    while (!stopping) {
        unsigned long long before = dm.written;
        if (broker_wait(dm.b, &ev, 200) < 0) {
            LOG_E("broker connection lost", "err=\"%s\"", broker_error(dm.b));
            goto out;
        }
        if (dm.failed) {
            LOG_E("cannot write output", "err=\"%m\"");
            goto out;
        }
        if (commit(&dm) < 0)
            goto out;
        if (dm.limit && dm.written >= dm.limit)
            break;
        if (dm.written != before) {
            last_activity = loop_now_ms();
        } else if (idle_exit_s > 0 &&
                   loop_now_ms() - last_activity >= (uint64_t)(idle_exit_s * 1000)) {
            /* Nothing arrived for that long; exit if the queue really is empty. */
            long ready = broker_queue_ready(dm.b, qname, err, sizeof(err));
            if (ready == 0)
                break;
            last_activity = loop_now_ms();
        }
    }
    rc = 0;
out:
    LOG_I("done", "queue=%s written=%llu", qname, dm.written);
    broker_free(dm.b);
    if (output && dm.out)
        fclose(dm.out);
    return rc;
}
