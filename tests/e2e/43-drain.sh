#!/usr/bin/env bash
# 43-drain.sh -- SIGTERM drains a worker: it stops taking URLs, lets the 20 transfers in flight
# (a slow server: 3 s each) finish, publishes their records, returns the rest of what it held
# to the queue and exits 0 within the grace (--host-concurrency 20: one host serves all 20). A second worker finishes the crawl: every URL has
# its record, none twice (what was in flight was not requeued), no URL fetched twice.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-drain-$$
dir=$(e2e_dir "$prefix")
e2e_start_fault_server "$dir"
for i in $(seq 1 60); do echo "$FAULT_BASE/delay?ms=3000&n=$i"; done >"$dir/urls.txt"
head -n 300 "$SITE_DIR/urls.txt" >>"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s \
    --host-concurrency 20 --concurrency 20 --prefetch 100 --grace 20 2>"$dir/worker1.log" &
w1=$!
# Signal once 20 slow fetches are in flight.
deadline=$((SECONDS + 60))
until (($(grep -c "/delay" "$dir/fault.log" 2>/dev/null || true) >= 20)); do
    ((SECONDS < deadline)) || e2e_fail "the slow fetches did not start"
    sleep 0.1
done
kill -TERM "$w1"
signalled=$SECONDS
e2e_wait_pids 30 "$w1"
echo "worker 1 drained in $((SECONDS - signalled)) s"
grep "draining\|drained" "$dir/worker1.log"
grep -q "drained records=[0-9]" "$dir/worker1.log" || e2e_fail "the worker did not finish its drain"
n=$(grep -o 'drained records=[0-9]*' "$dir/worker1.log" | cut -d= -f2)
((n >= 20)) || e2e_fail "worker 1 published $n records, want the 20 in flight at least"
# Once the broker has seen the cancel it sends nothing more, so what arrives during the drain
# is bounded by the prefetch window; a cancel that did not take shows as thousands of bounces.
back=$(grep -o 'sent_back=[0-9]*' "$dir/worker1.log" | cut -d= -f2)
((back <= 100)) || e2e_fail "worker 1 kept receiving while draining: $back deliveries sent back"

"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s \
    --host-concurrency 20 --idle-exit 2 2>"$dir/worker2.log" &
e2e_wait_pids 120 $!
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
grep -q "repeats=0$" <(/usr/bin/python3 "$TRAWL_ROOT/tests/e2e/check_invariant.py" \
    "$dir/urls.txt" "$dir/records.jsonl" "$dir/dead.jsonl") || e2e_fail "records repeated"
twice=$(grep -o '/delay?[^ ]*' "$dir/fault.log" | sort | uniq -d | awk 'NR <= 3')
[[ -z $twice ]] || e2e_fail "fetched twice: $twice"
