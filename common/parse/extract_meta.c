/* extract_meta.c -- what the metadata cascades need beyond the walk: the JSON-LD Article
 * (jansson, with the repairs that the JSON pages actually ship needs) and the headline
 * inside a <title>. */
#define _GNU_SOURCE /* strcasestr */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract_walk.h"

#define LD_MAX_DEPTH 16 /* how deep into @graph / mainEntity / arrays we look */

/* ---- JSON-LD ---------------------------------------------------------------------------- */

/* schema.org types whose object describes the page's article. */
static const char *const article_types[] = {
    "Article",          "NewsArticle",           "BlogPosting",
    "Report",           "AnalysisNewsArticle",   "AskPublicNewsArticle",
    "BackgroundNewsArticle", "OpinionNewsArticle", "ReportageNewsArticle",
    "ReviewNewsArticle", "SatiricalArticle",     "ScholarlyArticle",
    "MedicalScholarlyArticle", "SocialMediaPosting", "LiveBlogPosting",
    "DiscussionForumPosting", "TechArticle",     "APIReference",
    "AdvertiserContentArticle", "Review",
};

static bool type_is_article(const char *t)
{
    if (!t)
        return false;
    const char *slash = strrchr(t, '/'); /* "http://schema.org/NewsArticle" */
    const char *colon = strrchr(t, ':'); /* "schema:NewsArticle" */
    if (slash && (!colon || slash > colon))
        t = slash + 1;
    else if (colon)
        t = colon + 1;
    for (size_t i = 0; i < sizeof(article_types) / sizeof(article_types[0]); i++)
        if (strcmp(t, article_types[i]) == 0)
            return true;
    return false;
}

static bool is_article(json_t *o)
{
    json_t *t = json_object_get(o, "@type");
    if (json_is_string(t))
        return type_is_article(json_string_value(t));
    size_t i;
    json_t *v;
    if (json_is_array(t))
        json_array_foreach(t, i, v) if (type_is_article(json_string_value(v))) return true;
    return false;
}

/* The first article object in v, depth first in document order. */
static json_t *find_article(json_t *v, int depth)
{
    if (depth > LD_MAX_DEPTH)
        return NULL;
    size_t i;
    json_t *e;
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            json_t *a = find_article(e, depth + 1);
            if (a)
                return a;
        }
        return NULL;
    }
    if (!json_is_object(v))
        return NULL;
    if (is_article(v))
        return v;
    static const char *const keys[] = {"@graph", "mainEntity", "mainEntityOfPage", "hasPart"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        json_t *a = find_article(json_object_get(v, keys[k]), depth + 1);
        if (a)
            return a;
    }
    return NULL;
}

