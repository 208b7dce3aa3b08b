/* url.c -- canonical http(s) URLs and href resolution: libcurl's URL API parses and
 * validates, small hand-written passes do what libcurl 7.88 does not (see below). */
#define _GNU_SOURCE /* memrchr */
#include "url.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pct.h"
#include "utf8.h"

/* What libcurl 7.88's URL API does and does not do for us, and why code is written here:
 * - It parses, validates the host and port, drops a default port (CURLU_NO_DEFAULT_PORT),
 *   lower-cases the scheme and removes literal dot-segments.
 * - It does not lower-case the host, and never touches %-escapes in the path (CURLU_URLENCODE
 *   only applies to parts set one by one); normalising escapes is a per-application choice
 *   (RFC 3986 section 6.2.2.2), so no C library we have does it: norm_path() below.
 * - Its relative resolution (curl_url_set on a handle that holds a URL) resolves "#x" and ""
 *   to the directory instead of the document, and rewrites spaces in the query to '+', which
 *   changes the URL. So references are merged by hand per RFC 3986 section 5.2.2 (a few lines),
 *   and only absolute URLs are handed to curl. That is also what makes resolving fast:
 *   a relative href never needs a parse of its authority, and the base is parsed once. */

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a, b);
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* pchar and '/' (RFC 3986 3.3) minus '%': what may stay raw in a path. */
static bool path_raw_ok(unsigned char c)
{
    if (is_unreserved(c))
        return true;
    switch (c) {
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',':
    case ';': case '=': case ':': case '@': case '/':
        return true;
    default:
        return false;
    }
}


/* Removes "." and ".." segments (RFC 3986 5.2.4) from a path starting with '/', in place.
 * Returns the new length (at least 1: the path "/"). */
static size_t remove_dot_segments(char *p, size_t n)
{
    size_t out = 0, i = 0;
    while (i < n) {
        size_t j = i + 1; /* p[i] == '/' */
        while (j < n && p[j] != '/')
            j++;
        size_t seglen = j - i - 1;
        const char *seg = p + i + 1;
        bool last = j >= n;
        if (seglen == 1 && seg[0] == '.') {
            if (last)
                p[out++] = '/';
        } else if (seglen == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > 0 && p[out - 1] != '/')
                out--;
            if (out > 0)
                out--;
            if (last)
                p[out++] = '/';
        } else {
            memmove(p + out, p + i, j - i);
            out += j - i;
        }
        i = j;
    }
    if (out == 0)
        p[out++] = '/';
    return out;
}

/* sub-delims and ':' (RFC 3986 3.2.1): what may stay raw in userinfo besides unreserved. */
static bool userinfo_raw_ok(unsigned char c)
{
    return c != '/' && c != '@' && path_raw_ok(c);
}

/* Writes s[0..n) at o with escapes normalised: an escaped unreserved character is decoded,
 * other escapes get upper-case hex, a stray '%' becomes %25, and bytes for which raw_ok is
 * false are escaped. Returns the end; needs room for 3n. *dots is set when a '.' was
 * written. */
static char *norm_escapes(char *o, const char *s, size_t n, bool (*raw_ok)(unsigned char),
                          bool *dots)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int h = i + 2 < n ? pct_hex_value((unsigned char)s[i + 1]) : -1;
            int l = h >= 0 ? pct_hex_value((unsigned char)s[i + 2]) : -1;
            if (l < 0) {
                o = pct_put(o, '%'); /* a stray '%' */
                continue;
            }
            unsigned char v = (unsigned char)(h * 16 + l);
            i += 2;
            if (is_unreserved(v)) {
                *dots |= v == '.';
                *o++ = (char)v;
            } else {
                o = pct_put(o, v);
            }
        } else if (raw_ok(c)) {
            *dots |= c == '.';
            *o++ = (char)c;
        } else {
            o = pct_put(o, c);
        }
    }
    return o;
}

/* Writes the normalised form of path s[0..n) (which starts with '/', or is empty) at o and
 * returns the end. Needs room for 3n+1 bytes. */
