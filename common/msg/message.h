/* message.h -- the input message on PREFIX.urls: JSON {"url": ..., "kind", "depth", "meta"}
 * or a bare URL as text/plain. Everything a delivery carries is checked here, once. */
#ifndef TRAWL_MESSAGE_H
#define TRAWL_MESSAGE_H

#include <jansson.h>
#include <stddef.h>

#define MESSAGE_MAX_BYTES 65536 /* a longer body is a bad message, whatever it holds */

enum message_kind { MESSAGE_PAGE = 0, MESSAGE_FEED };

struct message {
    char *url;              /* canonical, owned */
    enum message_kind kind;
    long depth;             /* 0 when absent */
    json_t *meta;           /* owned reference, NULL when absent */
    int attempt;            /* attempts made before this delivery ("attempt", 0 when absent) */
    json_t *errors;         /* owned: the earlier attempts' errors ("errors"), NULL when none */
    int parked;             /* times it was set aside for a busy host ("parked", 0 when absent) */
    long poll_every_s;      /* "poll": {"every": S, "max": S} from a polling producer: the URL */
    long poll_max_s;        /* comes again; 0 when absent */
};

#define MESSAGE_POLL_MAX_S (30L * 86400) /* the longest poll interval a message may ask */

/* Parses a delivery body. `content_type` may be "" or NULL. Returns 0 and fills out (release
 * with message_cleanup), or -1 with a reason naming the problem in err ("body is not valid
 * UTF-8", "\"url\" must be a string", "invalid URL 'x': no host"). */
int message_parse(const char *body, size_t len, const char *content_type, struct message *out,
                  char *err, size_t errlen);

void message_cleanup(struct message *m);

/* Builds the JSON body of an input message for `url` (canonical). Caller frees. */
char *message_encode(const char *url);

/* Builds the body of a message (caller frees): url, and kind, depth, meta and poll when they
 * are not the defaults (kind "page", depth 0, no meta, poll_every_s 0); meta is borrowed.
 * NULL when out of memory. */
char *message_encode_full(const char *url, enum message_kind kind, long depth, json_t *meta,
                          long poll_every_s, long poll_max_s);

/* Builds the body of m sent round again, for a retry or after parking: its fields,
 * "attempt": attempt, "errors": errors (borrowed; left out when NULL) and "parked": parked
 * (left out when 0). Caller frees; NULL when out of memory. */
char *message_encode_again(const struct message *m, int attempt, json_t *errors, int parked);

#endif
