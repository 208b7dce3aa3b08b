/* errcode.h -- the contract's error codes in one table: each code's name (as dead letters and
 * the errors metric spell it), whether another attempt may succeed, and what it means.
 * Fetch, retry, the worker's counters and metrics, --help and the README's list all read it
 * (tests/unit/errcode_test.c holds the README to it). */
#ifndef TRAWL_ERRCODE_H
#define TRAWL_ERRCODE_H

#include <stdbool.h>
#include <stddef.h>

enum errcode {
    ERR_NONE = 0,           /* not an error: an HTTP response */
    ERR_DNS,
    ERR_CONNECT,
    ERR_TIMEOUT,
    ERR_TLS,
    ERR_RESET,
    ERR_EMPTY_REPLY,
    ERR_BAD_RESPONSE,
    ERR_BAD_ENCODING,
    ERR_TRUNCATED,
    ERR_TOO_LARGE,
    ERR_TOO_MANY_REDIRECTS,
    ERR_BAD_REDIRECT,
    ERR_BLOCKED_ADDRESS,
    ERR_ROBOTS,
    ERR_BAD_MESSAGE,
    ERR_POISON,
    ERR_HTTP_STATUS,        /* spelt http_NNN with the status */
    ERR_COUNT
};

struct errcode_info {
    const char *name;       /* "http_NNN" stands for the http_ codes */
    bool transient;         /* worth another attempt (http_NNN: for 429, 502, 503, 504) */
    const char *meaning;    /* one line, for --help and the README */
};

/* Indexed by enum errcode; ERRCODE[ERR_NONE] is {"", false, ""}. */
extern const struct errcode_info ERRCODE[ERR_COUNT];

/* The code's name; for ERR_HTTP_STATUS "http_" and the status, written into buf (at least
 * ERRCODE_NAME_MAX bytes), which is returned. Never NULL. */
#define ERRCODE_NAME_MAX 16
const char *errcode_name(enum errcode code, long http_status, char *buf, size_t buflen);

/* The code a name spells (an "http_NNN" name gives ERR_HTTP_STATUS and NNN in *http_status
 * when not NULL); ERR_NONE for a name that is no code. */
enum errcode errcode_parse(const char *name, long *http_status);

/* True for the HTTP statuses worth another attempt: 429, 502, 503, 504. */
bool errcode_status_transient(long status);

#endif
