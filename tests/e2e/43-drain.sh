#!/usr/bin/env bash
# 43-drain.sh -- SIGTERM drains a worker: it stops taking URLs, finishes what is in flight,
# publishes the outcomes, returns the rest to the queue and exits 0. A second worker then
# finishes the crawl, and every URL has its record.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-drain-$$
dir=$(e2e_dir "$prefix")
urls=$SITE_DIR/urls.txt
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$urls" 2>"$dir/producer.log"

"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 20/s --progress 1 \
    --grace 20 2>"$dir/worker1.log" &
w1=$!
deadline=$((SECONDS + 60))
until grep -q 'records=[1-9][0-9][0-9]' "$dir/worker1.log"; do
    ((SECONDS < deadline)) || e2e_fail "the crawl did not start"
    sleep 0.2
done
kill -TERM "$w1"
e2e_wait_pids 30 "$w1"
grep -q "draining" "$dir/worker1.log" || e2e_fail "no drain logged"
grep -q "drained" "$dir/worker1.log" || e2e_fail "the worker did not finish its drain"
grep "draining\|drained" "$dir/worker1.log"

"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s \
    --idle-exit 2 2>"$dir/worker2.log" &
e2e_wait_pids 120 $!
e2e_dump "$prefix" records "$dir/records.jsonl"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
/usr/bin/python3 "$TRAWL_ROOT/tests/e2e/check_invariant.py" "$urls" "$dir/records.jsonl" \
    "$dir/dead.jsonl"
[[ ! -s $dir/dead.jsonl ]] || e2e_fail "dead letters: $(head -3 "$dir/dead.jsonl")"
e2e_assert_queues_empty "$prefix"
