/* extract_walk.h -- what one pass over a page collects, shared by extract.c (the tree
 * path) and extract_sax.c (the SAX path). Internal to extraction: extract.h is the API. */
#ifndef TRAWL_EXTRACT_WALK_H
#define TRAWL_EXTRACT_WALK_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "extract.h"
#include "text.h"

/* Both parsers feed the same visitor, walk_tag(), one element at a time in document order:
 * the tree path walks the tree that htmlReadMemory built (XPath fields need it), the SAX
 * path gets the same elements from libxml2's SAX events without building a tree (cheaper:
 * the tree costs one malloc per node, attribute and text, then xmlFreeDoc). */

enum {
    F_TITLE,       /* meta titles (dc.title, og:title, ...); <title> is a grab */
    F_DESCRIPTION,
    F_PUBLISHED,
    F_MODIFIED,
    F_AUTHOR,
    F_CANONICAL,
    F_LANG,
    F_BASE,
    F_SITE,        /* og:site_name */
    F_IMAGE,       /* og:image, twitter:image */
    F_N
};

/* One candidate value for a metadata field: a string from an attribute, or an element
 * whose text is taken once it has won. Lower rank wins; the first seen wins a tie. */
struct pick {
    const char *str;  /* attribute value: borrowed from the tree, or `own` (SAX) */
    char *own;        /* SAX: a copy of the value (the parser frees its own after the event) */
    int grab;         /* the value is the text of an element: its grab, else -1 */
    int rank;
};

/* Element texts the metadata needs ("grabs"): the <title>, the <h1>s, JSON-LD scripts,
 * byline candidates and the elements a pick takes its text from. The tree path notes the
 * element and reads its text at the end; the SAX path collects the text as events arrive
 * (an open element's frame carries the bits of the grabs its text feeds). */
enum grab_kind { GRAB_TITLE, GRAB_PICK, GRAB_H1, GRAB_LD, GRAB_BYLINE, GRAB_REL_AUTHOR };

#define WALK_MAX_GRABS 32 /* one bit each in a SAX frame */
#define WALK_MAX_H1 4
#define WALK_MAX_LD 8
#define WALK_MAX_BYLINES 4
#define WALK_MAX_REL_AUTHORS 4
#define WALK_LD_MAX_CHARS (512 * 1024) /* a JSON-LD script is read up to this many characters */

struct grab {
    enum grab_kind kind;
    bool dead;        /* a pick that lost to a better candidate: its text is not needed */
    size_t link_no;   /* GRAB_REL_AUTHOR: how many <a href> the page had, this one included */
    xmlNodePtr node;  /* tree: the element */
    struct text text; /* SAX: collected as the events arrive; tree: filled at the end */
};

/* What the record gets from a JSON-LD Article (extract_meta.c); strings are owned. */
struct ld_article {
    char *headline, *name, *author, *published, *modified, *publisher, *image, *description;
    bool found; /* an object of an article type was found */
};

struct walk {
    struct pick f[F_N];
    bool title_seen;        /* the first <title> outside <svg> was found */
    int title_grab;         /* its grab, or -1 */
    struct grab g[WALK_MAX_GRABS];
    unsigned ng;
    unsigned nh1, nld, nbyline, nrel;
    bool time_seen;         /* the first <time datetime> was offered */
    bool copy;              /* SAX: strings are copied (attribute values die with the event) */
    const char **hrefs;     /* <a href> values in document order (SAX: offsets into arena
                             * until walk_parse_sax() ends, then pointers) */
    size_t nhrefs, cap;
    char *arena;            /* SAX: the href strings, NUL-terminated, back to back */
    size_t arena_len, arena_cap;
    char *feeds[EXTRACT_MAX_FEEDS]; /* <link rel=alternate type=feed> hrefs (copies) */
    size_t nfeeds;
    bool oom;
};

/* True when grab i still wants text (SAX). */
static inline bool walk_grab_live(const struct walk *w, unsigned i)
{
    return !w->g[i].dead && !w->g[i].text.full;
}

/* The attributes walk_tag() reads. */
enum {
    A_HREF, A_CONTENT, A_NAME, A_PROPERTY, A_REL, A_LANG, A_ITEMPROP, A_DATETIME, A_CLASS,
    A_ID, A_TYPE, A_N
};

/* One element as walk_tag() sees it. Each attribute is the first of its name (libxml2's HTML
 * parser already drops repeated ones); one written without a value reads as "". */
