/* robots.c -- robots.txt (RFC 9309): one pass over the lines keeps the rules of the groups for
 * our product token and of the "*" groups, then the winning set is compacted and sorted so
 * that a path check stops at the first matching rule. */
#define _GNU_SOURCE /* memmem */
#include "robots.h"

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pct.h"

#define ROBOTS_FORM_MAGIC "trawl-robots/1 " /* the serialized form's version; bump on change */
#define ROBOTS_MAX_DELAY_DIGITS 9           /* fraction digits of a Crawl-delay that count */

struct rule {
    uint32_t off;  /* pattern offset in the pattern buffer */
    uint32_t len;  /* pattern length in octets: also the rule's priority */
    uint8_t allow; /* 1 Allow, 0 Disallow */
};

struct robots {
    struct rule *rules; /* longest first, Allow before Disallow on ties, then file order */
    size_t n_rules;
    char *pats;         /* normalised patterns back to back, not NUL-terminated */
    double delay_s;     /* Crawl-delay in seconds, -1 when none */
    char *maps;         /* Sitemap URLs, each NUL-terminated, back to back */
    size_t *map_off;    /* offset of each URL in maps */
    size_t n_maps;
};

/* A growing byte buffer. */
struct buf {
    char *p;
    size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
    if (b->cap - b->len >= more)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

struct rule_vec {
    struct rule *v;
    size_t n, cap;
};

static int rule_push(struct rule_vec *rv, struct rule r)
{
    if (rv->n == rv->cap) {
        size_t cap = rv->cap ? rv->cap * 2 : 16;
        struct rule *v = realloc(rv->v, cap * sizeof(*v));
        if (!v)
            return -1;
        rv->v = v;
        rv->cap = cap;
    }
    rv->v[rv->n++] = r;
    return 0;
}


static int is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* Octets a URL path or query may carry raw, other than '%', '*' and '$' (which the caller
 * handles): unreserved characters, and the reserved ones that stay raw in practice. */
static int is_plain(unsigned char c)
{
    return is_unreserved(c) || (c && strchr("!&'()+,;=:@/?", c));
}

/* Writes the normalised form of in[0..n) to out, which has room for 3 * n + 1 octets, and
 * returns its length. In a rule (is_rule) '*' stays a wildcard and a final '$' an anchor, and a
 * '/' is put in front of a pattern that starts with neither '/' nor '*'; in a path '*' and '$'
 * are written %2A and %24, so that they match the rules' escaped forms (RFC 9309 2.2.3). */
static size_t normalise(const char *in, size_t n, char *out, int is_rule)
{
    size_t o = 0;
    if (is_rule && n && in[0] != '/' && in[0] != '*')
        out[o++] = '/';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%') {
            if (i + 2 < n && pct_hex_value((unsigned char)in[i + 1]) >= 0 &&
                pct_hex_value((unsigned char)in[i + 2]) >= 0) {
                unsigned v = (unsigned)(pct_hex_value((unsigned char)in[i + 1]) * 16 +
                                        pct_hex_value((unsigned char)in[i + 2]));
                i += 2;
                if (is_unreserved(v)) {
                    out[o++] = (char)v;
                    continue;
                }
                c = (unsigned char)v;
            }
        } else if (is_rule && (c == '*' || (c == '$' && i + 1 == n))) {
            out[o++] = (char)c;
            continue;
        } else if (is_plain(c)) {
            out[o++] = (char)c;
            continue;
        }
        o = (size_t)(pct_put(out + o, c) - out);
    }
    return o;
}

/* 1 when the normalised pattern p[0..pn) matches the start of the normalised path t[0..tn) --
 * or all of it when the pattern ends in '$'. The pieces between '*' are placed leftmost, one
 * after the other: for '*'-only patterns that is optimal, and with memmem (linear) a rule
 * costs O(pn + tn), never exponential whatever the number of '*'. */
