/* message.c -- parsing and checking of input messages. */
#include "message.h"

#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "utf8.h"

static int set_url(struct message *out, const char *raw, char *err, size_t errlen)
{
    char why[256];
    out->url = url_canonicalize(raw, why, sizeof(why));
    if (!out->url) {
        snprintf(err, errlen, "invalid URL '%.200s': %s", raw, why);
        return -1;
    }
    return 0;
}

static int parse_json(const char *body, size_t len, struct message *out, char *err,
                      size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "not JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                 jerr.column);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "JSON body must be an object with a \"url\"");
        goto out;
    }
    json_t *url = json_object_get(root, "url");
    if (!json_is_string(url)) {
        snprintf(err, errlen, url ? "\"url\" must be a string" : "no \"url\" field");
        goto out;
    }
    if (strlen(json_string_value(url)) != json_string_length(url)) {
        snprintf(err, errlen, "\"url\" contains a NUL character");
        goto out;
    }
    json_t *kind = json_object_get(root, "kind");
    if (kind) {
        const char *k = json_string_value(kind);
        if (k && strcmp(k, "page") == 0) {
            out->kind = MESSAGE_PAGE;
        } else if (k && strcmp(k, "feed") == 0) {
            out->kind = MESSAGE_FEED;
        } else {
            snprintf(err, errlen, "\"kind\" must be \"page\" or \"feed\"");
            goto out;
        }
    }
    json_t *depth = json_object_get(root, "depth");
    if (depth) {
        if (!json_is_integer(depth) || json_integer_value(depth) < 0) {
            snprintf(err, errlen, "\"depth\" must be a non-negative integer");
            goto out;
        }
        out->depth = (long)json_integer_value(depth);
    }
    json_t *attempt = json_object_get(root, "attempt");
    if (attempt) {
        if (!json_is_integer(attempt) || json_integer_value(attempt) < 0 ||
            json_integer_value(attempt) > 1000) {
            snprintf(err, errlen, "\"attempt\" must be an integer from 0 to 1000");
            goto out;
        }
        out->attempt = (int)json_integer_value(attempt);
    }
    json_t *parked = json_object_get(root, "parked");
    if (parked) {
        if (!json_is_integer(parked) || json_integer_value(parked) < 0 ||
            json_integer_value(parked) > 1000) {
            snprintf(err, errlen, "\"parked\" must be an integer from 0 to 1000");
            goto out;
        }
        out->parked = (int)json_integer_value(parked);
    }
    json_t *poll = json_object_get(root, "poll");
    if (poll) {
        json_t *every = json_object_get(poll, "every"), *max = json_object_get(poll, "max");
        json_int_t e = json_integer_value(every), m = max ? json_integer_value(max) : e;
        if (!json_is_object(poll) || !json_is_integer(every) || (max && !json_is_integer(max)) ||
            e < 1 || m < e || m > MESSAGE_POLL_MAX_S) {
            snprintf(err, errlen, "\"poll\" must be {\"every\": SECONDS, \"max\": SECONDS} with "
                     "1 <= every <= max <= %ld", MESSAGE_POLL_MAX_S);
            goto out;
        }
        out->poll_every_s = (long)e;
        out->poll_max_s = (long)m;
    }
    json_t *errors = json_object_get(root, "errors");
    if (errors && !json_is_array(errors)) {
        snprintf(err, errlen, "\"errors\" must be an array");
        goto out;
    }
    out->errors = errors ? json_incref(errors) : NULL;
    if (set_url(out, json_string_value(url), err, errlen) < 0)
        goto out;
    json_t *meta = json_object_get(root, "meta");
    out->meta = meta ? json_incref(meta) : NULL;
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int message_parse(const char *body, size_t len, const char *content_type, struct message *out,
                  char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (len > MESSAGE_MAX_BYTES) {
        snprintf(err, errlen, "body of %zu bytes exceeds %d", len, MESSAGE_MAX_BYTES);
        return -1;
    }
    if (len == 0) {
        snprintf(err, errlen, "empty body");
        return -1;
    }
    /* jansson validates UTF-8 for JSON; bare URLs are checked here because nothing else
     * looks at them before they reach the logs and the dead-letter queue. */
    if (!utf8_valid(body, len)) {
        snprintf(err, errlen, "body is not valid UTF-8");
        return -1;
    }
    if (memchr(body, '\0', len)) {
        snprintf(err, errlen, "body contains a NUL byte");
        return -1;
    }
    /* body is not NUL-terminated (it is a delivery's bytes): bounded scans only. */
    size_t skip = 0;
    while (skip < len && strchr(" \t\r\n", body[skip]) && body[skip])
        skip++;
    int is_json = (content_type && strncmp(content_type, "application/json", 16) == 0) ||
                  (skip < len && body[skip] == '{');
    int rc;
    if (is_json) {
        rc = parse_json(body, len, out, err, errlen);
    } else {
        /* A copy with a NUL (the body has none, and may not be read past its end). */
        char *text = malloc(len + 1);
        if (text) {
            memcpy(text, body, len);
            text[len] = '\0';
        }
        if (!text) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        /* Trailing whitespace (a final newline) is fine; a second line is not. */
        size_t end = len;
        while (end > skip && strchr(" \t\r\n", text[end - 1]))
            end--;
        if (memchr(text + skip, '\n', end - skip) || memchr(text + skip, '\r', end - skip)) {
            snprintf(err, errlen, "a text/plain body must hold one URL on one line");
            rc = -1;
        } else {
            rc = set_url(out, text, err, errlen);
        }
        free(text);
    }
    if (rc < 0)
        message_cleanup(out);
    return rc;
}

void message_cleanup(struct message *m)
{
    free(m->url);
    json_decref(m->meta);
    json_decref(m->errors);
    memset(m, 0, sizeof(*m));
}

char *message_encode(const char *url)
{
    json_t *o = json_pack("{s:s}", "url", url);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* The fields every encoding shares; NULL when out of memory. */
static json_t *encode_fields(const char *url, enum message_kind kind, long depth, json_t *meta,
                             long poll_every_s, long poll_max_s)
{
    json_t *o = json_pack("{s:s}", "url", url);
    if (o && kind == MESSAGE_FEED)
        json_object_set_new(o, "kind", json_string("feed"));
    if (o && depth > 0)
        json_object_set_new(o, "depth", json_integer(depth));
    if (o && meta)
        json_object_set(o, "meta", meta);
    if (o && poll_every_s > 0)
        json_object_set_new(o, "poll", json_pack("{s:I, s:I}", "every", (json_int_t)poll_every_s,
                                                 "max", (json_int_t)poll_max_s));
    return o;
}

static char *dump_and_free(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

char *message_encode_full(const char *url, enum message_kind kind, long depth, json_t *meta,
                          long poll_every_s, long poll_max_s)
{
    return dump_and_free(encode_fields(url, kind, depth, meta, poll_every_s, poll_max_s));
}

char *message_encode_again(const struct message *m, int attempt, json_t *errors, int parked)
{
    json_t *o = encode_fields(m->url, m->kind, m->depth, m->meta, m->poll_every_s,
                              m->poll_max_s);
    if (o)
        json_object_set_new(o, "attempt", json_integer(attempt));
    if (o && errors)
        json_object_set(o, "errors", errors);
    if (o && parked > 0)
        json_object_set_new(o, "parked", json_integer(parked));
    return dump_and_free(o);
}
