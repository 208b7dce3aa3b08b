/* extract.c -- page metadata, links and rules fields from an HTML body: libxml2 parses,
 * one walk over the tree collects everything but the rules' XPath fields. */
#define _GNU_SOURCE /* strcasestr, memmem */
#include "extract.h"

#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/globals.h>
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
 * bytes are also valid ASCII). */
static bool plain_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
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

/* ---- the tree walk ---------------------------------------------------------------------- */

/* The value of an attribute, borrowed from the tree. libxml2's HTML parser stores every
 * attribute value as one text node with entities already decoded, so no copy is needed;
 * anything else (never seen from the HTML parser) counts as absent. */
static const char *attr(xmlNodePtr n, const char *name)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, name) != 0)
            continue;
        if (!a->children)
            return "";
        if (a->children->type == XML_TEXT_NODE && !a->children->next && a->children->content)
            return (const char *)a->children->content;
        return NULL;
    }
    return NULL;
}

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

/* One candidate value for a metadata field: a string from an attribute, or an element
 * whose text is taken once it has won. Lower rank wins; the first seen wins a tie. */
struct pick {
    const char *str;
    xmlNodePtr node;
    int rank;
};

/* True when s has something besides whitespace: an empty content="" is no candidate. */
static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (!is_space((unsigned char)*s))
            return true;
    return false;
}

static void offer(struct pick *p, int rank, const char *str, xmlNodePtr node)
{
    if ((has_text(str) || node) && (!(p->str || p->node) || rank < p->rank)) {
        p->str = str;
        p->node = node;
        p->rank = rank;
    }
}

enum { F_TITLE, F_DESCRIPTION, F_PUBLISHED, F_AUTHOR, F_CANONICAL, F_LANG, F_BASE, F_N };

struct walk {
    struct pick f[F_N]; /* f[F_TITLE] holds og:title: <title> is title_node */
    xmlNodePtr title_node;
    const char **hrefs; /* <a href> values in document order, borrowed from the tree */
    size_t nhrefs, cap;
    bool oom;
};

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
static void on_meta(struct walk *w, xmlNodePtr n)
{
    const char *content = attr(n, "content");
    if (!content)
        return;
    const char *lists[2] = {attr(n, "name"), attr(n, "property")};
    for (int l = 0; l < 2; l++) {
        if (!lists[l] || !lists[l][0])
            continue;
        for (size_t k = 0; k < sizeof(meta_keys) / sizeof(meta_keys[0]); k++)
            if (has_token(lists[l], meta_keys[k].name))
                offer(&w->f[meta_keys[k].field], meta_keys[k].rank, content, NULL);
    }
}

