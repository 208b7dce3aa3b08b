/* record.c -- building records and dead letters with jansson. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_out.h"
#include "utf8.h"

static json_t *string_or_null(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    return v ? v : json_null();
}

json_t *record_new(const char *url, const struct fetch_result *r, time_t fetched_at,
                   json_t *meta)
{
    struct tm tm;
    gmtime_r(&fetched_at, &tm);
    char when[32];
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "url", string_or_null(url));
    json_object_set_new(o, "final_url", string_or_null(r->final_url));
    json_object_set_new(o, "status", json_integer(r->status));
    json_object_set_new(o, "fetched_at", json_string(when));
    json_object_set_new(o, "elapsed_ms", json_integer((json_int_t)r->elapsed_ms));
    json_object_set_new(o, "content_type", string_or_null(r->content_type));
    json_object_set_new(o, "bytes", json_integer((json_int_t)r->len));
    static const char *const page_fields[] = {
        "title", "site_name", "description", "canonical", "lang", "published", "modified",
        "author", "image", "text", "feed"};
    for (size_t i = 0; i < sizeof(page_fields) / sizeof(*page_fields); i++)
        json_object_set_new(o, page_fields[i], json_null());
    json_object_set_new(o, "links", json_array());
    json_object_set_new(o, "feeds", json_array());
    json_object_set_new(o, "fields", json_object());
    json_object_set(o, "meta", meta ? meta : json_null());
    return o;
}

int record_is_html(const char *content_type, const char *body, size_t len)
{
    if (content_type) {
        size_t n = strcspn(content_type, ";");
        while (n > 0 && content_type[n - 1] == ' ')
            n--;
        return (n == 9 && strncasecmp(content_type, "text/html", 9) == 0) ||
               (n == 21 && strncasecmp(content_type, "application/xhtml+xml", 21) == 0);
    }
    size_t i = 0;
    while (i < len && i < 512 && strchr(" \t\r\n", body[i]))
        i++;
    return i < len && body[i] == '<';
}

char *dead_letter_encode(const struct message *in, const char *raw, size_t raw_len,
                         const char *error, const char *detail, int attempts, json_t *errors)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (in->url) {
        json_object_set_new(o, "url", string_or_null(in->url));
    } else {
        char *clean = utf8_repair(raw ? raw : "", raw ? raw_len : 0, true, NULL);
        json_object_set_new(o, "url", json_null());
        json_object_set_new(o, "raw", string_or_null(clean));
        free(clean);
    }
    json_object_set_new(o, "error", json_string(error));
    char *clean_detail = utf8_repair(detail, strlen(detail), true, NULL);
    json_object_set_new(o, "detail", string_or_null(clean_detail));
    free(clean_detail);
    json_object_set_new(o, "attempts", json_integer(attempts));
    if (errors)
        json_object_set(o, "errors", errors);
    /* What the input message needs to be sent again as it was; the defaults stay out, as
     * they do of an input message. */
    if (in->url && in->kind == MESSAGE_FEED)
        json_object_set_new(o, "kind", json_string("feed"));
    if (in->url && in->depth > 0)
        json_object_set_new(o, "depth", json_integer(in->depth));
    if (in->url && in->meta)
        json_object_set(o, "meta", in->meta);
    char *s = record_dump(o);
    json_decref(o);
    return s;
}

int dead_letter_parse(const char *body, size_t len, struct dead_letter *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    int rc = -1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "not a dead letter: %s", root ? "not a JSON object" : jerr.text);
        goto out;
    }
    const char *code = json_string_value(json_object_get(root, "error"));
    if (code && !(out->error = strdup(code))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    json_t *url = json_object_get(root, "url");
    if (!json_is_string(url)) {
        snprintf(err, errlen, "no \"url\": the input message itself was bad");
        goto out;
    }
    /* The input message is rebuilt from the fields it left in the letter and checked by the
     * parser every delivery goes through, so a letter cannot send what a worker would
     * refuse. */
    json_t *in = json_pack("{s:O}", "url", url);
    static const char *const carried[] = {"kind", "depth", "meta"};
    for (size_t i = 0; in && i < sizeof(carried) / sizeof(*carried); i++) {
        json_t *v = json_object_get(root, carried[i]);
        if (v)
            json_object_set(in, carried[i], v);
    }
    char *text = in ? record_dump(in) : NULL;
    json_decref(in);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = message_parse(text, strlen(text), "application/json", &out->msg, err, errlen);
    free(text);
out:
    json_decref(root);
    return rc;
}

void dead_letter_cleanup(struct dead_letter *d)
{
    free(d->error);
    message_cleanup(&d->msg);
    d->error = NULL;
}

char *record_dump(const json_t *obj)
{
    return json_out_compact(obj, NULL);
}
