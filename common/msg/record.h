/* record.h -- the JSON documents trawl publishes: page records and dead letters
 * (CONTRACT "Outcomes"). */
#ifndef TRAWL_RECORD_H
#define TRAWL_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "fetch.h"

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

/* Returns the JSON text of a dead letter (caller frees): {"url" or "raw", "error", "detail",
 * "attempts", and "errors" when given (every attempt's error; borrowed)}. `raw` (len bytes,
 * any bytes) is used when url is NULL; invalid UTF-8 in it is replaced so the dead letter
 * stays valid JSON. */
char *dead_letter_encode(const char *url, const char *raw, size_t raw_len, const char *error,
                         const char *detail, int attempts, json_t *errors);

/* Serialises obj compactly (caller frees), or NULL when out of memory. */
char *record_dump(const json_t *obj);

#endif
