/* json_out.c -- see json_out.h. */
#include "json_out.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct out {
    char *p;
    size_t len, cap;
};

static bool room(struct out *o, size_t n)
{
    /* + 1: the closing NUL always fits */
    return buf_grow(&o->p, &o->cap, o->len + n + 1, 4096);
}

static bool put(struct out *o, const char *s, size_t n)
{
    if (!room(o, n))
        return false;
    memcpy(o->p + o->len, s, n);
    o->len += n;
    return true;
}

/* 1 for the bytes a JSON string must escape: '"', '\\' and the controls below 0x20. */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/* jansson's spelling of each escape: the short forms where JSON has one, else \u00XX in
 * upper case. */
static size_t escape(unsigned char c, char seq[7])
{
    static const char hex[] = "0123456789ABCDEF";
    char s = 0;
    switch (c) {
    case '"': s = '"'; break;
    case '\\': s = '\\'; break;
    case '\b': s = 'b'; break;
    case '\f': s = 'f'; break;
    case '\n': s = 'n'; break;
    case '\r': s = 'r'; break;
    case '\t': s = 't'; break;
    default: break;
    }
    seq[0] = '\\';
    if (s) {
        seq[1] = s;
        return 2;
    }
    memcpy(seq + 1, "u00", 3);
    seq[4] = hex[c >> 4];
    seq[5] = hex[c & 15];
    return 6;
}

static bool put_string(struct out *o, const char *s, size_t n)
{
    /* room for the string unescaped and its quotes; each escape makes room for itself */
    if (!room(o, n + 2))
        return false;
    o->p[o->len++] = '"';
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && !needs_escape[u[run]])
            run++;
        memcpy(o->p + o->len, u + i, run - i);
        o->len += run - i;
        if (run == n)
            break;
        char seq[7];
        size_t k = escape(u[run], seq);
        /* the escape, and what is left of the string and the closing quote */
        if (!room(o, k + (n - run - 1) + 1))
            return false;
        memcpy(o->p + o->len, seq, k);
        o->len += k;
        i = run + 1;
    }
    o->p[o->len++] = '"';
    return true;
}

/* A real as jansson writes it (its precision and exponent rules), from jansson itself. */
static bool put_real(struct out *o, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    bool ok = s && put(o, s, strlen(s));
    free(s);
    return ok;
}

static bool put_value(struct out *o, const json_t *v, int depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (depth >= JSON_OUT_MAX_DEPTH || !put(o, "{", 1))
            return false;
        const char *key;
        json_t *member;
        bool first = true;
        /* jansson keeps insertion order, and json_dumps writes the members in it */
        json_object_foreach((json_t *)v, key, member) {
            if ((!first && !put(o, ",", 1)) || !put_string(o, key, strlen(key)) ||
                !put(o, ":", 1) || !put_value(o, member, depth + 1))
                return false;
            first = false;
        }
        return put(o, "}", 1);
    }
    case JSON_ARRAY: {
        if (depth >= JSON_OUT_MAX_DEPTH || !put(o, "[", 1))
            return false;
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++)
            if ((i && !put(o, ",", 1)) || !put_value(o, json_array_get(v, i), depth + 1))
                return false;
        return put(o, "]", 1);
    }
    case JSON_STRING:
        return put_string(o, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: {
        char num[32];
        int k = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return put(o, num, (size_t)k);
    }
    case JSON_REAL:
        return put_real(o, v);
    case JSON_TRUE:
        return put(o, "true", 4);
    case JSON_FALSE:
        return put(o, "false", 5);
    case JSON_NULL:
        return put(o, "null", 4);
    }
    return false;
}

char *json_out_compact(const json_t *v, size_t *len)
{
    struct out o = {0};
    if (!v || !put_value(&o, v, 0) || !room(&o, 0)) {
        free(o.p);
        return NULL;
    }
    o.p[o.len] = '\0';
    if (len)
        *len = o.len;
    return o.p;
}
