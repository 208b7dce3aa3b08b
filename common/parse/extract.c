/* extract.c -- page metadata, links and rules fields from an HTML body. libxml2 parses; when
 * the page's host has rules fields, into a tree (XPath needs one) that one walk reads,
 * otherwise into SAX events that the same visitor reads with no tree built. */
#define _GNU_SOURCE /* memmem */
#include "extract.h"

#include <libxml/HTMLparser.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "extract_text.h"
#include "extract_walk.h"
#include "url.h"

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
    uint32_t bits = walk_tag(w, &t, svg);
    for (unsigned i = 0; bits && i < w->ng; i++)
        if (bits & (1u << i))
            w->g[i].node = n;
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

/* ---- rules fields ----------------------------------------------------------------------- */

static void on_xpath_error(void *arg, xmlErrorPtr e)
{
}

static void on_generic_error(void *arg, const char *fmt, ...)
{
}

/* An XPath number as JSON: a whole number within the range a double holds exactly is an
 * integer, any other finite number a real, NaN and the infinities (which JSON lacks) null. */
static json_t *number_value(double d)
{
    if (isnan(d) || isinf(d))
        return json_null();
    if (d == floor(d) && fabs(d) <= 9007199254740992.0) /* 2^53 */
        return json_integer((json_int_t)d);
    return json_real(d);
}

/* A field's value, by the type table of the README's "Rules file": a string result as is, a
 * number a JSON number, a boolean a JSON boolean, a node-set the trimmed text of each node:
 * none null, one a string, several an array. A list field wraps any of these in an array
 * (none: [], and an evaluation error [] as well, so that its type never changes). */
static json_t *field_value(xmlXPathObjectPtr res, bool list)
{
    struct text t;
    json_t *v = NULL;
    switch (res ? res->type : XPATH_UNDEFINED) {
    case XPATH_STRING:
        text_init(&t, EXTRACT_MAX_FIELD_CHARS, false);
        if (res->stringval) {
            /* "used as is": only made valid UTF-8 and bounded, so add byte runs directly. */
            const char *s = (const char *)res->stringval;
            size_t n = strlen(s);
            v = n <= EXTRACT_MAX_FIELD_CHARS ? json_stringn(s, n) : NULL;
            if (!v)
                text_add(&t, s, n);
        }
        if (!v)
            v = text_json(&t);
        break;
    case XPATH_NUMBER:
        v = number_value(res->floatval);
        break;
    case XPATH_BOOLEAN:
        v = json_boolean(res->boolval);
        break;
    case XPATH_NODESET: {
        xmlNodeSetPtr ns = res->nodesetval;
        int n = ns ? ns->nodeNr : 0;
        if (n > EXTRACT_MAX_FIELD_VALUES)
            n = EXTRACT_MAX_FIELD_VALUES;
        if (n == 0)
            return list ? json_array() : json_null();
        json_t *arr = n > 1 || list ? json_array() : NULL;
        for (int i = 0; i < n; i++) {
            text_init(&t, EXTRACT_MAX_FIELD_CHARS, false);
            text_add_node(&t, ns->nodeTab[i]);
            json_t *one = text_json(&t);
            if (!arr)
                return one ? one : json_null();
            if (one)
                json_array_append_new(arr, one);
        }
        return arr ? arr : json_null();
    }
    default:
        break;
    }
    if (!list)
        return v ? v : json_null();
    json_t *arr = json_array();
    if (arr && v && !json_is_null(v))
        json_array_append(arr, v);
    json_decref(v);
    return arr ? arr : json_null();
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
            json_object_set_new(fields, f[i].name, field_value(res, f[i].list));
            xmlXPathFreeObject(res);
        }
        xmlXPathFreeContext(ctx);
    } else if (n > 0) {
        for (size_t i = 0; i < n; i++)
            json_object_set_new(fields, f[i].name, f[i].list ? json_array() : json_null());
    }
    json_object_set_new(record, "fields", fields ? fields : json_object());
}

/* ---- bytes a browser reads past ----------------------------------------------------------- */

/* True when the body starts like UTF-16 or UTF-32: a byte-order mark, or "<" with NULs
 * before or after it, as wide markup starts. Any other NUL in the first bytes ("<p\0>") is
 * a stray byte to drop, not a sign of a wide charset. */
