/* follow.c -- --follow: the URLs a record leads to (a feed's or sitemap's items, a page's
 * links in scope) enqueued once each, over every worker and every poll.
 *
 * After the record is built: every candidate's link (and a feed item's id) is claimed in the
 * seen-set (JOB_CLAIMING); the new ones are published to PREFIX.urls (JOB_FOLLOWING); once
 * the broker confirmed them all, their claims become "seen" and the record is published.
 * The input is acked only after the record is confirmed, so a crash anywhere repeats the
 * page, and its claims keep the URLs it had published from being published twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "log.h"
#include "robots.h"
#include "url.h"
#include "worker_int.h"

struct follow_item {
    char *url;                  /* canonical, owned */
    char *id;                   /* a feed item's id when it is not the link, owned, or NULL */
    char *body;                 /* its message, owned */
    int refused;                /* a claim found it seen, or failed */
    int unclaimed;              /* a sitemap of an index: followed without the seen-set */
    uint64_t seq;               /* its publish's confirm sequence; 0: none out */
    int confirmed;
};

struct follow_claim {           /* one claim's callback argument */
    struct job *j;
    size_t item;
    int what;                   /* 0: the link, 1: the item's id */
    int failed;                 /* Redis did not answer it: sent again next round */
};

/* A claim Redis could not answer (a master failing over, a connection not yet up) is sent
 * again REDIS_RETRY_MS later, for up to a minute: refusing it would publish the feed's record
 * without the item, and the feed's next poll may well be a 304 that never lists it again. */
#define FOLLOW_CLAIM_ROUNDS 120

struct follow {
    struct follow_item *items;
    size_t n;
    struct follow_claim *claims;
    size_t nclaims;
    size_t claims_out;          /* answers still to come this round */
    size_t claims_failed;       /* this round */
    int claim_rounds;
    size_t publishes_out;       /* confirms still to come */
    char *record;               /* published once every follow is confirmed, owned */
};

void follow_free(struct follow *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->items[i].url);
        free(f->items[i].id);
        free(f->items[i].body);
    }
    free(f->items);
    free(f->claims);
    free(f->record);
    free(f);
}

/* Adds a candidate; takes ownership of body. */
static int add(struct follow *f, size_t cap, const char *url, const char *id, char *body)
{
    if (!body || f->n == cap) {
        free(body);
        return -1;
    }
    struct follow_item *it = &f->items[f->n];
    memset(it, 0, sizeof(*it));
    it->url = strdup(url);
    it->id = id && strcmp(id, url) != 0 ? strdup(id) : NULL;
    it->body = body;
    if (!it->url || (id && strcmp(id, url) != 0 && !it->id)) {
        free(it->url);
        free(it->id);
        free(body);
        return -1;
    }
    f->n++;
    return 0;
}

/* What a followed item carries: the feed's URL and the item's own metadata, with the
 * input's meta when it was an object. A new reference. */
static json_t *item_meta(const struct job *j, const json_t *item)
{
    json_t *meta = json_is_object(j->msg.meta) ? json_deep_copy(j->msg.meta) : json_object();
    if (!meta)
        return NULL;
    json_object_set_new(meta, "feed", json_string(j->msg.url));
    json_t *mine = json_object();
    static const char *const keys[] = {"title", "id", "published", "updated", "author"};
    for (size_t k = 0; mine && k < sizeof(keys) / sizeof(*keys); k++) {
        json_t *v = json_object_get(item, keys[k]);
        json_object_set(mine, keys[k], v ? v : json_null());
    }
    json_object_set_new(meta, "item", mine ? mine : json_null());
    return meta;
}