/* A copy of a string value with its whitespace trimmed, or NULL. */
static char *str_dup(json_t *v)
{
    const char *s = json_string_value(v);
    if (!s)
        return NULL;
    while (*s && text_is_space((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && text_is_space((unsigned char)s[n - 1]))
        n--;
    return n ? strndup(s, n) : NULL;
}

/* A name: a string, or an object's "name"; NULL for anything else. */
static char *name_of(json_t *v)
{
    if (json_is_object(v))
        v = json_object_get(v, "name");
    if (json_is_array(v)) /* "name": ["..."] */
        v = json_array_get(v, 0);
    return str_dup(v);
}

/* Authors: a string, a Person/Organization, or an array of those; joined with ", ". */
static char *authors_of(json_t *v)
{
    size_t cap = 256, len = 0;
    char *out = NULL;
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; i < n && i < 32; i++) {
        char *name = name_of(json_is_array(v) ? json_array_get(v, i) : v);
        if (!name || meta_is_url(name) || (out && strstr(out, name))) {
            free(name);
            continue;
        }
        size_t nl = strlen(name);
        if (!out || len + nl + 3 > cap) {
            while (len + nl + 3 > cap)
                cap *= 2;
            char *p = realloc(out, cap);
            if (!p) {
                free(name);
                break;
            }
            out = p;
        }
        if (len) {
            memcpy(out + len, ", ", 2);
            len += 2;
        }
        memcpy(out + len, name, nl + 1);
        len += nl;
        free(name);
    }
    return out;
}

/* An image: a URL string, an ImageObject's "url" (or "contentUrl"), or the first of an
 * array of those. */
static char *image_of(json_t *v)
{
    if (json_is_array(v))
        v = json_array_get(v, 0);
    if (json_is_object(v)) {
        json_t *u = json_object_get(v, "url");
        v = u ? u : json_object_get(v, "contentUrl");
    }
    return str_dup(v);
}

/* The usual damage in JSON-LD as pages ship it, repaired: an HTML comment or CDATA wrapper,
 * raw control characters (newlines, tabs) inside strings, trailing commas before } or ],
 * and a trailing ";". Returns a malloc'd copy, or NULL. */
static char *ld_repair(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 6 + 1); /* a control byte becomes \u00XX */
    if (!out)
        return NULL;
    while (*s && text_is_space((unsigned char)*s))
        s++;
    static const char *const heads[] = {"<!--", "//<![CDATA[", "<![CDATA["};
    for (size_t i = 0; i < 3; i++)
        if (strncmp(s, heads[i], strlen(heads[i])) == 0)
            s += strlen(heads[i]);
    size_t o = 0;
    bool in_str = false, esc = false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (in_str) {
            if (esc) {
                esc = false;
            } else if (c == '\\') {
                esc = true;
            } else if (c == '"') {
                in_str = false;
            } else if (c < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out[o++] = '\\';
                if (c == '\n' || c == '\r' || c == '\t') {
                    out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
                } else {
                    memcpy(out + o, "u00", 3);
                    o += 3;
                    out[o++] = hex[c >> 4];
                    out[o++] = hex[c & 15];
                }
                continue;
            }
            out[o++] = (char)c;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == ',') {
            const char *p = s + 1;
            while (*p && text_is_space((unsigned char)*p))
                p++;
            if (*p == '}' || *p == ']')
                continue; /* a trailing comma */
        }
        out[o++] = (char)c;
    }
    /* Trailing wrappers and semicolons. */
    while (o > 0) {
        while (o > 0 && text_is_space((unsigned char)out[o - 1]))
            o--;
        static const char *const tails[] = {"-->", "//]]>", "]]>", ";"};
        bool cut = false;
        for (size_t i = 0; i < 4 && !cut; i++) {
            size_t tl = strlen(tails[i]);
            if (o >= tl && memcmp(out + o - tl, tails[i], tl) == 0) {
                o -= tl;
                cut = true;
            }
        }
        if (!cut)
            break;
    }
    out[o] = '\0';
    return out;
}

static json_t *ld_parse(const char *s)
{
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
    if (j)
        return j;
    char *fixed = ld_repair(s);
    if (fixed)
        j = json_loads(fixed, JSON_DECODE_ANY, &err);
    free(fixed);
    return j;
}

void ld_article_read(struct ld_article *a, const char *const *scripts, size_t n)
{
    memset(a, 0, sizeof(*a));
    for (size_t i = 0; i < n && !a->found; i++) {
        json_t *j = ld_parse(scripts[i]);
        json_t *art = j ? find_article(j, 0) : NULL;
        if (art) {
            a->found = true;
            a->headline = str_dup(json_object_get(art, "headline"));
            a->name = str_dup(json_object_get(art, "name"));
            a->author = authors_of(json_object_get(art, "author"));
            if (!a->author)
                a->author = authors_of(json_object_get(art, "creator"));
            a->published = str_dup(json_object_get(art, "datePublished"));
            if (!a->published)
                a->published = str_dup(json_object_get(art, "dateCreated"));
            a->modified = str_dup(json_object_get(art, "dateModified"));
            a->publisher = name_of(json_object_get(art, "publisher"));
            a->image = image_of(json_object_get(art, "image"));
            if (!a->image)
                a->image = image_of(json_object_get(art, "thumbnailUrl"));
            a->description = str_dup(json_object_get(art, "description"));
        }
        json_decref(j);
    }
}

void ld_article_cleanup(struct ld_article *a)
{
    free(a->headline);
    free(a->name);
    free(a->author);
    free(a->published);
    free(a->modified);
    free(a->publisher);
    free(a->image);
    free(a->description);
    memset(a, 0, sizeof(*a));
}

bool meta_is_url(const char *s)
{
    if (!s)
        return false;
    while (*s && text_is_space((unsigned char)*s))
        s++;
    if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0 &&
        strncmp(s, "//", 2) != 0 && strncasecmp(s, "www.", 4) != 0)
        return false;
    for (; *s; s++)
        if (*s == ' ')
            return false;
    return true;
}

