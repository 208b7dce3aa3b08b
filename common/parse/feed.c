/* feed.c -- feeds and sitemaps: what a body is (feed_detect), and the parse from bytes to the
 * feed JSON (gzip, then JSON Feed with jansson or XML with libxml2; feed_xml.c,
 * feed_sitemap.c and feed_jsonfeed.c read the result). */
#define _GNU_SOURCE /* memmem */
#include "feed.h"

#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "feed_int.h"

#define DETECT_GZIP_BYTES (64u << 10) /* feed_detect inflates this much of a gzip body */
#define DETECT_FIRST_BYTES (4u << 10) /* looks this far for the root element first, */
#define DETECT_SCAN_BYTES (64u << 10)  /* and this far when the prolog is longer */

/* ---- gzip ------------------------------------------------------------------------------- */

/* Inflates gzip (or zlib) data, concatenated members included, into a malloc'd buffer of at
 * most max bytes. Returns 0, FEED_E_GZIP (nothing came out of it), FEED_E_TOO_LARGE (the
 * output would pass max; with `partial` the first max bytes are returned instead) or
 * FEED_E_NOMEM. Output cut short by corrupt or truncated input is kept: a feed cut at the end
 * still gives its first items. */
static int gunzip(const char *in, size_t len, size_t max, bool partial, char **out,
                  size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 32) != Z_OK) /* 32: gzip or zlib header, detected */
        return FEED_E_NOMEM;
    size_t cap = len * 4 < max ? (len * 4 > 4096 ? len * 4 : 4096) : max;
    char *buf = malloc(cap + 1);
    int rc = 0;
    if (!buf) {
        inflateEnd(&z);
        return FEED_E_NOMEM;
    }
    z.next_in = (Bytef *)in;
    size_t used = 0, left = len;
    for (;;) {
        if (used == cap) {
            if (cap >= max) {
                rc = partial ? 0 : FEED_E_TOO_LARGE;
                break;
            }
            size_t ncap = cap * 2 < max ? cap * 2 : max;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = FEED_E_NOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        /* zlib counts in uInt: feed it at most 1 GB at a time. */
        uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z.avail_in = chunk;
        size_t room = cap - used;
        z.next_out = (Bytef *)buf + used;
        z.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
        uInt before_out = z.avail_out;
        int r = inflate(&z, Z_NO_FLUSH);
        left -= chunk - z.avail_in;
        used += before_out - z.avail_out;
        if (r == Z_STREAM_END) {
            /* Another member may follow (gzip allows concatenation). */
            if (left >= 2 && (unsigned char)((const char *)z.next_in)[0] == 0x1f &&
                (unsigned char)((const char *)z.next_in)[1] == 0x8b) {
                inflateReset(&z);
                continue;
            }
            break;
        }
        if (r == Z_BUF_ERROR && z.avail_out > 0)
            break; /* input ended mid-stream: keep what came out */
        if (r != Z_OK && r != Z_BUF_ERROR)
            break; /* corrupt from here on */
    }
    inflateEnd(&z);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    if (used == 0) {
        free(buf);
        return FEED_E_GZIP;
    }
    buf[used] = '\0';
    *out = buf;
    *out_len = used;
    return 0;
}

static bool is_gzip(const char *body, size_t len)
{
    return len >= 2 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b;
}

/* ---- detection --------------------------------------------------------------------------- */

/* The body's first characters as ASCII (UTF-16/32 narrowed, anything else as is), without
 * a BOM: at most cap bytes into buf, their count returned. */
static size_t sniff(const char *body, size_t len, char *buf, size_t cap)
{
    const char *wide = feed_decode_wide(body, len);
    size_t unit = !wide ? 1 : strncmp(wide, "UTF-32", 6) == 0 ? 4 : 2;
    bool le = wide && strstr(wide, "LE") != NULL;
    size_t i = 0, n = 0;
    const unsigned char *b = (const unsigned char *)body;
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        i = 3;
    else if (unit > 1 && len >= unit &&
             ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF) ||
              (unit == 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE)))
        i = unit;
    for (; i + unit <= len && n < cap; i += unit) {
        unsigned v = 0;
        for (size_t k = 0; k < unit; k++)
            v = le ? v | (unsigned)b[i + k] << (8 * k) : v << 8 | b[i + k];
        buf[n++] = v < 0x80 ? (char)v : '?';
    }
    return n;
}

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips from s[i] past the first `close`; returns the new index, or n when not found. */
static size_t past(const char *s, size_t i, size_t n, const char *close)
{
    const char *e = memmem(s + i, n - i, close, strlen(close));
    return e ? (size_t)(e - s) + strlen(close) : n;
}

