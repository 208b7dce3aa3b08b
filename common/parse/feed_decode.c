/* feed_decode.c -- a feed's bytes made into the UTF-8 text libxml2 reads best: the charset
 * chosen here (not by libxml2, which would trust a wrong XML declaration and stop at the first
 * byte it cannot decode), and the references real feeds write rewritten into ones XML knows.
 *
 * Why rewrite references before parsing rather than after: libxml2 2.9 in recovery mode drops
 * every entity reference, even &amp;, once it has seen one well-formedness error (parser.c,
 * xmlParseReference: "if (!ctxt->wellFormed) return;"), and a bare '&' is such an error.
 * Character references survive it. So bare '&' becomes &amp;, and &amp; &lt; &nbsp; &eacute;
 * ... become &#38; &#60; &#160; &#233;: the document then holds no named reference libxml2
 * could drop (except those its own DTD declares, left alone). */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "feed_int.h"

#include <errno.h>
#include <iconv.h>
#include <libxml/HTMLparser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "chardet.h"
#include "utf8.h"

/* ---- the charset ----------------------------------------------------------------------- */

/* The value of a charset= parameter in s (lower-case), or "". */
static void header_charset(const char *s, char out[64])
{
    out[0] = '\0';
    if (!s)
        return;
    for (const char *p = s; (p = strcasestr(p, "charset")) != NULL; p += 7) {
        const char *q = p + 7;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t' || *q == '"' || *q == '\'')
            q++;
        size_t i = 0;
        while (i < 63 && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                          (*q >= '0' && *q <= '9') || *q == '-' || *q == '_' || *q == '.' ||
                          *q == ':')) {
            out[i++] = (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q);
            q++;
        }
        out[i] = '\0';
        if (i)
            return;
    }
}

/* The encoding="..." of an XML declaration at the start of body (lower-case), or "". */
static void declared_charset(const char *body, size_t len, char out[64])
{
    out[0] = '\0';
    size_t i = 0;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && i < 1024 && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' ||
                                   body[i] == '\n'))
        i++;
    if (len - i < 6 || memcmp(body + i, "<?xml", 5) != 0)
        return;
    size_t n = len - i < 512 ? len - i : 512;
    const char *decl = body + i, *end = memmem(decl, n, "?>", 2);
    if (!end)
        return;
    const char *e = memmem(decl, (size_t)(end - decl), "encoding", 8);
    if (!e)
        return;
    e += 8;
    while (e < end && (*e == ' ' || *e == '='))
        e++;
    if (e >= end || (*e != '"' && *e != '\''))
        return;
    char quote = *e++;
    size_t k = 0;
    while (e < end && *e != quote && k < 63) {
        out[k++] = (char)((*e >= 'A' && *e <= 'Z') ? *e + 32 : *e);
        e++;
    }
    out[k] = '\0';
}

/* An ASCII-compatible charset iconv knows, under the name to give it, or NULL. Labels as
 * browsers read them: the Latin-1 family is windows-1252, gb2312 is its superset gbk. */
static const char *usable_charset(const char *label)
{
    static const char *const latin1[] = {"iso-8859-1", "iso8859-1", "latin1", "l1",
                                         "us-ascii", "ascii", "iso_8859-1", "cp1252",
                                         "x-cp1252", "windows-1252", "iso-8859-15"};
    if (!label[0])
        return NULL;
    for (size_t i = 0; i < sizeof(latin1) / sizeof(latin1[0]); i++)
        if (strcmp(label, latin1[i]) == 0)
            return strcmp(label, "iso-8859-15") == 0 ? "iso-8859-15" : "windows-1252";
    if (strcmp(label, "utf8") == 0 || strcmp(label, "utf-8") == 0)
        return "utf-8";
    if (strcmp(label, "gb2312") == 0 || strcmp(label, "x-gbk") == 0 || strcmp(label, "gbk") == 0)
        return "gbk";
    if (strcmp(label, "x-sjis") == 0 || strcmp(label, "sjis") == 0)
        return "shift_jis";
    /* Not ASCII-compatible: the bytes were already read as 8-bit, so such a label lies. */
    if (strncmp(label, "utf-16", 6) == 0 || strncmp(label, "utf-32", 6) == 0 ||
        strncmp(label, "ucs", 3) == 0 || strncmp(label, "utf-7", 5) == 0 ||
        strncmp(label, "utf16", 5) == 0 || strncmp(label, "utf32", 5) == 0)
        return NULL;
    iconv_t cd = iconv_open("UTF-8", label);
    if (cd == (iconv_t)-1)
        return NULL;
    iconv_close(cd);
    return label;
}

