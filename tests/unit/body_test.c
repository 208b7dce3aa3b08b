/* body_test.c -- --keep-body's fields: which bodies are text, text decoded to UTF-8 and cut at
 * a character, other bodies in base64, and body_truncated only when something was left out. */
#include <stdio.h>
#include <string.h>

#include "body.h"
#include "check.h"

/* The record body_add makes of body (len bytes) under a ceiling of max bytes. */
static json_t *kept(const char *body, size_t len, const char *ctype, size_t max)
{
    json_t *rec = json_object();
    CHECK_EQ(body_add(rec, body, len, ctype, max), 0);
    return rec;
}

static const char *str(const json_t *rec, const char *key)
{
    const char *s = json_string_value(json_object_get(rec, key));
    return s ? s : "(none)";
}

static void test_is_text(void)
{
    CHECK(body_is_text("text/html; charset=utf-8", "", 0));
    CHECK(body_is_text("TEXT/PLAIN", "", 0));
    CHECK(body_is_text(" application/json ; charset=x", "", 0));
    CHECK(body_is_text("application/rss+xml", "", 0));
    CHECK(body_is_text("application/ld+json", "", 0));
    CHECK(body_is_text("application/xml", "", 0));
    CHECK(body_is_text("application/javascript", "", 0));
    CHECK(!body_is_text("application/octet-stream", "abc", 3));
    CHECK(!body_is_text("image/png", "abc", 3));
    CHECK(!body_is_text("application/jsonx", "abc", 3));
    CHECK(!body_is_text("application/pdf", "abc", 3));
    CHECK(body_is_text(NULL, "caf\xc3\xa9", 5));
    CHECK(body_is_text("", "abc", 3));
    CHECK(!body_is_text(NULL, "\xff\xfe\x00", 3));
}

static void test_text(void)
{
    json_t *rec = kept("<p>caf\xc3\xa9</p>", 12, "text/html; charset=utf-8", 100);
    CHECK_STR_EQ(str(rec, "body"), "<p>caf\xc3\xa9</p>");
    CHECK(json_object_get(rec, "body_truncated") == NULL);
    CHECK(json_object_get(rec, "body_base64") == NULL);
    json_decref(rec);

    /* windows-1252 (the ISO-8859-1 label) to UTF-8. */
    rec = kept("caf\xe9 \x80", 6, "text/plain; charset=iso-8859-1", 100);
    CHECK_STR_EQ(str(rec, "body"), "caf\xc3\xa9 \xe2\x82\xac");
    json_decref(rec);

    /* Cut at a character: "é" (2 bytes) does not fit in 4 bytes after "caf". */
    rec = kept("caf\xc3\xa9s", 6, "text/plain", 4);
    CHECK_STR_EQ(str(rec, "body"), "caf");
    CHECK(json_is_true(json_object_get(rec, "body_truncated")));
    json_decref(rec);

    /* Exactly at the ceiling: nothing is left out. */
    rec = kept("abcd", 4, "text/plain", 4);
    CHECK_STR_EQ(str(rec, "body"), "abcd");
    CHECK(json_object_get(rec, "body_truncated") == NULL);
    json_decref(rec);

    /* A long body: the ceiling holds, the flag is set. */
    static char big[100000];
    memset(big, 'x', sizeof(big));
    rec = kept(big, sizeof(big), "text/plain", 1000);
    CHECK_EQ(strlen(str(rec, "body")), 1000);
    CHECK(json_is_true(json_object_get(rec, "body_truncated")));
    json_decref(rec);

    /* Latin-1 grows when decoded: the ceiling is on the UTF-8. */
    memset(big, '\xe9', sizeof(big));
    rec = kept(big, sizeof(big), "text/plain; charset=latin1", 1001);
    CHECK_EQ(strlen(str(rec, "body")), 1000);
    json_decref(rec);

    rec = kept("", 0, "text/html", 10);
    CHECK_STR_EQ(str(rec, "body"), "");
    json_decref(rec);
}

static void test_base64(void)
{
    static const struct {
        const char *in, *want;
    } vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                   {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
                   {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        json_t *rec = kept(vectors[i].in, strlen(vectors[i].in), "image/png", 100);
        CHECK_STR_EQ(str(rec, "body_base64"), vectors[i].want);
        CHECK(json_object_get(rec, "body") == NULL);
        json_decref(rec);
    }
    json_t *rec = kept("\x00\xff\x10\x80", 4, "application/octet-stream", 3);
    CHECK_STR_EQ(str(rec, "body_base64"), "AP8Q");
    CHECK(json_is_true(json_object_get(rec, "body_truncated")));
    json_decref(rec);
}

int main(void)
{
    test_is_text();
    test_text();
    test_base64();
    return check_summary();
}
