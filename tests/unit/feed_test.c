/* feed_test.c -- feed detection and parsing: (a) detection by content, (b) cases written here
 * for what feeds do (encodings, entities, xml:base, Atom content modes, JSON Feed, sitemaps,
 * gzip, bounds), (c) every feed of the shared corpus, compared with the expectations that
 * rss-parser, gofeed and feedparser ship with them. */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "check.h"
#include "feed.h"
#include "feed_int.h"
#include "text.h"
#include "url.h"
#include "utf8.h"

#ifndef TRAWL_CORPUS_DIR
#error "TRAWL_CORPUS_DIR must be defined by the build"
#endif

#define FEEDS_DIR TRAWL_CORPUS_DIR "/feeds"
#define CORPUS_BASE "http://fakehost/feed.xml" /* the feeds' own URLs are unknown */

/* S("...") gives the bytes and their count, embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

/* gzip of s, malloc'd (its length in *out_len). */
static char *gzip_of(const char *s, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, n) + 32;
    char *out = malloc(cap);
    z.next_in = (Bytef *)s;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* ---- (a) detection ----------------------------------------------------------------------- */

static void test_detect(void)
{
    static const struct {
        const char *name, *body;
        size_t len;
        enum feed_kind want;
    } cases[] = {
        {"rss 2.0", S("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>"), FEED_RSS},
        {"rss 0.91 doctype",
         S("<?xml version=\"1.0\"?>\n<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS "
           "0.91//EN\" \"http://my.netscape.com/publish/formats/rss-0.91.dtd\">\n<rss "
           "version=\"0.91\"><channel/></rss>"),
         FEED_RSS},
        {"rdf", S("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
                  "xmlns=\"http://purl.org/rss/1.0/\"><channel/></rdf:RDF>"),
         FEED_RSS},
        {"atom 1.0", S("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>"),
         FEED_ATOM},
        {"atom 0.3", S("<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"></feed>"),
         FEED_ATOM},
        {"prefixed atom", S("<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"></a:feed>"),
         FEED_ATOM},
        {"json feed", S("{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}"),
         FEED_JSON},
        {"json feed, version last",
         S(" {\"title\": \"x\", \"items\": [], \"version\": \"https:\\/\\/jsonfeed.org\\/version\\/1\"}"),
         FEED_JSON},
        {"other json", S("{\"version\": 2, \"items\": []}"), FEED_NONE},
        {"json mentioning the version url",
         S("{\"note\": \"see https://jsonfeed.org/version/1.1\", \"items\": []}"), FEED_NONE},
        {"json quoting a version member",
         S("{\"note\": \"\\\"version\\\": \\\"https://jsonfeed.org/version/1\\\"\"}"), FEED_NONE},
        {"json feed version nested",
         S("{\"meta\": {\"version\": \"https://jsonfeed.org/version/1\"}}"), FEED_NONE},
        {"json feed version after nested braces and quotes",
         S("{\"items\": [{\"title\": \"}{\\\"version\\\"\"}], \"version\" : "
           "\"https://jsonfeed.org/version/1\"}"),
         FEED_JSON},
        {"urlset", S("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset "
                     "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>http://a/"
                     "</loc></url></urlset>"),
         FEED_SITEMAP},
        {"sitemapindex", S("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
                           "</sitemapindex>"),
         FEED_SITEMAP},
        {"html page", S("<!DOCTYPE html><html><head><link rel=\"alternate\" "
                        "type=\"application/rss+xml\" href=\"/feed\"></head></html>"),
         FEED_NONE},
        {"xhtml page", S("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">"
                         "<body><rss/></body></html>"),
         FEED_NONE},
        {"empty", S(""), FEED_NONE},
        {"spaces", S("   \n\t "), FEED_NONE},
        {"junk", S("\x01\x02\x03 not a feed <rss>"), FEED_NONE},
        {"unknown root", S("<note><to>Tove</to></note>"), FEED_NONE},
        {"utf-8 bom", S("\xEF\xBB\xBF<rss version=\"2.0\"></rss>"), FEED_RSS},
        {"leading blank lines", S("\n\n  \t\n<?xml version=\"1.0\"?>\n<rss></rss>"), FEED_RSS},
        {"comment first", S("<!-- <html> --><?xml-stylesheet href=\"x.xsl\"?><feed></feed>"),
         FEED_ATOM},
        {"utf-16le bom", S("\xFF\xFE<\0r\0s\0s\0>\0<\0/\0r\0s\0s\0>\0"), FEED_RSS},
        {"utf-16be no bom", S("\0<\0f\0e\0e\0d\0>\0<\0/\0f\0e\0e\0d\0>"), FEED_ATOM},
        {"utf-32le", S("<\0\0\0u\0\0\0r\0\0\0l\0\0\0s\0\0\0e\0\0\0t\0\0\0>\0\0\0"), FEED_SITEMAP},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum feed_kind got = feed_detect(cases[i].body, cases[i].len);
        if (got != cases[i].want)
            fprintf(stderr, "detect [%s]: got %d want %d\n", cases[i].name, got, cases[i].want);
        CHECK_EQ(got, cases[i].want);
        /* The same body gzip'd is recognised the same way. */
        size_t zlen = 0;
        char *z = gzip_of(cases[i].body, cases[i].len, &zlen);
        got = feed_detect(z, zlen);
        if (got != cases[i].want)
            fprintf(stderr, "detect gzip [%s]: got %d want %d\n", cases[i].name, got,
                    cases[i].want);
        CHECK_EQ(got, cases[i].want);
        free(z);
    }

    /* gofeed's universal detection cases, from the corpus. */
    static const struct {
        const char *file;
        enum feed_kind want;
    } files[] = {
        {"gofeed-universal-atom03_feed.xml", FEED_ATOM},
        {"gofeed-universal-atom10_feed.xml", FEED_ATOM},
        {"gofeed-universal-empty_feed.xml", FEED_NONE},
        {"gofeed-universal-rdf_feed.xml", FEED_RSS},
        {"gofeed-universal-rss_feed.xml", FEED_RSS},
        {"gofeed-universal-rss_feed_bom.xml", FEED_RSS},
        {"gofeed-universal-rss_feed_leading_spaces.xml", FEED_RSS},
        {"gofeed-universal-unknown_feed.xml", FEED_NONE},
        {"rssparser-unrecognized.rss", FEED_NONE},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", FEEDS_DIR, files[i].file);
        size_t len = 0;
        char *body = check_read_file(path, &len);
        CHECK(body != NULL);
        if (!body)
            continue;
        enum feed_kind got = feed_detect(body, len);
        if (got != files[i].want)
            fprintf(stderr, "detect [%s]: got %d want %d\n", files[i].file, got, files[i].want);
        CHECK_EQ(got, files[i].want);
        json_t *out = NULL;
        int rc = feed_parse(body, len, NULL, NULL, NULL, &out);
        CHECK_EQ(rc == 0, files[i].want != FEED_NONE);
        if (out)
            CHECK_STR_EQ_CTX(files[i].file, json_string_value(json_object_get(out, "kind")),
                             feed_kind_name(files[i].want));
        json_decref(out);
        free(body);
    }
}

/* ---- (b) cases written here -------------------------------------------------------------- */

/* Parses body and returns the value at a path like "items/0/title" as a string (numbers and
 * booleans printed, null as NULL) into buf. */
static const char *at(json_t *root, const char *path, char *buf, size_t cap)
{
    json_t *v = root;
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *save = NULL, *tok = strtok_r(tmp, "/", &save); tok && v;
         tok = strtok_r(NULL, "/", &save)) {
        if (json_is_array(v))
            v = json_array_get(v, (size_t)atoi(tok));
        else
            v = json_object_get(v, tok);
    }
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_true(v))
        snprintf(buf, cap, "true");
    else if (json_is_false(v))
        snprintf(buf, cap, "false");
    else if (json_is_array(v))
        snprintf(buf, cap, "[%zu]", json_array_size(v));
    else
        snprintf(buf, cap, "{}");
    return buf;
}

