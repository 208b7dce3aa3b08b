/* fingerprint.c -- URL fingerprints and their bucket keys. */
#include "fingerprint.h"

#include <stdio.h>
#include <xxhash.h>

uint64_t fp_of_url(const char *url, size_t len)
{
    return XXH3_64bits(url, len);
}

int fp_bucket_tag(uint64_t fp, char *buf, size_t len)
{
    int n = snprintf(buf, len, "{%05x}", (unsigned)(fp >> (64 - FP_BUCKET_BITS)));
    return n > 0 && (size_t)n < len ? n : -1;
}

int fp_bucket_key(uint64_t fp, const char *prefix, char *buf, size_t len)
{
    char tag[8];
    fp_bucket_tag(fp, tag, sizeof(tag));
    int n = snprintf(buf, len, "%s:seen:%s", prefix, tag);
    return n > 0 && (size_t)n < len ? n : -1;
}

int fp_member(uint64_t fp, char *buf, size_t len)
{
    /* Signed, so that every member is an integer Redis encodes in an intset (it reads members
     * as signed 64-bit: 2^63 and above would be stored as strings). */
    int n = snprintf(buf, len, "%lld", (long long)(int64_t)fp);
    return n > 0 && (size_t)n < len ? n : -1;
}
