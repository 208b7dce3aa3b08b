/* check.h -- a tiny test harness: CHECK macros that print both sides, and a summary line.
 *
 * Each test binary calls its cases and ends with `return check_summary();`, which prints
 * "N passed, M failed" and returns non-zero when anything failed (libuv test/task.h style). */
#ifndef TRAWL_CHECK_H
#define TRAWL_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (cond) {                                                                        \
            check_passed++;                                                                \
        } else {                                                                           \
            check_failed++;                                                                \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);       \
        }                                                                                  \
    } while (0)

#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
        if (check_a_ == check_b_) {                                                        \
            check_passed++;                                                                \
        } else {                                                                           \
            check_failed++;                                                                \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__,  \
                    #a, #b, check_a_, check_b_);                                           \
        }                                                                                  \
    } while (0)

/* NULL-safe: NULL equals only NULL. `ctx` is printed on failure (the case's name). */
#define CHECK_STR_EQ_CTX(ctx, a, b)                                                        \
    do {                                                                                   \
        const char *check_a_ = (a), *check_b_ = (b);                                       \
        if ((!check_a_ && !check_b_) ||                                                    \
            (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0)) {                   \
            check_passed++;                                                                \
        } else {                                                                           \
            check_failed++;                                                                \
            fprintf(stderr, "%s:%d: [%s] %s == %s failed:\n  got:  %s\n  want: %s\n",      \
                    __FILE__, __LINE__, (ctx), #a, #b, check_a_ ? check_a_ : "(null)",     \
                    check_b_ ? check_b_ : "(null)");                                       \
        }                                                                                  \
    } while (0)
#define CHECK_STR_EQ(a, b) CHECK_STR_EQ_CTX("", a, b)

/* A whole file (malloc'd, NUL-terminated, its length in *len), or NULL when it cannot be
 * read: corpus files for the data-driven tests. */
static inline char *check_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