static char *norm_path(char *o, const char *s, size_t n)
{
    char *start = o;
    bool dots = false;
    if (n == 0 || s[0] != '/')
        *o++ = '/';
    o = norm_escapes(o, s, n, path_raw_ok, &dots);
    if (dots)
        o = start + remove_dot_segments(start, (size_t)(o - start));
    return o;
}

/* Writes query s[0..n) at o, escaping only what cannot appear raw. Needs room for 3n. */
static char *norm_query(char *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '#')
            o = pct_put(o, c);
        else
            *o++ = (char)c;
    }
    return o;
}

/* curl 7.88 decodes %-escapes in a host name and lets control bytes and any byte above
 * 0x7f through (IDN is left to the resolver), so a host could carry "%7F" as a raw DEL or
 * invalid UTF-8, which no JSON record can hold. Checked here: no controls, valid UTF-8. */
static bool host_ok(const char *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)h[i] <= 0x20 || h[i] == 0x7f)
            return false;
    return utf8_valid(h, n);
}

/* Length of the scheme when s starts with "scheme:" (RFC 3986: ALPHA *(ALPHA / DIGIT / "+" /
 * "-" / ".")), else 0. */
static size_t scheme_len(const char *s)
{
    size_t i = 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    while (s[i] && (is_unreserved((unsigned char)s[i]) || s[i] == '+') && s[i] != '_' &&
           s[i] != '~')
        i++;
    return s[i] == ':' ? i : 0;
}

/* 1 for http, 2 for https, 0 for anything else. */
static int http_scheme(const char *s, size_t n)
{
    if (n == 4 && strncasecmp(s, "http", 4) == 0)
        return 1;
    if (n == 5 && strncasecmp(s, "https", 5) == 0)
        return 2;
    return 0;
}

/* Cleans an href or URL as browsers do: strips leading and trailing C0 controls and spaces,
 * removes every tab, CR and LF, reads '\' as '/' before the query or fragment, and escapes
 * other control bytes (curl refuses them raw). Returns a malloc'd string, or NULL when it
 * would be longer than URL_MAX_BYTES (or on allocation failure). */
static char *clean(const char *in)
{
    size_t n = strlen(in);
    while (n > 0 && (unsigned char)in[n - 1] <= 0x20)
        n--;
    while (n > 0 && (unsigned char)in[0] <= 0x20) {
        in++;
        n--;
    }
    if (n > URL_MAX_BYTES)
        return NULL;
    char *out = malloc(3 * n + 1), *o = out;
    if (!out)
        return NULL;
    bool in_path = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '?' || c == '#')
            in_path = false;
        if (c == '\\' && in_path)
            c = '/';
        if (c < 0x20 || c == 0x7f)
            o = pct_put(o, c);
        else
            *o++ = (char)c;
    }
    *o = '\0';
    if ((size_t)(o - out) > URL_MAX_BYTES) {
        free(out);
        return NULL;
    }
    return out;
}

static const char *curl_problem(CURLUcode rc)
{
    switch (rc) {
    case CURLUE_NO_HOST:
        return "no host";
    case CURLUE_BAD_HOSTNAME:
    case CURLUE_BAD_IPV6:
        return "bad host";
    case CURLUE_BAD_PORT_NUMBER:
        return "bad port";
    case CURLUE_BAD_LOGIN:
    case CURLUE_BAD_USER:
    case CURLUE_BAD_PASSWORD:
        return "bad user info";
    case CURLUE_BAD_PATH:
        return "bad path";
    case CURLUE_BAD_QUERY:
        return "bad query";
    case CURLUE_OUT_OF_MEMORY:
        return "out of memory";
    default:
        return "malformed URL";
    }
}

/* Whether s[0..n) is an IPv4 address as curl 7.88 writes one back: "a.b.c.d", four decimal
 * parts of 0-255 without leading zeros (curl rewrites any other numeric form: "0x7f.1",
 * "127.1", "010.0.0.1"). */
