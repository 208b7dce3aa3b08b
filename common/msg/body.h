/* body.h -- --keep-body: the response body in its record, bounded. */
#ifndef TRAWL_BODY_H
#define TRAWL_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* true for a text media type: text/..., JSON, XML and JavaScript (application/json,
 * application/xml, application/javascript, any +json or +xml); with no Content-Type, a body
 * that is valid UTF-8. `content_type` may be NULL. */
bool body_is_text(const char *content_type, const char *body, size_t len);

/* Sets on rec (a record, owned by the caller) the body of len bytes: a text body as "body",
 * a string of at most max_bytes bytes of UTF-8 (decoded from its charset as a feed would be,
 * cut at a character); any other as "body_base64", the base64 of its first max_bytes bytes;
 * and "body_truncated": true when some of the body was left out. Returns 0, or -1 when out of
 * memory. */
int body_add(json_t *rec, const char *body, size_t len, const char *content_type,
             size_t max_bytes);

#endif
