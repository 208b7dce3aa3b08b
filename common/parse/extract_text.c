/* extract_text.c -- the article's main text: content scoring over libxml2's tree, then the
 * chosen subtrees written as plain text (see extract_text.h for the method). */
#include "extract_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "text.h"
#include "utf8.h"

#define MIN_PARAGRAPH_CHARS 25 /* a block shorter than this scores nothing */
#define RETRY_BELOW_CHARS 500  /* a result shorter than this is read again, less strictly */
#define SCORE_LEVELS 5         /* ancestors a paragraph's score reaches */
#define TOP_CANDIDATES 5

/* What each pass may do; the retries drop them in this order. */
enum {
    STRIP_UNLIKELY = 1, /* set aside elements whose class/id says boilerplate */
    WEIGHT_CLASSES = 2, /* class/id words add to or take from a container's score */
    CLEAN = 4,          /* drop boilerplate-looking lists, tables and divs in the article */
};

/* Per element, during one pass. */
struct ninfo {
    float score;
    int text_len;    /* characters of text, whitespace runs counted once (skipped parts out) */
    float link_len;  /* of which inside links (0.3 per character for in-page "#" links) */
    int commas;
    int phr_len;     /* text directly in this element or in its inline children */
    int n_p, n_img, n_li, n_input, n_embed, heading_len, list_len;
    bool skip;       /* set aside with its subtree */
    bool block;      /* has a block-level descendant */
    bool scored;     /* a candidate container */
    bool keep;       /* part of the article */
    bool in_article; /* inside a kept subtree */
};

struct ctx {
    struct ninfo *info;
    size_t n;
    const char *title;
    int flags;
};

static struct ninfo *NI(xmlNodePtr n)
{
    return (struct ninfo *)n->_private;
}

static bool name_is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static bool name_in(const char *name, const char *const *list)
{
    for (; *list; list++)
        if ((*list)[0] == name[0] && strcmp(name, *list) == 0)
            return true;
    return false;
}

static const char *attr(xmlNodePtr n, const char *name)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (strcmp((const char *)a->name, name) == 0)
            return a->children && a->children->type == XML_TEXT_NODE && a->children->content
                       ? (const char *)a->children->content
                       : "";
    return NULL;
}

/* True when s contains one of the (lower-case) words, ignoring ASCII case. By hand: class
 * and id values are short and the words few, and strcasestr (with its two-way setup per
 * call) was a tenth of the text extraction (perf). Only the first 256 bytes are read. */
static bool any_word(const char *s, const char *const *words)
{
    if (!s || !*s)
        return false;
    char buf[256];
    size_t n = 0;
    for (; s[n] && n < sizeof(buf); n++)
        buf[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] + 32 : s[n]);
    for (; *words; words++) {
        const char *w = *words;
        size_t wl = strlen(w);
        for (const char *p = buf; wl <= n - (size_t)(p - buf);) {
            const char *hit = memchr(p, w[0], n - (size_t)(p - buf) - wl + 1);
            if (!hit)
                break;
            if (memcmp(hit, w, wl) == 0)
                return true;
            p = hit + 1;
        }
    }
    return false;
}

/* ---- what the class and id say ---------------------------------------------------------- */

/* Never the article, whatever it holds (with STRIP_UNLIKELY). */
static const char *const unlikely_words[] = {
    "-ad-",      "ai2html",    "banner",    "breadcrumb", "combx",      "comment",
    "community", "cover-wrap", "disqus",    "extra",      "footer",     "gdpr",
    "header",    "legends",    "menu",      "related",    "remark",     "replies",
    "rss",       "shoutbox",   "sidebar",   "skyscraper", "social",     "sponsor",
    "supplemental", "ad-break", "agegate",  "pagination", "pager",      "popup",
    "yom-remote", "cookie",    "consent",   "newsletter", NULL};
/* ... unless one of these says it may be (a "main-header-content" wrapper). */
static const char *const maybe_words[] = {"and",  "article", "body",   "column",
                                          "content", "main", "mathjax", "shadow", NULL};
static const char *const negative_words[] = {
    "-ad-",   "hidden",  "banner",   "combx",   "comment", "com-",    "contact",
    "footer", "gdpr",    "masthead", "media",   "meta",    "outbrain", "promo",
    "related", "scroll", "share",    "shoutbox", "sidebar", "skyscraper", "sponsor",
    "shopping", "tags",  "widget",   NULL};
static const char *const positive_words[] = {"article", "body",  "content", "entry",
                                             "hentry",  "h-entry", "main",  "page",
                                             "pagination", "post", "text",  "blog",
                                             "story",   NULL};
