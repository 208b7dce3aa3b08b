/* publish.c -- publishing a batch of messages on a confirm-mode channel and waiting for the
 * broker's verdict on each. Enqueueing URLs (main.c) and requeueing dead letters (requeue.c)
 * both go through it; what to do with a nack or a lost connection is theirs to decide. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "producer.h"

#define CONFIRM_TIMEOUT_MS 60000 /* a broker silent this long is treated as gone */

/* One call's bookkeeping: publish i has the confirm sequence number base + i. */
struct round {
    struct outgoing *out;
    uint64_t base;
    size_t published;           /* out[0 .. published) went out */
    size_t settled;             /* of those, acked or nacked */
    producer_delivery_fn *on_delivery;
    void *arg;
};

static void on_confirm(uint64_t seq, int multiple, int ok, void *arg)
{
    struct round *r = arg;
    uint64_t lo = multiple ? r->base : seq;
    for (uint64_t s = lo; s <= seq; s++) {
        if (s < r->base || s - r->base >= r->published)
            continue;
        struct outgoing *o = &r->out[s - r->base];
        if (o->state == OUT_WAITING) {
            o->state = ok ? OUT_ACKED : OUT_NACKED;
            r->settled++;
        }
    }
}

static void on_delivery(const struct broker_delivery *d, void *arg)
{
    struct round *r = arg;
    if (r->on_delivery)
        r->on_delivery(d, r->arg);
}

int producer_publish(struct producer *p, struct outgoing *out, size_t n,
                     producer_delivery_fn *deliveries, void *arg)
{
    struct round r = {.out = out, .on_delivery = deliveries, .arg = arg};
    for (size_t i = 0; i < n; i++)
        out[i].state = OUT_WAITING;
    /* A lost connection counts as a nack for whatever it did not confirm. */
    int lost = 0;
    for (size_t i = 0; i < n && !lost; i++) {
        int64_t seq = broker_publish(p->broker, out[i].queue, out[i].body, out[i].len,
                                     out[i].content_type);
        if (seq < 0) {
            lost = 1;
        } else {
            if (i == 0)
                r.base = (uint64_t)seq;
            r.published++;
        }
    }
    struct broker_events ev = {.on_confirm = on_confirm, .on_delivery = on_delivery, .arg = &r};
    uint64_t deadline = loop_now_ms() + CONFIRM_TIMEOUT_MS;
    while (!lost && r.settled < r.published) {
        if (loop_now_ms() > deadline) {
            LOG_W("broker did not confirm", "waiting=%zu timeout_ms=%d next=reconnect",
                  r.published - r.settled, CONFIRM_TIMEOUT_MS);
            lost = 1;
        } else if (broker_wait(p->broker, &ev, 1000) < 0) {
            lost = 1;
        }
    }
    if (!lost)
        return 0;
    char why[600];
    LOG_W("broker connection lost", "err=%s unconfirmed=%zu",
          producer_quote(why, sizeof(why), broker_error(p->broker)), n - r.settled);
    broker_free(p->broker);
    p->broker = NULL;
    return -1;
}
