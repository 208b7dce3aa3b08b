/* feed_xml.c -- RSS (0.9x, 1.0 RDF, 2.0) and Atom (0.3, 1.0) documents to the feed JSON:
 * one pass over the children of the channel or feed, and of each item or entry. */
#include "feed_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- fields of one item ------------------------------------------------------------------ */

/* Candidates for one item, best kept: several elements may give the same field. */
struct fields {
    xmlNodePtr title, link_el, summary, content, id_el, published, updated, author;
    int link_rank, id_rank, published_rank, updated_rank, author_rank, title_rank;
    const char *link_href;  /* the href of link_el when it came from an attribute */
    const char *id_attr;    /* rdf:about, used when no guid or dc:identifier */
    xmlNodePtr id_attr_el;
    bool atom;              /* an Atom entry: text constructs, link rel rules */
};

/* Keeps el in *slot when rank beats the current one (lower is better; first wins ties). */
static void offer(xmlNodePtr *slot, int *slot_rank, xmlNodePtr el, int rank)
{
    if (!*slot || rank < *slot_rank) {
        *slot = el;
        *slot_rank = rank;
    }
}

static json_t *text_json_of(xmlNodePtr el, bool atom, size_t max_chars)
{
    struct text t;
    text_init(&t, max_chars, true);
    if (atom)
        feed_text_construct(&t, el);
    else
        feed_text_of(&t, el, FEED_TEXT_HTML);
    size_t len = 0;
    char *s = text_take(&t, &len);
    json_t *v = s ? json_stringn_nocheck(s, len) : NULL;
    free(s);
    return v ? v : json_null();
}

/* Is "rss core": no namespace, an RSS one, or the namespace of the root element (feeds that
 * put a default namespace on <rss>). */
static bool core(xmlNodePtr n, xmlNodePtr root)
{
    enum feed_ns ns = feed_ns_of(n);
    if (ns == NS_NONE || ns == NS_RSS)
        return true;
    return n->ns && root->ns && n->ns == root->ns && ns == NS_OTHER;
}

static bool is_atom_ns(xmlNodePtr n)
{
    enum feed_ns ns = feed_ns_of(n);
    return ns == NS_ATOM || ns == NS_ATOM03;
}

static void add_category(json_t *cats, json_t *v)
{
    if (!json_is_string(v) || json_array_size(cats) >= FEED_MAX_CATEGORIES) {
        json_decref(v);
        return;
    }
    for (size_t i = 0; i < json_array_size(cats); i++)
        if (json_equal(json_array_get(cats, i), v)) {
            json_decref(v);
            return;
        }
    json_array_append_new(cats, v);
}

static void add_enclosure(struct feed_ctx *c, json_t *encs, xmlNodePtr el, const char *url,
                          const char *type, const char *length)
{
    if (json_array_size(encs) >= FEED_MAX_ENCLOSURES)
        return;
    json_t *u = feed_link_json(c, el, url);
    if (json_is_null(u)) {
        json_decref(u);
        return;
    }
    json_t *e = json_object();
    feed_set(e, "url", u);
    json_t *ty = NULL;
    if (type && *type) {
        struct text t;
        text_init(&t, FEED_MAX_FIELD_CHARS, true);
        text_add(&t, type, strlen(type));
        ty = text_json(&t);
    }
    feed_set(e, "type", ty);
    json_t *len = NULL;
    if (length) {
        char *end = NULL;
        while (*length && text_is_space((unsigned char)*length)) /* NUL counts as space */
            length++;
        long long v = strtoll(length, &end, 10);
        if (end != length && v >= 0 && (*end == '\0' || text_is_space((unsigned char)*end)))
            len = json_integer(v);
    }
    feed_set(e, "length", len);
    json_array_append_new(encs, e);
}

/* An Atom <link>: rel absent or "alternate" is the item's link (rank 0; one of type
 * text/html first), "enclosure" an enclosure, and any other rel but self/edit/replies/hub a
 * last resort (rank 3). */