const char *feed_decode_wide(const char *body, size_t len)
{
    const unsigned char *b = (const unsigned char *)body;
    if (len >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0)
        return "UTF-32LE";
    if (len >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)
        return "UTF-32BE";
    if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE)
        return "UTF-16LE";
    if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF)
        return "UTF-16BE";
    if (len < 4)
        return NULL;
    if (b[0] && !b[1] && !b[2] && !b[3])
        return "UTF-32LE";
    if (!b[0] && !b[1] && !b[2] && b[3])
        return "UTF-32BE";
    if (b[0] && !b[1] && b[2] && !b[3])
        return "UTF-16LE";
    if (!b[0] && b[1] && !b[2] && b[3])
        return "UTF-16BE";
    return NULL;
}

/* True when s holds at least one valid UTF-8 sequence of two bytes or more. */
static bool has_utf8_sequence(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq_len(s + i, n - i);
        if (k >= 2)
            return true;
        i += k ? k : 1;
    }
    return false;
}

void feed_decode_charset(const char *body, size_t len, const char *content_type, char name[64])
{
    const char *wide = feed_decode_wide(body, len);
    const char *cs = NULL;
    char label[64];
    if (wide) {
        cs = wide;
    } else if (text_plain_utf8((const unsigned char *)body, len)) {
        cs = "utf-8";
    } else {
        header_charset(content_type, label);
        cs = usable_charset(label);
        if (!cs) {
            declared_charset(body, len, label);
            cs = usable_charset(label);
        }
        if (!cs && !label[0] && chardet_guess(body, len, label))
            cs = usable_charset(label); /* named nowhere: Big5, KOI8-R ... feeds exist */
        if (!cs)
            cs = "windows-1252"; /* what browsers and feed readers fall back to */
        /* Said to be UTF-8, yet not one of its bytes above 0x7F is part of a UTF-8 sequence:
         * Latin-1 text under a wrong label ("caf\xe9"), not UTF-8 with a few bad bytes. */
        if (strcmp(cs, "utf-8") == 0 && !has_utf8_sequence(body, len))
            cs = "windows-1252";
    }
    snprintf(name, 64, "%s", cs);
}

/* ---- a growing output buffer with a ceiling -------------------------------------------- */

struct out {
    char *p;
    size_t len, cap, max;
    bool failed;
};

static bool out_put(struct out *o, const char *s, size_t n)
{
    if (o->failed)
        return false;
    if (o->len + n > o->max || !buf_grow(&o->p, &o->cap, o->len + n + 1, 4096)) {
        o->failed = true; /* past the ceiling, or out of memory */
        return false;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    return true;
}

/* The body in UTF-8 (invalid input becomes U+FFFD), or NULL when out of memory. */
static char *to_utf8(const char *body, size_t len, const char *cs, size_t *out_len)
{
    struct out o = {.max = len * 4 + 64};
    if (strcmp(cs, "utf-8") == 0 && utf8_valid(body, len)) {
        if (!out_put(&o, body, len))
            goto fail;
        *out_len = o.len;
        o.p[o.len] = '\0';
        return o.p;
    }
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1) {
        cd = iconv_open("UTF-8", "WINDOWS-1252");
        if (cd == (iconv_t)-1)
            goto fail;
    }
    size_t unit = strncmp(cs, "UTF-32", 6) == 0 ? 4 : strncmp(cs, "UTF-16", 6) == 0 ? 2 : 1;
    char *in = (char *)body;
    size_t left = len;
    char chunk[8192];
    while (left > 0) {
        char *w = chunk;
        size_t room = sizeof(chunk);
        size_t r = iconv(cd, &in, &left, &w, &room);
        int e = errno;
        if (!out_put(&o, chunk, sizeof(chunk) - room))
            break;
        if (r == (size_t)-1 && e != E2BIG) {
            /* EILSEQ or a sequence cut short at the end: one unit becomes U+FFFD. */
            size_t skip = left < unit ? left : unit;
            in += skip;
            left -= skip;
            if (!out_put(&o, "\xEF\xBF\xBD", 3))
                break;
        }
    }
    iconv_close(cd);
    if (o.failed)
        goto fail;
    if (!out_put(&o, "", 0))
        goto fail;
    o.p[o.len] = '\0';
    *out_len = o.len;
    return o.p;
fail:
    free(o.p);
    return NULL;
}