/* ---- the headline in a <title> ---------------------------------------------------------- */

/* Separators between a headline and the site or section: " | ", " - ", " – ", " — ",
 * " :: ", " » ". Not ": " ("Daring Fireball: Colophon" is one name) nor " · ". */
static const char *const separators[] = {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ",
                                         " :: ", " \xC2\xBB "};

/* Length of the separator at s, or 0. */
static size_t sep_at(const char *s)
{
    for (size_t i = 0; i < sizeof(separators) / sizeof(separators[0]); i++) {
        size_t n = strlen(separators[i]);
        if (strncmp(s, separators[i], n) == 0)
            return n;
    }
    return 0;
}

static size_t count_words(const char *s, size_t n)
{
    size_t words = 0;
    bool in = false;
    for (size_t i = 0; i < n; i++) {
        bool sp = s[i] == ' ';
        if (!sp && !in)
            words++;
        in = !sp;
    }
    return words;
}

static char *span_dup(const char *s, size_t n)
{
    while (n > 0 && s[0] == ' ')
        s++, n--;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return strndup(s, n);
}

/* Length of a separator that ends at title + end, or 0. */
static size_t sep_before(const char *title, size_t end)
{
    for (size_t i = 0; i < sizeof(separators) / sizeof(separators[0]); i++) {
        size_t n = strlen(separators[i]);
        if (end >= n && strncmp(title + end - n, separators[i], n) == 0)
            return n;
    }
    return 0;
}

/* Title minus its "sep site" suffixes (every copy: "X | Example | Example") or a "site sep"
 * prefix (case-insensitive). */
static bool strip_site(const char *title, const char *site, char **head, char **removed)
{
    size_t tl = strlen(title), sl = strlen(site);
    if (sl == 0 || sl >= tl)
        return false;
    size_t end = tl;
    while (end > sl && strncasecmp(title + end - sl, site, sl) == 0) {
        size_t n = sep_before(title, end - sl);
        if (!n || end - sl == n)
            break; /* no separator before it, or nothing before the separator */
        end -= sl + n;
    }
    if (end < tl) {
        *head = span_dup(title, end);
        *removed = span_dup(title + tl - sl, sl);
        return true;
    }
    if (strncasecmp(title, site, sl) == 0) {
        size_t n = sep_at(title + sl);
        if (n && title[sl + n]) {
            *head = span_dup(title + sl + n, tl - sl - n);
            *removed = span_dup(title, sl);
            return true;
        }
    }
    return false;
}

char *meta_strip_site(const char *headline, const char *site)
{
    char *head = NULL, *removed = NULL;
    if (!strip_site(headline, site, &head, &removed))
        return NULL;
    free(removed);
    return head;
}

/* A part of the title between separators: [start, end), spaces included. */
struct span {
    size_t start, end;
};

#define TITLE_MAX_SPANS 8

/* Splits title at its separators; returns the number of spans (1 when there is none).
 * Past TITLE_MAX_SPANS the middle spans merge: the first and the last stay exact. */
static size_t title_spans(const char *title, struct span *sp)
{
    size_t n = 0, start = 0, tl = strlen(title);
    for (size_t i = 0; i < tl; i++) {
        size_t sl = sep_at(title + i);
        if (!sl)
            continue;
        if (n + 1 < TITLE_MAX_SPANS)
            sp[n++] = (struct span){start, i};
        else
            sp[n - 1].end = i;
        start = i + sl;
        i += sl - 1;
    }
    sp[n++] = (struct span){start, tl};
    return n;
}

/* The span without its spaces equals s (case-insensitive when nocase). */
static bool span_is(const char *title, struct span sp, const char *s, bool nocase)
{
    while (sp.start < sp.end && title[sp.start] == ' ')
        sp.start++;
    while (sp.end > sp.start && title[sp.end - 1] == ' ')
        sp.end--;
    size_t n = sp.end - sp.start;
    if (strlen(s) != n)
        return false;
    return nocase ? strncasecmp(title + sp.start, s, n) == 0
                  : memcmp(title + sp.start, s, n) == 0;
}

/* The span an <h1> of the page repeats ("Headline - Section - Site" with <h1>Headline), or
 * -1. Only when it is the longest span and not the site: a logo in an <h1> repeats the
 * site's span, and the headline is the longest part of a title. */
