#!/usr/bin/python3
"""recipe.py -- the crawler a competent Python user writes, as the benchmark's baseline.

One aiohttp ClientSession, a pool of CONCURRENCY worker tasks fed from a bounded asyncio.Queue
(asyncio.gather over the workers), response.read() and lxml.html.fromstring on the bytes, the
page metadata by XPath, one JSON line per page. Nothing in it is slowed on purpose: it is the
recipe found in tutorials and answers, written carefully.

    /usr/bin/python3 bench/recipe.py --urls urls.txt --out out.jsonl \
        [--concurrency 100] [--mode as-written|trawl-work]

--mode as-written   links are the hrefs as they stand in the page (//a/@href).
--mode readability  trawl-work, plus the article's text as a Python user gets it: Debian's
                    python3-readability (readability-lxml) Document(...).summary(), its text
                    with whitespace collapsed per paragraph, in "text".
--mode trawl-work   links get the work trawl does: cleaned of whitespace, resolved with urljoin
                    against the base (<base href> or the final URL), dot-segments removed,
                    fragments dropped, http(s) only, de-duplicated in document order; canonical
                    is resolved too, the title is the headline (JSON-LD headline, og:title, then
                    <title>), the description falls back to og:description, twitter:description and
                    JSON-LD, and title
                    and description are cut at 2,000 characters, as in trawl's records. (Not done: lower-casing the host, dropping a default port,
                    normalising percent-encoding, which trawl's libcurl canonicalisation does.)

Uses Debian's python3-aiohttp (3.8) and python3-lxml. At the end it prints one line to stderr:
    recipe: mode=M pages=N errors=E seconds=S pages/s=R start=T0 end=T1
where pages counts pages that got an HTTP response (any status) and errors the URLs that did not;
seconds runs from the first request to the last line written, T0 and T1 are the same two moments
as Unix times (bench/run times several processes run at once from the first T0 to the last T1).
Exit 0 when every URL got a response, 1 otherwise.
"""

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime, timezone
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp
import lxml.etree
import lxml.html

MAX_TEXT_CHARS = 2000  # trawl cuts title and description here

# The metadata trawl puts in every record, by XPath on the parsed page.
XP_TITLE = lxml.etree.XPath("//title[1]/text()")
XP_DESCRIPTION = lxml.etree.XPath("//meta[@name='description'][1]/@content")
XP_CANONICAL = lxml.etree.XPath("//link[@rel='canonical'][1]/@href")
XP_LANG = lxml.etree.XPath("/html/@lang")
XP_PUBLISHED = lxml.etree.XPath("//meta[@property='article:published_time'][1]/@content")
XP_AUTHOR = lxml.etree.XPath("//meta[@name='author'][1]/@content")
XP_BASE = lxml.etree.XPath("//base[@href][1]/@href")
# trawl-work: the headline and description cascades trawl applies (JSON-LD, Open Graph).
XP_OG_TITLE = lxml.etree.XPath("//meta[@property='og:title'][1]/@content")
XP_OG_DESCRIPTION = lxml.etree.XPath("//meta[@property='og:description'][1]/@content")
XP_TW_DESCRIPTION = lxml.etree.XPath("//meta[@name='twitter:description'][1]/@content")
XP_JSONLD = lxml.etree.XPath("//script[@type='application/ld+json']/text()")
XP_HREFS = lxml.etree.XPath("//a/@href")

# What browsers strip from an href before resolving it (WHATWG URL: tab and newlines anywhere,
# C0 controls and space at both ends).
_HREF_DROP = str.maketrans("", "", "\t\n\r")
_HREF_TRIM = "".join(chr(c) for c in range(0x21))


def first(values):
    """The first XPath result as a trimmed string, or None."""
    for v in values:
        v = str(v).strip()
        return v or None
    return None


def absolute_links(hrefs, base):
    """hrefs resolved against base, fragments dropped, http(s) only, unique, in order."""
    seen = {}
    for href in hrefs:
        href = str(href).translate(_HREF_DROP).strip(_HREF_TRIM)
        try:
            url, _ = urldefrag(urljoin(base, href))
            if "/." in url:
                # urljoin removes dot-segments only from relative references; an absolute href
                # such as "http://h/x/../a" keeps them. Join the path again to remove them.
                parts = urlsplit(url)
                url = urljoin(url, parts.path + ("?" + parts.query if parts.query else ""))
        except ValueError:  # e.g. an invalid IPv6 literal
            continue
        if url.startswith(("http://", "https://")):
            seen.setdefault(url, None)
    return list(seen)


def jsonld_article(scripts):
    """The first JSON-LD object with a headline (top level, in a list or in @graph)."""
    for text in scripts:
        try:
            data = json.loads(text)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in list(items):
            if isinstance(item, dict) and isinstance(item.get("@graph"), list):
                items.extend(item["@graph"])
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("headline"), str):
                return {k: v.strip() for k, v in item.items()
                        if k in ("headline", "description") and isinstance(v, str)}
    return {}


