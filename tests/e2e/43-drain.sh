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
e2e_wait_published 100 "$dir" worker1.log
kill -TERM "$w1"
e2e_wait_pids 30 "$w1"
grep -q "draining" "$dir/worker1.log" || e2e_fail "no drain logged"
grep -q "drained" "$dir/worker1.log" || e2e_fail "the worker did not finish its drain"
grep "draining\|drained" "$dir/worker1.log"

"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s \
    --idle-exit 2 2>"$dir/worker2.log" &
e2e_wait_pids 120 $!
e2e_check_outcomes "$prefix" "$urls" "$dir" --no-dead
