#!/usr/bin/env bash
# 41-redis-restart.sh -- Redis restarts (its data, the rate schedules, is lost) while two
# workers crawl 5,000 URLs: the workers stop fetching while it is away, reconnect and finish,
# and every URL ends as a record; repeats are allowed and reported.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-redisrestart-$$
dir=$(e2e_dir "$prefix")
urls=$dir/urls.txt
e2e_urls_5000 "$urls"
total=$(grep -c . "$urls")
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$urls" 2>"$dir/producer.log"

# 12 hosts at 20/s each: about 20 s of work, so the restart lands in the middle.
pids=()
for i in 1 2 3; do
    "$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 20/s \
        --idle-exit 3 --progress 1 2>"$dir/worker$i.log" &
    pids+=($!)
done
# A quarter of the way through, restart Redis.
e2e_wait_published $((total / 4)) "$dir"
trawl_restart_redis
e2e_wait_pids 240 "${pids[@]}"
grep -h "redis connected" "$dir"/worker*.log | head -2
n=$(grep -c "redis connected" "$dir"/worker*.log | awk -F: '{ s += $2 } END { print s }')
((n >= 6)) || e2e_fail "every worker should have connected twice (saw $n)"
grep -q "rate limiter unavailable\|redis disconnected" "$dir"/worker1.log ||
    e2e_fail "worker 1 did not notice Redis going away"

e2e_report_rss "$dir"/worker*.log
e2e_check_outcomes "$prefix" "$urls" "$dir" --no-dead
