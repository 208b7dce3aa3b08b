/* kv.c -- hiredis async on our loop (adapter modelled on hiredis adapters/ae.h): a connection
 * per server, each reconnecting with capped backoff and loading the scripts (SHA1, with the
 * NOSCRIPT fallback); on a Redis Cluster, calls routed to the master of their key's slot.
 *
 * The connection to what --redis names (the seed) finds out, with CLUSTER SLOTS, whether the
 * server is a cluster node. On a cluster every master gets a connection when a call first
 * needs it; MOVED sends the call again to the node named and reads the slot map afresh, ASK
 * sends it once after ASKING. A connection that fails makes the map be read again from a
 * node that answers, so that a promoted replica takes its master's slots; one whose server is
 * no master any more is retired. */
#include "kv.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "log.h"
#include "loop.h"
#include "reach.h"
#include "slot.h"

#define KV_RECONNECT_MIN_MS 200
#define KV_RECONNECT_MAX_MS 10000
#define KV_CONNS_MAX (2 * SLOT_NODES_MAX) /* masters, and servers a redirection named */
#define KV_SCRIPTS_MAX 16
#define KV_MAX_REDIRECTS 5             /* for one call; more is an error, not a loop */

struct kv_conn {
    struct kv *kv;
    struct kv_endpoint ep;      /* this connection's server */
    int seed;                   /* the connection to what --redis names */
    redisAsyncContext *ac;      /* NULL while disconnected */
    int ready;                  /* connected and authenticated */
    int fd;                     /* the context's socket, -1 when none */
    int reading, writing;       /* what the adapter watches */
    struct loop_timer reconnect_timer;
    uint64_t backoff_ms;        /* the last reconnect delay; 0 once connected */
    int retired;                /* no master any more: not reconnected, freed with kv */
    char sha[KV_SCRIPTS_MAX][41]; /* per script: "" until SCRIPT LOAD answered here */
    struct reach_failures failures; /* for the log, on connections other than the seed */
};

struct kv_script {
    struct kv_script *next;
    const char *source;         /* borrowed: a string constant */
    int index;                  /* into kv_conn.sha */
};

struct kv {
    struct loop *loop;
    struct kv_target target;    /* what --redis names */
    const char *origin;         /* where the URL came from ("--redis", ...), borrowed */
    struct kv_script *scripts;  /* registered, loaded on every connect */
    int nscripts;
    struct kv_conn *conns[KV_CONNS_MAX]; /* [0] is the seed */
    size_t nconns;
    int cluster;                /* the seed said CLUSTER SLOTS: route by slot */
    struct slot_map *map;       /* cluster only */
    int refreshing;             /* a CLUSTER SLOTS is on its way */
    unsigned long long redirects;
    int freeing;
    int reached;                /* ready at least once */
    char error[1280];           /* the seed's last failure; "" after a success */
    struct reach_failures failures; /* the seed's, since its last success */
};

/* One kv_eval in flight. The arguments are kept so that a NOSCRIPT answer, or a redirection,
 * can send the call again. */
struct kv_call {
    struct kv *kv;
    struct kv_conn *conn;       /* sent on */
    struct kv_script *script;
    kv_reply_fn *cb;
    void *arg;
    int replayed;               /* sent again as EVAL after NOSCRIPT */
    int redirects;
    size_t argc;                /* "EVALSHA", sha, nkeys, keys..., args... */
    char **argv;
    size_t *argvlen;
};

static void connect_now(struct kv_conn *c);
static int call_send(struct kv_call *call, struct kv_conn *c, int by_source, int asking);
static void refresh_map(struct kv *kv);

/* -- adapter -- */

static void on_redis_io(struct loop *l, int fd, int events, void *arg)
{
    struct kv_conn *c = arg;
    (void)l;
    (void)fd;
    /* Read first; a read can free the context (disconnect), so a pending write waits for the
     * next iteration (level-triggered, it fires again). */
    if (events & (LOOP_READ | LOOP_ERROR))
        redisAsyncHandleRead(c->ac);
    else if (events & LOOP_WRITE)
        redisAsyncHandleWrite(c->ac);
}

static void update_watch(struct kv_conn *c)
{
    int events = (c->reading ? LOOP_READ : 0) | (c->writing ? LOOP_WRITE : 0);
    if (events)
        loop_watch(c->kv->loop, c->fd, events, on_redis_io, c);
    else
        loop_unwatch(c->kv->loop, c->fd);
}

