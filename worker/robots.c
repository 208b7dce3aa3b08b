/* robots.c -- the robots.txt step of a page job (RFC 9309), between parsing and its host's
 * line. Each origin's rules are fetched once per POLICY_ROBOTS_TTL_MS by whichever worker
 * needs them first: a Redis claim makes the others wait for its result (SITE_WAITING, asking
 * again every ROBOTS_POLL_MS) instead of fetching it too, and the parsed rules are cached in
 * Redis for every worker. The fetch itself is a job of its own (FETCH_ROBOTS): it obeys the
 * host's rate and lease like any other request.
 *
 *   4xx          -> allow all (cached a day)
 *   5xx, 429, a network error -> "unavailable": no page of the site is fetched; its jobs are
 *                   retried (an attempt each) after the site's next robots.txt fetch, which
 *                   waits 30 s, doubling with each failure in a row, up to an hour
 *   more than 5 redirects -> allow all (RFC 9309 2.3.1.2) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "robots.h"
#include "worker_int.h"

#define ROBOTS_MAX_REDIRECTS 5
#define UNAVAILABLE_FORM "trawl-robots-unavailable/1 " /* then "CODE detail" */

static void site_lookup(struct worker *w, struct policy_site *s);

/* What the site's rules say of a job. */
static void apply(struct job *j)
{
    struct worker *w = j->w;
    struct policy_site *s = j->site;
    if (s->unavailable) {
        /* "CODE detail" of the robots.txt fetch: the page fails with it, as a transient
         * failure retried once the site's robots.txt is asked for again. */
        char code[ERRCODE_NAME_MAX];
        const char *sp = strchr(s->unavailable, ' ');
        size_t n = sp ? (size_t)(sp - s->unavailable) : strlen(s->unavailable);
        snprintf(code, sizeof(code), "%.*s", (int)(n < sizeof(code) ? n : sizeof(code) - 1),
                 s->unavailable);
        long http_status = 0;
        enum errcode error = errcode_parse(code, &http_status);
        if (error == ERR_NONE)
            error = ERR_CONNECT; /* another worker's word we cannot read: the likeliest */
        char detail[512];
        snprintf(detail, sizeof(detail), "robots.txt of %s unreachable (%s): not crawling it "
                 "until it answers", s->origin, sp ? sp + 1 : code);
        /* Rounded down: the retry ladder waits at least as long as asked, at its next level
         * up, and the site's cached answer may already have expired a moment earlier. */
        uint64_t now = loop_now_ms();
        int64_t until_s = s->expires_ms > now + 1000 ? (int64_t)((s->expires_ms - now) / 1000) : 1;
        job_fail_attempt(j, error, http_status, detail, 1, until_s);
        return;
    }
    if (!robots_allowed(s->rules, j->path)) {
        w->n.robots_denied++;
        char detail[256];
        snprintf(detail, sizeof(detail), "disallowed by %s/robots.txt", s->origin);
        job_publish_dead(j, NULL, 0, ERR_ROBOTS, detail);
        return;
    }
    job_enter_host_line(j, 0);
}

/* The site's rules are known (or unavailable): every job waiting on them moves on. */
static void release_waiters(struct policy_site *s)
{
    while (s->wait_head) {
        struct job *j = s->wait_head;
        line_remove((struct job **)&s->wait_head, (struct job **)&s->wait_tail, j);
        j->state = JOB_QUEUED; /* between states: apply() sets the next */
        apply(j);
    }
}

void robots_check(struct job *j)
{
    struct worker *w = j->w;
    struct policy_site *s = j->site;
    if (s->state == SITE_KNOWN && loop_now_ms() >= s->expires_ms)
        s->state = SITE_UNKNOWN; /* what was known stays in use until the new answer */
    if (s->state == SITE_KNOWN) {
        apply(j);
        return;
    }
    job_count_wait(j, WAITED_ROBOTS);
    j->state = JOB_ROBOTS_WAIT;
    line_push((struct job **)&s->wait_head, (struct job **)&s->wait_tail, j);
    if (s->state == SITE_UNKNOWN)
        site_lookup(w, s);
}

