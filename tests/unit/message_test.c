/* message_test.c -- input messages: every shape the contract allows, and the bad ones. */
#include <stdlib.h>

#include "check.h"
#include "message.h"

static void good(const char *body, const char *ctype, const char *want_url)
{
    struct message m;
    char err[256] = "";
    int rc = message_parse(body, strlen(body), ctype, &m, err, sizeof(err));
    CHECK_EQ(rc, 0);
    if (rc == 0)
        CHECK_STR_EQ_CTX(body, m.url, want_url);
    else
        fprintf(stderr, "  body %s: %s\n", body, err);
    message_cleanup(&m);
}

static void bad(const char *body, size_t len, const char *ctype, const char *want_reason)
{
    struct message m;
    char err[256] = "";
    int rc = message_parse(body, len, ctype, &m, err, sizeof(err));
    CHECK_EQ(rc, -1);
    if (rc == 0)
        message_cleanup(&m);
    if (!strstr(err, want_reason)) {
        check_failed++;
        fprintf(stderr, "  reason for %.40s: got '%s', want '%s'\n", body, err, want_reason);
    }
}

/* The length comes from the literal, so embedded NULs count. */
#define BAD(lit, ctype, reason) bad((lit), sizeof(lit) - 1, (ctype), (reason))

int main(void)
{
    good("{\"url\": \"http://Example.com/a/../b#f\"}", "application/json", "http://example.com/b");
    good("http://example.com", "text/plain", "http://example.com/");
    good("  http://example.com/x \n", "", "http://example.com/x");
    good("{\"url\":\"https://a.example/\"}", NULL, "https://a.example/");
    good("{\"url\":\"https://a.example/\",\"kind\":\"feed\",\"depth\":3,\"meta\":{\"k\":[1,2]}}",
         "application/json", "https://a.example/");

    struct message m;
    char err[256];
    const char *full = "{\"url\":\"http://a.example/\",\"kind\":\"feed\",\"depth\":2,\"meta\":[1]}";
    CHECK_EQ(message_parse(full, strlen(full), "application/json", &m, err, sizeof(err)), 0);
    CHECK_EQ(m.kind, MESSAGE_FEED);
    CHECK_EQ(m.depth, 2);
    CHECK(json_is_array(m.meta));
    message_cleanup(&m);

    BAD("", "text/plain", "empty");
    BAD("{not json", "application/json", "not JSON");
    BAD("[1,2]", "application/json", "must be an object");
    BAD("{\"u\":1}", "application/json", "no \"url\"");
    BAD("{\"url\":1}", "application/json", "must be a string");
    BAD("{\"url\":\"ftp://x/\"}", "application/json", "invalid URL");
    BAD("{\"url\":\"http://a/\",\"kind\":\"x\"}", NULL, "\"kind\"");
    BAD("{\"url\":\"http://a/\",\"depth\":-1}", NULL, "\"depth\"");
    BAD("{\"url\":\"http://a/\",\"url\":\"http://b/\"}", NULL, "not JSON");
    BAD("http://a/\nhttp://b/", "text/plain", "one URL on one line");
    BAD("http://a/\xff", "text/plain", "UTF-8");
    BAD("http://a/\xc0\xaf", "text/plain", "UTF-8");       /* overlong '/' */
    BAD("http://a/\xed\xa0\x80", "text/plain", "UTF-8");   /* surrogate */
    BAD("http://a/\xe2\x82", "text/plain", "UTF-8");       /* cut short */
    BAD("http://a/\0x", "text/plain", "NUL");
    BAD("not a url", "text/plain", "invalid URL");

    size_t big = MESSAGE_MAX_BYTES + 1;
    char *huge = malloc(big);
    memset(huge, 'a', big);
    bad(huge, big, "text/plain", "exceeds");
    free(huge);

    char *enc = message_encode("http://a.example/\"q\"");
    CHECK_STR_EQ(enc, "{\"url\":\"http://a.example/\\\"q\\\"\"}");
    free(enc);
    return check_summary();
}
