/* fetch.c -- libcurl multi_socket on our loop (the ephiperfifo.c shape), with the bounds the
 * contract puts on hostile servers: size, time, redirects, addresses. */
#define _GNU_SOURCE /* strcasestr */
#include "fetch.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "header.h"
#include "log.h"
#include "loop.h"

#define FETCH_INITIAL_BODY_BYTES 65536
#define FETCH_MAX_IDLE_CONNECTIONS 512 /* kept open for reuse, over all hosts */
#define FETCH_MAX_HEADER_BYTES 102400 /* all header lines of all responses of one fetch */
#define FETCH_MAX_VALIDATOR_BYTES 512 /* a longer ETag or Last-Modified is not kept */

struct fetcher {
    struct loop *loop;
    CURLM *multi;
    struct fetch_opts opts;
    char *user_agent;
    char *proxy;                /* --proxy, or NULL */
    struct loop_timer curl_timer;
    struct transfer *transfers; /* every transfer in flight (list), for fetcher_free */
    size_t in_flight;
};

struct transfer {
    struct fetcher *f;
    struct transfer *prev, *next;
    CURL *easy;
    char *url;
    enum fetch_purpose purpose;
    struct curl_slist *headers; /* the request's own header lines */
    size_t max_bytes;           /* this request's ceiling */
    int keep_partial;           /* over the ceiling: keep what fits */
    fetch_done_fn *done;
    void *arg;
    char *body;
    size_t len, cap;
    int too_large;              /* the write callback refused more bytes */
    size_t header_bytes;
    int headers_too_large;      /* the header callback refused more bytes */
    int blocked;                /* the socket callback refused the address */
    char blocked_addr[256];     /* why the address was refused (addr_explain_refusal) */
    char errbuf[CURL_ERROR_SIZE];
    char etag[FETCH_MAX_VALIDATOR_BYTES];      /* the final response's, for fetch_result */
    char last_modified[FETCH_MAX_VALIDATOR_BYTES];
};

static void reap(struct fetcher *f);

static void transfer_free(struct transfer *t)
{
    struct fetcher *f = t->f;
    if (t->prev)
        t->prev->next = t->next;
    else if (f->transfers == t)
        f->transfers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->body);
    free(t->url);
    free(t);
}

/* -- curl -> loop -- */

static void on_curl_io(struct loop *l, int fd, int events, void *arg)
{
    struct fetcher *f = arg;
    (void)l;
    int flags = 0, running;
    if (events & LOOP_READ)
        flags |= CURL_CSELECT_IN;
    if (events & LOOP_WRITE)
        flags |= CURL_CSELECT_OUT;
    if (events & LOOP_ERROR)
        flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(f->multi, fd, flags, &running);
    reap(f);
}

static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
    struct fetcher *f = arg;
    (void)e;
    (void)sockp;
    if (what == CURL_POLL_REMOVE)
        loop_unwatch(f->loop, fd);
    else
        loop_watch(f->loop, fd,
                   (what & CURL_POLL_IN ? LOOP_READ : 0) | (what & CURL_POLL_OUT ? LOOP_WRITE : 0),
                   on_curl_io, f);
    return 0;
}

static void on_curl_timer_due(struct loop *l, void *arg)
{
    struct fetcher *f = arg;
    (void)l;
    int running;
    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    reap(f);
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *arg)
{
    struct fetcher *f = arg;
    (void)m;
    /* Never call curl from here, not even for 0 ms: arm a timer (CURLMOPT_TIMERFUNCTION.md). */
    if (timeout_ms < 0)
        loop_timer_stop(f->loop, &f->curl_timer);
    else
        loop_timer_start(f->loop, &f->curl_timer, (uint64_t)timeout_ms);
    return 0;
}

