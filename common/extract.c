/* extract.c -- page metadata, links and rules fields from an HTML body. libxml2 parses; when
 * the page's host has rules fields, into a tree (XPath needs one) that one walk reads,
 * otherwise into SAX events that the same visitor reads with no tree built. */
#define _GNU_SOURCE /* strcasestr, memmem */
#include "extract.h"

#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"

/* ---- UTF-8 text building ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 when invalid (overlong,
 * surrogate, above U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xE0 && s[1] < 0xA0)
        return 0; /* overlong */
    if (c == 0xED && s[1] >= 0xA0)
        return 0; /* surrogate */
    if (c == 0xF0 && s[1] < 0x90)
        return 0; /* overlong */
    if (c == 0xF4 && s[1] >= 0x90)
        return 0; /* above U+10FFFF */
    return len;
}

/* True when all of s is valid UTF-8 with no ESC byte (ESC marks ISO-2022 encodings, whose
 * bytes are also valid ASCII). Runs of ASCII go 8 bytes at a time: most pages are mostly
 * ASCII, and this scan reads every byte of the body. */
static bool plain_utf8(const unsigned char *s, size_t n)
{
    const uint64_t high = 0x8080808080808080ULL, ones = 0x0101010101010101ULL;
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            uint64_t esc = x ^ (0x1BULL * ones); /* a zero byte where x has ESC */
            if ((x & high) || ((esc - ones) & ~esc & high))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (s[i] < 0x80) {
            if (s[i] == 0x1B)
                return false;
            i++;
            continue;
        }
        size_t k = utf8_seq(s + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* A growing UTF-8 string with a character ceiling. In `collapse` mode runs of ASCII
 * whitespace become one space; in both modes leading and trailing whitespace is dropped.
 * Invalid bytes become U+FFFD; NUL and other C0 controls count as whitespace. */
struct text {
    char *p;
    size_t len, cap;
    size_t chars, max_chars;
    size_t kept_len;    /* length up to the last non-whitespace character */
    bool collapse;
    bool pending_space; /* whitespace seen since the last character */
    bool full;          /* max_chars reached: further input is ignored */
    bool oom;
};

static void text_init(struct text *t, size_t max_chars, bool collapse)
{
    memset(t, 0, sizeof(*t));
    t->max_chars = max_chars;
    t->collapse = collapse;
}

static bool text_reserve(struct text *t, size_t more)
{
    if (t->len + more + 1 <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap * 2 : 64;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *p = realloc(t->p, cap);
    if (!p) {
        t->oom = t->full = true;
        return false;
    }
    t->p = p;
    t->cap = cap;
    return true;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c < 0x20;
}

static void text_add(struct text *t, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !t->full) {
        if (is_space(u[i])) {
            if (t->chars > 0)
                t->pending_space = true;
            if (!t->collapse && t->chars > 0 && u[i] >= 0x09 && u[i] <= 0x0D) {
                /* Trim-only mode keeps inner whitespace as written. */
                if (t->chars >= t->max_chars) {
                    t->full = true;
                    break;
                }
                if (!text_reserve(t, 1))
                    break;
                t->p[t->len++] = (char)u[i];
                t->chars++;
            } else if (!t->collapse && t->chars > 0 && u[i] == ' ') {
                if (t->chars >= t->max_chars) {
                    t->full = true;
                    break;
                }
                if (!text_reserve(t, 1))
                    break;
                t->p[t->len++] = ' ';
                t->chars++;
            }
            i++;
            continue;
        }
        size_t k = utf8_seq(u + i, n - i);
        const char *bytes = s + i;
        size_t blen = k;
        if (!k) {
            bytes = "\xEF\xBF\xBD"; /* U+FFFD for one invalid byte */
            blen = 3;
            k = 1;
        }
        bool space = t->collapse && t->pending_space;
        if (t->chars + (space ? 2 : 1) > t->max_chars) {
            t->full = true;
            break;
        }
        if (!text_reserve(t, blen + 1))
            break;
        if (space) {
            t->p[t->len++] = ' ';
            t->chars++;
        }
        memcpy(t->p + t->len, bytes, blen);
        t->len += blen;
        t->chars++;
        t->kept_len = t->len;
        t->pending_space = false;
        i += k;
    }
}

/* Returns the finished string (malloc'd, NUL-terminated, trailing whitespace dropped), or
 * NULL when empty or out of memory. */
static char *text_take(struct text *t, size_t *len)
{
    if (t->oom || t->kept_len == 0) {
        free(t->p);
        memset(t, 0, sizeof(*t));
        return NULL;
    }
    t->p[t->kept_len] = '\0';
    *len = t->kept_len;
    char *p = t->p;
    memset(t, 0, sizeof(*t));
    return p;
}

/* Appends the text of a node: its content for text-like nodes, the value for an attribute,
 * the text of every descendant for an element or document (walked without recursion,
 * stopping once the text is full). */
static void text_add_node(struct text *t, xmlNodePtr n)
{
    if (n->type == XML_NAMESPACE_DECL) {
        xmlNsPtr ns = (xmlNsPtr)n;
        if (ns->href)
            text_add(t, (const char *)ns->href, strlen((const char *)ns->href));
        return;
    }
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE ||
        n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE) {
        if (n->content)
            text_add(t, (const char *)n->content, strlen((const char *)n->content));
        return;
    }
    if (n->type != XML_ELEMENT_NODE && n->type != XML_ATTRIBUTE_NODE &&
        n->type != XML_DOCUMENT_NODE && n->type != XML_HTML_DOCUMENT_NODE)
        return;
    xmlNodePtr top = n, cur = n->children;
    while (cur && !t->full) {
        if ((cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) && cur->content)
            text_add(t, (const char *)cur->content, strlen((const char *)cur->content));
        if (cur->children && cur->type == XML_ELEMENT_NODE) {
            cur = cur->children;
            continue;
        }
        while (cur && cur != top && !cur->next)
            cur = cur->parent;
        if (!cur || cur == top)
            break;
        cur = cur->next;
    }
}

/* Sets key on obj to a JSON string built from the text, or null. */
static void set_text(json_t *obj, const char *key, struct text *t)
{
    size_t len = 0;
    char *s = text_take(t, &len);
    json_t *v = s ? json_stringn_nocheck(s, len) : NULL; /* text_add made it valid UTF-8 */
    json_object_set_new(obj, key, v ? v : json_null());
    free(s);
}

static json_t *text_json(struct text *t)
{
    size_t len = 0;
    char *s = text_take(t, &len);
    json_t *v = s ? json_stringn_nocheck(s, len) : json_string("");
    free(s);
    return v;
}

/* ---- what one pass over the page collects ------------------------------------------------ */

/* Both parsers feed the same visitor, on_tag(), one element at a time in document order:
 * the tree path walks the tree that htmlReadMemory built (XPath fields need it), the SAX
 * path gets the same elements from libxml2's SAX events without building a tree (cheaper:
 * the tree costs one malloc per node, attribute and text, then xmlFreeDoc). */

/* True when the space-separated, case-insensitive token list `list` contains `tok`. */
static bool has_token(const char *list, const char *tok)
{
    size_t tn = strlen(tok);
    const char *p = list;
    while (*p) {
        while (*p && is_space((unsigned char)*p))
            p++;
        const char *s = p;
        while (*p && !is_space((unsigned char)*p))
            p++;
        if ((size_t)(p - s) == tn && strncasecmp(s, tok, tn) == 0)
            return true;
    }
    return false;
}

/* True when s has something besides whitespace: an empty content="" is no candidate. */
static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (!is_space((unsigned char)*s))
            return true;
    return false;
}

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
                             * until parse_sax() ends, then pointers) */
    size_t nhrefs, cap;
    char *arena;            /* SAX: the href strings, NUL-terminated, back to back */
    size_t arena_len, arena_cap;
    bool oom;
};

