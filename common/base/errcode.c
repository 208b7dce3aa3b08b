/* errcode.c -- the error code table. The order follows enum errcode; the meanings are what
 * users read in --help and the README, so they say what the user sees, not how it is found. */
#include "errcode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct errcode_info ERRCODE[ERR_COUNT] = {
    [ERR_NONE] = {"", false, ""},
    [ERR_DNS] = {"dns", true, "the host name did not resolve"},
    [ERR_CONNECT] = {"connect", true, "no connection could be made"},
    [ERR_TIMEOUT] = {"timeout", true, "past --timeout, or slower than 100 bytes/s for 10 s"},
    [ERR_TLS] = {"tls", false, "the TLS handshake or the certificate failed"},
    [ERR_RESET] = {"reset", true, "the connection broke mid-transfer"},
    [ERR_EMPTY_REPLY] = {"empty_reply", true, "the server closed without a reply"},
    [ERR_BAD_RESPONSE] = {"bad_response", false,
                          "malformed status line, headers over 100 KB, broken framing"},
    [ERR_BAD_ENCODING] = {"bad_encoding", false, "the Content-Encoding did not decode"},
    [ERR_TRUNCATED] = {"truncated", false, "fewer bytes than Content-Length said"},
    [ERR_TOO_LARGE] = {"too_large", false, "the decoded body passed --max-bytes"},
    [ERR_TOO_MANY_REDIRECTS] = {"too_many_redirects", false, "more than --max-redirects hops"},
    [ERR_BAD_REDIRECT] = {"bad_redirect", false, "a redirect to a URL that is not http(s)"},
    [ERR_BLOCKED_ADDRESS] = {"blocked_address", false,
                             "the address is not public (see --allow-private); never connected"},
    [ERR_ROBOTS] = {"robots", false, "disallowed by the site's robots.txt; never requested"},
    [ERR_BAD_MESSAGE] = {"bad_message", false,
                         "the input message is not JSON or a URL, or its URL is unusable"},
    [ERR_POISON] = {"poison", false,
                    "delivered 5 times without an outcome: it keeps killing workers"},
    [ERR_HTTP_STATUS] = {"http_NNN", true,
                         "a retryable status (429, 502, 503, 504) that ran out of attempts"},
};

const char *errcode_name(enum errcode code, long http_status, char *buf, size_t buflen)
{
    if (code == ERR_HTTP_STATUS) {
        snprintf(buf, buflen, "http_%ld", http_status);
        return buf;
    }
    return (unsigned)code < ERR_COUNT ? ERRCODE[code].name : "";
}

enum errcode errcode_parse(const char *name, long *http_status)
{
    if (strncmp(name, "http_", 5) == 0) {
        char *end;
        long status = strtol(name + 5, &end, 10);
        if (end != name + 5 && *end == '\0' && status >= 100 && status <= 999) {
            if (http_status)
                *http_status = status;
            return ERR_HTTP_STATUS;
        }
        return ERR_NONE;
    }
    for (int c = ERR_NONE + 1; c < ERR_HTTP_STATUS; c++)
        if (strcmp(name, ERRCODE[c].name) == 0)
            return (enum errcode)c;
    return ERR_NONE;
}

bool errcode_status_transient(long status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}
