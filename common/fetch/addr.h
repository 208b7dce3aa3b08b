/* addr.h -- which addresses a worker may connect to (CONTRACT "Addresses"). */
#ifndef TRAWL_ADDR_H
#define TRAWL_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

enum addr_class {
    ADDR_PUBLIC = 0,
    ADDR_PRIVATE,    /* loopback, RFC 1918, CGNAT, unique-local: allowed with --allow-private */
    ADDR_FORBIDDEN,  /* link-local, unspecified, multicast, reserved, broadcast: never */
};

/* Classifies an IPv4 or IPv6 socket address (IPv4-mapped IPv6 as its IPv4 address).
 * Unknown families are ADDR_FORBIDDEN. */
enum addr_class addr_classify(const struct sockaddr *sa);

/* 1 when a connection to sa is allowed under the given policy. */
int addr_allowed(const struct sockaddr *sa, int allow_private);

/* Writes the numeric form of sa ("127.0.0.1", "::1") into buf; returns buf. */
const char *addr_format(const struct sockaddr *sa, char *buf, size_t buflen);

/* Why a connection to sa was refused, and how to allow it when it can be ("127.0.0.2 is a
 * loopback address; pass --allow-private ..."), for a blocked_address dead letter's detail.
 * Returns buf. */
const char *addr_explain_refusal(const struct sockaddr *sa, char *buf, size_t buflen);

#endif
