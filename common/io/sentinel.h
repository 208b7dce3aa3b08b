/* sentinel.h -- where the Redis master is, asked of Redis Sentinel.
 *
 * `redis-sentinel://[:PASSWORD@]HOST:PORT[,HOST:PORT...]/MASTER[/DB]` names the sentinels and
 * the master's name; PASSWORD and DB are the master's. Programs ask on every (re)connect, so
 * a failover is followed by the next reconnect. The sentinels are asked in turn, each with a
 * short deadline, and an answer is believed only once the address it names says it is a
 * master (ROLE): a sentinel that has not yet seen the failover points at the old master, now
 * a replica. */
#ifndef TRAWL_SENTINEL_H
#define TRAWL_SENTINEL_H

#include <stddef.h>

#define SENTINEL_MAX 8

struct sentinel_addr {
    char host[256];
    int port;
};

struct sentinel_target {
    struct sentinel_addr sentinels[SENTINEL_MAX];
    size_t nsentinels;
    char master_name[128];
    char password[256];         /* the master's; "" for none */
    int db;
};

/* 1 when url has the redis-sentinel scheme (whether or not it is well formed). */
int sentinel_url_is(const char *url);

/* Parses a redis-sentinel:// URL. Returns 0, or -1 with a message that names the URL without
 * its password. */
int sentinel_parse_url(const char *url, struct sentinel_target *t, char *err, size_t errlen);

/* Asks the sentinels, in turn starting at a random one, for the master of t, and checks it.
 * Blocks for at most timeout_ms per sentinel and per check. Returns 0 with the master's
 * address, or -1 with what each sentinel said in err. */
int sentinel_find_master(const struct sentinel_target *t, int timeout_ms,
                         struct sentinel_addr *master, char *err, size_t errlen);

#endif