static void atom_link(struct feed_ctx *c, struct fields *f, json_t *item, xmlNodePtr el)
{
    const char *rel = feed_attr(el, "rel");
    const char *href = feed_attr(el, "href");
    if (!href) {
        /* Atom 0.3 feeds and RSS feeds that borrow <link> sometimes write the URL as text. */
        return;
    }
    if (rel && strcasecmp(rel, "enclosure") == 0) {
        add_enclosure(c, json_object_get(item, "enclosures"), el, href, feed_attr(el, "type"),
                      feed_attr(el, "length"));
        return;
    }
    int rank;
    if (!rel || !*rel || strcasecmp(rel, "alternate") == 0) {
        const char *type = feed_attr(el, "type");
        rank = !type || strncasecmp(type, "text/html", 9) == 0 ? 0 : 1;
    } else if (strcasecmp(rel, "self") == 0 || strcasecmp(rel, "edit") == 0 ||
               strcasecmp(rel, "replies") == 0 || strcasecmp(rel, "hub") == 0 ||
               strcasecmp(rel, "license") == 0) {
        return;
    } else {
        rank = 3;
    }
    if (!f->link_el || rank < f->link_rank) {
        f->link_el = el;
        f->link_rank = rank;
        f->link_href = *href ? href : "#"; /* href="" is the base itself (RFC 3986 5.2) */
    }
}

