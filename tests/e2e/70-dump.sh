#!/usr/bin/env bash
# 70-dump.sh -- trawl-dump as a new user meets it: a missing queue is an error that names it
# (in printable text and in a JSON log line) and is not created; full queue names are used as
# they are; reading urls peeks by default and leaves every message there with its delivery
# count unspent; --take removes; CSV and --fields write the fields asked for; a stop that
# arrives while the dump is still connecting ends it with status 0.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=${TEST_PREFIX:-e2e-dump-$$}
dir=$(e2e_dir "$prefix")
dump=$BUILD/dump/trawl-dump
n=50

# e2e_dump_run NAME ARGS... -- runs the dump with a deadline; stdout and stderr in DIR/NAME.*,
# the exit status in $status.
dump_run()
{
    local name=$1
    shift
    status=0
    timeout 60 "$dump" --prefix "$prefix" "$@" >"$dir/$name.out" 2>"$dir/$name.err" || status=$?
}

# queue_counts QUEUE -- "MESSAGES READY UNACKED" of one queue, or nothing when it does not exist.
queue_counts()
{
    trawl_rabbitmqctl list_queues -q name messages messages_ready messages_unacknowledged |
        awk -v q="$1" '$1 == q { print $2, $3, $4 }'
}

# wait_counts QUEUE "M R U" -- waits (15 s at most) for the broker's counters to read so; they
# lag the queue by a few seconds.
wait_counts()
{
    local got deadline=$((SECONDS + 15))
    until got=$(queue_counts "$1") && [[ $got == "$2" ]]; do
        ((SECONDS < deadline)) || e2e_fail "$1: counts '$got', want '$2'"
        sleep 0.5
    done
}

# --- a queue that does not exist -------------------------------------------------------------
for fmt in text json; do
    dump_run "missing-$fmt" --queue "$prefix.nosuch" --log-format "$fmt"
    ((status == 1)) || e2e_fail "missing queue ($fmt): exit $status, want 1"
    grep -q "queue '$prefix.nosuch' does not exist on amqp://" "$dir/missing-$fmt.err" ||
        e2e_fail "missing queue ($fmt): $(cat "$dir/missing-$fmt.err")"
    if LC_ALL=C grep -q '[^[:print:]]' "$dir/missing-$fmt.err"; then
        e2e_fail "missing queue ($fmt): bytes outside printable ASCII in the log"
    fi
done
/usr/bin/python3 - "$dir/missing-json.err" "$prefix.nosuch" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
errors = [l for l in lines if l["level"] == "error"]
assert errors, "no error line in the JSON log"
assert f"queue '{sys.argv[2]}' does not exist" in errors[0].get("err", ""), errors[0]
EOF
[[ -z $(queue_counts "$prefix.nosuch") ]] || e2e_fail "the dump created $prefix.nosuch"

# --- urls: peek by default, nothing removed, no delivery spent -------------------------------
awk -v n="$n" 'NR <= n' "$SITE_DIR/urls.txt" >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

dump_run peek-default --queue urls --output "$dir/peek1.jsonl"
((status == 0)) || e2e_fail "peek by default: exit $status: $(cat "$dir/peek-default.err")"
grep -q "mode=peek" "$dir/peek-default.err" || e2e_fail "urls is not peeked by default"
# Twice more, explicitly and in CSV, by full name: each peek sees every message once.
dump_run peek-csv --queue "$prefix.urls" --peek --format csv --fields url,kind,meta \
    --output "$dir/peek2.csv"
((status == 0)) || e2e_fail "peek csv: exit $status: $(cat "$dir/peek-csv.err")"
dump_run peek-fields --queue urls --fields url
((status == 0)) || e2e_fail "peek --fields: exit $status: $(cat "$dir/peek-fields.err")"
wait_counts "$prefix.urls" "$n $n 0"

# Then take them all, with their headers: the same URLs, none delivered before.
dump_run take --queue urls --take --with-headers --fields body.url,headers.x-delivery-count \
    --idle-exit 1 --output "$dir/take.jsonl"
((status == 0)) || e2e_fail "take: exit $status: $(cat "$dir/take.err")"
wait_counts "$prefix.urls" "0 0 0"

