/* robots_test.c -- robots.txt (RFC 9309): a table of files, agents and paths (the RFC's
 * examples, group selection, matching, percent-encoding, odd bytes), each also checked
 * through the cache form; then Crawl-delay, Sitemap, limits, timing and the cache form's
 * refusals. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "robots.h"

#define MAX_PATHS 12

struct pcase {
    const char *name;
    const char *body;
    size_t len;                  /* 0: strlen(body) */
    const char *agent;           /* product token given to robots_parse */
    const char *yes[MAX_PATHS];  /* paths that must be allowed */
    const char *no[MAX_PATHS];   /* paths that must be disallowed */
};

static const char RFC_5_1[] = "User-Agent: *\n"
                              "Disallow: *.gif$\n"
                              "Disallow: /example/\n"
                              "Allow: /publications/\n"
                              "\n"
                              "User-Agent: foobot\n"
                              "Disallow:/\n"
                              "Allow:/example/page.html\n"
                              "Allow:/example/allowed.gif\n"
                              "\n"
                              "User-Agent: barbot\n"
                              "User-Agent: bazbot\n"
                              "Disallow: /example/page.html\n"
                              "\n"
                              "User-Agent: quxbot\n"
                              "\n"
                              "EOF\n";

static const char RFC_2_2_1[] = "user-agent: a\n"
                                "disallow: /c\n"
                                "\n"
                                "user-agent: b\n"
                                "disallow: /d\n"
                                "\n"
                                "user-agent: e\n"
                                "user-agent: f\n"
                                "disallow: /g\n"
                                "\n"
                                "user-agent: h\n";

static const char NUL_BODY[] = "user-agent: *\ndisallow: /a\0b\ndis\0allow: /n\ndisallow: /c\n";

static const char AGENT_FORMS[] = "user-agent: *\n"
                                  "disallow: /star\n"
                                  "\n"
                                  "user-agent: Trawl/1.0 (+https://example.com/bot)\n"
                                  "disallow: /versioned\n"
                                  "\n"
                                  "user-agent: trawl-bot\n"
                                  "disallow: /dash\n"
                                  "\n"
                                  "user-agent: trawlbot\n"
                                  "disallow: /glued\n"
                                  "\n"
                                  "user-agent: trawl bot\n"
                                  "disallow: /spaced\n"
                                  "\n"
                                  "user-agent: *trawl\n"
                                  "disallow: /starred\n";

