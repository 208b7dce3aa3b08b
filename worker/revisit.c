/* revisit.c -- a URL fetched again: the revisit step of a job (lookup before the politeness
 * steps, a conditional request, what the response says of the next visit, stored once the
 * outcome is confirmed). Only feeds and URLs a polling producer sent take it: a one-off page
 * costs no Redis call for a visit that will not come. See policy/revisit.h for the hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "worker_int.h"

#define REVISIT_TTL_FLOOR_MS (86400LL * 1000) /* kept at least a day past the next visit */

static int wants_revisit(const struct job *j)
{
    return j->purpose == FETCH_PAGE && (j->msg.kind == MESSAGE_FEED || j->msg.poll_every_s > 0);
}

static void on_found(const struct revisit_state *st, const char *err, void *arg)
{
    struct job *j = arg;
    if (job_gone_or_returned(j))
        return;
    if (err)
        LOG_D("revisit lookup failed", "url=%s err=\"%s\" (fetching without validators)",
              j->msg.url, err);
    /* Known or not, the job is a revisit: its outcome stores what the response said. */
    j->seen_before = calloc(1, sizeof(*j->seen_before));
    if (!j->seen_before) {
        worker_fatal(j->w, "cannot keep revisit state", "out of memory");
        return;
    }
    if (st)
        *j->seen_before = *st;
    j->state = JOB_QUEUED; /* between states: the next step sets its own */
    job_enter_politeness(j);
}

void revisit_begin(struct job *j)
{
    struct worker *w = j->w;
    if (!wants_revisit(j)) {
        job_enter_politeness(j);
        return;
    }
    j->state = JOB_REVISIT_LOOKUP;
    if (revisit_lookup(w->revisit, j->msg.url, on_found, j) < 0)
        on_found(NULL, "Redis not connected", j); /* a full fetch costs less than a wait */
}

void revisit_request(const struct job *j, struct fetch_request *req, struct revisit_headers *hdr)
{
    const struct revisit_state *st = j->seen_before;
    if (!st)
        return;
    size_t n = 0;
    if (st->etag[0])
        snprintf(hdr->line[n++], sizeof(hdr->line[0]), "If-None-Match: %s", st->etag);
    if (st->modified[0])
        snprintf(hdr->line[n++], sizeof(hdr->line[0]), "If-Modified-Since: %s", st->modified);
    for (size_t i = 0; i < n; i++)
        hdr->ptr[i] = hdr->line[i];
    req->headers = n ? hdr->ptr : NULL;
    req->nheaders = n;
}

/* The longest of the server's own words on when to come back, in ms: Cache-Control max-age,
 * Retry-After, and an RSS feed's <ttl> (minutes). */
static int64_t server_floor_ms(const struct fetch_result *r, const json_t *rec)
{
    int64_t floor_s = 0;
    if (r->max_age_s > floor_s)
        floor_s = r->max_age_s;
    if (r->retry_after_s > floor_s)
        floor_s = r->retry_after_s;
    json_int_t ttl_min = json_integer_value(json_object_get(json_object_get(rec, "feed"), "ttl"));
    if (ttl_min * 60 > floor_s)
        floor_s = ttl_min * 60;
    return floor_s * 1000;
}

void revisit_note(struct job *j, const struct fetch_result *r, const json_t *rec)
{
    int is_record = rec != NULL;
    const struct revisit_state *before = j->seen_before;
    if (!before)
        return;
    struct revisit_state *now = j->seen_now ? j->seen_now : malloc(sizeof(*now));
    if (!now)
        return; /* the next visit is a full fetch: nothing is lost */
    *now = *before;
    int changed = 0;
    if (is_record && r->status != 304) {
        /* A 200 replaces the validators (none given: none kept); the digest says whether the
         * body changed when the server gives no validator to tell. */
        snprintf(now->etag, sizeof(now->etag), "%s", r->etag ? r->etag : "");
        snprintf(now->modified, sizeof(now->modified), "%s",
                 r->last_modified ? r->last_modified : "");
        revisit_digest(r->body, r->len, now->digest);
        changed = strcmp(now->digest, before->digest) != 0;
    }
    int64_t every_ms = (int64_t)j->msg.poll_every_s * 1000;
    if (every_ms > 0) {
        now->interval_ms = revisit_next_interval(every_ms, (int64_t)j->msg.poll_max_s * 1000,
                                                 before->interval_ms, changed,
                                                 is_record ? server_floor_ms(r, rec) : 0);
        now->due_ms = loop_wall_ms() + now->interval_ms;
    } else {
        now->interval_ms = now->due_ms = 0;
    }
    j->seen_now = now;
}

void revisit_commit(struct job *j)
{
    struct worker *w = j->w;
    if (!j->seen_now)
        return;
    int64_t ttl_ms = (int64_t)w->cfg->revisit_ttl_s * 1000;
    if (j->seen_now->interval_ms + REVISIT_TTL_FLOOR_MS > ttl_ms)
        ttl_ms = j->seen_now->interval_ms + REVISIT_TTL_FLOOR_MS;
    if (revisit_store(w->revisit, j->msg.url, j->seen_now, ttl_ms) < 0)
        LOG_D("revisit not stored", "url=%s (Redis not connected)", j->msg.url);
}
