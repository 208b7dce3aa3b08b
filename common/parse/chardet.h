/* chardet.h -- a guess at the charset of bytes that name none, by libuchardet (Mozilla's
 * universal charset detector, as Debian ships it): a well-kept detector rather than our own
 * byte statistics. */
#ifndef TRAWL_CHARDET_H
#define TRAWL_CHARDET_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the charset libuchardet finds in the start of body into out, lower-case as iconv
 * and our label tables take it ("big5", "euc-jp", "windows-1255", "utf-8", "ascii", ...);
 * false with out = "" when it has no answer. */
bool chardet_guess(const char *body, size_t len, char out[64]);

#endif