/* -- per transfer -- */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t bytes = size * n;
    if (t->len + bytes > t->max_bytes) {
        if (t->keep_partial && t->len < t->max_bytes) {
            size_t fits = t->max_bytes - t->len;
            if (on_body(data, 1, fits, arg) != fits)
                return 0;
        }
        t->too_large = 1;
        return 0; /* CURLE_WRITE_ERROR: the transfer ends now, with what we know */
    }
    if (t->len + bytes + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : FETCH_INITIAL_BODY_BYTES;
        while (cap < t->len + bytes + 1)
            cap *= 2;
        char *p = realloc(t->body, cap);
        if (!p)
            return 0;
        t->body = p;
        t->cap = cap;
    }
    memcpy(t->body + t->len, data, bytes);
    t->len += bytes;
    t->body[t->len] = '\0';
    return bytes;
}

/* A ceiling on headers: libcurl 7.88 has one per line (and calls it "out of memory") but none
 * on their total. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    (void)data;
    t->header_bytes += size * n;
    if (t->header_bytes > FETCH_MAX_HEADER_BYTES) {
        t->headers_too_large = 1;
        return 0;
    }
    return size * n;
}

/* The address check happens here, on the address about to be connected, after DNS and on
 * every redirect hop: a refused address sees no connection at all. */
static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct transfer *t = arg;
    /* Through a proxy every connection goes to the proxy (no-proxy lists are off, see
     * fetcher_start), whose address the user named: loopback and private are fine; the
     * ranges refused whatever the flags stay refused. */
    int allowed = t->f->proxy ? addr_classify(&a->addr) != ADDR_FORBIDDEN
                              : addr_allowed(&a->addr, t->f->opts.allow_private);
    if (purpose == CURLSOCKTYPE_IPCXN && !allowed) {
        t->blocked = 1;
        addr_explain_refusal(&a->addr, t->blocked_addr, sizeof(t->blocked_addr));
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static enum errcode error_code(const struct transfer *t, CURLcode rc)
{
    if (t->blocked)
        return ERR_BLOCKED_ADDRESS;
    if (t->too_large)
        return ERR_TOO_LARGE;
    if (t->headers_too_large)
        return ERR_BAD_RESPONSE;
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return ERR_DNS;
    case CURLE_COULDNT_CONNECT:
        return ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return ERR_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
        return ERR_TLS;
    case CURLE_RECV_ERROR:
        /* curl reports broken chunked framing as a receive error too. */
        return strcasestr(t->errbuf, "chunk") ? ERR_BAD_RESPONSE : ERR_RESET;
    case CURLE_SEND_ERROR:
        /* A reused connection the server closes without a reply, again and again. */
        return strstr(t->errbuf, "Connection died") ? ERR_EMPTY_REPLY : ERR_RESET;
    case CURLE_GOT_NOTHING:
        return ERR_EMPTY_REPLY;
    case CURLE_BAD_CONTENT_ENCODING:
        return ERR_BAD_ENCODING;
    case CURLE_PARTIAL_FILE:
        return ERR_TRUNCATED;
    case CURLE_FILESIZE_EXCEEDED:
        return ERR_TOO_LARGE;
    case CURLE_TOO_MANY_REDIRECTS:
        return ERR_TOO_MANY_REDIRECTS;
    case CURLE_UNSUPPORTED_PROTOCOL:
        /* Both a redirect to another scheme ('Protocol "ftp" not supported') and a reply that
         * is not HTTP/1.x ("Received HTTP/0.9", "Unsupported response code") end here. */
        return strstr(t->errbuf, "Protocol \"") ? ERR_BAD_REDIRECT : ERR_BAD_RESPONSE;
    case CURLE_URL_MALFORMAT:
        return ERR_BAD_REDIRECT;
    default:
        /* Malformed status lines, headers, framing, HTTP/2 errors, oversized headers
         * (which curl reports as out of memory). */
        return ERR_BAD_RESPONSE;
    }
}

/* A header of the last response (not of a redirect hop), borrowed until the next call on
 * the handle, or NULL. */
static const char *last_header(CURL *easy, const char *name)
{
    struct curl_header *h;
    return curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK ? h->value : NULL;
}

