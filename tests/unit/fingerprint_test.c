/* fingerprint_test.c -- URL fingerprints, their buckets and members. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fingerprint.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    /* XXH3-64 of the empty input, the library's published value: the hash is the one named. */
    CHECK(fp_of_url("", 0) == 0x2D06800538D394C2ULL);
    const char *u = "https://example.com/a";
    CHECK(fp_of_url(u, strlen(u)) != fp_of_url("https://example.com/b", strlen(u)));

    /* Keys: the top 20 bits as five hex digits, in braces (the Cluster hash tag). */
    char key[FP_KEY_MAX], member[32];
    CHECK_EQ(fp_bucket_key(0xfedcba9876543210ULL, "trawl", key, sizeof(key)), 18);
    CHECK_STR_EQ(key, "trawl:seen:{fedcb}");
    fp_bucket_key(0x0000100000000000ULL, "p", key, sizeof(key));
    CHECK_STR_EQ(key, "p:seen:{00001}");
    CHECK_EQ(fp_bucket_key(1, "trawl", key, 10), -1);
    /* Members: the whole fingerprint, signed, as Redis parses integers (an intset member). */
    CHECK(fp_member(0xffffffffffffffffULL, member, sizeof(member)) > 0);
    CHECK_STR_EQ(member, "-1");
    fp_member(0x7fffffffffffffffULL, member, sizeof(member));
    CHECK_STR_EQ(member, "9223372036854775807");
    fp_member(0x8000000000000000ULL, member, sizeof(member));
    CHECK_STR_EQ(member, "-9223372036854775808");
    CHECK((uint64_t)strtoll(member, NULL, 10) == 0x8000000000000000ULL);
    CHECK_EQ(fp_member(1, member, 1), -1);

    /* 2^20 URLs of one site, alike but for a counter: no two fingerprints equal, and the
     * buckets are evenly filled (a URL per bucket on average; Poisson: no bucket near 15). */
    enum { N = 1 << 20 };
    uint64_t *fps = malloc(N * sizeof(*fps));
    uint16_t *per_bucket = calloc((size_t)1 << FP_BUCKET_BITS, sizeof(*per_bucket));
    CHECK(fps && per_bucket);
    if (!fps || !per_bucket)
        return check_summary();
    char url[96];
    unsigned max = 0;
    for (unsigned i = 0; i < N; i++) {
        int n = snprintf(url, sizeof(url), "https://news.example.com/2026/12/06/story-%u", i);
        fps[i] = fp_of_url(url, (size_t)n);
        unsigned b = (unsigned)(fps[i] >> (64 - FP_BUCKET_BITS));
        if (++per_bucket[b] > max)
            max = per_bucket[b];
    }
    size_t empty = 0;
    for (size_t b = 0; b < (size_t)1 << FP_BUCKET_BITS; b++)
        empty += per_bucket[b] == 0;
    /* Poisson(1): e^-1 = 36.8% of buckets empty; the largest of 2^20 is about 9. */
    CHECK(empty > N * 0.36 && empty < N * 0.375);
    CHECK(max >= 6 && max <= 14);
    qsort(fps, N, sizeof(*fps), cmp_u64);
    size_t same = 0;
    for (size_t i = 1; i < N; i++)
        same += fps[i] == fps[i - 1];
    CHECK_EQ(same, 0);
    free(fps);
    free(per_bucket);
    return check_summary();
}
