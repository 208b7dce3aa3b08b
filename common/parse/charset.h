/* charset.h -- which charset libxml2 should decode a page with. */
#ifndef TRAWL_CHARSET_H
#define TRAWL_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

struct page_charset {
    char name[64];    /* for libxml2, or "" to leave it to libxml2 (UTF-8, switching to
                       * ISO-8859-1 at the first invalid byte; text_add repairs the rest) */
    bool native_utf8; /* the body is valid UTF-8: parse it with no decoder at all */
};

/* The order: the Content-Type header's charset when libxml2 knows it; else UTF-8 when the
 * whole body is valid UTF-8 (a page that declares another charset but is valid UTF-8 is
 * almost always mislabelled, like the corpus's qq page); else the <meta> charset found in
 * the first 8 KB; else libuchardet's guess (not "utf-8": see charset.c); else nothing.
 * ISO-8859-1 and US-ASCII labels read as windows-1252, as browsers read them.
 * `content_type` may be NULL. */
void charset_detect(const char *content_type, const char *body, size_t len,
                    struct page_charset *out);

#endif
