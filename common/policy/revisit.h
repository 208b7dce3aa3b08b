/* revisit.h -- fetching a URL again, cheaply and when it is due: its validators (ETag,
 * Last-Modified) for a conditional GET, a digest of its last body, and its poll schedule,
 * kept per URL in one Redis hash that every worker and the polling producer share.
 *
 * The hash is PREFIX:{HOST}:revisit:HEX (HEX: FNV-1a of the canonical URL; the URL itself is
 * stored too and checked on every read, so two URLs that collide never trade validators).
 * Fields: url, etag, modified, digest, interval (ms), due (unix ms), queued (unix ms, set by
 * the producer when it enqueues the URL and cleared by the worker's outcome). */
#ifndef TRAWL_REVISIT_H
#define TRAWL_REVISIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv;

#define REVISIT_MAX_VALIDATOR 512 /* an ETag or Last-Modified longer is not kept */

/* What is known of a URL. Strings are "" when absent; numbers 0. */
struct revisit_state {
    char etag[REVISIT_MAX_VALIDATOR];
    char modified[REVISIT_MAX_VALIDATOR];
    char digest[17];            /* 16 hex digits of the last body's hash */
    int64_t interval_ms;        /* the poll interval now in force */
    int64_t due_ms;             /* the next poll not before this (unix ms) */
    int64_t queued_ms;          /* a producer enqueued it then, and no outcome came since */
};

/* Writes the hash's key for url (canonical) into out; -1 when it does not fit or the URL
 * has no host. */
int revisit_key(char *out, size_t outlen, const char *prefix, const char *url);

/* The body's digest, 16 hex digits and a NUL, into out. */
void revisit_digest(const char *body, size_t len, char out[17]);

/* The interval until the next poll, in ms. A poll that found the URL changed goes back to
 * every_ms; one that found it unchanged doubles the interval in force (prev_ms, or every_ms
 * when 0). Then floor_ms (the feed's <ttl>, Cache-Control max-age, Retry-After: the server's
 * own word) raises it. The result stays within every_ms .. max_ms. */
int64_t revisit_next_interval(int64_t every_ms, int64_t max_ms, int64_t prev_ms, bool changed,
                              int64_t floor_ms);

/* The worker's side, on the event loop. */
struct revisit;

/* Registers the scripts on kv (borrowed; must outlive the result). prefix is copied. */
struct revisit *revisit_new(struct kv *kv, const char *prefix);
void revisit_free(struct revisit *r);

/* st is NULL when the URL is not known (or Redis failed: err is then set). Borrowed for the
 * callback's duration. */
typedef void revisit_found_fn(const struct revisit_state *st, const char *err, void *arg);

/* Reads what is known of url. cb runs once, from the loop. -1 when Redis is not connected
 * (cb will not run). */
int revisit_lookup(struct revisit *r, const char *url, revisit_found_fn *cb, void *arg);

/* Stores st for url (queued is cleared) for ttl_ms. Fire and forget: a store lost to a Redis
 * outage costs one full fetch later, nothing else. -1 when not connected. */
int revisit_store(struct revisit *r, const char *url, const struct revisit_state *st,
                  int64_t ttl_ms);

#endif
