/* broker_list.h -- the nodes of a RabbitMQ cluster behind one --amqp: a comma-separated list
 * of amqp:// URLs, and which to try next.
 *
 * Every connection starts at a random member (so that a fleet of workers spreads over the
 * nodes) and moves on to the next after a failure: a refused or timed-out connect, a login
 * that does not answer in time (a hung node still completes the TCP handshake: its kernel
 * answers, the broker does not), or a connection lost later. After connecting to member i
 * the next attempt starts at i + 1, so a node that just failed is tried last. */
#ifndef TRAWL_BROKER_LIST_H
#define TRAWL_BROKER_LIST_H

#include <stddef.h>

struct broker;

#define BROKER_LIST_MAX 16
#define BROKER_URL_MAX 1024

struct broker_list {
    char urls[BROKER_LIST_MAX][BROKER_URL_MAX];
    size_t n;
    size_t next;                /* the member to try first */
};

/* Splits and checks spec (one URL or several, comma-separated; spaces around commas are
 * allowed), and picks a random first member. Returns 0, or -1 with a message that names the
 * bad member without its password. */
int broker_list_parse(const char *spec, struct broker_list *l, char *err, size_t errlen);

/* The deadline for one member's connect and login: the caller's timeout for a single URL,
 * capped for a list so that a hung member costs seconds before the next is tried. */
int broker_list_timeout_ms(const struct broker_list *l, int timeout_ms);

/* Connects to the first member that answers, trying each at most once from l->next, as
 * broker_connect does (origin, name, heartbeat; the per-member deadline from
 * broker_list_timeout_ms).
 * On success l->next is the member after the one connected. NULL when none answered, with
 * every member's reason in err. */
struct broker *broker_list_connect(struct broker_list *l, const char *origin, const char *name,
                                   int heartbeat_s, int timeout_ms, char *err, size_t errlen);

/* The URL of the member last connected to (for logs: redact it). */
const char *broker_list_current(const struct broker_list *l);

#endif
