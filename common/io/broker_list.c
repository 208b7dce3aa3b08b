/* broker_list.c -- a list of brokers and the order they are tried in. */
#include "broker_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "log.h"

/* A list's per-member deadline: enough for a login on a busy node, short enough that a hung
 * one is left quickly (the worker's own single-URL deadline is 10 s). */
#define LIST_MEMBER_TIMEOUT_MS 4000

int broker_list_parse(const char *spec, struct broker_list *l, char *err, size_t errlen)
{
    l->n = 0;
    l->next = 0;
    const char *p = spec;
    for (;;) {
        while (*p == ' ')
            p++;
        const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
        size_t len = (size_t)(end - p);
        while (len && p[len - 1] == ' ')
            len--;
        char url[BROKER_URL_MAX], shown[BROKER_URL_MAX];
        if (len == 0 || len >= sizeof(url)) {
            snprintf(err, errlen, "%s", len ? "an AMQP URL of over 1,023 bytes"
                                            : "an empty entry in the list of AMQP URLs");
            return -1;
        }
        memcpy(url, p, len);
        url[len] = '\0';
        char why[256];
        if (broker_check_url(url, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "'%s': %s", log_redact_url(url, shown, sizeof(shown)), why);
            return -1;
        }
        if (l->n == BROKER_LIST_MAX) {
            snprintf(err, errlen, "more than %d AMQP URLs", BROKER_LIST_MAX);
            return -1;
        }
        memcpy(l->urls[l->n++], url, len + 1);
        if (!comma)
            break;
        p = comma + 1;
    }
    l->next = (size_t)random() % l->n;
    return 0;
}

int broker_list_timeout_ms(const struct broker_list *l, int timeout_ms)
{
    return l->n > 1 && timeout_ms > LIST_MEMBER_TIMEOUT_MS ? LIST_MEMBER_TIMEOUT_MS : timeout_ms;
}

struct broker *broker_list_connect(struct broker_list *l, const char *origin, const char *name,
                                   int heartbeat_s, int timeout_ms, char *err, size_t errlen)
{
    size_t used = 0;
    int deadline = broker_list_timeout_ms(l, timeout_ms);
    err[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        size_t k = (l->next + i) % l->n;
        char why[1024];
        struct broker *b = broker_connect(l->urls[k], origin, name, heartbeat_s, deadline, why,
                                          sizeof(why));
        if (b) {
            l->next = (k + 1) % l->n;
            return b;
        }
        /* broker_connect names the (password-less) URL in its message. */
        if (used < errlen) {
            int n = snprintf(err + used, errlen - used, "%s%s", used ? "; " : "", why);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return NULL;
}

const char *broker_list_current(const struct broker_list *l)
{
    return l->urls[(l->next + l->n - 1) % l->n];
}
