/* rate_test.c -- "COUNT/UNIT" rates: tables of good and bad strings. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rate.h"

struct good_case {
    const char *in;
    uint64_t count, period_ms, interval_us;
};

static const struct good_case good[] = {
    {"1/h", 1, 3600000, 3600000000ULL},
    {"2/s", 2, 1000, 500000},
    {"120/m", 120, 60000, 500000},
    {"1/s", 1, 1000, 1000000},
    {"1/m", 1, 60000, 60000000},
    {"3/s", 3, 1000, 333333},
    {"007/s", 7, 1000, 142857},
    {"1000000/s", 1000000, 1000, 1},
    {"60000000/m", 60000000, 60000, 1},
    {"3600000000/h", 3600000000ULL, 3600000, 1},
    {"3600/h", 3600, 3600000, 1000000},
};

struct bad_case {
    const char *in;
    const char *want; /* the whole message */
};

static const struct bad_case bad[] = {
    {"", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    {"12", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    {"/s", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    {"12/", "missing unit (s, m or h)"},
    {"12/x", "unit must be s, m or h"},
    {"12/S", "unit must be s, m or h"},
    {"12/sec", "unit must be s, m or h (trailing characters)"},
    {"12/s ", "unit must be s, m or h (trailing characters)"},
    {" 12/s", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    {"0/s", "count must be at least 1 (slowest rate 1/h)"},
    {"-1/s", "count must be a positive integer"},
    {"+1/s", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    {"0x10/s", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    {"1000001/s", "faster than the maximum 1000000/s"},
    {"60000001/m", "faster than the maximum 1000000/s"},
    {"3600000001/h", "faster than the maximum 1000000/s"},
    {"18446744073709551616/s", "count too large (at most 1000000/s)"},
    {"99999999999999999999999/h", "count too large (at most 1000000/s)"},
    {"2/s/s", "unit must be s, m or h (trailing characters)"},
    {"2 /s", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    /* A fraction: the same rate as a whole count in a longer unit, else the nearest. */
    {"0.5/s", "expected a whole COUNT per s, m or h; 0.5/s is 30/m"},
    {"1.5/s", "expected a whole COUNT per s, m or h; 1.5/s is 90/m"},
    {"0.25/m", "expected a whole COUNT per s, m or h; 0.25/m is 15/h"},
    {"0.001/s", "expected a whole COUNT per s, m or h; 0.001/s is about 4/h"},
    {"0.5/h", "expected a whole COUNT per s, m or h; 0.5/h is about 1/h"},
    {"0.1/h", "expected a whole COUNT per s, m or h; 0.1/h is slower than the slowest rate, 1/h"},
    {"0.0/s", "expected a whole COUNT per s, m or h"},
    {"0.5/x", "expected a whole COUNT per s, m or h"},
    {"0.5.1/s", "expected a whole COUNT per s, m or h"},
};

int main(void)
{
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct rate r = {0, 0};
        char err[128] = "";
        int rc = rate_parse(good[i].in, &r, err, sizeof(err));
        CHECK_EQ(rc, 0);
        if (rc != 0)
            fprintf(stderr, "  [%s] %s\n", good[i].in, err);
        CHECK_EQ(r.count, good[i].count);
        CHECK_EQ(r.period_ms, good[i].period_ms);
        CHECK_EQ(rate_interval_us(&r), good[i].interval_us);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rate r = {42, 42};
        char err[128] = "";
        CHECK_EQ(rate_parse(bad[i].in, &r, err, sizeof(err)), -1);
        CHECK_STR_EQ_CTX(bad[i].in, err, bad[i].want);
        CHECK(r.count == 42 && r.period_ms == 42); /* untouched on failure */
    }
    struct rate r;
    char err[128];
    CHECK_EQ(rate_parse(NULL, &r, err, sizeof(err)), -1);
    CHECK_EQ(rate_parse("2/s", &r, NULL, 0), 0);
    CHECK_EQ(rate_parse("2/x", &r, NULL, 0), -1);
    CHECK_EQ(rate_parse("0.5/s", &r, NULL, 0), -1);
    /* Logged as written. */
    char buf[32];
    static const char *const as_written[] = {"2/s", "120/m", "1/h", "1000000/s"};
    for (size_t i = 0; i < sizeof(as_written) / sizeof(*as_written); i++) {
        CHECK_EQ(rate_parse(as_written[i], &r, NULL, 0), 0);
        CHECK_STR_EQ(rate_format(&r, buf, sizeof(buf)), as_written[i]);
    }
    return check_summary();
}