def parse_page(body, final_url, mode):
    """The record's page fields from the body bytes."""
    fields = {"title": None, "description": None, "canonical": None, "lang": None,
              "published": None, "author": None, "links": []}
    try:
        doc = lxml.html.fromstring(body)
    except (lxml.etree.ParserError, ValueError):  # empty or unparseable document
        return fields
    fields["title"] = first(XP_TITLE(doc))
    fields["description"] = first(XP_DESCRIPTION(doc))
    fields["canonical"] = first(XP_CANONICAL(doc))
    fields["lang"] = first(XP_LANG(doc))
    fields["published"] = first(XP_PUBLISHED(doc))
    fields["author"] = first(XP_AUTHOR(doc))
    if mode == "as-written":
        fields["links"] = [str(h) for h in XP_HREFS(doc)]
    else:
        base = final_url
        base_href = first(XP_BASE(doc))
        if base_href:
            base = urljoin(final_url, base_href)
        fields["links"] = absolute_links(XP_HREFS(doc), base)
        ld = jsonld_article(XP_JSONLD(doc))
        fields["title"] = ld.get("headline") or first(XP_OG_TITLE(doc)) or fields["title"]
        fields["description"] = (fields["description"] or first(XP_OG_DESCRIPTION(doc))
                                 or first(XP_TW_DESCRIPTION(doc)) or ld.get("description"))
        if fields["canonical"]:
            fields["canonical"] = urljoin(base, fields["canonical"])
        for k in ("title", "description"):
            if fields[k] is not None:
                fields[k] = fields[k][:MAX_TEXT_CHARS]
    return fields


def rfc3339_now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def fetch(session, url, mode):
    fetched_at = rfc3339_now()
    t0 = time.monotonic()
    async with session.get(url) as resp:
        body = await resp.read()
        elapsed_ms = round((time.monotonic() - t0) * 1000)
        record = {
            "url": url,
            "final_url": str(resp.url),
            "status": resp.status,
            "fetched_at": fetched_at,
            "elapsed_ms": elapsed_ms,
            "content_type": resp.headers.get("Content-Type"),
            "bytes": len(body),
        }
    ctype = record["content_type"] or ""
    if "html" in ctype or not ctype:
        record.update(parse_page(body, record["final_url"], mode))
        if mode == "readability":
            record["text"] = article_text(body)
    return record


def article_text(body):
    """readability-lxml's main content, as plain text: paragraphs separated by a blank line."""
    import readability  # only this mode needs it (python3-readability)

    try:
        summary = readability.Document(body).summary(html_partial=True)
        doc = lxml.html.fromstring(summary)
    except (lxml.etree.ParserError, ValueError, readability.readability.Unparseable):
        return None
    paras = []
    for el in doc.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote"):
        t = " ".join(el.text_content().split())
        if t:
            paras.append(t)
    return "\n\n".join(paras) or None


async def crawl(urls, out, concurrency, mode):
    queue = asyncio.Queue(maxsize=concurrency * 2)
    counts = {"pages": 0, "errors": 0}

    async def feed():
        for url in urls:
            await queue.put(url)
        for _ in range(concurrency):
            await queue.put(None)

    async def worker(session):
        while True:
            url = await queue.get()
            if url is None:
                return
            try:
                record = await fetch(session, url, mode)
                counts["pages"] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError) as e:
                record = {"url": url, "error": type(e).__name__, "detail": str(e)}
                counts["errors"] += 1
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(feed(), *(worker(session) for _ in range(concurrency)))
    return counts


def read_urls(path):
    with open(path, encoding="utf-8") as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]


def main():
    ap = argparse.ArgumentParser(description="The common aiohttp + lxml crawler (benchmark baseline).")
    ap.add_argument("--urls", required=True, help="file with one URL per line")
    ap.add_argument("--out", required=True, help="JSON lines output")
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--mode", choices=("as-written", "trawl-work", "readability"), default="as-written")
    args = ap.parse_args()
    if args.concurrency < 1:
        ap.error("--concurrency must be at least 1")

    urls = read_urls(args.urls)
    with open(args.out, "w", encoding="utf-8") as out:
        wall_t0, t0 = time.time(), time.monotonic()
        counts = asyncio.run(crawl(urls, out, args.concurrency, args.mode))
        out.flush()
        seconds = time.monotonic() - t0
        wall_t1 = wall_t0 + seconds
    rate = counts["pages"] / seconds if seconds > 0 else 0.0
    print(f"recipe: mode={args.mode} pages={counts['pages']} errors={counts['errors']} "
          f"seconds={seconds:.3f} pages/s={rate:.1f} start={wall_t0:.3f} end={wall_t1:.3f}",
          file=sys.stderr)
    return 0 if counts["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
