/* extract_text.h -- the article's main text from a parsed page: what a reader would read,
 * without navigation, ads, footers, comments, share and "related" blocks.
 *
 * The method is the one the open-source readers publish (arc90's Readability, its Mozilla
 * port, trafilatura, boilerpipe), written here on libxml2's tree:
 * - elements that are never content (script, style, nav, aside, footer, forms' controls,
 *   hidden ones, elements whose class or id says "comment", "share", "related", "sidebar"...)
 *   are set aside with their subtree;
 * - every paragraph-like block (p, pre, td, h2-h6, a div with no block inside, or the text
 *   directly in a div) of 25 characters or more scores 1 + its commas + one per 100
 *   characters (at most 3), given in full to its parent, half to its grandparent and a
 *   third of that per level further up (5 levels); containers start from a tag weight and a
 *   class/id weight (+25 "article", "content", ... / -25 "comment", "sidebar", ...);
 * - the best container after scaling by (1 - link density) is the article; a parent that
 *   scores about as well replaces it, and its siblings join when they score at least a fifth
 *   of it or read like prose (long, few links);
 * - inside, lists, tables and divs that look like boilerplate are dropped (mostly links, more
 *   images or inputs than paragraphs, a lone embed), as is a heading that repeats the title
 *   and a byline;
 * - when the result is shorter than 500 characters the page is read again with fewer of
 *   these filters (class/id removal first, then class weights, then the boilerplate check),
 *   and the longest result is kept.
 * The tree is not changed: scores live in a side table (node->_private during the call). */
#ifndef TRAWL_EXTRACT_TEXT_H
#define TRAWL_EXTRACT_TEXT_H

#include <libxml/tree.h>
#include <stddef.h>

/* Returns the main text of doc (malloc'd, valid UTF-8, NUL-terminated, its length in *len):
 * paragraphs separated by a blank line, list items, table rows and <br> breaks on their own
 * line, other whitespace collapsed to one space. `title` (the record's headline, or NULL) is
 * used to drop a heading that repeats it. At most max_bytes bytes: a longer text is cut at
 * the last paragraph break before the limit (else at a character). Returns NULL when the page
 * has no article-like content (no paragraph of 25 characters outside boilerplate) or when
 * out of memory. Sets node->_private of doc's elements (libxml2 leaves it to users). */
char *extract_text(xmlDocPtr doc, const char *title, size_t max_bytes, size_t *len);

#endif
