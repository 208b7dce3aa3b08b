/* mgmt.c -- two GETs on RabbitMQ's management API: /api/nodes and /api/queues/VHOST/NAME. */
#include "mgmt.h"

#include <amqp.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#define MGMT_PORT 15672
#define MGMT_MAX_BODY (4 << 20) /* a queue's or the nodes' JSON; far below this */
#define MGMT_TIMEOUT_MS 2000    /* per request, at start-up */

/* The AMQP URL's parts, parsed from a copy (amqp_parse_url writes into its input). */
struct amqp_parts {
    char *copy;
    struct amqp_connection_info ci;
};

static int parts_parse(const char *amqp_url, struct amqp_parts *p)
{
    p->copy = strdup(amqp_url);
    if (!p->copy)
        return -1;
    amqp_default_connection_info(&p->ci);
    if (amqp_parse_url(p->copy, &p->ci) != AMQP_STATUS_OK) {
        free(p->copy);
        p->copy = NULL;
        return -1;
    }
    return 0;
}

int mgmt_base_url(const char *amqp_url, char *buf, size_t buflen)
{
    struct amqp_parts p;
    if (parts_parse(amqp_url, &p) < 0)
        return -1;
    int v6 = strchr(p.ci.host, ':') != NULL;
    int n = snprintf(buf, buflen, "%s://%s%s%s:%d", p.ci.ssl ? "https" : "http", v6 ? "[" : "",
                     p.ci.host, v6 ? "]" : "", MGMT_PORT);
    free(p.copy);
    return n > 0 && (size_t)n < buflen ? 0 : -1;
}

struct body {
    char *data;
    size_t len, cap;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct body *b = arg;
    size_t n = size * nmemb;
    if (b->len + n + 1 > MGMT_MAX_BODY || !buf_grow(&b->data, &b->cap, b->len + n + 1, 4096))
        return 0; /* curl reports a write error */
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* GET base + path as user:password; the parsed JSON, or NULL with err set. */
static json_t *get_json(const char *base, const char *path, const struct amqp_parts *p,
                        int timeout_ms, char *err, size_t errlen)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", base, path);
    CURL *h = curl_easy_init();
    struct body b = {0};
    json_t *doc = NULL;
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_USERNAME, p->ci.user);
    curl_easy_setopt(h, CURLOPT_PASSWORD, p->ci.password);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* the broker's own API, never through a proxy */
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "GET %s: %s", url, curl_easy_strerror(rc));
    } else if (status != 200) {
        snprintf(err, errlen, "GET %s: HTTP %ld%s", url, status,
                 status == 401 ? " (the AMQP user and password are refused there, or the "
                                 "user lacks the monitoring tag)"
                 : status == 404 ? " (not found)" : "");
    } else if (!(doc = json_loadb(b.data ? b.data : "", b.len, 0, NULL))) {
        snprintf(err, errlen, "GET %s: not JSON", url);
    }
    free(b.data);
    curl_easy_cleanup(h);
    return doc;
}

int mgmt_queue_replicas(const char *base, const char *amqp_url, const char *queue,
                        int timeout_ms, struct mgmt_queue_replicas *out, char *err,
                        size_t errlen)
{
    struct amqp_parts p;
    if (parts_parse(amqp_url, &p) < 0) {
        char shown[512];
        snprintf(err, errlen, "invalid AMQP URL '%s'", log_redact_url(amqp_url, shown,
                                                                      sizeof(shown)));
        return -1;
    }
    memset(out, 0, sizeof(*out));
    int rc = -1;
    json_t *nodes = NULL, *q = NULL;
    char *vhost = curl_easy_escape(NULL, p.ci.vhost, 0);
    char *name = curl_easy_escape(NULL, queue, 0);
    if (!vhost || !name) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (!(nodes = get_json(base, "/api/nodes", &p, timeout_ms, err, errlen)))
        goto out;
    size_t i;
    json_t *node;
    json_array_foreach(nodes, i, node)
        out->nodes_running += json_is_true(json_object_get(node, "running"));
    char path[768];
    snprintf(path, sizeof(path), "/api/queues/%s/%s", vhost, name);
    if (!(q = get_json(base, path, &p, timeout_ms, err, errlen)))
        goto out;
    const char *type = json_string_value(json_object_get(q, "type"));
    out->quorum = type && strcmp(type, "quorum") == 0;
    out->members = (int)json_array_size(json_object_get(q, "members"));
    out->online = (int)json_array_size(json_object_get(q, "online"));
    rc = 0;
out:
    json_decref(nodes);
    json_decref(q);
    curl_free(vhost);
    curl_free(name);
    free(p.copy);
    return rc;
}

void mgmt_report_replication(const char *base, const char *amqp_url, const char *prefix,
                             unsigned quorum_size, int asked)
{
    static const char *const suffixes[] = {"urls", "records", "dead"};
    char derived[512], err[1024], name[256];
    if (!base) {
        if (mgmt_base_url(amqp_url, derived, sizeof(derived)) < 0)
            return;
        base = derived;
    }
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
        snprintf(name, sizeof(name), "%s.%s", prefix, suffixes[i]);
        struct mgmt_queue_replicas r;
        if (mgmt_queue_replicas(base, amqp_url, name, MGMT_TIMEOUT_MS, &r, err, sizeof(err)) < 0) {
            /* A single broker without the management plugin is the common case: say it only
             * to someone who asked for a cluster or for the API. */
            if (asked)
                LOG_I("replication not checked", "err=\"%s\" hint=\"enable rabbitmq_management "
                      "or set --amqp-http\"", err);
            else
                LOG_D("replication not checked", "err=\"%s\"", err);
            return;
        }
        if (!r.quorum)
            continue;
        int want = r.nodes_running < (int)quorum_size ? r.nodes_running : (int)quorum_size;
        if (r.members < want)
            LOG_W("queue under-replicated", "queue=%s members=%d nodes_running=%d "
                  "quorum_size=%u hint=\"it was declared when fewer nodes ran; add a member "
                  "on each missing node: rabbitmq-queues grow NODE all\"", name, r.members,
                  r.nodes_running, quorum_size);
        else
            LOG_D("queue replicated", "queue=%s members=%d online=%d nodes_running=%d", name,
                  r.members, r.online, r.nodes_running);
        if (r.online < r.members)
            LOG_W("queue replica offline", "queue=%s members=%d online=%d", name, r.members,
                  r.online);
    }
}