/* One child of an item or entry. */
static void item_child(struct feed_ctx *c, struct fields *f, json_t *item, xmlNodePtr el,
                       xmlNodePtr root)
{
    const char *name = feed_local_name(el);
    enum feed_ns ns = feed_ns_of(el);
    bool own = f->atom ? is_atom_ns(el) || ns == NS_NONE : core(el, root);
    json_t *cats = json_object_get(item, "categories");

    if (own && strcmp(name, "title") == 0) {
        offer(&f->title, &f->title_rank, el, 0);
    } else if (ns == NS_DC && strcmp(name, "title") == 0) {
        offer(&f->title, &f->title_rank, el, 1);
    } else if (own && strcmp(name, "link") == 0) {
        if (f->atom || feed_attr(el, "href")) {
            atom_link(c, f, item, el);
        } else if (!f->link_el || f->link_rank > 0) {
            char *s = feed_node_string(el, URL_MAX_BYTES);
            if (s) {
                f->link_el = el;
                f->link_rank = 0;
                f->link_href = NULL;
            }
            free(s);
        }
    } else if (is_atom_ns(el) && strcmp(name, "link") == 0) {
        struct fields sub = *f;
        sub.link_el = NULL;
        atom_link(c, &sub, item, el);
        if (sub.link_el && (!f->link_el || sub.link_rank + 1 < f->link_rank)) {
            f->link_el = sub.link_el;
            f->link_rank = sub.link_rank + 1;
            f->link_href = sub.link_href;
        }
    } else if (own && (strcmp(name, "guid") == 0 || strcmp(name, "id") == 0)) {
        offer(&f->id_el, &f->id_rank, el, 0);
        /* A guid is the permalink unless isPermaLink="false" (RSS 2.0). */
        const char *perma = feed_attr(el, "isPermaLink");
        if (!f->atom && (!perma || strcasecmp(perma, "false") != 0) &&
            (!f->link_el || f->link_rank > 4)) {
            char *s = feed_node_string(el, URL_MAX_BYTES);
            if (s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0)) {
                f->link_el = el;
                f->link_rank = 4;
                f->link_href = NULL;
            }
            free(s);
        }
    } else if (ns == NS_DC && strcmp(name, "identifier") == 0) {
        offer(&f->id_el, &f->id_rank, el, 1);
    } else if (own && (strcmp(name, "pubDate") == 0 || strcmp(name, "published") == 0 ||
                       strcmp(name, "issued") == 0)) {
        offer(&f->published, &f->published_rank, el, 0);
    } else if ((ns == NS_DC && (strcmp(name, "date") == 0 || strcmp(name, "issued") == 0 ||
                                strcmp(name, "created") == 0)) ||
               (own && strcmp(name, "created") == 0)) {
        offer(&f->published, &f->published_rank, el, 1);
    } else if ((own || is_atom_ns(el)) &&
               (strcmp(name, "updated") == 0 || strcmp(name, "modified") == 0)) {
        offer(&f->updated, &f->updated_rank, el, 0);
    } else if (ns == NS_DC && strcmp(name, "modified") == 0) {
        offer(&f->updated, &f->updated_rank, el, 1);
    } else if (own && (strcmp(name, "description") == 0 || strcmp(name, "summary") == 0)) {
        if (!f->summary)
            f->summary = el;
    } else if ((ns == NS_CONTENT && strcmp(name, "encoded") == 0) ||
               (own && strcmp(name, "content") == 0)) {
        if (!f->content)
            f->content = el;
    } else if (own && strcmp(name, "author") == 0) {
        int rank = 0;
        xmlNodePtr who = el;
        for (xmlNodePtr k = el->children; k; k = k->next)
            if (k->type == XML_ELEMENT_NODE && strcmp(feed_local_name(k), "name") == 0) {
                who = k;
                break;
            }
        if (who == el && f->atom && el->children && el->children->type != XML_TEXT_NODE)
            rank = 1; /* an Atom author with no name: its text is the email and uri run on */
        offer(&f->author, &f->author_rank, who, rank);
    } else if ((ns == NS_DC && strcmp(name, "creator") == 0) ||
               (ns == NS_ITUNES && strcmp(name, "author") == 0)) {
        offer(&f->author, &f->author_rank, el, ns == NS_DC ? 1 : 2);
    } else if (own && strcmp(name, "category") == 0) {
        const char *term = feed_attr(el, "term");
        if (term) {
            struct text t;
            text_init(&t, FEED_MAX_FIELD_CHARS, true);
            text_add(&t, term, strlen(term));
            add_category(cats, text_json(&t));
        } else {
            add_category(cats, text_json_of(el, false, FEED_MAX_FIELD_CHARS));
        }
    } else if (ns == NS_DC && strcmp(name, "subject") == 0) {
        add_category(cats, text_json_of(el, false, FEED_MAX_FIELD_CHARS));
    } else if (own && strcmp(name, "enclosure") == 0) {
        add_enclosure(c, json_object_get(item, "enclosures"), el, feed_attr(el, "url"),
                      feed_attr(el, "type"), feed_attr(el, "length"));
    } else if (ns == NS_MEDIA && strcmp(name, "content") == 0 && feed_attr(el, "url")) {
        add_enclosure(c, json_object_get(item, "enclosures"), el, feed_attr(el, "url"),
                      feed_attr(el, "type"), feed_attr(el, "fileSize"));
    }
}

/* An Atom id is an IRI: relative to an xml:base in scope, it is resolved (as feedparser
 * does); otherwise it is kept as written, being a name and not a link. */
static json_t *id_json(struct feed_ctx *c, xmlNodePtr el, bool atom)
{
    char *s = feed_node_string(el, FEED_MAX_FIELD_CHARS * 4);
    if (!s)
        return json_null();
    json_t *v = NULL;
    if (atom && !strchr(s, ':')) {
        bool in_base = false;
        for (xmlNodePtr p = el; p && p->type == XML_ELEMENT_NODE && !in_base; p = p->parent)
            in_base = xmlHasNsProp(p, (const xmlChar *)"base", XML_XML_NAMESPACE) != NULL;
        if (in_base) {
            char *r = feed_link_resolve(c, el, s);
            if (r)
                v = json_string(r);
            free(r);
        }
    }
    if (!v) {
        struct text t;
        text_init(&t, FEED_MAX_FIELD_CHARS, true);
        text_add(&t, s, strlen(s));
        v = text_json(&t);
    }
    free(s);
    return v;
}