/* The index just past the JSON string that opens at s[i] ('"'), or n when it is not closed. */
static size_t json_string_end(const char *s, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

static size_t json_space_end(const char *s, size_t i, size_t n)
{
    while (i < n && space(s[i]))
        i++;
    return i;
}

/* True when the JSON object that opens at s[i] ('{') has a member "version" at its top level
 * whose string value names the JSON Feed version URL (with "\/" escapes or not). Strings and
 * nested values are stepped over, so a document that merely mentions the URL, in a string or
 * a nested object, is not taken for a feed. JSON has no member order: the whole body is
 * scanned, in one pass with no allocation. */
static bool json_feed_version(const char *s, size_t i, size_t n)
{
    int depth = 0;
    bool key_next = false;
    while (i < n) {
        char c = s[i];
        if (c == '"' && depth == 1 && key_next) {
            size_t end = json_string_end(s, i, n);
            bool version = end - i == 9 && memcmp(s + i, "\"version\"", 9) == 0;
            i = json_space_end(s, end, n);
            if (i < n && s[i] == ':')
                i = json_space_end(s, i + 1, n);
            key_next = false;
            if (version && i < n && s[i] == '"') {
                end = json_string_end(s, i, n);
                if (memmem(s + i, end - i, "jsonfeed.org/version", 20) ||
                    memmem(s + i, end - i, "jsonfeed.org\\/version", 21))
                    return true;
                i = end;
            }
            continue;
        }
        if (c == '"') {
            i = json_string_end(s, i, n);
            continue;
        }
        if (c == '{' || c == '[')
            key_next = ++depth == 1;
        else if ((c == '}' || c == ']') && --depth <= 0)
            return false;
        else if (c == ',' && depth == 1)
            key_next = true;
        i++;
    }
    return false;
}

/* The kind of an 8-bit view s (n bytes) of body: a JSON Feed (read in body itself), or the
 * root element after the XML prolog. *more is set when the view ended before that could be
 * told (a prolog longer than the view, a name cut at its end). */
static enum feed_kind detect_sniffed(const char *s, size_t n, const char *body, size_t len,
                                     bool *more)
{
    *more = false;
    size_t i = 0;
    while (i < n && space(s[i]))
        i++;
    if (i < n && s[i] == '{') {
        /* Read in the body itself (the version member may come last): its first '{' is this
         * one, after a BOM or blanks. */
        const char *brace = memchr(body, '{', len);
        return brace && json_feed_version(body, (size_t)(brace - body), len) ? FEED_JSON
                                                                            : FEED_NONE;
    }
    while (i < n) {
        while (i < n && space(s[i]))
            i++;
        if (i >= n || s[i] != '<')
            break;
        if (i + 1 < n && s[i + 1] == '?') {
            i = past(s, i, n, "?>");
        } else if (i + 3 < n && memcmp(s + i, "<!--", 4) == 0) {
            i = past(s, i, n, "-->");
        } else if (i + 1 < n && s[i + 1] == '!') {
            int depth = 0;
            for (i++; i < n; i++) {
                if (s[i] == '[')
                    depth++;
                else if (s[i] == ']')
                    depth--;
                else if (s[i] == '>' && depth <= 0)
                    break;
            }
            i++;
        } else {
            size_t a = ++i;
            while (i < n && !space(s[i]) && s[i] != '>' && s[i] != '/')
                i++;
            if (i >= n)
                break; /* the name may go on past the view */
            const char *name = s + a, *colon = memchr(name, ':', i - a);
            size_t nlen = i - a;
            if (colon) {
                nlen -= (size_t)(colon + 1 - name);
                name = colon + 1;
            }
            static const struct {
                const char *name;
                enum feed_kind kind;
            } roots[] = {{"rss", FEED_RSS},         {"rdf", FEED_RSS},
                         {"feed", FEED_ATOM},       {"urlset", FEED_SITEMAP},
                         {"sitemapindex", FEED_SITEMAP}};
            for (size_t r = 0; r < sizeof(roots) / sizeof(roots[0]); r++)
                if (strlen(roots[r].name) == nlen && strncasecmp(name, roots[r].name, nlen) == 0)
                    return roots[r].kind;
            return FEED_NONE;
        }
    }
    *more = i >= n;
    return FEED_NONE;
}

static enum feed_kind detect_plain(const char *body, size_t len)
{
    /* The first 4 KB tell nearly every body; only a longer prolog is read to 64 KB. Sniffing
     * the whole 64 KB of every page was a twentieth of a feed's parse. */
    size_t caps[] = {DETECT_FIRST_BYTES, DETECT_SCAN_BYTES};
    enum feed_kind k = FEED_NONE;
    for (size_t c = 0; c < 2; c++) {
        size_t cap = len < caps[c] ? len : caps[c];
        char *s = malloc(cap ? cap : 1);
        if (!s)
            return FEED_NONE;
        size_t n = sniff(body, len, s, cap);
        bool more;
        k = detect_sniffed(s, n, body, len, &more);
        free(s);
        if (!more || cap == len || cap == DETECT_SCAN_BYTES)
            break;
    }
    return k;
}

enum feed_kind feed_detect(const char *body, size_t len)
{
    if (!body || len == 0)
        return FEED_NONE;
    if (!is_gzip(body, len))
        return detect_plain(body, len);
    char *plain = NULL;
    size_t plen = 0;
    if (gunzip(body, len, DETECT_GZIP_BYTES, true, &plain, &plen) < 0)
        return FEED_NONE;
    enum feed_kind k = detect_plain(plain, plen);
    free(plain);
    return k;
}

const char *feed_kind_name(enum feed_kind k)
{
    switch (k) {
    case FEED_RSS:
        return "rss";
    case FEED_ATOM:
        return "atom";
    case FEED_JSON:
        return "json";
    case FEED_SITEMAP:
        return "sitemap";
    default:
        return NULL;
    }
}

const char *feed_strerror(int code)
{
    switch (code) {
    case 0:
        return "ok";
    case FEED_E_NOT_FEED:
        return "not a feed";
    case FEED_E_GZIP:
        return "gzip data that does not inflate";
    case FEED_E_TOO_LARGE:
        return "gzip data inflating past the limit";
    case FEED_E_NOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}

/* ---- the parse --------------------------------------------------------------------------- */

/* libxml2 options: recover from what real feeds do; never the network, a DTD, or entity
 * substitution (XXE); libxml2's default size and entity-expansion limits (no XML_PARSE_HUGE).
 * The encoding is ours (feed_decode_xml), so the document's declaration is ignored. */
#define FEED_XML_OPTIONS                                                                     \
    (XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |          \
     XML_PARSE_IGNORE_ENC | XML_PARSE_NOCDATA | XML_PARSE_COMPACT)

static int parse_xml(struct feed_ctx *c, const char *body, size_t len, const char *content_type)
{
    size_t xlen = 0;
    char *xml = feed_decode_xml(body, len, content_type, &xlen);
    if (!xml)
        return FEED_E_NOMEM;
    if (xlen == 0 || xlen > INT32_MAX) {
        free(xml);
        return FEED_E_NOT_FEED;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        free(xml);
        return FEED_E_NOMEM;
    }
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)xlen, NULL, "UTF-8", FEED_XML_OPTIONS);
    int rc = doc ? feed_xml_read(c, doc) : FEED_E_NOT_FEED;
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    free(xml);
    return rc;
}

