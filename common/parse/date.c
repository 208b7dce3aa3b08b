/* date.c -- feed and sitemap dates to RFC 3339 UTC. Written by hand, not with strptime (its
 * month and day names follow the locale, and it knows none of the deviations feeds are full
 * of) nor timegm (it reads the TZ environment and normalises Feb 30 into March 2 instead of
 * refusing it): days-from-civil arithmetic is a few lines and has no state. */
#include "date.h"

#include <stdio.h>
#include <string.h>

/* ---- calendar arithmetic (Howard Hinnant's days_from_civil / civil_from_days) --------- */

int64_t date_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                     /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;   /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;             /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void date_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return n[m - 1];
}

/* ---- the fields being read ------------------------------------------------------------ */

struct when {
    int64_t year;
    int month, day, hour, min, sec;
    int offset_s; /* east of UTC; 0 when no zone was written */
    bool has_day, has_month, has_year, has_time, has_zone;
};

/* Seconds since the epoch, or false when a field is out of range. */
static bool when_epoch(const struct when *w, int64_t *out)
{
    if (w->year < 1 || w->year > 9999 || w->month < 1 || w->month > 12 || w->day < 1 ||
        w->day > days_in_month(w->year, w->month) || w->hour < 0 || w->hour > 23 ||
        w->min < 0 || w->min > 59 || w->sec < 0 || w->sec > 60) /* 60: a leap second */
        return false;
    *out = date_days_from_civil(w->year, w->month, w->day) * 86400 + w->hour * 3600 +
           w->min * 60 + w->sec - w->offset_s;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads min to max digits at *p; returns how many (0 when fewer than min). */
static int read_digits(const char **p, const char *end, int min, int max, int *val)
{
    int n = 0, v = 0;
    const char *q = *p;
    while (q < end && n < max && is_digit(*q)) {
        v = v * 10 + (*q - '0');
        q++;
        n++;
    }
    if (n < min)
        return 0;
    *p = q;
    *val = v;
    return n;
}

/* A numeric zone after its sign: "hh", "hhmm", "hh:mm", "h", "hmm". */
static bool read_offset(const char **p, const char *end, int sign, int *offset_s)
{
    const char *q = *p;
    int a = 0, n = read_digits(&q, end, 1, 4, &a);
    int h, m = 0;
    if (n == 0)
        return false;
    if (n <= 2) {
        h = a;
        if (q < end && *q == ':') {
            q++;
            if (read_digits(&q, end, 2, 2, &m) != 2)
                return false;
        }
    } else {
        h = a / 100;
        m = a % 100;
    }
    if (h > 18 || m > 59 || (q < end && is_digit(*q)))
        return false;
    *offset_s = sign * (h * 3600 + m * 60);
    *p = q;
    return true;
}

/* Zone names, with their offsets in minutes. Only names that mean one thing: IST (India,
 * Ireland, Israel) and BST (British summer, Bangladesh) are refused rather than guessed. */
bool date_zone_name(const char *w, size_t n, int *offset_s)
{
    static const struct {
        const char *name;
        int min;
    } zones[] = {
        {"ut", 0},       {"utc", 0},      {"gmt", 0},      {"z", 0},        {"est", -300},
        {"edt", -240},   {"cst", -360},   {"cdt", -300},   {"mst", -420},   {"mdt", -360},
        {"pst", -480},   {"pdt", -420},   {"akst", -540},  {"akdt", -480},  {"hst", -600},
        {"ast", -240},   {"adt", -180},   {"nst", -210},   {"ndt", -150},   {"wet", 0},
        {"west", 60},    {"cet", 60},     {"cest", 120},   {"met", 60},     {"mest", 120},
        {"eet", 120},    {"eest", 180},   {"msk", 180},    {"jst", 540},    {"kst", 540},
        {"hkt", 480},    {"sgt", 480},    {"aest", 600},   {"aedt", 660},   {"acst", 570},
        {"acdt", 630},   {"awst", 480},   {"nzst", 720},   {"nzdt", 780},
    };
    if (n > 4)
        return false;
    char low[5];
    for (size_t i = 0; i < n; i++)
        low[i] = (char)((w[i] >= 'A' && w[i] <= 'Z') ? w[i] + 32 : w[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
        if (strcmp(low, zones[i].name) == 0) {
            *offset_s = zones[i].min * 60;
            return true;
        }
    return false;
}

/* A named zone, or one of the military letters a feed may still carry. */
static bool zone_name(const char *w, size_t n, int *offset_s)
{
    if (date_zone_name(w, n, offset_s))
        return true;
    if (n != 1)
        return false;
    char low = (char)((w[0] >= 'A' && w[0] <= 'Z') ? w[0] + 32 : w[0]);
    /* RFC 5322 4.3: military letters other than Z are read as -0000, their signs having
     * been given backwards in RFC 822. J is not a zone. */
    if (low >= 'a' && low <= 'y' && low != 'j') {
        *offset_s = 0;
        return true;
    }
    return false;
}

/* Month names: English, abbreviated and full, and the abbreviations of a few other languages
 * that cannot be read as another month (the corpus has Portuguese feeds: "24 Set 2018"). */
static int month_name(const char *w, size_t n)
{
    static const struct {
        const char *name;
        int month;
    } months[] = {
        {"jan", 1},       {"feb", 2},        {"mar", 3},        {"apr", 4},       {"may", 5},
        {"jun", 6},       {"jul", 7},        {"aug", 8},        {"sep", 9},       {"oct", 10},
        {"nov", 11},      {"dec", 12},       {"january", 1},    {"february", 2},  {"march", 3},
        {"april", 4},     {"june", 6},       {"july", 7},       {"august", 8},    {"september", 9},
        {"october", 10},  {"november", 11},  {"december", 12},  {"sept", 9},      {"fev", 2},
        {"abr", 4},       {"mai", 5},        {"ago", 8},        {"set", 9},       {"out", 10},
        {"dez", 12},      {"ene", 1},        {"dic", 12},       {"okt", 10},      {"mrz", 3},
        {"janv", 1},      {"avr", 4},        {"juin", 6},       {"juil", 7},
    };
    if (n > 9)
        return 0;
    char low[10];
    for (size_t i = 0; i < n; i++)
        low[i] = (char)((w[i] >= 'A' && w[i] <= 'Z') ? w[i] + 32 : w[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof(months) / sizeof(months[0]); i++)
        if (strcmp(low, months[i].name) == 0)
            return months[i].month;
    return 0;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n != k)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = (char)((w[i] >= 'A' && w[i] <= 'Z') ? w[i] + 32 : w[i]);
        if (c != lit[i])
            return false;
    }
    return true;
}

/* Skips a parenthesised comment (nested), or returns false when it is not closed. */
static bool skip_comment(const char **p, const char *end)
{
    int depth = 0;
    for (const char *q = *p; q < end; q++) {
        if (*q == '(')
            depth++;
        else if (*q == ')' && --depth == 0) {
            *p = q + 1;
            return true;
        }
    }
    return false;
}

/* "hh:mm[:ss[.frac]]" at p (the hour already known to be followed by ':'). */
static bool read_time(const char **p, const char *end, struct when *w)
{
    const char *q = *p;
    if (!read_digits(&q, end, 1, 2, &w->hour) || q >= end || *q != ':')
        return false;
    q++;
    if (read_digits(&q, end, 2, 2, &w->min) != 2)
        return false;
    w->sec = 0;
    if (q < end && *q == ':') {
        q++;
        if (read_digits(&q, end, 2, 2, &w->sec) != 2)
            return false;
        if (q + 1 < end && (*q == '.' || *q == ',') && is_digit(q[1])) {
            q++;
            while (q < end && is_digit(*q))
                q++;
        }
    }
    if (q < end && is_digit(*q))
        return false;
    w->has_time = true;
    *p = q;
    return true;
}

/* ---- ISO 8601 / W3C-DTF --------------------------------------------------------------- */

static bool looks_iso(const char *p, const char *end)
{
    if (end - p < 4 || !is_digit(p[0]) || !is_digit(p[1]) || !is_digit(p[2]) || !is_digit(p[3]))
        return false;
    return end - p == 4 || p[4] == '-';
}

/* The zone and whatever may follow it: spaces, a comment. */
static bool read_iso_tail(const char *p, const char *end, struct when *w)
{
    while (p < end && is_space(*p))
        p++;
    if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p == '-' ? -1 : 1;
        p++;
        if (!read_offset(&p, end, sign, &w->offset_s))
            return false;
        w->has_zone = true;
    } else if (p < end && is_alpha(*p)) {
        const char *s = p;
        while (p < end && is_alpha(*p))
            p++;
        if (!zone_name(s, (size_t)(p - s), &w->offset_s))
            return false;
        w->has_zone = true;
    }
    while (p < end) {
        if (is_space(*p))
            p++;
        else if (*p == '(') {
            if (!skip_comment(&p, end))
                return false;
        } else {
            return false;
        }
    }
    return true;
}

static bool parse_iso(const char *p, const char *end, struct when *w)
{
    int y = 0;
    read_digits(&p, end, 4, 4, &y);
    w->year = y;
    w->month = w->day = 1;
    if (p == end)
        return true;
    p++; /* '-' */
    if (!read_digits(&p, end, 1, 2, &w->month))
        return false;
    if (p == end)
        return true;
    if (*p != '-')
        return read_iso_tail(p, end, w) && !w->has_zone;
    p++;
    if (!read_digits(&p, end, 1, 2, &w->day))
        return false;
    if (p == end)
        return true;
    if (*p == 'T' || *p == 't') {
        p++;
    } else if (is_space(*p)) {
        while (p < end && is_space(*p))
            p++;
        if (p == end)
            return true;
        if (!is_digit(*p))
            return read_iso_tail(p, end, w) && !w->has_zone;
    } else {
        return false;
    }
    if (!read_time(&p, end, w))
        return false;
    if (p < end && (*p == 'Z' || *p == 'z') && (p + 1 == end || !is_alpha(p[1]))) {
        w->has_zone = true;
        p++;
    }
    return read_iso_tail(p, end, w);
}

/* ---- RFC 822 and what is written instead ------------------------------------------------ */

/* A number outside the time, placed by what has been seen: before the month it is the day;
 * after it the day (when not yet seen), then the year; after the year, a four-digit "1500"
 * is the time. */
static bool place_number(struct when *w, int v, int ndigits)
{
    if (!w->has_month) {
        if (w->has_day || ndigits > 2)
            return false;
        w->day = v;
        w->has_day = true;
        return true;
    }
    if (!w->has_day) {
        if (ndigits > 2)
            return false;
        w->day = v;
        w->has_day = true;
        return true;
    }
    if (!w->has_year) {
        if (ndigits < 2)
            return false;
        if (ndigits == 2)
            w->year = v < 50 ? 2000 + v : 1900 + v; /* RFC 5322 4.3 */
        else if (ndigits == 3)
            w->year = 1900 + v;
        else
            w->year = v;
        w->has_year = true;
        return true;
    }
    if (!w->has_time && ndigits == 4) {
        w->hour = v / 100;
        w->min = v % 100;
        w->sec = 0;
        w->has_time = true;
        return true;
    }
    return false;
}

static bool parse_rfc822(const char *p, const char *end, struct when *w)
{
    bool first_word = true;
    while (p < end) {
        char c = *p;
        if (is_space(c) || c == ',' || c == '.') {
            p++;
            continue;
        }
        if (c == '(') {
            if (!skip_comment(&p, end))
                return false;
            continue;
        }
        if ((c == '+' || c == '-') && p + 1 < end && is_digit(p[1]) &&
            (w->has_time || w->has_year)) {
            if (w->has_zone)
                return false;
            p++;
            if (!read_offset(&p, end, c == '-' ? -1 : 1, &w->offset_s))
                return false;
            w->has_zone = true;
            first_word = false;
            continue;
        }
        if (c == '-' || c == '/') {
            /* RFC 850's "06-Nov-94" puts dashes between the date's parts; a slash date
             * ("06/11/94") is day-first or month-first depending on the writer: refused. */
            if (c == '/')
                return false;
            p++;
            continue;
        }
        if (is_digit(c)) {
            const char *q = p;
            while (q < end && is_digit(*q))
                q++;
            if (q < end && *q == ':') {
                if (w->has_time || !read_time(&p, end, w))
                    return false;
            } else {
                int v = 0, n = read_digits(&p, end, 1, 4, &v);
                if (p < end && is_digit(*p))
                    return false; /* five digits or more: no field is that long */
                if (!place_number(w, v, n))
                    return false;
            }
            first_word = false;
            continue;
        }
        if (!is_alpha(c))
            return false;
        const char *s = p;
        while (p < end && is_alpha(*p))
            p++;
        size_t n = (size_t)(p - s);
        int month = month_name(s, n);
        int off = 0;
        if (month && !w->has_month) {
            w->month = month;
            w->has_month = true;
        } else if ((word_is(s, n, "am") || word_is(s, n, "pm")) && w->has_time) {
            if (w->hour < 1 || w->hour > 12)
                return false;
            w->hour = w->hour % 12 + (word_is(s, n, "pm") ? 12 : 0);
        } else if ((w->has_time || w->has_year) && !w->has_zone && zone_name(s, n, &off)) {
            w->offset_s = off;
            w->has_zone = true;
            /* "GMT+0200": the name, then the offset from it. */
            if (p + 1 < end && (*p == '+' || *p == '-') && is_digit(p[1])) {
                int sign = *p == '-' ? -1 : 1, extra = 0;
                p++;
                if (!read_offset(&p, end, sign, &extra))
                    return false;
                w->offset_s += extra;
            }
        } else if (first_word && !w->has_day && !w->has_month) {
            /* The weekday, in whatever language, right or wrong: the date says the day. */
        } else if (w->has_day && w->has_month && w->has_year && w->has_time && w->has_zone) {
            break; /* words after a whole date and its zone; an unknown zone is refused */
        } else {
            return false;
        }
        first_word = false;
    }
    return w->has_day && w->has_month && w->has_year;
}

bool date_parse_epoch(const char *s, int64_t *epoch_s)
{
    if (!s)
        return false;
    size_t len = strnlen(s, DATE_MAX_INPUT + 1);
    if (len > DATE_MAX_INPUT)
        return false;
    const char *p = s, *end = s + len;
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    if (p == end)
        return false;
    struct when w;
    memset(&w, 0, sizeof(w));
    bool ok = looks_iso(p, end) ? parse_iso(p, end, &w) : parse_rfc822(p, end, &w);
    return ok && when_epoch(&w, epoch_s);
}

bool date_parse(const char *s, char out[static DATE_OUT_SIZE])
{
    int64_t t;
    out[0] = '\0';
    if (!date_parse_epoch(s, &t))
        return false;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - days * 86400;
    int64_t y;
    int m, d;
    date_civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999)
        return false; /* the offset moved it out of four digits */
    snprintf(out, DATE_OUT_SIZE, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    return true;
}
