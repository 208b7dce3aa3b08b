/* broker.h -- one AMQP 0-9-1 connection (rabbitmq-c) with one channel: connect, declare
 * trawl's queues, consume, publish with confirms, and a non-blocking drain of incoming frames.
 *
 * rabbitmq-c is a blocking library: connecting, logging in and declaring are short blocking
 * phases bounded by timeouts; after that the owner watches broker_fd() for reading and calls
 * broker_drain() when it is readable and before sleeping while broker_has_buffered() says the
 * library holds bytes or frames of its own (epoll cannot see those). A worker uses two
 * brokers: one consuming, one publishing, so flow control on publishes never delays acks.
 *
 * Strings returned as `const char *` are borrowed from the broker. */
#ifndef TRAWL_BROKER_H
#define TRAWL_BROKER_H

#include <stddef.h>
#include <stdint.h>

struct broker;

enum queue_type { QUEUE_QUORUM = 0, QUEUE_CLASSIC };

/* A delivery, copied out of rabbitmq-c's envelope: valid only during on_delivery. */
struct broker_delivery {
    uint64_t tag;               /* delivery tag, for broker_ack / broker_reject */
    const char *body;           /* not NUL-terminated */
    size_t len;
    const char *content_type;   /* "" when absent */
    long delivery_count;        /* quorum queues' x-delivery-count, 0 on first delivery */
    int redelivered;
    const void *props;          /* rabbitmq-c's properties: for broker_publish_copy and
                                   broker_delivery_headers only */
};

struct broker_events {
    void (*on_delivery)(const struct broker_delivery *d, void *arg);
    /* Publisher confirms: every publish up to and including seq (when multiple) or seq alone
     * was acked (ok = 1) or nacked (ok = 0) by the broker. */
    void (*on_confirm)(uint64_t seq, int multiple, int ok, void *arg);
    /* The broker asked us to pause publishing (connection.blocked) or to resume. */
    void (*on_blocked)(int blocked, const char *reason, void *arg);
    void *arg;
};

/* The flag and the environment variable that set the broker's URL (config.c's table); a
 * connection error tells the user to set one of them. */
#define BROKER_URL_FLAG "amqp"
#define BROKER_URL_ENV "TRAWL_AMQP_URL"

/* 0 when url is a broker URL broker_connect accepts, amqp://USER:PASS@HOST:PORT[/VHOST] or
 * amqps://, with a port from 1 to 65535; else -1 with what was expected in err (the value is
 * not repeated: the caller names it, password masked). */
int broker_check_url(const char *url, char *err, size_t errlen);

/* Connects to `url` (checked by broker_check_url), logs in with a heartbeat of heartbeat_s
 * seconds and opens channel 1. `origin` says where the URL came from ("--amqp",
 * "TRAWL_AMQP_URL", "default"; see config.h). `name` shows in the broker's connection list
 * ("trawl-worker consume"). Blocks for at most timeout_ms per step. Returns NULL on failure,
 * with a message for the user in err: the address, the origin, what went wrong (refused,
 * timed out, unknown host, bad credentials: the password is never shown) and what to check,
 * e.g. "cannot connect to RabbitMQ at 127.0.0.1:5672 (from TRAWL_AMQP_URL): connection
 * refused — is RabbitMQ running there? set --amqp or TRAWL_AMQP_URL". */
struct broker *broker_connect(const char *url, const char *origin, const char *name,
                              int heartbeat_s, int timeout_ms, char *err, size_t errlen);
void broker_free(struct broker *b); /* closes politely when still open; NULL is a no-op */

/* Declares PREFIX.urls, PREFIX.records and PREFIX.dead, durable, of the given type, and the
 * retry ladder PREFIX.delay.* (see retry.h) that dead-letters back to PREFIX.urls. Quorum
 * queues get quorum_size replicas when declared (0: every node). Idempotent: the size only
 * matters when a queue is created. Returns 0, or -1 with the broker's reply in err (for
 * example a queue that exists with another type). */
