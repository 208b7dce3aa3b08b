/* broker.c -- an AMQP connection with one channel, on rabbitmq-c 0.11. See broker.h for how
 * a blocking library is driven from a non-blocking loop. */
#include "broker.h"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reach.h"
#include "retry.h"

#define BROKER_CHANNEL 1
#define BROKER_QUERY_CHANNEL 2  /* passive declares; a 404 there leaves channel 1 alone */
/* broker_publish_copy's, in confirm mode: the consuming channel stays as it is, and copies
 * are numbered apart from broker_publish's. */
#define BROKER_COPY_CHANNEL 3
#define BROKER_FRAME_MAX 131072
#define BROKER_DRAIN_MAX_FRAMES 512 /* per call, so one busy connection cannot starve the loop */

struct broker {
    amqp_connection_state_t conn;
    char url_redacted[256];
    int consuming;              /* deliveries may arrive: from basic.consume to cancel-ok */
    int cancelled;              /* basic.cancel sent */
    char consumer_tag[256];     /* the broker's name for our consumer; basic.cancel needs it */
    int query_channel_open;
    int confirm_mode;
    uint64_t next_seq;          /* confirm sequence number of the next publish */
    int copy_channel_open;      /* BROKER_COPY_CHANNEL, in confirm mode */
    uint64_t next_copy_seq;     /* ... and its next confirm sequence number */
    char content_type[128];     /* of the delivery being handed out */
    char error[512];            /* "" while healthy */
};

