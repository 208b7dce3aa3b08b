/* header_test.c -- user header lines: what is refused (with the reason) and the line libcurl
 * gets for what is taken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "header.h"

struct header_case {
    const char *in;   /* --header's text */
    const char *want; /* the line, or NULL when refused */
    const char *why;  /* refused: a substring of the reason */
};

static const struct header_case cases[] = {
    {"X-Test: one", "X-Test: one", NULL},
    {"X-Test:one", "X-Test: one", NULL},
    {"X-Test:   padded \t", "X-Test: padded", NULL},
    {"X-Test: inner  spaces\tand tab", "X-Test: inner  spaces\tand tab", NULL},
    {"X-Empty:", "X-Empty;", NULL},
    {"X-Empty:   ", "X-Empty;", NULL},
    {"Cookie: a=1; b=2", "Cookie: a=1; b=2", NULL},
    {"!#$%&'*+-.^_`|~09az: v", "!#$%&'*+-.^_`|~09az: v", NULL},
    {"X-Colon: a:b", "X-Colon: a:b", NULL},
    {"X-Utf8: caf\xc3\xa9", "X-Utf8: caf\xc3\xa9", NULL},
    {"no colon", NULL, "expected NAME: VALUE"},
    {": value", NULL, "no header name"},
    {"X Bad: v", NULL, "not a valid header name"},
    {"X-Bad : v", NULL, "not a valid header name"},
    {"X(Bad): v", NULL, "not a valid header name"},
    {"X-A: a\r\nEvil: 1", NULL, "CR or LF"},
    {"X-A: a\nb", NULL, "CR or LF"},
    {"X-A: a\x01", NULL, "control byte (0x01)"},
    {"X-A: a\x7f", NULL, "control byte (0x7f)"},
    {"User-Agent: me", NULL, "set it with --user-agent"},
    {"user-agent:me", NULL, "set it with --user-agent"},
    {"Content-Length: 3", NULL, "no request body"},
    {"transfer-encoding: chunked", NULL, "no request body"},
};

static void test_parse(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        char *line = header_parse(cases[i].in, err, sizeof(err));
        if (cases[i].want) {
            CHECK(line != NULL);
            if (line)
                CHECK_STR_EQ(line, cases[i].want);
            else
                fprintf(stderr, "  [%s]: %s\n", cases[i].in, err);
        } else {
            CHECK(line == NULL);
            CHECK(strstr(err, cases[i].why) != NULL);
            if (!strstr(err, cases[i].why))
                fprintf(stderr, "  [%s]\n  got:  %s\n  want: %s\n", cases[i].in, err,
                        cases[i].why);
        }
        free(line);
    }
}

static void test_too_long(void)
{
    char *big = malloc(HEADER_MAX_BYTES + 16);
    CHECK(big != NULL);
    if (!big)
        return;
    memcpy(big, "X-Big: ", 7);
    memset(big + 7, 'a', HEADER_MAX_BYTES);
    big[HEADER_MAX_BYTES + 7] = '\0';
    char err[256] = "";
    CHECK(header_parse(big, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "longer than") != NULL);
    free(big);
}

static void test_same_name(void)
{
    CHECK(header_same_name("X-A: 1", "x-a: 2"));
    CHECK(header_same_name("X-A;", "x-a: 2"));
    CHECK(!header_same_name("X-A: 1", "X-AB: 1"));
    CHECK(!header_same_name("X-AB: 1", "X-A: 1"));
}

int main(void)
{
    test_parse();
    test_too_long();
    test_same_name();
    return check_summary();
}
