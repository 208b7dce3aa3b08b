/* rules.h -- the --rules file: named XPath fields and request headers, by default and per
 * host.
 *
 * File format (JSON): {"default": {FIELD: SPEC, ...}, "hosts": {"HOST": {FIELD: SPEC}},
 * "headers": {"default": {NAME: VALUE}, "hosts": {"HOST": {NAME: VALUE}}}}, every key
 * optional. SPEC is an XPath string, or {"xpath": XPATH, "list": true} for a field that is
 * always an array. Every XPath is compiled and every header checked at load time, so a bad
 * one is a start-up error naming the field or header and the host. */
#ifndef TRAWL_RULES_H
#define TRAWL_RULES_H

#include <libxml/xpath.h>
#include <stdbool.h>
#include <stddef.h>

struct rules;

struct rule_field {
    const char *name;          /* field name, borrowed from the rules */
    const char *xpath;         /* the expression as written */
    xmlXPathCompExprPtr expr;  /* compiled once, evaluated per page */
    bool list;                 /* {"list": true}: the value is always an array */
};

/* Loads and compiles a rules file. Returns NULL with a message naming the file and the field
 * (`rules.json: field "price" (host "example.com"): invalid XPath "//["`) in err. */
struct rules *rules_load(const char *path, char *err, size_t errlen);

/* Same, from a JSON text in memory (`name` is used in messages). */
struct rules *rules_parse(const char *json_text, const char *name, char *err, size_t errlen);

/* The fields that apply to `host`: the host's own fields plus the defaults it does not
 * override. The array is borrowed from the rules; *count receives its length. */
const struct rule_field *rules_for_host(const struct rules *r, const char *host, size_t *count);

/* The request header lines for a URL on `host` (libcurl's form, see header.h): the host's
 * own under "headers" plus the default ones it does not override. Borrowed from the rules;
 * *count receives the length (0 when the file has no headers, r is NULL or host is NULL). */
const char *const *rules_headers_for_host(const struct rules *r, const char *host,
                                          size_t *count);

/* true when the file has any header lines: callers skip the host lookup otherwise. */
bool rules_have_headers(const struct rules *r);

void rules_free(struct rules *r);

#endif