static void reply_text(amqp_rpc_reply_t r, char *buf, size_t len)
{
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        snprintf(buf, len, "ok");
        return;
    case AMQP_RESPONSE_NONE:
        snprintf(buf, len, "missing RPC reply");
        return;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        snprintf(buf, len, "%s", amqp_error_string2(r.library_error));
        return;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            const amqp_connection_close_t *m = r.reply.decoded;
            snprintf(buf, len, "connection closed by broker: %u %.*s", m->reply_code,
                     (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        } else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            const amqp_channel_close_t *m = r.reply.decoded;
            snprintf(buf, len, "channel closed by broker: %u %.*s", m->reply_code,
                     (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        } else {
            snprintf(buf, len, "unexpected broker method 0x%08x", r.reply.id);
        }
        return;
    }
    snprintf(buf, len, "unknown reply type %d", (int)r.reply_type);
}

/* Records the first failure: later ones are consequences of it. */
static int fail(struct broker *b, const char *what, const char *why)
{
    if (!b->error[0])
        snprintf(b->error, sizeof(b->error), "%.200s: %.300s", what, why);
    return -1;
}

/* Fails with the reply's text in err and in the broker's error. */
static int rpc_failed(struct broker *b, amqp_rpc_reply_t r, const char *what, char *err,
                      size_t errlen)
{
    char why[384];
    reply_text(r, why, sizeof(why));
    fail(b, what, why);
    /* A long reply is cut: its start names the cause. */
    snprintf(err, errlen, "amqp %s on %s: %.200s", what, b->url_redacted, why);
    return -1;
}

static int check_rpc(struct broker *b, const char *what, char *err, size_t errlen)
{
    amqp_rpc_reply_t r = amqp_get_rpc_reply(b->conn);
    return r.reply_type == AMQP_RESPONSE_NORMAL ? 0 : rpc_failed(b, r, what, err, errlen);
}

/* check_rpc for calls that also return the decoded reply: a normal reply type with no method
 * (rabbitmq-c returns NULL when it could not send) must fail with a message too. Every -1
 * from here has written err. */
static int check_rpc_ok(struct broker *b, const void *ok, const char *what, char *err,
                        size_t errlen)
{
    if (check_rpc(b, what, err, errlen) < 0)
        return -1;
    if (ok)
        return 0;
    fail(b, what, "no reply from the broker");
    snprintf(err, errlen, "amqp %s on %s: no reply from the broker", what, b->url_redacted);
    return -1;
}

int broker_check_url(const char *url, char *err, size_t errlen)
{
    struct amqp_connection_info ci;
    char *copy = strdup(url);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* amqp_parse_url takes 0 as a port, and connect would then fail with a socket error. */
    int ok = amqp_parse_url(copy, &ci) == AMQP_STATUS_OK && ci.port > 0;
    free(copy);
    if (!ok) {
        snprintf(err, errlen, "expected amqp://USER:PASS@HOST:PORT[/VHOST] (amqps:// for TLS; "
                 "PORT from 1 to 65535)");
        return -1;
    }
    return 0;
}

/* The socket could not be opened: say why, and what to check. */
static void connect_error(const struct amqp_connection_info *ci, const char *origin, int st,
                          int timeout_ms, char *err, size_t errlen)
{
    const struct reach_target t = {"RabbitMQ", ci->host, ci->port, origin, "--" BROKER_URL_FLAG,
                                   BROKER_URL_ENV};
    int errnum = 0;
    if (st == AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED)
        errnum = REACH_EDNS;
    else if (st == AMQP_STATUS_TIMEOUT)
        errnum = ETIMEDOUT;
    else if (st == AMQP_STATUS_SOCKET_ERROR || st == AMQP_STATUS_TCP_ERROR)
        /* rabbitmq-c 0.11 keeps no errno for a failed connect (SO_ERROR is read and dropped):
         * try once more ourselves to learn refused from unreachable. Refused answers at
         * once; the rest is bounded. */
        errnum = reach_probe(ci->host, ci->port, timeout_ms < 3000 ? timeout_ms : 3000);
    char detail[256];
    if (ci->ssl && st != AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED && errnum <= 0)
        snprintf(detail, sizeof(detail), "%s (amqps://: is TLS enabled on that port?)",
                 amqp_error_string2(st));
    else
        snprintf(detail, sizeof(detail), "%s", amqp_error_string2(st));
    /* The probe connected: the failure was not the TCP connection itself. */
    reach_explain(&t, errnum > 0 || errnum == REACH_EDNS ? errnum : 0, detail, err, errlen);
}

/* Login failed: bad credentials and an unknown vhost are the usual causes, and neither shows
 * as such in rabbitmq-c's text. */
static void login_error(const struct amqp_connection_info *ci, const char *origin,
                        amqp_rpc_reply_t r, char *err, size_t errlen)
{
    char why[384];
    reply_text(r, why, sizeof(why));
    const char *flag = "--" BROKER_URL_FLAG, *env = BROKER_URL_ENV;
    unsigned code = 0;
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CONNECTION_CLOSE_METHOD)
        code = ((const amqp_connection_close_t *)r.reply.decoded)->reply_code;
    if (code == AMQP_ACCESS_REFUSED)
        snprintf(err, errlen, "cannot log in to RabbitMQ at %s:%d (from %s) as user '%s': the "
                 "broker refused the user name or password (the password is not shown) — check "
                 "USER:PASS in %s or %s", ci->host, ci->port, origin, ci->user, flag, env);
    else if (code == AMQP_NOT_ALLOWED)
        snprintf(err, errlen, "cannot open vhost '%s' on RabbitMQ at %s:%d (from %s): %s — does "
                 "the vhost exist, and may user '%s' use it? check /VHOST in %s or %s",
                 ci->vhost, ci->host, ci->port, origin, why, ci->user, flag, env);
    else
        snprintf(err, errlen, "cannot log in to RabbitMQ at %s:%d (from %s) as user '%s': %s — "
                 "is it RabbitMQ on that port?", ci->host, ci->port, origin, ci->user, why);
}

