/* charset.c -- which charset libxml2 should decode a page with. */
#define _GNU_SOURCE /* memmem */
#include "charset.h"

#include <libxml/encoding.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chardet.h"
#include "text.h"

/* Copies the value of a charset= parameter found in s[0..n) into out (lower-case), or "". */
static void find_charset(const char *s, size_t n, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *end = s + n;
    for (const char *p = s; p + 7 < end; p++) {
        if (strncasecmp(p, "charset", 7) != 0)
            continue;
        const char *q = p + 7;
        while (q < end && text_is_space((unsigned char)*q))
            q++;
        if (q >= end || *q != '=')
            continue;
        q++;
        while (q < end && (text_is_space((unsigned char)*q) || *q == '"' || *q == '\''))
            q++;
        size_t i = 0;
        while (q < end && i + 1 < outlen &&
               ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                (*q >= '0' && *q <= '9') || *q == '-' || *q == '_' || *q == '.' || *q == ':')) {
            out[i++] = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
            q++;
        }
        out[i] = '\0';
        if (i > 0)
            return;
    }
}

/* Browsers read these labels as windows-1252 (WHATWG Encoding); libxml2 would give C1
 * controls for bytes 0x80-0x9F. */
static const char *charset_alias(const char *cs)
{
    static const char *const latin1[] = {"iso-8859-1", "iso8859-1", "latin1", "l1",
                                         "us-ascii", "ascii", "iso_8859-1", "cp1252",
                                         "x-cp1252", "windows-1252"};
    for (size_t i = 0; i < sizeof(latin1) / sizeof(latin1[0]); i++)
        if (strcmp(cs, latin1[i]) == 0)
            return "windows-1252";
    if (strcmp(cs, "utf8") == 0)
        return "utf-8";
    if (strcmp(cs, "gb2312") == 0 || strcmp(cs, "x-gbk") == 0)
        return "gbk"; /* a superset; what browsers use */
    return cs;
}

/* glibc's CP1252 has no mapping for these five bytes and libxml2 stops parsing at the first
 * conversion error, so a "latin1" page holding one is read as real ISO-8859-1 instead. */
static const char *latin1_choice(const char *enc, const char *body, size_t len)
{
    if (strcmp(enc, "windows-1252") != 0)
        return enc;
    static const char holes[] = {'\x81', '\x8d', '\x8f', '\x90', '\x9d'};
    for (size_t i = 0; i < sizeof(holes); i++)
        if (memchr(body, holes[i], len))
            return "iso-8859-1";
    return enc;
}

/* True when libxml2 (built in or iconv) can decode this charset. */
static bool charset_known(const char *cs)
{
    if (!cs[0])
        return false;
    xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(cs);
    if (!h)
        return false;
    xmlCharEncCloseFunc(h); /* frees iconv-backed handlers, leaves built-in ones */
    return true;
}

/* A small <meta> charset prescan over the start of the body (the HTML spec scans 1024
 * bytes; pages in the wild put it later, so a little more). */
static void meta_charset(const char *body, size_t len, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t n = len < 8192 ? len : 8192;
    const char *p = body, *end = body + n;
    while (p < end) {
        const char *m = memmem(p, (size_t)(end - p), "<meta", 5);
        const char *M = memmem(p, (size_t)(end - p), "<META", 5);
        if (!m || (M && M < m))
            m = M;
        if (!m) {
            /* Mixed case "<Meta": rare enough for a slower scan. */
            for (const char *q = p; q + 5 <= end; q++)
                if (strncasecmp(q, "<meta", 5) == 0) {
                    m = q;
                    break;
                }
            if (!m)
                return;
        }
        const char *gt = memchr(m, '>', (size_t)(end - m));
        if (!gt)
            return;
        find_charset(m, (size_t)(gt - m), out, outlen);
        if (out[0])
            return;
        p = gt;
    }
}

void charset_detect(const char *content_type, const char *body, size_t len,
                    struct page_charset *out)
{
    char cs[64] = "";
    const char *encoding = NULL;
    out->name[0] = '\0';
    out->native_utf8 = false;
    if (content_type)
        find_charset(content_type, strlen(content_type), cs, sizeof(cs));
    if (cs[0] && charset_known(charset_alias(cs))) {
        encoding = charset_alias(cs);
    } else if (text_plain_utf8((const unsigned char *)body, len)) {
        out->native_utf8 = true;
        return;
    } else {
        meta_charset(body, len, cs, sizeof(cs));
        if (cs[0] && charset_known(charset_alias(cs)))
            encoding = charset_alias(cs);
        else if (!cs[0] && chardet_guess(body, len, cs) && strcmp(cs, "utf-8") != 0 &&
                 charset_known(charset_alias(cs)))
            encoding = charset_alias(cs); /* named nowhere; "utf-8" for invalid bytes would
                                           * make libxml2 stop at the first one */
    }
    if (encoding)
        snprintf(out->name, sizeof(out->name), "%s", latin1_choice(encoding, body, len));
}
