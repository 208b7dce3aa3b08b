/* addr_test.c -- the connect-time address policy, address by address. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr.h"
#include "check.h"

static void expect(const char *ip, enum addr_class want)
{
    struct sockaddr_storage ss = {0};
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        CHECK_EQ(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        CHECK_EQ(inet_pton(AF_INET, ip, &a->sin_addr), 1);
    }
    enum addr_class got = addr_classify((struct sockaddr *)&ss);
    if (got != want) {
        check_failed++;
        fprintf(stderr, "  %s: got class %d, want %d\n", ip, got, want);
    } else {
        check_passed++;
    }
    /* The policy on top of the class. */
    CHECK_EQ(addr_allowed((struct sockaddr *)&ss, 0), want == ADDR_PUBLIC);
    CHECK_EQ(addr_allowed((struct sockaddr *)&ss, 1), want != ADDR_FORBIDDEN);
}

int main(void)
{
    expect("93.184.216.34", ADDR_PUBLIC);
    expect("8.8.8.8", ADDR_PUBLIC);
    expect("127.0.0.1", ADDR_PRIVATE);
    expect("127.255.0.9", ADDR_PRIVATE);
    expect("10.1.2.3", ADDR_PRIVATE);
    expect("172.16.0.1", ADDR_PRIVATE);
    expect("172.31.255.255", ADDR_PRIVATE);
    expect("172.32.0.1", ADDR_PUBLIC);
    expect("192.168.1.1", ADDR_PRIVATE);
    expect("100.64.0.1", ADDR_PRIVATE);
    expect("100.128.0.1", ADDR_PUBLIC);
    expect("169.254.169.254", ADDR_FORBIDDEN);
    expect("0.0.0.0", ADDR_FORBIDDEN);
    expect("0.1.2.3", ADDR_FORBIDDEN);
    expect("224.0.0.1", ADDR_FORBIDDEN);
    expect("240.0.0.1", ADDR_FORBIDDEN);
    expect("255.255.255.255", ADDR_FORBIDDEN);
    expect("192.0.2.1", ADDR_FORBIDDEN);
    expect("198.18.0.1", ADDR_FORBIDDEN);
    expect("2606:2800:220:1::1", ADDR_PUBLIC);
    expect("::1", ADDR_PRIVATE);
    expect("::", ADDR_FORBIDDEN);
    expect("fd00::1", ADDR_PRIVATE);
    expect("fe80::1", ADDR_FORBIDDEN);
    expect("ff02::1", ADDR_FORBIDDEN);
    expect("::ffff:127.0.0.1", ADDR_PRIVATE);
    expect("::ffff:169.254.169.254", ADDR_FORBIDDEN);
    expect("::ffff:8.8.8.8", ADDR_PUBLIC);
    return check_summary();
}