struct broker *broker_connect(const char *url, const char *origin, const char *name,
                              int heartbeat_s, int timeout_ms, char *err, size_t errlen)
{
    struct broker *b = calloc(1, sizeof(*b));
    char *url_copy = strdup(url);
    if (!b || !url_copy) {
        snprintf(err, errlen, "out of memory");
        free(url_copy);
        free(b);
        return NULL;
    }
    log_redact_url(url, b->url_redacted, sizeof(b->url_redacted));
    b->next_seq = 1;

    struct amqp_connection_info ci;
    amqp_default_connection_info(&ci);
    if (amqp_parse_url(url_copy, &ci) != AMQP_STATUS_OK) {
        snprintf(err, errlen, "%s '%s': ", origin, b->url_redacted);
        size_t n = strlen(err);
        broker_check_url(url, err + n, errlen - n);
        goto fail;
    }
    b->conn = amqp_new_connection();
    amqp_socket_t *sock = ci.ssl ? amqp_ssl_socket_new(b->conn) : amqp_tcp_socket_new(b->conn);
    if (!b->conn || !sock) {
        snprintf(err, errlen, "amqp: cannot create a connection (out of memory)");
        goto fail;
    }
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    amqp_set_handshake_timeout(b->conn, &tv);
    amqp_set_rpc_timeout(b->conn, &tv);
    int st = amqp_socket_open_noblock(sock, ci.host, ci.port, &tv);
    if (st != AMQP_STATUS_OK) {
        connect_error(&ci, origin, st, timeout_ms, err, errlen);
        goto fail;
    }

    /* Advertise connection.blocked so that flow control reaches us as a frame instead of as a
     * write that blocks inside amqp_basic_publish. */
    amqp_table_entry_t caps[] = {
        {.key = amqp_cstring_bytes("connection.blocked"),
         .value = {.kind = AMQP_FIELD_KIND_BOOLEAN, .value.boolean = 1}},
        {.key = amqp_cstring_bytes("consumer_cancel_notify"),
         .value = {.kind = AMQP_FIELD_KIND_BOOLEAN, .value.boolean = 1}},
    };
    amqp_table_entry_t props[] = {
        {.key = amqp_cstring_bytes("capabilities"),
         .value = {.kind = AMQP_FIELD_KIND_TABLE,
                   .value.table = {.num_entries = 2, .entries = caps}}},
        {.key = amqp_cstring_bytes("connection_name"),
         .value = {.kind = AMQP_FIELD_KIND_UTF8, .value.bytes = amqp_cstring_bytes(name)}},
    };
    amqp_table_t props_table = {.num_entries = 2, .entries = props};
    amqp_rpc_reply_t r = amqp_login_with_properties(b->conn, ci.vhost, 0, BROKER_FRAME_MAX,
                                                    heartbeat_s, &props_table,
                                                    AMQP_SASL_METHOD_PLAIN, ci.user, ci.password);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
        login_error(&ci, origin, r, err, errlen);
        goto fail;
    }
    amqp_channel_open(b->conn, BROKER_CHANNEL);
    if (check_rpc(b, "channel.open", err, errlen) < 0)
        goto fail;
    free(url_copy);
    return b;
fail:
    free(url_copy);
    broker_free(b);
    return NULL;
}

void broker_free(struct broker *b)
{
    if (!b)
        return;
    if (b->conn) {
        if (!b->error[0]) {
            amqp_channel_close(b->conn, BROKER_CHANNEL, AMQP_REPLY_SUCCESS);
            amqp_connection_close(b->conn, AMQP_REPLY_SUCCESS);
        }
        amqp_destroy_connection(b->conn);
    }
    free(b);
}

const char *broker_queue_name(char *buf, size_t buflen, const char *prefix, const char *suffix)
{
    snprintf(buf, buflen, "%s.%s", prefix, suffix);
    return buf;
}

/* A channel.close from the broker in reply to an RPC on the query channel: only that channel
 * is gone (its close is acknowledged, and the next query opens it again); the connection
 * and channel 1 stay healthy. Returns the reply code, or 0 for any other reply. */
