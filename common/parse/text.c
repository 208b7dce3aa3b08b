/* text.c -- page text made fit for a record: valid UTF-8, whitespace handled, bounded. */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

/* True when all of s is valid UTF-8 with no ESC byte (ESC marks ISO-2022 encodings, whose
 * bytes are also valid ASCII). Two passes, memchr's then utf8_valid's, both 8 bytes or more
 * at a time: this scan reads every byte of the body. */
bool text_plain_utf8(const unsigned char *s, size_t n)
{
    if (n == 0)
        return true; /* s may be NULL: memchr must not see it */
    return !memchr(s, 0x1B, n) && utf8_valid((const char *)s, n);
}

void text_init(struct text *t, size_t max_chars, bool collapse)
{
    memset(t, 0, sizeof(*t));
    t->max_chars = max_chars;
    t->collapse = collapse;
}

static bool text_reserve(struct text *t, size_t more)
{
    if (buf_grow(&t->p, &t->cap, t->len + more + 1, 64))
        return true;
    t->oom = t->full = true;
    return false;
}

void text_add(struct text *t, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !t->full) {
        if (text_is_space(u[i])) {
            if (t->chars > 0)
                t->pending_space = true;
            if (!t->collapse && t->chars > 0 && u[i] >= 0x09 && u[i] <= 0x0D) {
                /* Trim-only mode keeps inner whitespace as written. */
                if (t->chars >= t->max_chars) {
                    t->full = true;
                    break;
                }
                if (!text_reserve(t, 1))
                    break;
                t->p[t->len++] = (char)u[i];
                t->chars++;
            } else if (!t->collapse && t->chars > 0 && u[i] == ' ') {
                if (t->chars >= t->max_chars) {
                    t->full = true;
                    break;
                }
                if (!text_reserve(t, 1))
                    break;
                t->p[t->len++] = ' ';
                t->chars++;
            }
            i++;
            continue;
        }
        const char *bytes;
        size_t blen, k = utf8_next(s + i, n - i, &bytes, &blen);
        bool space = t->collapse && t->pending_space;
        if (t->chars + (space ? 2 : 1) > t->max_chars) {
            t->full = true;
            break;
        }
        if (!text_reserve(t, blen + 1))
            break;
        if (space) {
            t->p[t->len++] = ' ';
            t->chars++;
        }
        memcpy(t->p + t->len, bytes, blen);
        t->len += blen;
        t->chars++;
        t->kept_len = t->len;
        t->pending_space = false;
        i += k;
    }
}

char *text_take(struct text *t, size_t *len)
{
    if (t->oom || t->kept_len == 0) {
        free(t->p);
        memset(t, 0, sizeof(*t));
        return NULL;
    }
    t->p[t->kept_len] = '\0';
    *len = t->kept_len;
    char *p = t->p;
    memset(t, 0, sizeof(*t));
    return p;
}

/* Descendants are walked without recursion (pages can be deep), stopping once t is full. */
void text_add_node(struct text *t, xmlNodePtr n)
{
    if (n->type == XML_NAMESPACE_DECL) {
        xmlNsPtr ns = (xmlNsPtr)n;
        if (ns->href)
            text_add(t, (const char *)ns->href, strlen((const char *)ns->href));
        return;
    }
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE ||
        n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE) {
        if (n->content)
            text_add(t, (const char *)n->content, strlen((const char *)n->content));
        return;
    }
    if (n->type != XML_ELEMENT_NODE && n->type != XML_ATTRIBUTE_NODE &&
        n->type != XML_DOCUMENT_NODE && n->type != XML_HTML_DOCUMENT_NODE)
        return;
    xmlNodePtr top = n, cur = n->children;
    while (cur && !t->full) {
        if ((cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) && cur->content)
            text_add(t, (const char *)cur->content, strlen((const char *)cur->content));
        if (cur->children && cur->type == XML_ELEMENT_NODE) {
            cur = cur->children;
            continue;
        }
        while (cur && cur != top && !cur->next)
            cur = cur->parent;
        if (!cur || cur == top)
            break;
        cur = cur->next;
    }
}

void text_set_json(json_t *obj, const char *key, struct text *t)
{
    size_t len = 0;
    char *s = text_take(t, &len);
    json_t *v = s ? json_stringn_nocheck(s, len) : NULL; /* text_add made it valid UTF-8 */
    json_object_set_new(obj, key, v ? v : json_null());
    free(s);
}

json_t *text_json(struct text *t)
{
    size_t len = 0;
    char *s = text_take(t, &len);
    json_t *v = s ? json_stringn_nocheck(s, len) : json_string("");
    free(s);
    return v;
}
