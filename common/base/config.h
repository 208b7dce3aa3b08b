/* config.h -- the settings every program shares (CONTRACT "Programs"): broker, Redis, prefix,
 * queue type and logging, as a flag table (flags.h) that each program lists after its own.
 * The environment (TRAWL_AMQP_URL, TRAWL_REDIS_URL, TRAWL_PREFIX) comes before the flags. */
#ifndef TRAWL_CONFIG_H
#define TRAWL_CONFIG_H

#include "broker.h"
#include "flags.h"
#include "log.h"

struct common_config {
    const char *amqp_url;       /* borrowed from argv/environ */
    const char *redis_url;
    const char *prefix;
    enum queue_type queue_type;
    enum log_level log_level;
    enum log_format log_format;
};

/* The shared flags, for a struct common_config. */
extern const struct flag CONFIG_FLAGS[];

#endif
