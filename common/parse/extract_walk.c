/* extract_walk.c -- the visitor both parsers feed (one element at a time, in document
 * order), and the record fields made from what it found. */
#define _GNU_SOURCE /* strcasestr */
#include "extract_walk.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "extract.h"
#include "url.h"
#include "utf8.h"

/* True when the space-separated, case-insensitive token list `list` contains `tok`. */
static bool has_token(const char *list, const char *tok)
{
    size_t tn = strlen(tok);
    const char *p = list;
    while (*p) {
        while (*p && text_is_space((unsigned char)*p))
            p++;
        const char *s = p;
        while (*p && !text_is_space((unsigned char)*p))
            p++;
        if ((size_t)(p - s) == tn && strncasecmp(s, tok, tn) == 0)
            return true;
    }
    return false;
}

/* True when s has something besides whitespace: an empty content="" is no candidate. */
static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (!text_is_space((unsigned char)*s))
            return true;
    return false;
}

void tag_attr(struct tag *t, const char *name, const char *value)
{
    int i = -1;
    switch (name[0]) {
    case 'c':
        i = strcmp(name, "content") == 0 ? A_CONTENT : strcmp(name, "class") == 0 ? A_CLASS : -1;
        break;
    case 'd':
        i = strcmp(name, "datetime") == 0 ? A_DATETIME : -1;
        break;
    case 'h':
        i = strcmp(name, "href") == 0 ? A_HREF : -1;
        break;
    case 'i':
        i = strcmp(name, "itemprop") == 0 ? A_ITEMPROP : strcmp(name, "id") == 0 ? A_ID : -1;
        break;
    case 't':
        i = strcmp(name, "type") == 0 ? A_TYPE : -1;
        break;
    case 'l':
        i = strcmp(name, "lang") == 0 ? A_LANG : -1;
        break;
    case 'n':
        i = strcmp(name, "name") == 0 ? A_NAME : -1;
        break;
    case 'p':
        i = strcmp(name, "property") == 0 ? A_PROPERTY : -1;
        break;
    case 'r':
        i = strcmp(name, "rel") == 0 ? A_REL : -1;
        break;
    default:
        break;
    }
    if (i >= 0 && !(t->seen & (1u << i))) {
        t->seen |= 1u << i;
        t->a[i] = value;
    }
}

/* Copies n bytes of s into the arena, NUL-terminated; returns the offset or SIZE_MAX. */
static size_t arena_add(struct walk *w, const char *s, size_t n)
{
    if (w->arena_len + n + 1 > w->arena_cap) {
        size_t cap = w->arena_cap ? w->arena_cap * 2 : 16384;
        while (cap < w->arena_len + n + 1)
            cap *= 2;
        char *p = realloc(w->arena, cap);
        if (!p)
            return SIZE_MAX;
        w->arena = p;
        w->arena_cap = cap;
    }
    size_t off = w->arena_len;
    memcpy(w->arena + off, s, n);
    w->arena[off + n] = '\0';
    w->arena_len += n + 1;
    return off;
}

static void add_href(struct walk *w, const char *href)
{
    if (w->nhrefs == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        const char **h = realloc(w->hrefs, cap * sizeof(*h));
        if (!h) {
            w->oom = true;
            return;
        }
        w->hrefs = h;
        w->cap = cap;
    }
    if (w->copy) {
        /* The arena moves as it grows: keep the offset now, make it a pointer at the end. */
        size_t off = arena_add(w, href, strlen(href));
        if (off == SIZE_MAX) {
            w->oom = true;
            return;
        }
        w->hrefs[w->nhrefs++] = (const char *)(uintptr_t)off;
    } else {
        w->hrefs[w->nhrefs++] = href;
    }
}

/* Starts a grab of `kind` at the current element; returns its index, or -1 when all are
 * taken (the element's text is then not collected: bounded work whatever the page). */
static int grab_new(struct walk *w, enum grab_kind kind, size_t max_chars, bool collapse)
{
    if (w->ng >= WALK_MAX_GRABS)
        return -1;
    struct grab *g = &w->g[w->ng];
    memset(g, 0, sizeof(*g));
    g->kind = kind;
    text_init(&g->text, max_chars, collapse);
    return (int)w->ng++;
}

