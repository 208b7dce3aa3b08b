/* hash.h -- FNV-1a, 64 bits: the one non-cryptographic hash of the code base (hash tables
 * keyed by host names, Redis keys named after URLs). Not for anything an attacker could use
 * to collide on purpose where it matters: users of a hashed key store the full value too. */
#ifndef TRAWL_HASH_H
#define TRAWL_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash_bytes(const void *p, size_t n);

/* Of a NUL-terminated string. */
uint64_t hash_str(const char *s);

#endif
