/* reach.c -- connection failures in words a user can act on (see reach.h). */
#include "reach.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

/* The errno values a TCP connect ends with, in the order reach_errno_of tries them. */
static const int CONNECT_ERRNOS[] = {ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
                                     ECONNRESET, EADDRNOTAVAIL, EACCES, EPERM};

int reach_errno_of(const char *text)
{
    for (size_t i = 0; text && i < sizeof(CONNECT_ERRNOS) / sizeof(*CONNECT_ERRNOS); i++)
        if (strcmp(text, strerror(CONNECT_ERRNOS[i])) == 0)
            return CONNECT_ERRNOS[i];
    return 0;
}

static int resolves(const char *host, char *why, size_t whylen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &ai);
    if (ai)
        freeaddrinfo(ai);
    if (rc != 0)
        snprintf(why, whylen, "%s", gai_strerror(rc));
    return rc == 0;
}

const char *reach_explain(const struct reach_target *t, int errnum, const char *detail,
                          char *buf, size_t buflen)
{
    char why[256] = "";
    if (errnum == 0 || errnum == REACH_EDNS) {
        if (!resolves(t->host, why, sizeof(why)))
            errnum = REACH_EDNS;
        else if (errnum == REACH_EDNS)
            snprintf(why, sizeof(why), "it did not resolve a moment ago");
    }
    char reason[512];
    switch (errnum) {
    case ECONNREFUSED:
        snprintf(reason, sizeof(reason), "connection refused — is %s running there?",
                 t->server);
        break;
    case ETIMEDOUT:
        snprintf(reason, sizeof(reason), "no answer (timed out) — is the host up, and the port "
                 "open in its firewall?");
        break;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EADDRNOTAVAIL:
        snprintf(reason, sizeof(reason), "%s — is the address right?", strerror(errnum));
        break;
    case REACH_EDNS:
        snprintf(reason, sizeof(reason), "cannot resolve host '%s' (%s) — is the name right?",
                 t->host, why);
        break;
    default:
        snprintf(reason, sizeof(reason), "%s — is %s running there, on that port?",
                 errnum > 0 ? strerror(errnum) : detail && *detail ? detail : "unknown error",
                 t->server);
    }
    /* An IPv6 address is bracketed, as in a URL. */
    int v6 = strchr(t->host, ':') != NULL;
    snprintf(buf, buflen, "cannot connect to %s at %s%s%s:%d (from %s): %s set %s or %s",
             t->server, v6 ? "[" : "", t->host, v6 ? "]" : "", t->port, t->origin, reason,
             t->flag, t->env);
    return buf;
}

/* One address: 0 when it connected, else the errno. */
static int probe_one(const struct addrinfo *a, uint64_t deadline_ms)
{
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0)
        return errno;
    int rc = 0;
    if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
        rc = errno;
        if (rc == EINPROGRESS) {
            uint64_t now = loop_now_ms();
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int n = poll(&p, 1, now < deadline_ms ? (int)(deadline_ms - now) : 0);
            socklen_t len = sizeof(rc);
            if (n == 0)
                rc = ETIMEDOUT;
            else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &rc, &len) < 0)
                rc = errno;
        }
    }
    close(fd);
    return rc;
}

int reach_probe(const char *host, int port, int timeout_ms)
{
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai = NULL;
    if (getaddrinfo(host, service, &hints, &ai) != 0)
        return REACH_EDNS;
    uint64_t deadline_ms = loop_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    int rc = ETIMEDOUT;
    for (const struct addrinfo *a = ai; a; a = a->ai_next) {
        rc = probe_one(a, deadline_ms);
        if (rc == 0)
            break;
    }
    freeaddrinfo(ai);
    return rc;
}

void reach_failed(struct reach_failures *f, const char *first, const char *again,
                  const char *err, const char *note)
{
    uint64_t now = loop_now_ms();
    if (f->count++ == 0) {
        f->since_ms = f->logged_ms = now;
        LOG_W(first, "err=\"%s\" (%s)", err, note);
    } else if (now - f->logged_ms >= REACH_LOG_EVERY_MS) {
        f->logged_ms = now;
        LOG_W(again, "err=\"%s\" failures=%llu for_s=%llu (%s)", err,
              (unsigned long long)f->count, (unsigned long long)((now - f->since_ms) / 1000),
              note);
    }
}