struct want {
    const char *path, *value; /* value NULL: null or absent */
};

static void check_case(const char *name, const char *body, size_t len, const char *ctype,
                       const char *base, size_t max_items, const struct want *w, size_t nw)
{
    json_t *out = NULL;
    struct feed_opts o = {.max_items = max_items};
    int rc = feed_parse(body, len, ctype, base, &o, &out);
    CHECK_STR_EQ_CTX(name, feed_strerror(rc), "ok");
    for (size_t i = 0; out && i < nw; i++) {
        char buf[4096], ctx[256];
        snprintf(ctx, sizeof(ctx), "%s: %s", name, w[i].path);
        CHECK_STR_EQ_CTX(ctx, at(out, w[i].path, buf, sizeof(buf)), w[i].value);
    }
    json_decref(out);
}

#define CASE(name, body, ctype, base, max, ...)                                              \
    do {                                                                                     \
        static const struct want w_[] = {__VA_ARGS__};                                      \
        check_case(name, body, sizeof(body) - 1, ctype, base, max, w_,                       \
                   sizeof(w_) / sizeof(w_[0]));                                              \
    } while (0)

static void test_rss(void)
{
    CASE("rss ttl", "<rss version=\"2.0\"><channel><title>T</title><ttl> 60 </ttl></channel></rss>",
         NULL, NULL, 0, {"ttl", "60"});
    CASE("rss ttl nonsense", "<rss version=\"2.0\"><channel><ttl>soon</ttl></channel></rss>",
         NULL, NULL, 0, {"ttl", NULL});
    CASE("rss ttl zero", "<rss version=\"2.0\"><channel><ttl>0</ttl></channel></rss>", NULL,
         NULL, 0, {"ttl", NULL});
    CASE("rss 2.0 item",
         "<?xml version=\"1.0\"?><rss version=\"2.0\" "
         "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>Chan &amp; "
         "nel</title><link>http://Example.COM:80/a/../b</link><description>&lt;p&gt;D&lt;/p&gt;"
         "</description><lastBuildDate>Tue, 10 Jun 2003 04:00:00 GMT</lastBuildDate>"
         "<item><title>  One\n  two </title><link>/post/1?x=1&amp;y=2#frag</link>"
         "<guid isPermaLink=\"false\">abc-1</guid><pubDate>Tue, 10 Jun 2003 04:00:00 +0200"
         "</pubDate><dc:creator>Jo</dc:creator><description><![CDATA[<p>Hello <b>you</b></p>"
         "<p>there</p>]]></description><category>a</category><category> b </category>"
         "<category>a</category><enclosure url=\"/e.mp3\" type=\"audio/mpeg\" "
         "length=\"123\"/></item></channel></rss>",
         NULL, "https://example.com/feed.xml", 0, {"kind", "rss"}, {"version", "2.0"},
         {"title", "Chan & nel"}, {"link", "http://example.com/b"}, {"description", "D"},
         {"updated", "2003-06-10T04:00:00Z"}, {"items", "[1]"}, {"items/0/title", "One two"},
         {"items/0/link", "https://example.com/post/1?x=1&y=2"}, {"items/0/id", "abc-1"},
         {"items/0/published", "2003-06-10T02:00:00Z"}, {"items/0/updated", NULL},
         {"items/0/author", "Jo"}, {"items/0/summary", "Hello you there"},
         {"items/0/categories", "[2]"}, {"items/0/categories/1", "b"},
         {"items/0/enclosures/0/url", "https://example.com/e.mp3"},
         {"items/0/enclosures/0/type", "audio/mpeg"}, {"items/0/enclosures/0/length", "123"},
         {"items_truncated", NULL});
    CASE("guid as link and id; missing id from link",
         "<rss><channel><item><guid>http://a.example/1</guid></item><item><link>"
         "http://a.example/2</link></item><item><title>none</title></item></channel></rss>",
         NULL, NULL, 0, {"version", NULL}, {"items/0/link", "http://a.example/1"},
         {"items/0/id", "http://a.example/1"}, {"items/1/id", "http://a.example/2"},
         {"items/2/id", NULL}, {"items/2/link", NULL});
    CASE("not well-formed: bare &, html entities, no closing tags",
         "\n\n<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Fish & Chips "
         "&amp; caf&eacute;&nbsp;&mdash; &copy=2 &#146;x&#8217; &bogus;</title><item>"
         "<title>A &lt;b&gt;bold&lt;/b&gt;</title><link>http://x.example/?a=1&b=2</link>"
         "</item><item><title>second & last",
         NULL, NULL, 0, {"title", "Fish & Chips & caf\xC3\xA9\xC2\xA0\xE2\x80\x94 &copy=2 "
                                  "\xE2\x80\x99x\xE2\x80\x99 &bogus;"},
         {"items/0/title", "A bold"}, {"items/0/link", "http://x.example/?a=1&b=2"},
         {"items/1/title", "second & last"});
    CASE("rdf", "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
                "xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                "<channel rdf:about=\"http://e.example/\"><title>R</title><link>http://e.example/"
                "</link></channel><item rdf:about=\"urn:x:1\"><title>I</title><link>"
                "http://e.example/1</link><dc:date>2003-12-13T18:30:02Z</dc:date>"
                "<dc:subject>s</dc:subject></item></rdf:RDF>",
         NULL, NULL, 0, {"kind", "rss"}, {"version", "1.0"}, {"title", "R"},
         {"items/0/id", "urn:x:1"}, {"items/0/published", "2003-12-13T18:30:02Z"},
         {"items/0/categories/0", "s"});
    CASE("undeclared prefixes, content:encoded, xml:base",
         "<rss xml:base=\"http://b.example/dir/\"><channel><item><dc:creator>Ann</dc:creator>"
         "<content:encoded>&lt;p&gt;Body&lt;/p&gt;</content:encoded><link>post</link></item>"
         "</channel></rss>",
         NULL, "http://other.example/", 0, {"items/0/author", "Ann"},
         {"items/0/summary", "Body"}, {"items/0/link", "http://b.example/dir/post"});
    CASE("bad dates are null", "<rss><channel><item><pubDate>yesterday</pubDate></item>"
                               "</channel></rss>",
         NULL, NULL, 0, {"items/0/published", NULL});
    CASE("javascript and relative links without a base",
         "<rss><channel><link>javascript:alert(1)</link><item><link>/x</link></item>"
         "</channel></rss>",
         NULL, NULL, 0, {"link", NULL}, {"items/0/link", NULL});
}

