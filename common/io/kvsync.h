/* kvsync.h -- the producer's Redis: blocking, pipelined, and routed when the server is a
 * Redis Cluster.
 *
 * A connection starts at what --redis names (a server, or the master Sentinel points to) and
 * asks it for CLUSTER SLOTS: a server without cluster mode is used alone; a cluster node
 * gives the slot map, and each command then goes to the master of its key's slot (slot.h),
 * with a connection per master opened when first needed. MOVED refreshes the map and sends
 * the command again; ASK sends it once, after ASKING, to the node named. More than
 * KVSYNC_MAX_REDIRECTS redirections for one command is an error, not a loop.
 *
 * The worker's client (kv.h) is asynchronous on its event loop; this one serves programs
 * that wait for each answer anyway. */
#ifndef TRAWL_KVSYNC_H
#define TRAWL_KVSYNC_H

#include <stddef.h>

struct redisReply;
struct kvsync;

#define KVSYNC_MAX_REDIRECTS 5

/* Connects (blocking for at most timeout_ms per step). url: redis:// or redis-sentinel://;
 * origin: where it came from, for messages ("--redis"). NULL with a message for the user in
 * err (kv_explain's). */
struct kvsync *kvsync_connect(const char *url, const char *origin, int timeout_ms, char *err,
                              size_t errlen);
void kvsync_free(struct kvsync *k); /* NULL is a no-op */

/* 1 when connected to a Redis Cluster, 0 for a single server. */
int kvsync_is_cluster(const struct kvsync *k);
/* Redirections followed so far (MOVED and ASK). */
unsigned long long kvsync_redirects(const struct kvsync *k);

/* One command: argc words, argv[i] NUL-terminated. The key that routes it is argv[1], or for
 * EVAL and EVALSHA the first key (argv[3]). */
struct kvsync_cmd {
    int argc;
    const char *const *argv;
};

/* Runs n commands, pipelined per server, and stores each reply (the caller frees them with
 * freeReplyObject). An error reply is a reply, for the caller to judge; redirections are
 * followed. Returns 0, or -1 when a server could not be reached or answered with a broken
 * connection, or redirections did not settle (err says which): the replies are then freed
 * and all NULL, and the connection should be dropped (kvsync_free) and made again. */
int kvsync_pipeline(struct kvsync *k, size_t n, const struct kvsync_cmd *cmds,
                    struct redisReply **replies, char *err, size_t errlen);

#endif
