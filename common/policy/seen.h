/* seen.h -- the follow-once seen-set: which article links and feed item ids were already
 * enqueued, over every worker and every poll, in Redis with an expiry.
 *
 * Values are 64-bit fingerprints (policy/fingerprint.h), kept as the producer keeps its own:
 * in bucket sets that Redis stores as intsets, about 9 bytes a value once a bucket holds a
 * few hundred. Members of a set cannot expire one by one, so time is cut into generations of
 * half the TTL: a value confirmed in generation G goes into PREFIX:seen:url:{BUCKET}:gG, a
 * set that expires at the start of generation G+3. A value is thus seen for at least the TTL
 * and at most 1.5 times it. A lookup reads generations G-2 .. G+1 (the last for a worker
 * whose clock runs ahead of ours across a boundary).
 *
 * A claim is taken before the URL is published: PREFIX:seen:url:{BUCKET}:c:FP holds its
 * owner, the URL that led to it (the feed), for SEEN_CLAIM_TTL_MS; the confirm deletes it.
 * When a worker dies between claim and confirm, the feed's message comes back and, being the
 * same owner, takes its claims again, so nothing it had not confirmed is lost (what it had
 * published may come twice). Another feed listing the same item meanwhile sees it as seen.
 * The keys of one value share its bucket's hash tag, so each script runs on one node of a
 * Redis Cluster.
 *
 * Workers before fingerprints kept a key per value (PREFIX:seen:url:HEX, "d VALUE" or
 * "p VALUE<TAB>OWNER"); on a single Redis (they never ran on a Cluster) the claim reads that
 * key too, so an upgrade repeats nothing. Those keys expire by themselves within their TTL.
 *
 * Same-prefix workers must share --seen-ttl: it sets the generations' width. */
#ifndef TRAWL_SEEN_H
#define TRAWL_SEEN_H

#include <stddef.h>
#include <stdint.h>

struct kv;
struct seen;

#define SEEN_CLAIM_TTL_MS 600000 /* a claim not confirmed in 10 minutes lapses */
#define SEEN_LOOKUP_GENERATIONS 4 /* G+1, G, G-1, G-2 */
#define SEEN_KEY_MAX 224

enum seen_what { SEEN_URL, SEEN_ID };

/* The keys of one value at wall-clock time now_ms, and the member it is stored as. Pure:
 * the layout described above, for the scripts and the tests. */
struct seen_keys {
    char lookup[SEEN_LOOKUP_GENERATIONS][SEEN_KEY_MAX]; /* newest first; [1] is generation G */
    char claim[SEEN_KEY_MAX];
    char legacy[SEEN_KEY_MAX];  /* the key a worker before fingerprints used */
    char member[24];
    int64_t expire_at_ms;       /* when generation G's set expires */
};
/* Fills k. -1 when a key does not fit (a prefix far longer than any allowed). */
int seen_keys_of(struct seen_keys *k, const char *prefix, enum seen_what what, const char *value,
                 int64_t now_ms, int64_t ttl_ms);

/* Registers the scripts on kv (borrowed). prefix is copied; ttl_ms is how long a confirmed
 * value stays seen (at least). NULL when out of memory. */
struct seen *seen_new(struct kv *kv, const char *prefix, int64_t ttl_ms);
void seen_free(struct seen *s);

/* claimed: 1 when the value was new and is now claimed by us, 0 when it was seen (claimed or
 * confirmed by anyone), -1 when Redis failed (err set). */
typedef void seen_claim_fn(int claimed, const char *err, void *arg);

/* Claims value for owner. cb runs once, from the loop. -1 when Redis is not connected. */
int seen_claim(struct seen *s, enum seen_what what, const char *value, const char *owner,
               seen_claim_fn *cb, void *arg);

/* Our claim's message is confirmed: the value is seen for the TTL. Fire and forget (a lost
 * confirm leaves the claim to lapse: the URL may come once more, never zero times). */
int seen_confirm(struct seen *s, enum seen_what what, const char *value);

#endif
