/* rules_test.c -- the --rules file: every error names the file, the field or header and the
 * host, and a host's fields and headers are its own plus the defaults it does not override. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "rules.h"

/* Looks a field up by name in a rules_for_host result. */
static const struct rule_field *find(const struct rule_field *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

struct bad_case {
    const char *json;
    const char *want; /* substring of the message */
};

static const struct bad_case bad_cases[] = {
    {"", "r.json: invalid JSON at line 1"},
    {"{\"default\": {\"a\": \"//x\",}}", "r.json: invalid JSON at line 1, column 25"},
    {"{\n\"default\":\n {\"a\" \"//x\"}}", "r.json: invalid JSON at line 3"},
    {"[]", "r.json: top level must be an object"},
    {"{\"defaults\": {}}", "r.json: unknown key \"defaults\""},
    {"{\"default\": []}", "r.json: \"default\" must be an object"},
    {"{\"hosts\": \"x\"}", "r.json: \"hosts\" must be an object"},
    {"{\"hosts\": {\"a.com\": [\"//x\"]}}", "r.json: host \"a.com\" must be an object"},
    {"{\"default\": {\"price\": 3}}", "r.json: field \"price\" (default): XPath must be a string"},
    {"{\"default\": {\"price\": \"//[\"}}",
     "r.json: field \"price\" (default): invalid XPath \"//[\" (invalid expression at offset 2)"},
    {"{\"hosts\": {\"example.com\": {\"price\": \"//[\"}}}",
     "r.json: field \"price\" (host \"example.com\"): invalid XPath \"//[\""},
    {"{\"hosts\": {\"example.com\": {\"p\": \"count(\"}}}",
     "field \"p\" (host \"example.com\"): invalid XPath \"count(\""},
    {"{\"default\": {\"p\": \"nosuch(//a)\"}}", "field \"p\" (default): invalid XPath \"nosuch(//a)\" (xmlXPathCompOpEval: function nosuch not found)"},
    {"{\"hosts\": {\"a.com\": {\"p\": \"\"}}}", "field \"p\" (host \"a.com\"): invalid XPath \"\" (empty)"},
    {"{\"hosts\": {\"a.com\": {\"p\": null}}}", "field \"p\" (host \"a.com\"): XPath must be a string"},
    {"{\"default\": {\"a\": \"//x\", \"a\": \"//y\"}}", "duplicate object key"},
    {"{\"hosts\": {\"A.com\": {}, \"a.com\": {}}}", "host \"a.com\" is listed twice"},
    {"{\"default\": {\"\": \"//x\"}}", "empty field name (default)"},
    {"{\"default\": {\"p\": {\"list\": true}}}",
     "field \"p\" (default): XPath must be a string, or {\"xpath\": XPATH, \"list\": true}"},
    {"{\"default\": {\"p\": {\"xpath\": \"//a\", \"list\": 1}}}", "field \"p\" (default): XPath"},
    {"{\"default\": {\"p\": {\"xpath\": \"//a\", \"all\": true}}}", "field \"p\" (default): XPath"},
    {"{\"hosts\": {\"a.com\": {\"p\": {\"xpath\": \"//[\"}}}}",
     "field \"p\" (host \"a.com\"): invalid XPath \"//[\""},
    {"{\"headers\": []}", "r.json: \"headers\" must be an object"},
    {"{\"headers\": {\"host\": {}}}", "r.json: unknown key \"host\" in \"headers\""},
    {"{\"headers\": {\"hosts\": []}}", "r.json: \"headers\": \"hosts\" must be an object"},
    {"{\"headers\": {\"hosts\": {\"a.com\": \"X: y\"}}}",
     "r.json: \"headers\": host \"a.com\" must be an object {NAME: VALUE}"},
    {"{\"headers\": {\"default\": {\"X Bad\": \"v\"}}}",
     "r.json: header \"X Bad\" (default): not a valid header name"},
    {"{\"headers\": {\"hosts\": {\"shop.example\": {\"X-A\": \"a\\r\\nEvil: 1\"}}}}",
     "r.json: header \"X-A\" (host \"shop.example\"): the value holds a CR or LF"},
    {"{\"headers\": {\"hosts\": {\"a.com\": {\"user-agent\": \"x\"}}}}",
     "header \"user-agent\" (host \"a.com\"): User-Agent cannot be set as a header: set it with "
     "--user-agent"},
    {"{\"headers\": {\"default\": {\"X-A\": 1}}}", "header \"X-A\" (default): the value must be a string"},
    {"{\"headers\": {\"default\": {\"X-A\": \"1\", \"x-a\": \"2\"}}}",
     "header \"x-a\" (default) is listed twice"},
    {"{\"headers\": {\"hosts\": {\"A.com\": {}, \"a.com\": {}}}}",
     "host \"a.com\" is listed twice in \"headers\""},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        char err[512] = "";
        struct rules *r = rules_parse(bad_cases[i].json, "r.json", err, sizeof(err));
        CHECK(r == NULL);
        CHECK(strstr(err, bad_cases[i].want) != NULL);
        if (!strstr(err, bad_cases[i].want))
            fprintf(stderr, "  [%s]\n  got:  %s\n  want: %s\n", bad_cases[i].json, err,
                    bad_cases[i].want);
        rules_free(r);
    }
}

