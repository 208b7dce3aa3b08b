/* feed_int.h -- what the feed modules share: the parse state, text and link helpers.
 * Internal to feed parsing: feed.h is the API. */
#ifndef TRAWL_FEED_INT_H
#define TRAWL_FEED_INT_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "feed.h"
#include "text.h"
#include "url.h"

#define FEED_MAX_RAW_BYTES (4u << 20) /* escaped HTML handed to the HTML parser, at most */

/* One parse. */
struct feed_ctx {
    size_t max_items;
    struct url_base *base; /* the feed's URL, canonical; NULL when none or not http(s) */
    json_t *feed;          /* the result being built */
    json_t *items;         /* borrowed from feed */
    bool oom;
};

/* feed_decode.c: the body made ready for libxml2. Returns a malloc'd, NUL-terminated UTF-8
 * copy of the XML document in body (caller frees; its length in *out_len): decoded from the
 * charset chosen as feed_decode_charset says, BOM and anything before the first '<' dropped,
 * bare '&' escaped, HTML named entities (&nbsp;, &eacute;, ...) and the XML ones written as
 * character references, numeric references to the C1 range read as windows-1252 (as HTML
 * does). NULL when out of memory. */
char *feed_decode_xml(const char *body, size_t len, const char *content_type, size_t *out_len);

/* The charset feed_decode_xml reads body with, into name (for iconv): a BOM; else UTF-16/32
 * by the byte pattern of the first characters; else UTF-8 when the whole body is valid UTF-8
 * (a feed that is valid UTF-8 but declares another charset is mislabelled: the other way round
 * almost never happens); else the Content-Type charset; else the XML declaration's; else,
 * when neither names one, libuchardet's guess; else windows-1252. Labels are read as
 * browsers read them (ISO-8859-1 is windows-1252), and a UTF-8 label on bytes that hold not
 * one UTF-8 sequence as windows-1252 (Latin-1 text under a wrong label). */
void feed_decode_charset(const char *body, size_t len, const char *content_type,
                         char name[64]);

/* UTF-16 or UTF-32 ("UTF-16LE", ...) from a BOM or from where the NULs of "<?xml" or leading
 * whitespace fall; NULL when the body is 8-bit. Detection needs no more than this: the width
 * of a character, not a charset (libuchardet costs ~60 ns a byte, too much for every page). */
const char *feed_decode_wide(const char *body, size_t len);

/* How an element's content is written. */
enum feed_text_mode {
    FEED_TEXT_PLAIN,  /* text as is (Atom type="text") */
    FEED_TEXT_HTML,   /* escaped HTML (Atom type="html", RSS) */
    FEED_TEXT_XHTML,  /* inline markup (Atom type="xhtml") */
};

/* feed_text.c: appends to t the plain text of element el. RSS elements: pass
 * FEED_TEXT_HTML (their text is HTML when it looks like markup, inline elements are read as
 * markup too). Atom text constructs: use feed_text_construct. */
void feed_text_of(struct text *t, xmlNodePtr el, enum feed_text_mode mode);

/* Atom's text constructs and 0.3's content: type ("text", "html", "xhtml", MIME types) and
 * mode ("escaped", "base64", "xml") read from el's attributes. */
void feed_text_construct(struct text *t, xmlNodePtr el);

/* Appends the text of an HTML fragment (len bytes of UTF-8) to t, as libxml2's HTML parser
 * reads it: tags dropped, entities decoded, script and style skipped, a space between blocks. */
void feed_text_html(struct text *t, const char *html, size_t len);

/* The element's text, trimmed, as a JSON string (or null), cut at max_chars; no markup
 * reading (ids, dates, URLs). */
json_t *feed_plain_json(xmlNodePtr el, size_t max_chars);

/* A malloc'd copy of el's text content, whitespace trimmed, at most `cap` bytes; NULL when
 * empty. */
char *feed_node_string(xmlNodePtr el, size_t cap);

/* Resolves href (as written in element n) against the xml:base of n and its ancestors, then
 * the feed's URL. Returns an absolute canonical http(s) URL as JSON, or null. */
json_t *feed_link_json(struct feed_ctx *c, xmlNodePtr n, const char *href);

/* The same, as a malloc'd string (NULL when it does not resolve). */
char *feed_link_resolve(struct feed_ctx *c, xmlNodePtr n, const char *href);

/* A date element's text as an RFC 3339 JSON string, or null. */
json_t *feed_date_json(xmlNodePtr el);

/* A new item with every key set: strings null, "categories" and "enclosures" []. */
json_t *feed_item_new(void);

/* Appends item (taking the reference) unless max_items are already kept, in which case it is
 * dropped and "items_truncated" set. Returns false once the ceiling is reached. */
bool feed_item_add(struct feed_ctx *c, json_t *item);

/* Sets key on obj (taking the reference of v, which may be NULL: then null). */
void feed_set(json_t *obj, const char *key, json_t *v);

/* feed_xml.c: RSS, RDF and Atom from a parsed document. Returns 0 or FEED_E_NOT_FEED. */
int feed_xml_read(struct feed_ctx *c, xmlDocPtr doc);

/* feed_sitemap.c: <urlset> and <sitemapindex>. Returns 0 or FEED_E_NOT_FEED. */
int feed_sitemap_read(struct feed_ctx *c, xmlNodePtr root);

/* feed_jsonfeed.c: JSON Feed. Returns 0, FEED_E_NOT_FEED or FEED_E_NOMEM. */
int feed_jsonfeed_read(struct feed_ctx *c, const char *body, size_t len);

/* The local name of element n, without a prefix: libxml2 keeps "dc:creator" as the name when
 * the prefix was never declared. */
const char *feed_local_name(xmlNodePtr n);

/* The namespace class of element n (its URI, or for an undeclared prefix the prefix's usual
 * meaning). */
enum feed_ns {
    NS_NONE,     /* no namespace */
    NS_RSS,      /* RSS 1.0, 0.90, and RSS 2.0 written with a namespace */
    NS_ATOM,     /* Atom 1.0 */
    NS_ATOM03,   /* Atom 0.3 */
    NS_DC,       /* Dublin Core elements and terms */
    NS_CONTENT,  /* content:encoded */
    NS_RDF,
    NS_SITEMAP,
    NS_NEWS,     /* Google News sitemaps */
    NS_IMAGE,    /* Google image sitemaps */
    NS_MEDIA,    /* Media RSS */
    NS_ITUNES,
    NS_XHTML,
    NS_OTHER,
};
enum feed_ns feed_ns_of(xmlNodePtr n);

/* True when n is an element named `name` in namespace class ns. */
bool feed_is(xmlNodePtr n, enum feed_ns ns, const char *name);

/* An attribute's value (borrowed from the tree, decoded), or NULL. */
const char *feed_attr(xmlNodePtr n, const char *name);

#endif
