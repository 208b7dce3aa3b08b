/* config.c -- shared settings: environment, then flags. */
#include "config.h"

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
