/* fuzz_feed.c -- feed_detect and feed_parse on arbitrary bytes. Invariants: feed_parse
 * returns 0 or one of the FEED_E_* codes, with *out set exactly on 0; the result serialises
 * to JSON that reads back equal; every string in it is valid UTF-8; at most max_items items
 * (the first input byte picks max_items from 1 to 8, so the ceiling is reached); feed_detect
 * said it was a feed, and JSON exactly when "kind" is "json"; every link ("link" of the feed and items, enclosure URLs, image
 * URLs) is null or an absolute http(s) URL in canonical form; dates are null or RFC 3339 UTC.
 *
 * Input: one byte of options, then the body. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "json_out.h"
#include "url.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, what)                                                                \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz_feed: %s failed\n", what);                               \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

static void check_strings(json_t *v)
{
    if (json_is_string(v)) {
        REQUIRE(utf8_valid(json_string_value(v), json_string_length(v)), "valid UTF-8");
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            check_strings(json_array_get(v, i));
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            REQUIRE(utf8_valid(k, strlen(k)), "valid UTF-8 key");
            check_strings(x);
        }
    }
}

static void check_link(json_t *v)
{
    if (!v || json_is_null(v))
        return;
    REQUIRE(json_is_string(v), "link is a string");
    const char *s = json_string_value(v);
    REQUIRE(strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0, "link is http(s)");
    char *c = url_canonicalize(s, NULL, 0);
    REQUIRE(c && strcmp(c, s) == 0, "link is canonical");
    free(c);
}

static void check_date(json_t *v)
{
    if (!v || json_is_null(v))
        return;
    const char *s = json_string_value(v);
    REQUIRE(s && strlen(s) == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[19] == 'Z',
            "date is RFC 3339 UTC");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (8u << 20))
        return 0;
    struct feed_opts o = {.max_items = (size_t)(data[0] & 7) + 1};
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    static const char *const ctypes[] = {NULL, "application/rss+xml; charset=utf-8",
                                         "text/xml; charset=koi8-r", "text/html"};
    const char *ctype = ctypes[(data[0] >> 3) & 3];
    const char *base = (data[0] & 0x20) ? "https://Example.com/a/feed.xml" : NULL;

    enum feed_kind k = feed_detect(body, len);
    json_t *out = NULL;
    int rc = feed_parse(body, len, ctype, base, &o, &out);
    REQUIRE(rc == 0 || rc == FEED_E_NOT_FEED || rc == FEED_E_GZIP || rc == FEED_E_TOO_LARGE ||
                rc == FEED_E_NOMEM,
            "return code");
    REQUIRE((rc == 0) == (out != NULL), "out set exactly on success");
    if (!out)
        return 0;
    REQUIRE(json_is_object(out), "an object");
    const char *kind = json_string_value(json_object_get(out, "kind"));
    REQUIRE(kind, "kind is set");
    /* feed_parse routes by feed_detect: JSON or XML. Which XML kind comes from the root
     * libxml2 recovers, which on garbage ("<?<feed ...?><rss>") may differ from the one the
     * cheap scan saw. */
    REQUIRE(k != FEED_NONE, "detect says a feed");
    REQUIRE((strcmp(kind, "json") == 0) == (k == FEED_JSON), "JSON exactly when detected");
    check_strings(out);

    char *text = json_dumps(out, JSON_COMPACT);
    REQUIRE(text != NULL, "serialises");
    char *ours = json_out_compact(out, NULL); /* how the worker writes the feed's record */
    REQUIRE(ours && strcmp(ours, text) == 0, "json_out_compact writes what json_dumps writes");
    free(ours);
    json_error_t err;
    json_t *back = json_loads(text, 0, &err);
    REQUIRE(back && json_equal(back, out), "valid JSON that reads back");
    json_decref(back);
    free(text);

    check_link(json_object_get(out, "link"));
    check_date(json_object_get(out, "updated"));
    json_t *items = json_object_get(out, "items");
    REQUIRE(json_is_array(items), "items is an array");
    REQUIRE(json_array_size(items) <= o.max_items, "at most max_items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        check_link(json_object_get(it, "link"));
        check_date(json_object_get(it, "published"));
        check_date(json_object_get(it, "updated"));
        json_t *encs = json_object_get(it, "enclosures");
        REQUIRE(json_is_array(encs), "enclosures is an array");
        for (size_t j = 0; j < json_array_size(encs); j++) {
            json_t *u = json_object_get(json_array_get(encs, j), "url");
            REQUIRE(json_is_string(u), "enclosure has a url");
            check_link(u);
        }
        json_t *imgs = json_object_get(it, "images");
        for (size_t j = 0; j < json_array_size(imgs); j++)
            check_link(json_array_get(imgs, j));
        REQUIRE(json_is_array(json_object_get(it, "categories")), "categories is an array");
    }
    json_decref(out);
    return 0;
}
