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
    {"1.5/s", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    {"0x10/s", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
    {"1000001/s", "faster than the maximum 1000000/s"},
    {"60000001/m", "faster than the maximum 1000000/s"},
    {"3600000001/h", "faster than the maximum 1000000/s"},
    {"18446744073709551616/s", "count too large (at most 1000000/s)"},
    {"99999999999999999999999/h", "count too large (at most 1000000/s)"},
    {"2/s/s", "unit must be s, m or h (trailing characters)"},
    {"2 /s", "expected COUNT/UNIT with UNIT s, m or h (e.g. 2/s, 120/m)"},
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
    return check_summary();
}
