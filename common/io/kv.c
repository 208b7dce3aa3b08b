/* kv.c -- hiredis async on our loop (adapter modelled on hiredis adapters/ae.h), reconnects
 * with capped backoff, and the GCRA rate-limit script. */
#include "kv.h"

#include <curl/curl.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"

#define KV_RECONNECT_MIN_MS 200
#define KV_RECONNECT_MAX_MS 10000

/* GCRA ("virtual scheduling") with reservation: each call books the next free slot of the
 * host's schedule and answers how long to wait for it, so workers sleep on a timer instead
 * of polling Redis. The clock is Redis' own TIME, so workers' clocks never matter. Times are
 * microseconds (doubles hold them exactly until year 2255). The key expires once its
 * schedule is in the past, so idle hosts cost no memory.
 * KEYS[1] schedule key; ARGV: interval_us, burst, max_wait_us. */
static const char RATE_SCRIPT[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    "local interval = tonumber(ARGV[1])\n"
    "local tolerance = interval * (tonumber(ARGV[2]) - 1)\n"
    "local tat = tonumber(redis.call('GET', KEYS[1]) or now)\n"
    "if tat < now then tat = now end\n"
    "local wait = tat - tolerance - now\n"
    "if wait < 0 then wait = 0 end\n"
    "if wait > tonumber(ARGV[3]) then return -wait end\n"
    "local new_tat = tat + interval\n"
    "redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',\n"
    "           math.floor((new_tat - now) / 1000) + 1000)\n"
    "return wait\n";

struct kv {
    struct loop *loop;
    redisAsyncContext *ac;      /* NULL while disconnected */
    int ready;                  /* connected and authenticated */
    int fd;                     /* the context's socket, -1 when none */
    int reading, writing;       /* what the adapter watches */
    struct kv_endpoint ep;
    char rate_sha[41];          /* "" until SCRIPT LOAD answered */
    struct loop_timer reconnect_timer;
    uint64_t backoff_ms;
    int freeing;
};

struct kv_call {
    struct kv *kv;
    kv_rate_fn *cb;
    void *arg;
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
    kv->rate_sha[0] = '\0';
    if (kv->freeing)
        return;
    kv->backoff_ms = kv->backoff_ms ? kv->backoff_ms * 2 : KV_RECONNECT_MIN_MS;
    if (kv->backoff_ms > KV_RECONNECT_MAX_MS)
        kv->backoff_ms = KV_RECONNECT_MAX_MS;
    loop_timer_start(kv->loop, &kv->reconnect_timer, kv->backoff_ms);
}

static void on_script_loaded(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv *kv = privdata;
    redisReply *reply = r;
    (void)ac;
    if (reply && reply->type == REDIS_REPLY_STRING && reply->len == 40)
        memcpy(kv->rate_sha, reply->str, 41);
}

static void on_ready(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv *kv = privdata;
    redisReply *reply = r;
    (void)ac;
    if (!reply)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        LOG_E("redis setup failed", "host=%s port=%d err=\"%s\"", kv->ep.host, kv->ep.port,
              reply->str);
        redisAsyncDisconnect(kv->ac);
        return;
    }
    if (!kv->ready)
        LOG_I("redis connected", "host=%s port=%d db=%d", kv->ep.host, kv->ep.port, kv->ep.db);
    kv->ready = 1;
    kv->backoff_ms = 0;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct kv *kv = ac->data;
    if (status != REDIS_OK) {
        LOG_W("redis connect failed", "host=%s port=%d err=\"%s\" retry_ms=%llu", kv->ep.host,
              kv->ep.port, ac->errstr,
              (unsigned long long)(kv->backoff_ms ? kv->backoff_ms * 2 : KV_RECONNECT_MIN_MS));
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
    redisAsyncContext *ac = redisAsyncConnect(kv->ep.host, kv->ep.port);
    if (!ac || ac->err) {
        LOG_W("redis connect failed", "host=%s port=%d err=\"%s\"", kv->ep.host, kv->ep.port,
              ac ? ac->errstr : "out of memory");
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
    redisAsyncCommand(ac, on_script_loaded, kv, "SCRIPT LOAD %s", RATE_SCRIPT);
    redisAsyncCommand(ac, on_ready, kv, "SELECT %d", kv->ep.db);
}

int kv_parse_url(const char *url, struct kv_endpoint *ep, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *password = NULL, *path = NULL;
    int rc = -1;
    char redacted[256];
    log_redact_url(url, redacted, sizeof(redacted));
    if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        strcmp(scheme, "redis") != 0 || curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(err, errlen, "invalid Redis URL '%s': expected redis://[:password@]host:port/db",
                 redacted);
        goto out;
    }
    memset(ep, 0, sizeof(*ep));
    ep->port = 6379;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
        ep->port = atoi(port);
    if (curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE) == CURLUE_OK)
        snprintf(ep->password, sizeof(ep->password), "%s", password);
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") != 0) {
        char *end;
        long db = strtol(path + 1, &end, 10);
        if (*end || db < 0 || db > 1000000) {
            snprintf(err, errlen, "invalid Redis URL '%s': the path must be a database number",
                     redacted);
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

struct kv *kv_new(struct loop *l, const char *url, char *err, size_t errlen)
{
    struct kv *kv = calloc(1, sizeof(*kv));
    if (!kv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (kv_parse_url(url, &kv->ep, err, errlen) < 0) {
        free(kv);
        return NULL;
    }
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
    loop_timer_stop(kv->loop, &kv->reconnect_timer);
    if (kv->ac)
        redisAsyncFree(kv->ac); /* runs pending callbacks with NULL, then cleanup */
    free(kv);
}

int kv_ready(const struct kv *kv)
{
    return kv->ready;
}

static void on_rate_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct kv_call *call = privdata;
    redisReply *reply = r;
    (void)ac;
    if (!reply) {
        call->cb(0, "redis connection lost", call->arg);
    } else if (reply->type == REDIS_REPLY_INTEGER) {
        call->cb(reply->integer, NULL, call->arg);
    } else {
        char why[256];
        snprintf(why, sizeof(why), "rate script: %s",
                 reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply type");
        /* NOSCRIPT after a Redis restart: forget the hash; the next call sends the script. */
        if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0)
            call->kv->rate_sha[0] = '\0';
        call->cb(0, why, call->arg);
    }
    free(call);
}

int kv_rate_acquire(struct kv *kv, const char *prefix, const char *host, uint64_t interval_us,
                    unsigned burst, uint64_t max_wait_us, kv_rate_fn *cb, void *arg)
{
    if (!kv->ready || !kv->ac)
        return -1;
    struct kv_call *call = malloc(sizeof(*call));
    if (!call)
        return -1;
    *call = (struct kv_call){.kv = kv, .cb = cb, .arg = arg};
    char key[512];
    snprintf(key, sizeof(key), "%s:{%s}:rate", prefix, host);
    char interval[24], burst_s[16], max_wait[24];
    snprintf(interval, sizeof(interval), "%llu", (unsigned long long)interval_us);
    snprintf(burst_s, sizeof(burst_s), "%u", burst ? burst : 1);
    snprintf(max_wait, sizeof(max_wait), "%llu", (unsigned long long)max_wait_us);
    int st;
    if (kv->rate_sha[0])
        st = redisAsyncCommand(kv->ac, on_rate_reply, call, "EVALSHA %s 1 %s %s %s %s",
                               kv->rate_sha, key, interval, burst_s, max_wait);
    else
        st = redisAsyncCommand(kv->ac, on_rate_reply, call, "EVAL %s 1 %s %s %s %s",
                               RATE_SCRIPT, key, interval, burst_s, max_wait);
    if (st != REDIS_OK) {
        free(call);
        return -1;
    }
    return 0;
}
