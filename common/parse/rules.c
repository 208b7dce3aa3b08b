/* rules.c -- loads the --rules JSON file with jansson, compiles every XPath and checks every
 * header once, so a bad one stops the worker at start-up instead of failing pages one by
 * one. */
#include "rules.h"

#include <jansson.h>
#include <libxml/globals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"

/* Both per-host tables start with the host name, so one comparison and one lookup serve
 * both. */
struct host_rules {
    char *host;                /* lower-case host name, owned */
    struct rule_field *fields; /* own fields first, then the defaults not overridden */
    size_t count;              /* entries in fields */
    size_t own;                /* the first `own` entries are owned; the rest borrow defaults */
};

struct host_headers {
    char *host;                /* lower-case host name, owned */
    char **lines;              /* own lines first, then the defaults not overridden */
    size_t count;              /* entries in lines */
    size_t own;                /* the first `own` entries are owned; the rest borrow defaults */
};

struct rules {
    struct rule_field *defaults; /* owned */
    size_t ndefaults;
    struct host_rules *hosts; /* sorted by host, for bsearch */
    size_t nhosts;
    char **default_headers;   /* owned, libcurl's form (header.h) */
    size_t ndefault_headers;
    struct host_headers *host_headers; /* sorted by host, for bsearch */
    size_t nhost_headers;
};

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* libxml2 2.9's own texts for XPath error codes (xmlXPathErrorMessages is not exported, and
 * errors reported to a context's handler carry no message, only the code and offset). */
static const char *xpath_error_text(int code)
{
    static const char *const text[] = {
        "ok", "number encoding", "unfinished literal", "start of literal",
        "expected $ for variable reference", "undefined variable", "invalid predicate",
        "invalid expression", "missing closing curly brace", "unregistered function",
        "invalid operand", "invalid type", "invalid number of arguments",
        "invalid context size", "invalid context position", "memory allocation error",
        "syntax error", "resource error", "sub resource error", "undefined namespace prefix",
        "encoding error", "char out of XML range"};
    int i = code - XML_XPATH_EXPRESSION_OK;
    return i >= 0 && i < (int)(sizeof(text) / sizeof(text[0])) ? text[i] : "XPath error";
}

/* Keeps libxml2's reason for a failed compile instead of letting it print to stderr. */
static void on_xpath_error(void *arg, xmlErrorPtr e)
{
    char *reason = arg;
    if (reason[0] == '\0' && e)
        snprintf(reason, 128, "%s at offset %d", xpath_error_text(e->code), e->int1);
}

/* The same for the few messages libxml2 2.9 prints with xmlGenericError directly
 * ("xmlXPathCompOpEval: function nosuch not found"). */
static void on_generic_error(void *arg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void on_generic_error(void *arg, const char *fmt, ...)
{
    char *reason = arg;
    if (reason[0] != '\0')
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, 128, fmt, ap);
    va_end(ap);
    size_t n = strlen(reason);
    while (n > 0 && (reason[n - 1] == '\n' || reason[n - 1] == ' '))
        reason[--n] = '\0';
}

/* Compiles one expression. A private XPath context carries the structured error handler,
 * and libxml2's generic error function is swapped for the call and restored, so nothing is
 * printed on stderr and the reason goes into the message. libxml2 only checks function
 * names and arity when it evaluates ("count(" and "nosuch(//a)" compile), so the
 * expression is also evaluated once on a tiny document: an error there is an error on
 * every page. */
static xmlXPathCompExprPtr compile(const char *xpath, char *reason)
{
    reason[0] = '\0';
    xmlXPathCompExprPtr expr = NULL;
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"html", NULL) : NULL;
    xmlXPathContextPtr ctx = root ? xmlXPathNewContext(doc) : NULL;
    if (!ctx) {
        snprintf(reason, 128, "out of memory");
        goto out;
    }
    xmlDocSetRootElement(doc, root);
    ctx->error = on_xpath_error;
    ctx->userData = reason;
    xmlGenericErrorFunc old_fn = xmlGenericError;
    void *old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(reason, on_generic_error);
    expr = xmlXPathCtxtCompile(ctx, (const xmlChar *)xpath);
    if (expr) {
        ctx->node = root;
        xmlXPathObjectPtr res = xmlXPathCompiledEval(expr, ctx);
        if (!res) {
            xmlXPathFreeCompExpr(expr);
            expr = NULL;
        }
        xmlXPathFreeObject(res);
    }
    xmlSetGenericErrorFunc(old_ctx, old_fn);
    if (!expr && reason[0] == '\0')
        snprintf(reason, 128, "does not compile");
