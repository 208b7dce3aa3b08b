/* report.c -- what the producer tells its user about the run itself: each invalid input line
 * and the closing summary. In text mode they are the plain lines the contract shows
 * ("FILE:LINE: reason", "enqueued=N duplicate=D invalid=I"); with --log-format json they are
 * log events with fields, like every other line, so that a JSON reader gets one format.
 * Neither is filtered by --log-level: the contract promises both. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "producer.h"

const char *producer_quote(char *buf, size_t buflen, const char *value)
{
    if (buflen < 3) {
        if (buflen > 0)
            buf[0] = '\0';
        return buf;
    }
    /* A bare word stays bare, as the log's own values are written. */
    if (value[0] && !value[strcspn(value, " \"\\=\t\r\n")] && strlen(value) < buflen) {
        memcpy(buf, value, strlen(value) + 1);
        return buf;
    }
    size_t n = 0;
    buf[n++] = '"';
    for (const char *s = value; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int escaped = c == '"' || c == '\\';
        if (n + (size_t)escaped + 2 >= buflen) /* room for the closing quote and the NUL */
            break;
        if (escaped)
            buf[n++] = '\\';
        /* One line per event: a control character in a reason becomes a space. */
        buf[n++] = c < 0x20 ? ' ' : (char)c;
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return buf;
}

void report_invalid_line(const struct producer *p, const char *file, unsigned long line,
                         const char *reason)
{
    if (p->cfg.log_format == LOG_FORMAT_TEXT) {
        fprintf(stderr, "%s%s:%lu: %s\n", p->tty ? "\r\033[K" : "", file, line, reason);
        return;
    }
    char qfile[1024], qreason[1024];
    log_write(LOG_WARN, "invalid line", "file=%s line=%lu reason=%s",
              producer_quote(qfile, sizeof(qfile), file), line,
              producer_quote(qreason, sizeof(qreason), reason));
}

void report_summary(const struct producer *p, const char *fmt, ...)
{
    char fields[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fields, sizeof(fields), fmt, ap);
    va_end(ap);
    if (p->cfg.log_format == LOG_FORMAT_TEXT)
        fprintf(stderr, "%s\n", fields);
    else
        log_write(LOG_INFO, "summary", "%s", fields);
}
