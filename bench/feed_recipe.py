#!/usr/bin/python3
"""feed_recipe.py -- the feed poller a competent Python user writes, as bench/feeds' baseline.

One aiohttp ClientSession, a pool of CONCURRENCY worker tasks fed from a bounded asyncio.Queue,
response.read() and feedparser.parse() on the bytes (with the response headers, so that
feedparser sees the Content-Type and Content-Location as it would fetching itself), one JSON
line per feed with its items (title, link, id, dates as RFC 3339 UTC, author, summary,
categories, enclosures). feedparser 6.0 does not read JSON Feed (its XML parser fails on it
and gives no entries), so a body that starts with "{" is read with json.loads and mapped to the
same fields, as a user who polls JSON feeds too has to. Nothing in it is slowed on purpose.

    /usr/bin/python3 bench/feed_recipe.py --urls urls.txt --out out.jsonl \
        [--concurrency 100] [--validators poll1.jsonl]

--validators FILE   a previous poll's output: each feed is fetched with the ETag and
                    Last-Modified it answered then (If-None-Match, If-Modified-Since), as a
                    poller that keeps them does; a 304 gives {"status": 304,
                    "not_modified": true} and no parse.

Uses Debian's python3-aiohttp (3.8) and python3-feedparser (6.0). At the end it prints one line
to stderr:
    feed-recipe: feeds=N errors=E not_modified=M seconds=S feeds/s=R start=T0 end=T1
where feeds counts URLs that got an HTTP response, errors those that did not; seconds runs from
the first request to the last line written, T0 and T1 are the same moments as Unix times.
Exit 0 when every URL got a response, 1 otherwise.
"""

import argparse
import asyncio
import calendar
import json
import sys
import time
from datetime import datetime, timezone

import aiohttp
import feedparser


def rfc3339(parsed):
    """feedparser's UTC struct_time as RFC 3339, or None."""
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def item_fields(e):
    return {
        "title": e.get("title"),
        "link": e.get("link"),
        "id": e.get("id") or e.get("link"),
        "published": rfc3339(e.get("published_parsed")),
        "updated": rfc3339(e.get("updated_parsed")),
        "author": e.get("author"),
        "summary": e.get("summary"),
        "categories": [t.get("term") for t in e.get("tags", []) if t.get("term")],
        "enclosures": [{"url": x.get("href"), "type": x.get("type"), "length": x.get("length")}
                       for x in e.get("enclosures", [])],
    }


def iso_rfc3339(value):
    """A JSON Feed date (RFC 3339) as RFC 3339 UTC, or None."""
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        return None
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_item_fields(e):
    authors = e.get("authors") or ([e["author"]] if isinstance(e.get("author"), dict) else [])
    return {
        "title": e.get("title"),
        "link": e.get("url") or e.get("external_url"),
        "id": str(e["id"]) if e.get("id") is not None else e.get("url"),
        "published": iso_rfc3339(e.get("date_published")),
        "updated": iso_rfc3339(e.get("date_modified")),
        "author": (authors[0] or {}).get("name") if authors else None,
        "summary": e.get("summary") or e.get("content_text") or e.get("content_html"),
        "categories": [t for t in e.get("tags", []) if isinstance(t, str)],
        "enclosures": [{"url": x.get("url"), "type": x.get("mime_type"),
                        "length": x.get("size_in_bytes")} for x in e.get("attachments", [])],
    }


def parse_json_feed(body):
    try:
        d = json.loads(body)
    except ValueError:
        return {"kind": None, "title": None, "link": None, "updated": None, "items": []}
    version = str(d.get("version", ""))
    return {
        "kind": "json" + version.rsplit("/", 1)[-1].replace(".", ""),  # "json11", as feedparser names
        "title": d.get("title"),
        "link": d.get("home_page_url"),
        "updated": None,
        "items": [json_item_fields(e) for e in d.get("items", []) if isinstance(e, dict)],
    }


def parse_feed(body, url, headers):
    if body.lstrip()[:1] == b"{":
        return parse_json_feed(body)
    d = feedparser.parse(body, response_headers=headers)
    f = d.get("feed", {})
    return {
        "kind": d.get("version") or None,
        "title": f.get("title"),
        "link": f.get("link"),
        "updated": rfc3339(f.get("updated_parsed")),
        "items": [item_fields(e) for e in d.get("entries", [])],
    }


def rfc3339_now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def fetch(session, url, validators):
    fetched_at = rfc3339_now()
    headers = {}
    etag, modified = validators.get(url, (None, None))
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    async with session.get(url, headers=headers) as resp:
        body = await resp.read()
        record = {
            "url": url,
            "final_url": str(resp.url),
            "status": resp.status,
            "fetched_at": fetched_at,
            "etag": resp.headers.get("ETag", etag),
            "last_modified": resp.headers.get("Last-Modified", modified),
            "bytes": len(body),
        }
        resp_headers = {k.lower(): v for k, v in resp.headers.items()}
    if record["status"] == 304:
        record["not_modified"] = True
        record["feed"] = None
    else:
        record["feed"] = parse_feed(body, record["final_url"], resp_headers)
    return record


async def poll(urls, out, concurrency, validators):
    queue = asyncio.Queue(maxsize=concurrency * 2)
    counts = {"feeds": 0, "errors": 0, "not_modified": 0}

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
                record = await fetch(session, url, validators)
                counts["feeds"] += 1
                counts["not_modified"] += record["status"] == 304
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


def read_validators(path):
    """url -> (etag, last_modified) from a previous poll's records."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if "error" not in r:
                out[r["url"]] = (r.get("etag"), r.get("last_modified"))
    return out


def main():
    ap = argparse.ArgumentParser(description="The common aiohttp + feedparser poller (benchmark baseline).")
    ap.add_argument("--urls", required=True, help="file with one feed URL per line")
    ap.add_argument("--out", required=True, help="JSON lines output")
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--validators", help="a previous poll's output: conditional GETs")
    args = ap.parse_args()
    if args.concurrency < 1:
        ap.error("--concurrency must be at least 1")

    urls = read_urls(args.urls)
    validators = read_validators(args.validators) if args.validators else {}
    with open(args.out, "w", encoding="utf-8") as out:
        wall_t0, t0 = time.time(), time.monotonic()
        counts = asyncio.run(poll(urls, out, args.concurrency, validators))
        out.flush()
        seconds = time.monotonic() - t0
        wall_t1 = wall_t0 + seconds
    rate = counts["feeds"] / seconds if seconds > 0 else 0.0
    print(f"feed-recipe: feeds={counts['feeds']} errors={counts['errors']} "
          f"not_modified={counts['not_modified']} seconds={seconds:.3f} feeds/s={rate:.1f} "
          f"start={wall_t0:.3f} end={wall_t1:.3f}", file=sys.stderr)
    return 0 if counts["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
