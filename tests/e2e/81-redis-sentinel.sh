#!/usr/bin/env bash
# 81-redis-sentinel.sh -- a crawl through Redis Sentinel (a master, a replica, three
# sentinels) outlives its master: killed mid-crawl, the replica promoted, the workers and the
# producer find the new master by asking the sentinels on reconnect. Checked:
#  - the producer's dedup and the workers' limiter both run against the master Sentinel names;
#  - after the kill, the workers reconnect to the promoted replica (their log names its
#    port) and records resume within RESUME_BOUND_S (Sentinel's own failover, 2 s to call the
#    master down plus the election, is most of it);
#  - nothing is lost: every URL ends as a record.
# trawl-timeout: 240
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"
source "$TRAWL_ROOT/tests/lib/cluster.sh"

RESUME_BOUND_S=30

e2e_at_exit trawl_stop_redis_sentinel
trawl_start_redis_sentinel trawlmaster
prefix=e2e-sentinel-$$
dir=$(e2e_dir "$prefix")
head -n 600 "$SITE_DIR/urls.txt" >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --redis "$TRAWL_REDIS_SENTINEL_URL" --prefix "$prefix" \
    "$dir/urls.txt" 2>"$dir/producer.log"
seen=$(redis-cli -p "$SENTINEL_MASTER_PORT" --scan --pattern "$prefix:seen:*" | wc -l)
((seen > 400)) || e2e_fail "the master holds $seen seen-set buckets for 600 URLs"
# 12 hosts at 2/s: about 25 s of crawling, so that the failover lands in the middle.
"$BUILD/worker/trawl-worker" --redis "$TRAWL_REDIS_SENTINEL_URL" --prefix "$prefix" \
    --allow-private --rate 2/s --idle-exit 5 --progress 0.5 2>"$dir/worker.log" &
pid=$!
e2e_wait_published 100 "$dir"
before=$(e2e_published "$dir")
at=$(_trawl_now_ms)
echo "killing the master (port $SENTINEL_MASTER_PORT) after $before records"
kill -KILL "$(_trawl_tracked_pid sentinel-master)"
trawl_untrack sentinel-master
until (($(e2e_published "$dir") >= before + 30)); do
    (($(_trawl_now_ms) - at < (RESUME_BOUND_S + 30) * 1000)) ||
        e2e_fail "no records $((RESUME_BOUND_S + 30)) s after the master was killed"
    sleep 0.2
done
gap_ms=$(($(_trawl_now_ms) - at))
echo "records resumed $((gap_ms / 1000)).$((gap_ms % 1000 / 100)) s after the kill (bound $RESUME_BOUND_S s)"
((gap_ms <= RESUME_BOUND_S * 1000)) || e2e_fail "records resumed after $((gap_ms / 1000)) s"
grep -q "redis connected host=127.0.0.1 port=$SENTINEL_REPLICA_PORT" "$dir/worker.log" ||
    e2e_fail "the worker never connected to the promoted replica: $(grep redis "$dir/worker.log")"
e2e_wait_pids 120 "$pid"
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
grep -h 'redis' "$dir/worker.log" | awk 'NR <= 6'