static bool dotted_quad(const char *s, size_t n)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && i - start < 4 && s[i] >= '0' && s[i] <= '9')
            v = v * 10 + (unsigned)(s[i++] - '0');
        size_t len = i - start;
        if (len == 0 || len > 3 || v > 255 || (len > 1 && s[start] == '0'))
            return false;
    }
    return i == n;
}

/* One pass of canon_clean below. */
static char *canon_pass(const char *s, size_t scheme_n, char *err, size_t errlen)
{
    char *fixed = NULL, *curl_out = NULL, *out = NULL;
    CURLU *h = NULL;
    /* "http:host" and "http:/host": browsers read both as "http://host" (curl only the
     * second). */
    if (s[scheme_n + 1] != '/') {
        size_t n = strlen(s);
        fixed = malloc(n + 3);
        if (!fixed) {
            set_err(err, errlen, "%s%s", "out of memory", "");
            goto out;
        }
        memcpy(fixed, s, scheme_n + 1);
        memcpy(fixed + scheme_n + 1, "//", 2);
        memcpy(fixed + scheme_n + 3, s + scheme_n + 1, n - scheme_n);
        s = fixed;
    }
    h = curl_url();
    if (!h) {
        set_err(err, errlen, "%s%s", "out of memory", "");
        goto out;
    }
    /* ALLOW_SPACE: a raw space in a path or query is escaped below, as browsers do. */
    CURLUcode rc = curl_url_set(h, CURLUPART_URL, s, CURLU_ALLOW_SPACE);
    if (rc == CURLUE_OK)
        rc = curl_url_get(h, CURLUPART_URL, &curl_out, CURLU_NO_DEFAULT_PORT);
    if (rc != CURLUE_OK) {
        set_err(err, errlen, "%s (libcurl: %s)", curl_problem(rc), curl_url_strerror(rc));
        goto out;
    }

    /* curl gives "scheme://[userinfo@]host[:port]/path[?query][#fragment]". */
    const char *p = strstr(curl_out, "://");
    if (!p) {
        set_err(err, errlen, "%s%s", "malformed URL", "");
        goto out;
    }
    const char *auth = p + 3;
    size_t auth_n = strcspn(auth, "/?#");
    const char *path = auth + auth_n;
    size_t path_n = strcspn(path, "?#");
    const char *query = path[path_n] == '?' ? path + path_n + 1 : NULL;
    size_t query_n = query ? strcspn(query, "#") : 0;
    out = malloc((size_t)(auth - curl_out) + 3 * (auth_n + path_n + query_n) + 4);
    if (!out) {
        set_err(err, errlen, "%s%s", "out of memory", "");
        goto out;
    }
    char *o = out;
    memcpy(o, curl_out, (size_t)(auth - curl_out));
    o += auth - curl_out;
    const char *at = memrchr(auth, '@', auth_n);
    const char *host = auth;
    if (at) {
        size_t ui_n = (size_t)(at - auth);
        if (!(ui_n == 0 || (ui_n == 1 && auth[0] == ':'))) {
            /* curl keeps userinfo as written (raw spaces and controls included, since
             * ALLOW_SPACE), so it gets the same escape normalisation as the path. */
            bool dots = false;
            o = norm_escapes(o, auth, ui_n, userinfo_raw_ok, &dots);
            *o++ = '@';
        }
        host = at + 1;
    }
    if (host == auth + auth_n) {
        set_err(err, errlen, "%s%s", "no host", "");
        free(out);
        out = NULL;
        goto out;
    }
    if (!host_ok(host, (size_t)(auth + auth_n - host))) {
        set_err(err, errlen, "%s%s", "bad host (control or invalid UTF-8 bytes)", "");
        free(out);
        out = NULL;
        goto out;
    }
    for (; host < auth + auth_n; host++)
        *o++ = (*host >= 'A' && *host <= 'Z') ? (char)(*host + 32) : *host;
    o = norm_path(o, path, path_n);
    if (query_n > 0) {
        *o++ = '?';
        o = norm_query(o, query, query_n);
    }
    *o = '\0';
out:
    curl_free(curl_out);
    curl_url_cleanup(h);
    free(fixed);
    return out;
}

