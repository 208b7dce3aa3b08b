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
# Records published so far, from the workers' progress lines (one a second).
published()
{
    local f n sum=0
    for f in "$dir"/worker*.log; do
        n=$(grep -o 'records=[0-9]*' "$f" | tail -1 | cut -d= -f2)
        sum=$((sum + ${n:-0}))
    done
    echo "$sum"
}
# Wait until a quarter of the pages are done, then restart Redis.
deadline=$((SECONDS + 60))
until (($(published) >= total / 4)); do
    ((SECONDS < deadline)) || e2e_fail "the crawl did not start"
    sleep 0.2
done
trawl_restart_redis
e2e_wait_pids 240 "${pids[@]}"
grep -h "redis connected" "$dir"/worker*.log | head -2
n=$(grep -c "redis connected" "$dir"/worker*.log | awk -F: '{ s += $2 } END { print s }')
((n >= 6)) || e2e_fail "every worker should have connected twice (saw $n)"
grep -q "rate limiter unavailable\|redis disconnected" "$dir"/worker1.log ||
    e2e_fail "worker 1 did not notice Redis going away"

e2e_report_rss "$dir"/worker*.log
e2e_dump "$prefix" records "$dir/records.jsonl"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
/usr/bin/python3 "$TRAWL_ROOT/tests/e2e/check_invariant.py" "$urls" "$dir/records.jsonl" \
    "$dir/dead.jsonl"
[[ ! -s $dir/dead.jsonl ]] || e2e_fail "dead letters: $(head -3 "$dir/dead.jsonl")"
e2e_assert_queues_empty "$prefix"