/* What was cached (by us or another worker) becomes known here. */
static void know_form(struct policy_site *s, const char *value, size_t len, uint64_t ttl_ms)
{
    size_t plen = strlen(UNAVAILABLE_FORM);
    if (len >= plen && memcmp(value, UNAVAILABLE_FORM, plen) == 0) {
        char *why = strndup(value + plen, len - plen);
        policy_site_know(s, NULL, why ? why : strdup("unavailable"), ttl_ms);
        return;
    }
    struct robots *r = robots_deserialize(value, len);
    if (!r) {
        /* Written by another version, or damaged: the site waits for the next fetch. */
        LOG_W("unreadable robots.txt cache", "origin=%s (treated as unreachable)", s->origin);
        policy_site_know(s, NULL, strdup("bad_cache cached rules unreadable"),
                         POLICY_ROBOTS_RETRY_MS);
        return;
    }
    policy_site_know(s, r, NULL, ttl_ms);
}

static void on_site_timer(struct loop *l, void *arg)
{
    struct policy_site *s = arg;
    (void)l;
    if (!s->wait_head) {
        s->state = SITE_UNKNOWN; /* its jobs went (a drain); the next one asks */
        return;
    }
    site_lookup(((struct job *)s->wait_head)->w, s);
}

/* The worker whose jobs wait on s; s has waiters whenever a lookup is made. */
struct lookup {
    struct worker *w;
    struct policy_site *s;
};

static void on_lookup(enum policy_robots_answer a, const char *value, size_t len,
                      uint64_t ttl_ms, const char *err, void *arg)
{
    struct lookup *lk = arg;
    struct worker *w = lk->w;
    struct policy_site *s = lk->s;
    free(lk);
    s->state = SITE_UNKNOWN;
    if (!s->wait_head || w->draining || !w->in) {
        /* Nobody waits any more (a drain, a lost connection). A claim we just got goes. */
        if (!err && a == POLICY_ROBOTS_CLAIMED)
            policy_robots_unclaim(w->policy, s, w->id);
    } else if (err) {
        s->state = SITE_WAITING;
        s->timer.fn = on_site_timer;
        loop_timer_start(w->loop, &s->timer, REDIS_RETRY_MS);
    } else if (a == POLICY_ROBOTS_FOUND) {
        know_form(s, value, len, ttl_ms);
        release_waiters(s);
    } else if (a == POLICY_ROBOTS_BUSY) {
        s->state = SITE_WAITING;
        s->timer.fn = on_site_timer;
        loop_timer_start(w->loop, &s->timer, ROBOTS_POLL_MS);
    } else {
        char url[2048];
        snprintf(url, sizeof(url), "%s/robots.txt", s->origin);
        struct job *rj = job_new_internal(w, url);
        if (!rj) {
            policy_robots_unclaim(w->policy, s, w->id);
            worker_fatal(w, "cannot fetch robots.txt", "out of memory");
        } else {
            s->state = SITE_FETCHING;
            rj->purpose = FETCH_ROBOTS;
            rj->site = s;
            s->refs++;
            w->n.robots_fetches++;
            LOG_D("fetching robots.txt", "url=%s", url);
            job_enter_host_line(rj, 1);
        }
    }
    policy_site_put(w->policy, s);
}