/usr/bin/python3 - "$dir" "$n" <<'EOF'
import csv, json, sys
d, n = sys.argv[1], int(sys.argv[2])
want = [l.strip() for l in open(f"{d}/urls.txt")]
peek1 = [json.loads(l)["url"] for l in open(f"{d}/peek1.jsonl")]
assert sorted(peek1) == sorted(want), f"peek saw {len(peek1)} URLs, want the {n} enqueued"
rows = list(csv.reader(open(f"{d}/peek2.csv", newline="")))
assert rows[0] == ["url", "kind", "meta"], f"CSV header {rows[0]}"
assert [r[0] for r in rows[1:]] == peek1, "CSV rows are not the URLs in the order peeked"
fields = [json.loads(l) for l in open(f"{d}/peek-fields.out")]
assert len(fields) == n and all(list(o) == ["url"] for o in fields), "--fields url lines"
take = [json.loads(l) for l in open(f"{d}/take.jsonl")]
assert [o["body.url"] for o in take] == peek1, "take did not find the peeked URLs in order"
spent = [o for o in take if o["headers.x-delivery-count"] not in (None, 0)]
assert not spent, f"peeks spent delivery counts: {spent[:3]}"
EOF

# --- records: a full name, taken by default; a body that is not JSON is kept -----------------
printf '{"url": "http://a.example/", "title": "A, \\"quoted\\"", "feed": {"title": "F"}}' \
    >"$dir/rec1.json"
printf '{"url": "http://b.example/", "title": null, "links": ["x", "y"]}' >"$dir/rec2.json"
printf 'not json' >"$dir/rec3.txt"
"$BUILD/tests/publish-raw" "$TRAWL_AMQP_URL" "$prefix.records" application/json \
    "$dir/rec1.json" "$dir/rec2.json" "$dir/rec3.txt"
dump_run records-csv --queue "$prefix.records" --format csv --fields url,title,feed.title,links \
    --idle-exit 1 --output "$dir/records.csv"
((status == 0)) || e2e_fail "records csv: exit $status: $(cat "$dir/records-csv.err")"
grep -q "mode=take" "$dir/records-csv.err" || e2e_fail "records is not taken by default"
grep -q "not written: the body is not JSON" "$dir/records-csv.err" ||
    e2e_fail "no warning for the body that is not JSON"
/usr/bin/python3 - "$dir/records.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
want = [["url", "title", "feed.title", "links"],
        ["http://a.example/", 'A, "quoted"', "F", ""],
        ["http://b.example/", "", "", '["x","y"]']]
assert rows == want, rows
EOF
# The message that was not JSON went back to the queue; plain jsonl takes it as it is.
dump_run records-raw --queue records --idle-exit 1 --output "$dir/records-raw.jsonl"
[[ $(cat "$dir/records-raw.jsonl") == "not json" ]] ||
    e2e_fail "the body that is not JSON: $(cat "$dir/records-raw.jsonl")"
wait_counts "$prefix.records" "0 0 0"

# --- a stop while connecting is a clean exit ---------------------------------------------------
# A broker that accepts and never answers holds the dump in its connect; SIGTERM then must end
# it with status 0 (nothing was read), never with the signal's 143. crawl stops its dumps so.
silent_port=$(trawl_free_port)
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(60)' "$silent_port" &
silent_pid=$!
trawl_track silent-broker "$silent_pid"
_trawl_wait_until 10 "$silent_pid" bash -c "ss -Hltn 'sport = :$silent_port' | grep -c ." ||
    e2e_fail "the silent listener on port $silent_port did not start"
"$dump" --amqp "amqp://guest:guest@127.0.0.1:$silent_port" --prefix "$prefix" --queue records \
    --output "$dir/stopped.jsonl" >"$dir/stopped.out" 2>"$dir/stopped.err" &
stopped_pid=$!
_trawl_wait_until 10 "$stopped_pid" \
    bash -c "ss -Htn state established 'dport = :$silent_port' | grep -c ." ||
    e2e_fail "the dump did not connect to the silent listener"
kill -TERM "$stopped_pid"
status=0
wait "$stopped_pid" || status=$?
((status == 0)) || e2e_fail "TERM while connecting: exit $status, want 0: $(cat "$dir/stopped.err")"
kill "$silent_pid" 2>/dev/null || true
wait "$silent_pid" 2>/dev/null || true
trawl_untrack silent-broker
echo "ok: missing queue named, peeks leave $n URLs and their delivery counts, take, CSV, fields," \
    "TERM while connecting exits 0"
