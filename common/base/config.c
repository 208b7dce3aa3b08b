/* config.c -- the shared flags' table. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "broker_list.h"
#include "kv.h"

_Static_assert(sizeof(enum queue_type) == sizeof(int) && sizeof(enum log_level) == sizeof(int) &&
                   sizeof(enum log_format) == sizeof(int),
               "FLAG_CHOICE fields are ints");

/* Queue names and Redis keys are built from the prefix: keep it to a safe alphabet. */
static int set_prefix(void *target, const char *v, char *err, size_t errlen)
{
    size_t n = strlen(v);
    if (n == 0 || n > 100 ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n) {
        snprintf(err, errlen, "use 1 to 100 letters, digits, '_' or '-'");
        return -1;
    }
    *(const char **)target = v;
    return 0;
}

/* One check per kind of URL, each the parser its connection uses, so that what passes here
 * connects later. A comma makes a list of brokers (a cluster's nodes), each checked. */
static int set_amqp_url(void *target, const char *v, char *err, size_t errlen)
{
    static struct broker_list scratch; /* 16 KiB: not on the stack */
    if (strchr(v, ',') ? broker_list_parse(v, &scratch, err, errlen) < 0
                       : broker_check_url(v, err, errlen) < 0)
        return -1;
    *(const char **)target = v;
    return 0;
}

static int set_redis_url(void *target, const char *v, char *err, size_t errlen)
{
    static struct kv_target t;
    if (kv_target_parse(v, &t, err, errlen) < 0)
        return -1;
    *(const char **)target = v;
    return 0;
}

static const char *origin(enum flag_origin o, const char *flag, const char *env)
{
    return o == FLAG_FROM_ARGV ? flag : o == FLAG_FROM_ENV ? env : "default";
}

const char *config_amqp_from(const struct common_config *c)
{
    return origin(c->amqp_from, "--" BROKER_URL_FLAG, BROKER_URL_ENV);
}

const char *config_redis_from(const struct common_config *c)
{
    return origin(c->redis_from, "--" KV_URL_FLAG, KV_URL_ENV);
}

static const char *const QUEUE_TYPES[] = {"quorum", "classic", NULL};
static const int QUEUE_TYPE_VALUES[] = {QUEUE_QUORUM, QUEUE_CLASSIC};
static const char *const LOG_LEVELS[] = {"debug", "info", "warn", "error", NULL};
static const int LOG_LEVEL_VALUES[] = {LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR};
static const char *const LOG_FORMATS[] = {"text", "json", NULL};
static const int LOG_FORMAT_VALUES[] = {LOG_FORMAT_TEXT, LOG_FORMAT_JSON};

#define AT(f) offsetof(struct common_config, f)

const struct flag CONFIG_FLAGS[] = {
    {.name = BROKER_URL_FLAG, .value_name = "URL", .type = FLAG_CUSTOM, .offset = AT(amqp_url),
     .set = set_amqp_url, .def = "amqp://guest:guest@127.0.0.1:5672", .env = BROKER_URL_ENV,
     .keep_origin = 1, .origin_offset = AT(amqp_from), .redact = 1, .joins = 1,
     .help = "RabbitMQ, amqp://USER:PASS@HOST:PORT[/VHOST] (amqps:// for TLS); a cluster's "
             "nodes as a comma-separated list, or the flag given once per node: each "
             "connection starts at a random one and moves to the next when one fails or hangs",
     .section = "Connections (flags win over the environment)"},
    {.name = KV_URL_FLAG, .value_name = "URL", .type = FLAG_CUSTOM, .offset = AT(redis_url),
     .set = set_redis_url, .def = "redis://127.0.0.1:6379/0", .env = KV_URL_ENV,
     .keep_origin = 1, .origin_offset = AT(redis_from), .redact = 1,
     .help = "Redis, redis://[:PASSWORD@]HOST[:PORT][/DB]; or the master Redis Sentinel "
             "names, redis-sentinel://[:PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTER[/DB] (asked "
             "on every reconnect)",
     .only_in = "trawl-producer trawl-worker"}, /* trawl-dump reads RabbitMQ only */
    {.name = "prefix", .value_name = "NAME", .type = FLAG_CUSTOM, .offset = AT(prefix),
     .set = set_prefix, .def = "trawl", .env = "TRAWL_PREFIX",
     .help = "queue and key prefix: queues NAME.urls, NAME.records, NAME.dead; Redis keys "
             "NAME:..."},
    {.name = "queue-type", .value_name = "TYPE", .type = FLAG_CHOICE, .offset = AT(queue_type),
     .choices = QUEUE_TYPES, .choice_values = QUEUE_TYPE_VALUES, .def = "quorum",
     .help = "quorum (replicated on a cluster, with delivery counts) or classic; must match "
             "the existing queues"},
    {.name = "quorum-size", .value_name = "N", .type = FLAG_UINT, .offset = AT(quorum_size),
     .min = 1, .max = 9, .def = "3",
     .help = "replicas of each quorum queue when it is created (the cluster's running nodes "
             "if fewer): 3 survives one node lost, 5 two"},
    {.name = "amqp-http", .value_name = "URL", .type = FLAG_STRING, .offset = AT(amqp_http),
     .env = "TRAWL_AMQP_HTTP_URL", .redact = 1,
     .help = "RabbitMQ's management API, where the programs read at start-up how many nodes "
             "hold each queue (default http://HOST:15672 of the broker connected to; with "
             "the AMQP user and password)"},
    {.name = "log-level", .value_name = "LEVEL", .type = FLAG_CHOICE, .offset = AT(log_level),
     .choices = LOG_LEVELS, .choice_values = LOG_LEVEL_VALUES, .def = "info",
     .help = "debug, info, warn or error",
     .section = "Logging (stderr, one line per event; passwords are never logged)"},
    {.name = "log-format", .value_name = "FMT", .type = FLAG_CHOICE, .offset = AT(log_format),
     .choices = LOG_FORMATS, .choice_values = LOG_FORMAT_VALUES, .def = "text",
     .help = "text or json"},
    {0},
};
