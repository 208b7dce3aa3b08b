/* kv_url.c -- what --redis names: redis:// and redis-sentinel:// URLs, the master Sentinel
 * points to, and the messages a failed connection gives. Shared by the worker's client (kv.c)
 * and the producer's (kvsync.c). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "log.h"
#include "reach.h"

int kv_parse_url(const char *url, struct kv_endpoint *ep, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *password = NULL, *path = NULL;
    int rc = -1;
    if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        strcmp(scheme, "redis") != 0 || curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        !host[0]) {
        snprintf(err, errlen, "expected redis://[:PASSWORD@]HOST[:PORT][/DB]");
        goto out;
    }
    memset(ep, 0, sizeof(*ep));
    ep->port = 6379;
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
        ep->port = atoi(port);
    if (ep->port < 1 || ep->port > 65535) {
        snprintf(err, errlen, "expected redis://[:PASSWORD@]HOST[:PORT][/DB] with PORT from 1 "
                 "to 65535");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE) == CURLUE_OK)
        snprintf(ep->password, sizeof(ep->password), "%s", password);
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") != 0) {
        char *end;
        long db = strtol(path + 1, &end, 10);
        if (!path[1] || *end || db < 0 || db > 1000000) {
            snprintf(err, errlen, "expected redis://[:PASSWORD@]HOST[:PORT][/DB] with DB a "
                     "database number");
            goto out;
        }
        ep->db = (int)db;
    }
    /* IPv6 literals come back bracketed; hiredis wants the bare address. */
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2)
        snprintf(ep->host, sizeof(ep->host), "%.*s", (int)(hl - 2), host + 1);
    else
        snprintf(ep->host, sizeof(ep->host), "%s", host);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(password);
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

const char *kv_explain(const struct kv_endpoint *ep, const char *origin, const char *errstr,
                       const char *refused, char *buf, size_t buflen)
{
    const char *flag = "--" KV_URL_FLAG, *env = KV_URL_ENV;
    if (!refused) {
        const struct reach_target t = {"Redis", ep->host, ep->port, origin, flag, env};
        return reach_explain(&t, reach_errno_of(errstr), errstr, buf, buflen);
    }
    /* With a wrong password, AUTH's answer goes nowhere and the SELECT after it is refused
     * with NOAUTH; a Redis 6 ACL answers WRONGPASS. */
    int auth = strncmp(refused, "NOAUTH", 6) == 0 || strncmp(refused, "WRONGPASS", 9) == 0 ||
               strstr(refused, "invalid password") != NULL;
    if (auth && ep->password[0])
        snprintf(buf, buflen, "Redis at %s:%d (from %s) refused the password (the password is "
                 "not shown): %s — check :PASSWORD@ in %s or %s", ep->host, ep->port, origin,
                 refused, flag, env);
    else if (auth)
        snprintf(buf, buflen, "Redis at %s:%d (from %s) wants a password: %s — give it as "
                 "redis://:PASSWORD@HOST:PORT/DB in %s or %s", ep->host, ep->port, origin,
                 refused, flag, env);
    else if (strstr(refused, "without any password configured"))
        snprintf(buf, buflen, "Redis at %s:%d (from %s) has no password set, but the URL gives "
                 "one (not shown) — remove :PASSWORD@ from %s or %s", ep->host, ep->port,
                 origin, flag, env);
    else if (strstr(refused, "DB index"))
        snprintf(buf, buflen, "Redis at %s:%d (from %s) has no database %d: %s — check /DB in "
                 "%s or %s", ep->host, ep->port, origin, ep->db, refused, flag, env);
    else
        snprintf(buf, buflen, "Redis at %s:%d (from %s) refused the connection's set-up: %s",
                 ep->host, ep->port, origin, refused);
    return buf;
}

int kv_target_parse(const char *url, struct kv_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    if (!sentinel_url_is(url))
        return kv_parse_url(url, &t->ep, err, errlen);
    t->sentinel = 1;
    if (sentinel_parse_url(url, &t->st, err, errlen) < 0)
        return -1;
    snprintf(t->ep.password, sizeof(t->ep.password), "%s", t->st.password);
    t->ep.db = t->st.db;
    return 0;
}

int kv_target_resolve(const struct kv_target *t, struct kv_endpoint *ep, char *err,
                      size_t errlen)
{
    *ep = t->ep;
    if (!t->sentinel)
        return 0;
    struct sentinel_addr master;
    char why[1024];
    if (sentinel_find_master(&t->st, SENTINEL_TIMEOUT_MS, &master, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "no Redis master '%s' from Sentinel: %s", t->st.master_name, why);
        return -1;
    }
    snprintf(ep->host, sizeof(ep->host), "%s", master.host);
    ep->port = master.port;
    return 0;
}