/* The attributes on_tag() reads. */
enum { A_HREF, A_CONTENT, A_NAME, A_PROPERTY, A_REL, A_LANG, A_ITEMPROP, A_DATETIME, A_N };

/* One element as on_tag() sees it. Each attribute is the first of its name (libxml2's HTML
 * parser already drops repeated ones); one written without a value reads as "". */
struct tag {
    const char *name; /* local name, lower-case (libxml2 drops a "prefix:") */
    size_t name_len;
    bool has_attrs;
    const char *a[A_N]; /* NULL when absent */
    unsigned seen;      /* A_* bits: the first attribute of that name was seen */
};

/* Records attribute `name` when it is one of A_* and the first of its name. */
static void tag_attr(struct tag *t, const char *name, const char *value)
{
    int i = -1;
    switch (name[0]) {
    case 'c':
        i = strcmp(name, "content") == 0 ? A_CONTENT : -1;
        break;
    case 'd':
        i = strcmp(name, "datetime") == 0 ? A_DATETIME : -1;
        break;
    case 'h':
        i = strcmp(name, "href") == 0 ? A_HREF : -1;
        break;
    case 'i':
        i = strcmp(name, "itemprop") == 0 ? A_ITEMPROP : -1;
        break;
    case 'l':
        i = strcmp(name, "lang") == 0 ? A_LANG : -1;
        break;
    case 'n':
        i = strcmp(name, "name") == 0 ? A_NAME : -1;
        break;
    case 'p':
        i = strcmp(name, "property") == 0 ? A_PROPERTY : -1;
        break;
    case 'r':
        i = strcmp(name, "rel") == 0 ? A_REL : -1;
        break;
    default:
        break;
    }
    if (i >= 0 && !(t->seen & (1u << i))) {
        t->seen |= 1u << i;
        t->a[i] = value;
    }
}

static bool tag_is(const struct tag *t, const char *name, size_t len)
{
    return t->name_len == len && memcmp(t->name, name, len) == 0;
}

/* Copies n bytes of s into the arena, NUL-terminated; returns the offset or SIZE_MAX. */
static size_t arena_add(struct walk *w, const char *s, size_t n)
{
    if (w->arena_len + n + 1 > w->arena_cap) {
        size_t cap = w->arena_cap ? w->arena_cap * 2 : 16384;
        while (cap < w->arena_len + n + 1)
            cap *= 2;
        char *p = realloc(w->arena, cap);
        if (!p)
            return SIZE_MAX;
        w->arena = p;
        w->arena_cap = cap;
    }
    size_t off = w->arena_len;
    memcpy(w->arena + off, s, n);
    w->arena[off + n] = '\0';
    w->arena_len += n + 1;
    return off;
}

static void add_href(struct walk *w, const char *href)
{
    if (w->nhrefs == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        const char **h = realloc(w->hrefs, cap * sizeof(*h));
        if (!h) {
            w->oom = true;
            return;
        }
        w->hrefs = h;
        w->cap = cap;
    }
    if (w->copy) {
        /* The arena moves as it grows: keep the offset now, make it a pointer at the end. */
        size_t off = arena_add(w, href, strlen(href));
        if (off == SIZE_MAX) {
            w->oom = true;
            return;
        }
        w->hrefs[w->nhrefs++] = (const char *)(uintptr_t)off;
    } else {
        w->hrefs[w->nhrefs++] = href;
    }
}

