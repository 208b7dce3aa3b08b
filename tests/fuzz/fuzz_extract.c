/* fuzz_extract.c -- extract_html on arbitrary bytes, with and without a content type and
 * with a few rules fields. Invariants: returns 0 or -1, the record has every key, text
 * fields are strings or null, links are unique absolute http(s) URLs without fragments, at
 * most max_links of them, "text" null or a non-empty string of at most max_text_bytes, and the
 * record serialises (so every string is valid UTF-8). The default (the tree, with the article
 * text), the SAX path (no_text, without rules fields) and the tree path with no_text must give
 * the same record but for "text": any difference aborts, so the fuzzer hunts for divergences.
 *
 * Input: one flags byte (content type, max_links, base URL), then the body. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "json_out.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, what)                                                                \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz_extract: %s failed\n", what);                            \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

static const char *const content_types[] = {
    NULL,
    "text/html",
    "text/html; charset=utf-8",
    "text/html; charset=ISO-8859-1",
    "text/html;charset=\"windows-1252\"",
    "text/html; charset=shift_jis",
    "text/html; charset=gb2312",
    "text/html; charset=utf-16",
    "text/html; charset=x-no-such-charset",
    "application/xhtml+xml; charset=koi8-r",
};

static const char *const final_urls[] = {
    "https://www.example.com/dir/page.html?x=1",
    "http://shop.example/",
    "not a url",
    "http://[::1]:8080/a/../b",
};

static struct rules *fuzz_rules(void)
{
    static struct rules *r;
    if (!r) {
        char err[256];
        r = rules_parse("{\"default\": {\"h1\": \"//h1\", \"n\": \"count(//a)\","
                        " \"s\": \"string(//title)\", \"b\": \"boolean(//p)\","
                        " \"attr\": \"//a/@href\", \"all\": \"//*\", \"ns\": \"//namespace::*\","
                        " \"root\": \"/\", \"com\": \"//comment()\"},"
                        " \"hosts\": {\"shop.example\": {\"price\": \"//*[@class='price']\"}}}",
                        "fuzz", err, sizeof(err));
        if (!r) {
            fprintf(stderr, "fuzz_extract: rules: %s\n", err);
            abort();
        }
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    const char *ctype = content_types[(flags & 0x0f) % (sizeof(content_types) / sizeof(content_types[0]))];
    const char *final_url = final_urls[(flags >> 4) & 3];
    struct extract_opts o = {.max_links = (flags & 0x40) ? 3 : 5000,
                             .rules = (flags & 0x80) ? fuzz_rules() : NULL,
                             .max_text_bytes = (flags & 0x40) ? 64 : 0};

    json_t *rec = json_object();
    int rc = extract_html(body, len, ctype, final_url, &o, rec);
    REQUIRE(rc == 0 || rc == -1, "return code");
    static const char *const text_keys[] = {"title",    "site_name", "description", "canonical",
                                            "lang",     "published", "modified",    "author",
                                            "image",    "text"};
    for (size_t i = 0; i < sizeof(text_keys) / sizeof(text_keys[0]); i++) {
        json_t *v = json_object_get(rec, text_keys[i]);
        REQUIRE(v && (json_is_null(v) || json_is_string(v)), text_keys[i]);
    }
    const char *canon = json_string_value(json_object_get(rec, "canonical"));
    REQUIRE(!canon || strncmp(canon, "http://", 7) == 0 || strncmp(canon, "https://", 8) == 0,
            "canonical is http(s)");
    REQUIRE(json_is_object(json_object_get(rec, "fields")), "fields");
    const char *text = json_string_value(json_object_get(rec, "text"));
    REQUIRE(!text || (text[0] && strlen(text) <= (o.max_text_bytes ? o.max_text_bytes
                                                                   : EXTRACT_MAX_TEXT_BYTES)),
            "text bounded and not empty");
    json_t *feeds = json_object_get(rec, "feeds");
    REQUIRE(json_is_array(feeds) && json_array_size(feeds) <= EXTRACT_MAX_FEEDS, "feeds");
    json_t *links = json_object_get(rec, "links");
    REQUIRE(json_is_array(links), "links");
    REQUIRE(json_array_size(links) <= o.max_links, "max_links");
    json_t *t = json_object_get(rec, "links_truncated");
    REQUIRE(!t || (json_is_true(t) && json_array_size(links) == o.max_links), "links_truncated");
    json_t *seen = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(links, i, v) {
        const char *u = json_string_value(v);
        REQUIRE(u, "link is a string");
        REQUIRE(strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0, "link http(s)");
        REQUIRE(!strchr(u, '#'), "link without fragment");
        REQUIRE(!json_object_get(seen, u), "link unique");
        json_object_set_new(seen, u, json_true());
    }
    json_decref(seen);
    /* The record as the worker publishes it: json_out, which must write what jansson does
     * (and jansson fails on invalid UTF-8, so this also proves every string valid). */
    char *dump = json_dumps(rec, JSON_COMPACT);
    REQUIRE(dump, "record serialises");
    size_t out_len = 0;
    char *out = json_out_compact(rec, &out_len);
    REQUIRE(out && out_len == strlen(dump) && strcmp(out, dump) == 0,
            "json_out_compact writes what json_dumps writes");
    free(out);
    free(dump);

    /* The same metadata on every path: the default less its text, SAX, the tree. */
    json_object_set_new(rec, "text", json_null());
    dump = json_dumps(rec, 0);
    struct extract_opts sax_o = o, tree_o = o;
    sax_o.no_text = true;
    tree_o.no_text = true;
    tree_o.parser = EXTRACT_PARSER_TREE;
    json_t *sax_rec = json_object(), *tree_rec = json_object();
    int sax_rc = extract_html(body, len, ctype, final_url, &sax_o, sax_rec);
    int tree_rc = extract_html(body, len, ctype, final_url, &tree_o, tree_rec);
    char *sax_dump = json_dumps(sax_rec, 0), *tree_dump = json_dumps(tree_rec, 0);
    if (sax_rc != rc || tree_rc != rc || !dump || !sax_dump || !tree_dump ||
        strcmp(dump, sax_dump) != 0 || strcmp(dump, tree_dump) != 0) {
        fprintf(stderr, "fuzz_extract: paths differ\n  default (%d): %s\n  sax (%d): %s\n"
                        "  tree (%d):    %s\n",
                rc, dump ? dump : "(null)", sax_rc, sax_dump ? sax_dump : "(null)", tree_rc,
                tree_dump ? tree_dump : "(null)");
        abort();
    }
    free(sax_dump);
    free(tree_dump);
    json_decref(sax_rec);
    json_decref(tree_rec);
    free(dump);
    json_decref(rec);
    return 0;
}
