/* output.c -- trawl-dump's lines: JSON lines or RFC 4180 CSV, and their flush to disk. */
#include "output.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTPUT_MAX_FIELDS 64

struct output {
    FILE *f;
    int sync_fd;                /* -1 for standard output: nothing to fdatasync */
    int regular;                /* a regular file: fdatasync makes lines durable (a pipe or
                                   /dev/null refuses it, with nothing to make durable) */
    enum output_format format;
    int with_headers;
    char *field_buf;            /* the --fields list, split in place at the commas */
    const char *fields[OUTPUT_MAX_FIELDS];
    size_t nfields;             /* 0: the whole document */
    int header_due;             /* CSV: the header row is written before the first row */
};

int output_check_fields(const char *list, char *err, size_t errlen)
{
    size_t n = 1;
    for (const char *s = list; *s; s++)
        n += *s == ',';
    int empty = !*list || *list == ',' || list[strlen(list) - 1] == ',' || strstr(list, ",,");
    if (empty || n > OUTPUT_MAX_FIELDS) {
        snprintf(err, errlen, "expected 1 to %d field names separated by commas, none empty",
                 OUTPUT_MAX_FIELDS);
        return -1;
    }
    return 0;
}

struct output *output_open(const struct output_opts *o, char *err, size_t errlen)
{
    struct output *out = calloc(1, sizeof(*out));
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    out->format = o->format;
    out->with_headers = o->with_headers;
    out->sync_fd = -1;
    if (o->fields) {
        out->field_buf = strdup(o->fields);
        if (!out->field_buf) {
            snprintf(err, errlen, "out of memory");
            free(out);
            return NULL;
        }
        for (char *save = NULL, *name = strtok_r(out->field_buf, ",", &save);
             name && out->nfields < OUTPUT_MAX_FIELDS; name = strtok_r(NULL, ",", &save))
            out->fields[out->nfields++] = name;
    }
    out->f = o->path ? fopen(o->path, "a") : stdout;
    if (!out->f) {
        snprintf(err, errlen, "cannot open '%s': %s", o->path, strerror(errno));
        free(out->field_buf);
        free(out);
        return NULL;
    }
    if (o->path)
        out->sync_fd = fileno(out->f);
    /* A header row only at the top: appending to a CSV file that has rows already (a second
     * run, a restarted dump) goes on under the header it has. */
    struct stat st;
    out->regular = fstat(fileno(out->f), &st) == 0 && S_ISREG(st.st_mode);
    int has_rows = out->regular && st.st_size > 0;
    out->header_due = out->format == OUTPUT_CSV && !has_rows;
    return out;
}

int output_sync(struct output *out)
{
    if (fflush(out->f) != 0 || ferror(out->f))
        return -1;
    return out->sync_fd >= 0 && out->regular ? fdatasync(out->sync_fd) : 0;
}

int output_close(struct output *out)
{
    if (!out)
        return 0;
    int rc = output_sync(out);
    if (out->sync_fd >= 0 && fclose(out->f) != 0)
        rc = -1;
    free(out->field_buf);
    free(out);
    return rc;
}

/* The value at a dotted path: "feed.title" is feed's title, unless the object has a member
 * named "feed.title" itself (which wins). NULL when absent. Arrays are not indexed into. */
static json_t *lookup(json_t *v, const char *path)
{
    if (!json_is_object(v))
        return NULL;
    json_t *whole = json_object_get(v, path);
    if (whole)
        return whole;
    for (const char *dot = strchr(path, '.'); dot; dot = strchr(dot + 1, '.')) {
        json_t *inner = lookup(json_object_getn(v, path, (size_t)(dot - path)), dot + 1);
        if (inner)
            return inner;
    }
    return NULL;
}

/* The JSON document delivery d stands for (see output.h), NULL when it needs the body parsed
 * and the body is not JSON. A new reference. */
static json_t *document(const struct output *out, const struct broker_delivery *d)
{
    json_t *body = json_loadb(d->body, d->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!out->with_headers)
        return body;
    if (!body)
        body = json_stringn(d->body, d->len);
    if (!body) /* not UTF-8 either: a string jansson can hold */
        body = json_string("(body not UTF-8)");
    return json_pack("{s:o, s:o}", "headers", broker_delivery_headers(d), "body", body);
}

/* One CSV field, RFC 4180: quoted when it holds a comma, a quote or a line break, with its
 * quotes doubled. */
static void csv_field(FILE *f, const char *s, size_t len)
{
    if (strcspn(s, ",\"\r\n") >= len && !memchr(s, '\0', len)) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

/* A value as a CSV field: a string as its text, null or absent as nothing, anything else
 * (numbers, booleans, objects, arrays) as its compact JSON. */
static void csv_value(FILE *f, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_string(v)) {
        csv_field(f, json_string_value(v), json_string_length(v));
        return;
    }
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text)
        csv_field(f, text, strlen(text));
    free(text);
}

static void write_csv(struct output *out, json_t *doc)
{
    if (out->header_due) {
        for (size_t i = 0; i < out->nfields; i++) {
            if (i)
                fputc(',', out->f);
            csv_field(out->f, out->fields[i], strlen(out->fields[i]));
        }
        fputs("\r\n", out->f);
        out->header_due = 0;
    }
    for (size_t i = 0; i < out->nfields; i++) {
        if (i)
            fputc(',', out->f);
        csv_value(out->f, lookup(doc, out->fields[i]));
    }
    fputs("\r\n", out->f);
}

/* A JSON line: the document, or an object of the chosen fields (null when absent). */
static int write_jsonl(struct output *out, json_t *doc)
{
    json_t *line = doc;
    if (out->nfields) {
        line = json_object();
        for (size_t i = 0; line && i < out->nfields; i++) {
            json_t *v = lookup(doc, out->fields[i]);
            json_object_set_new(line, out->fields[i], v ? json_incref(v) : json_null());
        }
    }
    int rc = line ? json_dumpf(line, out->f, JSON_COMPACT | JSON_ENCODE_ANY) : -1;
    if (line != doc)
        json_decref(line);
    if (rc < 0) {
        errno = ENOMEM;
        return -1;
    }
    fputc('\n', out->f);
    return 0;
}

int output_write(struct output *out, const struct broker_delivery *d)
{
    if (out->format == OUTPUT_JSONL && !out->nfields && !out->with_headers) {
        /* The body as it came, byte for byte: nothing to parse. */
        fwrite(d->body, 1, d->len, out->f);
        fputc('\n', out->f);
        return ferror(out->f) ? -1 : 0;
    }
    json_t *doc = document(out, d);
    if (!doc)
        return 1;
    int rc = 0;
    if (out->format == OUTPUT_CSV)
        write_csv(out, doc);
    else
        rc = write_jsonl(out, doc);
    json_decref(doc);
    return rc < 0 || ferror(out->f) ? -1 : 0;
}