static unsigned query_channel_closed(struct broker *b, amqp_rpc_reply_t r)
{
    if (r.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION || r.reply.id != AMQP_CHANNEL_CLOSE_METHOD)
        return 0;
    const amqp_channel_close_t *m = r.reply.decoded;
    amqp_channel_close_ok_t ok = {0};
    amqp_send_method(b->conn, BROKER_QUERY_CHANNEL, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    b->query_channel_open = 0;
    return m->reply_code;
}

/* Opens the query channel when a refusal closed it. 0, or -1 with err. */
static int open_query_channel(struct broker *b, char *err, size_t errlen)
{
    if (b->query_channel_open)
        return 0;
    amqp_channel_open(b->conn, BROKER_QUERY_CHANNEL);
    if (check_rpc(b, "channel.open", err, errlen) < 0)
        return -1;
    b->query_channel_open = 1;
    return 0;
}

/* The group size an existing queue was created with, from RabbitMQ's refusal ("... but
 * current is '1'", "... but current is the value '1' of type 'long'"): its value, 0 for
 * "current is none", -1 when the text says neither. */
static long current_group_size(const char *why)
{
    const char *p = strstr(why, "current is ");
    if (!p)
        return -1;
    p += strlen("current is ");
    if (strncmp(p, "none", 4) == 0)
        return 0;
    if (strncmp(p, "the value ", 10) == 0)
        p += 10;
    if (*p != '\'')
        return -1;
    char *end;
    long n = strtol(p + 1, &end, 10);
    return *end == '\'' && n > 0 ? n : -1;
}

/* Declares a queue on the query channel, where a refusal closes only that channel. `args`
 * ends with x-quorum-initial-group-size when `sized`. RabbitMQ holds a queue to the size it
 * was created with (none, for one created before --quorum-size): refused as inequivalent,
 * the declaration is made again with the queue's own -- the size only matters when a queue
 * is created, and the start-up check (mgmt.c) says when it is short. */
static int declare(struct broker *b, const char *name, amqp_table_t args, int sized,
                   char *err, size_t errlen)
{
    amqp_table_entry_t own[8]; /* a copy to adjust: the caller's serves other queues too */
    if (args.num_entries > (int)(sizeof(own) / sizeof(*own)))
        return fail(b, "declare", "too many queue arguments");
    memcpy(own, args.entries, (size_t)args.num_entries * sizeof(*own));
    args.entries = own;
    for (int again = 0;; again++) {
        if (open_query_channel(b, err, errlen) < 0)
            return -1;
        amqp_queue_declare(b->conn, BROKER_QUERY_CHANNEL, amqp_cstring_bytes(name), 0, 1, 0, 0,
                           args);
        amqp_rpc_reply_t r = amqp_get_rpc_reply(b->conn);
        if (r.reply_type == AMQP_RESPONSE_NORMAL)
            return 0;
        char why[384];
        reply_text(r, why, sizeof(why)); /* before the close-ok: r's method lives in a pool */
        unsigned code = query_channel_closed(b, r);
        long size = code == AMQP_PRECONDITION_FAILED && sized && !again &&
                            strstr(why, "'x-quorum-initial-group-size'")
                        ? current_group_size(why)
                        : -1;
        if (size == 0) {
            args.num_entries--;
            sized = 0;
            continue;
        }
        if (size > 0) {
            args.entries[args.num_entries - 1].value.value.i64 = size;
            continue;
        }
        char what[300];
        snprintf(what, sizeof(what), "declare queue '%s'", name);
        if (code) {
            snprintf(err, errlen, "amqp %s on %s: %.200s", what, b->url_redacted, why);
            return -1;
        }
        return rpc_failed(b, r, what, err, errlen);
    }
}

int broker_declare_queues(struct broker *b, const char *prefix, enum queue_type type,
                          unsigned quorum_size, char *err, size_t errlen)
{
    static const char *const suffixes[] = {"urls", "records", "dead"};
    const char *type_name = type == QUEUE_QUORUM ? "quorum" : "classic";
    /* The type is always explicit: declaring without it against an existing quorum queue
     * would fail with an "inequivalent arg" error that names no cause. A quorum queue gets
     * its initial number of replicas (RabbitMQ takes the running nodes up to it; without
     * it, every node of the cluster). */
    amqp_table_entry_t first[2] = {
        {.key = amqp_cstring_bytes("x-queue-type"),
         .value = {.kind = AMQP_FIELD_KIND_UTF8, .value.bytes = amqp_cstring_bytes(type_name)}},
        {.key = amqp_cstring_bytes("x-quorum-initial-group-size"),
         .value = {.kind = AMQP_FIELD_KIND_I64, .value.i64 = (int64_t)quorum_size}},
    };
    amqp_table_entry_t arg = first[0];
    int sized = type == QUEUE_QUORUM && quorum_size > 0;
    amqp_table_t args = {.num_entries = sized ? 2 : 1, .entries = first};
    char name[256];
    for (size_t i = 0; i < 3; i++)
        if (declare(b, broker_queue_name(name, sizeof(name), prefix, suffixes[i]), args, sized,
                    err, errlen) < 0)
            return -1;

    /* The retry ladder: messages expire (per message, within the level's span) and are
     * dead-lettered back to PREFIX.urls. On quorum queues, at-least-once dead-lettering (which
     * needs reject-publish overflow) keeps a retry from being lost on the way back. */
    char urls[256];
    broker_queue_name(urls, sizeof(urls), prefix, "urls");
    for (int i = 0; i < RETRY_LEVELS; i++) {
        amqp_table_entry_t e[7] = {
            arg,
            {.key = amqp_cstring_bytes("x-message-ttl"),
             .value = {.kind = AMQP_FIELD_KIND_I64,
                       .value.i64 = (int64_t)RETRY_LEVEL_MAX_MS(i)}},
            {.key = amqp_cstring_bytes("x-dead-letter-exchange"),
             .value = {.kind = AMQP_FIELD_KIND_UTF8, .value.bytes = amqp_cstring_bytes("")}},
            {.key = amqp_cstring_bytes("x-dead-letter-routing-key"),
             .value = {.kind = AMQP_FIELD_KIND_UTF8, .value.bytes = amqp_cstring_bytes(urls)}},
            {.key = amqp_cstring_bytes("x-dead-letter-strategy"),
             .value = {.kind = AMQP_FIELD_KIND_UTF8,
                       .value.bytes = amqp_cstring_bytes("at-least-once")}},
            {.key = amqp_cstring_bytes("x-overflow"),
             .value = {.kind = AMQP_FIELD_KIND_UTF8,
                       .value.bytes = amqp_cstring_bytes("reject-publish")}},
            first[1],
        };
        amqp_table_t delay_args = {.num_entries = type != QUEUE_QUORUM ? 4 : sized ? 7 : 6,
                                   .entries = e};
        if (declare(b, broker_queue_name(name, sizeof(name), prefix, RETRY_LEVEL[i].suffix),
                    delay_args, type == QUEUE_QUORUM && sized, err, errlen) < 0)
            return -1;
    }
    return 0;
}

long broker_queue_ready(struct broker *b, const char *queue, char *err, size_t errlen)
{
    if (open_query_channel(b, err, errlen) < 0)
        return -1;
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(b->conn, BROKER_QUERY_CHANNEL,
                                                     amqp_cstring_bytes(queue), 1, 0, 0, 0,
                                                     amqp_empty_table);
    amqp_rpc_reply_t r = amqp_get_rpc_reply(b->conn);
    char why[384];
    reply_text(r, why, sizeof(why)); /* before the close-ok: r's method lives in a pool */
    unsigned code = query_channel_closed(b, r);
    if (code == AMQP_NOT_FOUND) {
        snprintf(err, errlen, "queue '%s' does not exist on %s", queue, b->url_redacted);
        return -1;
    }
    if (code) {
        snprintf(err, errlen, "amqp passive declare of '%s' on %s: %s", queue, b->url_redacted,
                 why);
        return -1;
    }
    char what[300];
    snprintf(what, sizeof(what), "passive declare of '%s'", queue);
    if (check_rpc_ok(b, ok, what, err, errlen) < 0)
        return -1;
    return (long)ok->message_count;
}

int broker_consume(struct broker *b, const char *queue, unsigned prefetch, char *err,
                   size_t errlen)
{
    amqp_basic_qos(b->conn, BROKER_CHANNEL, 0, prefetch > 65535 ? 65535 : (uint16_t)prefetch, 0);
    if (check_rpc(b, "basic.qos", err, errlen) < 0)
        return -1;
    amqp_basic_consume_ok_t *ok = amqp_basic_consume(b->conn, BROKER_CHANNEL,
                                                     amqp_cstring_bytes(queue), amqp_empty_bytes,
                                                     0, 0, 0, amqp_empty_table);
    char what[300];
    snprintf(what, sizeof(what), "consume from '%s'", queue);
    if (check_rpc_ok(b, ok, what, err, errlen) < 0)
        return -1;
    snprintf(b->consumer_tag, sizeof(b->consumer_tag), "%.*s", (int)ok->consumer_tag.len,
             (const char *)ok->consumer_tag.bytes);
    b->consuming = 1;
    b->cancelled = 0;
    return 0;
}

int broker_cancel(struct broker *b)
{
    if (!b->consuming || b->cancelled)
        return 0;
    /* Sent without waiting for cancel-ok: the reply comes through broker_drain, where any
     * deliveries already on the wire arrive first and are handled as usual. The tag must be
     * the one the broker gave us: it answers an unknown tag with cancel-ok and keeps
     * delivering, and every URL we then return would come straight back to us. */
    amqp_basic_cancel_t m = {.consumer_tag = amqp_cstring_bytes(b->consumer_tag)};
    int st = amqp_send_method(b->conn, BROKER_CHANNEL, AMQP_BASIC_CANCEL_METHOD, &m);
    b->cancelled = 1; /* still consuming until cancel-ok: what was on the wire comes first */
    return st == AMQP_STATUS_OK ? 0 : fail(b, "basic.cancel", amqp_error_string2(st));
}

int broker_confirm_select(struct broker *b, char *err, size_t errlen)
{
    amqp_confirm_select(b->conn, BROKER_CHANNEL);
    if (check_rpc(b, "confirm.select", err, errlen) < 0)
        return -1;
    b->confirm_mode = 1;
    return 0;
}

int64_t broker_publish(struct broker *b, const char *queue, const void *body, size_t len,
                       const char *content_type)
{
    return broker_publish_expiring(b, queue, body, len, content_type, 0);
}

/* Publishes body on channel to the default exchange with routing key queue. 0 or -1. */
static int publish_props(struct broker *b, amqp_channel_t channel, const char *queue,
                         const amqp_basic_properties_t *props, const void *body, size_t len)
{
    amqp_bytes_t bytes = {.len = len, .bytes = (void *)body};
    int st = amqp_basic_publish(b->conn, channel, amqp_empty_bytes, amqp_cstring_bytes(queue),
                                0, 0, props, bytes);
    return st == AMQP_STATUS_OK ? 0 : fail(b, "basic.publish", amqp_error_string2(st));
}

int64_t broker_publish_expiring(struct broker *b, const char *queue, const void *body,
                                size_t len, const char *content_type, uint64_t expire_ms)
{
    if (b->error[0])
        return -1;
    char expiration[24];
    snprintf(expiration, sizeof(expiration), "%llu", (unsigned long long)expire_ms);
    amqp_basic_properties_t props = {
        ._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                  (expire_ms ? AMQP_BASIC_EXPIRATION_FLAG : 0),
        .content_type = amqp_cstring_bytes(content_type),
        .delivery_mode = AMQP_DELIVERY_PERSISTENT,
        .expiration = amqp_cstring_bytes(expiration),
    };
    if (publish_props(b, BROKER_CHANNEL, queue, &props, body, len) < 0)
        return -1;
    return b->confirm_mode ? (int64_t)b->next_seq++ : 0;
}

/* A broker-side header that a copy must not carry: the broker counts deliveries itself. */
static int is_delivery_count(amqp_bytes_t key)
{
    return key.len == 16 && memcmp(key.bytes, "x-delivery-count", 16) == 0;
}

static int open_copy_channel(struct broker *b)
{
    char err[512]; /* check_rpc also records the failure in b->error, which callers read */
    amqp_channel_open(b->conn, BROKER_COPY_CHANNEL);
    if (check_rpc(b, "channel.open", err, sizeof(err)) < 0)
        return -1;
    amqp_confirm_select(b->conn, BROKER_COPY_CHANNEL);
    if (check_rpc(b, "confirm.select", err, sizeof(err)) < 0)
        return -1;
    b->copy_channel_open = 1;
    b->next_copy_seq = 1;
    return 0;
}

int64_t broker_publish_copy(struct broker *b, const char *queue, const struct broker_delivery *d)
{
    if (b->error[0] || (!b->copy_channel_open && open_copy_channel(b) < 0))
        return -1;
    const amqp_basic_properties_t *orig = d->props;
    amqp_basic_properties_t props = *orig;
    props._flags |= AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    amqp_table_entry_t *kept = NULL;
    if (orig->_flags & AMQP_BASIC_HEADERS_FLAG && orig->headers.num_entries > 0) {
        kept = malloc((size_t)orig->headers.num_entries * sizeof(*kept));
        if (!kept)
            return fail(b, "basic.publish", "out of memory");
        int n = 0;
        for (int i = 0; i < orig->headers.num_entries; i++)
            if (!is_delivery_count(orig->headers.entries[i].key))
                kept[n++] = orig->headers.entries[i];
        props.headers = (amqp_table_t){.num_entries = n, .entries = kept};
        if (n == 0)
            props._flags &= ~AMQP_BASIC_HEADERS_FLAG;
    }
    int rc = publish_props(b, BROKER_COPY_CHANNEL, queue, &props, d->body, d->len);
    free(kept);
    return rc < 0 ? -1 : (int64_t)b->next_copy_seq++;
}

int broker_ack(struct broker *b, uint64_t tag, int multiple)
{
    int st = amqp_basic_ack(b->conn, BROKER_CHANNEL, tag, multiple);
    return st == AMQP_STATUS_OK ? 0 : fail(b, "basic.ack", amqp_error_string2(st));
}

int broker_reject(struct broker *b, uint64_t tag, int requeue)
{
    int st = amqp_basic_reject(b->conn, BROKER_CHANNEL, tag, requeue);
    return st == AMQP_STATUS_OK ? 0 : fail(b, "basic.reject", amqp_error_string2(st));
}

int broker_consuming(const struct broker *b)
{
    return b->consuming;
}

int broker_fd(const struct broker *b)
{
    return amqp_get_sockfd(b->conn);
}

int broker_has_buffered(const struct broker *b)
{
    return !b->error[0] && (amqp_data_in_buffer(b->conn) || amqp_frames_enqueued(b->conn));
}

const char *broker_error(const struct broker *b)
{
    return b->error;
}

static long header_delivery_count(const amqp_basic_properties_t *p)
{
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
        return 0;
    for (int i = 0; i < p->headers.num_entries; i++) {
        const amqp_table_entry_t *e = &p->headers.entries[i];
        if (e->key.len != 16 || memcmp(e->key.bytes, "x-delivery-count", 16) != 0)
            continue;
        switch (e->value.kind) {
        case AMQP_FIELD_KIND_I8: return e->value.value.i8;
        case AMQP_FIELD_KIND_U8: return e->value.value.u8;
        case AMQP_FIELD_KIND_I16: return e->value.value.i16;
        case AMQP_FIELD_KIND_U16: return e->value.value.u16;
        case AMQP_FIELD_KIND_I32: return e->value.value.i32;
        case AMQP_FIELD_KIND_U32: return (long)e->value.value.u32;
        case AMQP_FIELD_KIND_I64: return (long)e->value.value.i64;
        case AMQP_FIELD_KIND_U64: return (long)e->value.value.u64;
        default: return 0;
        }
    }
    return 0;
}

static void hand_out(struct broker *b, const amqp_envelope_t *env, const struct broker_events *ev)
{
    const amqp_basic_properties_t *p = &env->message.properties;
    b->content_type[0] = '\0';
    if (p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
        snprintf(b->content_type, sizeof(b->content_type), "%.*s", (int)p->content_type.len,
                 (const char *)p->content_type.bytes);
    struct broker_delivery d = {
        .tag = env->delivery_tag,
        .body = env->message.body.bytes,
        .len = env->message.body.len,
        .content_type = b->content_type,
        .delivery_count = header_delivery_count(p),
        .redelivered = env->redelivered,
        .props = p,
    };
    if (ev->on_delivery)
        ev->on_delivery(&d, ev->arg);
}

/* One AMQP field value as JSON; NULL when out of memory. Strings that are not UTF-8 become
 * null rather than failing the whole table. */
static json_t *field_json(const amqp_field_value_t *v);

static json_t *table_json(const amqp_table_t *t)
{
    json_t *o = json_object();
    for (int i = 0; o && i < t->num_entries; i++) {
        const amqp_table_entry_t *e = &t->entries[i];
        char key[256];
        snprintf(key, sizeof(key), "%.*s", (int)e->key.len, (const char *)e->key.bytes);
        json_t *v = field_json(&e->value);
        if (!v || json_object_set_new(o, key, v) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *field_json(const amqp_field_value_t *v)
{
    switch (v->kind) {
    case AMQP_FIELD_KIND_BOOLEAN: return json_boolean(v->value.boolean);
    case AMQP_FIELD_KIND_I8: return json_integer(v->value.i8);
    case AMQP_FIELD_KIND_U8: return json_integer(v->value.u8);
    case AMQP_FIELD_KIND_I16: return json_integer(v->value.i16);
    case AMQP_FIELD_KIND_U16: return json_integer(v->value.u16);
    case AMQP_FIELD_KIND_I32: return json_integer(v->value.i32);
    case AMQP_FIELD_KIND_U32: return json_integer(v->value.u32);
    case AMQP_FIELD_KIND_I64: return json_integer(v->value.i64);
    case AMQP_FIELD_KIND_U64: return json_integer((json_int_t)v->value.u64);
    case AMQP_FIELD_KIND_TIMESTAMP: return json_integer((json_int_t)v->value.u64);
    case AMQP_FIELD_KIND_F32: return json_real(v->value.f32);
    case AMQP_FIELD_KIND_F64: return json_real(v->value.f64);
    case AMQP_FIELD_KIND_DECIMAL: {
        double d = v->value.decimal.value;
        for (int i = 0; i < v->value.decimal.decimals; i++)
            d /= 10;
        return json_real(d);
    }
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES: {
        json_t *s = json_stringn(v->value.bytes.bytes, v->value.bytes.len);
        return s ? s : json_null();
    }
    case AMQP_FIELD_KIND_ARRAY: {
        json_t *a = json_array();
        for (int i = 0; a && i < v->value.array.num_entries; i++) {
            json_t *item = field_json(&v->value.array.entries[i]);
            if (!item || json_array_append_new(a, item) < 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case AMQP_FIELD_KIND_TABLE: return table_json(&v->value.table);
    default: return json_null();
    }
}

json_t *broker_delivery_headers(const struct broker_delivery *d)
{
    const amqp_basic_properties_t *p = d->props;
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
        return json_object();
    return table_json(&p->headers);
}

/* Handles one method frame that is not a delivery. Returns 0, or -1 when the channel or the
 * connection is gone. */
static int handle_method(struct broker *b, const amqp_frame_t *f, const struct broker_events *ev)
{
    char why[384];
    switch (f->payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
        const amqp_basic_ack_t *m = f->payload.method.decoded;
        if (ev->on_confirm)
            ev->on_confirm(m->delivery_tag, m->multiple, 1, ev->arg);
        return 0;
    }
    case AMQP_BASIC_NACK_METHOD: {
        const amqp_basic_nack_t *m = f->payload.method.decoded;
        if (ev->on_confirm)
            ev->on_confirm(m->delivery_tag, m->multiple, 0, ev->arg);
        return 0;
    }
    case AMQP_CONNECTION_BLOCKED_METHOD: {
        const amqp_connection_blocked_t *m = f->payload.method.decoded;
        snprintf(why, sizeof(why), "%.*s", (int)m->reason.len, (const char *)m->reason.bytes);
        if (ev->on_blocked)
            ev->on_blocked(1, why, ev->arg);
        return 0;
    }
    case AMQP_CONNECTION_UNBLOCKED_METHOD:
        if (ev->on_blocked)
            ev->on_blocked(0, "", ev->arg);
        return 0;
    case AMQP_BASIC_CANCEL_OK_METHOD:
        b->consuming = 0;
        return 0;
    case AMQP_BASIC_QOS_OK_METHOD:
        return 0;
    case AMQP_BASIC_CANCEL_METHOD:
        return fail(b, "consumer", "cancelled by the broker (queue deleted?)");
    case AMQP_CHANNEL_CLOSE_METHOD: {
        const amqp_channel_close_t *m = f->payload.method.decoded;
        snprintf(why, sizeof(why), "channel %u closed by broker: %u %.*s", f->channel,
                 m->reply_code, (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        if (f->channel == BROKER_QUERY_CHANNEL) {
            amqp_channel_close_ok_t ok = {0};
            amqp_send_method(b->conn, f->channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
            b->query_channel_open = 0;
            return 0;
        }
        return fail(b, "amqp", why);
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
        const amqp_connection_close_t *m = f->payload.method.decoded;
        snprintf(why, sizeof(why), "connection closed by broker: %u %.*s", m->reply_code,
                 (int)m->reply_text.len, (const char *)m->reply_text.bytes);
        amqp_connection_close_ok_t ok = {0};
        amqp_send_method(b->conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        return fail(b, "amqp", why);
    }
    default:
        LOG_D("amqp frame", "method=0x%08x channel=%u ignored", f->payload.method.id, f->channel);
        return 0;
    }
}

int broker_drain(struct broker *b, const struct broker_events *ev)
{
    if (b->error[0])
        return -1;
    struct timeval zero = {0, 0};
    for (int n = 0; n < BROKER_DRAIN_MAX_FRAMES; n++) {
        amqp_maybe_release_buffers(b->conn);
        if (b->consuming || amqp_frames_enqueued(b->conn) || amqp_data_in_buffer(b->conn)) {
            amqp_envelope_t env;
            amqp_rpc_reply_t r = amqp_consume_message(b->conn, &env, &zero, 0);
            if (r.reply_type == AMQP_RESPONSE_NORMAL) {
                hand_out(b, &env, ev);
                amqp_destroy_envelope(&env);
                continue;
            }
            if (r.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION)
                return fail(b, "amqp consume", "unexpected reply");
            if (r.library_error == AMQP_STATUS_TIMEOUT)
                return 0;
            if (r.library_error != AMQP_STATUS_UNEXPECTED_STATE)
                return fail(b, "amqp", amqp_error_string2(r.library_error));
            /* Not a delivery: rabbitmq-c put the frame back; pop it below. */
        }
        amqp_frame_t f;
        int st = amqp_simple_wait_frame_noblock(b->conn, &f, &zero);
        if (st == AMQP_STATUS_TIMEOUT)
            return 0;
        if (st != AMQP_STATUS_OK)
            return fail(b, "amqp", amqp_error_string2(st));
        if (f.frame_type == AMQP_FRAME_METHOD && handle_method(b, &f, ev) < 0)
            return -1;
    }
    return 0;
}

int broker_wait(struct broker *b, const struct broker_events *ev, int timeout_ms)
{
    if (b->error[0])
        return -1;
    if (!broker_has_buffered(b)) {
        struct pollfd p = {.fd = broker_fd(b), .events = POLLIN};
        if (poll(&p, 1, timeout_ms) < 0)
            return 0; /* EINTR: the caller's loop decides */
    }
    return broker_drain(b, ev);
}
