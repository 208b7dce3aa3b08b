/* extract_walk.c -- the visitor both parsers feed (one element at a time, in document
 * order), and the record fields made from what it found. */
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
        i = strcmp(name, "content") == 0 ? A_CONTENT : -1;
        break;
    case 'd':
        i = strcmp(name, "datetime") == 0 ? A_DATETIME : -1;
        break;
    case 'h':
        i = strcmp(name, "href") == 0 ? A_HREF : -1;
        break;
    case 'i':
        i = strcmp(name, "itemprop") == 0 ? A_ITEMPROP : -1;
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

/* Offers a candidate to field `field`; returns true when it won (so far). */
static bool offer(struct walk *w, int field, int rank, const char *str, bool elem)
{
    struct pick *p = &w->f[field];
    if (!((has_text(str) || elem) && (!(p->str || p->elem) || rank < p->rank)))
        return false;
    free(p->own);
    p->own = NULL;
    p->str = NULL;
    p->node = NULL;
    p->elem = elem;
    p->rank = rank;
    if (elem)
        return true;
    if (w->copy) {
        p->own = strdup(str);
        if (!p->own) {
            w->oom = true;
            p->rank = INT_MAX; /* no candidate */
            return false;
        }
        p->str = p->own;
    } else {
        p->str = str;
    }
    return true;
}

/* Metadata names and what they feed, by rank (lower wins). */
struct meta_key {
    const char *name;
    int field, rank;
};

static const struct meta_key meta_keys[] = {
    {"og:title", F_TITLE, 1},
    {"twitter:title", F_TITLE, 2},
    {"dc.title", F_TITLE, 3},
    {"dc:title", F_TITLE, 3},
    {"dcterms.title", F_TITLE, 3},
    {"parsely-title", F_TITLE, 4},
    {"description", F_DESCRIPTION, 0},
    {"og:description", F_DESCRIPTION, 1},
    {"article:published_time", F_PUBLISHED, 0},
    {"datepublished", F_PUBLISHED, 1},
    {"date", F_PUBLISHED, 2},
    {"pubdate", F_PUBLISHED, 2},
    {"publishdate", F_PUBLISHED, 2},
    {"dc.date", F_PUBLISHED, 3},
    {"dc.date.issued", F_PUBLISHED, 3},
    {"dcterms.date", F_PUBLISHED, 3},
    {"dcterms.issued", F_PUBLISHED, 3},
    {"author", F_AUTHOR, 0},
    {"article:author", F_AUTHOR, 1},
    {"dc.creator", F_AUTHOR, 2},
    {"dcterms.creator", F_AUTHOR, 2},
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
        for (size_t k = 0; k < sizeof(meta_keys) / sizeof(meta_keys[0]); k++)
            if (has_token(lists[l], meta_keys[k].name))
                offer(w, meta_keys[k].field, meta_keys[k].rank, t->a[A_CONTENT], false);
    }
}

/* Microdata: itemprop="datePublished" / "author" on any element. Returns the TEXT_* bits of
 * the fields that this element's text now feeds. */
static unsigned on_itemprop(struct walk *w, const struct tag *t)
{
    bool date = has_token(t->a[A_ITEMPROP], "datePublished");
    bool author = has_token(t->a[A_ITEMPROP], "author");
    if (!date && !author)
        return 0;
    const char *v = t->a[A_CONTENT];
    if (!v && date)
        v = t->a[A_DATETIME];
    unsigned bits = 0;
    if (date && offer(w, F_PUBLISHED, 1, v, !v) && !v)
        bits |= TEXT_PUBLISHED;
    if (author && offer(w, F_AUTHOR, 3, v, !v) && !v)
        bits |= TEXT_AUTHOR;
    return bits;
}

unsigned walk_tag(struct walk *w, const struct tag *t, bool in_svg)
{
    unsigned bits = 0;
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
        break;
    case 'l':
        if (tag_is(t, "link", 4) && !w->f[F_CANONICAL].str && t->a[A_REL] &&
            has_token(t->a[A_REL], "canonical"))
            offer(w, F_CANONICAL, 0, t->a[A_HREF], false);
        break;
    case 'm':
        if (tag_is(t, "meta", 4))
            on_meta(w, t);
        break;
    case 't':
        if (tag_is(t, "title", 5) && !w->title_seen && !in_svg) {
            w->title_seen = true;
            bits |= TEXT_TITLE;
        }
        break;
    default:
        break;
    }
    if (t->has_attrs && t->a[A_ITEMPROP])
        bits |= on_itemprop(w, t);
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

void walk_set_found(json_t *record, struct walk *w, const char *final_url, size_t max_links)
{
    static const int text_fields[] = {F_TITLE, F_DESCRIPTION, F_PUBLISHED, F_AUTHOR, F_LANG};
    static const char *const text_keys[] = {"title", "description", "published", "author",
                                            "lang"};
    for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
        int f = text_fields[i];
        const struct pick *p = &w->f[f];
        struct text t;
        text_init(&t, EXTRACT_MAX_TEXT_CHARS, true);
        if (f == F_TITLE && w->title_seen) {
            if (w->copy) {
                t = w->text[F_TITLE];
                memset(&w->text[F_TITLE], 0, sizeof(w->text[F_TITLE]));
            } else {
                text_add_node(&t, w->title_node);
            }
        }
        if (t.kept_len == 0) { /* an empty <title> falls back to og:title */
            if (p->elem) {
                if (w->copy) {
                    free(t.p);
                    t = w->text[f];
                    memset(&w->text[f], 0, sizeof(w->text[f]));
                } else {
                    text_add_node(&t, p->node);
                }
            } else if (p->str) {
                text_add(&t, p->str, strlen(p->str));
            }
        }
        text_set_json(record, text_keys[i], &t);
    }

    struct url_base *page = url_base_new(final_url ? final_url : "", NULL, 0);
    struct url_base *base = page;
    if (w->f[F_BASE].str) {
        char *b = url_base_resolve(page, w->f[F_BASE].str);
        struct url_base *nb = b ? url_base_new(b, NULL, 0) : NULL;
        free(b);
        if (nb)
            base = nb;
    }
    if (w->f[F_CANONICAL].str) {
        char *c = url_base_resolve(base, w->f[F_CANONICAL].str);
        json_t *v = c ? json_string(c) : NULL;
        if (v)
            json_object_set_new(record, "canonical", v);
        free(c);
    }
    add_links(record, w, base, max_links);
    if (base != page)
        url_base_free(base);
    url_base_free(page);
}

void walk_cleanup(struct walk *w)
{
    for (int f = 0; f < F_N; f++) {
        free(w->f[f].own);
        free(w->text[f].p);
    }
    free(w->hrefs);
    free(w->arena);
}