static void add_read(void *p) { struct kv_conn *c = p; c->reading = 1; update_watch(c); }
static void del_read(void *p) { struct kv_conn *c = p; c->reading = 0; update_watch(c); }
static void add_write(void *p) { struct kv_conn *c = p; c->writing = 1; update_watch(c); }
static void del_write(void *p) { struct kv_conn *c = p; c->writing = 0; update_watch(c); }

static void cleanup(void *p)
{
    struct kv_conn *c = p;
    /* hiredis calls this before the context is gone, also after a failed connect. */
    loop_unwatch(c->kv->loop, c->fd);
    c->fd = -1;
    c->reading = c->writing = 0;
}

/* -- connections -- */

static void on_reconnect_timer(struct loop *l, void *arg)
{
    (void)l;
    connect_now(arg);
}

static void schedule_reconnect(struct kv_conn *c)
{
    c->ac = NULL;
    c->ready = 0;
    for (int i = 0; i < KV_SCRIPTS_MAX; i++)
        c->sha[i][0] = '\0';
    if (c->kv->freeing || c->retired)
        return;
    c->backoff_ms = backoff_next(c->backoff_ms, KV_RECONNECT_MIN_MS, KV_RECONNECT_MAX_MS);
    loop_timer_start(c->kv->loop, &c->reconnect_timer, c->backoff_ms);
    /* A master gone may have a promoted replica by now: ask the others where its slots are. */
    if (c->kv->cluster)
        refresh_map(c->kv);
}

/* Keeps the failure and logs it, sparingly (reach_failed). */
static void connect_failed(struct kv_conn *c, const char *why)
{
    struct kv *kv = c->kv;
    if (c->seed)
        snprintf(kv->error, sizeof(kv->error), "%s", why);
    reach_failed(c->seed ? &kv->failures : &c->failures, "redis connect failed",
                 "redis still unreachable", why,
                 kv->reached ? "retrying; no fetches for its hosts until it is back"
                             : "retrying");
}

/* SCRIPT LOAD's answer: the script's SHA1 on this connection. */
struct script_load {
    struct kv_conn *c;
    int index;
};

static void on_script_loaded(redisAsyncContext *ac, void *r, void *privdata)
{
    struct script_load *sl = privdata;
    const redisReply *reply = r;
    (void)ac;
    if (reply && reply->type == REDIS_REPLY_STRING && reply->len == 40)
        memcpy(sl->c->sha[sl->index], reply->str, 41);
    free(sl);
}

static void load_script(struct kv_conn *c, const struct kv_script *sc)
{
    struct script_load *sl = malloc(sizeof(*sl));
    if (!sl)
        return; /* calls send the source instead */
    *sl = (struct script_load){c, sc->index};
    if (redisAsyncCommand(c->ac, on_script_loaded, sl, "SCRIPT LOAD %s", sc->source) != REDIS_OK)
        free(sl);
}

/* The connection to the server at host:port, made (and connecting) when first needed. */
static struct kv_conn *conn_for(struct kv *kv, const char *host, int port)
{
    for (size_t i = 0; i < kv->nconns; i++)
        if (kv->conns[i]->ep.port == port && strcmp(kv->conns[i]->ep.host, host) == 0) {
            struct kv_conn *c = kv->conns[i];
            if (c->retired) {
                /* A master again (slots came back to it). */
                c->retired = 0;
                if (!c->ac)
                    connect_now(c);
            }
            return c;
        }
    if (kv->nconns == KV_CONNS_MAX)
        return NULL;
    struct kv_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->kv = kv;
    c->fd = -1;
    c->ep = kv->target.ep; /* the password; db is 0 on a cluster */
    snprintf(c->ep.host, sizeof(c->ep.host), "%s", host);
    c->ep.port = port;
    loop_timer_init(&c->reconnect_timer, on_reconnect_timer, c);
    kv->conns[kv->nconns++] = c;
    connect_now(c);
    return c;
}

