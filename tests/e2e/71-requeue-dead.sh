#!/usr/bin/env bash
# 71-requeue-dead.sh -- dead letters back to work (trawl-producer --requeue-dead):
#  - five URLs (plain lines, and JSON lines with meta, depth and kind "feed") end as
#    blocked_address dead letters (a worker without --allow-private), and a message that is
#    not JSON as a bad_message one;
#  - --requeue-dead --error blocked_address moves exactly the five to PREFIX.urls, each the
#    input message it was (kind, depth, meta; no attempt count), and leaves the bad message
#    on PREFIX.dead;
#  - a worker with --allow-private turns each into a record whose meta is the input's;
#  - --requeue-dead without --error skips the bad message (it has no URL) and leaves it there;
#  - 300 letters in rounds of 100: each handled exactly once.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=${TEST_PREFIX:-e2e-requeue-$$}
dir=$(e2e_dir "$prefix")
producer=$BUILD/producer/trawl-producer

# A feed of the test's own on the sample site.
host=127.0.0.5
site=$SITE_DIR/www/$host/$prefix
mkdir -p "$site"
e2e_at_exit "rm -rf '$site'"
feed=http://$host:$NGINX_PORT/$prefix/feed.xml
cat >"$site/feed.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Requeue feed</title><link>http://$host:$NGINX_PORT/</link>
<item><title>One</title><link>http://$host:$NGINX_PORT/</link><guid>one</guid></item>
</channel></rss>
EOF

mapfile -t page < <(awk 'NR <= 3' "$SITE_DIR/urls.txt")
{
    printf '%s\n%s\n' "${page[0]}" "${page[1]}"
    printf '{"url": "%s", "depth": 2, "meta": {"n": 3, "tags": ["a", "b"], "note": "r\\u00e9essai"}}\n' \
        "${page[2]}"
    printf '{"url": "%s", "kind": "feed", "meta": {"source": "requeue test"}}\n' "$feed"
    printf '{"url": "%s?v=5", "meta": null}\n' "${page[0]}"
} >"$dir/input.txt"
"$producer" --prefix "$prefix" "$dir/input.txt" 2>"$dir/producer.log"
grep -q '^enqueued=5 duplicate=0 invalid=0$' "$dir/producer.log" ||
    e2e_fail "producer summary: $(tail -1 "$dir/producer.log")"
printf '{not json' >"$dir/bad-message"
"$BUILD/tests/publish-raw" "$TRAWL_AMQP_URL" "$prefix.urls" application/json "$dir/bad-message"

# No --allow-private: the loopback addresses are refused, never connected.
"$BUILD/worker/trawl-worker" --prefix "$prefix" --idle-exit 3 2>"$dir/worker-blocked.log" &
e2e_wait_pids 60 $!

# wait_ready QUEUE N -- the broker's count of ready messages on PREFIX.QUEUE reads N (its
# counters lag quorum queues by a few seconds: 30 s at most).
wait_ready()
{
    local n deadline=$((SECONDS + 30))
    while :; do
        n=$(e2e_queue_counts "$prefix" | awk -v q="$prefix.$1" '$1 == q { print $2 }')
        [[ ${n:-} == "$2" ]] && return 0
        ((SECONDS < deadline)) || e2e_fail "$prefix.$1 holds ${n:-?} messages, want $2"
        sleep 0.5
    done
}
wait_ready dead 6

"$producer" --prefix "$prefix" --requeue-dead --error blocked_address 2>"$dir/requeue.log" ||
    e2e_fail "--requeue-dead exited $?: $(tail -3 "$dir/requeue.log")"
grep -q '^requeued=5 kept=1 skipped_bad=0$' "$dir/requeue.log" ||
    e2e_fail "requeue summary: $(tail -1 "$dir/requeue.log")"
wait_ready dead 1
wait_ready urls 5

# PREFIX.urls holds exactly the five input messages again. Read them off, check them, and put
# the same bytes back for the worker.
e2e_dump "$prefix" urls "$dir/requeued.jsonl"
/usr/bin/python3 - "$dir/input.txt" "$dir/requeued.jsonl" <<'PY'
import json, sys
def message(line):
    m = json.loads(line) if line.startswith("{") else {"url": line}
    return json.dumps(m, sort_keys=True)
want = sorted(message(l.strip()) for l in open(sys.argv[1]) if l.strip())
got = sorted(json.dumps(json.loads(l), sort_keys=True) for l in open(sys.argv[2]) if l.strip())
if got != want:
    print("requeued messages differ from the input:")
    print("  got: ", *got, sep="\n    ")
    print("  want:", *want, sep="\n    ")
    sys.exit(1)