static int pattern_match(const char *p, size_t pn, const char *t, size_t tn)
{
    int anchored = pn && p[pn - 1] == '$';
    if (anchored)
        pn--;
    const char *star = memchr(p, '*', pn);
    size_t seg = star ? (size_t)(star - p) : pn;
    if (seg > tn || memcmp(p, t, seg) != 0)
        return 0;
    if (!star)
        return !anchored || seg == tn;
    size_t ti = seg, pi = seg + 1;
    for (;;) {
        star = memchr(p + pi, '*', pn - pi);
        seg = star ? (size_t)(star - (p + pi)) : pn - pi;
        if (!star) {
            if (anchored)
                return tn - ti >= seg && memcmp(t + tn - seg, p + pi, seg) == 0;
            return seg == 0 || memmem(t + ti, tn - ti, p + pi, seg) != NULL;
        }
        if (seg) {
            const char *f = memmem(t + ti, tn - ti, p + pi, seg);
            if (!f)
                return 0;
            ti = (size_t)(f - t) + seg;
        }
        pi += seg + 1;
    }
}

static int rule_cmp(const void *a, const void *b)
{
    const struct rule *x = a, *y = b;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    if (x->allow != y->allow)
        return x->allow ? -1 : 1;
    return (x->off > y->off) - (x->off < y->off);
}

void robots_free(struct robots *r)
{
    if (!r)
        return;
    free(r->rules);
    free(r->pats);
    free(r->maps);
    free(r->map_off);
    free(r);
}

/* A struct robots holding copies of rules[0..n) (patterns in pats), sorted; takes ownership of
 * the sitemap buffers (maps, map_off) even on failure. NULL when out of memory. */
static struct robots *robots_build(const struct rule *rules, size_t n, const char *pats,
                                   double delay_s, char *maps, size_t *map_off, size_t n_maps)
{
    struct robots *r = calloc(1, sizeof(*r));
    if (!r) {
        free(maps);
        free(map_off);
        return NULL;
    }
    r->maps = maps;
    r->map_off = map_off;
    r->n_maps = n_maps;
    r->delay_s = delay_s;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += rules[i].len;
    r->rules = malloc((n ? n : 1) * sizeof(*r->rules));
    r->pats = malloc(total ? total : 1);
    if (!r->rules || !r->pats) {
        robots_free(r);
        return NULL;
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(r->pats + off, pats + rules[i].off, rules[i].len);
        r->rules[i] = (struct rule){(uint32_t)off, rules[i].len, rules[i].allow};
        off += rules[i].len;
    }
    r->n_rules = n;
    qsort(r->rules, n, sizeof(*r->rules), rule_cmp);
    return r;
}

struct robots *robots_allow_all(void)
{
    return robots_build(NULL, 0, "", -1, NULL, NULL, 0);
}

struct robots *robots_disallow_all(void)
{
    static const struct rule root = {0, 1, 0};
    return robots_build(&root, 1, "/", -1, NULL, NULL, 0);
}

/* ---- parsing ---- */

enum key { KEY_OTHER, KEY_AGENT, KEY_ALLOW, KEY_DISALLOW, KEY_DELAY, KEY_SITEMAP };

static const struct {
    const char *name;
    enum key key;
} KEYS[] = {
    {"user-agent", KEY_AGENT},  {"useragent", KEY_AGENT},     {"user agent", KEY_AGENT},
    {"allow", KEY_ALLOW},       {"disallow", KEY_DISALLOW},   {"dissallow", KEY_DISALLOW},
    {"dissalow", KEY_DISALLOW}, {"disalow", KEY_DISALLOW},    {"diasllow", KEY_DISALLOW},
    {"disallaw", KEY_DISALLOW}, {"crawl-delay", KEY_DELAY},   {"crawldelay", KEY_DELAY},
    {"crawl delay", KEY_DELAY}, {"sitemap", KEY_SITEMAP},     {"site-map", KEY_SITEMAP},
};

