/* metrics.h -- a tiny HTTP endpoint on the loop that serves Prometheus text at /metrics.
 *
 * Deliberately minimal (one request per connection, GET only, a few KB out): it answers a
 * scraper, nothing else. The program renders its own counters through a callback. */
#ifndef TRAWL_METRICS_H
#define TRAWL_METRICS_H

#include <stddef.h>

struct loop;
struct metrics_server;

/* Appends the exposition text to buf (a growing buffer owned by the server). */
struct metrics_buf {
    char *data;
    size_t len, cap;
};
void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef void metrics_render_fn(struct metrics_buf *out, void *arg);

/* Splits "HOST:PORT" ("[::1]:9091" for IPv6; PORT 0 to 65535) into host (without brackets)
 * and port. Checks the form only: no name is resolved. Returns 0, or -1 with what was
 * expected in err (the caller names the value). */
int metrics_parse_addr(const char *host_port, char *host, size_t hostlen, char *port,
                       size_t portlen, char *err, size_t errlen);

/* Listens on "HOST:PORT" (port 0 picks one; see metrics_server_port). Returns NULL with a
 * message naming the address in err. */
struct metrics_server *metrics_server_new(struct loop *l, const char *host_port,
                                          metrics_render_fn *render, void *arg, char *err,
                                          size_t errlen);
int metrics_server_port(const struct metrics_server *m);
void metrics_server_free(struct metrics_server *m); /* NULL is a no-op */

#endif
