#!/usr/bin/env bash
# 65-follow-links.sh -- --follow links end to end, against nginx, from a small site of this
# test's own (a home page, pages 1, 2 and 3 links away, a page on another host, a link to an
# outside site):
#  - run 1, producer enqueues only the home page; --scope host --max-depth 2: every page of
#    the home's host up to depth 2 gets exactly one record, none at depth 3 is requested
#    (nginx's log), nor the other host's page nor the outside link;
#  - follow once: a page linked from several pages (every page links to a shared page and
#    back home, two depth-1 pages link to the same depth-2 page) is requested once, and so is
#    the home page, which the producer sent and every page links back to;
#  - the depth a followed message carries: records have no depth field, dead letters do, so
#    two pages over --max-bytes (one at depth 1, one at depth 2) become too_large dead
#    letters whose depth must read 1 and 2;
#  - run 2, --scope domain --max-depth 1: the home page and its links, nothing 2 links away.
#    Domain scope cannot be tested for what it adds on this setup: nginx serves only IP
#    addresses here, and an IP has no registrable domain (each address is its own scope, as
#    with --scope host). What can be tested: 127.1.0.3, which libpsl would put under the same
#    "domain" as 127.0.0.3 ("0.3"), is out of scope and never enqueued.
# trawl-timeout: 120
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

host=127.0.0.3
other=127.0.0.4
max_bytes=20000

# page DIR NAME LINK... -- DIR/NAME.html with a title, some text and a link to each LINK.
page() {
    local dir=$1 name=$2 l
    shift 2
    { printf '<html><head><title>Page %s</title></head><body><article>\n' "$name"
      printf '<p>%s is a page of the follow-links test, with a body long enough to be read as an article.</p>\n' "$name"
      for l in "$@"; do printf '<p><a href="%s">%s</a></p>\n' "$l" "$l"; done
      printf '</article></body></html>\n'; } >"$dir/$name.html"
}
# big DIR NAME -- a page over --max-bytes: a too_large dead letter, which carries its depth.
big() {
    { printf '<html><head><title>Big %s</title></head><body><p>\n' "$2"
      head -c $((max_bytes * 2)) /dev/zero | tr '\0' 'x'
      printf '</p></body></html>\n'; } >"$1/$2.html"
}
# served PREFIX -- nginx's log lines for a prefix as "HOST PATH STATUS" (lines: "msec host
# uri status ...").
served() { grep -F " /$1/" "$NGINX_ACCESS_LOG" | awk '{print $2, $3, $4}' | sed "s| /$1/| |" || true; }
worker() { # PREFIX LOG ARGS...
    local p=$1 log=$2
    shift 2
    timeout 60 "$BUILD/worker/trawl-worker" --prefix "$p" --follow links --allow-private \
        --rate 1000/s --idle-exit 3 --progress 1 --max-bytes "$max_bytes" "$@" 2>"$log" ||
        e2e_fail "worker exited with status $? ($log)"
}

# ---- run 1: --scope host --max-depth 2 ----
prefix=e2e-links-$$
dir=$(e2e_dir "$prefix")
site=$SITE_DIR/www/$host/$prefix
osite=$SITE_DIR/www/$other/$prefix
base=http://$host:$NGINX_PORT/$prefix
obase=http://$other:$NGINX_PORT/$prefix
mkdir -p "$site" "$osite"
# depth 0: home; 1: a, b, shared, big1; 2: a1, a2, b1, big2; 3: a1x, a2x, b1x, big3.
# Links are relative and absolute, some repeated on a page, some with a fragment.
page "$site" home a.html "$base/b.html" shared.html shared.html#top big1.html home.html \
    "$obase/other.html" https://example.com/elsewhere.html
page "$site" a home.html shared.html a1.html "$base/a2.html" "$obase/other.html"
page "$site" b "$base/home.html" shared.html b1.html a1.html big2.html
page "$site" shared home.html a.html b.html
page "$site" a1 home.html shared.html a1x.html
page "$site" a2 home.html shared.html a2x.html big3.html
page "$site" b1 home.html shared.html b1x.html a1.html
for p in a1x a2x b1x; do page "$site" "$p" home.html shared.html; done
for p in big1 big2 big3; do big "$site" "$p"; done
page "$osite" other "$obase/other2.html" "$base/home.html"
page "$osite" other2 "$obase/other.html"

echo "$base/home.html" >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"
worker "$prefix" "$dir/worker-1.log" --scope host --max-depth 2
served "$prefix" >"$dir/served-1.txt"
echo "run 1 served: $(tr '\n' ';' <"$dir/served-1.txt")"
{ grep -o 'followed=[0-9]* follow_seen=[0-9]*' "$dir/worker-1.log" || true; } | awk 'END { print "run 1 worker:", $0 }'