/* Offers a candidate to field `field`; returns true when it won (so far). */
static bool offer(struct walk *w, int field, int rank, const char *str, bool elem)
{
    struct pick *p = &w->f[field];
    if (!((has_text(str) || elem) && (!(p->str || p->elem) || rank < p->rank)))
        return false;
    free(p->own);
    p->own = NULL;
    p->str = NULL;
    p->node = NULL;
    p->elem = elem;
    p->rank = rank;
    if (elem)
        return true;
    if (w->copy) {
        p->own = strdup(str);
        if (!p->own) {
            w->oom = true;
            p->rank = INT_MAX; /* no candidate */
            return false;
        }
        p->str = p->own;
    } else {
        p->str = str;
    }
    return true;
}

/* Metadata names and what they feed, by rank (lower wins). */
struct meta_key {
    const char *name;
    int field, rank;
};

static const struct meta_key meta_keys[] = {
    {"og:title", F_TITLE, 1},
    {"twitter:title", F_TITLE, 2},
    {"dc.title", F_TITLE, 3},
    {"dc:title", F_TITLE, 3},
    {"dcterms.title", F_TITLE, 3},
    {"parsely-title", F_TITLE, 4},
    {"description", F_DESCRIPTION, 0},
    {"og:description", F_DESCRIPTION, 1},
    {"article:published_time", F_PUBLISHED, 0},
    {"datepublished", F_PUBLISHED, 1},
    {"date", F_PUBLISHED, 2},
    {"pubdate", F_PUBLISHED, 2},
    {"publishdate", F_PUBLISHED, 2},
    {"dc.date", F_PUBLISHED, 3},
    {"dc.date.issued", F_PUBLISHED, 3},
    {"dcterms.date", F_PUBLISHED, 3},
    {"dcterms.issued", F_PUBLISHED, 3},
    {"author", F_AUTHOR, 0},
    {"article:author", F_AUTHOR, 1},
    {"dc.creator", F_AUTHOR, 2},
    {"dcterms.creator", F_AUTHOR, 2},
};

/* name="..." and property="..." may each hold several space-separated keys. */
static void on_meta(struct walk *w, const struct tag *t)
{
    if (!t->a[A_CONTENT])
        return;
    const char *lists[2] = {t->a[A_NAME], t->a[A_PROPERTY]};
    for (int l = 0; l < 2; l++) {
        if (!lists[l] || !lists[l][0])
            continue;
        for (size_t k = 0; k < sizeof(meta_keys) / sizeof(meta_keys[0]); k++)
            if (has_token(lists[l], meta_keys[k].name))
                offer(w, meta_keys[k].field, meta_keys[k].rank, t->a[A_CONTENT], false);
    }
}

/* Microdata: itemprop="datePublished" / "author" on any element. Returns the TEXT_* bits of
 * the fields that this element's text now feeds. */
static unsigned on_itemprop(struct walk *w, const struct tag *t)
{
    bool date = has_token(t->a[A_ITEMPROP], "datePublished");
    bool author = has_token(t->a[A_ITEMPROP], "author");
    if (!date && !author)
        return 0;
    const char *v = t->a[A_CONTENT];
    if (!v && date)
        v = t->a[A_DATETIME];
    unsigned bits = 0;
    if (date && offer(w, F_PUBLISHED, 1, v, !v) && !v)
        bits |= TEXT_PUBLISHED;
    if (author && offer(w, F_AUTHOR, 3, v, !v) && !v)
        bits |= TEXT_AUTHOR;
    return bits;
}

/* Visits one element, in document order. `in_svg`: an ancestor is an <svg> (only read for
 * <title>). Returns the TEXT_* bits of the fields whose value is this element's text. */
static unsigned on_tag(struct walk *w, const struct tag *t, bool in_svg)
{
    unsigned bits = 0;
    switch (t->name[0]) {
    case 'a':
        if (t->name_len == 1 && t->a[A_HREF])
            add_href(w, t->a[A_HREF]);
        break;
    case 'b':
        if (tag_is(t, "base", 4) && !w->f[F_BASE].str)
            offer(w, F_BASE, 0, t->a[A_HREF], false);
        break;
    case 'h':
        if (tag_is(t, "html", 4) && !w->f[F_LANG].str)
            offer(w, F_LANG, 0, t->a[A_LANG], false);
        break;
    case 'l':
        if (tag_is(t, "link", 4) && !w->f[F_CANONICAL].str && t->a[A_REL] &&
            has_token(t->a[A_REL], "canonical"))
            offer(w, F_CANONICAL, 0, t->a[A_HREF], false);
        break;
    case 'm':
        if (tag_is(t, "meta", 4))
            on_meta(w, t);
        break;
    case 't':
        if (tag_is(t, "title", 5) && !w->title_seen && !in_svg) {
            w->title_seen = true;
            bits |= TEXT_TITLE;
        }
        break;
    default:
        break;
    }
    if (t->has_attrs && t->a[A_ITEMPROP])
        bits |= on_itemprop(w, t);
    return bits;
}

/* ---- the tree walk ---------------------------------------------------------------------- */

/* The value of an attribute, borrowed from the tree. libxml2's HTML parser stores every
 * attribute value as one text node with entities already decoded, so no copy is needed;
 * anything else (never seen from the HTML parser) counts as absent. */
static const char *attr_value(xmlAttrPtr a)
{
    if (!a->children)
        return "";
    if (a->children->type == XML_TEXT_NODE && !a->children->next && a->children->content)
        return (const char *)a->children->content;
    return NULL;
}

static bool in_svg(xmlNodePtr n)
{
    for (xmlNodePtr p = n->parent; p && p->type == XML_ELEMENT_NODE; p = p->parent)
        if (strcmp((const char *)p->name, "svg") == 0)
            return true;
    return false;
}

