/* fuzz_message.c -- input message parsing on arbitrary bytes. Invariants: never crashes; a
 * parsed message has a canonical http(s) URL that canonicalises to itself. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"application/json", "text/plain", ""};
    for (size_t t = 0; t < 3; t++) {
        struct message m;
        char err[256];
        if (message_parse((const char *)data, size, types[t], &m, err, sizeof(err)) < 0) {
            assert(err[0]);
            continue;
        }
        assert(strncmp(m.url, "http://", 7) == 0 || strncmp(m.url, "https://", 8) == 0);
        char *again = url_canonicalize(m.url, err, sizeof(err));
        assert(again && strcmp(again, m.url) == 0);
        free(again);
        message_cleanup(&m);
    }
    return 0;
}
