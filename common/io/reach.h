/* reach.h -- why a server could not be reached, said so that a user can act on it: the address,
 * where it was configured, the reason and the likely fix. The broker and Redis clients share
 * it, so both say it the same way:
 *   cannot connect to RabbitMQ at 127.0.0.1:5672 (from TRAWL_AMQP_URL): connection refused —
 *   is RabbitMQ running there? set --amqp or TRAWL_AMQP_URL */
#ifndef TRAWL_REACH_H
#define TRAWL_REACH_H

#include <stddef.h>
#include <stdint.h>

/* A reason that is not an errno value: the host name does not resolve. */
#define REACH_EDNS (-1)

/* The server a connection was for; every string is borrowed. */
struct reach_target {
    const char *server;         /* "RabbitMQ", "Redis" */
    const char *host;           /* as configured (a name or an address) */
    int port;
    const char *origin;         /* where the address came from: "--amqp", "TRAWL_AMQP_URL",
                                   "default" */
    const char *flag, *env;     /* what sets it: "--amqp", "TRAWL_AMQP_URL" */
};

/* Writes the message for a failed connection to t into buf. errnum is the connect's errno
 * (ECONNREFUSED, ETIMEDOUT, ...), REACH_EDNS, or 0 when unknown: then `detail`, the library's
 * own text, is said, unless the host does not resolve. Returns buf. */
const char *reach_explain(const struct reach_target *t, int errnum, const char *detail,
                          char *buf, size_t buflen);

/* The errno whose strerror text is `text` ("Connection refused"), among the ones a connect
 * gives; 0 when none. For libraries that keep only the text (hiredis). */
int reach_errno_of(const char *text);

/* Connects once to host:port (each address in turn) within timeout_ms in all, then closes:
 * for libraries that lose the errno of their own attempt (rabbitmq-c says only "a socket
 * error occurred"). Returns 0 when a connection was made, REACH_EDNS when the name does not
 * resolve, else the errno of the last address tried. Blocks: for start-up and reconnect
 * paths that block already. */
int reach_probe(const char *host, int port, int timeout_ms);

/* A run of failed connects to one server, logged at its first failure and then once every
 * REACH_LOG_EVERY_MS with the count: a server that stays away must not fill the log with a
 * line per attempt. */
#define REACH_LOG_EVERY_MS 30000
struct reach_failures {
    uint64_t count;             /* failures since the last success */
    uint64_t since_ms;          /* when the first of them failed */
    uint64_t logged_ms;         /* when one was last logged */
};

/* Counts one more failure and logs it (warn) when due: the first of a run as `first`
 * ("redis connect failed"), later ones as `again` ("redis still unreachable") with the count
 * and for how long; err is the failure's message, note what happens now ("retrying"). */
void reach_failed(struct reach_failures *f, const char *first, const char *again,
                  const char *err, const char *note);

#endif
