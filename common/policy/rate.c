/* rate.c -- parsing "COUNT/UNIT" request rates; strict, so a typo is a usage error. */
#include "rate.h"

#include <stdio.h>

#define RATE_MAX_PER_S 1000000ULL /* the contract's ceiling: 1000000/s */

/* The reason only: the caller names the flag and the value. */
static int fail(char *err, size_t errlen, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", why);
    return -1;
}

int rate_parse(const char *s, struct rate *out, char *err, size_t errlen)
{
    if (!s)
        s = "";
    /* Parsed by hand: strtoull accepts leading spaces, signs and "0x", none of which belong
     * in a rate. */
    const char *p = s;
    uint64_t count = 0;
    if (*p < '0' || *p > '9')
        return fail(err, errlen, *p == '-' ? "count must be a positive integer"
                              : "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)");
    for (; *p >= '0' && *p <= '9'; p++) {
        if (count > (UINT64_MAX - 9) / 10)
            return fail(err, errlen, "count too large (at most 1000000/s)");
        count = count * 10 + (uint64_t)(*p - '0');
    }
    if (*p != '/')
        return fail(err, errlen, "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)");
    if (count == 0)
        return fail(err, errlen, "count must be at least 1 (slowest rate 1/h)");
    p++;
    uint64_t period_ms;
    switch (*p) {
    case 's':
        period_ms = 1000;
        break;
    case 'm':
        period_ms = 60 * 1000;
        break;
    case 'h':
        period_ms = 3600 * 1000;
        break;
    default:
        return fail(err, errlen, *p ? "unit must be s, m or h" : "missing unit (s, m or h)");
    }
    if (p[1] != '\0')
        return fail(err, errlen, "unit must be s, m or h (trailing characters)");
    /* count / period_ms <= RATE_MAX_PER_S / 1000 ms, without dividing. */
    if (count > RATE_MAX_PER_S / 1000 * period_ms)
        return fail(err, errlen, "faster than the maximum 1000000/s");
    out->count = count;
    out->period_ms = period_ms;
    return 0;
}

uint64_t rate_interval_us(const struct rate *r)
{
    if (!r || r->count == 0)
        return 1;
    uint64_t us = r->period_ms * 1000 / r->count;
    return us ? us : 1;
}
