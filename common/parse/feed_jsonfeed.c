/* feed_jsonfeed.c -- JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) to the feed
 * JSON, with jansson. */
#include "feed_int.h"

#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "utf8.h"

/* A JSON string member as plain text (html: read as HTML), or NULL when absent. */
static json_t *text_member(json_t *obj, const char *key, size_t max_chars, bool html)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    struct text t;
    text_init(&t, max_chars, true);
    if (html)
        feed_text_html(&t, json_string_value(v), json_string_length(v));
    else
        text_add(&t, json_string_value(v), json_string_length(v));
    size_t len = 0;
    char *s = text_take(&t, &len);
    json_t *out = s ? json_stringn_nocheck(s, len) : NULL;
    free(s);
    return out;
}

static json_t *link_member(struct feed_ctx *c, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    char *s = url_base_resolve(c->base, json_string_value(v));
    json_t *out = s ? json_string(s) : NULL;
    free(s);
    return out;
}

static json_t *date_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    char out[DATE_OUT_SIZE];
    if (!json_is_string(v) || !date_parse(json_string_value(v), out))
        return NULL;
    return json_string(out);
}

/* 1.1's "authors" array, or 1.0's "author" object: the first name. */
static json_t *author_of(json_t *item)
{
    json_t *a = json_object_get(item, "authors");
    if (json_is_array(a))
        a = json_array_get(a, 0);
    else
        a = json_object_get(item, "author");
    return json_is_object(a) ? text_member(a, "name", FEED_MAX_FIELD_CHARS, false) : NULL;
}

static void read_item(struct feed_ctx *c, json_t *in, json_t *item)
{
    feed_set(item, "title", text_member(in, "title", FEED_MAX_TITLE_CHARS, false));
    json_t *link = link_member(c, in, "url");
    if (!link)
        link = link_member(c, in, "external_url");
    feed_set(item, "link", link);
    json_t *id = json_object_get(in, "id");
    json_t *idv = NULL;
    if (json_is_string(id)) {
        idv = text_member(in, "id", FEED_MAX_FIELD_CHARS, false);
    } else if (json_is_integer(id)) {
        /* 1.0 feeds in the wild write numbers; 1.1 says the id is a string. */
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(id));
        idv = json_string(buf);
    }
    if (!idv && link)
        idv = json_incref(link);
    feed_set(item, "id", idv);
    feed_set(item, "published", date_member(in, "date_published"));
    feed_set(item, "updated", date_member(in, "date_modified"));
    feed_set(item, "author", author_of(in));
    json_t *sum = text_member(in, "summary", FEED_MAX_SUMMARY_CHARS, false);
    if (!sum)
        sum = text_member(in, "content_text", FEED_MAX_SUMMARY_CHARS, false);
    if (!sum)
        sum = text_member(in, "content_html", FEED_MAX_SUMMARY_CHARS, true);
    feed_set(item, "summary", sum);
    json_t *tags = json_object_get(in, "tags"), *cats = json_object_get(item, "categories");
    for (size_t i = 0; json_is_array(tags) && i < json_array_size(tags) &&
                       json_array_size(cats) < FEED_MAX_CATEGORIES;
         i++) {
        json_t *tag = json_array_get(tags, i);
        if (!json_is_string(tag))
            continue;
        struct text t;
        text_init(&t, FEED_MAX_FIELD_CHARS, true);
        text_add(&t, json_string_value(tag), json_string_length(tag));
        size_t len = 0;
        char *s = text_take(&t, &len);
        if (s)
            json_array_append_new(cats, json_stringn_nocheck(s, len));
        free(s);
    }
    json_t *att = json_object_get(in, "attachments"), *encs = json_object_get(item, "enclosures");
    for (size_t i = 0; json_is_array(att) && i < json_array_size(att) &&
                       json_array_size(encs) < FEED_MAX_ENCLOSURES;
         i++) {
        json_t *a = json_array_get(att, i);
        json_t *u = json_is_object(a) ? link_member(c, a, "url") : NULL;
        if (!u)
            continue;
        json_t *e = json_object();
        feed_set(e, "url", u);
        feed_set(e, "type", text_member(a, "mime_type", FEED_MAX_FIELD_CHARS, false));
        json_t *size = json_object_get(a, "size_in_bytes");
        feed_set(e, "length", json_is_integer(size) && json_integer_value(size) >= 0
                                  ? json_integer(json_integer_value(size))
                                  : NULL);
        json_array_append_new(encs, e);
    }
}

int feed_jsonfeed_read(struct feed_ctx *c, const char *body, size_t len)
{
    char *fixed = NULL;
    /* RFC 8259 lets a parser ignore a UTF-8 BOM; jansson refuses it, and feeds carry one. */
    if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
        body += 3;
        len -= 3;
    }
    if (!utf8_valid(body, len)) {
        fixed = utf8_repair(body, len, false, &len);
        if (!fixed)
            return FEED_E_NOMEM;
        body = fixed;
    }
    /* jansson bounds nesting depth itself (JSON_PARSER_MAX_DEPTH). */
    json_t *doc = json_loadb(body, len, JSON_ALLOW_NUL, NULL);
    free(fixed);
    json_t *version = json_object_get(doc, "version");
    const char *v = json_is_string(version) ? json_string_value(version) : "";
    const char *tail = strstr(v, "jsonfeed.org/version/");
    if (!json_is_object(doc) || !tail) {
        json_decref(doc);
        return FEED_E_NOT_FEED;
    }
    json_object_set_new(c->feed, "kind", json_string("json"));
    struct text t;
    text_init(&t, 32, true);
    tail += strlen("jsonfeed.org/version/");
    text_add(&t, tail, strlen(tail));
    text_set_json(c->feed, "version", &t);
    feed_set(c->feed, "title", text_member(doc, "title", FEED_MAX_TITLE_CHARS, false));
    feed_set(c->feed, "link", link_member(c, doc, "home_page_url"));
    feed_set(c->feed, "description",
             text_member(doc, "description", FEED_MAX_SUMMARY_CHARS, false));
    json_t *items = json_object_get(doc, "items");
    for (size_t i = 0; json_is_array(items) && i < json_array_size(items); i++) {
        json_t *in = json_array_get(items, i);
        if (!json_is_object(in))
            continue;
        json_t *item = feed_item_new();
        if (!item) {
            c->oom = true;
            break;
        }
        read_item(c, in, item);
        if (!feed_item_add(c, item))
            break;
    }
    json_decref(doc);
    return c->oom ? FEED_E_NOMEM : 0;
}