static const struct pcase cases[] = {
    /* ---- RFC 9309 ---- */
    {"rfc 2.2.1 a", RFC_2_2_1, 0, "a", {"/d", "/g", "/"}, {"/c", "/c/x"}},
    {"rfc 2.2.1 b", RFC_2_2_1, 0, "b", {"/c", "/g"}, {"/d"}},
    {"rfc 2.2.1 e", RFC_2_2_1, 0, "e", {"/c", "/d"}, {"/g"}},
    {"rfc 2.2.1 f", RFC_2_2_1, 0, "F", {"/c", "/d"}, {"/g"}},
    {"rfc 2.2.1 h (no rules)", RFC_2_2_1, 0, "h", {"/c", "/d", "/g"}, {NULL}},
    {"rfc 2.2.1 nobody", RFC_2_2_1, 0, "x", {"/c", "/d", "/g"}, {NULL}},
    {"rfc 2.2.2 merged groups",
     "user-agent: ExampleBot\ndisallow: /foo\ndisallow: /bar\n\n"
     "user-agent: ExampleBot\ndisallow: /baz\n",
     0,
     "examplebot",
     {"/qux", "/ba"},
     {"/foo", "/bar", "/baz", "/baz/x"}},
    {"rfc 2.2.2 query is part of the path", "user-agent: *\ndisallow: /foo/bar?baz=quz\n", 0,
     "trawl", {"/foo/bar", "/foo/bar?baz=qu"}, {"/foo/bar?baz=quz", "/foo/bar?baz=quz&x"}},
    {"rfc 2.2.2 raw UTF-8 rule", "user-agent: *\ndisallow: /foo/bar/\xE3\x83\x84\n", 0, "trawl",
     {"/foo/bar/%E3%83%85", "/foo/bar/"},
     {"/foo/bar/%E3%83%84", "/foo/bar/%e3%83%84", "/foo/bar/\xE3\x83\x84"}},
    {"rfc 2.2.2 escaped rule", "user-agent: *\ndisallow: /foo/bar/%E3%83%84\n", 0, "trawl",
     {"/foo/bar/%E3%83"}, {"/foo/bar/%E3%83%84", "/foo/bar/%e3%83%84x"}},
    {"rfc 2.2.2 escaped unreserved", "user-agent: *\ndisallow: /foo/bar/%62%61%7A\n", 0, "trawl",
     {"/foo/bar/ba", "/foo/bar/%62%61"}, {"/foo/bar/baz", "/foo/bar/%62%61%7a", "/foo/bar/ba%7A"}},
    {"rfc 2.2.3 comments, $ and *",
     "# comment on its own line\n"
     "user-agent: *\n"
     "disallow: /   # comment in line\n"
     "allow: /this/path/exactly$\n"
     "allow: /this/*/exactly\n",
     0,
     "trawl",
     {"/this/path/exactly", "/this/a/b/exactly", "/this//exactly", "/this/x/exactly/y",
      "/this/path/exactly?x"},
     {"/this/path/exactl", "/this/path/exact/ly", "/this/exactly", "/other", "/"}},
    {"rfc 2.2.3 escaped * and $",
     "user-agent: *\ndisallow: /path/file-with-a-%2A.html\ndisallow: /path/foo-%24\n", 0, "trawl",
     {"/path/file-with-a-x.html", "/path/foo-x", "/path/foo-", "/path/file-with-a-.html"},
     {"/path/file-with-a-*.html", "/path/file-with-a-%2A.html", "/path/file-with-a-%2a.html",
      "/path/foo-$", "/path/foo-%24", "/path/foo-$/x"}},
    {"rfc 5.1 foobot", RFC_5_1, 0, "foobot",
     {"/example/page.html", "/example/allowed.gif", "/robots.txt"},
     {"/", "/example/", "/example/other.gif", "/publications/", "/example/page.htm"}},
    {"rfc 5.1 barbot", RFC_5_1, 0, "barbot", {"/example/", "/x.gif", "/example/page.htm"},
     {"/example/page.html", "/example/page.html?x"}},
    {"rfc 5.1 bazbot", RFC_5_1, 0, "BazBot", {"/example/", "/x.gif"}, {"/example/page.html"}},
    {"rfc 5.1 quxbot (empty group)", RFC_5_1, 0, "quxbot",
     {"/example/", "/x.gif", "/example/page.html", "/"}, {NULL}},
    {"rfc 5.1 others", RFC_5_1, 0, "trawl",
     {"/", "/x.gif?y=1", "/x.gifs", "/publications/", "/publications/a.gif", "/examples"},
     {"/x.gif", "/a/b/c.gif", "/example/", "/example/x", "/example/page.html"}},
    {"rfc 5.2 longest match",
     "User-Agent: foobot\nAllow: /example/page/\nDisallow: /example/page/disallowed.gif\n", 0,
     "foobot", {"/example/page/", "/example/page/x", "/example/page/disallowed.gi"},
     {"/example/page/disallowed.gif", "/example/page/disallowed.gif?x"}},

    /* ---- group selection ---- */
    {"specific group beats *",
     "user-agent: *\ndisallow: /all\n\nuser-agent: Trawl\ndisallow: /mine\n",
     0, "trawl", {"/all", "/"}, {"/mine"}},
    {"* for the others", "user-agent: *\ndisallow: /all\n\nuser-agent: Trawl\ndisallow: /mine\n",
     0, "otherbot", {"/mine"}, {"/all"}},
    {"token case-insensitive", "user-agent: TRAWL\ndisallow: /x\n", 0, "TrAwL", {"/y"}, {"/x"}},
    {"value Trawl/1.0", AGENT_FORMS, 0, "trawl", {"/star", "/dash", "/glued", "/starred"},
     {"/versioned", "/spaced"}},
    {"value trawl-bot is another product", AGENT_FORMS, 0, "trawl-bot",
     {"/star", "/versioned", "/glued"}, {"/dash"}},
    {"token with a version", "user-agent: trawl\ndisallow: /x\nuser-agent: *\ndisallow: /\n", 0,
     "Trawl/2.0 (+https://example.com)", {"/y"}, {"/x"}},
    {"no token: * only", "user-agent: trawl\ndisallow: /x\nuser-agent: *\ndisallow: /s\n", 0, "",
     {"/x"}, {"/s"}},
    {"* followed by text", "user-agent: * everyone\ndisallow: /s\n", 0, "trawl", {"/x"}, {"/s"}},
    {"rules before user-agent ignored",
     "disallow: /early\nallow: /\nuser-agent: *\ndisallow: /late\n", 0, "trawl", {"/early"},
     {"/late"}},
    {"unknown keys do not end a group",
     "user-agent: trawl\ndisallow: /a\nnoindex: /z\nhost: example.com\ndisallow: /b\n"
     "sitemap: http://x/s.xml\nclean-param: ref\ndisallow: /c\n",
     0,
     "trawl",
     {"/z", "/"},
     {"/a", "/b", "/c"}},
    {"unknown key between agents",
     "user-agent: other\nhost: x\nuser-agent: trawl\ndisallow: /shared\n",
     0, "other", {"/x"}, {"/shared"}},
    {"sitemap between agents",
     "user-agent: other\nsitemap: http://x/\nuser-agent: trawl\ndisallow: /z\n",
     0, "other", {"/x"}, {"/z"}},
    {"blank lines between agents", "user-agent: other\n\n\nuser-agent: trawl\n\ndisallow: /z\n", 0,
     "other", {"/x"}, {"/z"}},
    {"a group ends at a user-agent after a rule",
     "user-agent: trawl\ndisallow: /a\nuser-agent: other\ndisallow: /b\n", 0, "trawl", {"/b"},
     {"/a"}},
    {"crawl-delay ends the agent list",
     "user-agent: *\ncrawl-delay: 10\nuser-agent: trawl\ndisallow: /p\n", 0, "otherbot", {"/p"},
     {NULL}},
    {"groups merged across the file",
     "user-agent: trawl\ndisallow: /a\nuser-agent: *\ndisallow: /s\nuser-agent: x\n"
     "user-agent: trawl\nallow: /a/b\ndisallow: /c\n",
     0,
     "trawl",
     {"/a/b", "/a/bc", "/s"},
     {"/a", "/a/c", "/c"}},
    {"empty specific group replaces *", "user-agent: *\ndisallow: /\n\nuser-agent: trawl\n", 0,
     "trawl", {"/", "/x"}, {NULL}},
    {"empty disallow in specific group",
     "user-agent: trawl\ndisallow:\n\nuser-agent: *\ndisallow: /\n", 0, "trawl", {"/", "/x"},
     {NULL}},
    {"one group for * and trawl", "user-agent: *\nuser-agent: trawl\ndisallow: /both\n", 0, "trawl",
     {"/x"}, {"/both"}},
    {"keys case-insensitive", "USER-AGENT: *\nDISALLOW: /x\nAlLoW: /x/y\n", 0, "trawl",
     {"/x/y", "/z"}, {"/x", "/x/"}},
    {"whitespace around key and value", "  user-agent  :   *  \n\t disallow\t:\t/x \t\n", 0,
     "trawl",
     {"/y", "/"}, {"/x", "/x/y"}},
    {"comments", "user-agent: * # all\ndisallow: /x#y\n# disallow: /z\n#user-agent: trawl\n", 0,
     "trawl", {"/z", "/y"}, {"/x", "/xy"}},
    {"typos google accepts",
     "useragent: *\ndissallow: /a\ndisalow: /b\ndisallaw: /c\ndiasllow: /d\ndissalow: /e\n"
     "disalllow: /f\nallows: /a/x\n",
     0,
     "trawl",
     {"/f", "/g"},
     {"/a", "/a/x", "/b", "/c", "/d", "/e"}},
    {"user agent with a space", "user agent: trawl\ndisallow: /t\n", 0, "trawl", {"/u"}, {"/t"}},
    {"lines without a colon ignored", "user-agent *\ndisallow /x\nuser-agent: *\ndisallow /y\n", 0,
     "trawl", {"/x", "/y"}, {NULL}},

    /* ---- bytes and line ends ---- */
    {"CR, CRLF, LF, no final newline",
     "user-agent: *\rdisallow: /cr\r\ndisallow: /crlf\n\r\ndisallow: /last", 0, "trawl", {"/x"},
     {"/cr", "/crlf", "/last"}},
    {"BOM", "\xEF\xBB\xBFuser-agent: *\ndisallow: /bom\n", 0, "trawl", {"/x"}, {"/bom"}},
    {"NUL bytes", NUL_BODY, sizeof(NUL_BODY) - 1, "trawl",
     {"/a", "/ab", "/n"}, {"/a%00b", "/c"}},
    {"garbage lines",
     "<html><body>\nuser-agent: *\n}}}}:::\n\xFF\xFE junk :\n:\n::/x\ndisallow: /g\n</html>", 0,
     "trawl", {"/x", "/h"}, {"/g"}},
    {"an HTML page", "<!DOCTYPE html>\n<html><head><title>Not found</title></head></html>\n", 0,
     "trawl", {"/", "/x"}, {NULL}},
    {"empty file", "", 0, "trawl", {"/", "/x"}, {NULL}},

    /* ---- matching ---- */
    {"prefix /fish", "user-agent: *\ndisallow: /fish\n", 0, "trawl",
     {"/Fish.asp", "/catfish", "/?id=fish", "/desert/fish", "/fis"},
     {"/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fish.php?id=anything"}},
    {"/fish*", "user-agent: *\ndisallow: /fish*\n", 0, "trawl", {"/Fish.asp", "/catfish"},
     {"/fish", "/fish.html", "/fishheads/yummy.html"}},
    {"/fish/", "user-agent: *\ndisallow: /fish/\n", 0, "trawl",
     {"/fish", "/fish.html", "/Fish/Salmon.asp"}, {"/fish/", "/fish/?id=x", "/fish/salmon.htm"}},
    {"/*.php", "user-agent: *\ndisallow: /*.php\n", 0, "trawl", {"/", "/windows.PHP", "/php"},
     {"/index.php", "/folder/filename.php?parameters", "/folder/any.php.file.html",
      "/filename.php/"}},
    {"/*.php$", "user-agent: *\ndisallow: /*.php$\n", 0, "trawl",
     {"/filename.php?parameters", "/filename.php/", "/filename.php5", "/windows.PHP"},
     {"/filename.php", "/folder/filename.php", "/.php", "/a.php.php"}},
    {"/fish*.php", "user-agent: *\ndisallow: /fish*.php\n", 0, "trawl", {"/Fish.PHP", "/fish.ph"},
     {"/fish.php", "/fishheads/catfish.php?parameters"}},
    {"/*", "user-agent: *\ndisallow: /*\n", 0, "trawl", {"/robots.txt"}, {"/", "/x", "/x/y?z"}},
    {"$ alone", "user-agent: *\ndisallow: $\n", 0, "trawl", {"/a", "/?"}, {"/", ""}},
    {"/$", "user-agent: *\ndisallow: /$\n", 0, "trawl", {"/a", "/index.html"}, {"/", ""}},
    {"several *", "user-agent: *\ndisallow: /a*b*c*d\n", 0, "trawl", {"/abdc", "/acbd", "/bcd"},
     {"/aXbYcZd", "/abcd", "/abcdX", "/a/b/c/d", "/aabbccdd"}},
    {"* then $", "user-agent: *\ndisallow: /a*b$\n", 0, "trawl", {"/abc", "/ab/", "/a"},
     {"/axxb", "/ab", "/abb", "/abab"}},
    {"rule * alone", "user-agent: *\ndisallow: *\n", 0, "trawl", {"/robots.txt"}, {"/", "/x"}},
    {"/*$", "user-agent: *\ndisallow: /*$\n", 0, "trawl", {"/robots.txt"}, {"/", "/x?y"}},
    {"** and *$ collapse", "user-agent: *\ndisallow: /x**y*$\n", 0, "trawl", {"/x", "/yx"},
     {"/xy", "/x/y/z", "/xyz"}},
    {"$ inside is literal", "user-agent: *\ndisallow: /a$b\n", 0, "trawl", {"/a", "/ab"},
     {"/a$b", "/a%24b", "/a$bc"}},
    {"no leading slash", "user-agent: *\ndisallow: tmp\n", 0, "trawl", {"/x/tmp", "/"},
     {"/tmp", "/tmp/x"}},
    {"queries", "user-agent: *\ndisallow: /*?\ndisallow: /search?q=\n", 0, "trawl",
     {"/a", "/search"}, {"/a?b", "/?", "/search?q=x"}},

    /* ---- priority ---- */
    {"allow wins a tie", "user-agent: *\nallow: /page\ndisallow: /page\n", 0, "trawl",
     {"/page", "/page/x"}, {NULL}},
    {"allow wins a tie, either order", "user-agent: *\ndisallow: /page\nallow: /page\n", 0, "trawl",
     {"/page"}, {NULL}},
    {"allow /$ over disallow /", "user-agent: *\nallow: /$\ndisallow: /\n", 0, "trawl", {"/", ""},
     {"/x", "/index.html"}},
    {"longer disallow wins", "user-agent: *\nallow: /page\ndisallow: /*.html\n", 0, "trawl",
     {"/page", "/page.htm"}, {"/page.html", "/x.html"}},
    {"longer allow wins", "user-agent: *\nallow: /p\ndisallow: /\n", 0, "trawl",
     {"/page", "/p"}, {"/", "/x"}},
    {"allow folder", "user-agent: *\nallow: /folder\ndisallow: /folder\n", 0, "trawl",
     {"/folder/page"}, {NULL}},
    {"length counts normalised octets", "user-agent: *\nallow: /%7Ea\ndisallow: /~a\n", 0, "trawl",
     {"/~a", "/%7ea/x"}, {NULL}},
    {"escapes count three", "user-agent: *\nallow: /x%2F\ndisallow: /x*F\n", 0, "trawl",
     {"/x%2F", "/x%2fy"}, {"/xF", "/x/F"}},
    {"empty disallow allows all", "user-agent: *\ndisallow:\n", 0, "trawl", {"/", "/x"}, {NULL}},
    {"empty allow has no effect", "user-agent: *\ndisallow: /x\nallow:\nallow:   # nothing\n", 0,
     "trawl", {"/y"}, {"/x", "/x/y"}},

    /* ---- percent-encoding ---- */
    {"%3c vs %3C", "user-agent: *\ndisallow: /a%3cd\n", 0, "trawl", {"/acd", "/a%3c"},
     {"/a%3Cd", "/a%3cd", "/a<d"}},
    {"%7E vs ~", "user-agent: *\ndisallow: /%7Efoo\n", 0, "trawl", {"/foo", "/%7E"},
     {"/~foo", "/%7efoo", "/%7Efoo/bar"}},
    {"~ vs %7E", "user-agent: *\ndisallow: /~bar\n", 0, "trawl", {"/bar"}, {"/%7Ebar", "/~bar"}},
    {"raw UTF-8 both sides", "user-agent: *\ndisallow: /caf\xC3\xA9\n", 0, "trawl",
     {"/caf", "/cafe"}, {"/caf%C3%A9", "/caf%c3%a9", "/caf\xC3\xA9"}},
    {"%2F stays encoded", "user-agent: *\ndisallow: /a%2Fb\n", 0, "trawl", {"/a/b"},
     {"/a%2fb", "/a%2Fb"}},
    {"stray %", "user-agent: *\ndisallow: /100%\ndisallow: /%zz\n", 0, "trawl", {"/100", "/%"},
     {"/100%", "/100%25", "/%zz"}},
    {"space in a rule", "user-agent: *\ndisallow: /a b\n", 0, "trawl", {"/a", "/ab"},
     {"/a%20b", "/a b"}},

    /* ---- /robots.txt ---- */
    {"robots.txt always allowed", "user-agent: *\ndisallow: /robots.txt\ndisallow: /\n", 0, "trawl",
     {"/robots.txt", "/robots%2Etxt"}, {"/robots.txt?x", "/robots.txt/", "/x"}},
};

