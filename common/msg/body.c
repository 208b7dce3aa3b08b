/* body.c -- --keep-body's fields. Base64 is written by hand: twenty lines, where a library
 * (OpenSSL's EVP_EncodeBlock) would be one more dependency for the worker to link. */
#include "body.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feed.h"
#include "utf8.h"

/* 1 when the media type (n bytes, no parameters) ends with suffix, ignoring case. */
static bool ends_with(const char *type, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(type + n - k, suffix, k) == 0;
}

bool body_is_text(const char *content_type, const char *body, size_t len)
{
    if (!content_type || !content_type[0])
        return utf8_valid(body, len);
    static const char *const TEXT_TYPES[] = {"application/json", "application/xml",
                                             "application/javascript",
                                             "application/ecmascript",
                                             "application/x-javascript"};
    const char *type = content_type;
    while (*type == ' ' || *type == '\t')
        type++;
    size_t n = strcspn(type, ";");
    while (n > 0 && (type[n - 1] == ' ' || type[n - 1] == '\t'))
        n--;
    if (n >= 5 && strncasecmp(type, "text/", 5) == 0)
        return true;
    if (ends_with(type, n, "+json") || ends_with(type, n, "+xml"))
        return true;
    for (size_t i = 0; i < sizeof(TEXT_TYPES) / sizeof(TEXT_TYPES[0]); i++)
        if (strlen(TEXT_TYPES[i]) == n && strncasecmp(type, TEXT_TYPES[i], n) == 0)
            return true;
    return false;
}

/* RFC 4648 base64 of n bytes, NUL-terminated (caller frees), or NULL when out of memory. */
static char *base64(const unsigned char *s, size_t n)
{
    static const char ALPHABET[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    char *w = out;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
        *w++ = ALPHABET[v >> 18];
        *w++ = ALPHABET[(v >> 12) & 63];
        *w++ = ALPHABET[(v >> 6) & 63];
        *w++ = ALPHABET[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);
        *w++ = ALPHABET[v >> 18];
        *w++ = ALPHABET[(v >> 12) & 63];
        *w++ = i + 1 < n ? ALPHABET[(v >> 6) & 63] : '=';
        *w++ = '=';
    }
    *w = '\0';
    return out;
}

int body_add(json_t *rec, const char *body, size_t len, const char *content_type,
             size_t max_bytes)
{
    bool cut = false;
    json_t *value = NULL;
    const char *key = "body";
    if (body_is_text(content_type, body, len)) {
        size_t n = 0;
        char *text = feed_decode_text(body, len, content_type, max_bytes, &n, &cut);
        value = text ? json_stringn_nocheck(text, n) : NULL; /* valid UTF-8 by construction */
        free(text);
    } else {
        cut = len > max_bytes;
        char *b64 = base64((const unsigned char *)body, cut ? max_bytes : len);
        value = b64 ? json_string_nocheck(b64) : NULL;
        free(b64);
        key = "body_base64";
    }
    if (!value || json_object_set_new(rec, key, value) < 0)
        return -1;
    if (cut && json_object_set_new(rec, "body_truncated", json_true()) < 0)
        return -1;
    return 0;
}