/* A new slot map: masters no longer in it stop reconnecting. */
static void adopt_map(struct kv *kv, const struct slot_map *m)
{
    if (!kv->cluster)
        LOG_I("redis cluster", "masters=%zu via=%s:%d", m->nnodes, kv->conns[0]->ep.host,
              kv->conns[0]->ep.port);
    kv->cluster = 1;
    *kv->map = *m;
    for (size_t i = 1; i < kv->nconns; i++) {
        struct kv_conn *c = kv->conns[i];
        int master = 0;
        for (size_t n = 0; n < m->nnodes && !master; n++)
            master = m->nodes[n].port == c->ep.port && strcmp(m->nodes[n].host, c->ep.host) == 0;
        if (!master && !c->retired) {
            c->retired = 1;
            loop_timer_stop(kv->loop, &c->reconnect_timer);
        }
    }
}

static void on_cluster_slots(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv_conn *c = privdata;
    struct kv *kv = c->kv;
    const redisReply *reply = r;
    (void)ac;
    kv->refreshing = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || kv->freeing)
        return; /* not a cluster (an error reply), or the connection went */
    struct slot_map *m = malloc(sizeof(*m));
    struct slot_node asked = {.port = c->ep.port}; /* "?" or "" in the map: this node */
    snprintf(asked.host, sizeof(asked.host), "%s", c->ep.host);
    char err[256];
    if (m && (kv->map || (kv->map = malloc(sizeof(*kv->map)))) &&
        slot_map_from_reply(reply, &asked, m, err, sizeof(err)) == 0) {
        adopt_map(kv, m);
    } else if (m) {
        LOG_W("redis cluster map unreadable", "err=\"%s\"", err);
    }
    free(m);
}

/* Asks a connected node for the slot map (one request at a time). */
static void refresh_map(struct kv *kv)
{
    if (kv->refreshing || kv->freeing)
        return;
    for (size_t i = 0; i < kv->nconns; i++) {
        struct kv_conn *c = kv->conns[i];
        if (c->ready && !c->retired &&
            redisAsyncCommand(c->ac, on_cluster_slots, c, "CLUSTER SLOTS") == REDIS_OK) {
            kv->refreshing = 1;
            return;
        }
    }
}

static void on_ready(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv_conn *c = privdata;
    struct kv *kv = c->kv;
    const redisReply *reply = r;
    if (!reply)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        char why[768];
        kv_explain(&c->ep, kv->origin, NULL, reply->str, why, sizeof(why));
        connect_failed(c, why);
        redisAsyncDisconnect(ac);
        return;
    }
    if (!c->ready)
        LOG_I("redis connected", "host=%s port=%d db=%d", c->ep.host, c->ep.port, c->ep.db);
    c->ready = 1;
    c->backoff_ms = 0;
    c->failures.count = 0;
    if (c->seed) {
        kv->reached = 1;
        kv->failures.count = 0;
        kv->error[0] = '\0';
    }
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct kv_conn *c = ac->data;
    if (status != REDIS_OK) {
        char why[768];
        connect_failed(c, kv_explain(&c->ep, c->kv->origin, ac->errstr, NULL, why, sizeof(why)));
        schedule_reconnect(c); /* hiredis frees the context after this callback */
    }
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct kv_conn *c = ac->data;
    if (status != REDIS_OK && !c->retired)
        LOG_W("redis disconnected", "host=%s port=%d err=\"%s\" (no fetches for its hosts "
              "until it is back)", c->ep.host, c->ep.port, ac->errstr);
    schedule_reconnect(c);
}

static void connect_now(struct kv_conn *c)
{
    struct kv *kv = c->kv;
    char why[1280];
    if (c->seed && kv_target_resolve(&kv->target, &c->ep, why, sizeof(why)) < 0) {
        connect_failed(c, why);
        schedule_reconnect(c);
        return;
    }
    if (c->seed && kv->target.sentinel)
        LOG_D("redis master", "host=%s port=%d", c->ep.host, c->ep.port);
    redisAsyncContext *ac = redisAsyncConnect(c->ep.host, c->ep.port);
    if (!ac || ac->err) {
        connect_failed(c, kv_explain(&c->ep, kv->origin, ac ? ac->errstr : "out of memory",
                                     NULL, why, sizeof(why)));
        if (ac)
            redisAsyncFree(ac);
        schedule_reconnect(c);
        return;
    }
    c->ac = ac;
    c->fd = ac->c.fd;
    ac->data = c;
    ac->ev.data = c;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    /* Commands queue until the connection is up; hiredis writes them in order. */
    if (c->ep.password[0])
        redisAsyncCommand(ac, NULL, NULL, "AUTH %s", c->ep.password);
    for (const struct kv_script *sc = kv->scripts; sc; sc = sc->next)
        load_script(c, sc);
    if (c->seed) {
        kv->refreshing = 1;
        redisAsyncCommand(ac, on_cluster_slots, c, "CLUSTER SLOTS");
    }
    /* SELECT 0 is allowed on a cluster node; another database is not, and says so. */
    redisAsyncCommand(ac, on_ready, c, "SELECT %d", c->ep.db);
}

