#!/usr/bin/env bash
# 45-producer-kill.sh -- the producer is killed with SIGKILL halfway through a 5,000-line
# file and run again on the same file: every URL is enqueued (a URL enters the seen-set only
# once the broker confirmed it), so every URL ends as a record; repeats are reported.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-producerkill-$$
dir=$(e2e_dir "$prefix")
# 5,000 distinct URLs: the site's pages with a query that nginx ignores.
e2e_urls_5000 "$dir/urls.txt"

# Feed the file slowly (about 20 s) so that the kill lands mid-file, between confirm rounds.
/usr/bin/python3 -c '
import sys, time
for i, line in enumerate(open(sys.argv[1])):
    sys.stdout.write(line)
    if i % 50 == 49:
        sys.stdout.flush()
        time.sleep(0.2)
' "$dir/urls.txt" 2>/dev/null | "$BUILD/producer/trawl-producer" --prefix "$prefix" --batch 100 \
    2>"$dir/producer1.log" &
producer=$!
# Kill once about half the file went through: the broker's queue count tells.
deadline=$((SECONDS + 60))
while :; do
    n=$(trawl_rabbitmqctl list_queues -q name messages | awk -v q="$prefix.urls" '$1 == q { print $2 }')
    ((${n:-0} >= 1500)) && break
    ((SECONDS < deadline)) || e2e_fail "the producer did not get going"
    sleep 0.2
done
kill -9 "$producer" 2>/dev/null || e2e_fail "the producer had already finished"
wait "$producer" 2>/dev/null || true

"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer2.log"
tail -1 "$dir/producer2.log"
# The second run skips what the first confirmed: its duplicates are the first run's work.
grep -q '^enqueued=[0-9]* duplicate=[1-9][0-9]* invalid=0$' "$dir/producer2.log" ||
    e2e_fail "the second run found nothing from the first: $(tail -1 "$dir/producer2.log")"

pids=()
for i in 1 2 3; do
    "$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 100000/s \
        --idle-exit 2 2>"$dir/worker$i.log" &
    pids+=($!)
done
e2e_wait_pids 240 "${pids[@]}"
e2e_report_rss "$dir"/worker*.log
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