/* rules_parse of a file the test expects to load; NULL, with the message shown, if not. */
static struct rules *must_parse(const char *json)
{
    char err[256] = "";
    struct rules *r = rules_parse(json, "r.json", err, sizeof(err));
    CHECK(r != NULL);
    if (!r)
        fprintf(stderr, "  %s\n", err);
    return r;
}

static void test_merge(void)
{
    const char *json = "{\"default\": {\"price\": \"//span[@class='price']\", "
                       "\"h1\": \"string(//h1)\"},"
                       " \"hosts\": {\"Shop.Example\": {\"price\": \"//b[@id='p']/text()\","
                       " \"sku\": \"//meta[@name='sku']/@content\"},"
                       " \"other.example\": {}}}";
    struct rules *r = must_parse(json);
    if (!r)
        return;
    char err[256] = "";
    size_t n = 0;
    const struct rule_field *f = rules_for_host(r, "shop.example", &n);
    CHECK_EQ(n, 3);
    const struct rule_field *p = find(f, n, "price");
    CHECK(p && strcmp(p->xpath, "//b[@id='p']/text()") == 0 && p->expr);
    CHECK(find(f, n, "sku") != NULL);
    CHECK(find(f, n, "h1") && strcmp(find(f, n, "h1")->xpath, "string(//h1)") == 0);

    f = rules_for_host(r, "SHOP.example", &n); /* host names ignore case */
    CHECK_EQ(n, 3);

    f = rules_for_host(r, "other.example", &n); /* listed, no own fields: defaults */
    CHECK_EQ(n, 2);
    CHECK(find(f, n, "price") && strcmp(find(f, n, "price")->xpath, "//span[@class='price']") == 0);

    f = rules_for_host(r, "unknown.example", &n);
    CHECK_EQ(n, 2);
    f = rules_for_host(r, NULL, &n);
    CHECK_EQ(n, 2);
    rules_free(r);

    r = rules_parse("{}", "empty.json", err, sizeof(err));
    CHECK(r != NULL);
    f = rules_for_host(r, "a.com", &n);
    CHECK_EQ(n, 0);
    rules_free(r);

    r = rules_parse("{\"hosts\": {\"a.com\": {\"t\": \"//title\"}}}", "r.json", err, sizeof(err));
    f = rules_for_host(r, "a.com", &n);
    CHECK_EQ(n, 1);
    f = rules_for_host(r, "b.com", &n);
    CHECK_EQ(n, 0);
    rules_free(r);

    CHECK(rules_for_host(NULL, "a.com", &n) == NULL);
    CHECK_EQ(n, 0);
    rules_free(NULL);
}

