/* fingerprint.h -- the producer's seen-set as 64-bit fingerprints of canonical URLs, kept in
 * 2^20 bucket sets so that Redis stores each as an intset (8 bytes a URL instead of the URL's
 * text, about 90 bytes with a set's overhead) and a Redis Cluster spreads the buckets.
 *
 * The fingerprint is XXH3-64 (libxxhash): unlike FNV-1a, which names Redis keys elsewhere, it
 * passes SMHasher's distribution tests, and the false-duplicate figure below assumes a well-
 * spread hash. With n URLs seen, a new URL is taken for a seen one with probability n / 2^64
 * (5.4e-12 at 100 M); over a whole 100 M-URL crawl about n^2 / 2^65 = 2.7e-4 URLs are expected
 * to be skipped wrongly.
 *
 * A bucket is the fingerprint's top 20 bits, named in the key as the hash tag
 * (PREFIX:seen:{0a3f1}); the member is the whole fingerprint as a signed 64-bit integer.
 * Redis keeps a set as an intset up to set-max-intset-entries members (512 by default), which
 * 2^20 buckets reach at about 400 M URLs on average: past that, raise that setting. */
#ifndef TRAWL_FINGERPRINT_H
#define TRAWL_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#define FP_BUCKET_BITS 20
#define FP_KEY_MAX 160          /* room for a key with the longest prefix */

/* The fingerprint of a canonical URL's bytes (or of any other value's, such as a feed
 * item's id). */
uint64_t fp_of_url(const char *url, size_t len);

/* fp's bucket as a hash tag: "{xxxxx}" (5 lower-case hex digits). Returns its length (7), or
 * -1 when it does not fit in len bytes. */
int fp_bucket_tag(uint64_t fp, char *buf, size_t len);

/* The bucket key of fp: "PREFIX:seen:{xxxxx}" (5 lower-case hex digits). Returns the
 * key's length, or -1 when it does not fit in len bytes. */
int fp_bucket_key(uint64_t fp, const char *prefix, char *buf, size_t len);

/* The member of fp in its bucket, as Redis reads an integer member: decimal, signed. */
int fp_member(uint64_t fp, char *buf, size_t len);

#endif
