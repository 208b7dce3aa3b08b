/* sentinel.c -- the redis-sentinel:// URL and the master lookup. The URL is read by hand:
 * a list of host:port pairs is not a URL that libcurl's parser accepts. */
#include "sentinel.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"
#include "pct.h"

#define SCHEME "redis-sentinel://"

int sentinel_url_is(const char *url)
{
    return strncmp(url, SCHEME, sizeof(SCHEME) - 1) == 0;
}

/* Percent-decodes [s, end) into out (at most outlen - 1 bytes). -1 on a bad escape or when
 * it does not fit. */
static int pct_decode(const char *s, const char *end, char *out, size_t outlen)
{
    size_t n = 0;
    while (s < end) {
        int c = (unsigned char)*s++;
        if (c == '%') {
            int hi = end - s >= 2 ? pct_hex_value((unsigned char)s[0]) : -1;
            int lo = hi >= 0 ? pct_hex_value((unsigned char)s[1]) : -1;
            if (lo < 0)
                return -1;
            c = hi * 16 + lo;
            s += 2;
        }
        if (n + 1 >= outlen)
            return -1;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

/* One "host:port" or "[v6]:port" of [s, end); the port defaults to 26379. */
static int parse_addr(const char *s, const char *end, struct sentinel_addr *a)
{
    const char *host = s, *host_end, *port = NULL;
    if (*s == '[') {
        host = s + 1;
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end || (host_end + 1 < end && host_end[1] != ':'))
            return -1;
        if (host_end + 1 < end)
            port = host_end + 2;
    } else {
        host_end = memchr(s, ':', (size_t)(end - s));
        if (host_end)
            port = host_end + 1;
        else
            host_end = end;
    }
    size_t hl = (size_t)(host_end - host);
    if (hl == 0 || hl >= sizeof(a->host) || memchr(host, '@', hl))
        return -1;
    memcpy(a->host, host, hl);
    a->host[hl] = '\0';
    a->port = 26379;
    if (port) {
        char digits[8];
        size_t pl = (size_t)(end - port);
        if (pl == 0 || pl >= sizeof(digits))
            return -1;
        memcpy(digits, port, pl);
        digits[pl] = '\0';
        char *stop;
        long p = strtol(digits, &stop, 10);
        if (*stop || p <= 0 || p > 65535)
            return -1;
        a->port = (int)p;
    }
    return 0;
}

int sentinel_parse_url(const char *url, struct sentinel_target *t, char *err, size_t errlen)
{
    char shown[512];
    log_redact_url(url, shown, sizeof(shown));
    memset(t, 0, sizeof(*t));
    const char *p = url + sizeof(SCHEME) - 1;
    const char *slash = sentinel_url_is(url) ? strchr(p, '/') : NULL;
    if (!slash) {
        snprintf(err, errlen, "invalid Sentinel URL '%s': expected "
                 "redis-sentinel://[:password@]host:port[,host:port...]/MASTER[/db]", shown);
        return -1;
    }
    /* The password is the master's: "[user]:password@" before the hosts. */
    const char *at = memchr(p, '@', (size_t)(slash - p));
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon || pct_decode(colon + 1, at, t->password, sizeof(t->password)) < 0) {
            snprintf(err, errlen, "invalid Sentinel URL '%s': expected :password@ before the "
                     "hosts", shown);
            return -1;
        }
        p = at + 1;
    }
    while (p < slash) {
        const char *comma = memchr(p, ',', (size_t)(slash - p));
        const char *end = comma ? comma : slash;
        if (t->nsentinels == SENTINEL_MAX) {
            snprintf(err, errlen, "invalid Sentinel URL '%s': more than %d sentinels", shown,
                     SENTINEL_MAX);
            return -1;
        }
        if (parse_addr(p, end, &t->sentinels[t->nsentinels]) < 0) {
            snprintf(err, errlen, "invalid Sentinel URL '%s': '%.*s' is not host:port", shown,
                     (int)(end - p), p);
            return -1;
        }
        t->nsentinels++;
        p = comma ? comma + 1 : slash;
    }
    const char *name = slash + 1, *name_end = strchr(name, '/');
    if (!name_end)
        name_end = name + strlen(name);
    if (t->nsentinels == 0 || name_end == name ||
        (size_t)(name_end - name) >= sizeof(t->master_name)) {
        snprintf(err, errlen, "invalid Sentinel URL '%s': expected at least one host:port and "
                 "the master's name (redis-sentinel://host:port/mymaster)", shown);
        return -1;
    }
    memcpy(t->master_name, name, (size_t)(name_end - name));
    if (*name_end == '/' && name_end[1]) {
        char *stop;
        long db = strtol(name_end + 1, &stop, 10);
        if (*stop || db < 0 || db > 1000000) {
            snprintf(err, errlen, "invalid Sentinel URL '%s': after the master's name, a "
                     "database number", shown);
            return -1;
        }
        t->db = (int)db;
    }
    return 0;
}