static void test_atom(void)
{
    CASE("atom 1.0",
         "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"http://a.example/x/\">"
         "<title type=\"html\">&lt;b&gt;T&lt;/b&gt; &amp;amp;</title><subtitle>S</subtitle>"
         "<link rel=\"self\" href=\"/feed\"/><link href=\"home\"/>"
         "<updated>2005-07-31T12:29:29Z</updated>"
         "<entry><title type=\"text\">&lt;p&gt; literal</title>"
         "<link rel=\"self\" href=\"self\"/><link rel=\"enclosure\" href=\"a.mp3\" "
         "type=\"audio/mpeg\" length=\"9\"/><link rel=\"alternate\" type=\"text/html\" "
         "href=\"e1\"/><id>tag:a.example,2005:1</id><published>2003-12-13T08:29:29-04:00"
         "</published><updated>2005-07-31T12:29:29Z</updated><author><name>Mark</name>"
         "<email>m@a.example</email></author><category term=\"t1\"/>"
         "<summary type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x <i>y</i>"
         "</p><p>z</p></div></summary><content type=\"html\">ignored</content></entry>"
         "<entry xml:base=\"http://c.example/\"><title type=\"xhtml\"><div "
         "xmlns=\"http://www.w3.org/1999/xhtml\">X&#233;</div></title><link href=\"\"/>"
         "<id>rel/id</id><content type=\"html\">&lt;p&gt;C&lt;/p&gt;</content></entry></feed>",
         NULL, NULL, 0, {"kind", "atom"}, {"version", "1.0"}, {"title", "T &"},
         {"description", "S"}, {"link", "http://a.example/x/home"},
         {"updated", "2005-07-31T12:29:29Z"}, {"items/0/title", "<p> literal"},
         {"items/0/link", "http://a.example/x/e1"}, {"items/0/id", "tag:a.example,2005:1"},
         {"items/0/published", "2003-12-13T12:29:29Z"}, {"items/0/author", "Mark"},
         {"items/0/categories/0", "t1"}, {"items/0/summary", "x y z"},
         {"items/0/enclosures/0/url", "http://a.example/x/a.mp3"},
         {"items/0/enclosures/0/length", "9"}, {"items/1/title", "X\xC3\xA9"},
         {"items/1/link", "http://c.example/"}, {"items/1/id", "http://c.example/rel/id"},
         {"items/1/summary", "C"});
    CASE("atom 0.3 modes",
         "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry>"
         "<title mode=\"base64\" type=\"text/html\">PGI+QjY0PC9iPg==</title>"
         "<link rel=\"alternate\" type=\"text/html\" href=\"http://a.example/1\"/>"
         "<issued>2003-12-13T18:30:02Z</issued><modified>2003-12-14T18:30:02Z</modified>"
         "<summary type=\"text/html\" mode=\"escaped\">&lt;i&gt;E&lt;/i&gt;</summary>"
         "</entry></feed>",
         NULL, NULL, 0, {"version", "0.3"}, {"items/0/title", "B64"},
         {"items/0/link", "http://a.example/1"}, {"items/0/published", "2003-12-13T18:30:02Z"},
         {"items/0/updated", "2003-12-14T18:30:02Z"}, {"items/0/summary", "E"});
}