static enum key key_of(const char *k, size_t n)
{
    for (size_t i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]); i++)
        if (strlen(KEYS[i].name) == n && strncasecmp(KEYS[i].name, k, n) == 0)
            return KEYS[i].key;
    return KEY_OTHER;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* The leading run of [A-Za-z_-]: the part of a user-agent that names the product. */
static size_t agent_name_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                     s[i] == '_' || s[i] == '-'))
        i++;
    return i;
}

/* A Crawl-delay value: digits with an optional fraction ("10", "0.5", ".5", "3."); no sign,
 * exponent or unit. Parsed by hand: strtod follows the locale and accepts "inf" and hex.
 * Returns 0 and the value (at most DBL_MAX), or -1. */
static int parse_delay(const char *v, size_t n, double *out)
{
    double x = 0, frac = 0, scale = 1;
    size_t i = 0, digits = 0;
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++, digits++)
        x = x * 10 + (v[i] - '0');
    if (i < n && v[i] == '.') {
        for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++, digits++) {
            if (scale < 1e9) {
                frac = frac * 10 + (v[i] - '0');
                scale *= 10;
            }
        }
    }
    if (digits == 0 || i != n)
        return -1;
    x += frac / scale;
    *out = x > DBL_MAX ? DBL_MAX : x;
    return 0;
}

struct parser {
    const char *token;       /* product token (its [A-Za-z_-] run), borrowed */
    size_t token_len;        /* 0: only "*" groups can apply */
    int in_agents;           /* the last group line was a user-agent line */
    int cur[2];              /* the current group is for us [0] / is a "*" group [1] */
    int seen_specific;       /* some user-agent line named our product token */
    struct buf pats;         /* patterns of both candidate rule sets */
    struct rule_vec set[2];  /* rules of our groups [0] and of the "*" groups [1] */
    double delay[2];         /* last valid Crawl-delay of each set, -1 when none */
    struct buf maps;         /* Sitemap URLs, NUL-terminated */
    size_t *map_off;
    size_t n_maps;
};

static int on_agent(struct parser *ps, const char *v, size_t n)
{
    if (!ps->in_agents) {
        ps->cur[0] = ps->cur[1] = 0;
        ps->in_agents = 1;
    }
    if (n && v[0] == '*' && (n == 1 || is_ws(v[1]))) {
        ps->cur[1] = 1;
        return 0;
    }
    size_t name = agent_name_len(v, n);
    if (ps->token_len && name == ps->token_len && strncasecmp(v, ps->token, name) == 0) {
        ps->cur[0] = 1;
        ps->seen_specific = 1;
    }
    return 0;
}

static int on_rule(struct parser *ps, const char *v, size_t n, int allow)
{
    ps->in_agents = 0;
    if ((!ps->cur[0] && !ps->cur[1]) || n == 0)
        return 0;
    if (n > (UINT32_MAX - ps->pats.len) / 4 || buf_reserve(&ps->pats, 3 * n + 1) < 0)
        return -1;
    size_t len = normalise(v, n, ps->pats.p + ps->pats.len, 1);
    struct rule r = {(uint32_t)ps->pats.len, (uint32_t)len, (uint8_t)allow};
    ps->pats.len += len;
    for (int s = 0; s < 2; s++)
        if (ps->cur[s] && rule_push(&ps->set[s], r) < 0)
            return -1;
    return 0;
}

static int on_delay(struct parser *ps, const char *v, size_t n)
{
    ps->in_agents = 0;
    double d;
    if (parse_delay(v, n, &d) < 0)
        return 0;
    for (int s = 0; s < 2; s++)
        if (ps->cur[s])
            ps->delay[s] = d;
    return 0;
}

