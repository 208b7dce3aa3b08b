/* extract_sax.c -- the SAX path: libxml2's HTML parser feeds walk_tag() through SAX
 * events, with no tree built (the tree costs one malloc per node, attribute and text, then
 * xmlFreeDoc). Used when the page's host has no rules fields. */
#include <libxml/HTMLparser.h>
#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "extract_walk.h"

/* The SAX handlers below see the events libxml2's tree builder (SAX2.c) would see, and
 * mirror the few things it decides that the output depends on, so that both paths give the
 * same record (extract_test and fuzz_extract compare them on every input):
 * - the node stack: an element is pushed on start and popped on end; text goes to the top
 *   element, and is dropped when the stack is empty. Past xmlParserMaxDepth the tree
 *   builder refuses the element and halts the parser: so do we.
 * - parents: an element started with an empty stack becomes the last child of the document's
 *   first child when that is an element (the root), else a top-level node.
 * - element names: "prefix:name" is stored as "name" (xmlSplitQName).
 * - text nodes: consecutive text events of one type (text or CDATA) into one element are one
 *   node; a chunk that would take it past XML_MAX_TEXT_LENGTH is dropped. Text is handed to
 *   text_add() in the same pieces as the tree path does (only invalid UTF-8 can tell).
 * - <!DOCTYPE>, comments and PIs: where they land changes the above, never the output.
 * - no document: when libxml2 skips startDocument, htmlReadMemory gives NULL.
 * Other libxml2 code that reads the tree while parsing (areBlanks) only matters when blanks
 * are not kept; htmlCtxtUseOptions keeps them. Read against libxml2 2.9.14's HTMLparser.c
 * and SAX2.c; fuzz_extract checks it on whatever libxml2 the build links. */

/* What we keep per open element. */
struct frame {
    uint32_t bits;      /* grabs whose element is this one or an ancestor */
    bool svg;           /* this element or an ancestor is an <svg> */
};

enum { DOC_EMPTY, DOC_ROOT, DOC_OTHER }; /* what the document's first child is */
enum { RUN_NONE, RUN_TEXT, RUN_CDATA };

struct sax {
    struct walk *w;
    xmlParserCtxtPtr ctxt;
    struct frame *stack; /* the tree builder's node stack */
    size_t depth, cap;
    bool started;        /* startDocument came: the tree builder would have a document */
    struct frame root;   /* the root element's frame, when first == DOC_ROOT */
    int first;           /* DOC_* */
    bool has_dtd;
    int run;             /* RUN_*: the text node being built in the top element */
    size_t run_len;      /* its bytes (as the tree builder counts them) */
    char *pend;          /* bytes of the run not yet given to text_add (a UTF-8 tail) */
    size_t pend_len, pend_cap;
};

/* Gives the pending bytes up to the last one that can start a UTF-8 sequence (all of them
 * when `all`) to every text collected from the top element. Splitting before such a byte is
 * invisible to text_add: no sequence spans it, valid or not. */
static void pend_flush(struct sax *s, bool all)
{
    size_t n = s->pend_len;
    if (!all)
        while (n > 0 && ((unsigned char)s->pend[n - 1] & 0xC0) == 0x80)
            n--;
    if (!all && n > 0)
        n--; /* keep the last sequence's lead byte too: its sequence may go on */
    if (n == 0)
        return;
    uint32_t bits = s->depth ? s->stack[s->depth - 1].bits : 0;
    for (unsigned i = 0; bits && i < s->w->ng; i++)
        if ((bits & (1u << i)) && walk_grab_live(s->w, i))
            text_add(&s->w->g[i].text, s->pend, n);
    memmove(s->pend, s->pend + n, s->pend_len - n);
    s->pend_len -= n;
}

/* The current text node ends (an element starts or ends, a comment or PI comes). */
static void run_end(struct sax *s)
{
    if (s->pend_len)
        pend_flush(s, true);
    s->run = RUN_NONE;
    s->run_len = 0;
}

/* True when one of the grabs in `bits` still wants text. */
static bool any_live(const struct sax *s, uint32_t bits)
{
    for (unsigned i = 0; bits && i < s->w->ng; i++)
        if ((bits & (1u << i)) && walk_grab_live(s->w, i))
            return true;
    return false;
}

static void on_text_event(struct sax *s, const xmlChar *ch, int len, int type)
{
    if (s->depth == 0 || len <= 0)
        return; /* no current node: the tree builder drops it */
    if (s->run == type) {
        if (s->run_len + (size_t)len > XML_MAX_TEXT_LENGTH &&
            !(s->ctxt->options & XML_PARSE_HUGE))
            return; /* the tree builder refuses to grow a text node past this */
        s->run_len += (size_t)len;
    } else {
        run_end(s);
        s->run = type;
        s->run_len = (size_t)len;
    }
    if (!any_live(s, s->stack[s->depth - 1].bits))
        return;
    if (s->pend_len + (size_t)len > s->pend_cap) {
        size_t cap = s->pend_cap ? s->pend_cap * 2 : 1024;
        while (cap < s->pend_len + (size_t)len)
            cap *= 2;
        char *p = realloc(s->pend, cap);
        if (!p) {
            s->w->oom = true;
            return;
        }
        s->pend = p;
        s->pend_cap = cap;
    }
    memcpy(s->pend + s->pend_len, ch, (size_t)len);
    s->pend_len += (size_t)len;
    pend_flush(s, false);
}

static void on_sax_characters(void *ctx, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = ctx;
    on_text_event(ctxt->_private, ch, len, RUN_TEXT);
}

static void on_sax_cdata(void *ctx, const xmlChar *ch, int len)
{
    xmlParserCtxtPtr ctxt = ctx;
    on_text_event(ctxt->_private, ch, len, RUN_CDATA);
}

