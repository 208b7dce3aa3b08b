/* extract.h -- from an HTML body to the record's page fields, with libxml2 and XPath.
 *
 * Parsing is bounded: the caller caps the body size; libxml2's own depth limits apply. */
#ifndef TRAWL_EXTRACT_H
#define TRAWL_EXTRACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

#define EXTRACT_MAX_TEXT_CHARS 2000      /* title, description, ... are cut here (characters) */
#define EXTRACT_MAX_FIELD_CHARS 100000   /* one rules field value is cut here (characters) */
#define EXTRACT_MAX_FIELD_VALUES 1000    /* a node-set field keeps at most this many values */
#define EXTRACT_XPATH_OP_LIMIT 20000000  /* libxml2 XPath operations per field evaluation */
#define EXTRACT_MAX_TEXT_BYTES (1024 * 1024) /* "text" default ceiling (bytes of UTF-8) */
#define EXTRACT_MAX_FEEDS 32             /* "feeds" keeps at most this many URLs */

/* How the page is parsed. Both give the same metadata; SAX is cheaper (no tree is built) and
 * is what AUTO uses when neither rules fields (XPath) nor the article text (no_text off)
 * need the tree. */
enum extract_parser {
    EXTRACT_PARSER_AUTO = 0,
    EXTRACT_PARSER_TREE, /* always build the tree (tests compare the two paths) */
};

struct extract_opts {
    size_t max_links;           /* keep at most this many links (contract default 5000) */
    const struct rules *rules;  /* may be NULL: no "fields" beyond {} */
    enum extract_parser parser; /* 0 (AUTO) unless testing */
    bool no_text;               /* true: no "text" (null), and the SAX path when no rules
                                 * fields apply: links and metadata only, no tree */
    size_t max_text_bytes;      /* "text" is cut (at a paragraph, else a character) to at most
                                 * this many bytes; 0 means EXTRACT_MAX_TEXT_BYTES */
};

/* Parses `body` (len bytes) as HTML and sets on `record` (a JSON object owned by the caller):
 * "title", "site_name", "description", "canonical", "lang", "published", "modified",
 * "author", "image", "text" (string or null), "links" (array of absolute canonical http(s)
 * URLs, document order, no duplicates), "links_truncated": true (only when cut at
 * max_links), "feeds" (array of absolute URLs of the feeds the page links to with
 * <link rel="alternate" type="application/rss+xml|atom+xml|feed+json">, [] when none) and
 * "fields" (object).
 *
 * Metadata (the same on both paths; the order of each cascade, first found wins):
 * - title: the headline. JSON-LD Article (or a subtype) "name"/"headline" (the one closer to
 *   the <title> or <h1> when they differ); meta dc.title, og:title, name=title, twitter:title,
 *   parsely-title, as the publisher wrote them but for the site's name beside the headline
 *   when site_name (og:site_name, JSON-LD publisher) is that name; else <title> with the
 *   site and section part removed (extract_meta.c says when); else the first <h1>. Never
 *   null when any is present.
 * - site_name: og:site_name, JSON-LD publisher name, else the part removed from <title>.
 * - author: JSON-LD author(s) (strings, Person objects, arrays: joined with ", "), meta
 *   author / article:author / dc.creator / parsely-author, rel=author text, itemprop=author,
 *   then a byline element (class or id "byline", "author", ...) of at most 100 characters.
 *   A URL is never an author.
 * - published / modified: JSON-LD datePublished / dateModified, article:published_time /
 *   modified_time, itemprop, <time datetime> (published only), then meta dates. Written as
 *   RFC 3339 in UTC when the source gives a zone, else as found (ISO form, no zone); a value
 *   that is not a date is skipped, never guessed.
 * - image: og:image, JSON-LD image, twitter:image; absolute (resolved like links).
 * - description: meta description, og:description, JSON-LD description.
 * - text: the article's main text (extract_text.h), only on the tree path with no_text off;
 *   null when the page has nothing article-like.
 * `content_type` is the HTTP header value or NULL: its charset wins over the document's own
 * declaration. `final_url` is the URL the body came from (the base unless <base href>).
 * Returns 0; -1 only when the body could not be parsed at all (the fields are then null,
 * "links" [] and "fields" {}: every key is always set).
 *
 * Encoding: the header's charset when libxml2 knows it; else UTF-8 when the whole body is
 * valid UTF-8 (a page that declares another charset but is valid UTF-8 is almost always
 * mislabelled, like the corpus's qq page); else the <meta> charset (ISO-8859-1 and US-ASCII
 * read as windows-1252, as browsers do); else libxml2's own fallback. Every string set on
 * the record is valid UTF-8 (invalid bytes become U+FFFD).
 *
 * Field values: title/description/... have whitespace collapsed and are cut at
 * EXTRACT_MAX_TEXT_CHARS characters. Rules fields: a string result as is, a number or
 * boolean as XPath's string(), a node-set as the trimmed text of each node (attributes give
 * their value): none gives null, one a string, several an array. An XPath that fails on
 * this page (or runs past EXTRACT_XPATH_OP_LIMIT) gives null. */
int extract_html(const char *body, size_t len, const char *content_type, const char *final_url,
                 const struct extract_opts *o, json_t *record);

#endif
