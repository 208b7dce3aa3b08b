/* config.h -- the settings every program shares (CONTRACT "Programs"): broker, Redis, prefix,
 * queue type and logging, as a flag table (flags.h) that each program lists after its own.
 * The environment (TRAWL_AMQP_URL, TRAWL_REDIS_URL, TRAWL_PREFIX) comes before the flags.
 * Every value is checked as it is parsed, so a malformed URL is a usage error (exit 2) in every
 * program, never a connection that fails later. */
#ifndef TRAWL_CONFIG_H
#define TRAWL_CONFIG_H

#include "broker.h"
#include "flags.h"
#include "log.h"

struct common_config {
    const char *amqp_url;       /* borrowed from argv/environ; checked by broker_check_url */
    const char *redis_url;      /* ... by kv_parse_url */
    enum flag_origin amqp_from; /* where each came from, for connection errors */
    enum flag_origin redis_from;
    const char *prefix;
    enum queue_type queue_type;
    unsigned quorum_size;       /* replicas of a quorum queue when declared */
    const char *amqp_http;      /* the management API, NULL: http://HOST:15672 of the broker */
    enum log_level log_level;
    enum log_format log_format;
};

/* The shared flags, for a struct common_config. */
extern const struct flag CONFIG_FLAGS[];

/* Where the broker's URL came from, as a connection error names it: "--amqp",
 * "TRAWL_AMQP_URL" or "default". */
const char *config_amqp_from(const struct common_config *c);
/* Where Redis's URL came from: "--redis", "TRAWL_REDIS_URL" or "default". */
const char *config_redis_from(const struct common_config *c);

#endif