static void on_element(struct walk *w, xmlNodePtr n)
{
    struct tag t;
    memset(&t, 0, sizeof(t));
    t.name = (const char *)n->name;
    t.name_len = strlen(t.name);
    t.has_attrs = n->properties != NULL;
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        tag_attr(&t, (const char *)a->name, attr_value(a));
    bool svg = !w->title_seen && tag_is(&t, "title", 5) && in_svg(n);
    unsigned bits = on_tag(w, &t, svg);
    if (bits & TEXT_TITLE)
        w->title_node = n;
    if (bits & TEXT_PUBLISHED)
        w->f[F_PUBLISHED].node = n;
    if (bits & TEXT_AUTHOR)
        w->f[F_AUTHOR].node = n;
}

/* Visits every element once, in document order, without recursion (pages can be deep). */
static void walk_tree(struct walk *w, xmlNodePtr root)
{
    xmlNodePtr cur = root;
    while (cur) {
        if (cur->type == XML_ELEMENT_NODE) {
            on_element(w, cur);
            if (cur->children) {
                cur = cur->children;
                continue;
            }
        }
        while (cur && !cur->next)
            cur = cur->parent;
        if (cur)
            cur = cur->next;
    }
}

/* ---- links ------------------------------------------------------------------------------ */

/* A set of strings for de-duplication: open addressing, FNV-1a, grown at half full. */
struct strset {
    char **slot;
    size_t cap, n;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Adds s (borrowed: the caller keeps it alive while the set lives). Returns 1 when added,
 * 0 when already present, -1 when out of memory. */
static int strset_add(struct strset *set, char *s)
{
    if ((set->n + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 512;
        char **slot = calloc(cap, sizeof(*slot));
        if (!slot)
            return -1;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slot[i])
                continue;
            size_t j = fnv1a(set->slot[i]) & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = set->slot[i];
        }
        free(set->slot);
        set->slot = slot;
        set->cap = cap;
    }
    size_t j = fnv1a(s) & (set->cap - 1);
    while (set->slot[j]) {
        if (strcmp(set->slot[j], s) == 0)
            return 0;
        j = (j + 1) & (set->cap - 1);
    }
    set->slot[j] = s;
    set->n++;
    return 1;
}

static void add_links(json_t *record, const struct walk *w, const struct url_base *base,
                      size_t max_links)
{
    json_t *links = json_array();
    struct strset seen = {NULL, 0, 0}; /* resolved URLs (owned) */
    struct strset raw = {NULL, 0, 0};  /* hrefs as written (borrowed) */
    bool truncated = false;
    for (size_t i = 0; i < w->nhrefs && links; i++) {
        /* An href written before resolves to the same URL, which was skipped or kept then:
         * either way nothing to do, and no URL parse (most of the cost of a link). */
        if (strset_add(&raw, (char *)w->hrefs[i]) == 0)
            continue;
        char *u = url_base_resolve(base, w->hrefs[i]);
        if (!u)
            continue;
        int added = strset_add(&seen, u);
        if (added <= 0) {
            free(u);
            continue;
        }
        if (json_array_size(links) >= max_links) {
            truncated = true;
            break;
        }
        /* json_string checks UTF-8: a host may carry raw (valid or not) bytes. */
        json_t *v = json_string(u);
        if (v)
            json_array_append_new(links, v);
    }
    for (size_t i = 0; i < seen.cap; i++)
        free(seen.slot[i]);
    free(seen.slot);
    free(raw.slot);
    json_object_set_new(record, "links", links ? links : json_array());
    if (truncated)
        json_object_set_new(record, "links_truncated", json_true());
}

/* ---- rules fields ----------------------------------------------------------------------- */

static void on_xpath_error(void *arg, xmlErrorPtr e)
{
}

static void on_generic_error(void *arg, const char *fmt, ...)
{
}

static json_t *field_value(xmlXPathObjectPtr res)
{
    struct text t;
    switch (res ? res->type : XPATH_UNDEFINED) {
    case XPATH_STRING:
        text_init(&t, EXTRACT_MAX_FIELD_CHARS, false);
        if (res->stringval) {
            /* "used as is": only made valid UTF-8 and bounded, so add byte runs directly. */
            const char *s = (const char *)res->stringval;
            size_t n = strlen(s);
            json_t *v = n <= EXTRACT_MAX_FIELD_CHARS ? json_stringn(s, n) : NULL;
            if (v)
                return v;
            text_add(&t, s, n);
        }
        return text_json(&t);
    case XPATH_NUMBER: {
        xmlChar *s = xmlXPathCastNumberToString(res->floatval);
        json_t *v = s ? json_string((const char *)s) : json_null();
        xmlFree(s);
        return v ? v : json_null();
    }
    case XPATH_BOOLEAN:
        return json_string(res->boolval ? "true" : "false");
    case XPATH_NODESET: {
        xmlNodeSetPtr ns = res->nodesetval;
        int n = ns ? ns->nodeNr : 0;
        if (n == 0)
            return json_null();
        if (n > EXTRACT_MAX_FIELD_VALUES)
            n = EXTRACT_MAX_FIELD_VALUES;
        json_t *arr = n > 1 ? json_array() : NULL;
        for (int i = 0; i < n; i++) {
            text_init(&t, EXTRACT_MAX_FIELD_CHARS, false);
            text_add_node(&t, ns->nodeTab[i]);
            json_t *v = text_json(&t);
            if (!arr)
                return v ? v : json_null();
            if (v)
                json_array_append_new(arr, v);
        }
        return arr ? arr : json_null();
    }
    default:
        return json_null();
    }
}