struct tag {
    const char *name; /* local name, lower-case (libxml2 drops a "prefix:") */
    size_t name_len;
    bool has_attrs;
    const char *a[A_N]; /* NULL when absent */
    unsigned seen;      /* A_* bits: the first attribute of that name was seen */
};

static inline bool tag_is(const struct tag *t, const char *name, size_t len)
{
    return t->name_len == len && memcmp(t->name, name, len) == 0;
}

/* Records attribute `name` when it is one of A_* and the first of its name. */
void tag_attr(struct tag *t, const char *name, const char *value);

/* Visits one element, in document order. `in_svg`: an ancestor is an <svg> (only read for
 * <title>). Returns the bits (1 << index) of the grabs that start at this element. */
uint32_t walk_tag(struct walk *w, const struct tag *t, bool in_svg);

/* Sets the record's page fields and links from what the walk found (the same for both
 * paths): "title" ... "author", "canonical", "links", "links_truncated" and "feeds". On the
 * tree path the grabs' texts are read from their elements first. */
void walk_set_found(json_t *record, struct walk *w, const char *final_url, size_t max_links);

/* ---- extract_meta.c: JSON-LD and the cascades ------------------------------------------- */

/* Reads the JSON-LD scripts (texts, in document order) and fills `a` with the first object
 * of an article type (Article, NewsArticle, BlogPosting, Report, ...), looking into arrays,
 * "@graph" and "mainEntity". A script that does not parse, even after the usual repairs
 * (trailing commas, raw control characters in strings, an HTML comment or CDATA wrapper), is
 * skipped. Free with ld_article_cleanup. */
void ld_article_read(struct ld_article *a, const char *const *scripts, size_t n);
void ld_article_cleanup(struct ld_article *a);

/* The headline from a page's <title> (whitespace collapsed): the site or section part
 * removed when the page shows which part it is. `site` (og:site_name or NULL) and the h1
 * texts help decide. Returns a malloc'd string, and in *removed (malloc'd or NULL) the site
 * part taken off. */
char *meta_clean_title(const char *title, const char *site, const char *const *h1, size_t nh1,
                       char **removed);

/* The site's name in a <title> (whitespace collapsed) that is the headline (found elsewhere:
 * JSON-LD, og:title) and the site beside it after a separator: "Headline | Site" or "Site -
 * Headline", sections between dropped. Malloc'd, or NULL when the title is not so made. */
char *meta_site_from_title(const char *title, const char *headline);

/* A headline the publisher gave (og:title, twitter:title, ...) without the site's name they
 * sometimes put beside it: "Headline | Site" or "Site - Headline" where `site` is exactly the
 * page's own og:site_name or JSON-LD publisher (case-insensitive). Malloc'd, or NULL when
 * there is no such part (nothing else is ever removed). */
char *meta_strip_site(const char *headline, const char *site);

/* True when s (trimmed) looks like a URL rather than a name. */
bool meta_is_url(const char *s);

/* ---- extract_date.c --------------------------------------------------------------------- */

/* Normalises a date as a page writes it (ISO 8601 forms, "2019-04-28 06:01:07", RFC 2822,
 * "28 April 2019", "April 28, 2019") into out: RFC 3339 in UTC ("...Z", fractions dropped)
 * when it has a zone, else the ISO form as found ("2019-04-28T06:01:07", "2019-04-28").
 * Returns 0, or -1 when s is not a date we can read (out is then ""). */
int extract_date_norm(const char *s, char *out, size_t outlen);

/* Where a date that ends s begins ("Jane Doe May 20, 2019": at "May"): the first word, after
 * a space and not the first, from which the rest is a whole date extract_date_norm reads,
 * starting with a digit, a month's name or a weekday's. strlen(s) when there is none. */
size_t extract_date_tail(const char *s);

/* Sets up an empty walk; `copy` for the SAX path (strings die with their event). */
void walk_init(struct walk *w, bool copy);

/* Frees what the walk holds (not the walk itself). */
void walk_cleanup(struct walk *w);

/* The SAX path (extract_sax.c): parses like htmlReadMemory with `encoding` (or NULL) and
 * `options`, feeding walk_tag() without building a tree. Returns 0, or -1 when
 * htmlReadMemory would have returned no document. */
int walk_parse_sax(struct walk *w, const char *body, size_t len, const char *encoding,
                   int options);

#endif
