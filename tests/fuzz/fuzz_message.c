/* fuzz_message.c -- input message parsing on arbitrary bytes. Invariants: never crashes; a
 * rejected input has a reason; a parsed message has a canonical http(s) URL that
 * canonicalises to itself. Checks abort() rather than assert(): every build defines NDEBUG. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, what, s)                                                             \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz_message: %s failed for \"%s\"\n", what, s);             \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"application/json", "text/plain", ""};
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        struct message m;
        /* Empty before the call, so that a failure without a reason is seen as one. */
        char err[256] = "";
        if (message_parse((const char *)data, size, types[t], &m, err, sizeof(err)) < 0) {
            REQUIRE(err[0] != '\0', "a reason for the rejection", types[t]);
            continue;
        }
        REQUIRE(m.url != NULL, "a URL", types[t]);
        REQUIRE(strncmp(m.url, "http://", 7) == 0 || strncmp(m.url, "https://", 8) == 0,
                "http(s)", m.url);
        char *again = url_canonicalize(m.url, err, sizeof(err));
        REQUIRE(again != NULL, "canonical URL parses", m.url);
        REQUIRE(strcmp(again, m.url) == 0, "idempotence", m.url);
        free(again);
        message_cleanup(&m);
    }
    return 0;
}
