/* buf.c -- see buf.h. */
#include "buf.h"

#include <stdlib.h>

bool buf_grow(char **p, size_t *cap, size_t need, size_t first_cap)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : first_cap;
    while (n < need)
        n *= 2;
    char *q = realloc(*p, n);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}