out:
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc); /* frees root too, once attached */
    return expr;
}

static void free_fields(struct rule_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)f[i].name);
        free((char *)f[i].xpath);
        xmlXPathFreeCompExpr(f[i].expr);
    }
}

/* A field given as an object: {"xpath": XPATH, "list": BOOL} ("list" optional, nothing else).
 * 0, or -1 when it is not that. */
static int spec_of(json_t *spec, const char **xpath, bool *list)
{
    const char *key;
    json_t *val;
    *xpath = NULL;
    json_object_foreach(spec, key, val) {
        if (strcmp(key, "xpath") == 0 && json_is_string(val))
            *xpath = json_string_value(val);
        else if (strcmp(key, "list") == 0 && json_is_boolean(val))
            *list = json_is_true(val);
        else
            return -1;
    }
    return *xpath ? 0 : -1;
}

/* Fills out (room for json_object_size(obj) entries) from {FIELD: SPEC, ...}. `where` is
 * "default" or `host "example.com"`, for messages. Returns the count or -1. */
static long load_fields(json_t *obj, const char *name, const char *where,
                        struct rule_field *out, char *err, size_t errlen)
{
    const char *key;
    json_t *val;
    long n = 0;
    json_object_foreach(obj, key, val) {
        const char *xpath = json_string_value(val);
        bool list = false;
        if (json_is_object(val) && spec_of(val, &xpath, &list) < 0)
            xpath = NULL;
        if (!xpath) {
            fail(err, errlen, "%s: field \"%s\" (%s): XPath must be a string, or {\"xpath\": "
                 "XPATH, \"list\": true}", name, key, where);
            goto bad;
        }
        if (key[0] == '\0') {
            fail(err, errlen, "%s: empty field name (%s)", name, where);
            goto bad;
        }
        char reason[128];
        xmlXPathCompExprPtr expr = xpath[0] ? compile(xpath, reason) : NULL;
        if (!expr) {
            fail(err, errlen, "%s: field \"%s\" (%s): invalid XPath \"%s\" (%s)", name, key,
                 where, xpath, xpath[0] ? reason : "empty");
            goto bad;
        }
        out[n].name = strdup(key);
        out[n].xpath = strdup(xpath);
        out[n].expr = expr;
        out[n].list = list;
        n++;
        if (!out[n - 1].name || !out[n - 1].xpath) {
            fail(err, errlen, "%s: out of memory", name);
            goto bad;
        }
    }
    return n;
bad:
    free_fields(out, (size_t)n);
    return -1;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
}

/* Fills out (room for json_object_size(obj) entries) with the header lines of {NAME: VALUE,
 * ...}. Returns the count or -1. */
static long load_headers(json_t *obj, const char *name, const char *where, char **out,
                         char *err, size_t errlen)
{
    const char *key;
    json_t *val;
    long n = 0;
    json_object_foreach(obj, key, val) {
        char why[256];
        char *line = json_is_string(val) ? header_line(key, strlen(key), json_string_value(val),
                                                       why, sizeof(why))
                                         : NULL;
        if (!json_is_string(val))
            snprintf(why, sizeof(why), "the value must be a string");
        if (!line) {
            fail(err, errlen, "%s: header \"%s\" (%s): %s", name, key, where, why);
            goto bad;
        }
        out[n++] = line;
        for (long i = 0; i < n - 1; i++)
            if (header_same_name(out[i], line)) {
                fail(err, errlen, "%s: header \"%s\" (%s) is listed twice (header names ignore "
                     "case)", name, key, where);
                goto bad;
            }
    }
    return n;
bad:
    free_lines(out, (size_t)n);
    return -1;
}

/* host_rules and host_headers both start with their host name. */
static int cmp_host(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
}

/* The entry of `host` (any case) in a sorted table of `size`-byte entries that start with
 * their host name, or NULL. */
static const void *find_host(const void *table, size_t n, size_t size, const char *host)
{
    char lower[256];
    if (!host || n == 0 || strlen(host) >= sizeof(lower))
        return NULL;
    snprintf(lower, sizeof(lower), "%s", host);
    lower_ascii(lower);
    char *key = lower;
    return bsearch(&key, table, n, size, cmp_host);
}

/* Sorts a host table and refuses a host listed twice. `what` names the table in messages. */
static int sort_hosts(void *table, size_t n, size_t size, const char *name, const char *what,
                      char *err, size_t errlen)
{
    qsort(table, n, size, cmp_host);
    for (size_t i = 1; i < n; i++) {
        char *const *prev = (char *const *)((char *)table + (i - 1) * size);
        char *const *cur = (char *const *)((char *)table + i * size);
        if (strcmp(*prev, *cur) == 0) {
            fail(err, errlen, "%s: host \"%s\" is listed twice%s (host names ignore case)",
                 name, *cur, what);
            return -1;
        }
    }
    return 0;
}