static void collect_feed(struct job *j, const json_t *feed, struct follow *f, size_t cap)
{
    const json_t *items = json_object_get(feed, "items");
    size_t i;
    const json_t *item;
    json_array_foreach(items, i, item) {
        const char *link = json_string_value(json_object_get(item, "link"));
        if (!link)
            continue;
        /* A sitemap index's entries are sitemaps: fetched as feeds, followed in turn. */
        enum message_kind kind = json_is_true(json_object_get(item, "sitemap")) ? MESSAGE_FEED
                                                                                 : MESSAGE_PAGE;
        json_t *meta = item_meta(j, item);
        char *body = meta ? message_encode_full(link, kind, j->msg.depth + 1, meta, 0, 0) : NULL;
        json_decref(meta);
        if (add(f, cap, link, json_string_value(json_object_get(item, "id")), body) < 0)
            break;
        /* Not claimed: a news sitemap changes all day, and the index's own conditional GET
         * already says when its list is worth reading again (an unchanged index is a 304 and
         * follows nothing); each sitemap then gets its own conditional GET. */
        f->items[f->n - 1].unclaimed = kind == MESSAGE_FEED;
    }
}

/* The scope's name for a URL's host: the host, or its registrable domain. Caller frees. */
static char *scope_of(const struct worker *w, const char *url)
{
    char *host = url_host(url);
    if (!host || w->cfg->follow_scope == FOLLOW_SCOPE_HOST)
        return host;
    char *domain = policy_domain_of(w->policy, host);
    free(host);
    return domain;
}

static void collect_links(struct job *j, const json_t *links, struct follow *f, size_t cap)
{
    char *mine = scope_of(j->w, j->msg.url);
    if (!mine)
        return;
    size_t i;
    const json_t *v;
    json_array_foreach(links, i, v) {
        const char *link = json_string_value(v);
        if (link && strcmp(link, j->msg.url) == 0)
            continue; /* a link to itself */
        char *theirs = link ? scope_of(j->w, link) : NULL;
        int in_scope = theirs && strcmp(theirs, mine) == 0;
        free(theirs);
        if (!in_scope)
            continue;
        char *body = message_encode_full(link, MESSAGE_PAGE, j->msg.depth + 1, j->msg.meta, 0, 0);
        if (add(f, cap, link, NULL, body) < 0)
            break;
    }
    free(mine);
}

/* The candidates of a record, or NULL when there is nothing to follow. */
static struct follow *collect(struct job *j, const json_t *rec)
{
    const struct worker_config *cfg = j->w->cfg;
    if (j->purpose != FETCH_PAGE || j->msg.depth >= cfg->max_depth)
        return NULL;
    const json_t *feed = (cfg->follow & FOLLOW_FEEDS) ? json_object_get(rec, "feed") : NULL;
    const json_t *links = (cfg->follow & FOLLOW_LINKS) ? json_object_get(rec, "links") : NULL;
    size_t cap = json_array_size(json_object_get(feed, "items")) + json_array_size(links);
    if (cap == 0)
        return NULL;
    struct follow *f = calloc(1, sizeof(*f));
    if (!f || !(f->items = calloc(cap, sizeof(*f->items)))) {
        free(f);
        return NULL;
    }
    if (json_is_object(feed))
        collect_feed(j, feed, f, cap);
    if (json_is_array(links))
        collect_links(j, links, f, cap);
    if (f->n == 0) {
        follow_free(f);
        return NULL;
    }
    return f;
}

static void publish_new(struct job *j);
static void send_claims(struct job *j, int only_failed);

/* One claim's answer, or its failure to be sent: claimed 1 (new), 0 (seen), -1 (failed). */
static void claim_settled(struct job *j, struct follow_claim *c, int claimed, const char *err)
{
    struct follow *f = j->follow;
    struct follow_item *it = &f->items[c->item];
    f->claims_out--;
    if (claimed == 0)
        it->refused = 1;
    if (claimed >= 0)
        return;
    c->failed = 1;
    if (f->claims_failed++ == 0 && f->claim_rounds == 0)
        LOG_W("seen-set claim failed", "url=%s err=\"%s\" (asking again)", it->url, err);
}