/* The canonical form of an absolute URL already cleaned, with an http(s) scheme of
 * scheme_n bytes. */
static char *canon_clean(const char *s, size_t scheme_n, char *err, size_t errlen)
{
    char *out = canon_pass(s, scheme_n, err, errlen);
    if (!out)
        return NULL;
    /* curl 7.88 reads a host as an IPv4 number before it decodes %-escapes, so "http://%33/"
     * gives the host "3", which a second parse turns into "0.0.0.3" (browsers decode, then
     * read the number: "0.0.0.3" at once). So when the host was escaped and came out
     * numeric-looking, parse once more; then the result is its own canonical form. */
    const char *auth = s + scheme_n + 1;
    auth += strspn(auth, "/");
    const char *host = out + scheme_n + 3; /* past "scheme://" */
    const char *at = memrchr(host, '@', strcspn(host, "/"));
    if (at)
        host = at + 1;
    size_t host_n = strcspn(host, ":/");
    if (host[0] >= '0' && host[0] <= '9' && !dotted_quad(host, host_n) &&
        memchr(auth, '%', strcspn(auth, "/?#"))) {
        char *again = canon_pass(out, scheme_n, err, errlen);
        free(out);
        out = again;
    }
    return out;
}

char *url_canonicalize(const char *in, char *err, size_t errlen)
{
    if (!in) {
        set_err(err, errlen, "%s%s", "empty URL", "");
        return NULL;
    }
    char *s = clean(in);
    if (!s) {
        set_err(err, errlen, "%s%s", "URL too long (limit 16384 bytes)", "");
        return NULL;
    }
    char *out = NULL;
    size_t sn = scheme_len(s);
    if (s[0] == '\0') {
        set_err(err, errlen, "%s%s", "empty URL", "");
    } else if (sn == 0) {
        set_err(err, errlen, "%s%s", "missing scheme (want http:// or https://)", "");
    } else if (!http_scheme(s, sn)) {
        char scheme[32];
        snprintf(scheme, sizeof(scheme), "%.*s", (int)(sn < 24 ? sn : 24), s);
        set_err(err, errlen, "unsupported scheme '%s'%s", scheme, sn < 24 ? "" : "...");
    } else {
        out = canon_clean(s, sn, err, errlen);
    }
    free(s);
    return out;
}

struct url_base {
    char *canon;      /* canonical base URL */
    size_t prefix_n;  /* length of "scheme://authority" in canon */
    size_t path_n;    /* length of the path that follows (starts with '/') */
    size_t dir_n;     /* length of that path up to and including its last '/' */
    int scheme;       /* 1 http, 2 https */
};

struct url_base *url_base_new(const char *base, char *err, size_t errlen)
{
    char *canon = url_canonicalize(base, err, errlen);
    if (!canon)
        return NULL;
    struct url_base *b = malloc(sizeof(*b));
    if (!b) {
        free(canon);
        set_err(err, errlen, "%s%s", "out of memory", "");
        return NULL;
    }
    b->canon = canon;
    b->scheme = canon[4] == 's' ? 2 : 1;
    const char *auth = canon + (b->scheme == 2 ? 8 : 7);
    b->prefix_n = (size_t)(auth - canon) + strcspn(auth, "/");
    b->path_n = strcspn(canon + b->prefix_n, "?");
    const char *slash = memrchr(canon + b->prefix_n, '/', b->path_n);
    b->dir_n = slash ? (size_t)(slash - (canon + b->prefix_n)) + 1 : 0;
    return b;
}

const char *url_base_str(const struct url_base *b)
{
    return b ? b->canon : NULL;
}

void url_base_free(struct url_base *b)
{
    if (!b)
        return;
    free(b->canon);
    free(b);
}

/* RFC 3986 5.2.2 for a reference with no scheme and no authority: the result keeps the
 * base's scheme and authority, so no parse is needed, only path merging and normalising. */