static bool is_date_field(int field)
{
    return field == F_PUBLISHED || field == F_MODIFIED;
}

/* Offers a candidate to field `field`: the string `str`, or (elem) the text of the current
 * element. Returns the grab index of the element's text when it won, -1 otherwise (also
 * for a string that won: then the field holds it). A date that does not read as one and an
 * author that is a URL are no candidates. */
static int offer(struct walk *w, int field, int rank, const char *str, bool elem)
{
    struct pick *p = &w->f[field];
    bool had = p->str || p->grab >= 0;
    if (!(has_text(str) || elem) || (had && rank >= p->rank))
        return -1;
    if (!elem && is_date_field(field)) {
        char tmp[64];
        if (extract_date_norm(str, tmp, sizeof(tmp)) < 0)
            return -1;
    }
    if (!elem && field == F_AUTHOR && meta_is_url(str))
        return -1;
    int grab = -1;
    if (elem) {
        grab = grab_new(w, GRAB_PICK, EXTRACT_MAX_TEXT_CHARS, true);
        if (grab < 0)
            return -1;
    }
    free(p->own);
    p->own = NULL;
    p->str = NULL;
    if (p->grab >= 0)
        w->g[p->grab].dead = true;
    p->grab = grab;
    p->rank = rank;
    if (elem)
        return grab;
    if (w->copy) {
        p->own = strdup(str);
        if (!p->own) {
            w->oom = true;
            p->rank = INT_MAX; /* no candidate */
            return -1;
        }
        p->str = p->own;
    } else {
        p->str = str;
    }
    return -1;
}

/* "list, name" in a new string, or NULL when out of memory. */
static char *join_names(const char *list, const char *name, size_t name_len)
{
    size_t len = strlen(list);
    char *joined = malloc(len + 2 + name_len + 1);
    if (joined) {
        memcpy(joined, list, len);
        memcpy(joined + len, ", ", 2);
        memcpy(joined + len + 2, name, name_len + 1);
    }
    return joined;
}

/* A second author meta of the same rank (two dc.creator, say): the page lists several
 * authors, so they are joined with ", " in page order (a repeat is dropped). */
static void offer_more_authors(struct walk *w, int rank, const char *str)
{
    struct pick *p = &w->f[F_AUTHOR];
    if (p->rank != rank || !p->str || p->grab >= 0 || !has_text(str) || meta_is_url(str))
        return;
    struct text t;
    text_init(&t, EXTRACT_MAX_TEXT_CHARS, true);
    text_add(&t, str, strlen(str));
    size_t n = 0;
    char *add = text_take(&t, &n);
    if (!add)
        return;
    if (strstr(p->str, add)) {
        free(add);
        return;
    }
    char *joined = join_names(p->str, add, n);
    if (joined) {
        free(p->own);
        p->own = joined;
        p->str = joined;
    } else {
        w->oom = true;
    }
    free(add);
}

/* Metadata names and what they feed, by rank (lower wins). Titles follow what publishers
 * mean for sharing (dc.title, og:title) before the browser tab's title. */
struct meta_key {
    const char *name;
    int field, rank;
};