static void test_json_feed(void)
{
    CASE("json feed 1.1",
         "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"J\", "
         "\"home_page_url\": \"https://j.example\", \"items\": [{\"id\": \"1\", \"url\": "
         "\"/p/1\", \"title\": \"  A   b \", \"content_html\": \"<p>H&amp;I</p>\", "
         "\"date_published\": \"2010-02-07T14:04:00-05:00\", \"authors\": [{\"name\": \"N\"}], "
         "\"tags\": [\"t\", 3], \"attachments\": [{\"url\": \"https://j.example/a.mp3\", "
         "\"mime_type\": \"audio/mpeg\", \"size_in_bytes\": 5}]}, {\"id\": 7, \"url\": "
         "\"https://j.example/2\"}, 5]}",
         NULL, "https://j.example/feed.json", 0, {"kind", "json"}, {"version", "1.1"},
         {"title", "J"}, {"link", "https://j.example/"}, {"items", "[2]"},
         {"items/0/title", "A b"}, {"items/0/link", "https://j.example/p/1"},
         {"items/0/summary", "H&I"}, {"items/0/published", "2010-02-07T19:04:00Z"},
         {"items/0/author", "N"}, {"items/0/categories", "[1]"},
         {"items/0/enclosures/0/length", "5"}, {"items/1/id", "7"});
    /* A UTF-8 BOM, as some servers write one: read past it (jansson alone refuses it). */
    CASE("json feed with a BOM",
         "\xef\xbb\xbf{\"version\": \"https://jsonfeed.org/version/1\", \"title\": \"B\", "
         "\"items\": [{\"id\": \"1\", \"url\": \"https://j.example/1\"}]}",
         NULL, NULL, 0, {"kind", "json"}, {"title", "B"}, {"items/0/link", "https://j.example/1"});
    json_t *out = NULL;
    CHECK_EQ(feed_parse(S("{\"version\": \"1\", \"items\": []}"), NULL, NULL, NULL, &out),
             FEED_E_NOT_FEED);
    CHECK(out == NULL);
    CHECK_EQ(feed_parse(S("{\"jsonfeed.org/version/1\": }"), NULL, NULL, NULL, &out),
             FEED_E_NOT_FEED);
}

static void test_sitemaps(void)
{
    CASE("urlset with news and images",
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset "
         "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
         "xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\" "
         "xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\"><url><loc>"
         "https://n.example/a?id=1&amp;p=2</loc><lastmod>2024-05-06</lastmod><news:news>"
         "<news:publication><news:name>The N</news:name><news:language>en</news:language>"
         "</news:publication><news:publication_date>2024-05-06T10:00:00+01:00"
         "</news:publication_date><news:title>Big &amp; news</news:title></news:news>"
         "<image:image><image:loc>/i.jpg</image:loc></image:image></url><url><loc>/b</loc>"
         "</url></urlset>",
         NULL, "https://n.example/sitemap.xml", 0, {"kind", "sitemap"}, {"version", "0.9"},
         {"index", "false"}, {"items", "[2]"},
         {"items/0/link", "https://n.example/a?id=1&p=2"},
         {"items/0/id", "https://n.example/a?id=1&p=2"},
         {"items/0/updated", "2024-05-06T00:00:00Z"}, {"items/0/title", "Big & news"},
         {"items/0/published", "2024-05-06T09:00:00Z"}, {"items/0/news/name", "The N"},
         {"items/0/news/language", "en"}, {"items/0/images/0", "https://n.example/i.jpg"},
         {"items/0/sitemap", NULL}, {"items/1/link", "https://n.example/b"});
    CASE("sitemap index",
         "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>"
         "https://n.example/s1.xml.gz</loc><lastmod>2004-10-01T18:23:17+00:00</lastmod>"
         "</sitemap></sitemapindex>",
         NULL, NULL, 0, {"index", "true"}, {"items/0/sitemap", "true"},
         {"items/0/link", "https://n.example/s1.xml.gz"},
         {"items/0/updated", "2004-10-01T18:23:17Z"});
}