static void on_claim_retry_due(struct loop *l, void *arg)
{
    struct job *j = arg;
    (void)l;
    if (j->state == JOB_ABANDONED) {
        job_discard(j);
        return;
    }
    send_claims(j, 1);
}

/* Every claim of the round answered: the new items go out, or the failed claims are asked
 * again, or after FOLLOW_CLAIM_ROUNDS their items are given up (not followed now). */
static void claims_round_done(struct job *j)
{
    struct follow *f = j->follow;
    if (f->claims_failed == 0) {
        publish_new(j);
        return;
    }
    if (++f->claim_rounds < FOLLOW_CLAIM_ROUNDS) {
        j->timer.fn = on_claim_retry_due;
        loop_timer_stop(j->w->loop, &j->timer);
        loop_timer_start(j->w->loop, &j->timer, REDIS_RETRY_MS);
        return;
    }
    for (size_t k = 0; k < f->nclaims; k++)
        if (f->claims[k].failed)
            f->items[f->claims[k].item].refused = 1;
    LOG_E("seen-set unavailable", "url=%s not_followed=%zu waited_s=%d", j->msg.url,
          f->claims_failed, FOLLOW_CLAIM_ROUNDS * REDIS_RETRY_MS / 1000);
    publish_new(j);
}

static void on_claimed(int claimed, const char *err, void *arg)
{
    struct follow_claim *c = arg;
    struct job *j = c->j;
    claim_settled(j, c, claimed, err);
    if (j->follow->claims_out > 0)
        return;
    if (j->state == JOB_ABANDONED) {
        job_discard(j);
        return;
    }
    claims_round_done(j);
}

/* Sends the round's claims: all of them, or those that failed last round. */
static void send_claims(struct job *j, int only_failed)
{
    struct follow *f = j->follow;
    /* Counted up front: an answer cannot arrive before kv_eval returns (never inline). */
    for (size_t k = 0; k < f->nclaims; k++) {
        struct follow_claim *c = &f->claims[k];
        if (only_failed && !c->failed)
            continue;
        f->claims_out++;
    }
    f->claims_failed = 0;
    for (size_t k = 0; k < f->nclaims; k++) {
        struct follow_claim *c = &f->claims[k];
        if (only_failed && !c->failed)
            continue;
        c->failed = 0;
        struct follow_item *it = &f->items[c->item];
        if (seen_claim(j->w->seen, c->what ? SEEN_ID : SEEN_URL, c->what ? it->id : it->url,
                       j->msg.url, on_claimed, c) < 0)
            claim_settled(j, c, -1, "redis not connected");
    }
    if (f->claims_out == 0)
        claims_round_done(j);
}

/* Claims every candidate, then publishes the new ones. */
static void claim_all(struct job *j)
{
    struct follow *f = j->follow;
    f->claims = calloc(f->n * 2, sizeof(*f->claims));
    if (!f->claims) {
        worker_fatal(j->w, "cannot follow", "out of memory");
        return;
    }
    j->state = JOB_CLAIMING;
    for (size_t i = 0; i < f->n; i++)
        for (int what = 0; !f->items[i].unclaimed && what < (f->items[i].id ? 2 : 1); what++)
            f->claims[f->nclaims++] = (struct follow_claim){j, i, what, 0};
    send_claims(j, 0);
}

static int publish_item(struct job *j, struct follow_item *it)
{
    struct worker *w = j->w;
    int64_t seq = broker_publish(w->out, w->q_urls, it->body, strlen(it->body),
                                 "application/json");
    if (seq < 0) {
        worker_lose_broker(w, "publish", broker_error(w->out));
        return -1;
    }
    it->seq = (uint64_t)seq;
    return 0;
}

/* Every claim answered: the new items go out; with none, the record does at once. */
static void publish_new(struct job *j)
{
    struct follow *f = j->follow;
    struct worker *w = j->w;
    j->state = JOB_FOLLOWING;
    for (size_t i = 0; i < f->n; i++) {
        struct follow_item *it = &f->items[i];
        if (it->refused) {
            w->n.follow_seen++;
            continue;
        }
        if (publish_item(j, it) < 0)
            return;
        f->publishes_out++;
    }
    if (f->publishes_out == 0)
        job_publish_record(j, &f->record);
}

