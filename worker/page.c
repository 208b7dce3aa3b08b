/* page.c -- what a response becomes: the record of a page (HTML extraction), of a feed or
 * sitemap (recognised by content, whatever the Content-Type), or of a resource that is
 * neither (the response's own fields only). */
#include <stdio.h>
#include <time.h>

#include "body.h"
#include "extract.h"
#include "feed.h"
#include "log.h"
#include "record.h"
#include "worker_int.h"

json_t *page_record(struct job *j, const struct fetch_result *r)
{
    struct worker *w = j->w;
    json_t *rec = record_new(j->msg.url, r, time(NULL), j->msg.meta);
    if (!rec)
        return NULL;
    if (w->cfg->keep_body &&
        body_add(rec, r->body, r->len, r->content_type, w->cfg->keep_body_bytes) < 0) {
        json_decref(rec);
        return NULL;
    }
    if (r->status == 304) {
        /* Not modified since the validators we sent: nothing to read. */
        json_object_set_new(rec, "not_modified", json_true());
        w->n.not_modified++;
        return rec;
    }
    enum feed_kind kind = feed_detect(r->body, r->len);
    if (kind != FEED_NONE) {
        const struct feed_opts fo = {.max_items = w->cfg->max_items};
        json_t *feed = NULL;
        int rc = feed_parse(r->body, r->len, r->content_type, r->final_url, &fo, &feed);
        if (rc == FEED_E_NOMEM) {
            json_decref(rec);
            return NULL;
        }
        if (rc == 0) {
            json_object_set_new(rec, "feed", feed);
            w->n.feeds++;
        } else {
            /* Detected from its first bytes, then unreadable (a gzip body that does not
             * inflate, or inflates past the ceiling): said in the record, not guessed. */
            json_object_set_new(rec, "feed_error", json_string(feed_strerror(rc)));
            LOG_D("feed unreadable", "url=%s err=\"%s\"", j->msg.url, feed_strerror(rc));
        }
    } else if (record_is_html(r->content_type, r->body, r->len)) {
        extract_html(r->body, r->len, r->content_type, r->final_url, &w->cfg->extract, rec);
    }
    return rec;
}