static int on_sitemap(struct parser *ps, const char *v, size_t n)
{
    if (n == 0 || ps->n_maps >= ROBOTS_MAX_SITEMAPS)
        return 0;
    if (!ps->map_off) {
        ps->map_off = malloc(ROBOTS_MAX_SITEMAPS * sizeof(*ps->map_off));
        if (!ps->map_off)
            return -1;
    }
    if (buf_reserve(&ps->maps, 3 * n + 1) < 0)
        return -1;
    ps->map_off[ps->n_maps++] = ps->maps.len;
    char *o = ps->maps.p + ps->maps.len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= 0x20 || c == 0x7f) {
            o = pct_put(o, c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '\0';
    ps->maps.len = (size_t)(o - ps->maps.p);
    return 0;
}

/* One line, without its line end. Returns -1 only when out of memory. */
static int on_line(struct parser *ps, const char *s, size_t n)
{
    const char *hash = memchr(s, '#', n);
    if (hash)
        n = (size_t)(hash - s);
    const char *colon = memchr(s, ':', n);
    if (!colon)
        return 0;
    size_t kb = 0, ke = (size_t)(colon - s), vb = ke + 1, ve = n;
    while (kb < ke && is_ws(s[kb]))
        kb++;
    while (ke > kb && is_ws(s[ke - 1]))
        ke--;
    while (vb < ve && is_ws(s[vb]))
        vb++;
    while (ve > vb && is_ws(s[ve - 1]))
        ve--;
    const char *v = s + vb;
    size_t vn = ve - vb;
    switch (key_of(s + kb, ke - kb)) {
    case KEY_AGENT:
        return on_agent(ps, v, vn);
    case KEY_ALLOW:
        return on_rule(ps, v, vn, 1);
    case KEY_DISALLOW:
        return on_rule(ps, v, vn, 0);
    case KEY_DELAY:
        return on_delay(ps, v, vn);
    case KEY_SITEMAP:
        return on_sitemap(ps, v, vn);
    case KEY_OTHER:
        break;
    }
    return 0;
}

struct robots *robots_parse(const char *body, size_t len, const char *product_token)
{
    struct robots *r = NULL;
    struct parser ps;
    memset(&ps, 0, sizeof(ps));
    ps.delay[0] = ps.delay[1] = -1;
    ps.token = product_token ? product_token : "";
    ps.token_len = agent_name_len(ps.token, strlen(ps.token));
    if (!body)
        len = 0;
    if (len > ROBOTS_MAX_BYTES) {
        /* Drop the line the limit cuts: "Allow: /public" cut to "Allow: /pu" would allow
         * more than the site said. */
        len = ROBOTS_MAX_BYTES;
        if (body[len] != '\n' && body[len] != '\r') {
            while (len > 0 && body[len - 1] != '\n' && body[len - 1] != '\r')
                len--;
        }
    }
    const char *p = body, *end = body + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *e = p;
        while (e < end && *e != '\n' && *e != '\r')
            e++;
        if (on_line(&ps, p, (size_t)(e - p)) < 0)
            goto out;
        p = e;
        if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
            p += 2; /* CRLF */
        else if (p < end)
            p++;    /* CR or LF */
    }
    int s = ps.seen_specific ? 0 : 1;
    r = robots_build(ps.set[s].v, ps.set[s].n, ps.pats.p, ps.delay[s], ps.maps.p, ps.map_off,
                     ps.n_maps);
    ps.maps.p = NULL;
    ps.map_off = NULL;
out:
    free(ps.pats.p);
    free(ps.set[0].v);
    free(ps.set[1].v);
    free(ps.maps.p);
    free(ps.map_off);
    return r;
}

/* ---- queries ---- */

