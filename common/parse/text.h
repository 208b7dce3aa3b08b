/* text.h -- page text made fit for a record: every string a record carries from a page
 * (title, description, rules fields) is built here, so that it is valid UTF-8 whatever the
 * page's bytes, has its whitespace collapsed or trimmed, and stops at a character ceiling. */
#ifndef TRAWL_TEXT_H
#define TRAWL_TEXT_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

/* A growing UTF-8 string with a character ceiling. In `collapse` mode runs of ASCII
 * whitespace become one space; in both modes leading and trailing whitespace is dropped.
 * Invalid bytes become U+FFFD; NUL and other C0 controls count as whitespace. */
struct text {
    char *p;
    size_t len, cap;
    size_t chars, max_chars;
    size_t kept_len;    /* length up to the last non-whitespace character */
    bool collapse;
    bool pending_space; /* whitespace seen since the last character */
    bool full;          /* max_chars reached: further input is ignored */
    bool oom;
};

void text_init(struct text *t, size_t max_chars, bool collapse);

/* Appends n bytes of s (any bytes: invalid UTF-8 becomes U+FFFD). Ignored once full. */
void text_add(struct text *t, const char *s, size_t n);

/* Appends the text of a node: its content for text-like nodes, the value for an attribute,
 * the text of every descendant for an element or document. */
void text_add_node(struct text *t, xmlNodePtr n);

/* Returns the finished string (malloc'd, NUL-terminated, trailing whitespace dropped; its
 * length in *len), or NULL when empty or out of memory. Resets t. */
char *text_take(struct text *t, size_t *len);

/* Sets key on obj to a JSON string of the text, or null when empty. Resets t. */
void text_set_json(json_t *obj, const char *key, struct text *t);

/* The text as a JSON string ("" when empty); NULL when out of memory. Resets t. */
json_t *text_json(struct text *t);

/* HTML's ASCII whitespace, and every other C0 control (they never reach a record): every byte
 * up to the space. Inline: the text passes call it for every byte of a page. */
static inline bool text_is_space(unsigned char c)
{
    return c <= ' ';
}

/* True when all n bytes of s are valid UTF-8 with no ESC byte (ESC marks ISO-2022
 * encodings, whose bytes are also valid ASCII). */
bool text_plain_utf8(const unsigned char *s, size_t n);

#endif
