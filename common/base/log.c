/* log.c -- stderr logging, one line per event, text or JSON. */
#include "log.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

enum log_level log_min_level = LOG_INFO;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static const char *log_program = "trawl";

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *program, enum log_level level, enum log_format format)
{
    log_program = program;
    log_min_level = level;
    log_fmt = format;
}

/* A value written without quotes that reads as a JSON number becomes one ("records=300"); a
 * leading zero ("007"), a sign without digits or trailing text ("2/s") keeps it a string. */
static json_t *number_or_string(const char *v, size_t len)
{
    size_t i = (len && v[0] == '-') ? 1 : 0, digits = 0;
    int real = 0;
    while (i < len && v[i] >= '0' && v[i] <= '9')
        i++, digits++;
    int leading_zero = digits > 1 && v[(v[0] == '-') ? 1 : 0] == '0';
    if (i < len && v[i] == '.') {
        real = 1;
        size_t frac = 0;
        for (i++; i < len && v[i] >= '0' && v[i] <= '9'; i++)
            frac++;
        if (!frac)
            digits = 0;
    }
    if (digits && !leading_zero && i == len && len < 32) {
        char buf[32];
        memcpy(buf, v, len);
        buf[len] = '\0';
        if (!real) {
            errno = 0;
            long long n = strtoll(buf, NULL, 10);
            if (errno == 0)
                return json_integer(n);
        }
        return json_real(strtod(buf, NULL));
    }
    return json_stringn(v, len);
}

/* The end of a quoted value that starts after the opening quote at p: the first quote followed
 * by a space or the end. Call sites write err=\"%s\" with the text as it came, so a quote
 * inside the text is taken as part of it unless a space follows it. */
static const char *quoted_end(const char *p)
{
    for (const char *q = strchr(p, '"'); q; q = strchr(q + 1, '"'))
        if (q[1] == '\0' || q[1] == ' ')
            return q;
    return NULL;
}

static int is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

/* Adds key=value to o; a key the line already uses (ts, msg...) gets a "detail_" prefix. */
static void set_field(json_t *o, const char *key, size_t key_len, json_t *value)
{
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)(key_len < 48 ? key_len : 48), key);
    if (json_object_get(o, name)) {
        char other[80];
        snprintf(other, sizeof(other), "detail_%s", name);
        json_object_set_new(o, other, value);
        return;
    }
    json_object_set_new(o, name, value);
}

void log_detail_to_json(const char *detail, json_t *o)
{
    char note[2048];
    size_t note_len = 0;
    const char *p = detail;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *k = p;
        while (is_key_char(*p))
            p++;
        const char *end = NULL;
        if (p > k && *p == '=') {
            size_t key_len = (size_t)(p - k);
            const char *v = p + 1;
            if (*v == '"' && (end = quoted_end(v + 1))) {
                set_field(o, k, key_len, json_stringn(v + 1, (size_t)(end - v - 1)));
                p = end + 1;
                continue;
            }
            end = strchr(v, ' ');
            if (!end)
                end = v + strlen(v);
            set_field(o, k, key_len, number_or_string(v, (size_t)(end - v)));
            p = end;
            continue;
        }
        /* Free text ("(publishing again)", "signal received"): one "note" of every word. */
        p = k;
        end = strchr(p, ' ');
        if (*p == '(') {
            const char *close = strchr(p, ')');
            end = close ? close + 1 : NULL;
        }
        if (!end)
            end = p + strlen(p);
        int n = snprintf(note + note_len, sizeof(note) - note_len, "%s%.*s",
                         note_len ? " " : "", (int)(end - p), p);
        if (n > 0 && (size_t)n < sizeof(note) - note_len)
            note_len += (size_t)n;
        p = end;
    }
    if (note_len)
        set_field(o, "note", 4, json_stringn(note, note_len));
}

void log_write(enum log_level level, const char *msg, const char *fmt, ...)
{
    char body[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);

    if (log_fmt == LOG_FORMAT_JSON) {
        /* jansson refuses a string that is not UTF-8 (the field would be lost): a detail
         * quoting bytes from the network is repaired first. */
        char *repaired = NULL;
        const char *detail = body;
        if (!utf8_valid(body, strlen(body))) {
            repaired = utf8_repair(body, strlen(body), true, NULL);
            detail = repaired ? repaired : "note=\"(detail not UTF-8)\"";
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "ts", when, "level", level_names[level],
                              "program", log_program, "msg", msg);
        if (o)
            log_detail_to_json(detail, o);
        free(repaired);
        char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (line)
            fprintf(stderr, "%s\n", line);
        free(line);
        json_decref(o);
        return;
    }
    fprintf(stderr, "%s %-5s %s: %s%s%s\n", when, level_names[level], log_program, msg,
            body[0] ? " " : "", body);
}

/* The masked form of one URL, [url, end), appended at out (room: outlen). */
static size_t redact_one(const char *url, const char *end, char *out, size_t outlen)
{
    /* scheme://user:password@host... -> scheme://user:***@host... The last '@' ends the
     * credentials (a password may hold '@'; a host cannot), and without a scheme everything
     * before it goes: a value that failed its check need not have a URL's shape. */
    const char *at = NULL;
    for (const char *p = url; p < end; p++)
        if (*p == '@')
            at = p;
    int n;
    if (!at) {
        n = snprintf(out, outlen, "%.*s", (int)(end - url), url);
    } else {
        const char *scheme_end = strstr(url, "://");
        const char *user = scheme_end && scheme_end < at ? scheme_end + 3 : url;
        const char *colon = memchr(user, ':', (size_t)(at - user));
        const char *keep_end = user == url ? url : colon ? colon + 1 : user;
        n = snprintf(out, outlen, "%.*s***%.*s", (int)(keep_end - url), url, (int)(end - at),
                     at);
    }
    return n < 0 ? 0 : (size_t)n < outlen ? (size_t)n : outlen ? outlen - 1 : 0;
}

/* The start of the next URL of a comma-separated list after p: a comma followed by a scheme
 * ("amqp://"). A comma inside a password is not followed by one. */
static const char *next_in_list(const char *p)
{
    for (const char *c = strchr(p, ','); c; c = strchr(c + 1, ',')) {
        size_t scheme = strspn(c + 1, "abcdefghijklmnopqrstuvwxyz+-.");
        if (scheme && strncmp(c + 1 + scheme, "://", 3) == 0)
            return c;
    }
    return NULL;
}

const char *log_redact_url(const char *url, char *buf, size_t buflen)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const char *p = url;;) {
        const char *comma = next_in_list(p);
        const char *end = comma ? comma : p + strlen(p);
        used += redact_one(p, end, buf + used, buflen - used);
        if (!comma || used + 1 >= buflen)
            break;
        buf[used++] = ',';
        buf[used] = '\0';
        p = comma + 1;
    }
    return buf;
}