static const char *const byline_words[] = {"byline", "author", "dateline", "writtenby", NULL};
/* Boilerplate in every pass when short (under RETRY_BELOW_CHARS): share buttons, cookie
 * banners, "related" boxes, newsletter sign-ups. */
static const char *const share_words[] = {"share",   "sharing", "sharedaddy", "social",
                                          "cookie",  "consent", "gdpr",       "newsletter",
                                          "related", "promo",   NULL};

static int class_weight(xmlNodePtr n, int flags)
{
    if (!(flags & WEIGHT_CLASSES))
        return 0;
    int w = 0;
    const char *vals[2] = {attr(n, "class"), attr(n, "id")};
    for (int i = 0; i < 2; i++) {
        if (!vals[i] || !*vals[i])
            continue;
        if (any_word(vals[i], negative_words))
            w -= 25;
        if (any_word(vals[i], positive_words))
            w += 25;
    }
    return w;
}

/* ---- element kinds ---------------------------------------------------------------------- */

/* Never content. */
static const char *const drop_tags[] = {
    "script", "style",  "noscript", "template", "iframe", "svg",    "button", "input",
    "select", "textarea", "object", "embed",    "canvas", "head",   "title",  "link",
    "meta",   "nav",    "aside",    "footer",   "dialog", "audio",  "video",  "map",
    "frameset", "frame", "option",  "datalist", "source", "track",  "picture", NULL};
/* A div holding one of these is a container, not a paragraph. */
static const char *const block_tags[] = {"blockquote", "dl",    "div",   "img",     "ol",
                                         "p",          "pre",   "table", "ul",      "section",
                                         "article",    "header", "h1",   "h2",      "h3",
                                         "h4",         "h5",    "h6",    "figure",  "main",
                                         "form",       "fieldset", "li", "address", "hr",
                                         NULL};
/* Written as a paragraph of its own (blank line around). */
static const char *const para_tags[] = {
    "p",      "div",   "section", "article", "blockquote", "pre",     "table",  "ul",
    "ol",     "dl",    "figure",  "figcaption", "h1",      "h2",      "h3",     "h4",
    "h5",     "h6",    "header",  "main",    "address",    "hr",      "details", "summary",
    "center", "form",  "fieldset", "caption", "hgroup",    "menu",    "body",   NULL};
/* On a line of its own. */
static const char *const line_tags[] = {"li", "dt", "dd", "tr", "br", "option", "legend", NULL};

static bool is_heading(const char *name)
{
    return name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0';
}

/* ---- traversal -------------------------------------------------------------------------- */

/* The next node in document order after n within root, entering n's children when `down`. */
static xmlNodePtr next_node(xmlNodePtr n, xmlNodePtr root, bool down)
{
    if (down && n->children && n->type == XML_ELEMENT_NODE)
        return n->children;
    while (n && n != root && !n->next)
        n = n->parent;
    if (!n || n == root)
        return NULL;
    return n->next;
}

/* Collapsed length and commas of a text. */
static void measure(const char *s, int *len, int *commas)
{
    int l = 0, c = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (text_is_space(*p)) {
            space = true;
            continue;
        }
        if ((*p & 0xC0) == 0x80)
            continue;
        if (space && l > 0)
            l++;
        space = false;
        l++;
        if (*p == ',')
            c++;
        else if (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8C) /* U+FF0C fullwidth comma */
            c++;
        else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x81) /* U+3001 ideographic comma */
            c++;
    }
    *len = l;
    *commas = c;
}

/* True when n's text is shorter than limit characters (stops counting there). */
static bool text_shorter(xmlNodePtr n, int limit)
{
    int total = 0;
    for (xmlNodePtr c = n->children; c && total < limit; c = next_node(c, n, true)) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            int l, k;
            measure((const char *)c->content, &l, &k);
            total += l;
        }
    }
    return total < limit;
}

