/* slot_test.c -- Redis Cluster's hash slots, slot maps and redirections. */
#include <hiredis/hiredis.h>
#include <string.h>

#include "check.h"
#include "slot.h"

static unsigned slot(const char *key)
{
    return slot_of_key(key, strlen(key));
}

/* A reply as hiredis reads it from the wire (RESP text), or NULL. */
static redisReply *reply_of(const char *resp)
{
    redisReader *rd = redisReaderCreate();
    void *reply = NULL;
    if (redisReaderFeed(rd, resp, strlen(resp)) != REDIS_OK ||
        redisReaderGetReply(rd, &reply) != REDIS_OK)
        reply = NULL;
    redisReaderFree(rd);
    return reply;
}

static void hash_slots(void)
{
    /* The specification's check value: CRC16/XModem("123456789") = 0x31C3. */
    CHECK_EQ(slot("123456789"), 0x31C3 & 16383);
    /* CLUSTER KEYSLOT examples from Redis' documentation. */
    CHECK_EQ(slot("somekey"), 11058);
    CHECK_EQ(slot("foo{hash_tag}"), 2515);
    CHECK_EQ(slot("bar{hash_tag}"), 2515);
    /* The tag is what is between the first '{' and the next '}'. */
    CHECK_EQ(slot("{user1000}.following"), slot("user1000"));
    CHECK_EQ(slot("trawl:{example.com}:rate"), slot("example.com"));
    CHECK_EQ(slot("foo{{bar}}zap"), slot("{bar"));
    CHECK_EQ(slot("foo{bar}{zap}"), slot("bar"));
    /* An empty tag, or no closing brace: the whole key. */
    CHECK_EQ(slot("foo{}{bar}"), slot_of_key("foo{}{bar}", 10));
    CHECK(slot("foo{}{bar}") != slot("bar"));
    CHECK(slot("foo{bar") != slot("bar"));
    CHECK_EQ(slot(""), 0);
    /* Bytes, not characters: a NUL inside the key counts. */
    CHECK(slot_of_key("a\0b", 3) != slot_of_key("a", 1));
}

static void maps(void)
{
    static struct slot_map m;
    char err[256] = "";
    struct slot_node asked = {"10.0.0.9", 7000};
    redisReply *r = reply_of("*3\r\n"
                             "*4\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n"
                             "*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nr1\r\n"
                             "*3\r\n:5461\r\n:10922\r\n*2\r\n$1\r\n?\r\n:7001\r\n"
                             "*3\r\n:10923\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n");
    CHECK(r != NULL);
    CHECK_EQ(slot_map_from_reply(r, &asked, &m, err, sizeof(err)), 0);
    CHECK_EQ(m.nnodes, 2);
    CHECK_STR_EQ(slot_map_node(&m, 0)->host, "127.0.0.1");
    CHECK_EQ(slot_map_node(&m, 5460)->port, 7000);
    /* "?" is the node that answered. */
    CHECK_STR_EQ(slot_map_node(&m, 5461)->host, "10.0.0.9");
    CHECK_EQ(slot_map_node(&m, 10922)->port, 7001);
    /* One master serving two ranges is one node. */
    CHECK(slot_map_node(&m, 16383) == slot_map_node(&m, 0));
    CHECK(slot_map_node(&m, 16384) == NULL);
    freeReplyObject(r);

    /* A slot no master serves (a cluster mid-failover) has no node. */
    r = reply_of("*1\r\n*3\r\n:0\r\n:99\r\n*2\r\n$1\r\nh\r\n:1\r\n");
    CHECK_EQ(slot_map_from_reply(r, NULL, &m, err, sizeof(err)), 0);
    CHECK(slot_map_node(&m, 99) != NULL);
    CHECK(slot_map_node(&m, 100) == NULL);
    freeReplyObject(r);

    /* Not a map: an error reply (a server without cluster mode), a bad range, no master. */
    r = reply_of("-ERR This instance has cluster support disabled\r\n");
    CHECK_EQ(slot_map_from_reply(r, NULL, &m, err, sizeof(err)), -1);
    CHECK(strstr(err, "cluster support disabled") != NULL);
    freeReplyObject(r);
    r = reply_of("*1\r\n*3\r\n:10\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n");
    CHECK_EQ(slot_map_from_reply(r, NULL, &m, err, sizeof(err)), -1);
    CHECK(strstr(err, "outside") != NULL);
    freeReplyObject(r);
    r = reply_of("*1\r\n*3\r\n:10\r\n:5\r\n*2\r\n$1\r\nh\r\n:1\r\n");
    CHECK_EQ(slot_map_from_reply(r, NULL, &m, err, sizeof(err)), -1);
    freeReplyObject(r);
    r = reply_of("*1\r\n*3\r\n:0\r\n:5\r\n*2\r\n$1\r\nh\r\n:0\r\n");
    CHECK_EQ(slot_map_from_reply(r, NULL, &m, err, sizeof(err)), -1);
    CHECK(strstr(err, "no master address") != NULL);
    freeReplyObject(r);
    CHECK_EQ(slot_map_from_reply(NULL, NULL, &m, err, sizeof(err)), -1);
}

static void redirects(void)
{
    struct slot_redirect rd;
    CHECK_EQ(slot_parse_redirect("MOVED 3999 127.0.0.1:6381", &rd), 1);
    CHECK_EQ(rd.ask, 0);
    CHECK_EQ(rd.slot, 3999);
    CHECK_STR_EQ(rd.to.host, "127.0.0.1");
    CHECK_EQ(rd.to.port, 6381);
    CHECK_EQ(slot_parse_redirect("ASK 0 ::1:7000", &rd), 1);
    CHECK_EQ(rd.ask, 1);
    CHECK_STR_EQ(rd.to.host, "::1");
    CHECK_EQ(rd.to.port, 7000);
    /* Other errors are not redirections; broken ones are said to be. */
    CHECK_EQ(slot_parse_redirect("ERR unknown command", &rd), 0);
    CHECK_EQ(slot_parse_redirect("MOVEDX 1 h:1", &rd), 0);
    CHECK_EQ(slot_parse_redirect("MOVED 16384 h:1", &rd), -1);
    CHECK_EQ(slot_parse_redirect("MOVED 1 h", &rd), -1);
    CHECK_EQ(slot_parse_redirect("MOVED 1 :1", &rd), -1);
    CHECK_EQ(slot_parse_redirect("MOVED 1 h:0", &rd), -1);
    CHECK_EQ(slot_parse_redirect("MOVED 1 h:70000", &rd), -1);
    CHECK_EQ(slot_parse_redirect("MOVED x h:1", &rd), -1);
    CHECK_EQ(slot_parse_redirect("ASK 1 h:1x", &rd), -1);
}

int main(void)
{
    hash_slots();
    maps();
    redirects();
    return check_summary();
}
