/* errcode_test.c -- the error table: names round-trip, what is transient, and the README's
 * table of codes says exactly what the program's does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "errcode.h"

static void names_round_trip(void)
{
    char buf[ERRCODE_NAME_MAX];
    for (int c = ERR_NONE + 1; c < ERR_HTTP_STATUS; c++) {
        long status = -1;
        CHECK_EQ(errcode_parse(errcode_name((enum errcode)c, 0, buf, sizeof(buf)), &status), c);
        CHECK_EQ(status, -1);
        for (int d = c + 1; d < ERR_COUNT; d++)
            CHECK(strcmp(ERRCODE[c].name, ERRCODE[d].name) != 0);
    }
    long status = 0;
    CHECK_STR_EQ_CTX("http", errcode_name(ERR_HTTP_STATUS, 503, buf, sizeof(buf)), "http_503");
    CHECK_EQ(errcode_parse("http_503", &status), ERR_HTTP_STATUS);
    CHECK_EQ(status, 503);
    CHECK_EQ(errcode_parse("http_", NULL), ERR_NONE);
    CHECK_EQ(errcode_parse("http_5x", NULL), ERR_NONE);
    CHECK_EQ(errcode_parse("http_NNN", NULL), ERR_NONE);
    CHECK_EQ(errcode_parse("", NULL), ERR_NONE);
    CHECK_EQ(errcode_parse("DNS", NULL), ERR_NONE);
    CHECK_EQ(errcode_parse("nonsense", NULL), ERR_NONE);
}

static void transient(void)
{
    static const enum errcode yes[] = {ERR_DNS, ERR_CONNECT, ERR_TIMEOUT, ERR_RESET,
                                       ERR_EMPTY_REPLY, ERR_HTTP_STATUS};
    int n = 0;
    for (int c = 0; c < ERR_COUNT; c++)
        n += ERRCODE[c].transient;
    CHECK_EQ(n, (int)(sizeof(yes) / sizeof(*yes)));
    for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
        CHECK(ERRCODE[yes[i]].transient);
    CHECK(errcode_status_transient(429));
    CHECK(errcode_status_transient(502));
    CHECK(errcode_status_transient(503));
    CHECK(errcode_status_transient(504));
    CHECK(!errcode_status_transient(500));
    CHECK(!errcode_status_transient(404));
    CHECK(!errcode_status_transient(200));
}

/* Every row "| `code` | yes|no | meaning |" of the README, against the table. */
static void readme_agrees(void)
{
    FILE *f = fopen(TRAWL_SOURCE_DIR "/README.md", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    int seen[ERR_COUNT] = {0};
    int rows = 0;
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        char name[64], retried[8];
        int used = 0;
        if (sscanf(line, "| `%63[a-zA-Z_]` | %7[a-z] | %n", name, retried, &used) != 2 || !used)
            continue;
        char *meaning = line + used;
        char *end = strstr(meaning, " |");
        if (!end || (strcmp(retried, "yes") != 0 && strcmp(retried, "no") != 0))
            continue;
        *end = '\0';
        rows++;
        int c = strcmp(name, "http_NNN") == 0 ? ERR_HTTP_STATUS : errcode_parse(name, NULL);
        CHECK_STR_EQ_CTX("README code", c ? name : NULL, name);
        if (!c)
            continue;
        seen[c]++;
        CHECK_EQ(strcmp(retried, "yes") == 0, ERRCODE[c].transient);
        CHECK_STR_EQ_CTX(name, meaning, ERRCODE[c].meaning);
    }
    fclose(f);
    for (int c = ERR_NONE + 1; c < ERR_COUNT; c++) {
        if (seen[c] != 1)
            fprintf(stderr, "README lists %s %d times\n", ERRCODE[c].name, seen[c]);
        CHECK_EQ(seen[c], 1);
    }
    CHECK_EQ(rows, ERR_COUNT - 1);
}

int main(void)
{
    names_round_trip();
    transient();
    readme_agrees();
    return check_summary();
}
