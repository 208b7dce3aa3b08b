/* kv.c -- hiredis async on our loop (adapter modelled on hiredis adapters/ae.h), reconnects
 * with capped backoff, and scripts by SHA1 with the NOSCRIPT fallback. */
#include "kv.h"

#include <curl/curl.h>
#include <errno.h>
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

struct kv {
    struct loop *loop;
    redisAsyncContext *ac;      /* NULL while disconnected */
    int ready;                  /* connected and authenticated */
    int fd;                     /* the context's socket, -1 when none */
    int reading, writing;       /* what the adapter watches */
    struct kv_endpoint ep;      /* connected to, or being */
    struct kv_target target;    /* what --redis names */
    struct kv_script *scripts;  /* registered, loaded on every connect */
    struct loop_timer reconnect_timer;
    uint64_t backoff_ms;        /* the last reconnect delay; 0 once connected */
    int freeing;
    const char *origin;         /* where the URL came from ("--redis", ...), borrowed */
    int reached;                /* ready at least once */
    char error[1280];           /* the last failure's message; "" after a success */
    char fatal[512];            /* why this Redis cannot be used at all; "" when it can */
    struct reach_failures failures; /* since the last success, for the log */
};

struct kv_script {
    struct kv_script *next;
    const char *source;         /* borrowed: a string constant */
    char sha[41];               /* "" until SCRIPT LOAD answered on this connection */
};

/* One kv_eval in flight. The arguments are kept so that a NOSCRIPT answer can be replayed
 * with the script's source. */
struct kv_call {
    struct kv *kv;
    struct kv_script *script;
    kv_reply_fn *cb;
    void *arg;
    int replayed;               /* sent again as EVAL after NOSCRIPT */
    size_t argc;                /* "EVALSHA", sha, nkeys, keys..., args... */
    char **argv;
    size_t *argvlen;
};

/* -- adapter -- */

static void on_redis_io(struct loop *l, int fd, int events, void *arg)
{
    struct kv *kv = arg;
    (void)l;
    (void)fd;
    /* Read first; a read can free the context (disconnect), so a pending write waits for the
     * next iteration (level-triggered, it fires again). */
    if (events & (LOOP_READ | LOOP_ERROR))
        redisAsyncHandleRead(kv->ac);
    else if (events & LOOP_WRITE)
        redisAsyncHandleWrite(kv->ac);
}

static void update_watch(struct kv *kv)
{
    int fd = kv->fd;
    int events = (kv->reading ? LOOP_READ : 0) | (kv->writing ? LOOP_WRITE : 0);
    if (events)
        loop_watch(kv->loop, fd, events, on_redis_io, kv);
    else
        loop_unwatch(kv->loop, fd);
}

static void add_read(void *p) { struct kv *kv = p; kv->reading = 1; update_watch(kv); }
static void del_read(void *p) { struct kv *kv = p; kv->reading = 0; update_watch(kv); }
static void add_write(void *p) { struct kv *kv = p; kv->writing = 1; update_watch(kv); }
static void del_write(void *p) { struct kv *kv = p; kv->writing = 0; update_watch(kv); }

static void cleanup(void *p)
{
    struct kv *kv = p;
    /* hiredis calls this before the context is gone, also after a failed connect. */
    loop_unwatch(kv->loop, kv->fd);
    kv->fd = -1;
    kv->reading = kv->writing = 0;
}

/* -- connection lifecycle -- */

static void connect_now(struct kv *kv);

static void on_reconnect_timer(struct loop *l, void *arg)
{
    (void)l;
    connect_now(arg);
}

static void schedule_reconnect(struct kv *kv)
{
    kv->ac = NULL;
    kv->ready = 0;
    for (struct kv_script *sc = kv->scripts; sc; sc = sc->next)
        sc->sha[0] = '\0';
    if (kv->freeing || kv->fatal[0])
        return;
    kv->backoff_ms = backoff_next(kv->backoff_ms, KV_RECONNECT_MIN_MS, KV_RECONNECT_MAX_MS);
    loop_timer_start(kv->loop, &kv->reconnect_timer, kv->backoff_ms);
}

/* Keeps the failure for kv_error and logs it, sparingly (reach_failed). */
static void connect_failed(struct kv *kv, const char *why)
{
    snprintf(kv->error, sizeof(kv->error), "%s", why);
    reach_failed(&kv->failures, "redis connect failed", "redis still unreachable", why,
                 kv->reached ? "retrying; no fetches until it is back" : "retrying");
}