static void site_lookup(struct worker *w, struct policy_site *s)
{
    struct lookup *lk = malloc(sizeof(*lk));
    if (!lk) {
        worker_fatal(w, "cannot ask for robots.txt", "out of memory");
        return;
    }
    *lk = (struct lookup){.w = w, .s = s};
    s->state = SITE_ASKING;
    s->refs++; /* the answer needs the entry */
    /* A claim outlives the longest robots.txt fetch, so that a worker that dies holding it
     * delays the others by at most this. */
    uint64_t claim_ms = (uint64_t)w->cfg->fetch.timeout_ms + 60000;
    if (policy_robots_lookup(w->policy, s, w->id, claim_ms, on_lookup, lk) < 0) {
        free(lk);
        s->refs--;
        s->state = SITE_WAITING;
        s->timer.fn = on_site_timer;
        loop_timer_start(w->loop, &s->timer, REDIS_RETRY_MS);
    }
}

void robots_on_fetched(struct job *j, const struct fetch_result *r)
{
    struct worker *w = j->w;
    struct policy_site *s = j->site;
    char why[256] = "";
    struct robots *rules = NULL;
    if (r->error) {
        /* Too many redirects count as a missing file; an address we may not connect to
         * would refuse every page too, each with its own blocked_address. */
        if (r->error == ERR_TOO_MANY_REDIRECTS || r->error == ERR_BLOCKED_ADDRESS)
            rules = robots_allow_all();
        else
            snprintf(why, sizeof(why), "%s %s", ERRCODE[r->error].name, r->detail);
    } else if (r->status >= 200 && r->status < 300) {
        rules = robots_parse(r->body, r->len, w->cfg->fetch.user_agent);
    } else if (r->status == 429 || r->status >= 500 || r->status < 200) {
        snprintf(why, sizeof(why), "http_%ld HTTP status %ld", r->status, r->status);
    } else {
        rules = robots_allow_all(); /* 3xx without a Location, 4xx: no rules */
    }
    if (!rules && !why[0]) {
        worker_fatal(w, "cannot parse robots.txt", "out of memory");
        return;
    }
    char *form = NULL;
    if (rules) {
        form = robots_serialize(rules);
        if (form)
            policy_robots_store(w->policy, s, w->id, form, 0);
        LOG_D("robots.txt", "origin=%s status=%ld rules=%zu crawl_delay=%g", s->origin,
              r->status, robots_rule_count(rules), robots_crawl_delay(rules));
        follow_sitemaps(w, s->origin, rules);
        policy_site_know(s, rules, NULL, POLICY_ROBOTS_TTL_MS);
    } else {
        w->n.robots_unavailable++;
        size_t len = strlen(UNAVAILABLE_FORM) + strlen(why) + 1;
        form = malloc(len);
        if (form) {
            snprintf(form, len, "%s%s", UNAVAILABLE_FORM, why);
            policy_robots_store(w->policy, s, w->id, form, 1);
        }
        LOG_I("robots.txt unreachable", "origin=%s err=\"%s\" (not crawling it yet)", s->origin,
              why);
        /* Redis keeps it for longer after failures in a row; asking again then tells. */
        char *unavailable = strdup(why);
        policy_site_know(s, NULL, unavailable ? unavailable : strdup("unavailable"),
                         POLICY_ROBOTS_RETRY_MS);
    }
    free(form);
    release_waiters(s);
}

void robots_job_gone(struct job *j)
{
    struct worker *w = j->w;
    struct policy_site *s = j->site;
    if (s->state != SITE_FETCHING)
        return;
    s->state = SITE_UNKNOWN;
    if (w->kv)
        policy_robots_unclaim(w->policy, s, w->id);
    /* Jobs still waiting (not a drain, which returns them) ask again: one of them claims. */
    if (s->wait_head && !w->draining && w->in)
        site_lookup(w, s);
}

/* A fetch of robots.txt: at most ROBOTS_MAX_REDIRECTS hops and ROBOTS_MAX_BYTES parsed. */
void robots_request(const struct job *j, struct fetch_request *req)
{
    *req = (struct fetch_request){.url = j->msg.url, .purpose = FETCH_ROBOTS,
                                  .max_redirects = ROBOTS_MAX_REDIRECTS,
                                  .max_bytes = ROBOTS_MAX_BYTES, .keep_partial = 1};
}
