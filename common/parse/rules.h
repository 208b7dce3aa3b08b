/* rules.h -- the --rules file: named XPath fields, by default and per host.
 *
 * File format (JSON): {"default": {FIELD: XPATH, ...}, "hosts": {"HOST": {FIELD: XPATH}}}.
 * Every XPath is compiled at load time, so a bad one is a start-up error naming the field. */
#ifndef TRAWL_RULES_H
#define TRAWL_RULES_H

#include <libxml/xpath.h>
#include <stddef.h>

struct rules;

struct rule_field {
    const char *name;          /* field name, borrowed from the rules */
    const char *xpath;         /* the expression as written */
    xmlXPathCompExprPtr expr;  /* compiled once, evaluated per page */
};

/* Loads and compiles a rules file. Returns NULL with a message naming the file and the field
 * (`rules.json: field "price" (host "example.com"): invalid XPath "//["`) in err. */
struct rules *rules_load(const char *path, char *err, size_t errlen);

/* Same, from a JSON text in memory (`name` is used in messages). */
struct rules *rules_parse(const char *json_text, const char *name, char *err, size_t errlen);

/* The fields that apply to `host`: the host's own fields plus the defaults it does not
 * override. The array is borrowed from the rules; *count receives its length. */
const struct rule_field *rules_for_host(const struct rules *r, const char *host, size_t *count);

void rules_free(struct rules *r);

#endif
