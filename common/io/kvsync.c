/* kvsync.c -- blocking Redis with pipelines, routed by slot on a Redis Cluster. */
#include "kvsync.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "kv.h"
#include "log.h"
#include "slot.h"

#define KVSYNC_NODES_MAX (2 * SLOT_NODES_MAX) /* the map's masters and ASK targets */

struct node {
    struct slot_node addr;
    redisContext *c;
};

struct kvsync {
    struct kv_target target;
    struct kv_endpoint ep;      /* the server --redis led to */
    const char *origin;
    int timeout_ms;
    int cluster;
    struct slot_map *map;       /* cluster only */
    struct node nodes[KVSYNC_NODES_MAX];
    size_t nnodes;
    unsigned long long redirects;
};

/* Where a command goes this round: its slot's master, or the node a redirection named. */
struct route {
    struct slot_node to;
    int ask;                    /* send ASKING first */
    int redirected;             /* `to` came from a redirection */
};

static redisContext *open_server(struct kvsync *k, const char *host, int port, int select_db,
                                 char *err, size_t errlen)
{
    struct timeval tv = {k->timeout_ms / 1000, (k->timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    struct kv_endpoint ep = k->ep;
    snprintf(ep.host, sizeof(ep.host), "%s", host);
    ep.port = port;
    if (!c || c->err) {
        kv_explain(&ep, k->origin, c ? c->errstr : "out of memory", NULL, err, errlen);
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    redisReply *r = NULL;
    if (ep.password[0])
        r = redisCommand(c, "AUTH %s", ep.password);
    if (select_db && (!ep.password[0] || (r && r->type != REDIS_REPLY_ERROR))) {
        freeReplyObject(r);
        r = redisCommand(c, "SELECT %d", ep.db);
    }
    if ((ep.password[0] || select_db) && (!r || r->type == REDIS_REPLY_ERROR)) {
        kv_explain(&ep, k->origin, r ? NULL : c->errstr, r ? r->str : NULL, err, errlen);
        freeReplyObject(r);
        redisFree(c);
        return NULL;
    }
    freeReplyObject(r);
    return c;
}

/* The connection to host:port, opened when first needed. */
static struct node *node_for(struct kvsync *k, const struct slot_node *a, char *err,
                             size_t errlen)
{
    struct node *n = NULL;
    for (size_t i = 0; i < k->nnodes && !n; i++)
        if (k->nodes[i].addr.port == a->port && strcmp(k->nodes[i].addr.host, a->host) == 0)
            n = &k->nodes[i];
    if (!n) {
        if (k->nnodes == KVSYNC_NODES_MAX) {
            snprintf(err, errlen, "more than %d Redis Cluster nodes", KVSYNC_NODES_MAX);
            return NULL;
        }
        n = &k->nodes[k->nnodes++];
        n->addr = *a;
        n->c = NULL;
    }
    if (!n->c && !(n->c = open_server(k, a->host, a->port, !k->cluster, err, errlen)))
        return NULL;
    return n;
}

/* Reads the slot map again from any node that answers. */
static int refresh_map(struct kvsync *k, char *err, size_t errlen)
{
    for (size_t i = 0; i < k->nnodes; i++) {
        if (!k->nodes[i].c)
            continue;
        redisReply *r = redisCommand(k->nodes[i].c, "CLUSTER SLOTS");
        int ok = r && slot_map_from_reply(r, &k->nodes[i].addr, k->map, err, errlen) == 0;
        freeReplyObject(r);
        if (ok)
            return 0;
    }
    snprintf(err, errlen, "no Redis Cluster node gave its slot map");
    return -1;
}

struct kvsync *kvsync_connect(const char *url, const char *origin, int timeout_ms, char *err,
                              size_t errlen)
{
    struct kvsync *k = calloc(1, sizeof(*k));
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->origin = origin;
    k->timeout_ms = timeout_ms;
    if (kv_target_parse(url, &k->target, err, errlen) < 0 ||
        kv_target_resolve(&k->target, &k->ep, err, errlen) < 0)
        goto fail;
    struct slot_node first;
    snprintf(first.host, sizeof(first.host), "%s", k->ep.host);
    first.port = k->ep.port;
    /* Cluster mode is found out before SELECT: a cluster has database 0 only. */
    k->cluster = 1;
    struct node *n = node_for(k, &first, err, errlen);
    if (!n)
        goto fail;
    redisReply *r = redisCommand(n->c, "CLUSTER SLOTS");
    if (!r) {
        kv_explain(&k->ep, origin, n->c->errstr, NULL, err, errlen);
        goto fail;
    }
    if (r->type == REDIS_REPLY_ERROR && strstr(r->str, "cluster support disabled")) {
        freeReplyObject(r);
        /* A single server: reopened with SELECT. */
        k->cluster = 0;
        redisFree(n->c);
        n->c = NULL;
        return node_for(k, &first, err, errlen) ? k : (kvsync_free(k), NULL);
    }
    if (k->ep.db != 0) {
        freeReplyObject(r);
        snprintf(err, errlen, "Redis at %s:%d is a cluster node, and a Redis Cluster has "
                 "database 0 only: drop /%d from %s", first.host, first.port, k->ep.db, origin);
        goto fail;
    }
    k->map = malloc(sizeof(*k->map));
    int ok = k->map && slot_map_from_reply(r, &first, k->map, err, errlen) == 0;
    freeReplyObject(r);
    if (!ok)
        goto fail;
    LOG_I("redis cluster", "masters=%zu via=%s:%d", k->map->nnodes, first.host, first.port);
    return k;
fail:
    kvsync_free(k);
    return NULL;
}

void kvsync_free(struct kvsync *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->nnodes; i++)
        redisFree(k->nodes[i].c);
    free(k->map);
    free(k);
}

int kvsync_is_cluster(const struct kvsync *k)
{
    return k->cluster;
}

unsigned long long kvsync_redirects(const struct kvsync *k)
{
    return k->redirects;
}

static const char *key_of(const struct kvsync_cmd *c)
{
    if (c->argc > 3 && (!strcasecmp(c->argv[0], "EVAL") || !strcasecmp(c->argv[0], "EVALSHA")))
        return atoi(c->argv[2]) > 0 ? c->argv[3] : NULL;
    return c->argc > 1 ? c->argv[1] : NULL;
}

/* The node a command goes to now. */
static struct node *target_of(struct kvsync *k, const struct kvsync_cmd *c,
                              const struct route *rt, char *err, size_t errlen)
{
    if (!k->cluster)
        return &k->nodes[0];
    if (rt->redirected)
        return node_for(k, &rt->to, err, errlen);
    const char *key = key_of(c);
    const struct slot_node *a = key ? slot_map_node(k->map, slot_of_key(key, strlen(key)))
                                    : &k->map->nodes[0];
    if (!a) {
        snprintf(err, errlen, "no Redis Cluster master serves the slot of '%s' (a failover "
                 "in progress?)", key);
        return NULL;
    }
    return node_for(k, a, err, errlen);
}

/* Frees what was collected, on a failure. */
static int fail_all(redisReply **replies, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        freeReplyObject(replies[i]);
        replies[i] = NULL;
    }
    return -1;
}

int kvsync_pipeline(struct kvsync *k, size_t n, const struct kvsync_cmd *cmds,
                    redisReply **replies, char *err, size_t errlen)
{
    struct route *rt = calloc(n ? n : 1, sizeof(*rt));
    struct node **to = calloc(n ? n : 1, sizeof(*to));
    if (!rt || !to) {
        free(rt);
        free(to);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    int rc = -1;
    size_t pending = n;
    for (int round = 0; pending > 0; round++) {
        if (round > KVSYNC_MAX_REDIRECTS) {
            snprintf(err, errlen, "Redis Cluster redirections did not settle after %d rounds "
                     "(slots moving?)", KVSYNC_MAX_REDIRECTS);
            goto out;
        }
        /* Send: every command still without a reply to its node, ASKING before an ASK. */
        for (size_t i = 0; i < n; i++) {
            if (replies[i])
                continue;
            if (!(to[i] = target_of(k, &cmds[i], &rt[i], err, errlen)))
                goto out;
            if ((rt[i].ask && redisAppendCommand(to[i]->c, "ASKING") != REDIS_OK) ||
                redisAppendCommandArgv(to[i]->c, cmds[i].argc, (const char **)cmds[i].argv,
                                       NULL) != REDIS_OK) {
                snprintf(err, errlen, "redis %s:%d: %s", to[i]->addr.host, to[i]->addr.port,
                         to[i]->c->errstr);
                goto out;
            }
        }
        /* Receive, in the order sent on each connection (the same order as above). */
        int refresh = 0;
        size_t waiting = pending;
        pending = 0;
        for (size_t i = 0; i < n && waiting; i++) {
            if (replies[i])
                continue;
            waiting--;
            redisReply *r = NULL;
            if (rt[i].ask) {
                if (redisGetReply(to[i]->c, (void **)&r) != REDIS_OK)
                    goto broken;
                freeReplyObject(r);
                r = NULL;
            }
            if (redisGetReply(to[i]->c, (void **)&r) != REDIS_OK || !r)
                goto broken;
            struct slot_redirect rd;
            if (k->cluster && r->type == REDIS_REPLY_ERROR && slot_parse_redirect(r->str, &rd) == 1) {
                k->redirects++;
                rt[i] = (struct route){rd.to, rd.ask, 1};
                refresh |= !rd.ask;
                freeReplyObject(r);
                pending++;
                continue;
            }
            rt[i] = (struct route){0};
            replies[i] = r;
            continue;
        broken:
            snprintf(err, errlen, "redis %s:%d: %s", to[i]->addr.host, to[i]->addr.port,
                     to[i]->c->errstr[0] ? to[i]->c->errstr : "no reply");
            goto out;
        }
        if (refresh && refresh_map(k, err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        fail_all(replies, n);
    free(rt);
    free(to);
    return rc;
}
