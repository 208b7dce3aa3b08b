/* date.h -- dates as feeds and sitemaps write them (RFC 822 and its real-world deviations,
 * W3C-DTF / ISO 8601) turned into one RFC 3339 UTC form, or refused. Nothing here allocates,
 * reads the locale or the time zone database. */
#ifndef TRAWL_DATE_H
#define TRAWL_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DATE_MAX_INPUT 200 /* longer strings are refused unread: no date is that long */
#define DATE_OUT_SIZE 32   /* room for "YYYY-MM-DDTHH:MM:SSZ" and its NUL, with margin */

/* Parses s and writes it into out as RFC 3339 UTC, "2026-12-06T04:46:41Z" (fractional
 * seconds dropped). Returns false, with out set to "", when s is NULL, empty, longer than
 * DATE_MAX_INPUT, or not a date read without guessing: a field out of range (month 13,
 * day 32, Feb 30, hour 25), an unknown word where a month or a zone must be, a bare number.
 *
 * Accepted, besides the standards: a missing or wrong weekday (ignored), one- or two-digit
 * days, two- and three-digit years (RFC 5322: 00-49 are 20xx, 50-999 add 1900), full month
 * names (and the Portuguese/Spanish/German/French abbreviations that cannot be read as
 * another month), "Month day, year", asctime's "Sun Nov 6 08:49:37 1994", missing seconds,
 * "1500" for "15:00", AM/PM, named zones (UT, GMT, UTC, Z, the North American ones and a few
 * unambiguous others), military letters other than Z read as -0000 (RFC 5322 4.3: their
 * signs were never agreed), numeric zones with or without a colon, no zone (read as UTC),
 * a parenthesised comment anywhere, extra spaces and commas. ISO 8601: date only, year-month,
 * year, with or without seconds, fractions, 'T', 't' or a space, 'Z', 'z', +hh:mm, +hhmm,
 * +hh. Years 1 to 9999 after the offset is applied. */
bool date_parse(const char *s, char out[static DATE_OUT_SIZE]);

/* The same parse, giving seconds since 1970-01-01T00:00:00Z (negative before). */
bool date_parse_epoch(const char *s, int64_t *epoch_s);

/* The offset east of UTC, in seconds, of the zone named by the n bytes at w (any case):
 * RFC 822's (UT, GMT, Z, EST ... PDT), UTC and a few other names that mean one zone only.
 * False for anything else, military letters other than Z included (they say nothing). */
bool date_zone_name(const char *w, size_t n, int *offset_s);

/* Days since 1970-01-01 of a proleptic Gregorian date (any y; m 1-12; d 1-31 unchecked). */
int64_t date_days_from_civil(int64_t y, int m, int d);

/* The inverse: the date of day z since 1970-01-01. */
void date_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif
