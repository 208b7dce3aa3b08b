/* utf8.h -- the one UTF-8 check: every byte string that may reach a record, a log line or a
 * dead letter (message bodies, hosts, page text, links) is judged here.
 *
 * Valid means RFC 3629: shortest form only, no surrogates (U+D800..U+DFFF), nothing above
 * U+10FFFF, no sequence cut short by the end of the input. NUL and other controls are valid
 * UTF-8; callers that refuse them check for them themselves. Only utf8_repair allocates. */
#ifndef TRAWL_UTF8_H
#define TRAWL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1 to 4) of the valid sequence at the start of s, n bytes available (n >= 1), or 0
 * when it is invalid; for replacing one bad byte at a time (by U+FFFD) and moving on. */
size_t utf8_seq_len(const char *s, size_t n);

/* What stands for the start of s (n >= 1 bytes) in text that must be valid: its valid
 * sequence, or U+FFFD for one invalid byte. Sets *out (borrowed: s itself, or a constant) and
 * *out_len to the bytes to write; returns how many input bytes they replace (1 to 4). */
size_t utf8_next(const char *s, size_t n, const char **out, size_t *out_len);

/* True when all n bytes of s are valid UTF-8 (true for n == 0). Runs of ASCII go 8 bytes at
 * a time: callers pass whole page bodies. */
bool utf8_valid(const char *s, size_t n);

/* A copy of the n bytes of s with each invalid byte replaced by U+FFFD (and each NUL too when
 * nul_too: the result is then a C string whatever the input), NUL-terminated, its length in
 * *out_len when not NULL. The caller frees; NULL when out of memory. */
char *utf8_repair(const char *s, size_t n, bool nul_too, size_t *out_len);

#endif
