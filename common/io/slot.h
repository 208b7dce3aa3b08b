/* slot.h -- Redis Cluster's key space, as a client needs it: which of the 16384 hash slots a
 * key is in, which master serves each slot (from CLUSTER SLOTS), and what a MOVED or ASK
 * redirection says.
 *
 * Written here because no Debian 12 package has a cluster client for hiredis 0.14 (hiredis-
 * cluster is not packaged); this module is the pure part, with no sockets, so that it is unit-
 * tested on its own. The rules are the cluster specification's ("Keys distribution model"). */
#ifndef TRAWL_SLOT_H
#define TRAWL_SLOT_H

#include <stddef.h>
#include <stdint.h>

struct redisReply;

#define SLOT_COUNT 16384
#define SLOT_NODES_MAX 64       /* masters in one map; more is refused, not truncated */

/* CRC16 (XModem) of the key's hash tag -- the part between the first '{' and the next '}'
 * when that is not empty -- or of the whole key, modulo 16384. */
unsigned slot_of_key(const char *key, size_t len);

/* One master: where to connect. */
struct slot_node {
    char host[256];
    int port;
};

/* Which master serves each slot. */
struct slot_map {
    struct slot_node nodes[SLOT_NODES_MAX];
    size_t nnodes;
    int16_t owner[SLOT_COUNT];  /* index into nodes, -1 for a slot no master serves */
};

/* Fills m from a CLUSTER SLOTS reply. An empty host ("" or "?") means the address the reply
 * came from: pass it as `asked`. Returns 0, or -1 with err set when the reply is not one
 * (an error, a wrong shape, a slot out of range, too many masters). */
int slot_map_from_reply(const struct redisReply *r, const struct slot_node *asked,
                        struct slot_map *m, char *err, size_t errlen);

/* The master of slot, or NULL when none serves it. */
const struct slot_node *slot_map_node(const struct slot_map *m, unsigned slot);

/* A redirection, from an error reply's text. */
struct slot_redirect {
    int ask;                    /* 1: ASK (one command, after ASKING), 0: MOVED (the map is old) */
    unsigned slot;
    struct slot_node to;
};

/* Parses "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381" (IPv6 hosts have colons:
 * the port is after the last one). Returns 1 with rd filled, 0 when the text is another
 * error, -1 when it starts like a redirection but is malformed. */
int slot_parse_redirect(const char *text, struct slot_redirect *rd);

#endif