static void test_bounds_and_bytes(void)
{
    /* max_items. */
    CASE("max_items", "<rss><channel><item><title>1</title></item><item><title>2</title></item>"
                      "<item><title>3</title></item></channel></rss>",
         NULL, NULL, 2, {"items", "[2]"}, {"items_truncated", "true"}, {"items/1/title", "2"});

    /* Long titles are cut at the ceiling (characters, not bytes). */
    size_t n = FEED_MAX_TITLE_CHARS + 500;
    char *big = malloc(n * 2 + 100);
    size_t k = (size_t)sprintf(big, "<rss><channel><title>");
    for (size_t i = 0; i < n; i++) {
        memcpy(big + k, "\xC3\xA9", 2);
        k += 2;
    }
    k += (size_t)sprintf(big + k, "</title></channel></rss>");
    json_t *out = NULL;
    CHECK_EQ(feed_parse(big, k, NULL, NULL, NULL, &out), 0);
    const char *t = json_string_value(json_object_get(out, "title"));
    CHECK(t && strlen(t) == FEED_MAX_TITLE_CHARS * 2);
    json_decref(out);
    free(big);

    /* Encodings: Latin-1 bytes undeclared; declared; a header that overrides; UTF-16. */
    CASE("latin-1 undeclared", "<rss><channel><title>caf\xE9 \x93q\x94</title></channel></rss>",
         NULL, NULL, 0, {"title", "caf\xC3\xA9 \xE2\x80\x9Cq\xE2\x80\x9D"});
    CASE("koi8-r declared", "<?xml version=\"1.0\" encoding=\"KOI8-R\"?><rss><channel><title>"
                            "\xF0\xD2\xC9\xD7\xC5\xD4</title></channel></rss>",
         NULL, NULL, 0, {"title", "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"});
    CASE("header charset over the declaration",
         "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><title>\xF0\xD2\xC9\xD7\xC5"
         "\xD4</title></channel></rss>",
         "application/rss+xml; charset=koi8-r", NULL, 0,
         {"title", "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"});
    CASE("valid utf-8 declared as latin-1",
         "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss><channel><title>caf\xC3\xA9"
         "</title></channel></rss>",
         "text/xml; charset=iso-8859-1", NULL, 0, {"title", "caf\xC3\xA9"});
    CASE("utf-16le with bom",
         "\xFF\xFE<\0r\0s\0s\0>\0<\0c\0h\0a\0n\0n\0e\0l\0>\0<\0t\0i\0t\0l\0e\0>\0\xE9\0"
         "<\0/\0t\0i\0t\0l\0e\0>\0<\0/\0c\0h\0a\0n\0n\0e\0l\0>\0<\0/\0r\0s\0s\0>\0",
         NULL, NULL, 0, {"title", "\xC3\xA9"});
    CASE("invalid utf-8 in a utf-8 feed", "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>"
                                          "<channel><title>a\xFF" "b\x01" "c\xC3\xA9</title>"
                                          "</channel></rss>",
         NULL, NULL, 0, {"title", "a\xEF\xBF\xBD" "bc\xC3\xA9"});
    /* Declared UTF-8 with not one UTF-8 sequence: Latin-1 bytes under a wrong label. */
    CASE("latin-1 declared utf-8", "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel>"
                                   "<title>caf\xE9 \x93q\x94</title></channel></rss>",
         NULL, NULL, 0, {"title", "caf\xC3\xA9 \xE2\x80\x9Cq\xE2\x80\x9D"});
    CASE("latin-1 with a utf-8 header", "<rss><channel><title>caf\xE9</title></channel></rss>",
         "application/rss+xml; charset=utf-8", NULL, 0, {"title", "caf\xC3\xA9"});

    /* gzip: parsed like the plain body; garbage gzip is an error. */
    static const char plain[] = "<rss><channel><title>Z</title></channel></rss>";
    size_t zlen = 0;
    char *z = gzip_of(plain, sizeof(plain) - 1, &zlen);
    CHECK_EQ(feed_parse(z, zlen, NULL, NULL, NULL, &out), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(out, "title")), "Z");
    json_decref(out);
    /* Cut short: what inflated is still read (here not enough for a title, but a feed). */
    CHECK_EQ(feed_parse(z, zlen - 12, NULL, NULL, NULL, &out), 0);
    json_decref(out);
    free(z);
    CHECK_EQ(feed_parse(S("\x1f\x8b\x08\x00garbage"), NULL, NULL, NULL, &out), FEED_E_GZIP);
    CHECK(out == NULL);

    /* A gzip bomb stops at the ceiling. */
    size_t bomb_n = FEED_MAX_INFLATED_BYTES + (1u << 20);
    char *zeros = calloc(1, bomb_n);
    memcpy(zeros, "<rss>", 5);
    char *bomb = gzip_of(zeros, bomb_n, &zlen);
    free(zeros);
    CHECK_EQ(feed_parse(bomb, zlen, NULL, NULL, NULL, &out), FEED_E_TOO_LARGE);
    CHECK(feed_detect(bomb, zlen) == FEED_RSS);
    free(bomb);

    /* Not feeds. */
    CHECK_EQ(feed_parse(S("<html><body>hi</body></html>"), NULL, NULL, NULL, &out),
             FEED_E_NOT_FEED);
    CHECK_EQ(feed_parse(S(""), NULL, NULL, NULL, &out), FEED_E_NOT_FEED);

    /* No external entities, no DTD: the entity stays unexpanded and nothing is read. */
    CASE("xxe", "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">"
                "]><rss><channel><title>a&x;b</title></channel></rss>",
         NULL, NULL, 0, {"title", "ab"});
    CASE("internal entity", "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY me \"Jo\">]><rss>"
                            "<channel><title>by &me;</title></channel></rss>",
         NULL, NULL, 0, {"title", "by Jo"});
}

/* ---- (c) the corpus ---------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* s with whitespace collapsed and trimmed (malloc'd); NULL stays NULL. */
static char *norm(const char *s)
{
    if (!s)
        return NULL;
    struct text t;
    text_init(&t, 1u << 20, true);
    text_add(&t, s, strlen(s));
    size_t len = 0;
    char *out = text_take(&t, &len);
    return out ? out : strdup("");
}

/* An expected link in canonical form and resolved against the same base, as ours are (the
 * raw string when it does not resolve). */
static char *norm_link(const char *s)
{
    if (!s)
        return NULL;
    char *c = url_resolve(CORPUS_BASE, s);
    return c ? c : norm(s);
}

/* The plain text an expectation's markup stands for: to tell another parser's choice to keep
 * markup from a miss of ours. */
static char *plain_of(const char *s)
{
    struct text t;
    text_init(&t, 1u << 20, true);
    feed_text_html(&t, s, strlen(s));
    size_t len = 0;
    char *out = text_take(&t, &len);
    return out ? out : strdup("");
}

struct tally {
    int compared, agreed;
};

struct corpus {
    struct tally count, title, link, id;
    int files, parsed, with_expect, quirks;
    int fp_checked, fp_agreed, fp_unchecked;
    struct tally chardet; /* feedparser's undeclared-encoding files */
};

