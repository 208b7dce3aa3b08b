/* utf8.c -- the one UTF-8 validator (see utf8.h). Hand-written: jansson and libxml2 only
 * validate inside their own string constructors, and iconv cannot say where a sequence ends. */
#include "utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* utf8_seq_len's body, inlined into utf8_valid's loop: a call per character would slow the
 * check of Cyrillic or CJK text by a quarter. */
static inline size_t seq_len(const unsigned char *u, size_t n)
{
    unsigned char c = u[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0; /* a continuation byte, an overlong 2-byte lead, or above U+10FFFF */
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((u[i] & 0xC0) != 0x80)
            return 0;
    /* The second byte alone tells the remaining bad cases apart (RFC 3629 section 4). */
    if (c == 0xE0 && u[1] < 0xA0)
        return 0; /* overlong */
    if (c == 0xED && u[1] >= 0xA0)
        return 0; /* surrogate */
    if (c == 0xF0 && u[1] < 0x90)
        return 0; /* overlong */
    if (c == 0xF4 && u[1] >= 0x90)
        return 0; /* above U+10FFFF */
    return len;
}

size_t utf8_seq_len(const char *s, size_t n)
{
    return seq_len((const unsigned char *)s, n);
}

bool utf8_valid(const char *s, size_t n)
{
    const uint64_t high = 0x8080808080808080ULL;
    size_t i = 0;
    while (i < n) {
        /* Most pages are mostly ASCII, and this reads every byte of a body. */
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (x & high)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = seq_len((const unsigned char *)s + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

size_t utf8_next(const char *s, size_t n, const char **out, size_t *out_len)
{
    size_t k = seq_len((const unsigned char *)s, n);
    *out = k ? s : REPLACEMENT;
    *out_len = k ? k : 3;
    return k ? k : 1;
}

char *utf8_repair(const char *s, size_t n, bool nul_too, size_t *out_len)
{
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        const char *bytes = REPLACEMENT;
        size_t blen = 3;
        i += nul_too && s[i] == '\0' ? 1 : utf8_next(s + i, n - i, &bytes, &blen);
        memcpy(out + o, bytes, blen);
        o += blen;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}
