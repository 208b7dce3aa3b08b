/* proxy.c -- a --proxy URL checked at start-up with libcurl's URL API, so that a typo is a
 * usage error naming the flag, not a "connect" dead letter for every URL. */
#include "proxy.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static const char *const SCHEMES[] = {"http", "https", "socks4", "socks4a", "socks5", "socks5h"};

int proxy_check(const char *url, char *err, size_t errlen)
{
    int rc = -1;
    char *scheme = NULL, *host = NULL, *path = NULL, *query = NULL;
    CURLU *u = curl_url();
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* NON_SUPPORT_SCHEME: socks5h and friends are no URL schemes of libcurl's own. */
    if (!strstr(url, "://") ||
        curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
        snprintf(err, errlen, "expected a proxy URL SCHEME://HOST[:PORT] (http, https, "
                 "socks4, socks4a, socks5 or socks5h)");
        goto out;
    }
    size_t i = 0;
    while (i < sizeof(SCHEMES) / sizeof(SCHEMES[0]) && strcmp(scheme, SCHEMES[i]) != 0)
        i++;
    if (i == sizeof(SCHEMES) / sizeof(SCHEMES[0])) {
        snprintf(err, errlen, "unsupported proxy scheme \"%s\" (http, https, socks4, socks4a, "
                 "socks5 or socks5h)", scheme);
        goto out;
    }
    if (strcmp(scheme, "https") == 0 &&
        !(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTPS_PROXY)) {
        snprintf(err, errlen, "this libcurl cannot talk TLS to a proxy (no HTTPS-proxy)");
        goto out;
    }
    curl_url_get(u, CURLUPART_PATH, &path, 0);
    if ((path && strcmp(path, "/") != 0) ||
        curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
        snprintf(err, errlen, "a proxy URL has no path or query");
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}
