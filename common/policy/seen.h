/* seen.h -- the follow-once seen-set: which article links and feed item ids were already
 * enqueued, over every worker and every poll, in Redis with an expiry.
 *
 * One key per value, PREFIX:seen:url:HEX or PREFIX:seen:id:HEX (HEX: FNV-1a of the canonical
 * link, or of the item's id), holding "p VALUE<TAB>OWNER" while claimed and "d VALUE" once its
 * message is confirmed. A claim is taken before the URL is published and lasts
 * SEEN_CLAIM_TTL_MS. Its owner is the URL that led to it (the feed): when a worker dies between
 * claim and confirm, the feed's message comes back and, being the same owner, takes its
 * claims again, so nothing it had not confirmed is lost (what it had published may come
 * twice). Another feed listing the same item meanwhile sees it as seen.
 * Single-key scripts: they run unchanged on a Redis Cluster. The value is stored so that two
 * values whose hashes collide never hide each other (a collision counts as unseen). */
#ifndef TRAWL_SEEN_H
#define TRAWL_SEEN_H

#include <stddef.h>
#include <stdint.h>

struct kv;
struct seen;

#define SEEN_CLAIM_TTL_MS 600000 /* a claim not confirmed in 10 minutes lapses */

enum seen_what { SEEN_URL, SEEN_ID };

/* Registers the scripts on kv (borrowed). prefix is copied. NULL when out of memory. */
struct seen *seen_new(struct kv *kv, const char *prefix);
void seen_free(struct seen *s);

/* claimed: 1 when the value was new and is now claimed by us, 0 when it was seen (claimed or
 * confirmed by anyone), -1 when Redis failed (err set). */
typedef void seen_claim_fn(int claimed, const char *err, void *arg);

/* Claims value for owner. cb runs once, from the loop. -1 when Redis is not connected. */
int seen_claim(struct seen *s, enum seen_what what, const char *value, const char *owner,
               seen_claim_fn *cb, void *arg);

/* Our claim's message is confirmed: the value is seen for ttl_ms. Fire and forget (a lost
 * confirm leaves the claim to lapse: the URL may come once more, never zero times). */
int seen_confirm(struct seen *s, enum seen_what what, const char *value, int64_t ttl_ms);

#endif