struct kv *kv_new(struct loop *l, const char *url, const char *origin, char *err,
                  size_t errlen)
{
    struct kv *kv = calloc(1, sizeof(*kv));
    struct kv_conn *seed = calloc(1, sizeof(*seed));
    if (!kv || !seed) {
        free(kv);
        free(seed);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[256], redacted[256];
    if (kv_target_parse(url, &kv->target, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s '%s': %s", origin, log_redact_url(url, redacted,
                 sizeof(redacted)), why);
        free(kv);
        free(seed);
        return NULL;
    }
    kv->origin = origin;
    kv->loop = l;
    seed->kv = kv;
    seed->seed = 1;
    seed->fd = -1;
    seed->ep = kv->target.ep;
    loop_timer_init(&seed->reconnect_timer, on_reconnect_timer, seed);
    kv->conns[kv->nconns++] = seed;
    connect_now(seed);
    return kv;
}

void kv_free(struct kv *kv)
{
    if (!kv)
        return;
    kv->freeing = 1; /* callbacks run below must not send anything (kv_eval refuses) */
    for (size_t i = 0; i < kv->nconns; i++) {
        struct kv_conn *c = kv->conns[i];
        c->ready = 0;
        loop_timer_stop(kv->loop, &c->reconnect_timer);
        if (c->ac)
            redisAsyncFree(c->ac); /* runs pending callbacks with NULL, then cleanup */
    }
    for (size_t i = 0; i < kv->nconns; i++)
        free(kv->conns[i]);
    while (kv->scripts) {
        struct kv_script *next = kv->scripts->next;
        free(kv->scripts);
        kv->scripts = next;
    }
    free(kv->map);
    free(kv);
}

int kv_ready(const struct kv *kv)
{
    /* On a cluster, one master away leaves the others' hosts to work on. */
    if (kv->cluster)
        for (size_t i = 0; i < kv->nconns; i++)
            if (kv->conns[i]->ready && !kv->conns[i]->retired)
                return 1;
    return kv->conns[0]->ready;
}

int kv_reached(const struct kv *kv)
{
    return kv->reached;
}

const char *kv_error(const struct kv *kv)
{
    return kv->error;
}

int kv_is_cluster(const struct kv *kv)
{
    return kv->cluster;
}

unsigned long long kv_redirects(const struct kv *kv)
{
    return kv->redirects;
}

struct kv_script *kv_script_add(struct kv *kv, const char *source)
{
    if (kv->nscripts == KV_SCRIPTS_MAX)
        return NULL;
    struct kv_script *sc = calloc(1, sizeof(*sc));
    if (!sc)
        return NULL;
    sc->source = source;
    sc->index = kv->nscripts++;
    sc->next = kv->scripts;
    kv->scripts = sc;
    for (size_t i = 0; i < kv->nconns; i++)
        if (kv->conns[i]->ac)
            load_script(kv->conns[i], sc); /* queued behind the connect: sent in order */
    return sc;
}

/* -- calls -- */

static void call_free(struct kv_call *call)
{
    for (size_t i = 0; i < call->argc; i++)
        free(call->argv[i]);
    free(call->argv);
    free(call->argvlen);
    free(call);
}

/* Where a call goes: the seed, or on a cluster its first key's slot's master. */
static struct kv_conn *route(struct kv *kv, const char *key)
{
    if (!kv->cluster)
        return kv->conns[0];
    const struct slot_node *n = slot_map_node(kv->map, slot_of_key(key, strlen(key)));
    return n ? conn_for(kv, n->host, n->port) : NULL;
}

static void finish(struct kv_call *call, const redisReply *reply, const char *err)
{
    call->cb(reply, err, call->arg);
    call_free(call);
}

