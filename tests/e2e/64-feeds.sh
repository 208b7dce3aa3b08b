#!/usr/bin/env bash
# 64-feeds.sh -- news feeds end to end, against nginx (which answers ETag and Last-Modified,
# and 304 to a conditional GET):
#  - poll 1: an RSS feed, an Atom feed, a JSON Feed and a sitemap index (whose sitemap lists
#    two pages) with --follow feeds: every article and page gets a record;
#  - the RSS feed changes: one item's link moves (its guid stays), one item is added;
#  - poll 2: the unchanged feeds are answered 304 (counted in nginx's log) and give records
#    with not_modified; only the added item is followed; the index's sitemap, changed, is
#    fetched again and its new page followed; over both polls every article has exactly one
#    record and the moved link none;
#  - the host's robots.txt names a sitemap (Sitemap: line): its page is followed too, once;
#  - the seen-set holds fingerprints in intset bucket sets that expire, and honours a key a
#    worker from before fingerprints left;
#  - two workers read each poll; an article listed in two feeds (a2) is followed once;
#  - a polling producer (--every): it logs its rounds, and a URL whose poll is not due or is
#    still queued (round 2 with no worker reading) is not enqueued again.
# trawl-timeout: 240
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-feeds-$$
dir=$(e2e_dir "$prefix")
host=127.0.0.3
site=$SITE_DIR/www/$host/$prefix
base=http://$host:$NGINX_PORT/$prefix
mkdir -p "$site"

page() { printf '<html><head><title>%s</title></head><body><article><p>%s is an article with a body long enough to be read as one, for the feeds test.</p></article></body></html>\n' "$1" "$1" >"$site/$1.html"; }
for a in a1 a2 a3 a4 b1 b2 c1 s1 s2 s3 r1; do page "$a"; done

rss_item() { printf '<item><title>%s</title><link>%s</link><guid isPermaLink="false">%s</guid><pubDate>Sun, 06 Dec 2026 0%s:00:00 GMT</pubDate></item>\n' "$1" "$2" "$3" "$4"; }
write_rss() {
    { printf '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>RSS</title><link>%s/</link>\n' "$base"
      cat; printf '</channel></rss>\n'; } >"$site/rss.xml.tmp"
    mv "$site/rss.xml.tmp" "$site/rss.xml"
}
{ rss_item A1 "$base/a1.html" g1 1; rss_item A2 "$base/a2.html" g2 2; } | write_rss
cat >"$site/atom.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:e2e:atom</id>
<updated>2026-12-06T01:00:00Z</updated>
<entry><title>B1</title><link rel="alternate" href="$base/b1.html"/><id>urn:e2e:b1</id><updated>2026-12-06T01:00:00Z</updated></entry>
<entry><title>B2</title><link href="b2.html" xml:base="$base/"/><id>urn:e2e:b2</id><updated>2026-12-06T02:00:00Z</updated></entry>
<entry><title>A2 here too</title><link href="$base/a2.html"/><id>urn:e2e:a2</id><updated>2026-12-06T02:00:00Z</updated></entry>
</feed>
EOF
cat >"$site/feed.json" <<EOF
{"version": "https://jsonfeed.org/version/1.1", "title": "JSON",
 "items": [{"id": "c1", "url": "$base/c1.html", "title": "C1", "date_published": "2026-12-06T03:00:00+01:00"}]}
EOF
write_sitemaps() { # LASTMOD [MORE]: the index (its sitemap's lastmod) and the sitemap
    cat >"$site/sitemap-index.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>$base/sitemap-1.xml</loc><lastmod>$1</lastmod></sitemap></sitemapindex>
EOF
    cat >"$site/sitemap-1.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>$base/s1.html</loc><lastmod>2026-12-01</lastmod></url>
<url><loc>$base/s2.html</loc></url>${2:-}</urlset>
EOF
}
write_sitemaps 2026-12-01
cat >"$site/sitemap-robots.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>$base/r1.html</loc></url></urlset>
EOF
# The host's robots.txt names that sitemap for this test (put back as it was at exit; this
# test's prefix has its own robots.txt cache, so no other test reads it).
robots=$SITE_DIR/www/$host/robots.txt
cp "$robots" "$dir/robots.txt.orig"
e2e_at_exit "cp '$dir/robots.txt.orig' '$robots'"
printf 'Sitemap: %s/sitemap-robots.xml\n' "$base" >>"$robots"
for f in rss.xml atom.xml feed.json sitemap-index.xml; do
    printf '{"url": "%s/%s", "kind": "feed"}\n' "$base" "$f"
done >"$dir/feeds.jsonl"

worker=("$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s
        --follow feeds --progress 1)
# A poll: the four feeds, read by two workers at once (a2 is in two feeds: whichever worker
# claims it first follows it, the other finds it seen).
poll() {
    "$BUILD/producer/trawl-producer" --prefix "$prefix" --no-dedup "$dir/feeds.jsonl" \
        2>>"$dir/producer.log"
    "${worker[@]}" --idle-exit 3 2>"$dir/worker-$1a.log" &
    local other=$!
    "${worker[@]}" --idle-exit 3 2>"$dir/worker-$1b.log"
    e2e_wait_pids 30 "$other"
}
# nginx's log lines for this test: "msec host uri status ..."
served() { grep -F " /$prefix/" "$NGINX_ACCESS_LOG" | awk '{print $3, $4}' | sed "s|/$prefix/||"; }

