/* header.h -- request header lines a user adds (--header, the rules file's "headers"): checked
 * once at start-up, kept in the form libcurl takes, merged per request by name.
 *
 * Functions returning `char *` give the caller ownership (free with `free`). */
#ifndef TRAWL_HEADER_H
#define TRAWL_HEADER_H

#include <stddef.h>

#define HEADER_MAX_BYTES 8192 /* one user header line, name and value */

/* Checks one header, name and value given apart, and returns its line for libcurl: "Name:
 * value" (the value without leading and trailing blanks), or "Name;" for an empty value
 * (curl's way to send an empty header: "Name:" would remove one). The name must be an HTTP
 * token; the value holds no CR, LF or other control byte but tab; User-Agent is refused (it
 * is --user-agent's), and so are Content-Length and Transfer-Encoding (the worker sends no
 * body). Returns NULL with the reason in err ("not a valid header name (...)"). */
char *header_line(const char *name, size_t name_len, const char *value, char *err,
                  size_t errlen);

/* The same from "NAME: VALUE" or "NAME:VALUE" (--header's form). */
char *header_parse(const char *text, char *err, size_t errlen);

/* 1 when two lines made by header_line name the same header (names ignore case). */
int header_same_name(const char *a, const char *b);

#endif
