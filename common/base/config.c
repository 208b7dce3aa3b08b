/* config.c -- shared settings: environment, then flags. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char CONFIG_HELP[] =
    "Connections (flags win over the environment):\n"
    "  --amqp URL          RabbitMQ [TRAWL_AMQP_URL] (default amqp://guest:guest@127.0.0.1:5672)\n"
    "  --redis URL         Redis [TRAWL_REDIS_URL] (default redis://127.0.0.1:6379/0)\n"
    "  --prefix NAME       queue and key prefix [TRAWL_PREFIX] (default trawl): queues\n"
    "                      NAME.urls, NAME.records, NAME.dead; Redis keys NAME:...\n"
    "  --queue-type TYPE   quorum (default: replicated on a cluster, with delivery counts)\n"
    "                      or classic; must match the existing queues\n"
    "Logging (stderr, one line per event; passwords are never logged):\n"
    "  --log-level LEVEL   debug, info (default), warn or error\n"
    "  --log-format FMT    text (default) or json\n"
    "  --help, --version\n";

void config_defaults(struct common_config *c)
{
    const char *e;
    *c = (struct common_config){
        .amqp_url = "amqp://guest:guest@127.0.0.1:5672",
        .redis_url = "redis://127.0.0.1:6379/0",
        .prefix = "trawl",
        .queue_type = QUEUE_QUORUM,
        .log_level = LOG_INFO,
        .log_format = LOG_FORMAT_TEXT,
    };
    if ((e = getenv("TRAWL_AMQP_URL")) && *e)
        c->amqp_url = e;
    if ((e = getenv("TRAWL_REDIS_URL")) && *e)
        c->redis_url = e;
    if ((e = getenv("TRAWL_PREFIX")) && *e)
        c->prefix = e;
}

int config_option(struct common_config *c, const char *name, const char *value, char *err,
                  size_t errlen)
{
    if (strcmp(name, "amqp") == 0) {
        c->amqp_url = value;
    } else if (strcmp(name, "redis") == 0) {
        c->redis_url = value;
    } else if (strcmp(name, "prefix") == 0) {
        c->prefix = value;
    } else if (strcmp(name, "queue-type") == 0) {
        if (strcmp(value, "quorum") == 0) {
            c->queue_type = QUEUE_QUORUM;
        } else if (strcmp(value, "classic") == 0) {
            c->queue_type = QUEUE_CLASSIC;
        } else {
            snprintf(err, errlen, "--queue-type '%s': expected quorum or classic", value);
            return -1;
        }
    } else if (strcmp(name, "log-level") == 0) {
        if (log_level_parse(value, &c->log_level) < 0) {
            snprintf(err, errlen, "--log-level '%s': expected debug, info, warn or error", value);
            return -1;
        }
    } else if (strcmp(name, "log-format") == 0) {
        if (log_format_parse(value, &c->log_format) < 0) {
            snprintf(err, errlen, "--log-format '%s': expected text or json", value);
            return -1;
        }
    } else {
        return 0;
    }
    return 1;
}

int config_check(const struct common_config *c, char *err, size_t errlen)
{
    size_t n = strlen(c->prefix);
    /* Queue names and Redis keys are built from the prefix: keep it to a safe alphabet. */
    if (n == 0 || n > 100 ||
        strspn(c->prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n) {
        snprintf(err, errlen, "--prefix '%s': use 1 to 100 letters, digits, '_' or '-'",
                 c->prefix);
        return -1;
    }
    return 0;
}

int config_parse_cli(int argc, char **argv, const struct config_cli *cli,
                     struct common_config *c)
{
    static const char *const shared[] = {"amqp",       "redis",     "prefix",
                                         "queue-type", "log-level", "log-format"};
    const size_t nshared = sizeof(shared) / sizeof(shared[0]);
    size_t nown = 0;
    while (cli->flags && cli->flags[nown].name)
        nown++;
    struct option *opts = calloc(nshared + nown + 3, sizeof(*opts));
    if (!opts) {
        fprintf(stderr, "%s: out of memory\n", cli->program);
        return 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < nshared; i++)
        opts[k++] = (struct option){shared[i], required_argument, NULL, 0};
    for (size_t i = 0; i < nown; i++)
        opts[k++] = (struct option){cli->flags[i].name,
                                    cli->flags[i].has_value ? required_argument : no_argument,
                                    NULL, 0};
    opts[k++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[k++] = (struct option){"version", no_argument, NULL, 'V'};

    char err[1024];
    int status = -1;
    while (status < 0) {
        int idx = 0;
        int ch = getopt_long(argc, argv, "hV", opts, &idx);
        if (ch == -1)
            break;
        if (ch == 'h') {
            printf("%s\n%s", cli->usage, CONFIG_HELP);
            status = 0;
        } else if (ch == 'V') {
            printf("%s %s\n", cli->program, TRAWL_VERSION);
            status = 0;
        } else if (ch != 0) {
            /* getopt_long has named the unknown flag or the missing value. */
            fprintf(stderr, "Try '%s --help'.\n", cli->program);
            status = 2;
        } else {
            snprintf(err, sizeof(err), "--%s: invalid", opts[idx].name);
            int rc = (size_t)idx < nshared
                         ? config_option(c, opts[idx].name, optarg, err, sizeof(err))
                         : cli->on_flag(cli->arg, opts[idx].name, optarg, err, sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "%s: %s\n", cli->program, err);
                status = 2;
            }
        }
    }
    free(opts);
    if (status < 0 && config_check(c, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", cli->program, err);
        status = 2;
    }
    return status;
}
