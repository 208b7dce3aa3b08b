/* json_out_test.c -- json_out_compact against json_dumps(JSON_COMPACT | JSON_ENCODE_ANY):
 * every escape and control byte, every valid UTF-8 length, NUL inside a string, numbers at
 * their limits, reals, empty and nested containers, key order, and the records of every page
 * and feed of the shared corpus. Also the depth limit, and a value that contains itself. */
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "extract.h"
#include "feed.h"
#include "json_out.h"

/* 1 when json_out_compact gives exactly json_dumps' text (and its length); prints both when
 * not. Steals v. */
static bool same_as_jansson(const char *name, json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = json_out_compact(v, &len);
    bool same = want && got && strcmp(want, got) == 0 && len == strlen(want);
    if (!same)
        fprintf(stderr, "[%s]\n  json_out:   %s\n  json_dumps: %s\n", name, got ? got : "(null)",
                want ? want : "(null)");
    free(want);
    free(got);
    json_decref(v);
    return same;
}

static void test_scalars(void)
{
    CHECK(same_as_jansson("null", json_null()));
    CHECK(same_as_jansson("true", json_true()));
    CHECK(same_as_jansson("false", json_false()));
    CHECK(same_as_jansson("zero", json_integer(0)));
    CHECK(same_as_jansson("negative", json_integer(-42)));
    CHECK(same_as_jansson("max", json_integer(INT64_MAX)));
    CHECK(same_as_jansson("min", json_integer(INT64_MIN)));
    static const double reals[] = {0.0, -0.0, 1.5, 0.1, 1e300, -2.5e-300, 1e17, 123456789.125};
    for (size_t i = 0; i < sizeof(reals) / sizeof(*reals); i++)
        CHECK(same_as_jansson("real", json_real(reals[i])));
    CHECK(same_as_jansson("empty string", json_string("")));
    CHECK(same_as_jansson("empty array", json_array()));
    CHECK(same_as_jansson("empty object", json_object()));
}

static void test_strings(void)
{
    /* Every byte below 0x80, alone and between letters. */
    for (int c = 0; c < 0x80; c++) {
        char s[3] = {'a', (char)c, 'b'};
        CHECK(same_as_jansson("ascii byte", json_stringn(s, 3)));
        CHECK(same_as_jansson("ascii byte alone", json_stringn(s + 1, 1)));
    }
    /* Each UTF-8 length, U+2028 (left as is), and the escapes in a row. */
    CHECK(same_as_jansson("utf-8", json_string("caf\xc3\xa9 \xe2\x80\xa8 \xe6\x97\xa5 "
                                               "\xf0\x9f\x98\x80 \x7f")));
    CHECK(same_as_jansson("escapes", json_string("\"\\/\b\f\n\r\t\x01\x1f\"\"\\\\")));
    CHECK(same_as_jansson("NUL inside", json_stringn("a\0b\0", 4)));
    /* A long string with an escape every so often: the buffer grows mid-string. */
    size_t n = 200000;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (i % 997 == 0) ? '\n' : (i % 331 == 0) ? '"' : (char)('a' + i % 26);
    CHECK(same_as_jansson("long", json_stringn(big, n)));
    /* Only escapes: the worst case, six bytes out for one in. */
    memset(big, 1, n);
    CHECK(same_as_jansson("all controls", json_stringn(big, n)));
    free(big);
}

static void test_containers(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "zeta", json_integer(1));
    json_object_set_new(o, "alpha", json_string("x"));
    json_object_set_new(o, "k\"e\\y\n", json_true()); /* a key that needs escaping */
    json_object_set_new(o, "", json_null());
    json_object_set_new(o, "nested", json_pack("{s:[i,s,{},[]],s:{s:[[[null]]]}}", "a", 1, "b",
                                               "c", "d", "e"));
    json_object_set_new(o, "alpha", json_string("replaced in place")); /* keeps its slot */
    json_object_del(o, "zeta");
    json_object_set_new(o, "zeta", json_integer(2)); /* now the last */
    CHECK(same_as_jansson("object order", o));

    json_t *a = json_array();
    for (int i = 0; i < 1000; i++)
        json_array_append_new(a, i % 2 ? json_integer(i) : json_sprintf("link-%d", i));
    CHECK(same_as_jansson("array", a));
}

static void test_depth(void)
{
    json_t *root = json_array(), *cur = root;
    for (int i = 1; i < JSON_OUT_MAX_DEPTH; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    CHECK(same_as_jansson("deepest allowed", json_incref(root)));
    json_array_append_new(cur, json_array()); /* one level more */
    CHECK(json_out_compact(root, NULL) == NULL);
    json_decref(root);

    /* jansson's dumper refuses a cycle; here the depth limit ends it. */
    json_t *a = json_array(), *b = json_array();
    CHECK_EQ(json_array_append(a, b), 0);
    CHECK_EQ(json_array_append(b, a), 0);
    CHECK(json_out_compact(a, NULL) == NULL);
    json_array_clear(b); /* break the cycle to free them */
    json_decref(b);
    json_decref(a);
}

/* Every corpus page's record and every corpus feed's, as the worker would publish them. */
static void test_corpus(void)
{
    size_t pages = 0, feeds = 0, differ = 0;
    glob_t g;
    if (glob(TRAWL_CORPUS_DIR "/pages/*/source.html", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            size_t len;
            char *body = check_read_file(g.gl_pathv[i], &len);
            json_t *rec = json_object();
            struct extract_opts o = {.max_links = 5000};
            if (body && extract_html(body, len, "text/html", "http://fakehost/test/page.html",
                                     &o, rec) == 0) {
                pages++;
                differ += !same_as_jansson(g.gl_pathv[i], json_incref(rec));
            }
            json_decref(rec);
            free(body);
        }
        globfree(&g);
    }
    if (glob(TRAWL_CORPUS_DIR "/feeds/*", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            size_t len;
            char *body = check_read_file(g.gl_pathv[i], &len);
            json_t *feed = NULL;
            if (body && feed_parse(body, len, NULL, "http://fakehost/feed", NULL, &feed) == 0) {
                feeds++;
                differ += !same_as_jansson(g.gl_pathv[i], feed);
            }
            free(body);
        }
        globfree(&g);
    }
    printf("corpus: %zu page records and %zu feeds compared, %zu differ\n", pages, feeds, differ);
    /* The corpus lives outside the repository; its absence is a failure, never a skip. */
    CHECK(pages >= 100);
    CHECK(feeds >= 300);
    CHECK_EQ(differ, 0);
}

int main(void)
{
    test_scalars();
    test_strings();
    test_containers();
    test_depth();
    test_corpus();
    return check_summary();
}
