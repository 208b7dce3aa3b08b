/* fuzz_url.c -- url_canonicalize and url_base_resolve on arbitrary bytes. Invariants: every
 * result is http(s), has no fragment, no raw space or control byte, is its own canonical
 * form (idempotence), and resolves to itself against any base; url_base_resolve's fast path
 * gives exactly the bytes of the slow path (url_base_resolve_slow), against the input's base,
 * no base, and fixed http and https bases.
 *
 * Input: "REF", or "BASE\0REF" to fuzz the base too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, what, s)                                                             \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz_url: %s failed for \"%s\"\n", what, s);                  \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

static void check_result(const char *r)
{
    REQUIRE(strncmp(r, "http://", 7) == 0 || strncmp(r, "https://", 8) == 0, "http(s)", r);
    REQUIRE(!strchr(r, '#'), "no fragment", r);
    for (const char *p = r; *p; p++)
        REQUIRE((unsigned char)*p > 0x20 && (unsigned char)*p != 0x7f, "no raw space", r);
    char err[256];
    char *again = url_canonicalize(r, err, sizeof(err));
    REQUIRE(again != NULL, "canonical form parses", r);
    REQUIRE(strcmp(again, r) == 0, "idempotence", r);
    free(again);
    char *self = url_resolve("https://base.example/dir/x?y", r);
    REQUIRE(self && strcmp(self, r) == 0, "absolute resolves to itself", r);
    free(self);
    char *host = url_host(r);
    REQUIRE(host != NULL, "host", r);
    free(host);
}

/* Resolves ref against b with and without the fast path; any difference aborts. Returns
 * the result. */
static char *resolve_both(const struct url_base *b, const char *ref)
{
    char *fast = url_base_resolve(b, ref);
    char *slow = url_base_resolve_slow(b, ref);
    if (!fast != !slow || (fast && strcmp(fast, slow) != 0)) {
        fprintf(stderr, "fuzz_url: fast path != slow path for \"%s\" against \"%s\":\n"
                        "  fast \"%s\"\n  slow \"%s\"\n",
                ref, b ? url_base_str(b) : "(no base)", fast ? fast : "(null)",
                slow ? slow : "(null)");
        abort();
    }
    free(slow);
    return fast;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * URL_MAX_BYTES)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t first = strlen(s);
    const char *base = first < size ? s : "http://Example.com/a/b/c?q=1";
    const char *ref = first < size ? s + first + 1 : s;

    char err[256];
    char *c = url_canonicalize(ref, err, sizeof(err));
    if (c)
        check_result(c);
    else
        REQUIRE(err[0] != '\0', "error message", ref);

    struct url_base *b = url_base_new(base, err, sizeof(err));
    char *r = resolve_both(b, ref);
    if (r)
        check_result(r);
    static const char *const fixed[] = {"https://www.example.com:8443/dir/sub/page.html?x=1",
                                        "http://a.com"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        struct url_base *fb = url_base_new(fixed[i], err, sizeof(err));
        REQUIRE(fb != NULL, "fixed base", fixed[i]);
        free(resolve_both(fb, ref));
        url_base_free(fb);
    }
    free(resolve_both(NULL, ref));
    /* An absolute URL resolves to its canonical form, whatever the base. */
    const char *t = ref;
    while (*t && (unsigned char)*t <= 0x20)
        t++;
    if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
        REQUIRE(!c == !r, "absolute ref resolves iff it canonicalizes", ref);
        REQUIRE(!c || strcmp(c, r) == 0, "absolute ref resolves to its canonical form", ref);
    }
    if (b)
        check_result(url_base_str(b));
    url_base_free(b);
    free(r);
    free(c);
    free(s);
    return 0;
}