/* Cache-Control's max-age in seconds, or -1. */
static int64_t max_age_of(const char *cache_control)
{
    const char *p = cache_control ? strcasestr(cache_control, "max-age=") : NULL;
    if (!p || (p > cache_control && (isalnum((unsigned char)p[-1]) || p[-1] == '-')))
        return -1; /* absent, or part of s-maxage-like names */
    char *end;
    long long v = strtoll(p + 8, &end, 10);
    return end == p + 8 || v < 0 ? -1 : (int64_t)v;
}

static void finish(struct transfer *t, CURLcode rc)
{
    struct fetcher *f = t->f;
    char *final_url = NULL, *content_type = NULL;
    curl_off_t total_us = 0;
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &final_url);
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &content_type);
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_off_t retry_after = 0; /* curl parses both forms: seconds and HTTP-date */
    curl_easy_getinfo(t->easy, CURLINFO_RETRY_AFTER, &retry_after);

    struct fetch_result r = {
        .url = t->url,
        .final_url = final_url ? final_url : t->url,
        .elapsed_ms = (uint64_t)total_us / 1000,
        .detail = "",
        .retry_after_s = retry_after > 0 ? (int64_t)retry_after : -1,
        .max_age_s = -1,
        .purpose = t->purpose,
    };
    char detail[CURL_ERROR_SIZE + 128];
    int cut = t->too_large && t->keep_partial && status > 0 && !t->blocked;
    if ((rc == CURLE_OK && !t->too_large && !t->blocked) || cut) {
        r.partial = cut;
        r.status = status;
        r.content_type = content_type;
        r.body = t->body ? t->body : "";
        r.len = t->len;
        /* Copied before the next curl_easy_header call reuses its storage. */
        const char *etag = last_header(t->easy, "ETag");
        snprintf(t->etag, sizeof(t->etag), "%s", etag ? etag : "");
        const char *modified = last_header(t->easy, "Last-Modified");
        snprintf(t->last_modified, sizeof(t->last_modified), "%s", modified ? modified : "");
        r.etag = etag && strlen(etag) < sizeof(t->etag) ? t->etag : NULL;
        r.last_modified = modified && strlen(modified) < sizeof(t->last_modified)
                              ? t->last_modified : NULL;
        r.max_age_s = max_age_of(last_header(t->easy, "Cache-Control"));
    } else {
        r.error = error_code(t, rc);
        if (t->blocked && f->proxy)
            snprintf(detail, sizeof(detail), "refused to connect to the proxy: %s",
                     t->blocked_addr);
        else if (t->blocked)
            snprintf(detail, sizeof(detail), "refused to connect: %s", t->blocked_addr);
        else if (t->too_large)
            snprintf(detail, sizeof(detail), "body exceeds --max-bytes %zu", t->max_bytes);
        else if (t->headers_too_large)
            snprintf(detail, sizeof(detail), "response headers exceed %d bytes",
                     FETCH_MAX_HEADER_BYTES);
        else if (r.error == ERR_BAD_REDIRECT)
            snprintf(detail, sizeof(detail), "redirect to a URL that is not http(s): refused");
        else if (rc == CURLE_OUT_OF_MEMORY)
            /* What libcurl says when one header line passes its 100 KB ceiling. */
            snprintf(detail, sizeof(detail), "a response header line is too long");
        else
            snprintf(detail, sizeof(detail), "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
        r.detail = detail;
    }
    f->in_flight--;
    /* Removed before the callback, which may start transfers; the strings in r belong to the
     * easy handle and live until transfer_free. */
    curl_multi_remove_handle(f->multi, t->easy);
    t->done(&r, t->arg);
    transfer_free(t);
}

/* Always drain curl's messages after every call into it. */
static void reap(struct fetcher *f)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(f->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct transfer *t;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        finish(t, m->data.result);
    }
}

