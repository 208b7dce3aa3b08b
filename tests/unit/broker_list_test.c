/* broker_list_test.c -- --amqp lists: parsing, the order members are tried in, and what a
 * list of unreachable members says (closed loopback ports: refused at once, no server). */
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "broker_list.h"
#include "check.h"

static struct broker_list l; /* 16 KiB: not on the stack of every case */

int main(void)
{
    char err[2048];
    CHECK_EQ(broker_list_parse("amqp://u:p@h1:5672", &l, err, sizeof(err)), 0);
    CHECK_EQ(l.n, 1);
    CHECK_EQ(l.next, 0);
    CHECK_EQ(broker_list_timeout_ms(&l, 10000), 10000); /* one URL: the caller's deadline */

    CHECK_EQ(broker_list_parse("amqp://u:p@h1:1, amqp://u:p@h2:2 ,amqps://u:p@h3:3/vh", &l, err,
                               sizeof(err)), 0);
    CHECK_EQ(l.n, 3);
    CHECK_STR_EQ(l.urls[1], "amqp://u:p@h2:2");
    CHECK_STR_EQ(l.urls[2], "amqps://u:p@h3:3/vh");
    CHECK(broker_list_timeout_ms(&l, 10000) < 10000);
    CHECK_EQ(broker_list_timeout_ms(&l, 1000), 1000);

    /* The first member is random: a fleet of workers spreads over the nodes. */
    int firsts[3] = {0};
    srandom(42);
    for (int i = 0; i < 60; i++) {
        broker_list_parse("amqp://a:1,amqp://b:2,amqp://c:3", &l, err, sizeof(err));
        firsts[l.next]++;
    }
    CHECK(firsts[0] > 0 && firsts[1] > 0 && firsts[2] > 0);

    /* Malformed lists name the member, never its password. */
    static const char *const bad[] = {
        "", "amqp://u:p@h:1,", ",amqp://u:p@h:1", "amqp://u:p@h:1,,amqp://u:p@h:2",
        "amqp://u:secret@h:1,localhost:5672", "http://u:secret@h:1", "amqp://u:secret@h:port",
        "amqp://a:1,amqp://a:2,amqp://a:3,amqp://a:4,amqp://a:5,amqp://a:6,amqp://a:7,"
        "amqp://a:8,amqp://a:9,amqp://a:10,amqp://a:11,amqp://a:12,amqp://a:13,amqp://a:14,"
        "amqp://a:15,amqp://a:16,amqp://a:17",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        err[0] = '\0';
        CHECK_EQ(broker_list_parse(bad[i], &l, err, sizeof(err)), -1);
        CHECK(err[0] != '\0');
        CHECK(strstr(err, "secret") == NULL);
    }
    CHECK(strstr(err, "more than 16") != NULL);

    /* Nothing listens on ports 1 and 2 of loopback: both are tried, both reasons kept, and
     * the order is kept for the next attempt. */
    CHECK_EQ(broker_list_parse("amqp://guest:secret@127.0.0.1:1,amqp://guest:secret@127.0.0.1:2",
                               &l, err, sizeof(err)), 0);
    l.next = 1;
    CHECK(broker_list_connect(&l, "--amqp", "test", 10, 1000, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "127.0.0.1:2") != NULL && strstr(err, "127.0.0.1:1") != NULL);
    CHECK(strstr(err, "127.0.0.1:2") < strstr(err, "127.0.0.1:1"));
    CHECK(strstr(err, "secret") == NULL);
    CHECK_EQ(l.next, 1);
    return check_summary();
}