/* Reads an expectation file: JSON, or JSON written in ISO-8859-1 (rssparser-encoding's is). */
static json_t *load_expect(const char *path)
{
    size_t len = 0;
    char *raw = check_read_file(path, &len);
    if (!raw)
        return NULL;
    json_t *j = json_loadb(raw, len, 0, NULL);
    if (!j && !utf8_valid(raw, len)) {
        char *u = malloc(len * 2 + 1);
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)raw[i];
            if (c < 0x80) {
                u[k++] = (char)c;
            } else {
                u[k++] = (char)(0xC0 | (c >> 6));
                u[k++] = (char)(0x80 | (c & 0x3F));
            }
        }
        j = json_loadb(u, k, 0, NULL);
        free(u);
    }
    free(raw);
    return j;
}

static void compare_field(struct corpus *c, struct tally *t, const char *file, size_t idx,
                          const char *field, const char *got, const char *want, bool link)
{
    char *g = norm(got), *w = link ? norm_link(want) : norm(want);
    t->compared++;
    if ((!g && !w) || (g && w && strcmp(g, w) == 0)) {
        t->agreed++;
    } else {
        const char *why = "";
        if (w && g && !link) {
            char *p = plain_of(w);
            if (strcmp(p, g) == 0) {
                why = " (expectation keeps markup: the other parser's choice)";
                c->quirks++;
            } else if (strstr(w, "\xEF\xBF\xBD") && !strstr(g, "\xEF\xBF\xBD")) {
                why = " (expectation has U+FFFD: the other parser decoded the bytes wrongly)";
                c->quirks++;
            }
            free(p);
        }
        printf("  miss %s item %zu %s%s\n    got:  %.200s\n    want: %.200s\n", file, idx, field,
               why, g ? g : "(null)", w ? w : "(null)");
    }
    free(g);
    free(w);
}

/* The link gofeed's Atom entry stands for: the first link with rel alternate (or none). */
static const char *gofeed_atom_link(json_t *links)
{
    for (size_t i = 0; i < json_array_size(links); i++) {
        json_t *l = json_array_get(links, i);
        const char *rel = json_string_value(json_object_get(l, "rel"));
        if (!rel || strcmp(rel, "alternate") == 0)
            return json_string_value(json_object_get(l, "href"));
    }
    return NULL;
}

static void compare_expect(struct corpus *c, const char *file, json_t *ours, json_t *exp)
{
    bool rssparser = strncmp(file, "rssparser-", 10) == 0;
    json_t *items;
    if (rssparser)
        items = json_object_get(json_object_get(exp, "feed"), "items");
    else {
        items = json_object_get(exp, "items");
        if (!items)
            items = json_object_get(exp, "entries");
    }
    json_t *got_items = json_object_get(ours, "items");
    c->count.compared++;
    if (json_array_size(items) == json_array_size(got_items))
        c->count.agreed++;
    else
        printf("  miss %s item count: got %zu want %zu\n", file, json_array_size(got_items),
               json_array_size(items));
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *w = json_array_get(items, i), *g = json_array_get(got_items, i);
        const char *gt = json_string_value(json_object_get(g, "title"));
        const char *gl = json_string_value(json_object_get(g, "link"));
        const char *gi = json_string_value(json_object_get(g, "id"));
        json_t *v;
        if ((v = json_object_get(w, "title")))
            compare_field(c, &c->title, file, i, "title", gt, json_string_value(v), false);
        if ((v = json_object_get(w, "link")))
            compare_field(c, &c->link, file, i, "link", gl, json_string_value(v), true);
        else if ((v = json_object_get(w, "links")) && !rssparser)
            compare_field(c, &c->link, file, i, "link", gl, gofeed_atom_link(v), true);
        if ((v = json_object_get(w, "guid"))) {
            const char *want = json_is_object(v) ? json_string_value(json_object_get(v, "value"))
                                                 : json_string_value(v);
            compare_field(c, &c->id, file, i, "id", gi, want, false);
        } else if ((v = json_object_get(w, "id"))) {
            compare_field(c, &c->id, file, i, "id", gi, json_string_value(v), false);
        }
    }
}

/* A Python string literal at p ('...' or "..."), decoded to UTF-8 into out. Returns the
 * position after it, or NULL. */