poll 1
served >"$dir/served-1.txt"
[[ $(grep -c " 200$" "$dir/served-1.txt") -eq 14 ]] || e2e_fail "poll 1: $(cat "$dir/served-1.txt")"

# The RSS feed changes: a1's link moves (same guid), a3 is added. A new size, so a new ETag.
# a4 is added too, but a worker from before fingerprints had followed it: its key per value
# ("d URL") says so, and an upgraded worker must honour it.
{ rss_item A1 "$base/a1.html?moved=1" g1 1; rss_item A2 "$base/a2.html" g2 2
  rss_item A3 "$base/a3.html" g3 3; rss_item A4 "$base/a4.html" g4 4; } | write_rss
legacy_key=$(/usr/bin/python3 -c '
import sys
h = 14695981039346656037
for b in sys.argv[2].encode():
    h = ((h ^ b) * 1099511628211) % 2**64
print(f"{sys.argv[1]}:seen:url:{h:016x}")' "$prefix" "$base/a4.html")
redis-cli -u "$TRAWL_REDIS_URL" set "$legacy_key" "d $base/a4.html" px 600000 >/dev/null
# The sitemap gains s3, and the index says so: the index's sitemap is fetched again (sitemaps
# of an index are not held by the seen-set) and s3 followed.
write_sitemaps 2026-12-06T12:00:00Z "<url><loc>$base/s3.html</loc></url>"
poll 2
served | tail -n +$(($(grep -c . "$dir/served-1.txt") + 1)) >"$dir/served-2.txt"
echo "poll 2 served: $(tr '\n' ' ' <"$dir/served-2.txt")"
for want in "rss.xml 200" "atom.xml 304" "feed.json 304" "sitemap-index.xml 200" \
    "sitemap-1.xml 200" "s3.html 200" "a3.html 200"; do
    grep -qxF "$want" "$dir/served-2.txt" || e2e_fail "poll 2: no '$want' in nginx's log"
done
! grep -q 'moved' "$dir/served-2.txt" || e2e_fail "poll 2 fetched the moved link of a seen guid"
n304=$(grep -c ' 304$' "$dir/served-2.txt" || true)
((n304 == 2)) || e2e_fail "poll 2: $n304 answers 304, want 2 (atom.xml, feed.json)"
! grep -q 'a4.html' "$dir/served-2.txt" || e2e_fail "poll 2 fetched a4, seen under a legacy key"

# The seen-set's layout: fingerprints in generation bucket sets, each an intset, one member a
# followed URL; no claim left once the URLs were confirmed.
rcli() { redis-cli -u "$TRAWL_REDIS_URL" "$@"; }
sets=$(rcli --scan --pattern "$prefix:seen:url:{*}:g*" | sort)
claims=$(rcli --scan --pattern "$prefix:seen:*:c:*")
members=0
for key in $sets; do
    enc=$(rcli object encoding "$key")
    [[ $enc == intset ]] || e2e_fail "$key is a $enc, not an intset"
    ttl=$(rcli pttl "$key")
    ((ttl > 30 * 86400000 && ttl <= 45 * 86400000)) ||
        e2e_fail "$key expires in $ttl ms, want 30 to 45 days (--seen-ttl 30d)"
    members=$((members + $(rcli scard "$key")))
done
# Followed: the 9 articles of the feeds and sitemaps (a1..a3, b1, b2, c1, s1..s3) and r1.
# Sitemaps are not in the set: an index's come again whenever the index changed, and the ones
# robots.txt names once a day for the whole cluster (robots.txt is read that often).
((members == 10)) || e2e_fail "$members URLs in the seen-set's sets, want 10: $sets"
# Every followed URL's claim went with its confirm. Three claims stay, to lapse: those of
# items not followed whose other half was new (a1's moved link, its guid seen; a4's guid, its
# link seen under the legacy key; a2's id in the feed that lost the race for its link).
nclaims=$(grep -c . <<<"$claims" || true)
((nclaims == 3)) || e2e_fail "$nclaims claims left in the seen-set, want 3: $claims"
for key in $claims; do
    ttl=$(rcli pttl "$key")
    ((ttl > 0 && ttl <= 600000)) || e2e_fail "claim $key lapses in $ttl ms, want 10 min at most"
done
echo "seen-set: $members URLs in $(grep -c . <<<"$sets") intset bucket sets, 3 claims to lapse"

e2e_dump "$prefix" records "$dir/records.jsonl"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
/usr/bin/python3 - "$dir/records.jsonl" "$dir/dead.jsonl" "$base" <<'PY'
import collections, json, sys
records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
dead = [l for l in open(sys.argv[2]) if l.strip()]
base = sys.argv[3]
by_url = collections.Counter(r["url"] for r in records)
bad = [f"{len(dead)} dead letters"] if dead else []
articles = [f"{base}/{a}.html" for a in ("a1", "a2", "a3", "b1", "b2", "c1", "s1", "s2", "s3", "r1")]
for a in articles:
    if by_url[a] != 1:
        bad.append(f"{a}: {by_url[a]} records, want exactly 1")
extra = [u for u in by_url if u not in articles and not u.endswith((".xml", ".json"))]
bad += [f"unexpected record {u}" for u in extra]
feeds = [r for r in records if r["url"].endswith((".xml", ".json"))]
kinds = {r["url"].rsplit("/", 1)[1]: (r["feed"] or {}).get("kind") for r in feeds if r["status"] == 200}
want_kinds = {"rss.xml": "rss", "atom.xml": "atom", "feed.json": "json",
              "sitemap-index.xml": "sitemap", "sitemap-1.xml": "sitemap",
              "sitemap-robots.xml": "sitemap"}
if kinds != want_kinds:
    bad.append(f"feed kinds {kinds}, want {want_kinds}")
unchanged = [r for r in feeds if r["status"] == 304]
if len(unchanged) != 2 or not all(r.get("not_modified") is True and r["feed"] is None
                                   for r in unchanged):
    bad.append(f"poll 2: {len(unchanged)} 304 records (want 2, each not_modified, feed null)")
a3 = next((r for r in records if r["url"] == f"{base}/a3.html"), {})
meta = a3.get("meta") or {}
if meta.get("feed") != f"{base}/rss.xml" or (meta.get("item") or {}).get("id") != "g3":
    bad.append(f"a3's meta {meta}: want feed = the RSS feed's URL and item.id g3")
if (meta.get("item") or {}).get("published") != "2026-12-06T03:00:00Z":
    bad.append(f"a3's item.published {(meta.get('item') or {}).get('published')!r}")
c1 = next((r for r in records if r["url"] == f"{base}/c1.html"), {})
if ((c1.get("meta") or {}).get("item") or {}).get("published") != "2026-12-06T02:00:00Z":
    bad.append(f"c1's item.published (JSON Feed, +01:00) is {c1.get('meta')}")
print(f"{len(records)} records: {len(articles)} articles once each, "
      f"{len(unchanged)} not modified; feeds {sorted(kinds.items())}")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# wait_round_2 SECONDS LOG -- waits for a polling producer's second round in LOG.
wait_round_2() {
    local deadline=$((SECONDS + $1))
    until grep -q 'round n=2 ' "$2"; do
        ((SECONDS < deadline)) || e2e_fail "no second round: $(cat "$2")"
        sleep 0.5
    done
}

# Polling: two rounds of --every 10 with a worker running. Every feed was polled just now
# (due at once: these messages had no "poll"), so round 1 enqueues all four; each round
# accounts for every feed (enqueued, not due, or still queued).
"${worker[@]}" 2>"$dir/worker-poll.log" &
wpid=$!
"$BUILD/producer/trawl-producer" --prefix "$prefix" --every 10 --every-max 40 \
    "$dir/feeds.jsonl" 2>"$dir/producer-poll.log" &
ppid=$!
wait_round_2 60 "$dir/producer-poll.log"
kill -TERM "$ppid" "$wpid"
e2e_wait_pids 40 "$ppid" "$wpid"
grep ' round ' "$dir/producer-poll.log"
grep -q 'round n=1 enqueued=4 not_due=0 still_queued=0 ' "$dir/producer-poll.log" ||
    e2e_fail "round 1 should enqueue the four feeds"
line=$(grep 'round n=2 ' "$dir/producer-poll.log")
sum=0
for k in enqueued not_due still_queued; do
    sum=$((sum + $(grep -o " $k=[0-9]*" <<<"$line" | cut -d= -f2)))
done
((sum == 4)) || e2e_fail "round 2 accounts for $sum feeds, want 4: $line"
grep -q 'stopped' "$dir/producer-poll.log" || e2e_fail "the producer did not log its stop"
e2e_dump "$prefix" records "$dir/records-poll.jsonl"
! grep -q '\.html"' <(grep -o '"url":"[^"]*"' "$dir/records-poll.jsonl") ||
    e2e_fail "polling the unchanged feeds followed an article again"

# A URL still queued from the last round is not enqueued again: a producer polling a prefix
# no worker reads enqueues the four feeds in round 1 and none in round 2.
"$BUILD/producer/trawl-producer" --prefix "$prefix-idle" --every 10 "$dir/feeds.jsonl" \
    2>"$dir/producer-idle.log" &
ipid=$!
wait_round_2 40 "$dir/producer-idle.log"
kill -TERM "$ipid"
e2e_wait_pids 20 "$ipid"
grep -q 'round n=2 enqueued=0 not_due=0 still_queued=4 ' "$dir/producer-idle.log" ||
    e2e_fail "round 2 with nothing read: $(grep 'round n=2 ' "$dir/producer-idle.log")"
echo "ok: polling rounds logged; nothing followed twice; a URL still queued waits"
