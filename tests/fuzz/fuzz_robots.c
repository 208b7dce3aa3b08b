/* fuzz_robots.c -- robots_parse and the cache form on arbitrary bytes. Invariants, for the
 * product tokens "trawl", "Googlebot" and none: "/robots.txt" is allowed; answers are 0 or 1;
 * the delay is -1 or a finite number >= 0; sitemap URLs hold no space or control byte; the
 * cache form reads back to the same answers on paths taken from the input (and fixed ones),
 * the same delay and sitemaps, and writes the same form again; robots_deserialize accepts the
 * input itself only if that is exactly a form robots_serialize writes. The matcher agrees
 * with a plain dynamic-programming matcher on a rule and a path built from the input over
 * the alphabet 'a', 'b', '/', '*' (and a final '$').
 *
 * Input: "BODY", or "BODY\0PATH" to give a path too (the bytes after the last NUL). Every
 * line's bytes from its first '/' are paths as well. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, what, s)                                                             \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz_robots: %s failed for \"%s\"\n", what, s);               \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

#define MAX_PATHS 24
#define DIFF_RULE 40 /* octets of the differential rule, at most */
#define DIFF_PATH 60 /* octets of the differential path, at most */

/* Paths to ask about: fixed ones, the tail after the last NUL, and each line from its first
 * '/' (up to a NUL). Each is a NUL-terminated copy in out[], freed by the caller. */
/* A NUL-terminated copy of at most n bytes of p, ending at a NUL among them. Not strndup:
 * the input has no NUL after its last byte, and strndup may look for one there (ASan's
 * strict_string_checks says so). */
static char *dup_text(const char *p, size_t n)
{
    const char *nul = memchr(p, '\0', n);
    if (nul)
        n = (size_t)(nul - p);
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
    return out;
}

static size_t collect_paths(const char *s, size_t size, char *out[MAX_PATHS])
{
    static const char *const fixed[] = {"/", "", "/a", "/x?y=1", "/%7Ea", "/robots.txt/x"};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        out[n++] = strdup(fixed[i]);
    const char *nul = size ? memchr(s, '\0', size) : NULL;
    if (nul) {
        const char *last = s + size - 1;
        while (*last)
            last--;
        out[n++] = dup_text(last + 1, (size_t)(s + size - last - 1));
    }
    const char *p = s, *end = s + size;
    while (p < end && n < MAX_PATHS) {
        const char *e = p;
        while (e < end && *e != '\n' && *e != '\r')
            e++;
        const char *slash = memchr(p, '/', (size_t)(e - p));
        if (slash)
            out[n++] = dup_text(slash, (size_t)(e - slash));
        p = e < end ? e + 1 : e;
    }
    return n;
}

/* The reference: does pattern p (with '*', and '$' when last) match a prefix of t (all of t
 * with '$')? dp[j]: p[0..i) matches t[0..j). */
static int ref_match(const char *p, size_t pn, const char *t, size_t tn)
{
    int anchored = pn && p[pn - 1] == '$';
    if (anchored)
        pn--;
    unsigned char dp[DIFF_PATH + 2], nx[DIFF_PATH + 2];
    memset(dp, 0, sizeof(dp));
    dp[0] = 1;
    for (size_t i = 0; i < pn; i++) {
        memset(nx, 0, sizeof(nx));
        for (size_t j = 0; j <= tn; j++) {
            if (p[i] == '*')
                nx[j] = dp[j] || (j > 0 && nx[j - 1]);
            else
                nx[j] = j > 0 && dp[j - 1] && t[j - 1] == p[i];
        }
        memcpy(dp, nx, sizeof(dp));
    }
    if (anchored)
        return dp[tn];
    for (size_t j = 0; j <= tn; j++)
        if (dp[j])
            return 1;
    return 0;
}