static void add_fields(json_t *record, xmlDocPtr doc, const struct rule_field *f, size_t n)
{
    json_t *fields = json_object();
    xmlXPathContextPtr ctx = n > 0 && doc ? xmlXPathNewContext(doc) : NULL;
    if (ctx) {
        /* Errors go nowhere: a page that makes an expression fail gives null, and a page
         * must never write to stderr (extract_html swaps the generic error function too:
         * libxml2 2.9 prints a few eval errors through it). */
        ctx->error = on_xpath_error;
        for (size_t i = 0; i < n; i++) {
            ctx->node = (xmlNodePtr)doc;
            ctx->opLimit = EXTRACT_XPATH_OP_LIMIT;
            ctx->opCount = 0;
            xmlXPathObjectPtr res = xmlXPathCompiledEval(f[i].expr, ctx);
            json_object_set_new(fields, f[i].name, field_value(res));
            xmlXPathFreeObject(res);
        }
        xmlXPathFreeContext(ctx);
    } else if (n > 0) {
        for (size_t i = 0; i < n; i++)
            json_object_set_new(fields, f[i].name, json_null());
    }
    json_object_set_new(record, "fields", fields ? fields : json_object());
}

/* ---- encoding --------------------------------------------------------------------------- */

/* Copies the value of a charset= parameter found in s[0..n) into out (lower-case), or "". */
static void find_charset(const char *s, size_t n, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *end = s + n;
    for (const char *p = s; p + 7 < end; p++) {
        if (strncasecmp(p, "charset", 7) != 0)
            continue;
        const char *q = p + 7;
        while (q < end && is_space((unsigned char)*q))
            q++;
        if (q >= end || *q != '=')
            continue;
        q++;
        while (q < end && (is_space((unsigned char)*q) || *q == '"' || *q == '\''))
            q++;
        size_t i = 0;
        while (q < end && i + 1 < outlen &&
               ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                (*q >= '0' && *q <= '9') || *q == '-' || *q == '_' || *q == '.' || *q == ':')) {
            out[i++] = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
            q++;
        }
        out[i] = '\0';
        if (i > 0)
            return;
    }
}

/* Browsers read these labels as windows-1252 (WHATWG Encoding); libxml2 would give C1
 * controls for bytes 0x80-0x9F. */
static const char *charset_alias(const char *cs)
{
    static const char *const latin1[] = {"iso-8859-1", "iso8859-1", "latin1", "l1",
                                         "us-ascii", "ascii", "iso_8859-1", "cp1252",
                                         "x-cp1252", "windows-1252"};
    for (size_t i = 0; i < sizeof(latin1) / sizeof(latin1[0]); i++)
        if (strcmp(cs, latin1[i]) == 0)
            return "windows-1252";
    if (strcmp(cs, "utf8") == 0)
        return "utf-8";
    if (strcmp(cs, "gb2312") == 0 || strcmp(cs, "x-gbk") == 0)
        return "gbk"; /* a superset; what browsers use */
    return cs;
}

/* glibc's CP1252 has no mapping for these five bytes and libxml2 stops parsing at the first
 * conversion error, so a "latin1" page holding one is read as real ISO-8859-1 instead. */
static const char *latin1_choice(const char *enc, const char *body, size_t len)
{
    if (strcmp(enc, "windows-1252") != 0)
        return enc;
    static const char holes[] = {'\x81', '\x8d', '\x8f', '\x90', '\x9d'};
    for (size_t i = 0; i < sizeof(holes); i++)
        if (memchr(body, holes[i], len))
            return "iso-8859-1";
    return enc;
}

/* True when libxml2 (built in or iconv) can decode this charset. */
static bool charset_known(const char *cs)
{
    if (!cs[0])
        return false;
    xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(cs);
    if (!h)
        return false;
    xmlCharEncCloseFunc(h); /* frees iconv-backed handlers, leaves built-in ones */
    return true;
}

/* A small <meta> charset prescan over the start of the body (the HTML spec scans 1024
 * bytes; pages in the wild put it later, so a little more). */
static void meta_charset(const char *body, size_t len, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t n = len < 8192 ? len : 8192;
    const char *p = body, *end = body + n;
    while (p < end) {
        const char *m = memmem(p, (size_t)(end - p), "<meta", 5);
        const char *M = memmem(p, (size_t)(end - p), "<META", 5);
        if (!m || (M && M < m))
            m = M;
        if (!m) {
            /* Mixed case "<Meta": rare enough for a slower scan. */
            for (const char *q = p; q + 5 <= end; q++)
                if (strncasecmp(q, "<meta", 5) == 0) {
                    m = q;
                    break;
                }
            if (!m)
                return;
        }
        const char *gt = memchr(m, '>', (size_t)(end - m));
        if (!gt)
            return;
        find_charset(m, (size_t)(gt - m), out, outlen);
        if (out[0])
            return;
        p = gt;
    }
}

/* ---- the SAX path ----------------------------------------------------------------------- */

/* The SAX handlers below see the events libxml2's tree builder (SAX2.c) would see, and
 * mirror the few things it decides that the output depends on, so that both paths give the
 * same record (extract_test and fuzz_extract compare them on every input):
 * - the node stack: an element is pushed on start and popped on end; text goes to the top
 *   element, and is dropped when the stack is empty. Past xmlParserMaxDepth the tree
 *   builder refuses the element and halts the parser: so do we.
 * - parents: an element started with an empty stack becomes the last child of the document's
 *   first child when that is an element (the root), else a top-level node.
 * - element names: "prefix:name" is stored as "name" (xmlSplitQName).
 * - text nodes: consecutive text events of one type (text or CDATA) into one element are one
 *   node; a chunk that would take it past XML_MAX_TEXT_LENGTH is dropped. Text is handed to
 *   text_add() in the same pieces as the tree path does (only invalid UTF-8 can tell).
 * - <!DOCTYPE>, comments and PIs: where they land changes the above, never the output.
 * - no document: when libxml2 skips startDocument, htmlReadMemory gives NULL.
 * Other libxml2 code that reads the tree while parsing (areBlanks) only matters when blanks
 * are not kept; htmlCtxtUseOptions keeps them. Read against libxml2 2.9.14's HTMLparser.c
 * and SAX2.c; fuzz_extract checks it on whatever libxml2 the build links. */

