/* sentinel_test.c -- redis-sentinel:// URLs (the lookup itself is tested against real
 * sentinels end to end). */
#include <string.h>

#include "check.h"
#include "sentinel.h"

static int parse(const char *url, struct sentinel_target *t, char *err)
{
    return sentinel_parse_url(url, t, err, 256);
}

int main(void)
{
    struct sentinel_target t;
    char err[256];
    CHECK(sentinel_url_is("redis-sentinel://h:1/m"));
    CHECK(!sentinel_url_is("redis://h:1/0"));

    CHECK_EQ(parse("redis-sentinel://127.0.0.1:26379,10.0.0.2:26380,[::1]/mymaster", &t, err), 0);
    CHECK_EQ(t.nsentinels, 3);
    CHECK_STR_EQ(t.sentinels[0].host, "127.0.0.1");
    CHECK_EQ(t.sentinels[0].port, 26379);
    CHECK_EQ(t.sentinels[1].port, 26380);
    CHECK_STR_EQ(t.sentinels[2].host, "::1");
    CHECK_EQ(t.sentinels[2].port, 26379); /* the default port */
    CHECK_STR_EQ(t.master_name, "mymaster");
    CHECK_STR_EQ(t.password, "");
    CHECK_EQ(t.db, 0);

    /* The master's password (percent-decoded) and database. */
    CHECK_EQ(parse("redis-sentinel://:s%40cret@h:5000/m/3", &t, err), 0);
    CHECK_STR_EQ(t.password, "s@cret");
    CHECK_EQ(t.db, 3);
    CHECK_EQ(parse("redis-sentinel://user:pw@h:5000/m", &t, err), 0);
    CHECK_STR_EQ(t.password, "pw");
    CHECK_EQ(parse("redis-sentinel://[::1]:7000/m", &t, err), 0);
    CHECK_EQ(t.sentinels[0].port, 7000);

    /* Malformed: every message names the URL, never the password. */
    static const char *const bad[] = {
        "redis-sentinel://h:1",              /* no master name */
        "redis-sentinel://h:1/",             /* empty master name */
        "redis-sentinel:///m",               /* no sentinel */
        "redis-sentinel://h:0/m",            /* port out of range */
        "redis-sentinel://h:99999/m",
        "redis-sentinel://h:x/m",
        "redis-sentinel://h:1,,h:2/m",       /* an empty entry */
        "redis-sentinel://[::1/m",           /* unclosed bracket */
        "redis-sentinel://h:1/m/x",          /* db not a number */
        "redis-sentinel://:pw%4@h:1/m",      /* a broken escape */
        "redis-sentinel://a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1/m", /* too many */
        "redis://h:1/m",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        err[0] = '\0';
        CHECK_EQ(parse(bad[i], &t, err), -1);
        CHECK(strstr(err, "invalid Sentinel URL") != NULL);
    }
    CHECK_EQ(parse("redis-sentinel://:topsecret@h:x/m", &t, err), -1);
    CHECK(strstr(err, "topsecret") == NULL);
    return check_summary();
}
