/* fetch.h -- HTTP transfers on libcurl's multi interface, driven by our loop (multi_socket:
 * curl tells us which sockets and which timeout to watch). One multi handle per process
 * shares connections (keep-alive, HTTP/2 multiplexing) and the DNS cache.
 *
 * Results are borrowed: valid only during the done callback. */
#ifndef TRAWL_FETCH_H
#define TRAWL_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "errcode.h"

struct loop;
struct fetcher;

/* Header lines in libcurl's form ("Name: value", "Name;" for an empty one; see header.h). */
struct fetch_headers {
    char **lines;               /* owned by whoever filled it (main: --header) */
    size_t n;
};

struct fetch_opts {
    const char *user_agent;     /* copied */
    struct fetch_headers headers; /* --header: sent with every request; borrowed, must
                                   outlive the fetcher */
    const char *proxy;          /* --proxy URL (checked by proxy_check), copied; NULL: none,
                                   and the http_proxy family of environment variables is
                                   ignored either way */
    long timeout_ms;            /* whole transfer */
    long connect_timeout_ms;
    long low_speed_bytes;       /* a transfer slower than this ... */
    long low_speed_time_s;      /* ... for this long is ended: timeout */
    size_t max_bytes;           /* decoded body ceiling */
    long max_redirects;
    int allow_private;          /* allow loopback/private addresses */
};

/* Why a transfer is made: the same transfer serves each, with its own limits. */
enum fetch_purpose {
    FETCH_PAGE,                 /* a URL of the queue: a record or a dead letter */
    FETCH_ROBOTS,               /* a host's robots.txt: rules for every worker */
};

/* One request. Strings are copied by fetcher_start. */
struct fetch_request {
    const char *url;
    enum fetch_purpose purpose;
    const char *const *headers; /* "Name: value" lines of this request (conditional GET),
                                   or NULL; they win over site_headers of the same name */
    size_t nheaders;
    const char *const *site_headers; /* the rules file's for the URL's host, or NULL; they
                                   win over --header lines of the same name */
    size_t nsite_headers;
    long max_redirects;         /* < 0: the fetcher's --max-redirects */
    size_t max_bytes;           /* 0: the fetcher's --max-bytes */
    int keep_partial;           /* over max_bytes: a result with the first max_bytes and
                                   `partial` set, not a too_large error */
};

struct fetch_result {
    const char *url;            /* as requested */
    enum errcode error;         /* ERR_NONE for an HTTP response, else why there is none */
    const char *detail;         /* human-readable, "" when none */
    long status;                /* final HTTP status (0 on error) */
    const char *final_url;      /* after redirects */
    const char *content_type;   /* header value or NULL */
    const char *body;           /* decoded, NUL-terminated (len excludes the NUL) */
    size_t len;
    uint64_t elapsed_ms;
    int64_t retry_after_s;      /* the response's Retry-After in seconds (either form), or -1 */
    const char *etag;           /* the final response's validators, or NULL */
    const char *last_modified;
    int64_t max_age_s;          /* its Cache-Control max-age, or -1 */
    int partial;                /* keep_partial: the body was cut at max_bytes */
    enum fetch_purpose purpose; /* as requested */
};

typedef void fetch_done_fn(const struct fetch_result *r, void *arg);

/* Returns a fetcher on loop l, or NULL with the reason in err. Copies opts. */
struct fetcher *fetcher_new(struct loop *l, const struct fetch_opts *o, char *err, size_t errlen);
/* Ends every transfer without calling its callback, then frees. NULL is a no-op. */
void fetcher_free(struct fetcher *f);

/* Starts the request; done runs exactly once, from the loop (never inline). Copies what it
 * needs of req. Returns 0, or -1 when the transfer could not be set up. */
int fetcher_start(struct fetcher *f, const struct fetch_request *req, fetch_done_fn *done,
                  void *arg);

/* Transfers started and not yet done. */
size_t fetcher_in_flight(const struct fetcher *f);

#endif