int robots_allowed(const struct robots *r, const char *path)
{
    if (!r || r->n_rules == 0)
        return 1;
    if (!path || !*path)
        path = "/";
    size_t n = strlen(path);
    char stack[2048];
    char *buf = stack;
    if (n > (sizeof(stack) - 1) / 3) {
        buf = n < SIZE_MAX / 4 ? malloc(3 * n + 1) : NULL;
        if (!buf)
            return 0;
    }
    size_t m = normalise(path, n, buf, 0);
    int ok = 1;
    if (!(m == 11 && memcmp(buf, "/robots.txt", 11) == 0)) {
        for (size_t i = 0; i < r->n_rules; i++) {
            const struct rule *ru = &r->rules[i];
            if (pattern_match(r->pats + ru->off, ru->len, buf, m)) {
                ok = ru->allow;
                break;
            }
        }
    }
    if (buf != stack)
        free(buf);
    return ok;
}

double robots_crawl_delay(const struct robots *r)
{
    return r ? r->delay_s : -1;
}

size_t robots_sitemap_count(const struct robots *r)
{
    return r ? r->n_maps : 0;
}

const char *robots_sitemap(const struct robots *r, size_t i)
{
    return r && i < r->n_maps ? r->maps + r->map_off[i] : NULL;
}

size_t robots_rule_count(const struct robots *r)
{
    return r ? r->n_rules : 0;
}

/* ---- the cache form ----
 *
 *   trawl-robots/1 rules=N sitemaps=M delay=XXXXXXXXXXXXXXXX\n   (the delay's IEEE-754 bits)
 *   A<pattern>\n or D<pattern>\n                                  (N lines, in match order)
 *   S<url>\n                                                      (M lines)
 *   end\n
 *
 * The delay travels as bits so that it comes back exact and no locale can change a '.'. */

char *robots_serialize(const struct robots *r)
{
    if (!r)
        return NULL;
    size_t size = 128;
    for (size_t i = 0; i < r->n_rules; i++)
        size += r->rules[i].len + 2;
    for (size_t i = 0; i < r->n_maps; i++)
        size += strlen(r->maps + r->map_off[i]) + 2;
    char *s = malloc(size);
    if (!s)
        return NULL;
    uint64_t bits;
    memcpy(&bits, &r->delay_s, sizeof(bits));
    int h = snprintf(s, size, ROBOTS_FORM_MAGIC "rules=%zu sitemaps=%zu delay=%016llx\n",
                     r->n_rules, r->n_maps, (unsigned long long)bits);
    size_t o = (size_t)h;
    for (size_t i = 0; i < r->n_rules; i++) {
        s[o++] = r->rules[i].allow ? 'A' : 'D';
        memcpy(s + o, r->pats + r->rules[i].off, r->rules[i].len);
        o += r->rules[i].len;
        s[o++] = '\n';
    }
    for (size_t i = 0; i < r->n_maps; i++) {
        const char *m = r->maps + r->map_off[i];
        size_t n = strlen(m);
        s[o++] = 'S';
        memcpy(s + o, m, n);
        o += n;
        s[o++] = '\n';
    }
    memcpy(s + o, "end\n", 5);
    return s;
}

/* Reads "NAME=<decimal>" at *p, as %zu writes it (no sign, no leading zero), then the octet
 * after. Returns 0 or -1. */
static int read_count(const char **p, const char *end, const char *name, char after,
                      size_t *out)
{
    size_t nl = strlen(name);
    const char *q = *p;
    if ((size_t)(end - q) < nl || memcmp(q, name, nl) != 0)
        return -1;
    q += nl;
    size_t v = 0, digits = 0;
    for (; q < end && *q >= '0' && *q <= '9'; q++, digits++) {
        if (digits >= 9 || (digits == 1 && v == 0))
            return -1;
        v = v * 10 + (size_t)(*q - '0');
    }
    if (digits == 0 || q == end || *q != after)
        return -1;
    *p = q + 1;
    *out = v;
    return 0;
}