static void on_script_loaded(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv_script *sc = privdata;
    redisReply *reply = r;
    (void)ac;
    if (reply && reply->type == REDIS_REPLY_STRING && reply->len == 40)
        memcpy(sc->sha, reply->str, 41);
}

static void load_script(struct kv *kv, struct kv_script *sc)
{
    redisAsyncCommand(kv->ac, on_script_loaded, sc, "SCRIPT LOAD %s", sc->source);
}

/* A Redis Cluster of several masters would answer MOVED for the keys of other masters' slots:
 * this client does not route by slot (kvsync.c does, for the producer), so it says so and
 * stops instead of retrying those for ever. One master holding every slot is fine. */
static void on_cluster_slots(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv *kv = privdata;
    const redisReply *reply = r;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        return; /* not a cluster (an error reply), or the connection went */
    struct slot_map *map = malloc(sizeof(*map));
    char err[256];
    if (map && slot_map_from_reply(reply, NULL, map, err, sizeof(err)) == 0 && map->nnodes > 1) {
        snprintf(kv->fatal, sizeof(kv->fatal), "Redis at %s:%d is a Redis Cluster of %zu "
                 "masters; the worker's Redis client does not route by slot yet: give workers "
                 "one Redis, or a master and replicas through redis-sentinel:// (the producer "
                 "may use the cluster)", kv->ep.host, kv->ep.port, map->nnodes);
        redisAsyncDisconnect(ac); /* the owner sees kv_fatal and says it */
    }
    free(map);
}

static void on_ready(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv *kv = privdata;
    redisReply *reply = r;
    (void)ac;
    if (!reply)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        char why[768];
        kv_explain(&kv->ep, kv->origin, NULL, reply->str, why, sizeof(why));
        connect_failed(kv, why);
        redisAsyncDisconnect(kv->ac);
        return;
    }
    if (!kv->ready)
        LOG_I("redis connected", "host=%s port=%d db=%d", kv->ep.host, kv->ep.port, kv->ep.db);
    kv->ready = 1;
    kv->reached = 1;
    kv->backoff_ms = 0;
    kv->failures.count = 0;
    kv->error[0] = '\0';
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct kv *kv = ac->data;
    if (status != REDIS_OK) {
        char why[768];
        connect_failed(kv, kv_explain(&kv->ep, kv->origin, ac->errstr, NULL, why, sizeof(why)));
        schedule_reconnect(kv); /* hiredis frees the context after this callback */
    }
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct kv *kv = ac->data;
    if (status != REDIS_OK)
        LOG_W("redis disconnected", "host=%s port=%d err=\"%s\" (no fetches until it is back)",
              kv->ep.host, kv->ep.port, ac->errstr);
    schedule_reconnect(kv);
}

static void connect_now(struct kv *kv)
{
    char why[1280];
    if (kv_target_resolve(&kv->target, &kv->ep, why, sizeof(why)) < 0) {
        connect_failed(kv, why);
        schedule_reconnect(kv);
        return;
    }
    if (kv->target.sentinel)
        LOG_D("redis master", "host=%s port=%d", kv->ep.host, kv->ep.port);
    redisAsyncContext *ac = redisAsyncConnect(kv->ep.host, kv->ep.port);
    if (!ac || ac->err) {
        connect_failed(kv, kv_explain(&kv->ep, kv->origin, ac ? ac->errstr : "out of memory",
                                      NULL, why, sizeof(why)));
        if (ac)
            redisAsyncFree(ac);
        schedule_reconnect(kv);
        return;
    }
    kv->ac = ac;
    kv->fd = ac->c.fd;
    ac->data = kv;
    ac->ev.data = kv;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    /* Commands queue until the connection is up; hiredis writes them in order. */
    if (kv->ep.password[0])
        redisAsyncCommand(ac, NULL, NULL, "AUTH %s", kv->ep.password);
    for (struct kv_script *sc = kv->scripts; sc; sc = sc->next)
        load_script(kv, sc);
    redisAsyncCommand(ac, on_cluster_slots, kv, "CLUSTER SLOTS");
    redisAsyncCommand(ac, on_ready, kv, "SELECT %d", kv->ep.db);
}