/* What we keep per open element. */
struct frame {
    unsigned char bits; /* TEXT_* fields whose element is this one or an ancestor */
    bool svg;           /* this element or an ancestor is an <svg> */
};

enum { DOC_EMPTY, DOC_ROOT, DOC_OTHER }; /* what the document's first child is */
enum { RUN_NONE, RUN_TEXT, RUN_CDATA };

struct sax {
    struct walk *w;
    xmlParserCtxtPtr ctxt;
    struct frame *stack; /* the tree builder's node stack */
    size_t depth, cap;
    bool started;        /* startDocument came: the tree builder would have a document */
    struct frame root;   /* the root element's frame, when first == DOC_ROOT */
    int first;           /* DOC_* */
    bool has_dtd;
    int run;             /* RUN_*: the text node being built in the top element */
    size_t run_len;      /* its bytes (as the tree builder counts them) */
    char *pend;          /* bytes of the run not yet given to text_add (a UTF-8 tail) */
    size_t pend_len, pend_cap;
};

/* Gives the pending bytes up to the last one that can start a UTF-8 sequence (all of them
 * when `all`) to every text collected from the top element. Splitting before such a byte is
 * invisible to text_add: no sequence spans it, valid or not. */
static void pend_flush(struct sax *s, bool all)
{
    size_t n = s->pend_len;
    if (!all)
        while (n > 0 && ((unsigned char)s->pend[n - 1] & 0xC0) == 0x80)
            n--;
    if (!all && n > 0)
        n--; /* keep the last sequence's lead byte too: its sequence may go on */
    if (n == 0)
        return;
    unsigned bits = s->depth ? s->stack[s->depth - 1].bits : 0;
    for (int f = 0; f < F_N; f++)
        if (bits & (1u << f))
            text_add(&s->w->text[f], s->pend, n);
    memmove(s->pend, s->pend + n, s->pend_len - n);
    s->pend_len -= n;
}

/* The current text node ends (an element starts or ends, a comment or PI comes). */
static void run_end(struct sax *s)
{
    if (s->pend_len)
        pend_flush(s, true);
    s->run = RUN_NONE;
    s->run_len = 0;
}

/* The TEXT_* bits among `bits` whose text still counts (the field still takes an element's
 * text, and that text is not full yet). */
static unsigned live_bits(const struct sax *s, unsigned bits)
{
    const struct walk *w = s->w;
    unsigned live = bits & TEXT_TITLE;
    if ((bits & TEXT_PUBLISHED) && w->f[F_PUBLISHED].elem)
        live |= TEXT_PUBLISHED;
    if ((bits & TEXT_AUTHOR) && w->f[F_AUTHOR].elem)
        live |= TEXT_AUTHOR;
    for (int f = 0; f < F_N; f++)
        if ((live & (1u << f)) && s->w->text[f].full)
            live &= ~(1u << f);
    return live;
}

static void on_text_event(struct sax *s, const xmlChar *ch, int len, int type)
{
    if (s->depth == 0 || len <= 0)
        return; /* no current node: the tree builder drops it */
    if (s->run == type) {
        if (s->run_len + (size_t)len > XML_MAX_TEXT_LENGTH &&
            !(s->ctxt->options & XML_PARSE_HUGE))
            return; /* the tree builder refuses to grow a text node past this */
        s->run_len += (size_t)len;
    } else {
        run_end(s);
        s->run = type;
        s->run_len = (size_t)len;
    }
    if (!live_bits(s, s->stack[s->depth - 1].bits))
        return;
    if (s->pend_len + (size_t)len > s->pend_cap) {
        size_t cap = s->pend_cap ? s->pend_cap * 2 : 1024;
        while (cap < s->pend_len + (size_t)len)
            cap *= 2;
        char *p = realloc(s->pend, cap);
        if (!p) {
            s->w->oom = true;
            return;
        }
        s->pend = p;
        s->pend_cap = cap;
    }
    memcpy(s->pend + s->pend_len, ch, (size_t)len);
    s->pend_len += (size_t)len;
    pend_flush(s, false);
}

static void on_sax_characters(void *ctx, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = ctx;
    on_text_event(ctxt->_private, ch, len, RUN_TEXT);
}

static void on_sax_cdata(void *ctx, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = ctx;
    on_text_event(ctxt->_private, ch, len, RUN_CDATA);
}

/* A comment or processing instruction: a node in the top element, or in the document. */
static void on_sax_other_node(struct sax *s)
{
    run_end(s);
    if (s->depth == 0 && s->first == DOC_EMPTY)
        s->first = DOC_OTHER;
}

static void on_sax_comment(void *ctx, const xmlChar *value)
{
    (void)value;
    on_sax_other_node(((xmlParserCtxtPtr)ctx)->_private);
}

static void on_sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)target;
    (void)data;
    on_sax_other_node(((xmlParserCtxtPtr)ctx)->_private);
}

/* <!DOCTYPE>: the first one becomes the document's first child (even after the root). */
static void on_sax_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    struct sax *s = ((xmlParserCtxtPtr)ctx)->_private;
    if (!s->has_dtd) {
        s->has_dtd = true;
        s->first = DOC_OTHER;
    }
}

