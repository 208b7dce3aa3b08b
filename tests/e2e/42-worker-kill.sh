#!/usr/bin/env bash
# 42-worker-kill.sh -- three workers crawl 5,000 URLs; one is killed with SIGKILL a quarter
# of the way through and a fresh one takes its place. Every URL still ends as a record: what
# the dead worker held goes back to the queue (repeats are allowed and reported).
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-workerkill-$$
dir=$(e2e_dir "$prefix")
urls=$dir/urls.txt
e2e_urls_5000 "$urls"
total=$(grep -c . "$urls")
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$urls" 2>"$dir/producer.log"

start_worker()
{
    "$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 20/s \
        --idle-exit 3 --progress 1 2>"$dir/worker$1.log" &
}
start_worker 1
victim=$!
start_worker 2
w2=$!
start_worker 3
w3=$!
e2e_wait_published $((total / 4)) "$dir"
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
start_worker 4
w4=$!
e2e_wait_pids 240 "$w2" "$w3" "$w4"

e2e_report_rss "$dir"/worker[234].log
e2e_check_outcomes "$prefix" "$urls" "$dir" --no-dead