int kv_parse_url(const char *url, struct kv_endpoint *ep, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *password = NULL, *path = NULL;
    int rc = -1;
    if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        strcmp(scheme, "redis") != 0 || curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        !host[0]) {
        snprintf(err, errlen, "expected redis://[:PASSWORD@]HOST[:PORT][/DB]");
        goto out;
    }
    memset(ep, 0, sizeof(*ep));
    ep->port = 6379;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
        ep->port = atoi(port);
    if (ep->port < 1 || ep->port > 65535) {
        snprintf(err, errlen, "expected redis://[:PASSWORD@]HOST[:PORT][/DB] with PORT from 1 "
                 "to 65535");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE) == CURLUE_OK)
        snprintf(ep->password, sizeof(ep->password), "%s", password);
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") != 0) {
        char *end;
        long db = strtol(path + 1, &end, 10);
        if (!path[1] || *end || db < 0 || db > 1000000) {
            snprintf(err, errlen, "expected redis://[:PASSWORD@]HOST[:PORT][/DB] with DB a "
                     "database number");
            goto out;
        }
        ep->db = (int)db;
    }
    /* IPv6 literals come back bracketed; hiredis wants the bare address. */
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2)
        snprintf(ep->host, sizeof(ep->host), "%.*s", (int)(hl - 2), host + 1);
    else
        snprintf(ep->host, sizeof(ep->host), "%s", host);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(password);
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

const char *kv_explain(const struct kv_endpoint *ep, const char *origin, const char *errstr,
                       const char *refused, char *buf, size_t buflen)
{
    const char *flag = "--" KV_URL_FLAG, *env = KV_URL_ENV;
    if (!refused) {
        const struct reach_target t = {"Redis", ep->host, ep->port, origin, flag, env};
        return reach_explain(&t, reach_errno_of(errstr), errstr, buf, buflen);
    }
    /* With a wrong password, AUTH's answer goes nowhere and the SELECT after it is refused
     * with NOAUTH; a Redis 6 ACL answers WRONGPASS. */
    int auth = strncmp(refused, "NOAUTH", 6) == 0 || strncmp(refused, "WRONGPASS", 9) == 0 ||
               strstr(refused, "invalid password") != NULL;
    if (auth && ep->password[0])
        snprintf(buf, buflen, "Redis at %s:%d (from %s) refused the password (the password is "
                 "not shown): %s — check :PASSWORD@ in %s or %s", ep->host, ep->port, origin,
                 refused, flag, env);
    else if (auth)
        snprintf(buf, buflen, "Redis at %s:%d (from %s) wants a password: %s — give it as "
                 "redis://:PASSWORD@HOST:PORT/DB in %s or %s", ep->host, ep->port, origin,
                 refused, flag, env);
    else if (strstr(refused, "without any password configured"))
        snprintf(buf, buflen, "Redis at %s:%d (from %s) has no password set, but the URL gives "
                 "one (not shown) — remove :PASSWORD@ from %s or %s", ep->host, ep->port,
                 origin, flag, env);
    else if (strstr(refused, "DB index"))
        snprintf(buf, buflen, "Redis at %s:%d (from %s) has no database %d: %s — check /DB in "
                 "%s or %s", ep->host, ep->port, origin, ep->db, refused, flag, env);
    else
        snprintf(buf, buflen, "Redis at %s:%d (from %s) refused the connection's set-up: %s",
                 ep->host, ep->port, origin, refused);
    return buf;
}

int kv_target_parse(const char *url, struct kv_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (!sentinel_url_is(url))
        return kv_parse_url(url, &t->ep, err, errlen);
    t->sentinel = 1;
    if (sentinel_parse_url(url, &t->st, err, errlen) < 0)
        return -1;
    snprintf(t->ep.password, sizeof(t->ep.password), "%s", t->st.password);
    t->ep.db = t->st.db;
    return 0;
}

int kv_target_resolve(const struct kv_target *t, struct kv_endpoint *ep, char *err,
                      size_t errlen)
{
    *ep = t->ep;
    if (!t->sentinel)
        return 0;
    struct sentinel_addr master;
    char why[1024];
    if (sentinel_find_master(&t->st, SENTINEL_TIMEOUT_MS, &master, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "no Redis master '%s' from Sentinel: %s", t->st.master_name, why);
        return -1;
    }
    snprintf(ep->host, sizeof(ep->host), "%s", master.host);
    ep->port = master.port;
    return 0;
}

