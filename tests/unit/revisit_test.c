/* revisit_test.c -- the revisit hash's key and the poll schedule arithmetic. */
#include <string.h>

#include "check.h"
#include "revisit.h"

static void key(void)
{
    char k[256], k2[256];
    CHECK_EQ(revisit_key(k, sizeof(k), "p", "http://Example.com:8080/a?b"), 0);
    CHECK(strncmp(k, "p:{example.com}:revisit:", 24) == 0);
    CHECK_EQ(strlen(k), 24 + 16);
    CHECK_EQ(revisit_key(k2, sizeof(k2), "p", "http://example.com:8080/a?c"), 0);
    CHECK(strcmp(k, k2) != 0);
    CHECK_EQ(revisit_key(k, sizeof(k), "p", "not a url"), -1);
    CHECK_EQ(revisit_key(k, 10, "p", "http://example.com/"), -1);
    char d1[17], d2[17];
    revisit_digest("abc", 3, d1);
    revisit_digest("abd", 3, d2);
    CHECK_EQ(strlen(d1), 16);
    CHECK(strcmp(d1, d2) != 0);
}

static void schedule(void)
{
    const int64_t every = 900000, max = 4 * 900000;
    /* First poll, or a change: back to --every. */
    CHECK_EQ(revisit_next_interval(every, max, 0, false, 0), every);
    CHECK_EQ(revisit_next_interval(every, max, max, true, 0), every);
    /* Unchanged: doubles up to --every-max. */
    CHECK_EQ(revisit_next_interval(every, max, every, false, 0), 2 * every);
    CHECK_EQ(revisit_next_interval(every, max, 2 * every, false, 0), max);
    CHECK_EQ(revisit_next_interval(every, max, max, false, 0), max);
    CHECK_EQ(revisit_next_interval(every, max, 3 * every, false, 0), max);
    /* The server's word raises it, within the bounds. */
    CHECK_EQ(revisit_next_interval(every, max, 0, true, 1800000), 1800000);
    CHECK_EQ(revisit_next_interval(every, max, 0, true, 100), every);
    CHECK_EQ(revisit_next_interval(every, max, 0, true, 10 * max), max);
    /* A max below every counts as every. */
    CHECK_EQ(revisit_next_interval(every, 1, every, false, 0), every);
}

int main(void)
{
    key();
    schedule();
    return check_summary();
}
