/* pct.h -- the two steps of percent-encoding (RFC 3986 2.1) that URL canonicalisation and
 * robots.txt matching share: reading a hex digit and writing "%XX" (upper-case, as the RFC
 * recommends). Header-only: each is a line or two. */
#ifndef TRAWL_PCT_H
#define TRAWL_PCT_H

/* The value of hex digit c (either case), or -1. */
static inline int pct_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Writes "%XX" for octet c at o; returns the position after it. */
static inline char *pct_put(char *o, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    *o++ = '%';
    *o++ = hex[c >> 4];
    *o++ = hex[c & 15];
    return o;
}

#endif