int feed_parse(const char *body, size_t len, const char *content_type, const char *base_url,
               const struct feed_opts *o, json_t **out)
{
    *out = NULL;
    if (!body)
        return FEED_E_NOT_FEED;
    char *plain = NULL;
    if (is_gzip(body, len)) {
        size_t plen = 0;
        int rc = gunzip(body, len, FEED_MAX_INFLATED_BYTES, false, &plain, &plen);
        if (rc < 0)
            return rc;
        body = plain;
        len = plen;
    }
    struct feed_ctx c;
    memset(&c, 0, sizeof(c));
    c.max_items = o && o->max_items ? o->max_items : FEED_DEFAULT_MAX_ITEMS;
    c.base = base_url ? url_base_new(base_url, NULL, 0) : NULL;
    c.feed = json_object();
    c.items = json_array();
    int rc = FEED_E_NOMEM;
    if (!c.feed || !c.items)
        goto out;
    static const char *const keys[] = {"kind", "version", "title", "link", "description",
                                       "updated", "ttl"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        json_object_set_new(c.feed, keys[i], json_null());
    json_object_set(c.feed, "items", c.items);

    enum feed_kind kind = detect_plain(body, len);
    if (kind == FEED_NONE)
        rc = FEED_E_NOT_FEED;
    else if (kind == FEED_JSON)
        rc = feed_jsonfeed_read(&c, body, len);
    else
        rc = parse_xml(&c, body, len, content_type);
    if (rc == 0 && c.oom)
        rc = FEED_E_NOMEM;
out:
    json_decref(c.items);
    if (rc == 0)
        *out = c.feed;
    else
        json_decref(c.feed);
    url_base_free(c.base);
    free(plain);
    return rc;
}