static void on_republish_due(struct loop *l, void *arg)
{
    struct job *j = arg;
    (void)l;
    for (size_t i = 0; i < j->follow->n; i++) {
        struct follow_item *it = &j->follow->items[i];
        if (!it->refused && !it->confirmed && it->seq == 0 && publish_item(j, it) < 0)
            return;
    }
}

int follow_on_confirm(struct job *j, uint64_t seq, int multiple, int ok)
{
    struct follow *f = j->follow;
    struct worker *w = j->w;
    int matched = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct follow_item *it = &f->items[i];
        if (it->seq == 0 || !(it->seq == seq || (multiple && it->seq < seq)))
            continue;
        matched = 1;
        it->seq = 0;
        if (!ok) {
            /* Published again after a doubling wait, as a nacked outcome is. */
            j->nack_delay_ms = backoff_next(j->nack_delay_ms, NACK_RETRY_MIN_MS,
                                            NACK_RETRY_MAX_MS);
            w->n.nacks++;
            j->timer.fn = on_republish_due;
            loop_timer_stop(w->loop, &j->timer);
            loop_timer_start(w->loop, &j->timer, j->nack_delay_ms);
            continue;
        }
        it->confirmed = 1;
        f->publishes_out--;
        w->n.followed++;
        if (!it->unclaimed)
            seen_confirm(w->seen, SEEN_URL, it->url);
        if (it->id && !it->unclaimed)
            seen_confirm(w->seen, SEEN_ID, it->id);
    }
    if (matched && f->publishes_out == 0)
        job_publish_record(j, &f->record);
    return matched;
}

void follow_or_publish(struct job *j, const json_t *rec, char *record)
{
    struct worker *w = j->w;
    /* A page the producer sent (depth 0) was never claimed by a worker: it enters the
     * seen-set now, so that its own pages' links back to it (every "Home" link) do not fetch
     * it again. Its message is already confirmed, as the seen-set asks. */
    if ((w->cfg->follow & FOLLOW_LINKS) && j->msg.depth == 0 && j->msg.kind == MESSAGE_PAGE &&
        j->purpose == FETCH_PAGE)
        seen_confirm(w->seen, SEEN_URL, j->msg.url);
    struct follow *f = w->cfg->follow ? collect(j, rec) : NULL;
    if (!f) {
        job_publish_record(j, &record);
        return;
    }
    f->record = record;
    j->follow = f;
    claim_all(j);
}

void follow_sitemaps(struct worker *w, const char *origin, const struct robots *rules)
{
    if (!(w->cfg->follow & FOLLOW_FEEDS))
        return;
    /* No seen-set here: the robots.txt itself is fetched once a day for the whole cluster, so
     * its sitemaps are enqueued once a day, and their items are followed once by the seen-set.
     * A publish the broker loses costs a day, not the sitemap. */
    for (size_t i = 0; i < robots_sitemap_count(rules); i++) {
        char why[256];
        char *url = url_canonicalize(robots_sitemap(rules, i), why, sizeof(why));
        if (!url) {
            LOG_D("robots.txt sitemap skipped", "origin=%s err=\"%s\"", origin, why);
            continue;
        }
        json_t *meta = json_pack("{s:s}", "robots", origin);
        char *body = meta ? message_encode_full(url, MESSAGE_FEED, 0, meta, 0, 0) : NULL;
        json_decref(meta);
        int sent = body != NULL;
        int64_t seq = sent ? broker_publish(w->out, w->q_urls, body, strlen(body),
                                            "application/json") : 0;
        free(body);
        free(url);
        if (seq < 0) {
            worker_lose_broker(w, "publish", broker_error(w->out));
            return;
        }
        w->n.followed += (uint64_t)sent;
    }
}
