#!/usr/bin/env bash
# 30-bad-input.sh -- what the producer would never send, and URLs that cannot succeed: each
# ends as exactly one dead letter with its code (or a record, for any HTTP response), and
# the worker keeps going.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-bad-$$
dir=$(e2e_dir "$prefix")
m=$dir/messages
mkdir -p "$m"
printf '{not json' >"$m/01-not-json"
printf '{"u": 1}' >"$m/02-no-url"
printf '{"url": 1}' >"$m/03-url-number"
printf '[1, 2]' >"$m/04-array"
printf '{"url": "ftp://example.com/"}' >"$m/05-bad-scheme"
printf 'http://example.com/\xff\xfe' >"$m/06-invalid-utf8"
head -c 1024 /dev/urandom >"$m/07-binary"
head -c 2000000 /dev/zero | tr '\0' 'a' >"$m/08-megabytes"
: >"$m/09-empty"
printf '{"url": "http://example.com/", "depth": "deep"}' >"$m/10-wrong-type"
# The producer declares the queues (publishing to a queue that does not exist drops the message).
"$BUILD/producer/trawl-producer" --prefix "$prefix" --no-dedup </dev/null 2>/dev/null
"$BUILD/tests/publish-raw" "$TRAWL_AMQP_URL" "$prefix.urls" application/json \
    "$m"/01-not-json "$m"/02-no-url "$m"/03-url-number "$m"/04-array "$m"/05-bad-scheme \
    "$m"/10-wrong-type
"$BUILD/tests/publish-raw" "$TRAWL_AMQP_URL" "$prefix.urls" text/plain \
    "$m"/06-invalid-utf8 "$m"/07-binary "$m"/08-megabytes "$m"/09-empty
# Without --allow-private, a loopback address is refused before any connection is made.
printf 'http://127.0.0.2:%s/?blocked=%s\n' "$NGINX_PORT" "$prefix" |
    "$BUILD/producer/trawl-producer" --prefix "$prefix" 2>/dev/null

"$BUILD/worker/trawl-worker" --prefix "$prefix" --idle-exit 1 2>"$dir/worker-a.log" &
e2e_wait_pids 60 $!
if grep -F -q "blocked=$prefix" "$NGINX_ACCESS_LOG"; then
    e2e_fail "the refused address saw a request"
fi

# With --allow-private: HTTP answers of every kind are records; a closed port is a dead letter.
printf 'http://127.0.0.2:%s/robots.txt\nhttp://127.0.0.2:%s/no-such-page.html\nhttp://127.0.0.1:1/\n' \
    "$NGINX_PORT" "$NGINX_PORT" | "$BUILD/producer/trawl-producer" --prefix "$prefix" 2>/dev/null
"$BUILD/worker/trawl-worker" --prefix "$prefix" --idle-exit 1 --allow-private --max-attempts 2 \
    2>"$dir/worker-b.log" &
e2e_wait_pids 60 $!

e2e_dump "$prefix" records "$dir/records.jsonl"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
/usr/bin/python3 - "$dir/records.jsonl" "$dir/dead.jsonl" <<'PY'
import collections, json, sys
records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
dead = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
codes = collections.Counter(d["error"] for d in dead)
want = {"bad_message": 10, "blocked_address": 1, "connect": 1}
problems = []
if dict(codes) != want:
    problems.append(f"dead letter codes {dict(codes)}, want {want}")
for d in dead:
    # The closed port is a transport error: tried twice (--max-attempts 2), via a delay queue.
    want_attempts = 2 if d["error"] == "connect" else 1
    if not d.get("detail") or d.get("attempts") != want_attempts:
        problems.append(f"dead letter without detail or with attempts != {want_attempts}: {d}")
    if d["error"] == "connect" and [e["error"] for e in d.get("errors", [])] != ["connect"] * 2:
        problems.append(f"dead letter without every attempt's error: {d}")
    if d["error"] == "bad_message" and "raw" not in d and d.get("url") is None:
        problems.append(f"bad message without its raw body: {d}")
statuses = sorted(r["status"] for r in records)
if statuses != [200, 404]:
    problems.append(f"record statuses {statuses}, want [200, 404]")
for r in records:
    if r["status"] == 200 and (r["title"] is not None or r["links"] != []):
        problems.append(f"a text/plain body gave page fields: {r}")
print(f"records={len(records)} dead={len(dead)} codes={dict(codes)}")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
e2e_assert_queues_empty "$prefix"