/* The "headers" section: {"default": {NAME: VALUE}, "hosts": {HOST: {NAME: VALUE}}}. */
static int load_header_section(struct rules *r, json_t *sec, const char *name, char *err,
                               size_t errlen)
{
    const char *key;
    json_t *val;
    if (!json_is_object(sec)) {
        fail(err, errlen, "%s: \"headers\" must be an object {\"default\": {NAME: VALUE}, "
             "\"hosts\": {HOST: {NAME: VALUE}}}", name);
        return -1;
    }
    json_object_foreach(sec, key, val) {
        if (strcmp(key, "default") != 0 && strcmp(key, "hosts") != 0) {
            fail(err, errlen, "%s: unknown key \"%s\" in \"headers\" (want \"default\" and "
                 "\"hosts\")", name, key);
            return -1;
        }
    }
    json_t *def = json_object_get(sec, "default");
    json_t *hosts = json_object_get(sec, "hosts");
    if ((def && !json_is_object(def)) || (hosts && !json_is_object(hosts))) {
        fail(err, errlen, "%s: \"headers\": \"%s\" must be an object", name,
             def && !json_is_object(def) ? "default" : "hosts");
        return -1;
    }
    if (def && json_object_size(def) > 0) {
        r->default_headers = calloc(json_object_size(def), sizeof(*r->default_headers));
        long n = r->default_headers
                     ? load_headers(def, name, "default", r->default_headers, err, errlen)
                     : -1;
        if (n < 0)
            return -1;
        r->ndefault_headers = (size_t)n;
    }
    if (!hosts || json_object_size(hosts) == 0)
        return 0;
    r->host_headers = calloc(json_object_size(hosts), sizeof(*r->host_headers));
    if (!r->host_headers) {
        fail(err, errlen, "%s: out of memory", name);
        return -1;
    }
    json_object_foreach(hosts, key, val) {
        char where[300];
        snprintf(where, sizeof(where), "host \"%.256s\"", key);
        if (!json_is_object(val)) {
            fail(err, errlen, "%s: \"headers\": %s must be an object {NAME: VALUE}", name,
                 where);
            return -1;
        }
        struct host_headers *h = &r->host_headers[r->nhost_headers];
        h->host = strdup(key);
        h->lines = calloc(json_object_size(val) + r->ndefault_headers + 1, sizeof(*h->lines));
        r->nhost_headers++;
        if (!h->host || !h->lines) {
            fail(err, errlen, "%s: out of memory", name);
            return -1;
        }
        lower_ascii(h->host);
        long n = load_headers(val, name, where, h->lines, err, errlen);
        if (n < 0)
            return -1;
        h->own = h->count = (size_t)n;
        /* The defaults this host does not override, borrowed. */
        for (size_t d = 0; d < r->ndefault_headers; d++) {
            size_t i = 0;
            while (i < h->own && !header_same_name(h->lines[i], r->default_headers[d]))
                i++;
            if (i == h->own)
                h->lines[h->count++] = r->default_headers[d];
        }
    }
    return sort_hosts(r->host_headers, r->nhost_headers, sizeof(*r->host_headers), name,
                      " in \"headers\"", err, errlen);
}

