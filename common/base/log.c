/* log.c -- stderr logging, one line per event, text or JSON. */
#include "log.h"

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
        /* The key=value text is kept whole in "detail": one format for every call site. */
        /* jansson refuses a string that is not UTF-8 (json_pack then returns NULL and the
         * line would be lost): a detail quoting bytes from the network is repaired first. */
        char *repaired = NULL;
        const char *detail = body;
        if (!utf8_valid(body, strlen(body))) {
            repaired = utf8_repair(body, strlen(body), true, NULL);
            detail = repaired ? repaired : "(detail not UTF-8)";
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "ts", when, "level",
                              level_names[level], "program", log_program, "msg", msg,
                              "detail", detail);
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

const char *log_redact_url(const char *url, char *buf, size_t buflen)
{
    /* scheme://user:password@host... -> scheme://user:***@host... */
    const char *scheme_end = strstr(url, "://");
    const char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme_end + 3, ':', (size_t)(at - scheme_end - 3)) : NULL;
    if (!colon) {
        snprintf(buf, buflen, "%s", url);
        return buf;
    }
    snprintf(buf, buflen, "%.*s:***%s", (int)(colon - url), url, at);
    return buf;
}
