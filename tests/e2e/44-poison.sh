#!/usr/bin/env bash
# 44-poison.sh -- a URL that hangs every worker that takes it (each one is killed while the
# fetch hangs) must not loop forever: the quorum queue counts its deliveries, and after 5 the
# next worker dead-letters it as "poison" without fetching it again.
# trawl-timeout: 180
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-poison-$$
dir=$(e2e_dir "$prefix")
e2e_start_fault_server "$dir"
url=$FAULT_BASE/hang?$prefix
echo "$url" | "$BUILD/producer/trawl-producer" --prefix "$prefix" 2>"$dir/producer.log"

hangs() { grep -c "/hang?$prefix" "$dir/fault.log" || true; }
for i in 1 2 3 4 5; do
    "$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --timeout 600 \
        2>"$dir/worker$i.log" &
    pid=$!
    deadline=$((SECONDS + 30))
    until (($(hangs) >= i)); do
        ((SECONDS < deadline)) || e2e_fail "worker $i never fetched the URL"
        sleep 0.1
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
done
"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --timeout 600 --idle-exit 2 \
    2>"$dir/worker6.log" &
e2e_wait_pids 60 $!
(($(hangs) == 5)) || e2e_fail "the poison URL was fetched $(hangs) times, want 5"

e2e_dump "$prefix" dead "$dir/dead.jsonl"
e2e_dump "$prefix" records "$dir/records.jsonl"
/usr/bin/python3 - "$dir/dead.jsonl" "$url" <<'PY'
import json, sys
dead = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(dead) == 1, dead
d = dead[0]
assert d["error"] == "poison" and d["url"] == sys.argv[2], d
print("poison:", d["detail"])
PY
[[ ! -s $dir/records.jsonl ]] || e2e_fail "a record for the poison URL"
e2e_assert_queues_empty "$prefix"