static struct rules *from_json(json_t *root, const char *name, char *err, size_t errlen)
{
    struct rules *r = calloc(1, sizeof(*r));
    if (!r) {
        fail(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    if (!json_is_object(root)) {
        fail(err, errlen, "%s: top level must be an object {\"default\": ..., \"hosts\": ...}",
             name);
        goto bad;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "default") != 0 && strcmp(key, "hosts") != 0 &&
            strcmp(key, "headers") != 0) {
            fail(err, errlen, "%s: unknown key \"%s\" (want \"default\", \"hosts\" and "
                 "\"headers\")", name, key);
            goto bad;
        }
    }
    json_t *def = json_object_get(root, "default");
    json_t *hosts = json_object_get(root, "hosts");
    if (def && !json_is_object(def)) {
        fail(err, errlen, "%s: \"default\" must be an object {FIELD: XPATH}", name);
        goto bad;
    }
    if (hosts && !json_is_object(hosts)) {
        fail(err, errlen, "%s: \"hosts\" must be an object {HOST: {FIELD: XPATH}}", name);
        goto bad;
    }
    if (def && json_object_size(def) > 0) {
        r->defaults = calloc(json_object_size(def), sizeof(*r->defaults));
        long n = r->defaults ? load_fields(def, name, "default", r->defaults, err, errlen) : -1;
        if (n < 0)
            goto bad;
        r->ndefaults = (size_t)n;
    }
    if (hosts && json_object_size(hosts) > 0) {
        r->hosts = calloc(json_object_size(hosts), sizeof(*r->hosts));
        if (!r->hosts)
            goto bad;
        json_object_foreach(hosts, key, val) {
            char where[300];
            snprintf(where, sizeof(where), "host \"%.256s\"", key);
            if (!json_is_object(val)) {
                fail(err, errlen, "%s: %s must be an object {FIELD: XPATH}", name, where);
                goto bad;
            }
            struct host_rules *h = &r->hosts[r->nhosts];
            h->host = strdup(key);
            h->fields = calloc(json_object_size(val) + r->ndefaults + 1, sizeof(*h->fields));
            r->nhosts++;
            if (!h->host || !h->fields) {
                fail(err, errlen, "%s: out of memory", name);
                goto bad;
            }
            lower_ascii(h->host);
            long n = load_fields(val, name, where, h->fields, err, errlen);
            if (n < 0)
                goto bad;
            h->own = h->count = (size_t)n;
            /* The defaults this host does not override, borrowed. */
            for (size_t d = 0; d < r->ndefaults; d++) {
                size_t i = 0;
                while (i < h->own && strcmp(h->fields[i].name, r->defaults[d].name) != 0)
                    i++;
                if (i == h->own)
                    h->fields[h->count++] = r->defaults[d];
            }
        }
        if (sort_hosts(r->hosts, r->nhosts, sizeof(*r->hosts), name, "", err, errlen) < 0)
            goto bad;
    }
    json_t *headers = json_object_get(root, "headers");
    if (headers && load_header_section(r, headers, name, err, errlen) < 0)
        goto bad;
    return r;
bad:
    rules_free(r);
    return NULL;
}

struct rules *rules_parse(const char *json_text, const char *name, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loads(json_text ? json_text : "", JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        fail(err, errlen, "%s: invalid JSON at line %d, column %d: %s", name, jerr.line,
             jerr.column, jerr.text);
        return NULL;
    }
    struct rules *r = from_json(root, name, err, errlen);
    json_decref(root);
    return r;
}

struct rules *rules_load(const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line < 0) /* could not read the file: jansson's text names it */
            fail(err, errlen, "%s", jerr.text);
        else
            fail(err, errlen, "%s: invalid JSON at line %d, column %d: %s", path, jerr.line,
                 jerr.column, jerr.text);
        return NULL;
    }
    struct rules *r = from_json(root, path, err, errlen);
    json_decref(root);
    return r;
}

const struct rule_field *rules_for_host(const struct rules *r, const char *host, size_t *count)
{
    *count = 0;
    if (!r)
        return NULL;
    const struct host_rules *h = find_host(r->hosts, r->nhosts, sizeof(*r->hosts), host);
    if (h) {
        *count = h->count;
        return h->fields;
    }
    *count = r->ndefaults;
    return r->defaults;
}

const char *const *rules_headers_for_host(const struct rules *r, const char *host,
                                          size_t *count)
{
    *count = 0;
    if (!r || !host)
        return NULL;
    const struct host_headers *h =
        find_host(r->host_headers, r->nhost_headers, sizeof(*r->host_headers), host);
    if (h) {
        *count = h->count;
        return (const char *const *)h->lines;
    }
    *count = r->ndefault_headers;
    return (const char *const *)r->default_headers;
}

bool rules_have_headers(const struct rules *r)
{
    return r && (r->ndefault_headers > 0 || r->nhost_headers > 0);
}

void rules_free(struct rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nhosts; i++) {
        free(r->hosts[i].host);
        if (r->hosts[i].fields)
            free_fields(r->hosts[i].fields, r->hosts[i].own);
        free(r->hosts[i].fields);
    }
    free(r->hosts);
    for (size_t i = 0; i < r->nhost_headers; i++) {
        free(r->host_headers[i].host);
        if (r->host_headers[i].lines)
            free_lines(r->host_headers[i].lines, r->host_headers[i].own);
        free(r->host_headers[i].lines);
    }
    free(r->host_headers);
    if (r->default_headers)
        free_lines(r->default_headers, r->ndefault_headers);
    free(r->default_headers);
    if (r->defaults)
        free_fields(r->defaults, r->ndefaults);
    free(r->defaults);
    free(r);
}