/* A MOVED or ASK answer: the call goes again to the node named. 0 when it was sent. */
static int follow_redirect(struct kv_call *call, const char *text)
{
    struct kv *kv = call->kv;
    struct slot_redirect rd;
    if (!kv->cluster || slot_parse_redirect(text, &rd) != 1)
        return -1;
    kv->redirects++;
    if (++call->redirects > KV_MAX_REDIRECTS) {
        LOG_E("redis redirections did not settle", "redirects=%d total=%llu last=\"%s\"",
              call->redirects, kv->redirects, text);
        return -1;
    }
    if (!rd.ask)
        refresh_map(kv); /* the map is old: later calls go straight to the right node */
    struct kv_conn *to = conn_for(kv, rd.to.host, rd.to.port);
    return to && to->ac ? call_send(call, to, 0, rd.ask) : -1;
}

static void on_eval_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv_call *call = privdata;
    const redisReply *reply = r;
    (void)ac;
    if (!reply) {
        finish(call, NULL, "redis connection lost");
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0 &&
        !call->replayed) {
        /* Redis restarted (or flushed its scripts) since SCRIPT LOAD: send the source this
         * once, and load it again for the calls that follow. */
        call->conn->sha[call->script->index][0] = '\0';
        load_script(call->conn, call->script);
        call->replayed = 1;
        if (call_send(call, call->conn, 1, 0) < 0)
            finish(call, NULL, "script: NOSCRIPT, and sending its source failed");
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR &&
        (strncmp(reply->str, "MOVED ", 6) == 0 || strncmp(reply->str, "ASK ", 4) == 0)) {
        char text[300];
        snprintf(text, sizeof(text), "%s", reply->str);
        if (follow_redirect(call, text) < 0) {
            char why[340];
            snprintf(why, sizeof(why), "script: %s (could not follow)", text);
            finish(call, NULL, why);
        }
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        char why[256];
        snprintf(why, sizeof(why), "script: %s", reply->str);
        finish(call, NULL, why);
        return;
    }
    finish(call, reply, NULL);
}

/* argv[0..1] are "EVALSHA" sha, or "EVAL" source when the hash is not known on c. */
static int call_send(struct kv_call *call, struct kv_conn *c, int by_source, int asking)
{
    struct kv_script *sc = call->script;
    const char *sha = c->sha[sc->index];
    free(call->argv[0]);
    free(call->argv[1]);
    call->argv[0] = strdup(by_source || !sha[0] ? "EVAL" : "EVALSHA");
    call->argv[1] = strdup(by_source || !sha[0] ? sc->source : sha);
    if (!call->argv[0] || !call->argv[1] || !c->ac)
        return -1;
    call->argvlen[0] = strlen(call->argv[0]);
    call->argvlen[1] = strlen(call->argv[1]);
    if (asking && redisAsyncCommand(c->ac, NULL, NULL, "ASKING") != REDIS_OK)
        return -1;
    call->conn = c;
    return redisAsyncCommandArgv(c->ac, on_eval_reply, call, (int)call->argc,
                                 (const char **)call->argv, call->argvlen) == REDIS_OK ? 0 : -1;
}

int kv_eval(struct kv *kv, struct kv_script *script, const char *const *keys, size_t nkeys,
            const char *const *args, size_t nargs, kv_reply_fn *cb, void *arg)
{
    if (kv->freeing)
        return -1;
    struct kv_conn *c = route(kv, nkeys ? keys[0] : "");
    if (!c || !c->ready || !c->ac)
        return -1;
    struct kv_call *call = calloc(1, sizeof(*call));
    if (!call)
        return -1;
    *call = (struct kv_call){.kv = kv, .script = script, .cb = cb, .arg = arg};
    call->argc = 3 + nkeys + nargs;
    call->argv = calloc(call->argc, sizeof(*call->argv));
    call->argvlen = calloc(call->argc, sizeof(*call->argvlen));
    if (!call->argv || !call->argvlen)
        goto fail;
    char n[24];
    snprintf(n, sizeof(n), "%zu", nkeys);
    call->argv[2] = strdup(n);
    for (size_t i = 0; i < nkeys + nargs; i++)
        call->argv[3 + i] = strdup(i < nkeys ? keys[i] : args[i - nkeys]);
    for (size_t i = 2; i < call->argc; i++) {
        if (!call->argv[i])
            goto fail;
        call->argvlen[i] = strlen(call->argv[i]);
    }
    if (call_send(call, c, 0, 0) < 0)
        goto fail;
    return 0;
fail:
    if (call->argv)
        call_free(call);
    else
        free(call);
    return -1;
}
