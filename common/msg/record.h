/* record.h -- the JSON documents trawl publishes: page records and dead letters
 * (CONTRACT "Outcomes"). */
#ifndef TRAWL_RECORD_H
#define TRAWL_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "fetch.h"
#include "message.h"

/* Returns a new record object for an HTTP response (caller owns the reference): url,
 * final_url, status, fetched_at, elapsed_ms, content_type, bytes, the page fields (title,
 * site_name, description, canonical, lang, published, modified, author, image, text) and
 * feed as null, links [], feeds [], fields {}, and meta (a new reference to `meta`, or
 * null). */
json_t *record_new(const char *url, const struct fetch_result *r, time_t fetched_at,
                   json_t *meta);

/* 1 when a response should go through the HTML extractor: an HTML content type, or none and
 * a body that starts like markup. */
int record_is_html(const char *content_type, const char *body, size_t len);

/* Returns the JSON text of a dead letter for the input message `in` (caller frees): {"url"
 * or "raw", "error", "detail", "attempts", "errors" when given (every attempt's error;
 * borrowed), and the input's "kind", "depth" and "meta" when they are not the defaults (page,
 * 0, none), so that the message can be rebuilt and sent again (trawl-producer
 * --requeue-dead). `raw` (len bytes, any bytes) is used when in->url is NULL; invalid UTF-8
 * in it is replaced so the dead letter stays valid JSON. NULL when out of memory. */
char *dead_letter_encode(const struct message *in, const char *raw, size_t raw_len,
                         const char *error, const char *detail, int attempts, json_t *errors);

/* A dead letter read back. */
struct dead_letter {
    char *error;            /* its code, owned; NULL when it has none */
    struct message msg;     /* the input message it stands for (url, kind, depth, meta;
                               attempt 0), checked as message_parse checks one; msg.url is
                               NULL when the letter has no usable URL */
};

/* Parses a dead letter's body into out (release with dead_letter_cleanup). Returns 0 when it
 * holds a URL the input message can be rebuilt from, else -1 with the reason in err ("not
 * JSON", "no \"url\": the message was bad") and whatever could be read (the error code) in
 * out. */
int dead_letter_parse(const char *body, size_t len, struct dead_letter *out, char *err,
                      size_t errlen);

void dead_letter_cleanup(struct dead_letter *d);

/* Serialises obj compactly (caller frees), or NULL when out of memory: json_dumps' text,
 * written by json_out_compact (json_out.h says why). */
char *record_dump(const json_t *obj);

#endif