static redisContext *connect_within(const struct sentinel_addr *a, int timeout_ms)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(a->host, a->port, tv);
    if (c && !c->err)
        redisSetTimeout(c, tv);
    return c;
}

/* 0 when the server at a says it is a master (ROLE), -1 with the reason in why. */
static int check_master(const struct sentinel_target *t, const struct sentinel_addr *a,
                        int timeout_ms, char *why, size_t whylen)
{
    redisContext *c = connect_within(a, timeout_ms);
    redisReply *r = NULL;
    int rc = -1;
    if (!c || c->err) {
        snprintf(why, whylen, "%s", c ? c->errstr : "out of memory");
        goto out;
    }
    if (t->password[0]) {
        r = redisCommand(c, "AUTH %s", t->password);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            snprintf(why, whylen, "AUTH: %s", r ? r->str : c->errstr);
            goto out;
        }
        freeReplyObject(r);
    }
    r = redisCommand(c, "ROLE");
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_STRING) {
        snprintf(why, whylen, "ROLE: %s", r && r->type == REDIS_REPLY_ERROR ? r->str :
                 r ? "unexpected reply" : c->errstr);
        goto out;
    }
    if (strcmp(r->element[0]->str, "master") != 0) {
        snprintf(why, whylen, "it is a %s, not the master (failover in progress)",
                 r->element[0]->str);
        goto out;
    }
    rc = 0;
out:
    freeReplyObject(r);
    redisFree(c);
    return rc;
}

int sentinel_find_master(const struct sentinel_target *t, int timeout_ms,
                         struct sentinel_addr *master, char *err, size_t errlen)
{
    size_t used = 0;
    err[0] = '\0';
    size_t first = t->nsentinels ? (size_t)random() % t->nsentinels : 0;
    for (size_t i = 0; i < t->nsentinels; i++) {
        const struct sentinel_addr *s = &t->sentinels[(first + i) % t->nsentinels];
        char why[640] = "";
        redisContext *c = connect_within(s, timeout_ms);
        redisReply *r = NULL;
        if (!c || c->err) {
            snprintf(why, sizeof(why), "%s", c ? c->errstr : "out of memory");
        } else {
            r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", t->master_name);
            if (!r || r->type == REDIS_REPLY_ERROR) {
                snprintf(why, sizeof(why), "%s", r ? r->str : c->errstr);
            } else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
                       r->element[0]->type != REDIS_REPLY_STRING ||
                       r->element[1]->type != REDIS_REPLY_STRING) {
                snprintf(why, sizeof(why), "no master named '%s'", t->master_name);
            } else {
                struct sentinel_addr a;
                snprintf(a.host, sizeof(a.host), "%s", r->element[0]->str);
                a.port = atoi(r->element[1]->str);
                char check[256];
                if (check_master(t, &a, timeout_ms, check, sizeof(check)) == 0) {
                    *master = a;
                    freeReplyObject(r);
                    redisFree(c);
                    return 0;
                }
                snprintf(why, sizeof(why), "master %s:%d: %s", a.host, a.port, check);
            }
        }
        freeReplyObject(r);
        redisFree(c);
        if (used < errlen) {
            int n = snprintf(err + used, errlen - used, "%ssentinel %s:%d: %s", used ? "; " : "",
                             s->host, s->port, why);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return -1;
}