struct kv *kv_new(struct loop *l, const char *url, const char *origin, char *err,
                  size_t errlen)
{
    struct kv *kv = calloc(1, sizeof(*kv));
    if (!kv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[256], redacted[256];
    if (kv_target_parse(url, &kv->target, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s '%s': %s", origin, log_redact_url(url, redacted,
                 sizeof(redacted)), why);
        free(kv);
        return NULL;
    }
    kv->origin = origin;
    kv->loop = l;
    kv->fd = -1;
    loop_timer_init(&kv->reconnect_timer, on_reconnect_timer, kv);
    connect_now(kv);
    return kv;
}

void kv_free(struct kv *kv)
{
    if (!kv)
        return;
    kv->freeing = 1;
    kv->ready = 0; /* callbacks run below must not send anything */
    loop_timer_stop(kv->loop, &kv->reconnect_timer);
    if (kv->ac)
        redisAsyncFree(kv->ac); /* runs pending callbacks with NULL, then cleanup */
    while (kv->scripts) {
        struct kv_script *next = kv->scripts->next;
        free(kv->scripts);
        kv->scripts = next;
    }
    free(kv);
}

int kv_ready(const struct kv *kv)
{
    return kv->ready;
}

int kv_reached(const struct kv *kv)
{
    return kv->reached;
}

const char *kv_error(const struct kv *kv)
{
    return kv->error;
}

const char *kv_fatal(const struct kv *kv)
{
    return kv->fatal[0] ? kv->fatal : NULL;
}

struct kv_script *kv_script_add(struct kv *kv, const char *source)
{
    struct kv_script *sc = calloc(1, sizeof(*sc));
    if (!sc)
        return NULL;
    sc->source = source;
    sc->next = kv->scripts;
    kv->scripts = sc;
    if (kv->ac)
        load_script(kv, sc); /* queued behind the connect: hiredis sends in order */
    return sc;
}

static void call_free(struct kv_call *call)
{
    for (size_t i = 0; i < call->argc; i++)
        free(call->argv[i]);
    free(call->argv);
    free(call->argvlen);
    free(call);
}

/* argv[0..1] are "EVALSHA" sha, or "EVAL" source when the hash is not known. */
static int call_send(struct kv_call *call, int by_source);

static void on_eval_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv_call *call = privdata;
    redisReply *reply = r;
    (void)ac;
    if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0 &&
        !call->replayed) {
        /* Redis restarted (or flushed its scripts) since SCRIPT LOAD: send the source this
         * once, and load it again for the calls that follow. */
        call->script->sha[0] = '\0';
        load_script(call->kv, call->script);
        call->replayed = 1;
        if (call_send(call, 1) == 0)
            return;
        call->cb(NULL, "script: NOSCRIPT, and sending its source failed", call->arg);
    } else if (!reply) {
        call->cb(NULL, "redis connection lost", call->arg);
    } else if (reply->type == REDIS_REPLY_ERROR) {
        char why[256];
        snprintf(why, sizeof(why), "script: %s", reply->str);
        call->cb(NULL, why, call->arg);
    } else {
        call->cb(reply, NULL, call->arg);
    }
    call_free(call);
}

static int call_send(struct kv_call *call, int by_source)
{
    struct kv_script *sc = call->script;
    free(call->argv[0]);
    free(call->argv[1]);
    call->argv[0] = strdup(by_source || !sc->sha[0] ? "EVAL" : "EVALSHA");
    call->argv[1] = strdup(by_source || !sc->sha[0] ? sc->source : sc->sha);
    if (!call->argv[0] || !call->argv[1] || !call->kv->ac)
        return -1;
    call->argvlen[0] = strlen(call->argv[0]);
    call->argvlen[1] = strlen(call->argv[1]);
    return redisAsyncCommandArgv(call->kv->ac, on_eval_reply, call, (int)call->argc,
                                 (const char **)call->argv, call->argvlen) == REDIS_OK ? 0 : -1;
}

int kv_eval(struct kv *kv, struct kv_script *script, const char *const *keys, size_t nkeys,
            const char *const *args, size_t nargs, kv_reply_fn *cb, void *arg)
{
    if (!kv->ready || !kv->ac)
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
    if (call_send(call, 0) < 0)
        goto fail;
    return 0;
fail:
    if (call->argv)
        call_free(call);
    else
        free(call);
    return -1;
}