struct fetcher *fetcher_new(struct loop *l, const struct fetch_opts *o, char *err, size_t errlen)
{
    struct fetcher *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->loop = l;
    f->opts = *o;
    f->user_agent = strdup(o->user_agent ? o->user_agent : "trawl");
    f->opts.user_agent = f->user_agent;
    f->proxy = o->proxy ? strdup(o->proxy) : NULL;
    f->opts.proxy = f->proxy;
    f->multi = curl_multi_init();
    if (!f->multi || !f->user_agent || (o->proxy && !f->proxy)) {
        snprintf(err, errlen, "curl_multi_init failed");
        fetcher_free(f);
        return NULL;
    }
    loop_timer_init(&f->curl_timer, on_curl_timer_due, f);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    /* Keep idle connections for reuse. curl's default cache holds 4 per easy handle added,
     * and ours come and go with each transfer, so the cache shrank to almost nothing and
     * every third fetch paid for a new connection. */
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)FETCH_MAX_IDLE_CONNECTIONS);
    return f;
}

void fetcher_free(struct fetcher *f)
{
    if (!f)
        return;
    if (f->multi) {
        /* Remove every transfer first: curl_multi_cleanup still calls the socket callback. */
        while (f->transfers) {
            curl_multi_remove_handle(f->multi, f->transfers->easy);
            transfer_free(f->transfers);
        }
        curl_multi_cleanup(f->multi);
    }
    loop_timer_stop(f->loop, &f->curl_timer);
    free(f->user_agent);
    free(f->proxy);
    free(f);
}

size_t fetcher_in_flight(const struct fetcher *f)
{
    return f->in_flight;
}

/* Appends the line unless a line of the same name is already there. 0, or -1 when out of
 * memory. */
static int add_header(struct transfer *t, const char *line)
{
    for (const struct curl_slist *l = t->headers; l; l = l->next)
        if (header_same_name(l->data, line))
            return 0;
    struct curl_slist *l = curl_slist_append(t->headers, line);
    if (!l)
        return -1;
    t->headers = l;
    return 0;
}

/* The request's header lines, the most specific first so that it wins a name: the request's
 * own, then the rules file's for its host, then --header. A handful of lines: the quadratic
 * name check costs nothing next to a transfer. */
static int add_headers(struct transfer *t, const struct fetch_request *req)
{
    const struct fetch_headers *global = &t->f->opts.headers;
    for (size_t i = 0; i < req->nheaders; i++)
        if (add_header(t, req->headers[i]) < 0)
            return -1;
    for (size_t i = 0; i < req->nsite_headers; i++)
        if (add_header(t, req->site_headers[i]) < 0)
            return -1;
    for (size_t i = 0; i < global->n; i++)
        if (add_header(t, global->lines[i]) < 0)
            return -1;
    return 0;
}

int fetcher_start(struct fetcher *f, const struct fetch_request *req, fetch_done_fn *done,
                  void *arg)
{
    struct transfer *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    t->f = f;
    t->done = done;
    t->arg = arg;
    t->purpose = req->purpose;
    t->max_bytes = req->max_bytes ? req->max_bytes : f->opts.max_bytes;
    t->keep_partial = req->keep_partial;
    t->url = strdup(req->url);
    t->easy = curl_easy_init();
    if (!t->url || !t->easy)
        goto fail;
    if (add_headers(t, req) < 0)
        goto fail;
    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, t->url);
    if (t->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, f->opts.user_agent);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl was built with */
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS,
                     req->max_redirects >= 0 ? req->max_redirects : f->opts.max_redirects);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, f->opts.timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, f->opts.connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, f->opts.low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, f->opts.low_speed_time_s);
    /* A declared length over the ceiling fails at once, unless a cut body is wanted. */
    if (!t->keep_partial)
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_bytes);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    /* Explicit either way: "" turns off the http_proxy family of environment variables, and
     * no_proxy too, which would send some hosts around the proxy where on_open_socket takes
     * every connection for the proxy's. */
    curl_easy_setopt(e, CURLOPT_PROXY, f->proxy ? f->proxy : "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "");
    if (curl_multi_add_handle(f->multi, e) != CURLM_OK)
        goto fail;
    t->next = f->transfers;
    if (t->next)
        t->next->prev = t;
    f->transfers = t;
    f->in_flight++;
    return 0; /* add_handle armed a 0 ms timer: the transfer starts from the loop */
fail:
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->url);
    free(t);
    return -1;
}
