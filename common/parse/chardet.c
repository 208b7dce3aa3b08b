/* chardet.c -- see chardet.h. */
#include "chardet.h"

#include <stdio.h>
#include <uchardet.h>

/* The detector settles within a few KB of non-ASCII text; a bound keeps a large body whose
 * charset is undeclared from costing a second full pass. */
#define CHARDET_MAX_BYTES (64u * 1024)

bool chardet_guess(const char *body, size_t len, char out[64])
{
    out[0] = '\0';
    uchardet_t ud = uchardet_new();
    if (!ud)
        return false;
    if (uchardet_handle_data(ud, body, len < CHARDET_MAX_BYTES ? len : CHARDET_MAX_BYTES) == 0) {
        uchardet_data_end(ud);
        const char *cs = uchardet_get_charset(ud);
        size_t i = 0;
        for (; cs && cs[i] && i < 63; i++)
            out[i] = (char)((cs[i] >= 'A' && cs[i] <= 'Z') ? cs[i] + 32 : cs[i]);
        out[i] = '\0';
    }
    uchardet_delete(ud);
    return out[0] != '\0';
}
