/* feed.h -- news feeds and sitemaps, recognised by their content (never by Content-Type) and
 * turned into the record's "feed" value: RSS 0.9x, 1.0 (RDF) and 2.0, Atom 0.3 and 1.0,
 * JSON Feed 1.0 and 1.1, sitemaps (<urlset>, with the news and image extensions) and sitemap
 * indexes, each possibly gzip-compressed.
 *
 * Parsing is bounded: gzip output stops at FEED_MAX_INFLATED_BYTES, at most max_items items
 * are kept, every string has a character ceiling. XML goes through libxml2 in recovery mode
 * without network, DTD loading or entity substitution (libxml2's own entity-expansion bounds
 * stay on): a feed that is not well-formed still gives what can be read of it.
 *
 * Nothing here keeps state between calls; the JSON returned is the caller's. */
#ifndef TRAWL_FEED_H
#define TRAWL_FEED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define FEED_MAX_INFLATED_BYTES (50u << 20) /* a gzip body may inflate to this, no more */
#define FEED_DEFAULT_MAX_ITEMS 1000
#define FEED_MAX_TITLE_CHARS 2000    /* titles (feed and item), news titles */
#define FEED_MAX_SUMMARY_CHARS 10000 /* summaries and feed descriptions */
#define FEED_MAX_FIELD_CHARS 2000    /* ids, authors, categories, enclosure types */
#define FEED_MAX_CATEGORIES 100      /* per item */
#define FEED_MAX_ENCLOSURES 50       /* per item; also images per sitemap URL */

enum feed_kind {
    FEED_NONE = 0,
    FEED_RSS,     /* RSS 0.9x, 1.0 (RDF) or 2.0 */
    FEED_ATOM,    /* Atom 0.3 or 1.0 */
    FEED_JSON,    /* JSON Feed */
    FEED_SITEMAP, /* <urlset> or <sitemapindex> */
};

/* Return codes of feed_parse: 0 or one of these. */
enum {
    FEED_E_NOT_FEED = -1, /* the body is none of the kinds above */
    FEED_E_GZIP = -2,     /* gzip data that does not inflate to anything */
    FEED_E_TOO_LARGE = -3,/* gzip data inflating past FEED_MAX_INFLATED_BYTES */
    FEED_E_NOMEM = -4,
};

struct feed_opts {
    size_t max_items; /* keep at most this many items; 0 means FEED_DEFAULT_MAX_ITEMS */
};

/* What the body is, judged from its first bytes (a gzip body from its first 64 KB once
 * inflated): the root element of an XML document (rss, rdf:RDF, feed, urlset, sitemapindex;
 * after a BOM, blank lines, the XML declaration, comments, a doctype; UTF-16 and UTF-32 too),
 * or a JSON object naming a jsonfeed.org version. Cheap: no parse, no allocation beyond the
 * gzip window. A FEED_NONE body is worth trying as HTML. */
enum feed_kind feed_detect(const char *body, size_t len);

/* "rss", "atom", "json", "sitemap", or NULL for FEED_NONE. */
const char *feed_kind_name(enum feed_kind k);

/* Parses `body` (len bytes, any bytes) and sets *out to a new JSON object (the caller owns
 * the reference):
 *   {"kind": "rss"|"atom"|"json"|"sitemap", "version": "2.0"|"1.0"|"0.91"|...|null,
 *    "title", "link", "description", "updated": string or null,
 *    "ttl": an RSS channel's <ttl> (minutes the feed may be cached, 1 to 525600) or null,
 *    "items": [ITEM...], and "items_truncated": true only when cut at max_items}
 * For sitemaps also "index": true for a <sitemapindex>, false for a <urlset>.
 * ITEM: {"title", "link", "id", "published", "updated", "author", "summary": string or null,
 *        "categories": [string...], "enclosures": [{"url", "type", "length"}...]}
 * Sitemap items add "sitemap": true (an index's entries: more sitemaps to fetch) and, with the
 * news extension, "news": {"name", "language", "title", "published"}; image extension URLs
 * go to "images": [url...]. A sitemap item's link and id are its <loc>, its "updated" the
 * <lastmod>, its title and "published" the news title and publication date.
 *
 * Strings: valid UTF-8; titles, summaries, authors and categories are plain text (entities
 * decoded, markup of escaped or inline HTML removed, whitespace collapsed), cut at the
 * FEED_MAX_*_CHARS ceilings. Links (feed link, item links, enclosure and image URLs) are
 * absolute canonical http(s) URLs (url.h), resolved against xml:base on the element or any
 * ancestor and then `base_url`, or null. Dates are RFC 3339 UTC (date.h), or null when the
 * feed's date cannot be read without guessing. "id" is the guid / id / JSON Feed id as
 * written (an Atom id relative to an xml:base is resolved), else the link.
 *
 * `content_type` (the HTTP header, may be NULL) is used only for its charset. `base_url` (may
 * be NULL) is the URL the feed came from. `o` may be NULL (defaults).
 *
 * Returns 0; FEED_E_NOT_FEED when the body is not a feed (an HTML page, an unknown XML root,
 * JSON that is not a JSON Feed, nothing); FEED_E_GZIP / FEED_E_TOO_LARGE for gzip bodies that
 * cannot be used; FEED_E_NOMEM. *out is NULL on every error. */
int feed_parse(const char *body, size_t len, const char *content_type, const char *base_url,
               const struct feed_opts *o, json_t **out);

/* A short text for a feed_parse return code ("not a feed", ...). */
const char *feed_strerror(int code);

/* The start of any text body as UTF-8, at most max_out bytes of it, cut at a character:
 * decoded from the charset a feed would be read with (the choice is made on the whole body;
 * feed_int.h's feed_decode_charset), invalid input as U+FFFD. --keep-body's text, so that a
 * feed and a kept body never disagree on a charset. Returns a malloc'd NUL-terminated string
 * (caller frees; its length in *out_len) and sets *cut when some of the body did not fit;
 * NULL when out of memory. */
char *feed_decode_text(const char *body, size_t len, const char *content_type, size_t max_out,
                       size_t *out_len, bool *cut);

#endif
