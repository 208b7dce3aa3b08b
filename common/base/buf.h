/* buf.h -- growing a heap byte buffer by doubling: the one home of the realloc step every
 * string builder here needs (text.c, the article text, the feed decoder and text). Each
 * builder keeps its own ceiling; this only makes room. */
#ifndef TRAWL_BUF_H
#define TRAWL_BUF_H

#include <stdbool.h>
#include <stddef.h>

/* Makes *p (of *cap bytes, NULL and 0 at first) at least `need` bytes, doubling from
 * first_cap. Returns false when out of memory (*p and *cap unchanged). */
bool buf_grow(char **p, size_t *cap, size_t need, size_t first_cap);

#endif