/* libxml2 skips startDocument when the parser is already stopped (an encoding it cannot
 * switch to, say): htmlReadMemory then returns NULL, and so does our path. */
static void on_sax_start_document(void *ctx)
{
    struct sax *s = ((xmlParserCtxtPtr)ctx)->_private;
    s->started = true;
}

static void on_sax_start(void *ctx, const xmlChar *fullname, const xmlChar **atts)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct sax *s = ctxt->_private;
    if (!s->started)
        return; /* no document to add it to */
    run_end(s);
    if (s->depth > xmlParserMaxDepth && !(ctxt->options & XML_PARSE_HUGE)) {
        xmlStopParser(ctxt); /* as nodePush does for the tree builder */
        return;
    }
    if (s->depth == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct frame *st = realloc(s->stack, cap * sizeof(*st));
        if (!st) {
            s->w->oom = true;
            xmlStopParser(ctxt);
            return;
        }
        s->stack = st;
        s->cap = cap;
    }

    struct tag t;
    memset(&t, 0, sizeof(t));
    t.name = (const char *)fullname;
    xmlChar *local = NULL;
    if (strchr(t.name, ':')) {
        xmlChar *prefix = NULL;
        local = xmlSplitQName(ctxt, fullname, &prefix);
        xmlFree(prefix);
        if (!local) {
            s->w->oom = true;
            return;
        }
        t.name = (const char *)local;
    }
    t.name_len = strlen(t.name);
    t.has_attrs = atts && atts[0];
    for (size_t i = 0; atts && atts[i]; i += 2)
        tag_attr(&t, (const char *)atts[i], atts[i + 1] ? (const char *)atts[i + 1] : "");

    struct frame parent = {0, false};
    if (s->depth > 0)
        parent = s->stack[s->depth - 1];
    else if (s->first == DOC_ROOT)
        parent = s->root;
    struct frame f;
    f.bits = (unsigned char)(parent.bits | on_tag(s->w, &t, parent.svg));
    f.svg = parent.svg || tag_is(&t, "svg", 3);
    for (int k = 0; k < F_N; k++) {
        if ((f.bits & ~parent.bits) & (1u << k)) { /* this element's text starts here */
            free(s->w->text[k].p);
            text_init(&s->w->text[k], EXTRACT_MAX_TEXT_CHARS, true);
        }
    }
    if (s->first == DOC_EMPTY) {
        s->first = DOC_ROOT;
        s->root = f;
    }
    s->stack[s->depth++] = f;
    xmlFree(local);
}

static void on_sax_end(void *ctx, const xmlChar *name)
{
    (void)name;
    struct sax *s = ((xmlParserCtxtPtr)ctx)->_private;
    run_end(s);
    if (s->depth > 0)
        s->depth--;
}

/* Parses like htmlReadMemory (same context, options and encoding switch) with our handlers
 * instead of the tree builder's. Returns 0, or -1 when htmlReadMemory would have returned
 * no document (the parser could not be set up or stopped before the document began). */
static int parse_sax(struct walk *w, const char *body, size_t len, const char *encoding,
                     int options)
{
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(body, (int)len);
    if (!ctxt)
        return -1;
    htmlDefaultSAXHandlerInit();
    if (ctxt->sax)
        memcpy(ctxt->sax, &htmlDefaultSAXHandler, sizeof(xmlSAXHandlerV1));
    xmlSAXHandlerPtr h = ctxt->sax;
    if (!h) {
        xmlFreeParserCtxt(ctxt);
        return -1;
    }
    /* Only what the tree builder does that we mirror; no document is built. */
    h->internalSubset = on_sax_doctype;
    h->getEntity = NULL;
    h->setDocumentLocator = NULL;
    h->startDocument = on_sax_start_document;
    h->endDocument = NULL;
    h->startElement = on_sax_start;
    h->endElement = on_sax_end;
    h->characters = on_sax_characters;
    h->cdataBlock = on_sax_cdata;
    h->ignorableWhitespace = NULL; /* never called: htmlCtxtUseOptions keeps blanks */
    h->processingInstruction = on_sax_pi;
    h->comment = on_sax_comment;

    struct sax s;
    memset(&s, 0, sizeof(s));
    s.w = w;
    s.ctxt = ctxt;
    ctxt->_private = &s;

    /* htmlDoRead, less the tree. */
    htmlCtxtUseOptions(ctxt, options);
    ctxt->html = 1;
    if (encoding) {
        xmlCharEncodingHandlerPtr hdlr = xmlFindCharEncodingHandler(encoding);
        if (hdlr) {
            xmlSwitchToEncoding(ctxt, hdlr);
            if (ctxt->input->encoding)
                xmlFree((xmlChar *)ctxt->input->encoding);
            ctxt->input->encoding = xmlStrdup((const xmlChar *)encoding);
        }
    }
    htmlParseDocument(ctxt);
    run_end(&s);
    int rc = s.started ? 0 : -1;
    if (ctxt->myDoc) /* not expected without startDocument; never leak one */
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    free(s.stack);
    free(s.pend);

    for (size_t i = 0; i < w->nhrefs; i++)
        w->hrefs[i] = w->arena + (uintptr_t)w->hrefs[i];
    return rc;
}

/* ---- the entry point -------------------------------------------------------------------- */