struct robots *robots_deserialize(const char *s, size_t len)
{
    struct robots *r = NULL;
    struct rule *rules = NULL;
    char *pats = NULL, *maps = NULL, *scratch = NULL;
    size_t *map_off = NULL, pats_len = 0, maps_len = 0;
    if (!s)
        return NULL;
    const char *p = s, *end = s + len;
    size_t ml = strlen(ROBOTS_FORM_MAGIC), n_rules, n_maps;
    if (len < ml || memcmp(p, ROBOTS_FORM_MAGIC, ml) != 0)
        return NULL;
    p += ml;
    if (read_count(&p, end, "rules=", ' ', &n_rules) < 0 ||
        read_count(&p, end, "sitemaps=", ' ', &n_maps) < 0)
        return NULL;
    /* Every line takes at least three octets: the counts cannot ask for more than len. */
    if (n_rules > len / 3 || n_maps > ROBOTS_MAX_SITEMAPS || end - p < 6 + 16 + 1 ||
        memcmp(p, "delay=", 6) != 0)
        return NULL;
    p += 6;
    uint64_t bits = 0;
    for (int i = 0; i < 16; i++, p++) {
        int v = pct_hex_value((unsigned char)*p);
        if (v < 0 || (*p >= 'A' && *p <= 'F'))
            return NULL;
        bits = bits << 4 | (uint64_t)v;
    }
    if (*p++ != '\n')
        return NULL;
    double delay;
    memcpy(&delay, &bits, sizeof(delay));
    if (!(delay == -1 || (delay >= 0 && delay <= DBL_MAX)))
        return NULL;

    rules = malloc((n_rules ? n_rules : 1) * sizeof(*rules));
    pats = malloc(len + 1);
    scratch = len < SIZE_MAX / 4 ? malloc(3 * len + 2) : NULL;
    if (n_maps) {
        maps = malloc(len + 1);
        map_off = malloc(ROBOTS_MAX_SITEMAPS * sizeof(*map_off));
    }
    if (!rules || !pats || !scratch || (n_maps && (!maps || !map_off)))
        goto out;
    for (size_t i = 0; i < n_rules; i++) {
        if (p == end || (*p != 'A' && *p != 'D'))
            goto out;
        int allow = *p++ == 'A';
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e || e == p || (*p != '/' && *p != '*'))
            goto out;
        size_t n = (size_t)(e - p);
        for (size_t j = 0; j < n; j++)
            if ((unsigned char)p[j] <= 0x20 || (unsigned char)p[j] >= 0x7f)
                goto out;
        /* Only a normalised pattern is a pattern robots_serialize writes. */
        if (normalise(p, n, scratch, 1) != n || memcmp(scratch, p, n) != 0)
            goto out;
        memcpy(pats + pats_len, p, n);
        rules[i] = (struct rule){(uint32_t)pats_len, (uint32_t)n, (uint8_t)allow};
        pats_len += n;
        p = e + 1;
    }
    for (size_t i = 0; i < n_maps; i++) {
        if (p == end || *p != 'S')
            goto out;
        p++;
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e || e == p)
            goto out;
        size_t n = (size_t)(e - p);
        for (size_t j = 0; j < n; j++)
            if ((unsigned char)p[j] <= 0x20 || (unsigned char)p[j] == 0x7f)
                goto out;
        map_off[i] = maps_len;
        memcpy(maps + maps_len, p, n);
        maps_len += n;
        maps[maps_len++] = '\0';
        p = e + 1;
    }
    if (end - p != 4 || memcmp(p, "end\n", 4) != 0)
        goto out;
    /* In match order, as robots_serialize writes them (the offsets follow the lines). */
    for (size_t i = 1; i < n_rules; i++)
        if (rule_cmp(&rules[i - 1], &rules[i]) > 0)
            goto out;
    r = robots_build(rules, n_rules, pats, delay, maps, map_off, n_maps);
    maps = NULL;
    map_off = NULL;
out:
    free(scratch);
    free(rules);
    free(pats);
    free(maps);
    free(map_off);
    return r;
}