static bool wide_start(const unsigned char *b, size_t len)
{
    if (len >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE)))
        return true; /* UTF-16 BOMs, and the UTF-32LE one (FF FE 00 00) */
    if (len >= 4 && b[0] == 0 && b[1] == 0 &&
        ((b[2] == 0xFE && b[3] == 0xFF) || (b[2] == 0 && b[3] == '<')))
        return true; /* UTF-32BE: BOM, or "\0\0\0<" */
    /* "<\0" and "\0<" (UTF-16, and "<\0\0\0" for UTF-32LE) */
    return len >= 2 && ((b[0] == '<' && b[1] == 0) || (b[0] == 0 && b[1] == '<'));
}

/* The first "<!--" in [p, end), or NULL. Found from its '!', which HTML rarely has outside
 * comments and the doctype: memchr skips a page in a few thousand instructions, where
 * memmem took ~55,000 for the ~45 KB of a bench page, on every page. */
static const char *find_comment_open(const char *p, const char *end)
{
    for (const char *q = p + 1; q + 2 < end; q++) {
        q = memchr(q, '!', (size_t)(end - 2 - q));
        if (!q)
            return NULL;
        if (q[-1] == '<' && q[1] == '-' && q[2] == '-')
            return q - 1;
    }
    return NULL;
}

/* libxml2 2.9 stops at bytes and comments that browsers read past, so that a page would
 * lose everything after them: a NUL byte ends the document, "<!-->" and "<!--->" (empty
 * comments to a browser) and a comment never closed swallow the rest. This returns a
 * repaired copy (malloc'd, length in *out_len), or NULL when the body needs none (the common
 * case: one memchr for a NUL and one for the "!" of "<!--"):
 * - NUL bytes are dropped, as a browser's tree builder drops them in text; not in a body
 *   whose charset is UTF-16 or UTF-32, nor one that starts like them (wide_start), where
 *   NULs are part of the characters;
 * - "<!-->" and "<!--->" become "<!---->";
 * - a "<!--" with no "-->" after it becomes "<!---->", an empty comment: a browser would
 *   hide the rest of the page, we keep its links and text, so the opener must be neither a
 *   comment (libxml2 would drop the rest too) nor text (it once became "<! --", which
 *   libxml2 kept as text, and the marker showed in the record's "text"). Not simply
 *   dropped: the bytes either side could then join into a new "<!--" ("<<!--!--"). */
static char *repair_body(const char *body, size_t len, const char *encoding, size_t *out_len)
{
    bool wide = (encoding && (strstr(encoding, "16") || strstr(encoding, "32") ||
                              strncasecmp(encoding, "UCS", 3) == 0)) ||
                wide_start((const unsigned char *)body, len);
    bool nul = !wide && memchr(body, 0, len);
    /* Comments that need work: up to the first unclosed one (all later ones are too). */
    bool comments = false;
    for (const char *p = body, *end = body + len;;) {
        const char *c = find_comment_open(p, end);
        if (!c)
            break;
        const char *q = c + 4;
        if ((q < end && *q == '>') || (q + 1 < end && q[0] == '-' && q[1] == '>')) {
            comments = true;
            break;
        }
        const char *close = memmem(q, (size_t)(end - q), "-->", 3);
        if (!close) {
            comments = true;
            break;
        }
        p = close + 3;
    }
    if (!nul && !comments)
        return NULL;
    /* Each repair takes at least 4 bytes and writes 7 ("<!--" unclosed to "<!---->"): at most
     * 3 more bytes per 4 ("<!-->" repeated overran the len / 4 this once allowed). */
    char *out = malloc(len + len / 4 * 3 + 16);
    if (!out)
        return NULL;
    size_t o = 0;
    bool unclosed = false; /* no "-->" from here on */
    for (size_t i = 0; i < len;) {
        char ch = body[i];
        if (ch == '\0' && nul) {
            i++;
            continue;
        }
        if (comments && ch == '<' && i + 4 <= len && memcmp(body + i, "<!--", 4) == 0) {
            const char *q = body + i + 4, *end = body + len;
            if (q < end && *q == '>') {
                memcpy(out + o, "<!---->", 7);
                o += 7;
                i += 5;
                continue;
            }
            if (q + 1 < end && q[0] == '-' && q[1] == '>') {
                memcpy(out + o, "<!---->", 7);
                o += 7;
                i += 6;
                continue;
            }
            const char *close = unclosed ? NULL : memmem(q, (size_t)(end - q), "-->", 3);
            if (!close) {
                unclosed = true;
                memcpy(out + o, "<!---->", 7);
                o += 7;
                i += 4;
                continue;
            }
            /* A well-formed comment: copied as it is, NULs inside dropped. */
            size_t stop = (size_t)(close + 3 - body);
            for (; i < stop; i++)
                if (body[i] != '\0' || !nul)
                    out[o++] = body[i];
            continue;
        }
        out[o++] = ch;
        i++;
    }
    *out_len = o;
    return out;
}