/* Reads one item or entry and adds it; false once max_items is reached. */
static bool read_item(struct feed_ctx *c, xmlNodePtr el, xmlNodePtr root, bool atom)
{
    json_t *item = feed_item_new();
    if (!item) {
        c->oom = true;
        return false;
    }
    struct fields f;
    memset(&f, 0, sizeof(f));
    f.atom = atom;
    for (xmlNodePtr k = el->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE)
            item_child(c, &f, item, k, root);

    if (f.title)
        feed_set(item, "title", text_json_of(f.title, atom, FEED_MAX_TITLE_CHARS));
    if (f.link_el) {
        if (f.link_href) {
            feed_set(item, "link", feed_link_json(c, f.link_el, f.link_href));
        } else {
            char *s = feed_node_string(f.link_el, URL_MAX_BYTES);
            feed_set(item, "link", feed_link_json(c, f.link_el, s));
            free(s);
        }
    }
    json_t *id = f.id_el ? id_json(c, f.id_el, atom) : NULL;
    if (!json_is_string(id)) {
        json_decref(id);
        const char *about = xmlHasNsProp(el, (const xmlChar *)"about",
                                         (const xmlChar *)"http://www.w3.org/1999/02/22-rdf-syntax-ns#")
                                ? feed_attr(el, "about")
                                : NULL;
        json_t *link = json_object_get(item, "link");
        if (about && *about) {
            struct text t;
            text_init(&t, FEED_MAX_FIELD_CHARS, true);
            text_add(&t, about, strlen(about));
            id = text_json(&t);
        } else {
            id = json_is_string(link) ? json_incref(link) : NULL;
        }
    }
    feed_set(item, "id", id);
    if (f.published)
        feed_set(item, "published", feed_date_json(f.published));
    if (f.updated)
        feed_set(item, "updated", feed_date_json(f.updated));
    if (f.author) {
        struct text t;
        text_init(&t, FEED_MAX_FIELD_CHARS, true);
        feed_text_of(&t, f.author, FEED_TEXT_HTML);
        text_set_json(item, "author", &t);
    }
    xmlNodePtr sum = f.summary ? f.summary : f.content;
    if (sum) {
        json_t *s = text_json_of(sum, atom, FEED_MAX_SUMMARY_CHARS);
        if (json_is_null(s) && f.summary && f.content) {
            json_decref(s);
            s = text_json_of(f.content, atom, FEED_MAX_SUMMARY_CHARS);
        }
        feed_set(item, "summary", s);
    }
    return feed_item_add(c, item);
}

/* ---- the channel / feed ------------------------------------------------------------------ */

