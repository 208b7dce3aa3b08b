/* seen_test.c -- the follow seen-set's key layout: generations, bucket tags, the claim key and
 * the legacy key a worker before fingerprints used. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fingerprint.h"
#include "hash.h"
#include "seen.h"

int main(void)
{
    const char *url = "https://news.example.com/2026/12/06/story";
    const int64_t day = 86400000, ttl = 30 * day, width = ttl / 2;
    uint64_t fp = fp_of_url(url, strlen(url));
    char tag[8], want[SEEN_KEY_MAX];
    fp_bucket_tag(fp, tag, sizeof(tag));

    /* Generation G = now / (ttl / 2); lookups newest first, G+1 .. G-2; confirms go to G. */
    int64_t now = 1796547600000; /* 2026-12-06T09:00:00Z */
    int64_t gen = now / width;
    struct seen_keys k;
    CHECK_EQ(seen_keys_of(&k, "trawl", SEEN_URL, url, now, ttl), 0);
    for (int i = 0; i < SEEN_LOOKUP_GENERATIONS; i++) {
        snprintf(want, sizeof(want), "trawl:seen:url:%s:g%lld", tag, (long long)(gen + 1 - i));
        CHECK_STR_EQ(k.lookup[i], want);
    }
    snprintf(want, sizeof(want), "trawl:seen:url:%s:c:%016llx", tag, (unsigned long long)fp);
    CHECK_STR_EQ(k.claim, want);
    snprintf(want, sizeof(want), "trawl:seen:url:%016llx", (unsigned long long)hash_str(url));
    CHECK_STR_EQ(k.legacy, want);
    fp_member(fp, want, sizeof(want));
    CHECK_STR_EQ(k.member, want);
    /* Every key of a value carries the same hash tag: one slot, one script on a Cluster. */
    CHECK(strstr(k.claim, tag) && strstr(k.lookup[0], tag) && strstr(k.lookup[3], tag));

    /* A value confirmed at any time t stays seen for at least the TTL and at most 1.5 x:
     * its set expires at (G+3) x width, and a lookup until then still reads generation G. */
    for (int64_t t = now - width; t < now + width; t += width / 7) {
        struct seen_keys at_t, later;
        seen_keys_of(&at_t, "p", SEEN_ID, "guid-1", t, ttl);
        CHECK(at_t.expire_at_ms >= t + ttl && at_t.expire_at_ms <= t + ttl + width);
        /* Just before the set expires, the lookup still names it (as G-2 at the latest). */
        seen_keys_of(&later, "p", SEEN_ID, "guid-1", at_t.expire_at_ms - 1, ttl);
        int found = 0;
        for (int i = 0; i < SEEN_LOOKUP_GENERATIONS; i++)
            found += strcmp(later.lookup[i], at_t.lookup[1]) == 0;
        CHECK_EQ(found, 1);
    }
    /* Urls and ids are kept apart. */
    struct seen_keys id;
    seen_keys_of(&id, "trawl", SEEN_ID, url, now, ttl);
    CHECK(strcmp(id.lookup[1], k.lookup[1]) != 0 && strstr(id.lookup[1], ":seen:id:{"));
    /* A prefix too long for the keys is an error, not a truncated key. */
    char prefix[SEEN_KEY_MAX];
    memset(prefix, 'x', sizeof(prefix) - 1);
    prefix[sizeof(prefix) - 1] = '\0';
    CHECK_EQ(seen_keys_of(&k, prefix, SEEN_URL, url, now, ttl), -1);
    return check_summary();
}
