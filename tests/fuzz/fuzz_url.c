/* fuzz_url.c -- url_canonicalize and url_base_resolve on arbitrary bytes. Invariants: every
 * result is http(s), has no fragment, no raw space or control byte, is its own canonical
 * form (idempotence), and resolves to itself against any base.
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
    char *r = url_base_resolve(b, ref);
    if (r)
        check_result(r);
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
