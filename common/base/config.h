/* config.h -- the settings every program shares (CONTRACT "Programs"): broker, Redis, prefix,
 * queue type and logging, from the environment first and then from flags. */
#ifndef TRAWL_CONFIG_H
#define TRAWL_CONFIG_H

#include <stddef.h>

#include "broker.h"
#include "log.h"

struct common_config {
    const char *amqp_url;       /* borrowed from argv/environ */
    const char *redis_url;
    const char *prefix;
    enum queue_type queue_type;
    enum log_level log_level;
    enum log_format log_format;
};

/* Fills c with the defaults, overridden by TRAWL_AMQP_URL, TRAWL_REDIS_URL, TRAWL_PREFIX. */
void config_defaults(struct common_config *c);

/* Applies one shared long option (name without dashes). Returns 1 when it was one of the shared
 * options, 0 when it is not, -1 when its value is bad (err names flag and value). */
int config_option(struct common_config *c, const char *name, const char *value, char *err,
                  size_t errlen);

/* Checks the result after every option was applied (prefix characters, say). 0 or -1. */
int config_check(const struct common_config *c, char *err, size_t errlen);

/* The shared flags' lines for --help. */
extern const char CONFIG_HELP[];

/* One of a program's own flags: its long name (no dashes) and whether it takes a value. */
struct config_flag {
    const char *name;
    int has_value;
};

/* A program's command line: its name, its --help text (the shared flags' lines follow it)
 * and its own flags, each handed to on_flag in the order given. on_flag returns 0, or -1
 * with err naming the flag and the bad value. */
struct config_cli {
    const char *program;
    const char *usage;
    const struct config_flag *flags; /* ended by {NULL, 0} */
    int (*on_flag)(void *arg, const char *name, const char *value, char *err, size_t errlen);
    void *arg;
};

/* Reads argv: --help and --version (printed on stdout), the shared flags into c, the
 * program's own through cli->on_flag; then config_check. Returns -1 when the program goes
 * on, its operands from argv[optind]; else the exit status to return: 0 after --help or
 * --version, 2 after a bad flag (reported on stderr as "PROGRAM: ..."). */
int config_parse_cli(int argc, char **argv, const struct config_cli *cli,
                     struct common_config *c);

#endif
