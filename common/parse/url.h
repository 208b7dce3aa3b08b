/* url.h -- URL validation, canonicalisation and resolution, on libcurl's URL API.
 *
 * Functions returning `char *` give the caller ownership (free with `free`). */
#ifndef TRAWL_URL_H
#define TRAWL_URL_H

#include <stddef.h>

#define URL_MAX_BYTES 16384 /* longer inputs (after cleaning) are refused: bounded work per link */

/* Parses an absolute http(s) URL and returns its canonical form (see CONTRACT "Canonical
 * URL"): scheme and host lower-case, default port dropped, dot-segments removed,
 * percent-encoding normalised, fragment dropped, empty path written "/", query kept.
 * Surrounding whitespace is ignored. On failure returns NULL and writes the reason
 * ("unsupported scheme 'ftp'", "no host", ...) into err.
 *
 * Details of the canonical form, beyond the contract:
 * - path: escapes of unreserved characters are decoded (%7E -> ~, %41 -> A), other escapes
 *   get upper-case hex (%2f -> %2F), a '%' not followed by two hex digits becomes %25, and
 *   bytes that may not appear raw (space, controls, non-ASCII, "<>\^`{|}[]) are escaped;
 *   dot-segments written as escapes (%2e%2e) are removed like literal ones.
 * - query: kept byte for byte, except that space, controls, DEL and non-ASCII bytes are
 *   escaped (a URL cannot carry them raw); an empty query ("?") is dropped, as curl does.
 * - userinfo gets the same escape normalisation as the path; an empty one ("@", ":@") is
 *   dropped.
 * - "http:host/x" (no slashes) is read as "http://host/x", as browsers do.
 * - IDN hosts are left as written (no punycode); only ASCII letters are lower-cased.
 * - a host written with %-escapes is decoded, then read as an IPv4 number when it is one
 *   ("http://%33/" -> "http://0.0.0.3/"), as browsers do. */
char *url_canonicalize(const char *in, char *err, size_t errlen);

/* Resolves `ref` (an href as found in a page) against the absolute URL `base` and returns
 * the canonical result, or NULL when the href is empty, not http(s), or invalid. The href is
 * cleaned first as browsers do: leading/trailing whitespace and every tab/CR/LF removed,
 * '\' read as '/' before the query. A fragment-only href ("#x") gives the base itself.
 * Convenience wrapper over url_base_new/url_base_resolve: prefer those for many links. */
char *url_resolve(const char *base, const char *ref);

/* A base URL prepared once for resolving many hrefs (one page's links). */
struct url_base;

/* Canonicalises `base` and keeps it for url_base_resolve. Returns NULL with the reason in
 * err when base is not a valid absolute http(s) URL. Copies base. */
struct url_base *url_base_new(const char *base, char *err, size_t errlen);

/* The base's canonical form (borrowed; lives as long as the base). */
const char *url_base_str(const struct url_base *b);

/* Same as url_resolve against this base. `b` may be NULL (no usable base): then only
 * absolute hrefs ("http://...", "https://...") resolve. An href already in canonical form
 * (lower-case http(s) URL with a plain host, "//host/...", "/path", "path", "?query", "#x",
 * made of bytes that normalising leaves alone: see fast_resolve in url.c) is copied without a
 * parse (~0.1 us); anything else takes the slow path: relative hrefs are resolved by hand
 * (RFC 3986 section 5.2, no libcurl call: 0.15 us each), absolute ones go through
 * url_canonicalize (one curl_url parse: 1.0 us). Both give the same string as
 * url_canonicalize on the merged URL (the fuzz target checks this). */
char *url_base_resolve(const struct url_base *b, const char *ref);

/* url_base_resolve without the fast path, for tests: the fuzz target and url_test check that
 * both give the same bytes for every href. */
char *url_base_resolve_slow(const struct url_base *b, const char *ref);

void url_base_free(struct url_base *b);

/* Returns the lower-case host name of an absolute URL (without port; an IPv6 literal keeps
 * its brackets), or NULL when the URL does not parse. */
char *url_host(const char *url);

#endif
