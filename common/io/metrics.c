/* metrics.c -- GET /metrics over plain HTTP/1.0-style connections, on our loop. Hand-written:
 * a full HTTP server library would be far more than this endpoint needs, and none of the
 * project's libraries serves HTTP. */
#define _GNU_SOURCE /* accept4 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

#define METRICS_MAX_REQUEST 8192
#define METRICS_MAX_CONNS 16
#define METRICS_TIMEOUT_MS 5000

struct metrics_conn {
    struct metrics_server *m;
    int fd;                     /* -1 when the slot is free */
    char req[METRICS_MAX_REQUEST];
    size_t req_len;
    struct metrics_buf out;
    size_t sent;
    struct loop_timer timeout;
};

struct metrics_server {
    struct loop *loop;
    int fd;
    int port;
    metrics_render_fn *render;
    void *arg;
    struct metrics_conn conns[METRICS_MAX_CONNS];
};

void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
            return;
        b->data = p;
        b->cap = cap;
    }
}

static void conn_close(struct metrics_conn *c)
{
    loop_unwatch(c->m->loop, c->fd);
    loop_timer_stop(c->m->loop, &c->timeout);
    close(c->fd);
    c->fd = -1;
    free(c->out.data);
    c->out = (struct metrics_buf){0};
}

static void on_conn_timeout(struct loop *l, void *arg)
{
    (void)l;
    conn_close(arg);
}

static void on_conn_io(struct loop *l, int fd, int events, void *arg);

static void respond(struct metrics_conn *c)
{
    int ok = strncmp(c->req, "GET /metrics ", 13) == 0 || strncmp(c->req, "GET /metrics?", 13) == 0;
    struct metrics_buf body = {0};
    if (ok)
        c->m->render(&body, c->m->arg);
    else
        metrics_printf(&body, "not found: try /metrics\n");
    metrics_printf(&c->out,
                   "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n",
                   ok ? "200 OK" : "404 Not Found",
                   ok ? "text/plain; version=0.0.4" : "text/plain", body.len);
    if (body.len)
        metrics_printf(&c->out, "%.*s", (int)body.len, body.data);
    free(body.data);
    loop_watch(c->m->loop, c->fd, LOOP_WRITE, on_conn_io, c);
}

static void on_conn_io(struct loop *l, int fd, int events, void *arg)
{
    struct metrics_conn *c = arg;
    (void)l;
    if (c->out.len == 0) {
        ssize_t n = read(fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len);
        if (n <= 0) {
            if (n < 0 && errno == EAGAIN)
                return;
            conn_close(c);
            return;
        }
        c->req_len += (size_t)n;
        c->req[c->req_len] = '\0';
        if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
            respond(c);
        else if (c->req_len == sizeof(c->req) - 1)
            conn_close(c);
        return;
    }
    (void)events;
    ssize_t n = send(fd, c->out.data + c->sent, c->out.len - c->sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0 || (c->sent += (size_t)n) == c->out.len)
        conn_close(c);
}

static void on_accept(struct loop *l, int fd, int events, void *arg)
{
    struct metrics_server *m = arg;
    (void)events;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    struct metrics_conn *c = NULL;
    for (int i = 0; i < METRICS_MAX_CONNS && !c; i++)
        if (m->conns[i].fd < 0)
            c = &m->conns[i];
    if (!c) {
        close(cfd); /* a scraper needs one connection; more is not a scraper */
        return;
    }
    c->fd = cfd;
    c->req_len = 0;
    c->sent = 0;
    loop_timer_start(l, &c->timeout, METRICS_TIMEOUT_MS);
    loop_watch(l, cfd, LOOP_READ, on_conn_io, c);
}

int metrics_parse_addr(const char *host_port, char *host, size_t hostlen, char *port,
                       size_t portlen, char *err, size_t errlen)
{
    static const char expected[] = "expected HOST:PORT with PORT from 0 to 65535 (e.g. "
                                   "127.0.0.1:9091 or [::1]:9091)";
    const char *colon = strrchr(host_port, ':');
    size_t hl = colon ? (size_t)(colon - host_port) : 0;
    const char *digits = colon ? colon + 1 : "";
    size_t dl = strlen(digits);
    if (!colon || hl == 0 || hl >= hostlen || dl == 0 || dl > 5 || dl >= portlen ||
        strspn(digits, "0123456789") != dl || atol(digits) > 65535) {
        snprintf(err, errlen, "%s", expected);
        return -1;
    }
    /* [::1] loses its brackets; an unbracketed IPv6 address would be ambiguous. */
    if (host_port[0] == '[' && host_port[hl - 1] == ']' && hl > 2)
        snprintf(host, hostlen, "%.*s", (int)(hl - 2), host_port + 1);
    else if (memchr(host_port, ':', hl) || memchr(host_port, '[', hl) ||
             memchr(host_port, ']', hl)) {
        snprintf(err, errlen, "%s", expected);
        return -1;
    } else
        snprintf(host, hostlen, "%.*s", (int)hl, host_port);
    snprintf(port, portlen, "%s", digits);
    return 0;
}

struct metrics_server *metrics_server_new(struct loop *l, const char *host_port,
                                          metrics_render_fn *render, void *arg, char *err,
                                          size_t errlen)
{
    char host[256], port[8], why[256];
    if (metrics_parse_addr(host_port, host, sizeof(host), port, sizeof(port), why,
                           sizeof(why)) < 0) {
        snprintf(err, errlen, "--metrics '%s': %s", host_port, why);
        return NULL;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "--metrics '%s': %s", host_port, gai_strerror(rc));
        return NULL;
    }
    struct metrics_server *m = calloc(1, sizeof(*m));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (!m || fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
        snprintf(err, errlen, "--metrics '%s': %s", host_port, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(m);
        freeaddrinfo(ai);
        return NULL;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    m->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    m->loop = l;
    m->fd = fd;
    m->render = render;
    m->arg = arg;
    for (int i = 0; i < METRICS_MAX_CONNS; i++) {
        m->conns[i].fd = -1;
        m->conns[i].m = m;
        loop_timer_init(&m->conns[i].timeout, on_conn_timeout, &m->conns[i]);
    }
    loop_watch(l, fd, LOOP_READ, on_accept, m);
    return m;
}

int metrics_server_port(const struct metrics_server *m)
{
    return m->port;
}

void metrics_server_free(struct metrics_server *m)
{
    if (!m)
        return;
    for (int i = 0; i < METRICS_MAX_CONNS; i++)
        if (m->conns[i].fd >= 0)
            conn_close(&m->conns[i]);
    loop_unwatch(m->loop, m->fd);
    close(m->fd);
    free(m);
}
