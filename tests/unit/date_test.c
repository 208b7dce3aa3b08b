/* date_test.c -- date_parse on every date form found in the shared corpus's feeds (pubDate,
 * lastBuildDate, dc:date, published, updated, issued, modified), the deviations feeds are
 * known for, and nonsense that must be refused rather than guessed at. */
#include <stdint.h>

#include "check.h"
#include "date.h"

static const struct {
    const char *in;
    const char *want; /* NULL: refused */
} cases[] = {
    /* Corpus forms: W3C-DTF with every kind of zone. */
    {"2008-06-11T02:30:00-07:00", "2008-06-11T09:30:00Z"},
    {"2003-12-13T18:30:02Z", "2003-12-13T18:30:02Z"},
    {"2015-11-12T21:16:39+00:00", "2015-11-12T21:16:39Z"},
    {"2009-01-03T07:12:23.123-08:00", "2009-01-03T15:12:23Z"},
    {"2017-10-16T15:10:00.000Z", "2017-10-16T15:10:00Z"},
    /* Corpus forms: RFC 822 and the ways feeds write it. */
    {"Tue, 03 Jun 2003 09:39:21 GMT", "2003-06-03T09:39:21Z"},
    {"Tue, 10 Jun 2008 09:46:23 PST", "2008-06-10T17:46:23Z"},
    {"Thu, 12 Nov 2015 21:16:39 +0000", "2015-11-12T21:16:39Z"},
    {"Wed, 9 Apr 2008 10:00:00 +0200", "2008-04-09T08:00:00Z"},
    {"Seg, 24 Set 2018 19:18:49 -0300", "2018-09-24T22:18:49Z"},
    {"Fri, 16 June 2006 10:30:00 GMT", "2006-06-16T10:30:00Z"},
    {"Mon, 25 July 2011 01:30:00 EST", "2011-07-25T06:30:00Z"},
    {"Fri, 23 December 2011 10:00:00 EST", "2011-12-23T15:00:00Z"},
    {"Sun, 12 August 2012 10:00:00 EST", "2012-08-12T15:00:00Z"},
    {"Fri, 08 Jul 2016 13:40:00 UTC", "2016-07-08T13:40:00Z"},
    {"Thu, 07 May 2020 07:36:53 Z", "2020-05-07T07:36:53Z"},
    {"Wed 23 Oct 2013 10:00:00 GMT", "2013-10-23T10:00:00Z"},
    {"Fri 9 Dec 2011 12:00:00 GMT", "2011-12-09T12:00:00Z"},
    {"01 Mar 2013 12:00:00 EST", "2013-03-01T17:00:00Z"},
    {"03 Apr 02 1500 GMT", "2002-04-03T15:00:00Z"},
    {"Wed, 03 Jan 2018 13:47:00 GMT\r\n      ", "2018-01-03T13:47:00Z"},
    {"Sun, 06 Jul 2014 12:56:00 GMT", "2014-07-06T12:56:00Z"},
    /* Weekday missing, wrong, or full. */
    {"10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},
    {"Mon, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},
    {"Tuesday, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},
    /* Two- and three-digit years, one-digit days, no seconds, no zone. */
    {"Tue, 10 Jun 03 04:00:00 GMT", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 99 04:00:00 GMT", "1999-06-10T04:00:00Z"},
    {"Tue, 10 Jun 103 04:00:00 GMT", "2003-06-10T04:00:00Z"},
    {"Tue, 1 Jun 2003 04:00 GMT", "2003-06-01T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00", "2003-06-10T04:00:00Z"},
    {"10 Jun 2003", "2003-06-10T00:00:00Z"},
    /* Zones: every North American name, numeric with a colon, military letters. */
    {"Tue, 10 Jun 2003 04:00:00 UT", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 EDT", "2003-06-10T08:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 CST", "2003-06-10T10:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 CDT", "2003-06-10T09:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 MST", "2003-06-10T11:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 MDT", "2003-06-10T10:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 PDT", "2003-06-10T11:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 +05:30", "2003-06-09T22:30:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 -0930", "2003-06-10T13:30:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 A", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 z", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 GMT+0200", "2003-06-10T02:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 CEST", "2003-06-10T02:00:00Z"},
    /* Extra spaces, comments, commas in odd places, lower case, AM/PM, other orders. */
    {"  Tue,  10   Jun  2003   04:00:00   GMT  ", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00 -0700 (PDT)", "2003-06-10T11:00:00Z"},
    {"Tue, 10 Jun, 2003, 04:00:00 GMT", "2003-06-10T04:00:00Z"},
    {"tue, 10 jun 2003 04:00:00 gmt", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00 PM GMT", "2003-06-10T16:00:00Z"},
    {"Tue, 10 Jun 2003 12:30 AM GMT", "2003-06-10T00:30:00Z"},
    {"June 10, 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"},
    {"Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z"},
    {"Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z"},
    {"Tue, 10 Jun 2003 04:00:00 GMT and some words", "2003-06-10T04:00:00Z"},
    {"Tue, 10 Jun 2003 04:00:00.5 GMT", "2003-06-10T04:00:00Z"},
    /* W3C-DTF / ISO 8601. */
    {"2003-12-13", "2003-12-13T00:00:00Z"},
    {"2003-12", "2003-12-01T00:00:00Z"},
    {"2003", "2003-01-01T00:00:00Z"},
    {"2003-12-13T18:30Z", "2003-12-13T18:30:00Z"},
    {"2003-12-13T18:30:02.25+01:00", "2003-12-13T17:30:02Z"},
    {"2003-12-13T18:30:02+0100", "2003-12-13T17:30:02Z"},
    {"2003-12-13T18:30:02+01", "2003-12-13T17:30:02Z"},
    {"2003-12-13t18:30:02z", "2003-12-13T18:30:02Z"},
    {"2003-12-13 18:30:02", "2003-12-13T18:30:02Z"},
    {"2003-12-13 18:30:02 +0000", "2003-12-13T18:30:02Z"},
    {"2003-12-13 18:30:02 UTC", "2003-12-13T18:30:02Z"},
    {"2003-12-13T18:30:02", "2003-12-13T18:30:02Z"},
    {"2003-12-31T23:30:00-01:00", "2004-01-01T00:30:00Z"},
    {"2004-02-29T00:00:00Z", "2004-02-29T00:00:00Z"},
    {"2000-02-29", "2000-02-29T00:00:00Z"},
    {"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"},
    {"2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"},
    /* Nonsense: refused, never guessed. */
    {"", NULL},
    {"   ", NULL},
    {"yesterday", NULL},
    {"not a date at all", NULL},
    {"1518478934", NULL}, /* a Unix time in dc:date (corpus): seconds or milliseconds? */
    {"2003-13-01", NULL},
    {"2003-12-32", NULL},
    {"2003-02-30", NULL},
    {"1900-02-29", NULL},
    {"2003-12-13T25:00:00Z", NULL},
    {"2003-12-13T24:00:00Z", NULL},
    {"2003-12-13T12:60:00Z", NULL},
    {"2003-12-13T12:00:61Z", NULL},
    {"2003-12-13T12:00:00+25:00", NULL},
    {"2003-12-13T12:00:00 junk", NULL},
    {"2003-12-13X12:00:00", NULL},
    {"Tue, 32 Jun 2003 04:00:00 GMT", NULL},
    {"Tue, 31 Jun 2003 04:00:00 GMT", NULL},
    {"Tue, 10 Foo 2003 04:00:00 GMT", NULL},
    {"Tue, 10 Jun 2003 25:00:00 GMT", NULL},
    {"Tue, 10 Jun 2003 04:00:00 XYZ", NULL},
    {"Tue, 10 Jun 2003 04:00:00 IST", NULL},
    {"Tue, 10 Jun 2003 04:00:00 (GMT", NULL},
    {"Tue, 10 Jun", NULL},
    {"Jun 2003", NULL},
    {"10/06/2003", NULL},
    {"Tue, 10 Jun 2003 13:00 PM GMT", NULL},
    {"Tue, 10 Jun 12003 04:00:00 GMT", NULL},
    {"Tue, 10 Jun 2003 04:00:00 +0000 +0000", NULL},
    {"Jun Jun 10 2003", NULL},
    {"0000-01-01", NULL},
    {"9999-12-31T23:00:00-02:00", NULL},
};

static void test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[DATE_OUT_SIZE];
        bool ok = date_parse(cases[i].in, out);
        CHECK_STR_EQ_CTX(cases[i].in, ok ? out : NULL, cases[i].want);
        if (!ok)
            CHECK_STR_EQ_CTX(cases[i].in, out, "");
    }
}

static void test_edges(void)
{
    char out[DATE_OUT_SIZE];
    CHECK(!date_parse(NULL, out));
    /* Over DATE_MAX_INPUT: refused unread, even when a date starts it. */
    char longer[DATE_MAX_INPUT + 40];
    memset(longer, ' ', sizeof(longer));
    memcpy(longer, "2003-12-13", 10);
    longer[sizeof(longer) - 1] = '\0';
    CHECK(!date_parse(longer, out));
    int64_t t = 0;
    CHECK(date_parse_epoch("1970-01-01T00:00:00Z", &t));
    CHECK_EQ(t, 0);
    CHECK(date_parse_epoch("Thu, 01 Jan 1970 00:00:01 +0000", &t));
    CHECK_EQ(t, 1);
    CHECK(date_parse_epoch("1969-12-31T23:59:59Z", &t));
    CHECK_EQ(t, -1);
    /* days_from_civil agrees with a day-by-day count over four centuries. */
    int64_t days = date_days_from_civil(1800, 1, 1);
    bool agree = true;
    for (int y = 1800; y < 2200 && agree; y++)
        for (int m = 1; m <= 12 && agree; m++) {
            static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            int dim = n[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
            for (int d = 1; d <= dim; d++, days++)
                if (date_days_from_civil(y, m, d) != days) {
                    agree = false;
                    break;
                }
        }
    CHECK(agree);
}

int main(void)
{
    test_table();
    test_edges();
    return check_summary();
}
