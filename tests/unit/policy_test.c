/* policy_test.c -- the pure parts of the host policy: rate keys (host or registrable domain,
 * from libpsl), the host table's references and per-key rates, and sites (origin, path and
 * host of a canonical URL). The scripts themselves run against a real Redis in the end-to-end
 * tests (60-host-concurrency, 61-penalty, 62-robots, 63-hot-host, 20-rate-limit). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kv.h"
#include "loop.h"
#include "policy.h"

static struct policy *new_policy(struct loop *l, struct kv *kv, enum policy_key key,
                                 const struct policy_host_rate *rates, size_t nrates)
{
    struct policy_opts o = {.prefix = "t", .rate = {.count = 2, .period_ms = 1000},
                            .host_rates = rates, .n_host_rates = nrates, .burst = 1,
                            .host_concurrency = 2, .key = key};
    char err[256];
    struct policy *p = policy_new(l, kv, &o, err, sizeof(err));
    if (!p)
        fprintf(stderr, "policy_new: %s\n", err);
    return p;
}

static void check_key(const struct policy *p, const char *host, const char *want)
{
    char *got = policy_key_of(p, host);
    CHECK_STR_EQ_CTX(host, got, want);
    free(got);
}

static void check_site(struct policy *p, const char *url, const char *origin,
                       const char *host, const char *path)
{
    const char *got_path = NULL;
    struct policy_site *s = policy_site_get(p, url, &got_path);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_STR_EQ_CTX(url, s->origin, origin);
    CHECK_STR_EQ_CTX(url, s->host, host);
    CHECK_STR_EQ_CTX(url, got_path, path);
    CHECK_EQ(s->state, SITE_UNKNOWN);
    policy_site_put(p, s);
}

int main(void)
{
    struct loop *l = loop_new();
    char err[256];
    /* Never connected: nothing here talks to Redis. */
    struct kv *kv = kv_new(l, "redis://127.0.0.1:1/0", "default", err, sizeof(err));
    CHECK(l && kv);
    if (!l || !kv)
        return check_summary();

    static const struct policy_host_rate rates[] = {
        {"example.co.uk", {.count = 10, .period_ms = 1000}},
        {"b.example.com", {.count = 1, .period_ms = 60000}},
    };
    struct policy *by_host = new_policy(l, kv, POLICY_KEY_HOST, rates, 2);
    check_key(by_host, "news.example.co.uk", "news.example.co.uk");
    check_key(by_host, "127.0.0.2", "127.0.0.2");
    struct policy *by_domain = new_policy(l, kv, POLICY_KEY_DOMAIN, rates, 2);
    CHECK(by_host && by_domain);
    if (!by_host || !by_domain)
        return check_summary();
    check_key(by_domain, "news.example.co.uk", "example.co.uk");
    check_key(by_domain, "a.b.example.co.uk", "example.co.uk");
    check_key(by_domain, "example.co.uk", "example.co.uk");
    check_key(by_domain, "user.github.io", "user.github.io");      /* a private suffix */
    check_key(by_domain, "x.user.github.io", "user.github.io");
    check_key(by_domain, "www.bbc.com", "bbc.com");
    check_key(by_domain, "127.0.0.2", "127.0.0.2");                /* addresses stay */
    check_key(by_domain, "10.1.2.3", "10.1.2.3");
    check_key(by_domain, "[::1]", "[::1]");
    check_key(by_domain, "co.uk", "co.uk");                        /* a bare suffix stays */
    check_key(by_domain, "localhost", "localhost");

    /* The table: one entry per key, counted references, a key's own rate. */
    struct policy_host *a = policy_host_get(by_domain, "a.example.co.uk");
    struct policy_host *b = policy_host_get(by_domain, "b.example.co.uk");
    struct policy_host *c = policy_host_get(by_domain, "b.example.com");
    CHECK(a && a == b && c && c != a);
    if (a && b && c) {
        CHECK_EQ(a->refs, 2);
        CHECK_EQ(policy_host_count(by_domain), 2);
        CHECK_EQ(a->interval_us, 100000);     /* example.co.uk=10/s */
        CHECK_EQ(c->interval_us, 500000);     /* example.com: no own rate, the default 2/s ... */
        CHECK_STR_EQ_CTX("busiest", policy_busiest_host(by_domain)->key, "example.co.uk");
        policy_host_put(by_domain, a);
        policy_host_put(by_domain, b);
        CHECK_EQ(policy_host_count(by_domain), 1);
        policy_host_put(by_domain, c);
        CHECK_EQ(policy_host_count(by_domain), 0);
        CHECK(policy_busiest_host(by_domain) == NULL);
    }
    struct policy_host *d = policy_host_get(by_host, "b.example.com");
    CHECK(d && d->interval_us == 60000000);   /* ... but b.example.com=1/m as a host */
    struct policy_host *e = policy_host_get(by_host, "other.example");
    CHECK(e && e->interval_us == 500000);
    if (d)
        policy_host_put(by_host, d);
    if (e)
        policy_host_put(by_host, e);

    /* Sites: a canonical URL's origin, its host (the keys' hash tag) and its path. */
    check_site(by_host, "https://example.com/a/b?q=1", "https://example.com", "example.com",
               "/a/b?q=1");
    check_site(by_host, "http://127.0.0.2:8080/", "http://127.0.0.2:8080", "127.0.0.2", "/");
    check_site(by_host, "http://[::1]:81/x", "http://[::1]:81", "[::1]", "/x");
    check_site(by_host, "http://[::1]/x", "http://[::1]", "[::1]", "/x");
    const char *p1 = NULL, *p2 = NULL;
    struct policy_site *s1 = policy_site_get(by_host, "https://example.com/one", &p1);
    struct policy_site *s2 = policy_site_get(by_host, "https://example.com/two", &p2);
    struct policy_site *s3 = policy_site_get(by_host, "http://example.com/one", &p2);
    CHECK(s1 && s1 == s2 && s3 && s3 != s1);
    if (s1 && s2 && s3) {
        CHECK_EQ(s1->refs, 2);
        policy_site_put(by_host, s1);
        policy_site_put(by_host, s2);
        policy_site_put(by_host, s3);
    }

    policy_free(by_host);
    policy_free(by_domain);
    kv_free(kv);
    loop_free(l);
    return check_summary();
}