/* Sets the record's fields from what the walk found (the same for both paths). */
static void set_found(json_t *record, struct walk *w, const char *final_url, size_t max_links)
{
    static const int text_fields[] = {F_TITLE, F_DESCRIPTION, F_PUBLISHED, F_AUTHOR, F_LANG};
    static const char *const text_keys[] = {"title", "description", "published", "author",
                                            "lang"};
    for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
        int f = text_fields[i];
        const struct pick *p = &w->f[f];
        struct text t;
        text_init(&t, EXTRACT_MAX_TEXT_CHARS, true);
        if (f == F_TITLE && w->title_seen) {
            if (w->copy) {
                t = w->text[F_TITLE];
                memset(&w->text[F_TITLE], 0, sizeof(w->text[F_TITLE]));
            } else {
                text_add_node(&t, w->title_node);
            }
        }
        if (t.kept_len == 0) { /* an empty <title> falls back to og:title */
            if (p->elem) {
                if (w->copy) {
                    free(t.p);
                    t = w->text[f];
                    memset(&w->text[f], 0, sizeof(w->text[f]));
                } else {
                    text_add_node(&t, p->node);
                }
            } else if (p->str) {
                text_add(&t, p->str, strlen(p->str));
            }
        }
        set_text(record, text_keys[i], &t);
    }

    struct url_base *page = url_base_new(final_url ? final_url : "", NULL, 0);
    struct url_base *base = page;
    if (w->f[F_BASE].str) {
        char *b = url_base_resolve(page, w->f[F_BASE].str);
        struct url_base *nb = b ? url_base_new(b, NULL, 0) : NULL;
        free(b);
        if (nb)
            base = nb;
    }
    if (w->f[F_CANONICAL].str) {
        char *c = url_base_resolve(base, w->f[F_CANONICAL].str);
        json_t *v = c ? json_string(c) : NULL;
        if (v)
            json_object_set_new(record, "canonical", v);
        free(c);
    }
    add_links(record, w, base, max_links);
    if (base != page)
        url_base_free(base);
    url_base_free(page);
}

static void walk_cleanup(struct walk *w)
{
    for (int f = 0; f < F_N; f++) {
        free(w->f[f].own);
        free(w->text[f].p);
    }
    free(w->hrefs);
    free(w->arena);
}

static int extract_tree(const char *body, size_t len, const char *encoding, int options,
                        const char *final_url, const struct extract_opts *o,
                        const struct rule_field *fields, size_t nfields, json_t *record)
{
    htmlDocPtr doc = htmlReadMemory(body, (int)len, NULL, encoding, options);
    if (!doc)
        return -1;
    struct walk w;
    memset(&w, 0, sizeof(w));
    walk_tree(&w, xmlDocGetRootElement(doc));
    set_found(record, &w, final_url, o ? o->max_links : 5000);
    add_fields(record, doc, fields, nfields);
    walk_cleanup(&w);
    xmlFreeDoc(doc);
    return 0;
}

static int extract_sax(const char *body, size_t len, const char *encoding, int options,
                       const char *final_url, const struct extract_opts *o, json_t *record)
{
    struct walk w;
    memset(&w, 0, sizeof(w));
    w.copy = true;
    int rc = parse_sax(&w, body, len, encoding, options);
    if (rc == 0) {
        set_found(record, &w, final_url, o ? o->max_links : 5000);
        json_object_set_new(record, "fields", json_object());
    }
    walk_cleanup(&w);
    return rc;
}

int extract_html(const char *body, size_t len, const char *content_type, const char *final_url,
                 const struct extract_opts *o, json_t *record)
{
    static const char *const keys[] = {"title", "description", "canonical",
                                       "lang",  "published",   "author"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        json_object_set_new(record, keys[i], json_null());
    json_object_set_new(record, "links", json_array());
    json_object_set_new(record, "fields", json_object());
    if (!body || len == 0 || len > INT_MAX)
        return -1;

    char cs[64] = "";
    const char *encoding = NULL;
    int options = HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                  HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT;
    if (content_type)
        find_charset(content_type, strlen(content_type), cs, sizeof(cs));
    if (cs[0] && charset_known(charset_alias(cs))) {
        encoding = charset_alias(cs);
    } else if (plain_utf8((const unsigned char *)body, len)) {
        /* libxml2's native encoding: no encoding argument (which would add a copying
         * UTF-8 "decoder", ~5% of the parse), and IGNORE_ENC so <meta> cannot change it. */
        options |= HTML_PARSE_IGNORE_ENC;
    } else {
        meta_charset(body, len, cs, sizeof(cs));
        if (cs[0] && charset_known(charset_alias(cs)))
            encoding = charset_alias(cs);
        /* Else libxml2 reads the page as UTF-8 and switches to ISO-8859-1 at the first
         * invalid byte; text_add repairs what is left. */
    }
    if (encoding) {
        encoding = latin1_choice(encoding, body, len);
        options |= HTML_PARSE_IGNORE_ENC; /* our choice wins over <meta> */
    }

    /* Rules fields need the tree (XPath); without any for this host, SAX is enough. */
    const struct rules *rules = o ? o->rules : NULL;
    size_t nfields = 0;
    const struct rule_field *fields = NULL;
    if (rules) {
        char *host = url_host(final_url);
        fields = rules_for_host(rules, host, &nfields);
        free(host);
    }
    bool tree = nfields > 0 || (o && o->parser == EXTRACT_PARSER_TREE);

    /* HTML_PARSE_NOERROR silences the parser, not the encoding layer, which reports bad
     * input bytes through libxml2's generic error function: a page must never write to
     * stderr, so that function is swapped for the parse and the XPath fields. */
    xmlGenericErrorFunc old_fn = xmlGenericError;
    void *old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, on_generic_error);
    int rc = tree ? extract_tree(body, len, encoding, options, final_url, o, fields, nfields,
                                 record)
                  : extract_sax(body, len, encoding, options, final_url, o, record);
    xmlSetGenericErrorFunc(old_ctx, old_fn);
    return rc;
}