static const struct meta_key meta_keys[] = {
    {"dc.title", F_TITLE, 1},
    {"dc:title", F_TITLE, 1},
    {"dcterm:title", F_TITLE, 1},
    {"dcterms.title", F_TITLE, 1},
    {"og:title", F_TITLE, 2},
    {"title", F_TITLE, 3},
    {"weibo:article:title", F_TITLE, 3},
    {"twitter:title", F_TITLE, 4},
    {"parsely-title", F_TITLE, 5},
    {"description", F_DESCRIPTION, 0},
    {"og:description", F_DESCRIPTION, 1},
    {"twitter:description", F_DESCRIPTION, 2},
    {"article:published_time", F_PUBLISHED, 0},
    {"datepublished", F_PUBLISHED, 1},
    {"parsely-pub-date", F_PUBLISHED, 3},
    {"date", F_PUBLISHED, 3},
    {"pubdate", F_PUBLISHED, 3},
    {"publishdate", F_PUBLISHED, 3},
    {"sailthru.date", F_PUBLISHED, 4},
    {"dc.date", F_PUBLISHED, 4},
    {"dc.date.issued", F_PUBLISHED, 4},
    {"dc.date.created", F_PUBLISHED, 4},
    {"dcterms.date", F_PUBLISHED, 4},
    {"dcterms.issued", F_PUBLISHED, 4},
    {"dcterms.created", F_PUBLISHED, 4},
    {"article:modified_time", F_MODIFIED, 0},
    {"datemodified", F_MODIFIED, 1},
    {"og:updated_time", F_MODIFIED, 2},
    {"dcterms.modified", F_MODIFIED, 3},
    {"dc.date.modified", F_MODIFIED, 3},
    {"last-modified", F_MODIFIED, 4},
    {"dc.creator", F_AUTHOR, 0},
    {"dc:creator", F_AUTHOR, 0},
    {"dcterm:creator", F_AUTHOR, 0},
    {"dcterms.creator", F_AUTHOR, 0},
    {"author", F_AUTHOR, 1},
    {"parsely-author", F_AUTHOR, 2},
    {"sailthru.author", F_AUTHOR, 2},
    {"article:author", F_AUTHOR, 2}, /* Open Graph: property= only (see on_meta) */
    {"og:site_name", F_SITE, 0},
    {"og:image", F_IMAGE, 0},
    {"og:image:url", F_IMAGE, 0},
    {"og:image:secure_url", F_IMAGE, 1},
    {"twitter:image", F_IMAGE, 3},
    {"twitter:image:src", F_IMAGE, 3},
};

/* name="..." and property="..." may each hold several space-separated keys. */
static void on_meta(struct walk *w, const struct tag *t)
{
    if (!t->a[A_CONTENT])
        return;
    const char *lists[2] = {t->a[A_NAME], t->a[A_PROPERTY]};
    for (int l = 0; l < 2; l++) {
        if (!lists[l] || !lists[l][0])
            continue;
        for (size_t k = 0; k < sizeof(meta_keys) / sizeof(meta_keys[0]); k++) {
            if (!has_token(lists[l], meta_keys[k].name))
                continue;
            /* property= (RDFa, Open Graph) before name= at the same rank. Open Graph's
             * article:author is a property; name="article:author" is often stale. */
            if (l == 0 && strcmp(meta_keys[k].name, "article:author") == 0)
                continue;
            int rank = meta_keys[k].rank * 2 + (l == 0);
            const struct pick *p = &w->f[meta_keys[k].field];
            if (meta_keys[k].field == F_AUTHOR && p->str && p->rank == rank)
                offer_more_authors(w, rank, t->a[A_CONTENT]);
            else
                offer(w, meta_keys[k].field, rank, t->a[A_CONTENT], false);
        }
    }
}

/* Microdata: itemprop="datePublished" / "dateModified" / "author" on any element. Returns
 * the grab bits of the fields that this element's text now feeds. */
static uint32_t on_itemprop(struct walk *w, const struct tag *t)
{
    static const struct {
        const char *prop;
        int field, rank;
    } props[] = {
        {"datePublished", F_PUBLISHED, 2}, /* ranks as meta_keys' rank * 2 */
        {"dateModified", F_MODIFIED, 2},
        {"author", F_AUTHOR, 8},
    };
    uint32_t bits = 0;
    for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
        if (!has_token(t->a[A_ITEMPROP], props[i].prop))
            continue;
        const char *v = t->a[A_CONTENT];
        if (!v && is_date_field(props[i].field))
            v = t->a[A_DATETIME];
        int g = offer(w, props[i].field, props[i].rank, v, !v);
        if (g >= 0)
            bits |= 1u << g;
    }
    return bits;
}

/* Class or id naming a byline ("byline", "author", "dateline", "writtenby", "p-author"). */
static bool is_byline_name(const char *s)
{
    static const char *const words[] = {"byline", "author", "dateline", "writtenby"};
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasestr(s, words[i]))
            return true;
    return false;
}