static char *resolve_relative(const struct url_base *b, const char *ref)
{
    size_t path_n = strcspn(ref, "?#");
    const char *query = ref[path_n] == '?' ? ref + path_n + 1 : NULL;
    size_t query_n = query ? strcspn(query, "#") : 0;

    const char *bpath = b->canon + b->prefix_n;
    const char *bquery = bpath[b->path_n] == '?' ? bpath + b->path_n + 1 : NULL;
    size_t dir_n = 0; /* the base path up to and including its last '/' */
    if (path_n > 0 && ref[0] != '/') {
        dir_n = b->dir_n;
    } else if (path_n == 0) {
        dir_n = b->path_n; /* same document */
        if (!query) {
            query = bquery;
            query_n = bquery ? strlen(bquery) : 0;
        }
    }
    /* Merge into one buffer, then normalise (the base part is already normal, and
     * normalising is idempotent). */
    size_t merged_n = dir_n + path_n;
    char stackbuf[1024];
    char *merged = merged_n <= sizeof(stackbuf) ? stackbuf : malloc(merged_n);
    char *out = malloc(b->prefix_n + 3 * (merged_n + query_n) + 4);
    if (!merged || !out) {
        if (merged != stackbuf)
            free(merged);
        free(out);
        return NULL;
    }
    memcpy(merged, bpath, dir_n);
    memcpy(merged + dir_n, ref, path_n);
    memcpy(out, b->canon, b->prefix_n);
    char *o = norm_path(out + b->prefix_n, merged, merged_n);
    if (query_n > 0) {
        *o++ = '?';
        o = norm_query(o, query, query_n);
    }
    *o = '\0';
    if (merged != stackbuf)
        free(merged);
    return out;
}

char *url_base_resolve_slow(const struct url_base *b, const char *ref)
{
    if (!ref)
        return NULL;
    char *s = clean(ref);
    if (!s)
        return NULL;
    char *out = NULL;
    size_t sn = scheme_len(s);
    if (s[0] == '\0')
        goto out;
    if (sn > 0) {
        int scheme = http_scheme(s, sn);
        if (!scheme)
            goto out; /* javascript:, mailto:, data:, tel:, ftp:, ... */
        if (s[sn + 1] == '/' || !b || scheme != b->scheme) {
            out = canon_clean(s, sn, NULL, 0);
            goto out;
        }
        /* "http:g" against an http base is the relative "g" (RFC 3986 5.2.2, non-strict,
         * and what browsers do). */
        memmove(s, s + sn + 1, strlen(s + sn + 1) + 1);
        if (s[0] == '\0')
            goto out;
    }
    if (!b)
        goto out;
    if (s[0] == '/' && s[1] == '/') {
        /* Protocol-relative: the base's scheme, the ref's authority. */
        size_t n = strlen(s);
        char *abs = malloc(n + 7);
        if (!abs)
            goto out;
        memcpy(abs, b->scheme == 2 ? "https:" : "http:", b->scheme == 2 ? 6 : 5);
        memcpy(abs + (b->scheme == 2 ? 6 : 5), s, n + 1);
        out = canon_clean(abs, b->scheme == 2 ? 5 : 4, NULL, 0);
        free(abs);
        goto out;
    }
    out = resolve_relative(b, s);
out:
    free(s);
    return out;
}

/* ---- fast paths ------------------------------------------------------------------------
 * Most hrefs on a page are already in canonical form ("https://www.example.com/a/b.html",
 * "//cdn.example.net/x.js", "/tags/x?page=2", "#top"), and for those the slow path (clean(),
 * then a libcurl parse and norm_path, or the hand merge) only copies bytes around at ~1 us per
 * absolute link. Instead, the href is checked byte by byte against a deliberately narrow
 * grammar of forms that the slow path provably leaves as they are, and copied once. Anything
 * outside it (upper case, escapes to normalise, dot-segments, userinfo, IPv6 and other numeric
 * hosts, default or odd ports, raw spaces, controls, non-ASCII, '\', an empty query, ...)
 * falls through to the slow path, so the fast path only has to be right when it accepts; the
 * fuzz target and url_test check that it gives the slow path's bytes for every input. */

