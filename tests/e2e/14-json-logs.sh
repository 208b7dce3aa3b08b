#!/usr/bin/env bash
# 14-json-logs.sh -- --log-format json gives one JSON object per line, with the event's
# fields as fields (numbers as numbers), from all three programs: the producer's invalid line
# and summary, the worker's start-up rate (as written) and progress, the dump's end. Every
# line of every log must parse.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-json-$$
dir=$(e2e_dir "$prefix")
{
    head -n 3 "$SITE_DIR/urls.txt"
    echo "not a url"
} >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" --no-dedup --log-format json \
    "$dir/urls.txt" 2>"$dir/producer.log"
"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 120/m --idle-exit 2 \
    --progress 0.5 --log-format json 2>"$dir/worker.log"
"$BUILD/dump/trawl-dump" --prefix "$prefix" --queue records --take --idle-exit 1 \
    --output "$dir/records.jsonl" --log-format json 2>"$dir/dump.log"

python3 - "$dir" "$dir/urls.txt" <<'EOF'
import json, sys
d, urls = sys.argv[1], sys.argv[2]
problems = []
def events(name):
    out = []
    for n, line in enumerate(open(f"{d}/{name}.log", encoding="utf-8"), 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            problems.append(f"{name}.log:{n}: not JSON ({e}): {line.strip()}")
            continue
        for k in ("ts", "level", "program", "msg"):
            if not isinstance(o.get(k), str):
                problems.append(f"{name}.log:{n}: no string '{k}': {line.strip()}")
        out.append(o)
    return out
def one(evs, msg, name):
    found = [e for e in evs if e.get("msg") == msg]
    if not found:
        problems.append(f"{name}: no '{msg}' event")
        return {}
    return found[-1]
def want(e, key, value, name):
    if e and (e.get(key) != value or type(e.get(key)) is not type(value)):
        problems.append(f"{name} {e.get('msg')}: {key} = {e.get(key)!r}, want {value!r}")

p = events("producer")
inv = one(p, "invalid line", "producer")
want(inv, "file", urls, "producer")
want(inv, "line", 4, "producer")
if inv and not isinstance(inv.get("reason"), str):
    problems.append(f"producer invalid line: no reason: {inv}")
s = one(p, "summary", "producer")
want(s, "enqueued", 3, "producer")
want(s, "invalid", 1, "producer")

w = events("worker")
want(one(w, "started", "worker"), "rate", "120/m", "worker")
want(w and [e for e in w if e.get("msg") == "progress"][-1] or {}, "records", 3, "worker")

dm = events("dump")
want(one(dm, "done", "dump"), "written", 3, "dump")

for line in problems:
    print(line)
sys.exit(1 if problems else 0)
EOF