static const char *py_string(const char *p, char *out, size_t cap)
{
    char q = *p;
    if (q != '\'' && q != '"')
        return NULL;
    size_t k = 0;
    for (p++; *p && *p != q; p++) {
        unsigned long cp = (unsigned char)*p;
        if (*p == '\\') {
            p++;
            if (*p == 'u' || *p == 'x') {
                int digits = *p == 'u' ? 4 : 2;
                cp = strtoul((char[]){p[1], digits > 1 ? p[2] : 0, digits > 2 ? p[3] : 0,
                                      digits > 3 ? p[4] : 0, 0},
                             NULL, 16);
                p += digits;
            } else if (*p == 'n') {
                cp = '\n';
            } else if (*p) {
                cp = (unsigned char)*p;
            } else {
                return NULL;
            }
        } else if (cp >= 0x80) {
            if (k + 1 < cap)
                out[k++] = *p; /* already UTF-8 in the file */
            continue;
        }
        char enc[4];
        size_t n = 0;
        if (cp < 0x80) {
            enc[n++] = (char)cp;
        } else if (cp < 0x800) {
            enc[n++] = (char)(0xC0 | (cp >> 6));
            enc[n++] = (char)(0x80 | (cp & 0x3F));
        } else {
            enc[n++] = (char)(0xE0 | (cp >> 12));
            enc[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            enc[n++] = (char)(0x80 | (cp & 0x3F));
        }
        if (k + n < cap) {
            memcpy(out + k, enc, n);
            k += n;
        }
    }
    if (*p != q)
        return NULL;
    out[k] = '\0';
    return p + 1;
}

/* The file's leading comment narrowed to ASCII/UTF-8 (UTF-16/32 files write it wide). */
static char *narrow_head(const char *body, size_t len)
{
    size_t unit = 1, off = 0;
    const unsigned char *b = (const unsigned char *)body;
    if (len >= 4 && ((b[0] == 0 && b[1] == 0) || (b[2] == 0 && b[3] == 0) ||
                     (b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0)))
        unit = 4;
    else if (len >= 2 && (!b[0] || !b[1] || (b[0] == 0xFF && b[1] == 0xFE) ||
                          (b[0] == 0xFE && b[1] == 0xFF)))
        unit = 2;
    size_t n = len < 8192 * unit ? len : 8192 * unit;
    char *out = malloc(n / unit + 1);
    size_t k = 0;
    for (size_t i = off; i + unit <= n; i += unit) {
        char c = 0;
        for (size_t j = 0; j < unit; j++)
            if (body[i + j])
                c = body[i + j];
        if (c)
            out[k++] = c;
    }
    out[k] = '\0';
    return out;
}

/* feedparser's "Expect:" on our result. Checks the forms "feed['title'] == '...'",
 * "entries[0]['title'|'description'] == '...'", "entries[0].summary|link == '...'",
 * "ord(entries[0]['description']) == N", each after an optional "not bozo and " / "bozo and "
 * (whether a feed is well-formed is not something the record says). Anything else is counted
 * as not checked. */
static void feedparser_expect(struct corpus *c, const char *file, const char *head, json_t *ours)
{
    const char *e = strstr(head, "Expect:");
    if (!e) {
        c->fp_unchecked++;
        return;
    }
    e += 7;
    while (*e == ' ' || *e == '\t')
        e++;
    char expr[1024];
    size_t k = 0;
    while (e[k] && e[k] != '\n' && e[k] != '\r' && k + 1 < sizeof(expr)) {
        expr[k] = e[k];
        k++;
    }
    expr[k] = '\0';
    const char *p = expr;
    if (strncmp(p, "not bozo and ", 13) == 0)
        p += 13;
    else if (strncmp(p, "bozo and ", 9) == 0)
        p += 9;
    json_t *item0 = json_array_get(json_object_get(ours, "items"), 0);
    static const struct {
        const char *prefix;
        const char *key;
        bool feed;
    } forms[] = {
        {"feed['title'] == ", "title", true},
        {"entries[0]['title'] == ", "title", false},
        {"entries[0]['description'] == ", "summary", false},
        {"entries[0].summary == ", "summary", false},
        {"entries[0]['summary'] == ", "summary", false},
        {"entries[0].link == ", "link", false},
        {"entries[0]['link'] == ", "link", false},
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        size_t n = strlen(forms[i].prefix);
        if (strncmp(p, forms[i].prefix, n) != 0)
            continue;
        char want[1024];
        const char *end = py_string(p + n, want, sizeof(want));
        if (!end || *end) {
            break; /* more after the string: not a form checked here */
        }
        json_t *src = forms[i].feed ? ours : item0;
        const char *got = json_string_value(json_object_get(src, forms[i].key));
        c->fp_checked++;
        if (got && strcmp(got, want) == 0) {
            c->fp_agreed++;
        } else {
            char *pw = plain_of(want);
            bool quirk = got && strcmp(pw, got) == 0;
            printf("  miss %s: %s\n    got:  %s%s\n", file, expr, got ? got : "(null)",
                   quirk ? " (feedparser keeps markup there)" : "");
            free(pw);
        }
        return;
    }
    int code = 0;
    if (sscanf(p, "ord(entries[0]['description']) == %d", &code) == 1) {
        const char *got = json_string_value(json_object_get(item0, "summary"));
        c->fp_checked++;
        size_t n = got ? strlen(got) : 0;
        unsigned long cp = 0;
        if (got && n == utf8_seq_len(got, n) && n == 3)
            cp = ((unsigned long)(got[0] & 0x0F) << 12) | ((unsigned long)(got[1] & 0x3F) << 6) |
                 (unsigned long)(got[2] & 0x3F);
        if (cp == (unsigned long)code)
            c->fp_agreed++;
        else
            printf("  miss %s: %s\n    got:  %s\n", file, expr, got ? got : "(null)");
        return;
    }
    c->fp_unchecked++;
}

/* body (len bytes) in charset cs converted to UTF-8 by iconv, or NULL when iconv cannot
 * convert every byte: the reference reading of a file whose encoding feedparser names. */
static char *iconv_utf8(const char *body, size_t len, const char *cs, size_t *out_len)
{
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = len * 4 + 1, room = cap;
    char *out = malloc(cap), *w = out, *in = (char *)body;
    size_t left = len;
    size_t r = iconv(cd, &in, &left, &w, &room);
    iconv_close(cd);
    if (r == (size_t)-1 || left) {
        free(out);
        return NULL;
    }
    *out_len = cap - room;
    return out;
}

/* How many bytes of s to print for at most max bytes without splitting a character. */
static int utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return (int)n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return (int)max;
}

/* The first text a chardet file carries: the feed's title, else item 0's title, else its
 * summary (each of the 8 files has one of them, in its non-ASCII script). */
static const char *first_text(json_t *feed)
{
    json_t *item0 = json_array_get(json_object_get(feed, "items"), 0);
    const char *s = json_string_value(json_object_get(feed, "title"));
    if (!s)
        s = json_string_value(json_object_get(item0, "title"));
    if (!s)
        s = json_string_value(json_object_get(item0, "summary"));
    return s;
}

/* feedparser's "bozo and encoding == 'X'" on a file that declares no encoding: feedparser
 * names the charset its detector must find. Ours agrees when the first text we read equals
 * the one read from the file converted from X by iconv (the reference), which must hold a
 * non-ASCII character for the comparison to mean anything. */