int broker_declare_queues(struct broker *b, const char *prefix, enum queue_type type,
                          unsigned quorum_size, char *err, size_t errlen);

/* Number of ready messages in `queue` (a passive declare, on a channel of its own: a queue
 * that does not exist leaves the connection healthy). -1 with err on failure, "queue 'NAME'
 * does not exist on URL" for a missing queue. */
long broker_queue_ready(struct broker *b, const char *queue, char *err, size_t errlen);

/* Starts consuming `queue` with at most `prefetch` unacked deliveries. 0 or -1. */
int broker_consume(struct broker *b, const char *queue, unsigned prefetch, char *err,
                   size_t errlen);
/* Cancels the consumer: no new deliveries (those in flight may still arrive). */
int broker_cancel(struct broker *b);
/* 1 from broker_consume until the broker's cancel-ok: deliveries may still arrive. */
int broker_consuming(const struct broker *b);

/* Puts the channel in confirm mode; publishes are then numbered 1, 2, ... */
int broker_confirm_select(struct broker *b, char *err, size_t errlen);

/* Publishes a persistent message to the default exchange with routing key `queue`. Returns
 * its confirm sequence number (> 0; 0 when not in confirm mode), or -1 when the connection
 * failed (see broker_error). The body is copied into the socket before returning. */
int64_t broker_publish(struct broker *b, const char *queue, const void *body, size_t len,
                       const char *content_type);

/* Same, with a per-message expiration (ms; 0 = none): for the delay queues. */
int64_t broker_publish_expiring(struct broker *b, const char *queue, const void *body,
                                size_t len, const char *content_type, uint64_t expire_ms);

/* Publishes a copy of delivery d (during on_delivery only) to `queue`: same body and
 * properties (content type, headers, ...), persistent, but without x-delivery-count, which
 * the broker keeps for itself: the copy is a new message whose count starts at 0. Copies go
 * on a channel of their own, always in confirm mode, numbered 1, 2, ... apart from
 * broker_publish's; their confirms reach on_confirm. Returns the copy's number, or -1 when
 * the connection failed (see broker_error). */
int64_t broker_publish_copy(struct broker *b, const char *queue, const struct broker_delivery *d);

/* The AMQP headers of delivery d (during on_delivery only) as a JSON object, {} when it has
 * none: a new reference, NULL when out of memory. Numbers, strings, booleans, arrays and
 * tables map to their JSON kind; a string that is not UTF-8 becomes null. */
struct json_t *broker_delivery_headers(const struct broker_delivery *d);

/* Acks delivery `tag`, or every unacked delivery up to and including it when multiple. */
int broker_ack(struct broker *b, uint64_t tag, int multiple);
/* Returns a delivery to the queue (requeue = 1) or drops it (0). */
int broker_reject(struct broker *b, uint64_t tag, int requeue);

/* The socket to watch for reading. */
int broker_fd(const struct broker *b);
/* 1 when rabbitmq-c holds unread bytes or frames: drain again before sleeping. */
int broker_has_buffered(const struct broker *b);

/* Handles every frame available without waiting, calling the event callbacks. Also services
 * heartbeats, so call it at least every heartbeat/2 seconds. Returns 0, or -1 once the
 * connection or channel is closed (broker_error says why). */
int broker_drain(struct broker *b, const struct broker_events *ev);

/* Waits up to timeout_ms for frames, then drains. For blocking programs (the producer). */
int broker_wait(struct broker *b, const struct broker_events *ev, int timeout_ms);

/* Why the connection failed, or "" while healthy. */
const char *broker_error(const struct broker *b);

/* Fills buf with "PREFIX.SUFFIX" and returns buf. */
const char *broker_queue_name(char *buf, size_t buflen, const char *prefix, const char *suffix);

#endif