/* A field asks for a list with {"xpath", "list": true}; a plain string is not a list. */
static void test_list_fields(void)
{
    struct rules *r = must_parse("{\"default\": {\"a\": \"//a\", \"b\": {\"xpath\": \"//b\", "
                                 "\"list\": true}, \"c\": {\"xpath\": \"//c\", \"list\": false}}}");
    size_t n = 0;
    const struct rule_field *f = rules_for_host(r, "x.com", &n);
    CHECK_EQ(n, 3);
    CHECK(find(f, n, "a") && !find(f, n, "a")->list);
    CHECK(find(f, n, "b") && find(f, n, "b")->list && strcmp(find(f, n, "b")->xpath, "//b") == 0);
    CHECK(find(f, n, "c") && !find(f, n, "c")->list);
    rules_free(r);
}

/* 1 when lines (n of them) hold exactly `want` among them. */
static int has_line(const char *const *lines, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i], want) == 0)
            return 1;
    return 0;
}

/* Header lines: a host's own plus the defaults it does not override (names ignore case);
 * files without "headers" have none; a host in "headers" only keeps the default fields. */
static void test_headers(void)
{
    const char *json = "{\"default\": {\"t\": \"//title\"},"
                       " \"headers\": {\"default\": {\"X-Team\": \"crawl\", \"Accept-Language\": \"en\"},"
                       " \"hosts\": {\"Shop.Example\": {\"accept-language\": \"de\","
                       " \"Authorization\": \"Bearer  abc \", \"X-Empty\": \"\"}}}}";
    struct rules *r = must_parse(json);
    if (!r)
        return;
    CHECK(rules_have_headers(r));
    size_t n = 0;
    const char *const *h = rules_headers_for_host(r, "SHOP.example", &n);
    CHECK_EQ(n, 4);
    CHECK(has_line(h, n, "accept-language: de"));
    CHECK(has_line(h, n, "Authorization: Bearer  abc"));
    CHECK(has_line(h, n, "X-Empty;"));
    CHECK(has_line(h, n, "X-Team: crawl"));
    CHECK(!has_line(h, n, "Accept-Language: en"));
    h = rules_headers_for_host(r, "other.example", &n);
    CHECK_EQ(n, 2);
    CHECK(has_line(h, n, "Accept-Language: en"));
    const struct rule_field *f = rules_for_host(r, "shop.example", &n);
    CHECK_EQ(n, 1); /* the default field */
    CHECK(f && strcmp(f[0].name, "t") == 0);
    rules_headers_for_host(r, NULL, &n);
    CHECK_EQ(n, 0);
    rules_free(r);

    r = must_parse("{\"default\": {\"t\": \"//title\"}}");
    CHECK(!rules_have_headers(r));
    CHECK(rules_headers_for_host(r, "a.com", &n) == NULL);
    CHECK_EQ(n, 0);
    rules_free(r);
    CHECK(!rules_have_headers(NULL));
}

static void test_load_file(void)
{
    char path[] = "/tmp/trawl-rules-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *json = "{\"default\": {\n  \"title\": \"//title\",\n  \"bad\": \"//a[\"\n}}\n";
    CHECK_EQ(write(fd, json, strlen(json)), (long long)strlen(json));
    close(fd);
    char err[512] = "";
    struct rules *r = rules_load(path, err, sizeof(err));
    CHECK(r == NULL);
    char want[256];
    snprintf(want, sizeof(want), "%s: field \"bad\" (default): invalid XPath \"//a[\"", path);
    CHECK(strstr(err, want) != NULL);
    unlink(path);

    r = rules_load(path, err, sizeof(err)); /* now missing */
    CHECK(r == NULL);
    CHECK(strstr(err, path) != NULL);
}

int main(void)
{
    test_errors();
    test_merge();
    test_list_fields();
    test_headers();
    test_load_file();
    return check_summary();
}