PY
awk -v d="$dir" '{ f = d "/requeued-" NR; printf "%s", $0 > f; close(f) }' "$dir/requeued.jsonl"
"$BUILD/tests/publish-raw" "$TRAWL_AMQP_URL" "$prefix.urls" application/json "$dir"/requeued-[0-9]*

"$BUILD/worker/trawl-worker" --prefix "$prefix" --idle-exit 3 --allow-private --rate 1000/s \
    2>"$dir/worker-allowed.log" &
e2e_wait_pids 60 $!
e2e_dump "$prefix" records "$dir/records.jsonl"
/usr/bin/python3 - "$dir/input.txt" "$dir/records.jsonl" <<'PY'
import json, sys
inputs = [l.strip() for l in open(sys.argv[1]) if l.strip()]
want = {}
for l in inputs:
    m = json.loads(l) if l.startswith("{") else {"url": l}
    want[m["url"]] = m
records = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
bad = []
got = sorted(r["url"] for r in records)
if got != sorted(want):
    bad.append(f"records for {got}, want one for each of {sorted(want)}")
for r in records:
    m = want.get(r["url"], {})
    if r.get("status") != 200:
        bad.append(f"{r['url']}: status {r.get('status')}")
    if r.get("meta") != m.get("meta"):
        bad.append(f"{r['url']}: meta {r.get('meta')!r}, want {m.get('meta')!r}")
    if m.get("kind") == "feed" and (r.get("feed") or {}).get("title") != "Requeue feed":
        bad.append(f"{r['url']}: feed {r.get('feed')!r}")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

# Every code selected: the bad message has no URL to send again, so it stays.
"$producer" --prefix "$prefix" --requeue-dead --log-level warn 2>"$dir/requeue-all.log"
grep -q '^requeued=0 kept=0 skipped_bad=1$' "$dir/requeue-all.log" ||
    e2e_fail "second requeue summary: $(tail -1 "$dir/requeue-all.log")"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
/usr/bin/python3 - "$dir/dead.jsonl" <<'PY'
import json, sys
dead = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(dead) != 1 or dead[0].get("error") != "bad_message" or dead[0].get("raw") != "{not json":
    print(f"want the one bad message left on dead, got {dead}")
    sys.exit(1)
PY

# Rounds: 300 letters, 200 of them selected, in rounds of 100 (--batch): each letter handled
# once, none left behind, none requeued twice.
mkdir -p "$dir/many"
/usr/bin/python3 - "$dir/many" <<'PY'
import json, sys
for i in range(300):
    code = "http_503" if i % 3 else "dns"
    letter = {"url": f"http://www.example.com/{i}", "error": code, "detail": "test",
              "attempts": 4, "meta": {"i": i}}
    with open(f"{sys.argv[1]}/{i:03d}", "w") as f:
        json.dump(letter, f)
PY
"$BUILD/tests/publish-raw" "$TRAWL_AMQP_URL" "$prefix.dead" application/json "$dir"/many/[0-9]*
wait_ready dead 300
"$producer" --prefix "$prefix" --requeue-dead --error http_503 --batch 100 2>"$dir/requeue-many.log"
grep -q '^requeued=200 kept=100 skipped_bad=0$' "$dir/requeue-many.log" ||
    e2e_fail "requeue summary in rounds: $(tail -1 "$dir/requeue-many.log")"
e2e_dump "$prefix" urls "$dir/many-urls.jsonl"
e2e_dump "$prefix" dead "$dir/many-dead.jsonl"
/usr/bin/python3 - "$dir/many-urls.jsonl" "$dir/many-dead.jsonl" <<'PY'
import json, sys
urls = [json.loads(l)["meta"]["i"] for l in open(sys.argv[1]) if l.strip()]
dead = [json.loads(l)["meta"]["i"] for l in open(sys.argv[2]) if l.strip()]
want_urls = [i for i in range(300) if i % 3]
want_dead = [i for i in range(300) if i % 3 == 0]
if sorted(urls) != want_urls or sorted(dead) != want_dead:
    print(f"urls got {len(urls)} ({len(set(urls))} distinct), want {len(want_urls)}; "
          f"dead got {len(dead)} ({len(set(dead))} distinct), want {len(want_dead)}")
    sys.exit(1)
PY

e2e_no_sanitizer_reports "$dir"/*.log
e2e_assert_queues_empty "$prefix"
echo "ok: dead letters requeued with their meta, kind and depth, in rounds; the others kept"
