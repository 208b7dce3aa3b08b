/* rules.c -- loads the --rules JSON file with jansson and compiles every XPath once, so a
 * bad expression stops the worker at start-up instead of failing pages one by one. */
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

struct host_rules {
    char *host;                /* lower-case host name, owned */
    struct rule_field *fields; /* own fields first, then the defaults not overridden */
    size_t count;              /* entries in fields */
    size_t own;                /* the first `own` entries are owned; the rest borrow defaults */
};

struct rules {
    struct rule_field *defaults; /* owned */
    size_t ndefaults;
    struct host_rules *hosts; /* sorted by host, for bsearch */
    size_t nhosts;
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

/* Fills out (room for json_object_size(obj) entries) from {FIELD: XPATH, ...}. `where` is
 * "default" or `host "example.com"`, for messages. Returns the count or -1. */
static long load_fields(json_t *obj, const char *name, const char *where,
                        struct rule_field *out, char *err, size_t errlen)
{
    const char *key;
    json_t *val;
    long n = 0;
    json_object_foreach(obj, key, val) {
        if (!json_is_string(val)) {
            fail(err, errlen, "%s: field \"%s\" (%s): XPath must be a string", name, key, where);
            goto bad;
        }
        const char *xpath = json_string_value(val);
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

static int cmp_host(const void *a, const void *b)
{
    return strcmp(((const struct host_rules *)a)->host, ((const struct host_rules *)b)->host);
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
        if (strcmp(key, "default") != 0 && strcmp(key, "hosts") != 0) {
            fail(err, errlen, "%s: unknown key \"%s\" (want \"default\" and \"hosts\")", name,
                 key);
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
            for (char *c = h->host; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c + 32);
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
        qsort(r->hosts, r->nhosts, sizeof(*r->hosts), cmp_host);
        for (size_t i = 1; i < r->nhosts; i++) {
            if (strcmp(r->hosts[i - 1].host, r->hosts[i].host) == 0) {
                fail(err, errlen, "%s: host \"%s\" is listed twice (host names ignore case)",
                     name, r->hosts[i].host);
                goto bad;
            }
        }
    }
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
    if (host && r->nhosts > 0) {
        char lower[256];
        size_t n = strlen(host);
        if (n < sizeof(lower)) {
            for (size_t i = 0; i <= n; i++)
                lower[i] = (host[i] >= 'A' && host[i] <= 'Z') ? (char)(host[i] + 32) : host[i];
            struct host_rules key = {.host = lower};
            const struct host_rules *h =
                bsearch(&key, r->hosts, r->nhosts, sizeof(*r->hosts), cmp_host);
            if (h) {
                *count = h->count;
                return h->fields;
            }
        }
    }
    *count = r->ndefaults;
    return r->defaults;
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
    if (r->defaults)
        free_fields(r->defaults, r->ndefaults);
    free(r->defaults);
    free(r);
}