/* The MIME types of feeds a page advertises with <link rel="alternate">. */
static bool is_feed_type(const char *type)
{
    static const char *const types[] = {"application/rss+xml", "application/atom+xml",
                                        "application/feed+json", "application/rdf+xml"};
    if (!type)
        return false;
    while (*type && text_is_space((unsigned char)*type))
        type++;
    size_t n = 0;
    while (type[n] && type[n] != ';' && !text_is_space((unsigned char)type[n]))
        n++;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strlen(types[i]) == n && strncasecmp(type, types[i], n) == 0)
            return true;
    return false;
}

static bool is_ld_json(const char *type)
{
    if (!type)
        return false;
    while (*type && text_is_space((unsigned char)*type))
        type++;
    return strncasecmp(type, "application/ld+json", 19) == 0 &&
           (type[19] == '\0' || type[19] == ';' || text_is_space((unsigned char)type[19]));
}

static void on_link(struct walk *w, const struct tag *t)
{
    const char *rel = t->a[A_REL];
    if (!rel)
        return;
    if (!w->f[F_CANONICAL].str && has_token(rel, "canonical"))
        offer(w, F_CANONICAL, 0, t->a[A_HREF], false);
    if (has_token(rel, "alternate") && is_feed_type(t->a[A_TYPE]) && has_text(t->a[A_HREF]) &&
        w->nfeeds < EXTRACT_MAX_FEEDS) {
        char *c = strdup(t->a[A_HREF]);
        if (c)
            w->feeds[w->nfeeds++] = c;
        else
            w->oom = true;
    }
}

uint32_t walk_tag(struct walk *w, const struct tag *t, bool in_svg)
{
    uint32_t bits = 0;
    int g = -1;
    switch (t->name[0]) {
    case 'a':
        if (t->name_len == 1 && t->a[A_HREF])
            add_href(w, t->a[A_HREF]);
        break;
    case 'b':
        if (tag_is(t, "base", 4) && !w->f[F_BASE].str)
            offer(w, F_BASE, 0, t->a[A_HREF], false);
        break;
    case 'h':
        if (tag_is(t, "html", 4) && !w->f[F_LANG].str)
            offer(w, F_LANG, 0, t->a[A_LANG], false);
        else if (tag_is(t, "h1", 2) && w->nh1 < WALK_MAX_H1) {
            g = grab_new(w, GRAB_H1, EXTRACT_MAX_TEXT_CHARS, true);
            w->nh1++;
        }
        break;
    case 'l':
        if (tag_is(t, "link", 4))
            on_link(w, t);
        break;
    case 'm':
        if (tag_is(t, "meta", 4))
            on_meta(w, t);
        break;
    case 's':
        if (tag_is(t, "script", 6) && w->nld < WALK_MAX_LD && is_ld_json(t->a[A_TYPE])) {
            g = grab_new(w, GRAB_LD, WALK_LD_MAX_CHARS, false);
            w->nld++;
        }
        break;
    case 't':
        if (tag_is(t, "title", 5) && !w->title_seen && !in_svg) {
            w->title_seen = true;
            g = w->title_grab = grab_new(w, GRAB_TITLE, EXTRACT_MAX_TEXT_CHARS, true);
        } else if (tag_is(t, "time", 4) && !w->time_seen && t->a[A_DATETIME]) {
            w->time_seen = true;
            offer(w, F_PUBLISHED, 4, t->a[A_DATETIME], false);
        }
        break;
    default:
        break;
    }
    if (g >= 0)
        bits |= 1u << g;
    if (!t->has_attrs)
        return bits;
    if (t->a[A_ITEMPROP])
        bits |= on_itemprop(w, t);
    if (t->a[A_REL] && t->name_len == 1 && has_token(t->a[A_REL], "author") &&
        w->nrel < WALK_MAX_REL_AUTHORS) {
        g = grab_new(w, GRAB_REL_AUTHOR, EXTRACT_MAX_TEXT_CHARS, true);
        w->nrel++;
        if (g >= 0) {
            w->g[g].link_no = w->nhrefs;
            bits |= 1u << g;
        }
    } else if ((t->a[A_CLASS] || t->a[A_ID]) && w->nbyline < WALK_MAX_BYLINES &&
               !tag_is(t, "meta", 4) && !tag_is(t, "link", 4) && !tag_is(t, "body", 4) &&
               !tag_is(t, "html", 4) && !tag_is(t, "script", 6) && !tag_is(t, "style", 5) &&
               (is_byline_name(t->a[A_CLASS]) || is_byline_name(t->a[A_ID]))) {
        g = grab_new(w, GRAB_BYLINE, EXTRACT_MAX_TEXT_CHARS, true);
        w->nbyline++;
        if (g >= 0)
            bits |= 1u << g;
    }
    return bits;
}