/* Microdata: itemprop="datePublished" / "author" on any element. */
static void on_itemprop(struct walk *w, xmlNodePtr n, const char *itemprop)
{
    bool date = has_token(itemprop, "datePublished");
    bool author = has_token(itemprop, "author");
    if (!date && !author)
        return;
    const char *v = attr(n, "content");
    if (!v && date)
        v = attr(n, "datetime");
    if (date)
        offer(&w->f[F_PUBLISHED], 1, v, v ? NULL : n);
    if (author)
        offer(&w->f[F_AUTHOR], 3, v, v ? NULL : n);
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
    const char *name = (const char *)n->name;
    switch (name[0]) {
    case 'a':
        if (name[1] == '\0') {
            const char *href = attr(n, "href");
            if (!href)
                break;
            if (w->nhrefs == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 256;
                const char **h = realloc(w->hrefs, cap * sizeof(*h));
                if (!h) {
                    w->oom = true;
                    break;
                }
                w->hrefs = h;
                w->cap = cap;
            }
            w->hrefs[w->nhrefs++] = href;
        }
        break;
    case 'b':
        if (strcmp(name, "base") == 0 && !w->f[F_BASE].str)
            offer(&w->f[F_BASE], 0, attr(n, "href"), NULL);
        break;
    case 'h':
        if (strcmp(name, "html") == 0 && !w->f[F_LANG].str)
            offer(&w->f[F_LANG], 0, attr(n, "lang"), NULL);
        break;
    case 'l':
        if (strcmp(name, "link") == 0 && !w->f[F_CANONICAL].str) {
            const char *rel = attr(n, "rel");
            if (rel && has_token(rel, "canonical"))
                offer(&w->f[F_CANONICAL], 0, attr(n, "href"), NULL);
        }
        break;
    case 'm':
        if (strcmp(name, "meta") == 0)
            on_meta(w, n);
        break;
    case 't':
        if (strcmp(name, "title") == 0 && !w->title_node && !in_svg(n))
            w->title_node = n;
        break;
    default:
        break;
    }
    if (n->properties) {
        const char *itemprop = attr(n, "itemprop");
        if (itemprop)
            on_itemprop(w, n, itemprop);
    }
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
    struct strset seen = {NULL, 0, 0};
    bool truncated = false;
    for (size_t i = 0; i < w->nhrefs && links; i++) {
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

static void add_fields(json_t *record, xmlDocPtr doc, const struct rules *rules,
                       const char *final_url)
{
    json_t *fields = json_object();
    size_t n = 0;
    char *host = rules ? url_host(final_url) : NULL;
    const struct rule_field *f = rules ? rules_for_host(rules, host, &n) : NULL;
    free(host);
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

/* ---- the entry point -------------------------------------------------------------------- */

static int extract_doc(const char *body, size_t len, const char *encoding, int options,
                       const char *final_url, const struct extract_opts *o, json_t *record);

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

    /* HTML_PARSE_NOERROR silences the parser, not the encoding layer, which reports bad
     * input bytes through libxml2's generic error function: a page must never write to
     * stderr, so that function is swapped for the parse and the XPath fields. */
    xmlGenericErrorFunc old_fn = xmlGenericError;
    void *old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, on_generic_error);
    int rc = extract_doc(body, len, encoding, options, final_url, o, record);
    xmlSetGenericErrorFunc(old_ctx, old_fn);
    return rc;
}

static int extract_doc(const char *body, size_t len, const char *encoding, int options,
                       const char *final_url, const struct extract_opts *o, json_t *record)
{
    htmlDocPtr doc = htmlReadMemory(body, (int)len, NULL, encoding, options);
    if (!doc)
        return -1;

    struct walk w;
    memset(&w, 0, sizeof(w));
    walk_tree(&w, xmlDocGetRootElement(doc));

    static const int text_fields[] = {F_TITLE, F_DESCRIPTION, F_PUBLISHED, F_AUTHOR, F_LANG};
    static const char *const text_keys[] = {"title", "description", "published", "author",
                                            "lang"};
    for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
        const struct pick *p = &w.f[text_fields[i]];
        struct text t;
        text_init(&t, EXTRACT_MAX_TEXT_CHARS, true);
        if (text_fields[i] == F_TITLE && w.title_node)
            text_add_node(&t, w.title_node);
        if (t.kept_len == 0) { /* an empty <title> falls back to og:title */
            if (p->node)
                text_add_node(&t, p->node);
            else if (p->str)
                text_add(&t, p->str, strlen(p->str));
        }
        set_text(record, text_keys[i], &t);
    }

    struct url_base *page = url_base_new(final_url ? final_url : "", NULL, 0);
    struct url_base *base = page;
    if (w.f[F_BASE].str) {
        char *b = url_base_resolve(page, w.f[F_BASE].str);
        struct url_base *nb = b ? url_base_new(b, NULL, 0) : NULL;
        free(b);
        if (nb)
            base = nb;
    }
    if (w.f[F_CANONICAL].str) {
        char *c = url_base_resolve(base, w.f[F_CANONICAL].str);
        json_t *v = c ? json_string(c) : NULL;
        if (v)
            json_object_set_new(record, "canonical", v);
        free(c);
    }
    add_links(record, &w, base, o ? o->max_links : 5000);
    if (base != page)
        url_base_free(base);
    url_base_free(page);

    add_fields(record, doc, o ? o->rules : NULL, final_url);

    free(w.hrefs);
    xmlFreeDoc(doc);
    return 0;
}
