/* output.h -- trawl-dump's output file: each message as a JSON line (its body as is, or
 * chosen fields) or as a CSV row, and the flush that makes written lines durable before their
 * messages are acked.
 *
 * The JSON document a message stands for is its body, or with_headers {"headers": {...},
 * "body": BODY} (BODY as JSON when it parses, else as a string). Field names are paths into
 * that document: "url", "feed.title", "headers.x-delivery-count". */
#ifndef TRAWL_DUMP_OUTPUT_H
#define TRAWL_DUMP_OUTPUT_H

#include <stddef.h>

#include "broker.h"

enum output_format { OUTPUT_JSONL = 0, OUTPUT_CSV };

struct output_opts {
    const char *path;           /* appended to; NULL for standard output */
    enum output_format format;
    const char *fields;         /* "a,b.c" (checked by output_check_fields), or NULL: the
                                   whole document (jsonl only) */
    int with_headers;
};

/* Opens the output (the strings in o are borrowed for the output's life). NULL with err
 * naming the file when it cannot be opened. */
struct output *output_open(const struct output_opts *o, char *err, size_t errlen);
/* Flushes (see output_sync) and closes; NULL is a no-op. 0, or -1 when the flush failed. */
int output_close(struct output *out);

/* Writes delivery d. Returns 0 when written, 1 when its body is not JSON and the format needs
 * fields of it (nothing written: the caller decides what becomes of the message), -1 when
 * the write failed (errno says why). */
int output_write(struct output *out, const struct broker_delivery *d);

/* Makes everything written so far durable: fflush, and fdatasync for a file. 0 or -1
 * (errno). */
int output_sync(struct output *out);

/* For --fields: 0 when list is one or more non-empty names separated by commas, else -1 with
 * what was expected in err. */
int output_check_fields(const char *list, char *err, size_t errlen);

#endif