/* ---- links ------------------------------------------------------------------------------ */

/* A set of strings for de-duplication: open addressing, grown at half full. Each slot keeps
 * the string's hash and length, so a probe that meets another string (URLs of one site
 * share long prefixes) costs one comparison of two integers, not a strcmp. */
struct strset_slot {
    const char *s; /* NULL: empty */
    size_t len;
    uint64_t hash;
};

struct strset {
    struct strset_slot *slot;
    size_t cap, n;
};

/* A word-at-a-time multiplicative hash: a page's links are hashed twice each (as written and
 * resolved), and FNV-1a, a byte at a time, took 4% of a news page's extraction (perf). */
static uint64_t strset_hash(const char *s, size_t len)
{
    const uint64_t k = 0x9E3779B97F4A7C15ULL;
    uint64_t h = len * k;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, s + i, len - i);
        h = (h ^ w) * k;
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ULL;
    h ^= h >> 32;
    return h;
}

/* Adds s, len bytes (borrowed: the caller keeps it alive while the set lives). Returns 1
 * when added, 0 when already present, -1 when out of memory. */
static int strset_add(struct strset *set, const char *s, size_t len)
{
    if ((set->n + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 512;
        struct strset_slot *slot = calloc(cap, sizeof(*slot));
        if (!slot)
            return -1;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slot[i].s)
                continue;
            size_t j = set->slot[i].hash & (cap - 1);
            while (slot[j].s)
                j = (j + 1) & (cap - 1);
            slot[j] = set->slot[i];
        }
        free(set->slot);
        set->slot = slot;
        set->cap = cap;
    }
    uint64_t h = strset_hash(s, len);
    size_t j = h & (set->cap - 1);
    for (; set->slot[j].s; j = (j + 1) & (set->cap - 1)) {
        const struct strset_slot *e = &set->slot[j];
        if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0)
            return 0;
    }
    set->slot[j] = (struct strset_slot){s, len, h};
    set->n++;
    return 1;
}

static void add_links(json_t *record, const struct walk *w, const struct url_base *base,
                      size_t max_links)
{
    json_t *links = json_array();
    struct strset seen = {NULL, 0, 0}; /* resolved URLs (owned) */
    struct strset raw = {NULL, 0, 0};  /* hrefs as written (borrowed) */
    bool truncated = false;
    for (size_t i = 0; i < w->nhrefs && links; i++) {
        /* An href written before resolves to the same URL, which was skipped or kept then:
         * either way nothing to do, and no URL parse (most of the cost of a link). */
        if (strset_add(&raw, w->hrefs[i], strlen(w->hrefs[i])) == 0)
            continue;
        char *u = url_base_resolve(base, w->hrefs[i]);
        if (!u)
            continue;
        size_t ulen = strlen(u);
        int added = strset_add(&seen, u, ulen);
        if (added <= 0) {
            free(u);
            continue;
        }
        if (json_array_size(links) >= max_links) {
            truncated = true;
            break;
        }
        /* A host may carry raw bytes, valid UTF-8 or not, so the string is checked: by
         * utf8_valid, 8 ASCII bytes at a time, rather than by json_string, whose check
         * was 3% of a news page's extraction (callgrind); json_string only when the fast
         * check says no, to keep jansson's verdict on what is left. */
        json_t *v = utf8_valid(u, ulen) ? json_stringn_nocheck(u, ulen) : json_string(u);
        if (v)
            json_array_append_new(links, v);
    }
    for (size_t i = 0; i < seen.cap; i++)
        free((char *)seen.slot[i].s);
    free(seen.slot);
    free(raw.slot);
    json_object_set_new(record, "links", links ? links : json_array());
    if (truncated)
        json_object_set_new(record, "links_truncated", json_true());
}

