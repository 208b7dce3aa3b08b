/* rate.c -- parsing "COUNT/UNIT" request rates; strict, so a typo is a usage error. */
#include "rate.h"

#include <stdio.h>
#include <string.h>

#define RATE_MAX_PER_S 1000000ULL /* the contract's ceiling: 1000000/s */
#define RATE_FRACTION_DIGITS 9    /* a fraction with more digits is not worth a suggestion */

static const struct {
    char unit;
    uint64_t period_ms;
} UNITS[] = {{'s', 1000}, {'m', 60 * 1000}, {'h', 3600 * 1000}};
#define NUNITS (sizeof(UNITS) / sizeof(*UNITS))

/* The reason only: the caller names the flag and the value. */
static int fail(char *err, size_t errlen, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", why);
    return -1;
}

/* s is "WHOLE.FRACTION/UNIT" (the caller saw the '.'): says it must be whole, with the same
 * rate in a longer unit when one makes it whole ("0.5/s is 30/m"), else the nearest. */
static int fail_fraction(const char *s, char *err, size_t errlen)
{
    static const char expected[] = "expected a whole COUNT per s, m or h";
    /* The value as num / 10^digits, digit by digit: no float rounding in the suggestion. */
    uint64_t num = 0, scale = 1;
    int digits = 0, seen_dot = 0;
    const char *p = s;
    for (; (*p >= '0' && *p <= '9') || (*p == '.' && !seen_dot); p++) {
        if (*p == '.') {
            seen_dot = 1;
            continue;
        }
        if (num > UINT64_MAX / 100 || digits > RATE_FRACTION_DIGITS)
            return fail(err, errlen, expected);
        num = num * 10 + (uint64_t)(*p - '0');
        if (seen_dot) {
            scale *= 10;
            digits++;
        }
    }
    size_t u = NUNITS;
    for (size_t i = 0; p[0] == '/' && p[1] && !p[2] && i < NUNITS; i++)
        if (UNITS[i].unit == p[1])
            u = i;
    if (u == NUNITS || num == 0)
        return fail(err, errlen, expected);
    /* Per a longer unit: num / scale * factor. */
    for (size_t i = u + 1; i < NUNITS; i++) {
        uint64_t factor = UNITS[i].period_ms / UNITS[u].period_ms;
        if (num <= UINT64_MAX / factor && num * factor % scale == 0) {
            if (err && errlen)
                snprintf(err, errlen, "%s; %s is %llu/%c", expected, s,
                         (unsigned long long)(num * factor / scale), UNITS[i].unit);
            return -1;
        }
    }
    uint64_t factor = UNITS[NUNITS - 1].period_ms / UNITS[u].period_ms;
    uint64_t per_h = num <= UINT64_MAX / factor ? (num * factor + scale / 2) / scale : 0;
    if (err && errlen) {
        if (per_h >= 1)
            snprintf(err, errlen, "%s; %s is about %llu/h", expected, s,
                     (unsigned long long)per_h);
        else
            snprintf(err, errlen, "%s; %s is slower than the slowest rate, 1/h", expected, s);
    }
    return -1;
}

const char *rate_format(const struct rate *r, char *buf, size_t buflen)
{
    for (size_t i = 0; i < NUNITS; i++)
        if (r->period_ms == UNITS[i].period_ms) {
            snprintf(buf, buflen, "%llu/%c", (unsigned long long)r->count, UNITS[i].unit);
            return buf;
        }
    snprintf(buf, buflen, "%llu/%llums", (unsigned long long)r->count,
             (unsigned long long)r->period_ms);
    return buf;
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
    if (*p == '.')
        return fail_fraction(s, err, errlen);
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
