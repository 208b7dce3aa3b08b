/* addr.c -- address classes for the connect-time check. Written by hand: the ranges are a
 * policy (the contract's), not something a library decides; the prefixes come from the IANA
 * special-purpose registries. */
#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static enum addr_class classify_v4(uint32_t a /* host order */)
{
    uint8_t b0 = a >> 24, b1 = (a >> 16) & 0xff;
    if (b0 == 0)
        return ADDR_FORBIDDEN;                      /* 0.0.0.0/8 unspecified / "this network" */
    if (b0 == 169 && b1 == 254)
        return ADDR_FORBIDDEN;                      /* link-local: cloud metadata lives here */
    if (b0 >= 224)
        return ADDR_FORBIDDEN;                      /* multicast, reserved, broadcast */
    if (b0 == 127 || b0 == 10 || (b0 == 172 && (b1 & 0xf0) == 16) ||
        (b0 == 192 && b1 == 168) || (b0 == 100 && (b1 & 0xc0) == 64))
        return ADDR_PRIVATE;                        /* loopback, RFC 1918, CGNAT */
    uint8_t b2 = (a >> 8) & 0xff;
    if ((b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2)) || (b0 == 198 && (b1 & 0xfe) == 18) ||
        (b0 == 198 && b1 == 51 && b2 == 100) || (b0 == 203 && b1 == 0 && b2 == 113))
        return ADDR_FORBIDDEN;                      /* IETF, benchmarking, documentation */
    return ADDR_PUBLIC;
}

static enum addr_class classify_v6(const struct in6_addr *a)
{
    const uint8_t *b = a->s6_addr;
    static const uint8_t zero[16];
    if (IN6_IS_ADDR_V4MAPPED(a)) {
        uint32_t v4;
        memcpy(&v4, b + 12, 4);
        return classify_v4(ntohl(v4));
    }
    if (memcmp(b, zero, 16) == 0)
        return ADDR_FORBIDDEN;                      /* :: */
    if (IN6_IS_ADDR_LOOPBACK(a))
        return ADDR_PRIVATE;
    if (b[0] == 0xff)
        return ADDR_FORBIDDEN;                      /* multicast */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        return ADDR_FORBIDDEN;                      /* fe80::/10 link-local */
    if ((b[0] & 0xfe) == 0xfc)
        return ADDR_PRIVATE;                        /* fc00::/7 unique-local */
    if (memcmp(b, zero, 12) == 0)
        return ADDR_FORBIDDEN;                      /* deprecated IPv4-compatible */
    return ADDR_PUBLIC;
}

enum addr_class addr_classify(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return classify_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return classify_v6(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return ADDR_FORBIDDEN;
}

int addr_allowed(const struct sockaddr *sa, int allow_private)
{
    enum addr_class c = addr_classify(sa);
    return c == ADDR_PUBLIC || (c == ADDR_PRIVATE && allow_private);
}

const char *addr_format(const struct sockaddr *sa, char *buf, size_t buflen)
{
    const void *src = sa->sa_family == AF_INET
                          ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                          : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
    if ((sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
        !inet_ntop(sa->sa_family, src, buf, (socklen_t)buflen))
        snprintf(buf, buflen, "(family %d)", sa->sa_family);
    return buf;
}

const char *addr_explain_refusal(const struct sockaddr *sa, char *buf, size_t buflen)
{
    char a[64];
    addr_format(sa, a, sizeof(a));
    if (addr_classify(sa) != ADDR_PRIVATE) {
        snprintf(buf, buflen, "%s is not a public address (link-local, multicast, reserved or "
                 "unspecified): never fetched", a);
        return buf;
    }
    int loopback = 0;
    if (sa->sa_family == AF_INET) {
        loopback = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24 == 127;
    } else {
        const struct in6_addr *v6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        uint32_t v4;
        memcpy(&v4, v6->s6_addr + 12, 4);
        loopback = IN6_IS_ADDR_LOOPBACK(v6) || (IN6_IS_ADDR_V4MAPPED(v6) && ntohl(v4) >> 24 == 127);
    }
    snprintf(buf, buflen, "%s is a %s address; pass --allow-private to fetch private and "
             "loopback addresses (deploy/local/crawl: add -- --allow-private)", a,
             loopback ? "loopback" : "private");
    return buf;
}