/* ---- the record ------------------------------------------------------------------------- */

/* Sets key to s (whitespace collapsed, cut at EXTRACT_MAX_TEXT_CHARS), or null. */
static void set_str(json_t *record, const char *key, const char *s)
{
    struct text t;
    text_init(&t, EXTRACT_MAX_TEXT_CHARS, true);
    if (s)
        text_add(&t, s, strlen(s));
    text_set_json(record, key, &t);
}

/* Grab i's text (malloc'd), or NULL when empty. */
static char *grab_take(struct walk *w, int i)
{
    if (i < 0 || (unsigned)i >= w->ng)
        return NULL;
    size_t n = 0;
    return text_take(&w->g[i].text, &n);
}

/* A byline as a reader reads it, less a leading "By" ("By Jane Doe" -> "Jane Doe"). NULL
 * when it is empty, longer than a byline can be (100 characters) or a URL. Frees s. */
static char *byline_clean(char *s)
{
    if (!s)
        return NULL;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    if (chars == 0 || chars > 100 || meta_is_url(s)) {
        free(s);
        return NULL;
    }
    const char *p = s;
    if (strncasecmp(p, "by", 2) == 0 && (p[2] == ' ' || p[2] == ':')) {
        p += 3;
        while (*p == ' ' || *p == ':')
            p++;
    }
    if (p != s && *p)
        memmove(s, p, strlen(p) + 1);
    /* A date the byline element also holds ("Jane Doe May 20, 2019", "Jane Doe, 28 April
     * 2019 at 6:01 am") is not part of the name. */
    size_t n = extract_date_tail(s);
    /* Trailing separators ("Jane Doe —", "Jane Doe |", "Jane Doe ·"). */
    for (;;) {
        if (n > 0 && strchr(" |-,:/", s[n - 1]))
            n--;
        else if (n >= 3 && (memcmp(s + n - 3, "\xE2\x80\x94", 3) == 0 ||
                            memcmp(s + n - 3, "\xE2\x80\x93", 3) == 0))
            n -= 3; /* em and en dash */
        else if (n >= 2 && memcmp(s + n - 2, "\xC2\xB7", 2) == 0)
            n -= 2; /* middle dot */
        else
            break;
    }
    s[n] = '\0';
    if (n == 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* The rel=author links as the page lists them: the first with a name, and those that
 * follow it with no other link between (a byline's "Ann Lee, Bo Chen", an avatar link
 * beside a name), joined with ", ", repeats dropped. A rel=author link after other links
 * names another article's author (a list of related stories), so the list stops there. */
static char *rel_authors(struct walk *w)
{
    char *list = NULL;
    size_t prev = 0;
    for (unsigned i = 0; i < w->ng; i++) {
        const struct grab *g = &w->g[i];
        if (g->kind != GRAB_REL_AUTHOR)
            continue;
        if (list && g->link_no != prev + 1)
            break;
        prev = g->link_no;
        char *name = byline_clean(grab_take(w, (int)i));
        if (!name || (list && strstr(list, name))) {
            free(name);
            continue;
        }
        if (!list) {
            list = name;
            continue;
        }
        char *joined = join_names(list, name, strlen(name));
        free(name);
        if (!joined) {
            w->oom = true;
            break;
        }
        free(list);
        list = joined;
    }
    return list;
}

/* A date field: JSON-LD's value when it reads as a date, else the pick's. */
static void set_date(json_t *record, const char *key, const char *ld, struct walk *w, int field)
{
    char out[64];
    if (ld && extract_date_norm(ld, out, sizeof(out)) == 0) {
        json_object_set_new(record, key, json_string(out));
        return;
    }
    const struct pick *p = &w->f[field];
    char *own = p->grab >= 0 ? grab_take(w, p->grab) : NULL;
    const char *v = own ? own : p->str;
    if (v && extract_date_norm(v, out, sizeof(out)) == 0)
        json_object_set_new(record, key, json_string(out));
    else
        json_object_set_new(record, key, json_null());
    free(own);
}

/* An absolute URL for a page URL value (og:image, ...): resolved against the base and made
 * canonical like the links; null when it is not http(s). */
static void set_url(json_t *record, const char *key, const struct url_base *base, const char *s)
{
    char *u = s ? url_base_resolve(base, s) : NULL;
    json_t *v = u ? json_string(u) : NULL;
    json_object_set_new(record, key, v ? v : json_null());
    free(u);
}

/* True when a and b are the same text, ignoring case of ASCII letters. */
static bool same_text(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

/* JSON-LD name or headline: both usually hold the headline, but some sites put a short
 * description in one of them (Wikipedia's "headline"). The one the page shows (the <title>
 * contains it, or an <h1> is it) wins; headline when both or neither do. */
static const char *ld_title(const struct ld_article *ld, const char *title, char **h1, size_t nh1)
{
    const char *hl = ld->headline, *nm = ld->name;
    if (!hl || !nm || strcmp(hl, nm) == 0)
        return hl ? hl : nm;
    bool hl_shown = false, nm_shown = false;
    for (size_t i = 0; i < nh1; i++) {
        hl_shown = hl_shown || same_text(h1[i], hl);
        nm_shown = nm_shown || same_text(h1[i], nm);
    }
    if (title) {
        hl_shown = hl_shown || strstr(title, hl);
        nm_shown = nm_shown || strstr(title, nm);
    }
    return nm_shown && !hl_shown ? nm : hl;
}

void walk_set_found(json_t *record, struct walk *w, const char *final_url, size_t max_links)
{
    if (!w->copy) /* tree: read the grabbed elements' texts now */
        for (unsigned i = 0; i < w->ng; i++)
            if (!w->g[i].dead && w->g[i].node)
                text_add_node(&w->g[i].text, w->g[i].node);

    char *title = grab_take(w, w->title_grab);
    char *h1[WALK_MAX_H1];
    size_t nh1 = 0;
    const char *scripts[WALK_MAX_LD];
    char *script_own[WALK_MAX_LD];
    size_t nld = 0;
    char *byline = NULL;
    for (unsigned i = 0; i < w->ng; i++) {
        struct grab *g = &w->g[i];
        if (g->kind == GRAB_H1 && nh1 < WALK_MAX_H1) {
            char *s = grab_take(w, (int)i);
            if (s)
                h1[nh1++] = s;
        } else if (g->kind == GRAB_LD && nld < WALK_MAX_LD) {
            char *s = grab_take(w, (int)i);
            if (s) {
                script_own[nld] = s;
                scripts[nld++] = s;
            }
        } else if (g->kind == GRAB_BYLINE && !byline) {
            byline = byline_clean(grab_take(w, (int)i));
        }
    }
    char *rel_author = rel_authors(w);
    struct ld_article ld;
    ld_article_read(&ld, scripts, nld);

    /* title and site_name */
    const char *site = w->f[F_SITE].str ? w->f[F_SITE].str : ld.publisher;
    char *removed = NULL, *cleaned = NULL;
    const char *head = ld.found ? ld_title(&ld, title, h1, nh1) : NULL;
    if (!head || !has_text(head)) {
        head = w->f[F_TITLE].str;
        /* og:title and friends as the publisher wrote them, less the site's own name when
         * the page names the site and the headline carries it ("Storm hits | The Gazette") */
        if (head && site && (cleaned = meta_strip_site(head, site)))
            head = cleaned;
    }
    /* A headline the publisher gave apart (JSON-LD, og:title): a <title> that is it with
     * the site beside it names the site. */
    if (!site && head && has_text(head) && title)
        removed = meta_site_from_title(title, head);
    if ((!head || !has_text(head)) && title) {
        free(cleaned);
        cleaned = meta_clean_title(title, site, (const char *const *)h1, nh1, &removed);
        head = cleaned;
    }
    if ((!head || !has_text(head)) && nh1 > 0)
        head = h1[0];
    set_str(record, "title", head);
    set_str(record, "site_name", site ? site : removed);

    /* description, lang */
    set_str(record, "description",
            w->f[F_DESCRIPTION].str ? w->f[F_DESCRIPTION].str : ld.description);
    set_str(record, "lang", w->f[F_LANG].str);

    /* author */
    const struct pick *pa = &w->f[F_AUTHOR];
    char *author = NULL;
    if (ld.author)
        author = strdup(ld.author);
    else if (pa->str && pa->rank <= 5) /* dc.creator, meta author, article:author */
        author = strdup(pa->str);
    else if (rel_author) {
        author = rel_author;
        rel_author = NULL;
    } else if (pa->grab >= 0) /* itemprop=author */
        author = byline_clean(grab_take(w, pa->grab));
    else if (pa->str)
        author = strdup(pa->str);
    if (!author) {
        author = byline;
        byline = NULL;
    }
    set_str(record, "author", author);
    free(author);

    /* dates */
    set_date(record, "published", ld.published, w, F_PUBLISHED);
    set_date(record, "modified", ld.modified, w, F_MODIFIED);

    struct url_base *page = url_base_new(final_url ? final_url : "", NULL, 0);
    struct url_base *base = page;
    if (w->f[F_BASE].str) {
        char *b = url_base_resolve(page, w->f[F_BASE].str);
        struct url_base *nb = b ? url_base_new(b, NULL, 0) : NULL;
        free(b);
        if (nb)
            base = nb;
    }
    json_object_set_new(record, "canonical", json_null());
    if (w->f[F_CANONICAL].str) {
        char *c = url_base_resolve(base, w->f[F_CANONICAL].str);
        json_t *v = c ? json_string(c) : NULL;
        if (v)
            json_object_set_new(record, "canonical", v);
        free(c);
    }
    const struct pick *pi = &w->f[F_IMAGE];
    set_url(record, "image", base,
            pi->str && pi->rank <= 3 ? pi->str : ld.image ? ld.image : pi->str);

    json_t *feeds = json_array();
    struct strset fseen = {NULL, 0, 0};
    char *fkeep[EXTRACT_MAX_FEEDS];
    size_t nkeep = 0;
    for (size_t i = 0; i < w->nfeeds && feeds; i++) {
        char *u = url_base_resolve(base, w->feeds[i]);
        if (!u)
            continue;
        if (strset_add(&fseen, u, strlen(u)) != 1) {
            free(u);
            continue;
        }
        fkeep[nkeep++] = u;
        json_t *v = json_string(u);
        if (v)
            json_array_append_new(feeds, v);
    }
    for (size_t i = 0; i < nkeep; i++)
        free(fkeep[i]);
    free(fseen.slot);
    json_object_set_new(record, "feeds", feeds ? feeds : json_array());

    add_links(record, w, base, max_links);
    if (base != page)
        url_base_free(base);
    url_base_free(page);

    ld_article_cleanup(&ld);
    free(title);
    free(cleaned);
    free(removed);
    free(rel_author);
    free(byline);
    for (size_t i = 0; i < nh1; i++)
        free(h1[i]);
    for (size_t i = 0; i < nld; i++)
        free(script_own[i]);
}

void walk_init(struct walk *w, bool copy)
{
    memset(w, 0, sizeof(*w));
    w->copy = copy;
    w->title_grab = -1;
    for (int f = 0; f < F_N; f++)
        w->f[f].grab = -1;
}

void walk_cleanup(struct walk *w)
{
    for (int f = 0; f < F_N; f++)
        free(w->f[f].own);
    for (unsigned i = 0; i < w->ng; i++)
        free(w->g[i].text.p);
    for (size_t i = 0; i < w->nfeeds; i++)
        free(w->feeds[i]);
    free(w->hrefs);
    free(w->arena);
}
