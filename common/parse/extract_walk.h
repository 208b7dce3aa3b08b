/* extract_walk.h -- what one pass over a page collects, shared by extract.c (the tree
 * path) and extract_sax.c (the SAX path). Internal to extraction: extract.h is the API. */
#ifndef TRAWL_EXTRACT_WALK_H
#define TRAWL_EXTRACT_WALK_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "text.h"

/* Both parsers feed the same visitor, walk_tag(), one element at a time in document order:
 * the tree path walks the tree that htmlReadMemory built (XPath fields need it), the SAX
 * path gets the same elements from libxml2's SAX events without building a tree (cheaper:
 * the tree costs one malloc per node, attribute and text, then xmlFreeDoc). */

enum { F_TITLE, F_DESCRIPTION, F_PUBLISHED, F_AUTHOR, F_CANONICAL, F_LANG, F_BASE, F_N };

/* One candidate value for a metadata field: a string from an attribute, or an element
 * whose text is taken once it has won. Lower rank wins; the first seen wins a tie. */
struct pick {
    const char *str;  /* attribute value: borrowed from the tree, or `own` (SAX) */
    char *own;        /* SAX: a copy of the value (the parser frees its own after the event) */
    bool elem;        /* the value is the text of an element */
    xmlNodePtr node;  /* tree: that element (SAX: its text is collected in walk.text) */
    int rank;
};

/* Bits for the element texts being collected (SAX) or found (tree). */
#define TEXT_TITLE (1u << F_TITLE)
#define TEXT_PUBLISHED (1u << F_PUBLISHED)
#define TEXT_AUTHOR (1u << F_AUTHOR)

struct walk {
    struct pick f[F_N];     /* f[F_TITLE] holds og:title & co; <title> is title_* below */
    bool title_seen;        /* the first <title> outside <svg> was found */
    xmlNodePtr title_node;  /* tree: that <title> */
    struct text text[F_N];  /* SAX: text of the <title> (F_TITLE) and of the elements picked
                             * for F_PUBLISHED / F_AUTHOR, collected as the events arrive */
    bool copy;              /* SAX: strings are copied (attribute values die with the event) */
    const char **hrefs;     /* <a href> values in document order (SAX: offsets into arena
                             * until walk_parse_sax() ends, then pointers) */
    size_t nhrefs, cap;
    char *arena;            /* SAX: the href strings, NUL-terminated, back to back */
    size_t arena_len, arena_cap;
    bool oom;
};

/* The attributes walk_tag() reads. */
enum { A_HREF, A_CONTENT, A_NAME, A_PROPERTY, A_REL, A_LANG, A_ITEMPROP, A_DATETIME, A_N };

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
 * <title>). Returns the TEXT_* bits of the fields whose value is this element's text. */
unsigned walk_tag(struct walk *w, const struct tag *t, bool in_svg);

/* Sets the record's page fields and links from what the walk found (the same for both
 * paths): "title" ... "author", "canonical", "links" and "links_truncated". */
void walk_set_found(json_t *record, struct walk *w, const char *final_url, size_t max_links);

/* Frees what the walk holds (not the walk itself). */
void walk_cleanup(struct walk *w);

/* The SAX path (extract_sax.c): parses like htmlReadMemory with `encoding` (or NULL) and
 * `options`, feeding walk_tag() without building a tree. Returns 0, or -1 when
 * htmlReadMemory would have returned no document. */
int walk_parse_sax(struct walk *w, const char *body, size_t len, const char *encoding,
                   int options);

#endif
