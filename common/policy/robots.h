/* robots.h -- robots.txt (RFC 9309): the rules of the group that applies to one crawler,
 * a path check, Crawl-delay and Sitemap lines. Written by hand: no Debian library parses
 * robots.txt.
 *
 * A struct robots is immutable once built, so one object may be read by any number of
 * callers. Functions returning `char *` give the caller ownership (free with `free`);
 * `const char *` results are borrowed and live as long as the struct robots.
 *
 * Choices where RFC 9309 is silent or loose (the unit test pins each one):
 * - Lines end at CR, LF or CRLF; a UTF-8 BOM at the start is skipped; '#' starts a comment
 *   anywhere; a line is "key: value" (a line without ':' is ignored); keys are
 *   case-insensitive and may be surrounded by whitespace. Besides the RFC keys we accept
 *   Google's frequent typos: "useragent", "user agent"; "dissallow", "dissalow", "disalow",
 *   "diasllow", "disallaw"; "site-map"; and "crawldelay", "crawl delay".
 * - A user-agent line matches when the value's leading run of [A-Za-z_-] equals the product
 *   token's, case-insensitively (Google's rule): "Trawl/1.0" and "trawl bot" match "trawl",
 *   "trawl-bot" and "trawlbot" do not. "*" (alone, or followed by whitespace) is the
 *   catch-all group.
 * - Consecutive user-agent lines share one group; an Allow, Disallow or Crawl-delay line
 *   closes that list, so the next user-agent line starts a new group. Sitemap, unknown keys
 *   and blank lines close nothing. Lines before the first user-agent line are ignored.
 * - A specific group that matched, even with no rules, replaces the "*" groups entirely.
 * - Paths are compared after normalising both sides: %XX of an unreserved character is
 *   decoded, other %XX get upper-case hex, a '%' not followed by two hex digits becomes %25,
 *   and octets that may not appear raw in a URL (controls, space, non-ASCII, "#<>[\]^`{|})
 *   are written %XX. In the URL path a raw '*' or '$' is written %2A / %24, so that the
 *   rules "%2A" and "%24" match them (RFC 9309 2.2.3); in a rule '*' is the wildcard, a
 *   final '$' the anchor, and any other '$' the literal %24.
 * - A rule value that starts with neither '/' nor '*' gets a '/' in front ("Disallow: tmp"
 *   blocks "/tmp"; "Disallow: $" blocks "/" only). An empty Allow or Disallow is no rule.
 * - A rule's priority is the length of its normalised pattern, '*' and '$' included. */
#ifndef TRAWL_ROBOTS_H
#define TRAWL_ROBOTS_H

#include <stddef.h>

/* RFC 9309 2.5: parse at least 500 KiB; we parse exactly that much. */
#define ROBOTS_MAX_BYTES (500 * 1024)
#define ROBOTS_MAX_SITEMAPS 1000 /* Sitemap lines kept; later ones are dropped */

struct robots;

/* Parses body (not NUL-terminated, any bytes: BOM, CR/LF/CRLF line ends, NULs, garbage
 * lines, no final newline) and keeps the rules of the group(s) for product_token (matched
 * case-insensitively; groups whose user-agent line matches are combined, per RFC 9309 2.2.1),
 * or of the "*" group(s) when none matches. product_token goes through the same [A-Za-z_-]
 * cut as the user-agent values ("Trawl/1.0" works as "Trawl"); NULL or "" selects the "*"
 * groups. Only the first ROBOTS_MAX_BYTES are read, and when the body is longer, the line cut
 * by the limit is dropped too (half a rule would change its meaning). body may be NULL when
 * len is 0. Returns NULL only when out of memory. */
struct robots *robots_parse(const char *body, size_t len, const char *product_token);

/* No rules: what a 4xx robots.txt means. NULL when out of memory. */
struct robots *robots_allow_all(void);

/* "Disallow: /" (robots.txt itself stays allowed): what an unreachable robots.txt means.
 * NULL when out of memory. */
struct robots *robots_disallow_all(void);

/* NULL is a no-op. */
void robots_free(struct robots *r);

/* 1 when the crawler may fetch path (the URL's path and query, percent-encoded as sent,
 * starting with '/'; "" counts as "/"), else 0. Longest matching rule wins (length in octets
 * of the rule's path after normalisation), Allow wins a tie, no matching rule allows; '*'
 * matches any run of octets, '$' at the end anchors. "/robots.txt" is always allowed. A NULL
 * path counts as "/". Allocates only for paths longer than about 680 bytes; returns 0 when
 * that allocation fails. Each rule costs time linear in its length plus the path's, whatever
 * its '*' (no backtracking). */
int robots_allowed(const struct robots *r, const char *path);

/* The group's Crawl-delay in seconds (a decimal number such as "10" or "0.5"; the last one
 * of the selected groups wins; junk and negative values are ignored; huge values are kept,
 * the caller caps them), or -1 when there is none. */
double robots_crawl_delay(const struct robots *r);

/* Sitemap lines (anywhere in the file, any group), in order, at most ROBOTS_MAX_SITEMAPS.
 * Values are trimmed; controls and spaces inside them are written %XX. robots_sitemap
 * returns NULL when i is out of range; the string is borrowed. */
size_t robots_sitemap_count(const struct robots *r);
const char *robots_sitemap(const struct robots *r, size_t i);

/* The number of rules kept from the selected group(s) (empty Allow/Disallow lines are not
 * rules). For tests and logs. */
size_t robots_rule_count(const struct robots *r);

/* A compact text form for a cache shared by workers, and back. The form starts with
 * "trawl-robots/1 " (the version) and holds the selected rules, the delay and the sitemaps;
 * it is printable ASCII plus any non-ASCII bytes of sitemap URLs, one item per '\n'-ended
 * line. robots_serialize returns a malloc'd NUL-terminated string (caller frees), or NULL
 * when out of memory. robots_deserialize reads len bytes of s (no NUL needed) and returns
 * NULL when s is not exactly a form robots_serialize writes (garbage, truncated, another
 * version) or when out of memory. */
char *robots_serialize(const struct robots *r);
struct robots *robots_deserialize(const char *s, size_t len);

#endif