/* Checks that a struct robots read back from its cache form answers like the original on
 * the case's paths, and writes the same form again. */
static void check_round_trip(const struct pcase *c, const struct robots *r)
{
    char *s = robots_serialize(r);
    CHECK(s != NULL);
    if (!s)
        return;
    struct robots *back = robots_deserialize(s, strlen(s));
    CHECK(back != NULL);
    if (back) {
        int same = 1;
        for (int i = 0; i < MAX_PATHS; i++) {
            if (c->yes[i] && robots_allowed(back, c->yes[i]) != robots_allowed(r, c->yes[i]))
                same = 0;
            if (c->no[i] && robots_allowed(back, c->no[i]) != robots_allowed(r, c->no[i]))
                same = 0;
        }
        if (!same)
            fprintf(stderr, "  [%s] answers differ after the cache form:\n%s", c->name, s);
        CHECK(same);
        CHECK(robots_rule_count(back) == robots_rule_count(r));
        char *again = robots_serialize(back);
        CHECK_STR_EQ_CTX(c->name, again, s);
        free(again);
    }
    robots_free(back);
    free(s);
}

static void run_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct pcase *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->body);
        struct robots *r = robots_parse(c->body, len, c->agent);
        CHECK(r != NULL);
        if (!r)
            continue;
        for (int j = 0; j < MAX_PATHS && c->yes[j]; j++) {
            int got = robots_allowed(r, c->yes[j]);
            if (got != 1)
                fprintf(stderr, "  [%s] %s should be allowed\n", c->name, c->yes[j]);
            CHECK_EQ(got, 1);
        }
        for (int j = 0; j < MAX_PATHS && c->no[j]; j++) {
            int got = robots_allowed(r, c->no[j]);
            if (got != 0)
                fprintf(stderr, "  [%s] %s should be disallowed\n", c->name, c->no[j]);
            CHECK_EQ(got, 0);
        }
        check_round_trip(c, r);
        robots_free(r);
    }
}