/* Lower-case ASCII, whitespace collapsed, into buf. */
static void fold(const char *s, char *buf, size_t cap)
{
    size_t o = 0;
    bool space = false;
    for (; *s && o + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (text_is_space(c)) {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < cap)
            buf[o++] = ' ';
        space = false;
        buf[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    buf[o] = '\0';
}

/* A heading that repeats the title (the same, or one inside the other at 3/4 its length). */
static bool repeats_title(xmlNodePtr n, const char *title)
{
    if (!title || !*title || !text_shorter(n, 2 * (int)strlen(title) + 20))
        return false;
    struct text t;
    text_init(&t, 2000, true);
    text_add_node(&t, n);
    size_t len = 0;
    char *h = text_take(&t, &len);
    if (!h)
        return false;
    char a[2048], b[2048];
    fold(h, a, sizeof(a));
    fold(title, b, sizeof(b));
    free(h);
    size_t la = strlen(a), lb = strlen(b);
    if (la == 0 || lb == 0)
        return false;
    if (strcmp(a, b) == 0)
        return true;
    if (la < lb)
        return la * 4 >= lb * 3 && strstr(b, a);
    return lb * 4 >= la * 3 && strstr(a, b);
}

static bool is_hidden(xmlNodePtr n)
{
    if (attr(n, "hidden"))
        return true;
    const char *aria = attr(n, "aria-hidden");
    if (aria && strcasecmp(aria, "true") == 0)
        return true;
    const char *style = attr(n, "style");
    if (style) {
        char buf[256];
        size_t o = 0;
        for (const char *p = style; *p && o + 1 < sizeof(buf); p++)
            if (!text_is_space((unsigned char)*p))
                buf[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        buf[o] = '\0';
        if (strstr(buf, "display:none") || strstr(buf, "visibility:hidden"))
            return true;
    }
    return false;
}

static bool bad_role(xmlNodePtr n)
{
    static const char *const roles[] = {"menu",   "menubar", "complementary", "navigation",
                                        "alert",  "alertdialog", "dialog",    NULL};
    const char *r = attr(n, "role");
    return r && name_in(r, roles);
}

/* ---- pass 1: what is set aside ---------------------------------------------------------- */

/* n is a heading or inside one. MediaWiki makes a heading's id of its words, so "CEO
 * promotion controversy" names a "promo" box; no share box or banner is a heading. */
static bool in_heading(xmlNodePtr n, xmlNodePtr body)
{
    for (; n && n != body; n = n->parent) {
        const char *name = (const char *)n->name;
        if (n->type == XML_ELEMENT_NODE && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' &&
            name[2] == '\0')
            return true;
    }
    return false;
}

static void mark_skips(struct ctx *c, xmlNodePtr body)
{
    xmlNodePtr n = body;
    while (n) {
        bool down = true;
        if (n->type == XML_ELEMENT_NODE) {
            struct ninfo *ni = NI(n);
            const char *name = (const char *)n->name;
            bool skip = false;
            if (n != body) {
                if (name_in(name, drop_tags) || is_hidden(n) || bad_role(n))
                    skip = true;
                else if ((c->flags & STRIP_UNLIKELY) && strcmp(name, "header") == 0)
                    skip = true;
                else {
                    const char *cls = attr(n, "class"), *id = attr(n, "id");
                    /* Unlikely-class removal spares the insides of tables and code. */
                    bool table_or_code = false;
                    for (xmlNodePtr p = n->parent; !table_or_code && p && p != body;
                         p = p->parent)
                        table_or_code = name_is(p, "table") || name_is(p, "code");
                    if ((c->flags & STRIP_UNLIKELY) && !table_or_code &&
                        strcmp(name, "a") != 0 && strcmp(name, "article") != 0 &&
                        strcmp(name, "main") != 0 &&
                        (any_word(cls, unlikely_words) || any_word(id, unlikely_words)) &&
                        !any_word(cls, maybe_words) && !any_word(id, maybe_words))
                        skip = true;
                    else if ((any_word(cls, byline_words) || any_word(id, byline_words)) &&
                             text_shorter(n, 100))
                        skip = true;
                    else if ((any_word(cls, share_words) || any_word(id, share_words)) &&
                             text_shorter(n, RETRY_BELOW_CHARS) && !in_heading(n, body))
                        skip = true;
                    else if ((strcmp(name, "h1") == 0 || strcmp(name, "h2") == 0) &&
                             (repeats_title(n, c->title) || class_weight(n, c->flags) < 0))
                        skip = true;
                }
            }
            if (skip) {
                ni->skip = true;
                down = false;
            }
        }
        n = next_node(n, body, down);
    }
}

/* ---- pass 2: text measures, bottom-up --------------------------------------------------- */

static void add_child(struct ninfo *p, const struct ninfo *ci, xmlNodePtr child)
{
    p->text_len += ci->text_len;
    p->link_len += ci->link_len;
    p->commas += ci->commas;
    p->n_p += ci->n_p;
    p->n_img += ci->n_img;
    p->n_li += ci->n_li;
    p->n_input += ci->n_input;
    p->n_embed += ci->n_embed;
    p->heading_len += ci->heading_len;
    p->list_len += ci->list_len;
    const char *name = (const char *)child->name;
    if (ci->block || name_in(name, block_tags))
        p->block = true;
    else
        p->phr_len += ci->text_len;
}

static void measure_element(xmlNodePtr e)
{
    struct ninfo *ni = NI(e);
    for (xmlNodePtr ch = e->children; ch; ch = ch->next) {
        if ((ch->type == XML_TEXT_NODE || ch->type == XML_CDATA_SECTION_NODE) && ch->content) {
            int l, k;
            measure((const char *)ch->content, &l, &k);
            ni->text_len += l;
            ni->phr_len += l;
            ni->commas += k;
        } else if (ch->type == XML_ELEMENT_NODE && !NI(ch)->skip) {
            add_child(ni, NI(ch), ch);
        }
    }
    const char *name = (const char *)e->name;
    if (strcmp(name, "a") == 0) {
        const char *href = attr(e, "href");
        ni->link_len = href && href[0] == '#' ? ni->text_len * 0.3f : (float)ni->text_len;
    } else if (strcmp(name, "p") == 0) {
        ni->n_p++;
    } else if (strcmp(name, "img") == 0) {
        ni->n_img++;
    } else if (strcmp(name, "li") == 0) {
        ni->n_li++;
    } else if (strcmp(name, "input") == 0) {
        ni->n_input++;
    } else if (strcmp(name, "embed") == 0 || strcmp(name, "object") == 0 ||
               strcmp(name, "iframe") == 0) {
        ni->n_embed++;
    } else if (is_heading(name)) {
        ni->heading_len = ni->text_len;
    } else if (strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0) {
        ni->list_len = ni->text_len;
    }
}

/* Post-order over body's non-skipped elements. */
static void measure_all(xmlNodePtr body)
{
    xmlNodePtr n = body;
    /* Descend to the first leaf, then: visit, go to next sibling's first leaf, or up. */
    for (;;) {
        while (n->children && !NI(n)->skip) {
            xmlNodePtr ch = n->children;
            while (ch && ch->type != XML_ELEMENT_NODE)
                ch = ch->next;
            if (!ch)
                break;
            n = ch;
        }
        for (;;) {
            if (!NI(n)->skip)
                measure_element(n);
            if (n == body)
                return;
            xmlNodePtr s = n->next;
            while (s && s->type != XML_ELEMENT_NODE)
                s = s->next;
            if (s) {
                n = s;
                break;
            }
            n = n->parent;
        }
    }
}

static float link_density(const struct ninfo *ni)
{
    return ni->text_len > 0 ? ni->link_len / (float)ni->text_len : 0.0f;
}

/* ---- pass 3: scores --------------------------------------------------------------------- */

static void init_candidate(struct ctx *c, xmlNodePtr n)
{
    struct ninfo *ni = NI(n);
    if (ni->scored)
        return;
    ni->scored = true;
    const char *name = (const char *)n->name;
    float s = 0;
    if (strcmp(name, "div") == 0)
        s = 5;
    else if (strcmp(name, "pre") == 0 || strcmp(name, "td") == 0 ||
             strcmp(name, "blockquote") == 0)
        s = 3;
    else if (strcmp(name, "address") == 0 || strcmp(name, "ol") == 0 ||
             strcmp(name, "ul") == 0 || strcmp(name, "dl") == 0 || strcmp(name, "dd") == 0 ||
             strcmp(name, "dt") == 0 || strcmp(name, "li") == 0 || strcmp(name, "form") == 0)
        s = -3;
    else if (is_heading(name) || strcmp(name, "th") == 0)
        s = -5;
    ni->score = s + (float)class_weight(n, c->flags);
}

/* Gives a paragraph's score to its ancestors, starting with `first` (its parent, or the
 * element itself for text directly in a container). */
static void give_score(struct ctx *c, xmlNodePtr first, int len, int commas, xmlNodePtr body)
{
    float score = 1.0f + (float)commas + (float)(len / 100 > 3 ? 3 : len / 100);
    int level = 0;
    for (xmlNodePtr a = first; a && level < SCORE_LEVELS; a = a->parent, level++) {
        if (a->type != XML_ELEMENT_NODE || !a->_private)
            break;
        init_candidate(c, a);
        float div = level == 0 ? 1.0f : level == 1 ? 2.0f : (float)level * 3.0f;
        NI(a)->score += score / div;
        if (a == body)
            break;
    }
}

static void score_all(struct ctx *c, xmlNodePtr body)
{
    static const char *const para[] = {"p", "pre", "td", "h2", "h3", "h4", "h5", "h6", NULL};
    static const char *const leafy[] = {"div", "section", "article", "main", "center",
                                        "font", "span", NULL};
    xmlNodePtr n = body;
    while (n) {
        bool down = true;
        if (n->type == XML_ELEMENT_NODE) {
            struct ninfo *ni = NI(n);
            const char *name = (const char *)n->name;
            if (ni->skip) {
                down = false;
            } else if (name_in(name, para) || (name_in(name, leafy) && !ni->block &&
                                              n->parent && !name_is(n->parent, "p"))) {
                if (ni->text_len >= MIN_PARAGRAPH_CHARS && n != body)
                    give_score(c, n->parent, ni->text_len, ni->commas, body);
                if (strcmp(name, "td") != 0 && strcmp(name, "pre") != 0)
                    down = false; /* nested paragraphs are not scored twice */
                if (name_in(name, leafy))
                    down = false;
            } else if (name_in(name, leafy) && ni->block && ni->phr_len >= MIN_PARAGRAPH_CHARS) {
                /* Text written straight into a container reads as its own paragraph. */
                give_score(c, n, ni->phr_len, 0, body);
            }
        }
        n = next_node(n, body, down);
    }
}

/* ---- pass 4: the article ---------------------------------------------------------------- */

static float final_score(xmlNodePtr n)
{
    struct ninfo *ni = NI(n);
    return ni->score * (1.0f - link_density(ni));
}

static xmlNodePtr pick_top(struct ctx *c, xmlNodePtr body, xmlNodePtr *alts, int *nalts)
{
    xmlNodePtr top[TOP_CANDIDATES] = {NULL};
    float ts[TOP_CANDIDATES] = {0};
    xmlNodePtr n = body;
    while (n) {
        bool down = true;
        if (n->type == XML_ELEMENT_NODE) {
            struct ninfo *ni = NI(n);
            if (ni->skip) {
                down = false;
            } else if (ni->scored) {
                float s = final_score(n);
                ni->score = s;
                for (int k = 0; k < TOP_CANDIDATES; k++) {
                    if (!top[k] || s > ts[k]) {
                        memmove(top + k + 1, top + k, (TOP_CANDIDATES - k - 1) * sizeof(*top));
                        memmove(ts + k + 1, ts + k, (TOP_CANDIDATES - k - 1) * sizeof(*ts));
                        top[k] = n;
                        ts[k] = s;
                        break;
                    }
                }
            }
        }
        n = next_node(n, body, down);
    }
    *nalts = 0;
    for (int k = 1; k < TOP_CANDIDATES && top[k]; k++)
        alts[(*nalts)++] = top[k];
    return top[0];
}

static bool is_ancestor(xmlNodePtr a, xmlNodePtr n)
{
    for (xmlNodePtr p = n->parent; p; p = p->parent)
        if (p == a)
            return true;
    return false;
}

/* Moves up from the best candidate when that finds the real container (see the header). */
static xmlNodePtr climb(xmlNodePtr top, xmlNodePtr body, xmlNodePtr *alts, int nalts)
{
    if (top == body)
        return top;
    float top_score = NI(top)->score;
    /* Several good candidates inside one ancestor: the ancestor is the article. */
    int close = 0;
    for (int k = 0; k < nalts; k++)
        if (NI(alts[k])->score >= top_score * 0.75f)
            close++;
    if (close >= 3) {
        for (xmlNodePtr p = top->parent; p && p != body; p = p->parent) {
            int inside = 0;
            for (int k = 0; k < nalts; k++)
                if (NI(alts[k])->score >= top_score * 0.75f && is_ancestor(p, alts[k]))
                    inside++;
            if (inside >= 3) {
                top = p;
                break;
            }
        }
    }
    /* A parent that scores better, before scores fall too low. */
    float last = NI(top)->score, threshold = last / 3;
    for (xmlNodePtr p = top->parent; p && p != body && p->type == XML_ELEMENT_NODE;
         p = p->parent) {
        struct ninfo *pi = NI(p);
        if (!pi || !pi->scored)
            continue;
        if (pi->score < threshold)
            break;
        if (pi->score > last) {
            top = p;
            break;
        }
        last = pi->score;
    }
    /* An only child: its parent is the same container. */
    while (top != body && top->parent && top->parent != body &&
           top->parent->type == XML_ELEMENT_NODE) {
        int elems = 0;
        for (xmlNodePtr ch = top->parent->children; ch; ch = ch->next)
            if (ch->type == XML_ELEMENT_NODE && !NI(ch)->skip)
                elems++;
        if (elems != 1)
            break;
        top = top->parent;
    }
    return top;
}

static bool sentence_end(xmlNodePtr n)
{
    struct text t;
    text_init(&t, 2000, true);
    text_add_node(&t, n);
    size_t len = 0;
    char *s = text_take(&t, &len);
    bool end = s && (s[len - 1] == '.' || strstr(s, ". "));
    free(s);
    return end;
}

static void keep_siblings(xmlNodePtr top, xmlNodePtr body)
{
    struct ninfo *ti = NI(top);
    ti->keep = true;
    xmlNodePtr parent = top->parent;
    if (top == body || !parent || parent->type != XML_ELEMENT_NODE)
        return;
    float threshold = ti->score * 0.2f > 10 ? ti->score * 0.2f : 10;
    const char *tcls = attr(top, "class");
    for (xmlNodePtr s = parent->children; s; s = s->next) {
        if (s == top || s->type != XML_ELEMENT_NODE || NI(s)->skip)
            continue;
        struct ninfo *si = NI(s);
        float bonus = 0;
        const char *scls = attr(s, "class");
        if (tcls && scls && *tcls && strcmp(tcls, scls) == 0)
            bonus = ti->score * 0.2f;
        if (si->scored && si->score + bonus >= threshold) {
            si->keep = true;
        } else if (name_is(s, "p") || (!si->block && (name_is(s, "div") ||
                                                     name_is(s, "section")))) {
            float ld = link_density(si);
            if (si->text_len > 80 && ld < 0.25f)
                si->keep = true;
            else if (si->text_len > 0 && si->text_len <= 80 && ld == 0 && sentence_end(s))
                si->keep = true;
        }
    }
}

/* ---- pass 5: boilerplate inside the article --------------------------------------------- */

/* Takes a dropped element's measures off its ancestors up to `root`. */
static void subtract(xmlNodePtr n, xmlNodePtr root)
{
    const struct ninfo *ni = NI(n);
    for (xmlNodePtr p = n->parent; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        struct ninfo *pi = NI(p);
        pi->text_len -= ni->text_len;
        pi->link_len -= ni->link_len;
        pi->commas -= ni->commas;
        pi->n_p -= ni->n_p;
        pi->n_img -= ni->n_img;
        pi->n_li -= ni->n_li;
        pi->n_input -= ni->n_input;
        pi->n_embed -= ni->n_embed;
        pi->heading_len -= ni->heading_len;
        pi->list_len -= ni->list_len;
        if (p == root)
            break;
    }
}

static bool has_ancestor(xmlNodePtr n, const char *name, xmlNodePtr root)
{
    for (xmlNodePtr p = n->parent; p && p != root->parent; p = p->parent)
        if (name_is(p, name))
            return true;
    return false;
}

static bool is_data_table(xmlNodePtr t)
{
    const char *role = attr(t, "role");
    if (role && strcmp(role, "presentation") == 0)
        return false;
    for (xmlNodePtr n = t->children; n; n = next_node(n, t, true))
        if (name_is(n, "th") || name_is(n, "caption") || name_is(n, "thead"))
            return true;
    return false;
}

/* Readers' "clean conditionally": true when n looks like boilerplate inside the article. */
static bool looks_like_boilerplate(struct ctx *c, xmlNodePtr n, xmlNodePtr root)
{
    struct ninfo *ni = NI(n);
    const char *name = (const char *)n->name;
    if (has_ancestor(n, "code", root) || has_ancestor(n, "pre", root))
        return false;
    if (strcmp(name, "table") == 0 && is_data_table(n))
        return false;
    int weight = class_weight(n, c->flags | WEIGHT_CLASSES);
    float score = ni->scored ? ni->score : 0;
    if (weight + score < 0)
        return true;
    if (ni->commas >= 10)
        return false;
    bool list = strcmp(name, "ul") == 0 || strcmp(name, "ol") == 0 ||
                (ni->text_len > 0 && ni->list_len * 10 > ni->text_len * 9);
    int p = ni->n_p, img = ni->n_img, li = ni->n_li - 100, input = ni->n_input;
    float ld = link_density(ni);
    float heading = ni->text_len > 0 ? (float)ni->heading_len / (float)ni->text_len : 0;
    bool in_figure = has_ancestor(n, "figure", root);
    if (img > 1 && (float)p / (float)img < 0.5f && !in_figure)
        return true;
    if (!list && li > p)
        return true;
    if (input > p / 3)
        return true;
    if (!list && heading < 0.9f && ni->text_len < 25 && (img == 0 || img > 2) && !in_figure)
        return true;
    if (!list && weight < 25 && ld > 0.2f)
        return true;
    if (weight >= 25 && ld > 0.5f)
        return true;
    if ((ni->n_embed == 1 && ni->text_len < 75) || ni->n_embed > 1)
        return true;
    return false;
}

/* Bottom-up over one kept subtree, so that an inner block is judged (and dropped) before
 * the block holding it. */
static void clean_subtree(struct ctx *c, xmlNodePtr root)
{
    static const char *const judged[] = {"form", "fieldset", "table", "ul", "ol", "div",
                                         "section", NULL};
    xmlNodePtr n = root;
    for (;;) {
        while (n->children && !NI(n)->skip) {
            xmlNodePtr ch = n->children;
            while (ch && ch->type != XML_ELEMENT_NODE)
                ch = ch->next;
            if (!ch)
                break;
            n = ch;
        }
        for (;;) {
            struct ninfo *ni = NI(n);
            if (!ni->skip && n != root && name_in((const char *)n->name, judged) &&
                looks_like_boilerplate(c, n, root)) {
                ni->skip = true;
                subtract(n, root);
            }
            if (n == root)
                return;
            xmlNodePtr s = n->next;
            while (s && s->type != XML_ELEMENT_NODE)
                s = s->next;
            if (s) {
                n = s;
                break;
            }
            n = n->parent;
        }
    }
}

/* ---- pass 6: the text ------------------------------------------------------------------- */

struct out {
    char *p;
    size_t len, cap, max;
    int pending;      /* 0, 1 (newline) or 2 (blank line) before the next character */
    bool space;       /* a space before the next character */
    bool full, oom;
    size_t chars;
};

static bool out_put(struct out *o, const char *s, size_t n)
{
    if (o->full)
        return false;
    if (o->len + n > o->max) {
        o->full = true;
        return false;
    }
    if (!buf_grow(&o->p, &o->cap, o->len + n + 1, 4096)) {
        o->oom = o->full = true;
        return false;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    return true;
}

static void out_text(struct out *o, const char *s, size_t n, bool pre)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !o->full) {
        unsigned char c = u[i];
        if (text_is_space(c) || c == 0x7F) {
            if (pre && c == '\n' && o->len > 0 && o->pending < 1)
                o->pending = 1;
            else
                o->space = true;
            i++;
            continue;
        }
        if (o->len > 0 && o->pending)
            out_put(o, o->pending == 2 ? "\n\n" : "\n", (size_t)o->pending);
        else if (o->len > 0 && o->space)
            out_put(o, " ", 1);
        o->pending = 0;
        o->space = false;
        if (c < 0x80) {
            /* A run of printable ASCII goes out in one copy (one byte a character); what does
             * not fit under max ends the text there, the first character left out counted as
             * the one-at-a-time path counts it. */
            size_t end = i + 1;
            while (end < n && u[end] > ' ' && u[end] < 0x7F)
                end++;
            size_t run = end - i, room = o->full ? 0 : o->max - o->len;
            if (run > room) {
                if (room)
                    out_put(o, s + i, room);
                o->full = true;
                o->chars += room + 1;
                break;
            }
            out_put(o, s + i, run);
            o->chars += run;
            i = end;
            continue;
        }
        const char *bytes;
        size_t blen, k = utf8_next(s + i, n - i, &bytes, &blen);
        out_put(o, bytes, blen);
        o->chars++;
        i += k;
    }
}

static void out_break(struct out *o, int level)
{
    if (o->pending < level)
        o->pending = level;
}

static int break_level(const char *name)
{
    if (name_in(name, para_tags))
        return 2;
    if (name_in(name, line_tags))
        return 1;
    return 0;
}

static void write_subtree(struct out *o, xmlNodePtr root)
{
    int pre = 0;
    xmlNodePtr n = root;
    /* Iterative, with leave events to close blocks. */
    for (;;) {
        bool down = false;
        if (n->type == XML_ELEMENT_NODE && !NI(n)->skip) {
            const char *name = (const char *)n->name;
            int lvl = break_level(name);
            if (lvl)
                out_break(o, lvl);
            else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
                o->space = true;
            if (strcmp(name, "pre") == 0)
                pre++;
            down = n->children != NULL;
            if (!down) {
                if (lvl)
                    out_break(o, lvl);
                if (strcmp(name, "pre") == 0)
                    pre--;
            }
        } else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
                   n->content) {
            out_text(o, (const char *)n->content, strlen((const char *)n->content), pre > 0);
        }
        if (o->full)
            return;
        if (down) {
            n = n->children;
            continue;
        }
        /* Leave n, and every ancestor whose last child it was. */
        for (;;) {
            if (n == root)
                return;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
            const char *name = (const char *)n->name;
            int lvl = break_level(name);
            if (lvl)
                out_break(o, lvl);
            if (strcmp(name, "pre") == 0)
                pre--;
            if (n == root)
                return;
        }
    }
}

/* ---- the passes together ---------------------------------------------------------------- */

static char *one_pass(struct ctx *c, xmlNodePtr body, size_t max_bytes, size_t *len,
                      size_t *chars)
{
    memset(c->info, 0, c->n * sizeof(*c->info));
    mark_skips(c, body);
    measure_all(body);
    score_all(c, body);
    xmlNodePtr alts[TOP_CANDIDATES];
    int nalts = 0;
    xmlNodePtr top = pick_top(c, body, alts, &nalts);
    if (!top)
        return NULL;
    top = climb(top, body, alts, nalts);
    keep_siblings(top, body);
    xmlNodePtr parent = top != body ? top->parent : NULL;
    struct out o = {.max = max_bytes};
    for (xmlNodePtr s = parent ? parent->children : top; s; s = parent ? s->next : NULL) {
        if (s->type != XML_ELEMENT_NODE || !NI(s)->keep)
            continue;
        if (c->flags & CLEAN)
            clean_subtree(c, s);
        write_subtree(&o, s);
        out_break(&o, 2);
        if (o.full)
            break;
    }
    if (o.oom) {
        free(o.p);
        return NULL;
    }
    if (o.full && o.len > 0) {
        /* Cut at the last paragraph, when there is one in the second half. */
        char *cut = NULL;
        for (size_t i = o.len; i > o.len / 2 && i >= 2; i--)
            if (o.p[i - 1] == '\n' && o.p[i - 2] == '\n') {
                cut = o.p + i - 2;
                break;
            }
        if (cut)
            o.len = (size_t)(cut - o.p);
    }
    while (o.len > 0 && (o.p[o.len - 1] == '\n' || o.p[o.len - 1] == ' '))
        o.len--;
    if (o.len == 0) {
        free(o.p);
        return NULL;
    }
    o.p[o.len] = '\0';
    *len = o.len;
    *chars = o.chars;
    return o.p;
}

char *extract_text(xmlDocPtr doc, const char *title, size_t max_bytes, size_t *len)
{
    *len = 0;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root)
        return NULL;
    /* The body, or the root when the page has none. */
    xmlNodePtr body = root;
    for (xmlNodePtr n = root; n; n = next_node(n, root, true))
        if (name_is(n, "body")) {
            body = n;
            break;
        }
    size_t count = 0;
    for (xmlNodePtr n = body; n; n = next_node(n, body, true))
        if (n->type == XML_ELEMENT_NODE)
            count++;
    struct ctx c = {.n = count, .title = title};
    c.info = malloc(count * sizeof(*c.info));
    if (!c.info)
        return NULL;
    size_t i = 0;
    for (xmlNodePtr n = body; n; n = next_node(n, body, true))
        if (n->type == XML_ELEMENT_NODE)
            n->_private = &c.info[i++];
    /* _private of elements outside body stays NULL: the score walk stops there. */

    static const int attempts[] = {STRIP_UNLIKELY | WEIGHT_CLASSES | CLEAN,
                                   WEIGHT_CLASSES | CLEAN, CLEAN, 0};
    char *best = NULL;
    size_t best_len = 0, best_chars = 0;
    for (size_t a = 0; a < sizeof(attempts) / sizeof(attempts[0]); a++) {
        c.flags = attempts[a];
        size_t l = 0, ch = 0;
        char *t = one_pass(&c, body, max_bytes, &l, &ch);
        /* A less strict pass must find clearly more (half again): a little more is
         * usually the boilerplate the stricter pass left out. */
        if (t && (!best || ch > best_chars + best_chars / 2)) {
            free(best);
            best = t;
            best_len = l;
            best_chars = ch;
        } else {
            free(t);
        }
        if (best && (best_chars >= RETRY_BELOW_CHARS || best_len >= max_bytes / 2))
            break;
    }
    for (xmlNodePtr n = body; n; n = next_node(n, body, true))
        if (n->type == XML_ELEMENT_NODE)
            n->_private = NULL;
    free(c.info);
    *len = best_len;
    return best;
}
