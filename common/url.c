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

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char HEX[] = "0123456789ABCDEF";

static char *put_escape(char *o, unsigned char c)
{
    *o++ = '%';
    *o++ = HEX[c >> 4];
    *o++ = HEX[c & 15];
    return o;
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
            int h = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int l = h >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
            if (l < 0) {
                o = put_escape(o, '%'); /* a stray '%' */
                continue;
            }
            unsigned char v = (unsigned char)(h * 16 + l);
            i += 2;
            if (is_unreserved(v)) {
                *dots |= v == '.';
                *o++ = (char)v;
            } else {
                o = put_escape(o, v);
            }
        } else if (raw_ok(c)) {
            *dots |= c == '.';
            *o++ = (char)c;
        } else {
            o = put_escape(o, c);
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
            o = put_escape(o, c);
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
    const unsigned char *s = (const unsigned char *)h;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = (c >= 0xC2 && c < 0xE0)   ? 2
                     : (c >= 0xE0 && c < 0xF0) ? 3
                     : (c >= 0xF0 && c <= 0xF4) ? 4
                                                : 0;
        if (len == 0 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0) ||
            (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90))
            return false; /* overlong, surrogate, above U+10FFFF */
        i += len;
    }
    return true;
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
            o = put_escape(o, c);
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

/* The canonical form of an absolute URL already cleaned, with an http(s) scheme of
 * scheme_n bytes. */
static char *canon_clean(const char *s, size_t scheme_n, char *err, size_t errlen)
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
        const char *slash = memrchr(bpath, '/', b->path_n);
        dir_n = slash ? (size_t)(slash - bpath) + 1 : 0;
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

char *url_base_resolve(const struct url_base *b, const char *ref)
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