struct dcase {
    const char *body;
    const char *agent;
    double want;
};

static const struct dcase delays[] = {
    {"user-agent: *\ncrawl-delay: 10\n", "trawl", 10},
    {"user-agent: *\ncrawl-delay: 0.5\n", "trawl", 0.5},
    {"user-agent: *\ncrawl-delay:  3 \n", "trawl", 3},
    {"user-agent: *\ncrawl-delay: .5\n", "trawl", 0.5},
    {"user-agent: *\ncrawl-delay: 3.\n", "trawl", 3},
    {"user-agent: *\ncrawl-delay: 0\n", "trawl", 0},
    {"user-agent: *\ncrawl-delay: 1.25 # seconds\n", "trawl", 1.25},
    {"user-agent: *\ncrawl-delay: 99999999999999999999\n", "trawl", 1e20},
    {"user-agent: *\ncrawl-delay: abc\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay: -5\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay: +5\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay: 1e3\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay: 10s\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay: 1,5\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay: .\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay: inf\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay:\n", "trawl", -1},
    {"user-agent: *\ncrawl-delay: 5\ncrawl-delay: 7\n", "trawl", 7},
    {"user-agent: *\ncrawl-delay: 5\ncrawl-delay: x\n", "trawl", 5},
    {"user-agent: *\ncrawl-delay: 5\nuser-agent: trawl\ncrawl-delay: 2\n", "trawl", 2},
    {"user-agent: *\ncrawl-delay: 5\nuser-agent: trawl\ncrawl-delay: 2\n", "other", 5},
    {"user-agent: *\ncrawl-delay: 5\nuser-agent: trawl\ndisallow: /x\n", "trawl", -1},
    {"crawl-delay: 5\nuser-agent: *\ndisallow: /x\n", "trawl", -1},
    {"user-agent: trawl\nCrawl-Delay: 4\nuser-agent: *\ncrawldelay: 8\n", "trawl", 4},
    {"user-agent: other\ncrawl-delay: 9\n", "trawl", -1},
    {"", "trawl", -1},
};