static void chardet_expect(struct corpus *c, const char *file, const char *head,
                           const char *body, size_t len, json_t *ours)
{
    char cs[64] = "";
    const char *e = strstr(head, "encoding == ");
    c->chardet.compared++;
    if (!e || !py_string(e + 12, cs, sizeof(cs))) {
        printf("  miss %s: no encoding expectation\n", file);
        return;
    }
    size_t ulen = 0;
    char *u = iconv_utf8(body, len, cs, &ulen);
    json_t *ref = NULL;
    if (u)
        feed_parse(u, ulen, NULL, CORPUS_BASE, NULL, &ref);
    const char *want = first_text(ref), *got = first_text(ours);
    bool non_ascii = false;
    for (const char *p = want; p && *p && !non_ascii; p++)
        non_ascii = (unsigned char)*p >= 0x80;
    if (non_ascii && got && strcmp(got, want) == 0) {
        c->chardet.agreed++;
    } else {
        printf("  miss %s: read as %s\n    got:  %.*s\n    want: %.*s\n", file, cs,
               utf8_cut(got ? got : "(null)", 120), got ? got : "(null)",
               utf8_cut(want ? want : "(no reference)", 120), want ? want : "(no reference)");
    }
    json_decref(ref);
    free(u);
}

/* The Content-type feedparser's test would have sent ("Header: Content-type: ..."). */
static void header_of(const char *head, char *out, size_t cap)
{
    out[0] = '\0';
    const char *h = strstr(head, "Content-type:");
    if (!h)
        return;
    h += 13;
    while (*h == ' ')
        h++;
    size_t k = 0;
    while (h[k] && h[k] != '\n' && h[k] != '\r' && k + 1 < cap) {
        out[k] = h[k];
        k++;
    }
    out[k] = '\0';
}

static void check_utf8_strings(json_t *v, const char *file)
{
    if (json_is_string(v)) {
        bool ok = utf8_valid(json_string_value(v), json_string_length(v));
        if (!ok)
            fprintf(stderr, "%s: invalid UTF-8 string\n", file);
        CHECK(ok);
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            check_utf8_strings(json_array_get(v, i), file);
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) check_utf8_strings(x, file);
    }
}

static double rate(const struct tally *t)
{
    return t->compared ? 100.0 * t->agreed / t->compared : 100.0;
}

static void test_corpus(void)
{
    DIR *d = opendir(FEEDS_DIR);
    CHECK(d != NULL);
    if (!d)
        return;
    size_t n = 0, cap = 512;
    char **names = malloc(cap * sizeof(*names));
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || ends_with(e->d_name, ".expected.json") ||
            ends_with(e->d_name, ".html"))
            continue;
        if (n == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof(*names));
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);

    struct corpus c;
    memset(&c, 0, sizeof(c));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    printf("corpus: misses against the expectations (each one counts):\n");
    for (size_t i = 0; i < n; i++) {
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", FEEDS_DIR, names[i]);
        size_t len = 0;
        char *body = check_read_file(path, &len);
        CHECK(body != NULL);
        if (!body)
            continue;
        c.files++;
        bool feedparser = strncmp(names[i], "feedparser-", 11) == 0;
        char *head = feedparser ? narrow_head(body, len) : NULL;
        char ctype[256] = "";
        if (head)
            header_of(head, ctype, sizeof(ctype));
        json_t *out = NULL;
        int rc = feed_parse(body, len, ctype[0] ? ctype : NULL, CORPUS_BASE, NULL, &out);
        if (rc == 0) {
            c.parsed++;
            check_utf8_strings(out, names[i]);
            json_t *items = json_object_get(out, "items");
            CHECK(json_array_size(items) <= FEED_DEFAULT_MAX_ITEMS);
        } else {
            printf("  not parsed: %s (%s)\n", names[i], feed_strerror(rc));
        }
        char epath[2048];
        snprintf(epath, sizeof(epath), "%s", path);
        char *dot = strrchr(epath, '.');
        if (dot && !feedparser) {
            snprintf(dot, sizeof(epath) - (size_t)(dot - epath), ".expected.json");
            json_t *exp = load_expect(epath);
            if (exp) {
                c.with_expect++;
                compare_expect(&c, names[i], out, exp);
                json_decref(exp);
            }
        }
        if (feedparser)
            feedparser_expect(&c, names[i], head, out);
        if (strncmp(names[i], "feedparser-illformed-chardet-", 29) == 0)
            chardet_expect(&c, names[i], head, body, len, out);
        json_decref(out);
        free(head);
        free(body);
        free(names[i]);
    }
    free(names);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("corpus: %d files, %d parsed as feeds, %.0f ms\n", c.files, c.parsed, ms);
    printf("corpus: %d files with rss-parser/gofeed expectations\n", c.with_expect);
    printf("  item count agreement: %d/%d files (%.1f%%)\n", c.count.agreed, c.count.compared,
           rate(&c.count));
    printf("  item title agreement: %d/%d (%.1f%%); %d of the misses are the other parser's quirks\n",
           c.title.agreed, c.title.compared, rate(&c.title), c.quirks);
    printf("  item link agreement:  %d/%d (%.1f%%)\n", c.link.agreed, c.link.compared,
           rate(&c.link));
    printf("  item id agreement:    %d/%d (%.1f%%)\n", c.id.agreed, c.id.compared, rate(&c.id));
    printf("corpus: feedparser expectations: %d checked, %d agree, %d not checked "
           "(encoding names, bozo, geo)\n",
           c.fp_checked, c.fp_agreed, c.fp_unchecked);
    printf("corpus: undeclared non-Latin encodings (feedparser's chardet files): %d/%d read as "
           "the named charset (%.1f%%)\n",
           c.chardet.agreed, c.chardet.compared, rate(&c.chardet));
    CHECK(c.files >= 318);
    CHECK_EQ(c.chardet.compared, 8);
    CHECK_EQ(c.chardet.agreed, c.chardet.compared);
    CHECK(rate(&c.title) >= 95.0);
    CHECK(rate(&c.link) >= 95.0);
}

int main(void)
{
    test_detect();
    test_rss();
    test_atom();
    test_json_feed();
    test_sitemaps();
    test_bounds_and_bytes();
    test_corpus();
    return check_summary();
}