static void check_differential(const uint8_t *data, size_t size)
{
    static const char alphabet[] = "ab/*";
    char rule[DIFF_RULE + 3], path[DIFF_PATH + 2];
    size_t half = size / 2, rn = 1, pn = 1;
    rule[0] = '/';
    path[0] = '/';
    for (size_t i = 1; i < half && rn < DIFF_RULE; i++)
        rule[rn++] = alphabet[data[i] & 3];
    if (size && (data[0] & 4))
        rule[rn++] = '$';
    rule[rn] = '\0';
    for (size_t i = half; i < size && pn < DIFF_PATH; i++)
        path[pn++] = alphabet[data[i] % 3]; /* no '*' in a path */
    path[pn] = '\0';
    char body[DIFF_RULE + 64];
    int len = snprintf(body, sizeof(body), "user-agent: *\ndisallow: %s\n", rule);
    struct robots *r = robots_parse(body, (size_t)len, "trawl");
    REQUIRE(r != NULL, "parse", body);
    int want = !ref_match(rule, rn, path, pn);
    if (robots_allowed(r, path) != want) {
        fprintf(stderr, "fuzz_robots: rule \"%s\" path \"%s\": allowed %d, reference %d\n", rule,
                path, !want, want);
        abort();
    }
    robots_free(r);
}

static void check_one(const char *s, size_t size, const char *token, char **paths,
                      size_t npaths)
{
    struct robots *r = robots_parse(s, size, token);
    REQUIRE(r != NULL, "parse", token ? token : "(null)");
    REQUIRE(robots_allowed(r, "/robots.txt") == 1, "/robots.txt allowed", s);
    double d = robots_crawl_delay(r);
    REQUIRE(d == -1 || (d >= 0 && d <= DBL_MAX), "delay -1 or finite >= 0", s);
    for (size_t i = 0; i < robots_sitemap_count(r); i++) {
        const char *m = robots_sitemap(r, i);
        REQUIRE(m && *m, "sitemap", s);
        for (const char *q = m; *q; q++)
            REQUIRE((unsigned char)*q > 0x20 && *q != 0x7f, "no raw space in a sitemap", m);
    }
    REQUIRE(robots_sitemap(r, robots_sitemap_count(r)) == NULL, "sitemap out of range", s);

    char *form = robots_serialize(r);
    REQUIRE(form != NULL, "serialize", s);
    struct robots *back = robots_deserialize(form, strlen(form));
    REQUIRE(back != NULL, "own form reads back", form);
    char *again = robots_serialize(back);
    REQUIRE(again && strcmp(again, form) == 0, "form written again", form);
    REQUIRE(robots_crawl_delay(back) == d, "same delay", form);
    REQUIRE(robots_sitemap_count(back) == robots_sitemap_count(r), "same sitemaps", form);
    for (size_t i = 0; i < robots_sitemap_count(r); i++)
        REQUIRE(strcmp(robots_sitemap(back, i), robots_sitemap(r, i)) == 0, "same sitemap", form);
    for (size_t i = 0; i < npaths; i++) {
        if (!paths[i])
            continue;
        int a = robots_allowed(r, paths[i]);
        REQUIRE(a == 0 || a == 1, "answer 0 or 1", paths[i]);
        REQUIRE(robots_allowed(back, paths[i]) == a, "same answer from the form", paths[i]);
    }
    free(again);
    free(form);
    robots_free(back);
    robots_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * ROBOTS_MAX_BYTES)
        return 0;
    /* An exact-size copy without a NUL after it: the parser must respect size. */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    size_t body = size;
    const char *nul = size ? memchr(s, '\0', size) : NULL;
    if (nul) {
        body = size - 1;
        while (s[body])
            body--;
    }

    char *paths[MAX_PATHS] = {0};
    size_t npaths = collect_paths(s, size, paths);
    static const char *const tokens[] = {"trawl", "Googlebot", NULL};
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
        check_one(s, body, tokens[i], paths, npaths);

    /* The input read as a cache form: accepted only if it is one, byte for byte. */
    struct robots *r = robots_deserialize(s, size);
    if (r) {
        char *form = robots_serialize(r);
        REQUIRE(form && strlen(form) == size && memcmp(form, s, size) == 0,
                "only exact forms are read", form ? form : "(null)");
        REQUIRE(robots_allowed(r, "/robots.txt") == 1, "/robots.txt allowed (form)", form);
        free(form);
        robots_free(r);
    }

    check_differential(data, size);
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(s);
    return 0;
}