# nginx: each page up to depth 2 once, nothing deeper, nothing from the other host.
/usr/bin/python3 - "$dir/served-1.txt" "$host" <<'PY'
import collections, sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
host = sys.argv[2]
got = collections.Counter((h, p) for h, p, _ in lines)
want = {"home", "a", "b", "shared", "big1", "a1", "a2", "b1", "big2"}
bad = []
for name in sorted(want):
    n = got[(host, name + ".html")]
    # The home page, the producer's URL, enters the workers' seen-set when it is fetched:
    # the links back to it from every page do not fetch it again.
    if n != 1:
        bad.append(f"{name}.html requested {n} times, want 1")
for (h, p), n in sorted(got.items()):
    if h != host:
        bad.append(f"{h} {p} requested {n} times: another host, out of scope")
    elif p[:-len(".html")] not in want:
        bad.append(f"{p} requested {n} times: deeper than --max-depth 2, or unknown")
bad += [f"{h} {p} answered {s}" for h, p, s in lines if s != "200"]
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

e2e_dump "$prefix" records "$dir/records.jsonl"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
/usr/bin/python3 - "$dir/records.jsonl" "$dir/dead.jsonl" "$base" <<'PY'
import collections, json, sys
records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
dead = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
base = sys.argv[3]
bad = []
by_url = collections.Counter(r["url"] for r in records)
pages = {"home": 0, "a": 1, "b": 1, "shared": 1, "a1": 2, "a2": 2, "b1": 2}
for name in pages:
    u = f"{base}/{name}.html"
    if by_url[u] != 1:
        bad.append(f"{name}.html: {by_url[u]} records, want 1")
extra = set(by_url) - {f"{base}/{n}.html" for n in pages}
bad += [f"unexpected record {u} ({by_url[u]})" for u in sorted(extra)]
for r in records:
    if r["status"] != 200 or not r.get("title") or not r.get("text"):
        bad.append(f"{r['url']}: status {r['status']}, title {r.get('title')!r}, "
                   f"text {(r.get('text') or '')[:40]!r}")
# The home's record lists every link, in and out of scope: what was not followed was
# filtered by scope, not missing from the page.
home = next((r for r in records if r["url"] == f"{base}/home.html"), {})
if "https://example.com/elsewhere.html" not in (home.get("links") or []):
    bad.append(f"home's links lack the outside link: {home.get('links')}")
# Depth, as the dead letters carry it (records do not): big1 at 1, big2 at 2, big3 never.
got = {d["url"].rsplit("/", 1)[1]: (d.get("error"), d.get("depth")) for d in dead}
want = {"big1.html": ("too_large", 1), "big2.html": ("too_large", 2)}
if got != want or len(dead) != 2:
    bad.append(f"dead letters {got}, want {want}")
print(f"run 1: {len(records)} records {sorted(by_url)}; dead letters {got}")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
e2e_assert_queues_empty "$prefix"
echo "ok: run 1 (scope host, max-depth 2)"

# ---- run 2: --scope domain --max-depth 1 ----
prefix2=e2e-links2-$$
dir2=$(e2e_dir "$prefix2")
site2=$SITE_DIR/www/$host/$prefix2
base2=http://$host:$NGINX_PORT/$prefix2
mkdir -p "$site2"
# 127.1.0.3: nothing listens there, so a follow would end as a connect dead letter.
page "$site2" home c.html d.html "http://127.1.0.3:$NGINX_PORT/$prefix2/c.html" \
    "http://$other:$NGINX_PORT/$prefix2/c.html"
page "$site2" c home.html c1.html
page "$site2" d c.html c1.html
page "$site2" c1 home.html c2.html
page "$site2" c2 home.html
echo "$base2/home.html" >"$dir2/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix2" "$dir2/urls.txt" 2>"$dir2/producer.log"
worker "$prefix2" "$dir2/worker.log" --scope domain --max-depth 1
served "$prefix2" >"$dir2/served.txt"
echo "run 2 served: $(tr '\n' ';' <"$dir2/served.txt")"
# home may come twice (see run 1): c links back to it.
want=$(printf '%s\n' "$host c.html 200" "$host d.html 200" "$host home.html 200")
[[ $(sort -u "$dir2/served.txt") == "$want" && $(grep -c -v ' home.html ' "$dir2/served.txt") -eq 2 ]] ||
    e2e_fail "run 2 (max-depth 1) requested $(tr '\n' ';' <"$dir2/served.txt"), want home, c and d, c and d once"
e2e_dump "$prefix2" records "$dir2/records.jsonl"
e2e_dump "$prefix2" dead "$dir2/dead.jsonl"
[[ ! -s $dir2/dead.jsonl ]] || e2e_fail "run 2 dead letters: $(cat "$dir2/dead.jsonl")"
n=$(grep -c '"url":' "$dir2/records.jsonl" || true)
((n == $(grep -c . "$dir2/served.txt"))) || e2e_fail "run 2: $n records, want one per request"
e2e_assert_queues_empty "$prefix2"
echo "ok: run 2 (scope domain, max-depth 1)"