/* A comment or processing instruction: a node in the top element, or in the document. */
static void on_sax_other_node(struct sax *s)
{
    run_end(s);
    if (s->depth == 0 && s->first == DOC_EMPTY)
        s->first = DOC_OTHER;
}

static void on_sax_comment(void *ctx, const xmlChar *value)
{
    (void)value;
    on_sax_other_node(((xmlParserCtxtPtr)ctx)->_private);
}

static void on_sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)target;
    (void)data;
    on_sax_other_node(((xmlParserCtxtPtr)ctx)->_private);
}

/* <!DOCTYPE>: the first one becomes the document's first child (even after the root). */
static void on_sax_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    struct sax *s = ((xmlParserCtxtPtr)ctx)->_private;
    if (!s->has_dtd) {
        s->has_dtd = true;
        s->first = DOC_OTHER;
    }
}

/* libxml2 skips startDocument when the parser is already stopped (an encoding it cannot
 * switch to, say): htmlReadMemory then returns NULL, and so does our path. */
static void on_sax_start_document(void *ctx)
{
    struct sax *s = ((xmlParserCtxtPtr)ctx)->_private;
    s->started = true;
}

static void on_sax_start(void *ctx, const xmlChar *fullname, const xmlChar **atts)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct sax *s = ctxt->_private;
    if (!s->started)
        return; /* no document to add it to */
    run_end(s);
    if (s->depth > xmlParserMaxDepth && !(ctxt->options & XML_PARSE_HUGE)) {
        xmlStopParser(ctxt); /* as nodePush does for the tree builder */
        return;
    }
    if (s->depth == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct frame *st = realloc(s->stack, cap * sizeof(*st));
        if (!st) {
            s->w->oom = true;
            xmlStopParser(ctxt);
            return;
        }
        s->stack = st;
        s->cap = cap;
    }

    struct tag t;
    memset(&t, 0, sizeof(t));
    t.name = (const char *)fullname;
    xmlChar *local = NULL;
    if (strchr(t.name, ':')) {
        xmlChar *prefix = NULL;
        local = xmlSplitQName(ctxt, fullname, &prefix);
        xmlFree(prefix);
        if (!local) {
            s->w->oom = true;
            return;
        }
        t.name = (const char *)local;
    }
    t.name_len = strlen(t.name);
    t.has_attrs = atts && atts[0];
    for (size_t i = 0; atts && atts[i]; i += 2)
        tag_attr(&t, (const char *)atts[i], atts[i + 1] ? (const char *)atts[i + 1] : "");

    struct frame parent = {0, false};
    if (s->depth > 0)
        parent = s->stack[s->depth - 1];
    else if (s->first == DOC_ROOT)
        parent = s->root;
    struct frame f;
    f.bits = parent.bits | walk_tag(s->w, &t, parent.svg);
    f.svg = parent.svg || tag_is(&t, "svg", 3);
    if (s->first == DOC_EMPTY) {
        s->first = DOC_ROOT;
        s->root = f;
    }
    s->stack[s->depth++] = f;
    xmlFree(local);
}

static void on_sax_end(void *ctx, const xmlChar *name)
{
    (void)name;
    struct sax *s = ((xmlParserCtxtPtr)ctx)->_private;
    run_end(s);
    if (s->depth > 0)
        s->depth--;
}

/* Parses like htmlReadMemory (same context, options and encoding switch) with our handlers
 * instead of the tree builder's. Returns 0, or -1 when htmlReadMemory would have returned
 * no document (the parser could not be set up or stopped before the document began). */
int walk_parse_sax(struct walk *w, const char *body, size_t len, const char *encoding,
                     int options)
{
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(body, (int)len);
    if (!ctxt)
        return -1;
    htmlDefaultSAXHandlerInit();
    if (ctxt->sax)
        memcpy(ctxt->sax, &htmlDefaultSAXHandler, sizeof(xmlSAXHandlerV1));
    xmlSAXHandlerPtr h = ctxt->sax;
    if (!h) {
        xmlFreeParserCtxt(ctxt);
        return -1;
    }
    /* Only what the tree builder does that we mirror; no document is built. */
    h->internalSubset = on_sax_doctype;
    h->getEntity = NULL;
    h->setDocumentLocator = NULL;
    h->startDocument = on_sax_start_document;
    h->endDocument = NULL;
    h->startElement = on_sax_start;
    h->endElement = on_sax_end;
    h->characters = on_sax_characters;
    h->cdataBlock = on_sax_cdata;
    h->ignorableWhitespace = NULL; /* never called: htmlCtxtUseOptions keeps blanks */
    h->processingInstruction = on_sax_pi;
    h->comment = on_sax_comment;

    struct sax s;
    memset(&s, 0, sizeof(s));
    s.w = w;
    s.ctxt = ctxt;
    ctxt->_private = &s;

    /* htmlDoRead, less the tree. */
    htmlCtxtUseOptions(ctxt, options);
    ctxt->html = 1;
    if (encoding) {
        xmlCharEncodingHandlerPtr hdlr = xmlFindCharEncodingHandler(encoding);
        if (hdlr) {
            xmlSwitchToEncoding(ctxt, hdlr);
            if (ctxt->input->encoding)
                xmlFree((xmlChar *)ctxt->input->encoding);
            ctxt->input->encoding = xmlStrdup((const xmlChar *)encoding);
        }
    }
    htmlParseDocument(ctxt);
    run_end(&s);
    int rc = s.started ? 0 : -1;
    if (ctxt->myDoc) /* not expected without startDocument; never leak one */
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    free(s.stack);
    free(s.pend);

    for (size_t i = 0; i < w->nhrefs; i++)
        w->hrefs[i] = w->arena + (uintptr_t)w->hrefs[i];
    return rc;
}