static void run_delays(void)
{
    for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
        struct robots *r = robots_parse(delays[i].body, strlen(delays[i].body), delays[i].agent);
        double got = robots_crawl_delay(r);
        double want = delays[i].want, diff = got > want ? got - want : want - got;
        int same = want < 0 ? got == want : diff <= want * 1e-12; /* 1e20 is not exact */
        if (!same)
            fprintf(stderr, "  [%s] crawl-delay %g, want %g\n", delays[i].body, got, want);
        CHECK(same);
        char *s = robots_serialize(r);
        struct robots *back = s ? robots_deserialize(s, strlen(s)) : NULL;
        CHECK(back && robots_crawl_delay(back) == got);
        robots_free(back);
        free(s);
        robots_free(r);
    }
    /* A delay too large for a double is kept as the largest one, never inf. */
    char big[700] = "user-agent: *\ncrawl-delay: ";
    size_t n = strlen(big);
    memset(big + n, '9', 400);
    struct robots *r = robots_parse(big, n + 400, "trawl");
    CHECK(robots_crawl_delay(r) == DBL_MAX);
    robots_free(r);
}

static void run_sitemaps(void)
{
    const char *body = "Sitemap: http://a/s1.xml\n"
                       "user-agent: other\n"
                       "sitemap:   http://a/s2.xml  \n"
                       "disallow: /\n"
                       "SITEMAP: http://a/s3.xml # comment\n"
                       "site-map: http://a/x y.xml\n"
                       "sitemap:\n"
                       "user-agent: *\n"
                       "sitemap: https://b/\xC3\xA9.xml\r\n";
    struct robots *r = robots_parse(body, strlen(body), "trawl");
    CHECK_EQ(robots_sitemap_count(r), 5);
    CHECK_STR_EQ(robots_sitemap(r, 0), "http://a/s1.xml");
    CHECK_STR_EQ(robots_sitemap(r, 1), "http://a/s2.xml");
    CHECK_STR_EQ(robots_sitemap(r, 2), "http://a/s3.xml");
    CHECK_STR_EQ(robots_sitemap(r, 3), "http://a/x%20y.xml");
    CHECK_STR_EQ(robots_sitemap(r, 4), "https://b/\xC3\xA9.xml");
    CHECK(robots_sitemap(r, 5) == NULL);
    char *s = robots_serialize(r);
    struct robots *back = s ? robots_deserialize(s, strlen(s)) : NULL;
    CHECK_EQ(robots_sitemap_count(back), 5);
    CHECK_STR_EQ(robots_sitemap(back, 3), "http://a/x%20y.xml");
    CHECK_STR_EQ(robots_sitemap(back, 4), "https://b/\xC3\xA9.xml");
    robots_free(back);
    free(s);
    robots_free(r);

    /* A NUL inside a value cannot cut the string short. */
    static const char nul[] = "sitemap: http://a/\0b\n";
    r = robots_parse(nul, sizeof(nul) - 1, "trawl");
    CHECK_STR_EQ(robots_sitemap(r, 0), "http://a/%00b");
    robots_free(r);

    /* At most ROBOTS_MAX_SITEMAPS, the first ones. */
    size_t cap = 1500 * 40, len = 0;
    char *many = malloc(cap);
    for (int i = 0; many && i < 1500; i++)
        len += (size_t)snprintf(many + len, cap - len, "sitemap: http://a/%d.xml\n", i);
    r = robots_parse(many, len, "trawl");
    CHECK_EQ(robots_sitemap_count(r), ROBOTS_MAX_SITEMAPS);
    CHECK_STR_EQ(robots_sitemap(r, 0), "http://a/0.xml");
    CHECK_STR_EQ(robots_sitemap(r, ROBOTS_MAX_SITEMAPS - 1), "http://a/999.xml");
    s = robots_serialize(r);
    back = s ? robots_deserialize(s, strlen(s)) : NULL;
    CHECK_EQ(robots_sitemap_count(back), ROBOTS_MAX_SITEMAPS);
    robots_free(back);
    free(s);
    robots_free(r);
    free(many);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A body of exactly `len` bytes: "user-agent: *\n", comment lines, then `tail` placed so that
 * it starts at offset `at`. */
static char *padded(size_t len, size_t at, const char *tail)
{
    char *b = malloc(len);
    if (!b)
        return NULL;
    memset(b, '#', len);
    memcpy(b, "user-agent: *\n", 14);
    for (size_t i = 80; i < at; i += 80)
        b[i] = '\n';
    b[at - 1] = '\n';
    size_t tl = strlen(tail);
    memcpy(b + at, tail, tl < len - at ? tl : len - at);
    if (at + tl < len)
        b[at + tl] = '\n';
    return b;
}

static void run_limits(void)
{
    /* A rule beyond the limit is not seen; one that ends right at it is. */
    size_t big = ROBOTS_MAX_BYTES + 4096;
    char *b = padded(big, ROBOTS_MAX_BYTES + 100, "disallow: /late");
    struct robots *r = robots_parse(b, big, "trawl");
    CHECK_EQ(robots_allowed(r, "/late"), 1);
    CHECK_EQ(robots_rule_count(r), 0);
    robots_free(r);
    free(b);
    b = padded(big, ROBOTS_MAX_BYTES - 16, "disallow: /early");
    CHECK(b && b[ROBOTS_MAX_BYTES] == '\n');
    r = robots_parse(b, big, "trawl");
    CHECK_EQ(robots_allowed(r, "/early"), 0);
    robots_free(r);
    free(b);
    /* The same rule without a line end, the body exactly ROBOTS_MAX_BYTES long: seen. */
    b = padded(ROBOTS_MAX_BYTES, ROBOTS_MAX_BYTES - 16, "disallow: /exact");
    r = robots_parse(b, ROBOTS_MAX_BYTES, "trawl");
    CHECK_EQ(robots_allowed(r, "/exact"), 0);
    robots_free(r);
    free(b);
    /* A line cut by the limit is dropped whole: "allow: /public" must not become
     * "allow: /p". */
    b = padded(big, ROBOTS_MAX_BYTES - 40, "disallow: /\n");
    memcpy(b + ROBOTS_MAX_BYTES - 9, "\nallow: /public\n", 16);
    r = robots_parse(b, big, "trawl");
    CHECK_EQ(robots_allowed(r, "/public"), 0);
    CHECK_EQ(robots_allowed(r, "/p"), 0);
    CHECK_EQ(robots_rule_count(r), 1);
    robots_free(r);
    free(b);

    /* 100,000 rule lines (the first ROBOTS_MAX_BYTES of them are read) in well under a
     * second, and a path check against all of them in well under a millisecond. */
    size_t cap = 100000 * 24, len = 0;
    char *many = malloc(cap);
    len += (size_t)snprintf(many, cap, "user-agent: *\n");
    for (int i = 0; i < 100000; i++)
        len += (size_t)snprintf(many + len, cap - len, "disallow: /p%d/*.x$\n", i);
    double t0 = now_s();
    r = robots_parse(many, len, "trawl");
    double t1 = now_s();
    CHECK(r != NULL);
    CHECK(t1 - t0 < 0.5);
    CHECK(robots_rule_count(r) > 20000 && robots_rule_count(r) < 100000);
    int allowed = 0;
    for (int i = 0; i < 1000; i++)
        allowed += robots_allowed(r, "/p123/dir/file.x");
    double t2 = now_s();
    CHECK_EQ(allowed, 0);
    CHECK(t2 - t1 < 1.0);
    CHECK_EQ(robots_allowed(r, "/p99999/a.x"), 1); /* beyond the limit */
    if (t1 - t0 >= 0.5 || t2 - t1 >= 1.0)
        fprintf(stderr, "  parse %.3f s, 1000 checks %.3f s\n", t1 - t0, t2 - t1);
    robots_free(r);
    free(many);

    /* One line of 500 KiB. */
    size_t ll = ROBOTS_MAX_BYTES - 64;
    char *line = malloc(ll + 64);
    len = (size_t)snprintf(line, 64, "user-agent: *\ndisallow: /");
    memset(line + len, 'a', ll - len);
    r = robots_parse(line, ll, "trawl");
    CHECK_EQ(robots_rule_count(r), 1);
    CHECK_EQ(robots_allowed(r, "/aaaa"), 1);
    char *path = malloc(ll);
    path[0] = '/';
    memset(path + 1, 'a', ll - len + 8);
    path[ll - len + 9] = '\0';
    CHECK_EQ(robots_allowed(r, path), 0); /* longer than the stack buffer */
    robots_free(r);
    free(line);

    /* 1000 '*' against a 2000-byte path: linear, not exponential. */
    char rule[2100] = "user-agent: *\ndisallow: /";
    len = strlen(rule);
    for (int i = 0; i < 1000; i++) {
        rule[len++] = '*';
        rule[len++] = 'a';
    }
    memcpy(rule + len, "*b", 3);
    len += 2;
    r = robots_parse(rule, len, "trawl");
    path[0] = '/';
    memset(path + 1, 'a', 2000);
    path[2001] = '\0';
    t0 = now_s();
    int ok = 0;
    for (int i = 0; i < 100; i++)
        ok += robots_allowed(r, path);
    t1 = now_s();
    CHECK_EQ(ok, 100);
    CHECK(t1 - t0 < 0.5);
    path[2001] = 'b';
    path[2002] = '\0';
    CHECK_EQ(robots_allowed(r, path), 0);
    robots_free(r);
    free(path);
}

static void run_fixed(void)
{
    robots_free(NULL);
    struct robots *all = robots_allow_all();
    struct robots *none = robots_disallow_all();
    CHECK_EQ(robots_allowed(all, "/"), 1);
    CHECK_EQ(robots_allowed(all, "/x?y"), 1);
    CHECK_EQ(robots_allowed(none, "/"), 0);
    CHECK_EQ(robots_allowed(none, ""), 0);
    CHECK_EQ(robots_allowed(none, "/x"), 0);
    CHECK_EQ(robots_allowed(none, "/robots.txt"), 1);
    CHECK(robots_crawl_delay(all) == -1 && robots_crawl_delay(none) == -1);
    CHECK_EQ(robots_sitemap_count(none), 0);
    char *s = robots_serialize(none);
    struct robots *back = s ? robots_deserialize(s, strlen(s)) : NULL;
    CHECK(back && robots_allowed(back, "/x") == 0 && robots_allowed(back, "/robots.txt") == 1);
    robots_free(back);
    free(s);
    s = robots_serialize(all);
    back = s ? robots_deserialize(s, strlen(s)) : NULL;
    CHECK(back && robots_allowed(back, "/x") == 1 && robots_rule_count(back) == 0);
    robots_free(back);
    free(s);
    robots_free(all);
    robots_free(none);
    /* A NULL body with len 0 is an empty file. */
    struct robots *r = robots_parse(NULL, 0, NULL);
    CHECK(r && robots_allowed(r, "/") == 1);
    robots_free(r);
}

/* robots_deserialize reads only what robots_serialize writes. */
static void run_refusals(void)
{
    const char *body = "user-agent: *\ndisallow: /a*b$\nallow: /a/%7E\ncrawl-delay: 2.5\n"
                       "sitemap: http://x/s.xml\n";
    struct robots *r = robots_parse(body, strlen(body), "trawl");
    char *s = robots_serialize(r);
    CHECK(s && strncmp(s, "trawl-robots/1 ", 15) == 0);
    size_t n = s ? strlen(s) : 0;
    struct robots *back = robots_deserialize(s, n);
    CHECK(back != NULL);
    robots_free(back);

    int truncated_refused = 1;
    for (size_t i = 0; i < n; i++) {
        back = robots_deserialize(s, i);
        if (back) {
            fprintf(stderr, "  a prefix of %zu bytes was accepted\n", i);
            truncated_refused = 0;
            robots_free(back);
        }
    }
    CHECK(truncated_refused);

    /* Any one byte changed: refused, or read as exactly what it says, so that writing it
     * again gives the changed form back (a form robots_serialize could have written). */
    int flips_ok = 1;
    char *m = malloc(n + 1);
    for (size_t i = 0; m && i < n; i++) {
        for (int c = 0x20; c < 0x100; c += 3) {
            memcpy(m, s, n + 1);
            m[i] = (char)c;
            back = robots_deserialize(m, n);
            char *again = back ? robots_serialize(back) : NULL;
            if (back && (!again || strcmp(again, m) != 0)) {
                fprintf(stderr, "  a changed byte at %zu (0x%02x) was misread:\n%s", i, c, m);
                flips_ok = 0;
            }
            free(again);
            robots_free(back);
        }
    }
    CHECK(flips_ok);
    free(m);

    static const char *const bad[] = {
        "",
        "garbage",
        "trawl-robots/2 rules=0 sitemaps=0 delay=bff0000000000000\nend\n",
        "trawl-robots/0 rules=0 sitemaps=0 delay=bff0000000000000\nend\n",
        "trawl-robots/1 rules=0 sitemaps=0 delay=bff0000000000000\nend\n\n",
        "trawl-robots/1 rules=0 sitemaps=0 delay=bff0000000000000\nend",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nend\n",
        "trawl-robots/1 rules=0 sitemaps=0 delay=bff0000000000000\nD/\nend\n",
        "trawl-robots/1 rules=01 sitemaps=0 delay=bff0000000000000\nD/\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=BFF0000000000000\nD/\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=7ff8000000000000\nD/\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=c000000000000000\nD/\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff000000000000\nD/\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nX/\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nDx\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nD\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nD/%7e\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nD/%7E\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nD/a$b\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nD/a b\nend\n",
        "trawl-robots/1 rules=0 sitemaps=1 delay=bff0000000000000\nS\nend\n",
        "trawl-robots/1 rules=0 sitemaps=1 delay=bff0000000000000\nSa b\nend\n",
        "trawl-robots/1 rules=0 sitemaps=1001 delay=bff0000000000000\nend\n",
        "trawl-robots/1 rules=999999999 sitemaps=0 delay=bff0000000000000\nend\n",
        "trawl-robots/1 rules=99999999999999999999 sitemaps=0 delay=bff0000000000000\nend\n",
        "trawl-robots/1  rules=0 sitemaps=0 delay=bff0000000000000\nend\n",
        "trawl-robots/1 rules=2 sitemaps=0 delay=bff0000000000000\nD/\nA/ab\nend\n",
        "trawl-robots/1 rules=2 sitemaps=0 delay=bff0000000000000\nD/a\nA/a\nend\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        back = robots_deserialize(bad[i], strlen(bad[i]));
        if (back)
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        CHECK(back == NULL);
        robots_free(back);
    }
    /* The exact form: match order, normalised patterns (upper-case hex), the delay's bits
     * (2.5 is 0x4004000000000000), the sitemaps in file order. */
    const char *exact_body = "user-agent: *\nallow: /caf\xC3\xA9$\ndisallow: /a%3cd*\n"
                             "disallow: /%7E\ncrawl-delay: 2.5\nsitemap: http://x/s.xml\n"
                             "sitemap: http://y/\n";
    struct robots *e = robots_parse(exact_body, strlen(exact_body), "trawl");
    char *form = robots_serialize(e);
    CHECK_STR_EQ(form, "trawl-robots/1 rules=3 sitemaps=2 delay=4004000000000000\n"
                       "A/caf%C3%A9$\nD/a%3Cd*\nD/~\nShttp://x/s.xml\nShttp://y/\nend\n");
    free(form);
    robots_free(e);
    /* The good forms those are made from. */
    static const char *const good[] = {
        "trawl-robots/1 rules=0 sitemaps=0 delay=bff0000000000000\nend\n",
        "trawl-robots/1 rules=1 sitemaps=0 delay=0000000000000000\nD/\nend\n",
        "trawl-robots/1 rules=1 sitemaps=1 delay=bff0000000000000\nD/a%24b$\nSa\nend\n",
        "trawl-robots/1 rules=2 sitemaps=0 delay=bff0000000000000\nA/ab\nD/\nend\n",
        "trawl-robots/1 rules=2 sitemaps=0 delay=bff0000000000000\nA/a\nD/a\nend\n",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        back = robots_deserialize(good[i], strlen(good[i]));
        CHECK(back != NULL);
        robots_free(back);
    }
    /* A NUL inside is not part of any form. */
    static const char with_nul[] =
        "trawl-robots/1 rules=1 sitemaps=0 delay=bff0000000000000\nD/a\0b\nend\n";
    CHECK(robots_deserialize(with_nul, sizeof(with_nul) - 1) == NULL);
    CHECK(robots_deserialize(NULL, 0) == NULL);
    free(s);
    robots_free(r);
}

int main(void)
{
    run_table();
    run_delays();
    run_sitemaps();
    run_limits();
    run_fixed();
    run_refusals();
    return check_summary();
}
