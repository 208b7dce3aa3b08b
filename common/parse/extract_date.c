/* extract_date.c -- the dates a page states (JSON-LD, <meta>, <time datetime>), read and
 * written in one form: RFC 3339 in UTC when the page gives a zone, the ISO form as found
 * otherwise. By hand: strptime is locale-bound and silently accepts partial input, and
 * libc has no portable timegm for the offsets; the forms pages use are few. Not date.c's
 * parser: a feed's zone-less date is read as UTC, a page's is kept as the page wrote it
 * (and a date alone stays a date); the calendar arithmetic and the zone names are date.c's. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "extract_walk.h"

struct date {
    int year, mon, day, hour, min, sec;
    bool has_time, has_zone;
    int offset_min; /* east of UTC */
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits at *p; returns -1 when they are not there. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

static char tolower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void skip_space(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

static bool valid(const struct date *d)
{
    return d->year >= 1000 && d->year <= 9999 && d->mon >= 1 && d->mon <= 12 && d->day >= 1 &&
           d->day <= days_in_month(d->year, d->mon) && d->hour >= 0 && d->hour <= 23 &&
           d->min >= 0 && d->min <= 59 && d->sec >= 0 && d->sec <= 60;
}

/* Time of day "HH:MM[:SS[.fff]]" (fractions are dropped), then an optional zone: "Z",
 * "+HH:MM", "+HHMM", "+HH", or a name date.c knows ("UTC", "EST", "PDT"; a space before
 * the zone is allowed). Also "am"/"pm" after the time. An unknown word after the time is
 * left for the caller, which refuses the date. */
static bool parse_time_zone(const char **pp, struct date *d)
{
    const char *p = *pp;
    d->hour = digits(&p, 2);
    if (d->hour < 0) {
        p = *pp;
        if (!is_digit(*p))
            return false;
        d->hour = *p++ - '0'; /* "6:01 am" */
    }
    if (*p++ != ':')
        return false;
    d->min = digits(&p, 2);
    if (d->min < 0)
        return false;
    d->sec = 0;
    if (*p == ':') {
        p++;
        d->sec = digits(&p, 2);
        if (d->sec < 0)
            return false;
        if (*p == '.' || *p == ',') {
            p++;
            if (!is_digit(*p))
                return false;
            while (is_digit(*p))
                p++;
        }
    }
    d->has_time = true;
    const char *q = p;
    skip_space(&q);
    if (strncasecmp(q, "am", 2) == 0 || strncasecmp(q, "pm", 2) == 0) {
        if (d->hour < 1 || d->hour > 12)
            return false;
        d->hour = d->hour % 12 + (tolower_ascii(q[0]) == 'p' ? 12 : 0);
        p = q + 2;
        q = p;
        skip_space(&q);
    }
    if (*p == 'Z' || *p == 'z') {
        d->has_zone = true;
        p++;
    } else if (*q == '+' || *q == '-') {
        int sign = *q == '-' ? -1 : 1;
        const char *z = q + 1;
        int h = digits(&z, 2), m = 0;
        if (h < 0 || h > 23)
            return false;
        if (*z == ':')
            z++;
        if (is_digit(*z)) {
            m = digits(&z, 2);
            if (m < 0 || m > 59)
                return false;
        }
        d->has_zone = true;
        d->offset_min = sign * (h * 60 + m);
        p = z;
    } else {
        const char *z = q;
        while ((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z'))
            z++;
        int offset_s;
        if (z > q && date_zone_name(q, (size_t)(z - q), &offset_s)) {
            d->has_zone = true;
            d->offset_min = offset_s / 60;
            p = z;
        }
    }
    *pp = p;
    return true;
}

static int month_from_name(const char **pp)
{
    static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
    const char *p = *pp;
    for (int i = 0; i < 12; i++) {
        if (strncasecmp(p, names[i], 3) == 0) {
            p += 3;
            while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                p++; /* "April", "Sept" */
            if (*p == '.')
                p++;
            *pp = p;
            return i + 1;
        }
    }
    return -1;
}

static int number(const char **pp, int maxdigits)
{
    const char *p = *pp;
    int v = 0, n = 0;
    while (is_digit(*p) && n < maxdigits) {
        v = v * 10 + (*p++ - '0');
        n++;
    }
    if (n == 0 || is_digit(*p))
        return -1;
    *pp = p;
    return v;
}

/* "2019-04-28", "2019-04-28T06:01:07.5+02:00", "2019-04-28 06:01:07", "20190428T060107Z"
 * is not read (pages do not write it). */
static bool parse_iso(const char *p, struct date *d)
{
    d->year = digits(&p, 4);
    if (d->year < 0 || *p++ != '-')
        return false;
    d->mon = digits(&p, 2);
    if (d->mon < 0 || *p++ != '-')
        return false;
    d->day = digits(&p, 2);
    if (d->day < 0)
        return false;
    if ((*p == 'T' || *p == 't' || *p == ' ') && is_digit(p[1])) {
        p++;
        if (!parse_time_zone(&p, d))
            return false;
    }
    skip_space(&p);
    return *p == '\0';
}

/* RFC 2822 and the words pages write: "Tue, 22 Dec 2016 10:43:37 -0800", "28 April 2019",
 * "April 28, 2019", "April 28, 2019 at 6:01 am" (a time after the date is optional). */
static bool parse_words(const char *p, struct date *d)
{
    skip_space(&p);
    const char *probe = p;
    if (month_from_name(&probe) < 0 && !is_digit(*p)) {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            p++; /* a weekday */
        if (*p == ',')
            p++;
        skip_space(&p);
    }
    if (is_digit(*p)) {
        d->day = number(&p, 2);
        skip_space(&p);
        d->mon = month_from_name(&p);
    } else {
        d->mon = month_from_name(&p);
        skip_space(&p);
        d->day = number(&p, 2);
        if (*p == ',')
            p++;
    }
    if (d->day < 0 || d->mon < 0)
        return false;
    skip_space(&p);
    d->year = number(&p, 4);
    if (d->year < 0)
        return false;
    if (*p == ',')
        p++;
    skip_space(&p);
    if (strncasecmp(p, "at ", 3) == 0)
        p += 3;
    if (is_digit(*p) && !parse_time_zone(&p, d))
        return false;
    skip_space(&p);
    return *p == '\0';
}

int extract_date_norm(const char *s, char *out, size_t outlen)
{
    if (outlen)
        out[0] = '\0';
    if (!s)
        return -1;
    char buf[96];
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n + 1);
    struct date d;
    memset(&d, 0, sizeof(d));
    bool ok = is_digit(buf[0]) && is_digit(buf[1]) && is_digit(buf[2]) && is_digit(buf[3])
                  ? parse_iso(buf, &d)
                  : false;
    if (!ok) {
        memset(&d, 0, sizeof(d));
        ok = parse_words(buf, &d);
    }
    if (!ok || !valid(&d))
        return -1;
    int w;
    if (d.has_time && d.has_zone) {
        int64_t secs = date_days_from_civil(d.year, d.mon, d.day) * 86400 + d.hour * 3600 +
                       d.min * 60 + (d.sec > 59 ? 59 : d.sec) - d.offset_min * 60;
        int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
        int64_t rem = secs - days * 86400;
        int64_t y;
        int m, dd;
        date_civil_from_days(days, &y, &m, &dd);
        w = snprintf(out, outlen, "%04lld-%02d-%02dT%02lld:%02lld:%02lldZ", (long long)y, m, dd,
                     (long long)(rem / 3600), (long long)(rem / 60 % 60), (long long)(rem % 60));
    } else if (d.has_time) {
        w = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d", d.year, d.mon, d.day, d.hour,
                     d.min, d.sec);
    } else {
        w = snprintf(out, outlen, "%04d-%02d-%02d", d.year, d.mon, d.day);
    }
    if (w < 0 || (size_t)w >= outlen) {
        if (outlen)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

/* A weekday's name ("Tue", "Tuesday", "tue."), then a comma or a space. */
static bool weekday_name(const char *p)
{
    static const char *const names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int i = 0; i < 7; i++) {
        if (strncasecmp(p, names[i], 3) != 0)
            continue;
        p += 3;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            p++;
        if (*p == '.')
            p++;
        return *p == ',' || *p == ' ';
    }
    return false;
}

size_t extract_date_tail(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 1; i + 1 < n; i++) {
        const char *p = s + i;
        /* only where a date can start: parse_words would take any word for a weekday */
        if (s[i - 1] != ' ' || *p == ' ' ||
            !(is_digit(*p) || month_from_name(&p) >= 0 || weekday_name(s + i)))
            continue;
        char out[40];
        if (extract_date_norm(s + i, out, sizeof(out)) == 0)
            return i;
    }
    return n;
}
