/* fetch.h -- HTTP transfers on libcurl's multi interface, driven by our loop (multi_socket:
 * curl tells us which sockets and which timeout to watch). One multi handle per process
 * shares connections (keep-alive, HTTP/2 multiplexing) and the DNS cache.
 *
 * Results are borrowed: valid only during the done callback. */
#ifndef TRAWL_FETCH_H
#define TRAWL_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct fetcher;

struct fetch_opts {
    const char *user_agent;     /* copied */
    long timeout_ms;            /* whole transfer */
    long connect_timeout_ms;
    long low_speed_bytes;       /* a transfer slower than this ... */
    long low_speed_time_s;      /* ... for this long is ended: timeout */
    size_t max_bytes;           /* decoded body ceiling */
    long max_redirects;
    int allow_private;          /* allow loopback/private addresses */
};

struct fetch_result {
    const char *url;            /* as requested */
    const char *error;          /* NULL for an HTTP response, else a contract error code */
    const char *detail;         /* human-readable, "" when none */
    long status;                /* final HTTP status (0 on error) */
    const char *final_url;      /* after redirects */
    const char *content_type;   /* header value or NULL */
    const char *body;           /* decoded, NUL-terminated (len excludes the NUL) */
    size_t len;
    uint64_t elapsed_ms;
    int64_t retry_after_s;      /* the response's Retry-After in seconds (either form), or -1 */
};

typedef void fetch_done_fn(const struct fetch_result *r, void *arg);

/* Returns a fetcher on loop l, or NULL with the reason in err. Copies opts. */
struct fetcher *fetcher_new(struct loop *l, const struct fetch_opts *o, char *err, size_t errlen);
/* Ends every transfer without calling its callback, then frees. NULL is a no-op. */
void fetcher_free(struct fetcher *f);

/* Starts fetching url; done runs exactly once, from the loop (never inline). Copies url.
 * Returns 0, or -1 when the transfer could not be set up. */
int fetcher_start(struct fetcher *f, const char *url, fetch_done_fn *done, void *arg);

/* Transfers started and not yet done. */
size_t fetcher_in_flight(const struct fetcher *f);

#endif