/* ---- the entry point -------------------------------------------------------------------- */

static int extract_tree(const char *body, size_t len, const char *encoding, int options,
                        const char *final_url, const struct extract_opts *o,
                        const struct rule_field *fields, size_t nfields, json_t *record)
{
    htmlDocPtr doc = htmlReadMemory(body, (int)len, NULL, encoding, options);
    if (!doc)
        return -1;
    struct walk w;
    walk_init(&w, false);
    walk_tree(&w, xmlDocGetRootElement(doc));
    walk_set_found(record, &w, final_url, o ? o->max_links : 5000);
    add_fields(record, doc, fields, nfields);
    if (o && !o->no_text) {
        size_t max = o->max_text_bytes ? o->max_text_bytes : EXTRACT_MAX_TEXT_BYTES;
        const char *title = json_string_value(json_object_get(record, "title"));
        size_t n = 0;
        char *text = extract_text(doc, title, max, &n);
        json_t *v = text ? json_stringn_nocheck(text, n) : NULL;
        json_object_set_new(record, "text", v ? v : json_null());
        free(text);
    }
    walk_cleanup(&w);
    xmlFreeDoc(doc);
    return 0;
}

static int extract_sax(const char *body, size_t len, const char *encoding, int options,
                       const char *final_url, const struct extract_opts *o, json_t *record)
{
    struct walk w;
    walk_init(&w, true);
    int rc = walk_parse_sax(&w, body, len, encoding, options);
    if (rc == 0) {
        walk_set_found(record, &w, final_url, o ? o->max_links : 5000);
        json_object_set_new(record, "fields", json_object());
    }
    walk_cleanup(&w);
    return rc;
}

int extract_html(const char *body, size_t len, const char *content_type, const char *final_url,
                 const struct extract_opts *o, json_t *record)
{
    static const char *const keys[] = {"title",     "site_name", "description", "canonical",
                                       "lang",      "published", "modified",    "author",
                                       "image",     "text"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        json_object_set_new(record, keys[i], json_null());
    json_object_set_new(record, "links", json_array());
    json_object_set_new(record, "feeds", json_array());
    json_object_set_new(record, "fields", json_object());
    if (!body || len == 0 || len > INT_MAX)
        return -1;

    int options = HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                  HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT;
    struct page_charset cs;
    charset_detect(content_type, body, len, &cs);
    const char *encoding = cs.name[0] ? cs.name : NULL;
    /* Native UTF-8: no encoding argument (which would add a copying UTF-8 "decoder", ~5% of
     * the parse). In both cases IGNORE_ENC, so that a <meta> cannot overrule the choice. */
    if (cs.native_utf8 || encoding)
        options |= HTML_PARSE_IGNORE_ENC;
    size_t fixed_len = 0;
    char *fixed = repair_body(body, len, encoding, &fixed_len);
    if (fixed) {
        body = fixed;
        len = fixed_len;
    }
    if (len > INT_MAX) { /* the repairs grew it past what libxml2 takes */
        free(fixed);
        return -1;
    }

    /* Rules fields need the tree (XPath), and so does the text; without either, SAX. */
    const struct rules *rules = o ? o->rules : NULL;
    size_t nfields = 0;
    const struct rule_field *fields = NULL;
    if (rules) {
        char *host = url_host(final_url);
        fields = rules_for_host(rules, host, &nfields);
        free(host);
    }
    struct extract_opts defaults = {.max_links = 5000};
    if (!o)
        o = &defaults;
    bool tree = nfields > 0 || o->parser == EXTRACT_PARSER_TREE || !o->no_text;

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
    free(fixed);
    return rc;
}
