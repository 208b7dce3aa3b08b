/* feed_sitemap.c -- sitemaps (sitemaps.org 0.9: <urlset> of <url>, with Google's news and
 * image extensions) and sitemap indexes (<sitemapindex> of <sitemap>) to the feed JSON. */
#include "feed_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A sitemap element's own children are in the sitemap namespace, or none in sloppy files. */
static bool own(xmlNodePtr n, const char *name)
{
    enum feed_ns ns = feed_ns_of(n);
    return n->type == XML_ELEMENT_NODE && (ns == NS_SITEMAP || ns == NS_NONE) &&
           strcmp(feed_local_name(n), name) == 0;
}

static json_t *loc_json(struct feed_ctx *c, xmlNodePtr el)
{
    char *s = feed_node_string(el, URL_MAX_BYTES);
    json_t *v = feed_link_json(c, el, s);
    free(s);
    return v;
}

/* <news:news>: the publication's name and language, the title, the publication date. */
static void read_news(xmlNodePtr news, json_t *item)
{
    json_t *n = json_object();
    feed_set(n, "name", NULL);
    feed_set(n, "language", NULL);
    feed_set(n, "title", NULL);
    feed_set(n, "published", NULL);
    for (xmlNodePtr k = news->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        const char *name = feed_local_name(k);
        if (strcmp(name, "publication") == 0) {
            for (xmlNodePtr p = k->children; p; p = p->next) {
                if (p->type != XML_ELEMENT_NODE)
                    continue;
                const char *pn = feed_local_name(p);
                if (strcmp(pn, "name") == 0)
                    feed_set(n, "name", feed_plain_json(p, FEED_MAX_FIELD_CHARS));
                else if (strcmp(pn, "language") == 0)
                    feed_set(n, "language", feed_plain_json(p, 35)); /* BCP 47 tags are short */
            }
        } else if (strcmp(name, "title") == 0) {
            struct text t;
            text_init(&t, FEED_MAX_TITLE_CHARS, true);
            feed_text_of(&t, k, FEED_TEXT_HTML);
            text_set_json(n, "title", &t);
        } else if (strcmp(name, "publication_date") == 0) {
            feed_set(n, "published", feed_date_json(k));
        }
    }
    feed_set(item, "title", json_incref(json_object_get(n, "title")));
    feed_set(item, "published", json_incref(json_object_get(n, "published")));
    feed_set(item, "news", n);
}

static bool read_entry(struct feed_ctx *c, xmlNodePtr el, bool index)
{
    json_t *item = feed_item_new();
    if (!item) {
        c->oom = true;
        return false;
    }
    if (index)
        feed_set(item, "sitemap", json_true());
    json_t *images = NULL;
    for (xmlNodePtr k = el->children; k; k = k->next) {
        if (k->type != XML_ELEMENT_NODE)
            continue;
        enum feed_ns ns = feed_ns_of(k);
        const char *name = feed_local_name(k);
        if (own(k, "loc") && json_is_null(json_object_get(item, "link"))) {
            json_t *v = loc_json(c, k);
            feed_set(item, "id", json_incref(v));
            feed_set(item, "link", v);
        } else if (own(k, "lastmod")) {
            feed_set(item, "updated", feed_date_json(k));
        } else if (ns == NS_NEWS && strcmp(name, "news") == 0 && !index) {
            read_news(k, item);
        } else if (ns == NS_IMAGE && strcmp(name, "image") == 0 && !index) {
            if (!images)
                images = json_array();
            for (xmlNodePtr p = k->children; p; p = p->next)
                if (p->type == XML_ELEMENT_NODE && strcmp(feed_local_name(p), "loc") == 0 &&
                    json_array_size(images) < FEED_MAX_ENCLOSURES) {
                    json_t *u = loc_json(c, p);
                    if (json_is_string(u))
                        json_array_append_new(images, u);
                    else
                        json_decref(u);
                }
        }
    }
    if (images)
        feed_set(item, "images", images);
    return feed_item_add(c, item);
}

int feed_sitemap_read(struct feed_ctx *c, xmlNodePtr root)
{
    bool index = strcasecmp(feed_local_name(root), "sitemapindex") == 0;
    json_object_set_new(c->feed, "kind", json_string("sitemap"));
    const char *href = root->ns && root->ns->href ? (const char *)root->ns->href : "";
    const char *v = strrchr(href, '/');
    struct text t;
    text_init(&t, 32, true);
    if (v && v[1])
        text_add(&t, v + 1, strlen(v + 1)); /* ".../schemas/sitemap/0.9" */
    text_set_json(c->feed, "version", &t);
    json_object_set_new(c->feed, "index", json_boolean(index));
    const char *entry = index ? "sitemap" : "url";
    for (xmlNodePtr k = root->children; k && !c->oom; k = k->next)
        if (own(k, entry) && !read_entry(c, k, index))
            break;
    return 0;
}