/* Length of the authority at s[0..n) (what follows "//", up to '/', '?', '#' or n) when it is
 * written the way the slow path would write it: a host name of lower-case letters, digits,
 * '-' and '.' that starts with a letter and has no empty label, or a dotted_quad() address;
 * then optionally ':' and a port of digits without leading zero, at most 65535 and not the
 * scheme's default. 0 when it is anything else (userinfo, '%', IPv6, upper case, ...). */
static size_t fast_authority(const char *s, size_t n, int scheme)
{
    size_t host_n = 0;
    while (host_n < n) {
        char c = s[host_n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            break;
        host_n++;
    }
    if (host_n == 0)
        return 0;
    if (s[0] >= 'a' && s[0] <= 'z') {
        /* A name: curl 7.88 only checks its characters, and keeps it as written. */
        for (size_t i = 0; i < host_n; i++)
            if (s[i] == '.' && (i + 1 == host_n || s[i + 1] == '.'))
                return 0;
    } else if (!dotted_quad(s, host_n)) {
        return 0;
    }
    size_t i = host_n;
    if (i < n && s[i] == ':') {
        i++;
        size_t start = i;
        unsigned long port = 0;
        while (i < n && i - start < 6 && s[i] >= '0' && s[i] <= '9')
            port = port * 10 + (unsigned long)(s[i++] - '0');
        if (i == start || i - start > 5 || s[start] == '0' || port > 65535 ||
            port == (scheme == 2 ? 443UL : 80UL))
            return 0;
    }
    if (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
        return 0;
    return i;
}

/* "." or "..": a segment that remove_dot_segments() would take out. */
static bool is_dot_segment(const char *s, size_t n)
{
    return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

static int upper_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Checks "[path][?query][#fragment]" at s[0..n) and sets *keep_n to the length of
 * "[path][?query]" when the slow path would keep those bytes as they are: path bytes that
 * may stay raw (path_raw_ok), escapes already upper-case and of a byte that stays escaped, no
 * "." or ".." segment; a non-empty query of printable ASCII (an empty one is dropped). The
 * fragment is dropped; it is only held to printable ASCII and space, which clean() leaves
 * alone (so the length limit is the input's). */
static bool fast_tail(const char *s, size_t n, size_t *keep_n)
{
    size_t i = 0, seg = 0; /* seg: start of the current path segment */
    for (; i < n && s[i] != '?' && s[i] != '#'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '/') {
            if (is_dot_segment(s + seg, i - seg))
                return false;
            seg = i + 1;
        } else if (c == '%') {
            int h = i + 2 < n ? upper_hexval((unsigned char)s[i + 1]) : -1;
            int l = h >= 0 ? upper_hexval((unsigned char)s[i + 2]) : -1;
            if (l < 0 || is_unreserved((unsigned char)(h * 16 + l)))
                return false;
            i += 2;
        } else if (!path_raw_ok(c)) {
            return false;
        }
    }
    if (is_dot_segment(s + seg, i - seg))
        return false;
    size_t keep = i;
    if (i < n && s[i] == '?') {
        i++;
        if (i == n || s[i] == '#')
            return false;
        while (i < n && s[i] != '#') {
            unsigned char c = (unsigned char)s[i++];
            if (c <= 0x20 || c >= 0x7f)
                return false;
        }
        keep = i;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f)
            return false;
    }
    *keep_n = keep;
    return true;
}

/* Returns the concatenation of up to four byte runs in one allocation, or NULL. */
static char *concat(const char *a, size_t an, const char *b, size_t bn, const char *c,
                    size_t cn, const char *d, size_t dn)
{
    char *out = malloc(an + bn + cn + dn + 1), *o = out;
    if (!out)
        return NULL;
    memcpy(o, a, an);
    o += an;
    memcpy(o, b, bn);
    o += bn;
    memcpy(o, c, cn);
    o += cn;
    memcpy(o, d, dn);
    o[dn] = '\0';
    return out;
}

/* The canonical URL for "scheme:" + the "//authority[path][?query][#fragment]" at s[0..n), or
 * NULL when that is not of the fast form. */
static char *fast_network_path(const char *scheme, size_t scheme_n, int scheme_id,
                               const char *s, size_t n)
{
    size_t auth_n = fast_authority(s + 2, n - 2, scheme_id);
    size_t keep = 0;
    if (auth_n == 0 || !fast_tail(s + 2 + auth_n, n - 2 - auth_n, &keep))
        return NULL;
    size_t head_n = 2 + auth_n;
    /* An empty path is written "/", as curl does. */
    bool no_path = keep == 0 || s[head_n] != '/';
    return concat(scheme, scheme_n, s, head_n, "/", no_path ? 1 : 0, s + head_n, keep);
}

/* The fast path of url_base_resolve: the result, or NULL when the href is not of a form it
 * knows (then the slow path decides, including whether there is a link at all). */
static char *fast_resolve(const struct url_base *b, const char *ref)
{
    size_t n = strlen(ref);
    while (n > 0 && (unsigned char)ref[n - 1] <= 0x20)
        n--;
    while (n > 0 && (unsigned char)ref[0] <= 0x20) {
        ref++;
        n--;
    }
    if (n == 0 || n > URL_MAX_BYTES)
        return NULL;
    if (n > 7 && memcmp(ref, "http://", 7) == 0)
        return fast_network_path("http:", 5, 1, ref + 5, n - 5);
    if (n > 8 && memcmp(ref, "https://", 8) == 0)
        return fast_network_path("https:", 6, 2, ref + 6, n - 6);
    if (!b)
        return NULL;
    const char *bpath = b->canon + b->prefix_n;
    if (ref[0] == '/' && n > 1 && ref[1] == '/')
        return fast_network_path(b->scheme == 2 ? "https:" : "http:", b->scheme == 2 ? 6 : 5,
                                 b->scheme, ref, n);
    size_t keep = 0;
    if (!fast_tail(ref, n, &keep))
        return NULL;
    if (ref[0] == '#')
        return strdup(b->canon); /* the document itself */
    if (ref[0] == '?')
        return concat(b->canon, b->prefix_n + b->path_n, ref, keep, "", 0, "", 0);
    if (ref[0] == '/')
        return concat(b->canon, b->prefix_n, ref, keep, "", 0, "", 0);
    if (scheme_len(ref) > 0)
        return NULL; /* "mailto:x", "http:g", ... */
    return concat(b->canon, b->prefix_n, bpath, b->dir_n, ref, keep, "", 0);
}

char *url_base_resolve(const struct url_base *b, const char *ref)
{
    if (!ref)
        return NULL;
    char *out = fast_resolve(b, ref);
    return out ? out : url_base_resolve_slow(b, ref);
}

char *url_resolve(const char *base, const char *ref)
{
    struct url_base *b = url_base_new(base, NULL, 0);
    char *out = url_base_resolve(b, ref);
    url_base_free(b);
    return out;
}

char *url_host(const char *url)
{
    char *canon = url ? url_canonicalize(url, NULL, 0) : NULL;
    if (!canon)
        return NULL;
    /* The canonical form has a lower-case host right after "scheme://[userinfo@]". */
    const char *auth = strstr(canon, "://") + 3;
    size_t auth_n = strcspn(auth, "/");
    const char *at = memrchr(auth, '@', auth_n);
    const char *host = at ? at + 1 : auth;
    size_t host_n = (size_t)(auth + auth_n - host);
    if (host[0] == '[') {
        const char *close = memchr(host, ']', host_n);
        host_n = close ? (size_t)(close - host) + 1 : host_n;
    } else {
        const char *colon = memchr(host, ':', host_n);
        host_n = colon ? (size_t)(colon - host) : host_n;
    }
    char *out = strndup(host, host_n);
    free(canon);
    return out;
}