/* ---- references ------------------------------------------------------------------------ */

/* The windows-1252 characters for bytes 0x80-0x9F, as the HTML standard reads numeric
 * references to them (0 where windows-1252 has none). */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
    0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static bool name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Rewrites the reference at s[0] == '&' (n bytes available) into o; returns the bytes read. */
static size_t rewrite_ref(struct out *o, const char *s, size_t n, bool dtd_entities)
{
    char buf[48];
    size_t i = 1;
    if (i < n && s[i] == '#') {
        i++;
        bool hex = i < n && (s[i] == 'x' || s[i] == 'X');
        if (hex)
            i++;
        size_t start = i;
        unsigned long v = 0;
        while (i < n && i - start < 8 &&
               ((s[i] >= '0' && s[i] <= '9') ||
                (hex && ((s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F'))))) {
            int d = s[i] <= '9' ? s[i] - '0' : (s[i] | 32) - 'a' + 10;
            v = v * (hex ? 16 : 10) + (unsigned long)d;
            i++;
        }
        if (i > start && i < n && s[i] == ';') {
            if (v >= 0x80 && v <= 0x9F && cp1252_c1[v - 0x80])
                v = cp1252_c1[v - 0x80];
            if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ||
                (v < 0x20 && v != 9 && v != 10 && v != 13) || v == 0xFFFE || v == 0xFFFF)
                v = 0xFFFD; /* not an XML character: libxml2 would stop at it */
            int k = snprintf(buf, sizeof(buf), "&#%lu;", v);
            out_put(o, buf, (size_t)k);
            return i + 1;
        }
        out_put(o, "&amp;", 5);
        return 1;
    }
    size_t start = i;
    if (i < n && name_start((unsigned char)s[i])) {
        while (i < n && i - start < 32 && name_char((unsigned char)s[i]))
            i++;
    }
    if (i == start || i >= n || s[i] != ';') {
        out_put(o, "&amp;", 5); /* a bare '&' (or HTML's "&copy" without ';': text, not a name) */
        return 1;
    }
    size_t nlen = i - start;
    memcpy(buf, s + start, nlen);
    buf[nlen] = '\0';
    static const struct {
        const char *name;
        int code;
    } xml[] = {{"amp", 38}, {"lt", 60}, {"gt", 62}, {"quot", 34}, {"apos", 39}};
    int code = -1;
    for (size_t k = 0; k < sizeof(xml) / sizeof(xml[0]); k++)
        if (strcmp(buf, xml[k].name) == 0)
            code = xml[k].code;
    if (code < 0 && dtd_entities) {
        out_put(o, s, i + 1); /* the document's DTD may declare it: libxml2 decides */
        return i + 1;
    }
    if (code < 0) {
        const htmlEntityDesc *h = htmlEntityLookup((const xmlChar *)buf);
        if (h)
            code = (int)h->value;
    }
    if (code < 0) {
        /* Unknown and undeclared: kept as the text it is, as feed readers show it. */
        out_put(o, "&amp;", 5);
        out_put(o, s + 1, i);
        return i + 1;
    }
    int k = snprintf(buf, sizeof(buf), "&#%d;", code);
    out_put(o, buf, (size_t)k);
    return i + 1;
}

/* Copies s[0..n) up to and including the first `close`, or all of it. Returns bytes read. */
static size_t copy_until(struct out *o, const char *s, size_t n, const char *close)
{
    size_t cl = strlen(close);
    const char *e = memmem(s, n, close, cl);
    size_t k = e ? (size_t)(e - s) + cl : n;
    out_put(o, s, k);
    return k;
}

/* A doctype, internal subset included. */
static size_t copy_doctype(struct out *o, const char *s, size_t n)
{
    int bracket = 0;
    size_t i = 0;
    while (i < n) {
        char c = s[i++];
        if (c == '[')
            bracket++;
        else if (c == ']' && bracket > 0)
            bracket--;
        else if (c == '>' && bracket == 0)
            break;
    }
    out_put(o, s, i);
    return i;
}

/* The rewrite over UTF-8 text u (n bytes): see feed_decode_xml. */
static char *rewrite(const char *u, size_t n, size_t *out_len)
{
    struct out o = {.max = n * 5 + 64};
    size_t i = 0;
    /* A BOM, then anything before the first '<' (blank lines before <?xml make libxml2
     * read the declaration as a misplaced processing instruction). */
    while (i < n && u[i] != '<')
        i++;
    bool dtd_entities = memmem(u, n, "<!ENTITY", 8) != NULL;
    while (i < n && !o.failed) {
        size_t run = i;
        while (run < n && u[run] != '&' && u[run] != '<' && (unsigned char)u[run] >= 0x20 &&
               (unsigned char)u[run] != 0xC2)
            run++;
        if (run > i) {
            out_put(&o, u + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = (unsigned char)u[i];
        if (c == 0xC2 && i + 1 < n && (unsigned char)u[i + 1] >= 0x80 &&
            (unsigned char)u[i + 1] <= 0x9F) {
            /* U+0080-U+009F: C1 controls no feed means; they are windows-1252 bytes that
             * went through a Latin-1 decoder ("don\u0092t"), read back as windows-1252 like
             * the references to them above. */
            uint16_t v = cp1252_c1[(unsigned char)u[i + 1] - 0x80];
            char enc[3];
            if (v >= 0x800) {
                enc[0] = (char)(0xE0 | (v >> 12));
                enc[1] = (char)(0x80 | ((v >> 6) & 0x3F));
                enc[2] = (char)(0x80 | (v & 0x3F));
                out_put(&o, enc, 3);
            } else if (v) {
                enc[0] = (char)(0xC0 | (v >> 6));
                enc[1] = (char)(0x80 | (v & 0x3F));
                out_put(&o, enc, 2);
            }
            i += 2;
            continue;
        }
        if (c == '&') {
            i += rewrite_ref(&o, u + i, n - i, dtd_entities);
        } else if (c == '<') {
            const char *s = u + i;
            size_t left = n - i;
            if (left >= 9 && memcmp(s, "<![CDATA[", 9) == 0)
                i += copy_until(&o, s, left, "]]>");
            else if (left >= 4 && memcmp(s, "<!--", 4) == 0)
                i += copy_until(&o, s, left, "-->");
            else if (left >= 2 && s[1] == '?')
                i += copy_until(&o, s, left, "?>");
            else if (left >= 9 && strncasecmp(s, "<!DOCTYPE", 9) == 0)
                i += copy_doctype(&o, s, left);
            else {
                out_put(&o, "<", 1);
                i++;
            }
        } else {
            /* C0 controls other than tab, CR, LF are not XML characters: libxml2 would stop
             * the document there. They carry no text; dropped. */
            if (c == '\t' || c == '\n' || c == '\r' || c >= 0x20)
                out_put(&o, u + i, 1); /* (0xC2 leading another character than a C1 one) */
            i++;
        }
    }
    if (o.failed || !out_put(&o, "", 0)) {
        free(o.p);
        return NULL;
    }
    o.p[o.len] = '\0';
    *out_len = o.len;
    return o.p;
}

char *feed_decode_text(const char *body, size_t len, const char *content_type, size_t max_out,
                       size_t *out_len, bool *cut)
{
    char cs[64];
    feed_decode_charset(body, len, content_type, cs);
    /* Input enough for max_out bytes of output and a little more, so that a sequence the
     * input cut splits (decoded as U+FFFD) lies past the output's own cut: UTF-8 and 8-bit
     * charsets give at least a byte per input byte, UTF-16 and UTF-32 at least one per four. */
    size_t unit = strcmp(cs, "utf-8") == 0 ? 1 : 4;
    size_t in_len = max_out < (SIZE_MAX - 8) / unit && len > max_out * unit + 8
                        ? max_out * unit + 8 : len;
    size_t n = 0;
    char *text = to_utf8(body, in_len, cs, &n);
    if (!text)
        return NULL;
    *cut = in_len < len || n > max_out;
    if (n > max_out) {
        n = max_out;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--; /* text[n] continues a character: cut before that character */
        text[n] = '\0';
    }
    *out_len = n;
    return text;
}

char *feed_decode_xml(const char *body, size_t len, const char *content_type, size_t *out_len)
{
    char cs[64];
    feed_decode_charset(body, len, content_type, cs);
    size_t ulen = 0;
    char *u = to_utf8(body, len, cs, &ulen);
    if (!u)
        return NULL;
    char *r = rewrite(u, ulen, out_len);
    free(u);
    return r;
}
