/* proxy_test.c -- which --proxy URLs are taken, and the reason for those refused. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "proxy.h"

struct proxy_case {
    const char *url;
    const char *why; /* NULL: taken; else a substring of the reason */
};

static const struct proxy_case cases[] = {
    {"http://127.0.0.1:3128", NULL},
    {"http://proxy.example", NULL},
    {"http://user:secret@proxy.example:8080/", NULL},
    {"https://proxy.example:443", NULL},
    {"socks5://127.0.0.1:1080", NULL},
    {"socks5h://[::1]:1080", NULL},
    {"socks4a://10.0.0.1:1080", NULL},
    {"127.0.0.1:3128", "expected a proxy URL"},
    {"", "expected a proxy URL"},
    {"http://", "expected a proxy URL"},
    {"ftp://proxy.example", "unsupported proxy scheme \"ftp\""},
    {"socks6://proxy.example", "unsupported proxy scheme \"socks6\""},
    {"http://proxy.example/path", "no path or query"},
    {"http://proxy.example/?q=1", "no path or query"},
};

int main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        int rc = proxy_check(cases[i].url, err, sizeof(err));
        if (!cases[i].why) {
            CHECK_EQ(rc, 0);
            if (rc != 0)
                fprintf(stderr, "  [%s]: %s\n", cases[i].url, err);
        } else {
            CHECK_EQ(rc, -1);
            CHECK(strstr(err, cases[i].why) != NULL);
            if (!strstr(err, cases[i].why))
                fprintf(stderr, "  [%s]\n  got:  %s\n  want: %s\n", cases[i].url, err,
                        cases[i].why);
        }
    }
    return check_summary();
}