/* Title, link, description and updated of a channel or feed element. */
static void read_head(struct feed_ctx *c, xmlNodePtr head, xmlNodePtr root, bool atom)
{
    struct fields f;
    memset(&f, 0, sizeof(f));
    f.atom = atom;
    json_t *scratch = feed_item_new(); /* atom_link wants somewhere to put enclosures */
    xmlNodePtr desc = NULL, updated = NULL, ttl = NULL;
    int updated_rank = 9;
    for (xmlNodePtr k = head->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        const char *name = feed_local_name(k);
        bool own = atom ? is_atom_ns(k) || feed_ns_of(k) == NS_NONE : core(k, root);
        if (own && (strcmp(name, "item") == 0 || strcmp(name, "entry") == 0))
            continue;
        if (own && (strcmp(name, "description") == 0 || strcmp(name, "subtitle") == 0 ||
                    strcmp(name, "tagline") == 0)) {
            if (!desc)
                desc = k;
        } else if (own && !atom && strcmp(name, "ttl") == 0) {
            ttl = k;
        } else if (own && (strcmp(name, "lastBuildDate") == 0 || strcmp(name, "updated") == 0 ||
                           strcmp(name, "modified") == 0)) {
            offer(&updated, &updated_rank, k, 0);
        } else if ((own && strcmp(name, "pubDate") == 0) ||
                   (feed_ns_of(k) == NS_DC && strcmp(name, "date") == 0)) {
            offer(&updated, &updated_rank, k, 1);
        } else if (strcmp(name, "title") == 0 || strcmp(name, "link") == 0) {
            item_child(c, &f, scratch, k, root);
        }
    }
    json_decref(scratch);
    if (f.title)
        feed_set(c->feed, "title", text_json_of(f.title, atom, FEED_MAX_TITLE_CHARS));
    if (f.link_el) {
        if (f.link_href) {
            feed_set(c->feed, "link", feed_link_json(c, f.link_el, f.link_href));
        } else {
            char *s = feed_node_string(f.link_el, URL_MAX_BYTES);
            feed_set(c->feed, "link", feed_link_json(c, f.link_el, s));
            free(s);
        }
    }
    if (desc)
        feed_set(c->feed, "description", text_json_of(desc, atom, FEED_MAX_SUMMARY_CHARS));
    if (updated)
        feed_set(c->feed, "updated", feed_date_json(updated));
    char *minutes = ttl ? feed_node_string(ttl, 32) : NULL;
    char *end = NULL;
    long m = minutes ? strtol(minutes, &end, 10) : 0;
    if (minutes && end != minutes && *end == '\0' && m >= 1 && m <= 525600)
        feed_set(c->feed, "ttl", json_integer(m));
    free(minutes);
}

static xmlNodePtr child_named(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr k = parent->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE && strcmp(feed_local_name(k), name) == 0)
            return k;
    return NULL;
}

/* Items of an RSS feed: the channel's, then any the feed put beside the channel (RSS 1.0
 * does; some 0.9x feeds too). */
static void read_items(struct feed_ctx *c, xmlNodePtr parent, xmlNodePtr root, const char *name,
                       bool atom)
{
    for (xmlNodePtr k = parent->children; k && !c->oom; k = k->next)
        if (k->type == XML_ELEMENT_NODE && strcmp(feed_local_name(k), name) == 0 &&
            !read_item(c, k, root, atom))
            return;
}

static void set_version(struct feed_ctx *c, const char *v)
{
    struct text t;
    text_init(&t, 32, true);
    if (v)
        text_add(&t, v, strlen(v));
    text_set_json(c->feed, "version", &t);
}

int feed_xml_read(struct feed_ctx *c, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root)
        return FEED_E_NOT_FEED;
    const char *name = feed_local_name(root);
    if (strcasecmp(name, "urlset") == 0 || strcasecmp(name, "sitemapindex") == 0)
        return feed_sitemap_read(c, root);
    if (strcasecmp(name, "rss") == 0) {
        json_object_set_new(c->feed, "kind", json_string("rss"));
        set_version(c, feed_attr(root, "version"));
        xmlNodePtr channel = child_named(root, "channel");
        if (channel) {
            read_head(c, channel, root, false);
            read_items(c, channel, root, "item", false);
        }
        read_items(c, root, root, "item", false);
        return 0;
    }
    if (strcasecmp(name, "RDF") == 0) {
        json_object_set_new(c->feed, "kind", json_string("rss"));
        xmlNodePtr channel = child_named(root, "channel");
        set_version(c, channel && feed_ns_of(channel) == NS_RSS && channel->ns &&
                               strstr((const char *)channel->ns->href, "netscape")
                           ? "0.90"
                           : "1.0");
        if (channel) {
            read_head(c, channel, root, false);
            read_items(c, channel, root, "item", false);
        }
        read_items(c, root, root, "item", false);
        return 0;
    }
    if (strcmp(name, "feed") == 0) {
        json_object_set_new(c->feed, "kind", json_string("atom"));
        const char *v = feed_attr(root, "version");
        set_version(c, feed_ns_of(root) == NS_ATOM ? "1.0" : v ? v : "0.3");
        read_head(c, root, root, true);
        read_items(c, root, root, "entry", true);
        return 0;
    }
    return FEED_E_NOT_FEED;
}
