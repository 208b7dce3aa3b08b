/* log.h -- one line per event on stderr, as text or JSON, filtered by level.
 *
 * Use the LOG_* macros: the level is checked before the arguments are evaluated, so a
 * debug line costs nothing when debug is off (redis serverLog). */
#ifndef TRAWL_LOG_H
#define TRAWL_LOG_H

#include <jansson.h>
#include <stddef.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON };

extern enum log_level log_min_level; /* lines below this level are dropped */

/* Sets the program name shown on every line (borrowed: pass a string literal). */
void log_init(const char *program, enum log_level level, enum log_format format);

/* Writes one line: `msg` is a short event name, `fmt` key=value pairs. Prefer the macros. */
void log_write(enum log_level level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_msg(level, msg, ...)                                                           \
    do {                                                                                   \
        if ((level) >= log_min_level)                                                      \
            log_write((level), (msg), __VA_ARGS__);                                        \
    } while (0)
#define LOG_D(msg, ...) log_msg(LOG_DEBUG, msg, __VA_ARGS__)
#define LOG_I(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define LOG_W(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define LOG_E(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

/* Adds the fields of a key=value detail to o, as --log-format json writes them: numbers as
 * numbers, "quoted values" as strings, free text as "note". The text format is the interface
 * every call site writes; this is the one place that reads it. */
void log_detail_to_json(const char *detail, json_t *o);

/* Copies `url` into buf with any password replaced by "***" (never log a password). */
const char *log_redact_url(const char *url, char *buf, size_t buflen);

#endif