static int h1_span(const char *title, const struct span *sp, size_t n, const char *site,
                   const char *const *h1, size_t nh1)
{
    for (size_t i = 0; i < n; i++) {
        bool shown = false;
        for (size_t k = 0; k < nh1 && !shown; k++)
            shown = span_is(title, sp[i], h1[k], false);
        if (!shown || (site && span_is(title, sp[i], site, true)))
            continue;
        for (size_t j = 0; j < n; j++)
            if (j != i && sp[j].end - sp[j].start >= sp[i].end - sp[i].start)
                return -1;
        return (int)i;
    }
    return -1;
}

char *meta_site_from_title(const char *title, const char *headline)
{
    size_t tl = strlen(title), hl = strlen(headline), n;
    if (hl == 0 || hl >= tl)
        return NULL;
    const char *rest = NULL;
    size_t rest_len = 0;
    if (strncasecmp(title, headline, hl) == 0 && (n = sep_at(title + hl))) {
        /* "Headline | Section | Site": the site is the last part */
        rest = title + hl + n;
        rest_len = tl - hl - n;
        for (size_t i = rest_len; i-- > 0;)
            if ((n = sep_at(rest + i))) {
                rest_len -= i + n;
                rest += i + n;
                break;
            }
    } else if (strcasecmp(title + tl - hl, headline) == 0 && (n = sep_before(title, tl - hl))) {
        /* "Site | Section | Headline": the site is the first part */
        rest = title;
        rest_len = tl - hl - n;
        for (size_t i = 0; i < rest_len; i++)
            if (sep_at(rest + i)) {
                rest_len = i;
                break;
            }
    }
    char *site = rest ? span_dup(rest, rest_len) : NULL;
    if (site && !site[0]) {
        free(site);
        site = NULL;
    }
    return site;
}

char *meta_clean_title(const char *title, const char *site, const char *const *h1, size_t nh1,
                       char **removed)
{
    *removed = NULL;
    size_t tl = strlen(title);
    char *head = NULL;
    /* The page's own <h1> is the headline when the title is that plus a site part. */
    for (size_t i = 0; i < nh1; i++) {
        size_t hl = strlen(h1[i]);
        if (hl == tl && strcmp(h1[i], title) == 0)
            return strdup(title);
    }
    struct span sp[TITLE_MAX_SPANS];
    size_t n = title_spans(title, sp);
    int h = n > 1 ? h1_span(title, sp, n, site, h1, nh1) : -1;
    if (h >= 0) {
        /* The site is at the other end from the headline. */
        const struct span *r = &sp[(size_t)h == n - 1 ? 0 : n - 1];
        *removed = span_dup(title + r->start, r->end - r->start);
        return span_dup(title + sp[h].start, sp[h].end - sp[h].start);
    }
    if (site && strip_site(title, site, &head, removed))
        return head;
    if (n == 1)
        return strdup(title);
    /* No site named, but the last part repeated ("X | News | Example | Example"): that
     * part is the site. */
    if (n > 2) {
        char *last = span_dup(title + sp[n - 1].start, sp[n - 1].end - sp[n - 1].start);
        bool stripped = last && span_is(title, sp[n - 2], last, true) &&
                        strip_site(title, last, &head, removed);
        free(last);
        if (stripped)
            return head;
    }

    /* "Headline | Site": drop the last part; "Site | Headline" (what is left is under three
     * words): drop the first part instead. */
    size_t hs = 0, he = sp[n - 2].end, rs = sp[n - 1].start, re = tl;
    if (count_words(title, he) < 3) {
        hs = sp[1].start;
        he = tl;
        rs = 0;
        re = sp[0].end;
    }
    /* A short remainder (four words or fewer) is more likely a name than a headline
     * ("Mozilla - Wikipedia"): then the whole title stays. Readability does the same, so the
     * corpus's titles (Readability's) follow it. */
    if (count_words(title + hs, he - hs) <= 4)
        return strdup(title);
    head = span_dup(title + hs, he - hs);
    *removed = span_dup(title + rs, re - rs);
    /* A repeated headline ("X - X - Site") counts once. */
    if (head) {
        size_t hl = strlen(head);
        for (size_t i = 1; i + 1 < hl; i++) {
            size_t sl = sep_at(head + i);
            if (sl && hl - i - sl == i && strncmp(head, head + i + sl, i) == 0) {
                head[i] = '\0';
                break;
            }
        }
    }
    return head;
}
