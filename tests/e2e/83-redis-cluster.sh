#!/usr/bin/env bash
# 83-redis-cluster.sh -- workers whose limiter runs on a Redis Cluster of three masters, each
# with a replica, the workers pointed at one master (their keys live on all three):
#  1. the per-host rate holds, judged at nginx: two workers, 12 hosts at 5/s, no 1-second
#     window of one host over the rate plus the burst; every URL a record;
#  2. 3,000 slots move between masters mid-crawl: the workers follow MOVED and ASK, and every
#     URL is a record;
#  3. a master is killed mid-crawl: until its replica takes over (about 7 s with a 5 s node
#     timeout), the hosts whose keys live on the other masters keep being fetched (requests
#     logged in the seconds after the kill), and the crawl finishes with every URL a record.
# trawl-timeout: 360
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"
source "$TRAWL_ROOT/tests/lib/cluster.sh"

RATE=5

e2e_at_exit trawl_stop_redis_cluster
trawl_start_redis_cluster 3 1
ports=($REDIS_CLUSTER_PORTS)
redis=redis://127.0.0.1:${ports[1]}/0
dir=$(e2e_dir "e2e-rcluster-$$")

# crawl NAME URLS [ACTION]: a producer (its seen-set on the cluster too) and two workers;
# ACTION runs once 60 records are published. Fails unless every URL ends as a record.
crawl() {
    local name=$1 sub=$dir/$1 prefix=e2e-rcluster-$1-$$ i pids=()
    mkdir -p "$sub"
    cp "$2" "$sub/urls.txt"
    "$BUILD/producer/trawl-producer" --redis "$redis" --prefix "$prefix" "$sub/urls.txt" \
        2>"$sub/producer.log"
    for i in 1 2; do
        "$BUILD/worker/trawl-worker" --redis "$redis" --prefix "$prefix" --allow-private \
            --rate "$RATE/s" --idle-exit 5 --progress 0.5 2>"$sub/worker$i.log" &
        pids+=($!)
    done
    if [[ -n ${3:-} ]]; then
        e2e_wait_published 60 "$sub"
        "$3" "$sub"
    fi
    e2e_wait_pids 240 "${pids[@]}"
    e2e_check_outcomes "$prefix" "$sub/urls.txt" "$sub" --no-dead
    grep -q 'redis cluster masters=3' "$sub/worker1.log" ||
        e2e_fail "$name: the worker did not see the cluster: $(grep redis "$sub/worker1.log" | head -3)"
}

# Request times of a crawl's URLs at nginx, per host: "HOST MSEC" lines.
requests() { grep -F "$1" "$NGINX_ACCESS_LOG" | awk '{ print $2, $1 }'; }

# 1. The rate, held through the cluster.
e2e_urls_5000 "$dir/all.txt"
awk -v t="&c=rate-$$" 'NR <= 600 { print $0 t }' "$dir/all.txt" >"$dir/rate.txt"
crawl rate "$dir/rate.txt"
requests "c=rate-$$" >"$dir/rate-times.txt"
python3 - "$dir/rate-times.txt" "$RATE" <<'PY'
import collections, os, sys
sys.path.insert(0, os.environ["TRAWL_ROOT"] + "/tests/e2e")
from request_times import busiest
by_host = collections.defaultdict(list)
for line in open(sys.argv[1]):
    host, t = line.split()
    by_host[host].append(float(t))
rate, burst = int(sys.argv[2]), 1
worst = {h: busiest(ts) for h, ts in by_host.items()}
print("busiest second per host:", dict(sorted(worst.items())))
over = {h: n for h, n in worst.items() if n > rate + burst}
sys.exit(f"over {rate}/s + {burst}: {over}" if over else 0)
PY

# 2. Slots moving mid-crawl.
reshard() {
    local from to
    from=$(redis-cli -p "${ports[0]}" cluster myid)
    to=$(redis-cli -p "${ports[2]}" cluster myid)
    redis-cli --cluster reshard "127.0.0.1:${ports[0]}" --cluster-from "$from" \
        --cluster-to "$to" --cluster-slots 3000 --cluster-yes >"$1/reshard.log" 2>&1 ||
        e2e_fail "the resharding failed: $(tail -3 "$1/reshard.log")"
}
awk -v t="&c=reshard-$$" 'NR > 600 && NR <= 1200 { print $0 t }' "$dir/all.txt" >"$dir/reshard.txt"
crawl reshard "$dir/reshard.txt" reshard
redirects=0
for f in "$dir"/reshard/worker*.log; do
    n=$(grep -o 'redis_redirects=[0-9]*' "$f" | tail -1 | cut -d= -f2)
    redirects=$((redirects + ${n:-0}))
done
echo "redirections the workers followed while slots moved: $redirects"
((redirects > 0)) || e2e_fail "the workers met no MOVED or ASK while 3,000 slots moved"

# 3. A master killed; its replica takes over.
kill_master() {
    # The master of the slots of the first host's keys... any master that is not the seed.
    local port=${ports[0]} pid
    pid=$(_trawl_tracked_pid redis-r1)
    KILLED_AT=$(date +%s.%N)
    echo "killing the master on port $port (pid $pid)"
    kill -KILL "$pid"
    trawl_untrack redis-r1
}
awk -v t="&c=failover-$$" 'NR > 1200 && NR <= 1800 { print $0 t }' "$dir/all.txt" >"$dir/failover.txt"
crawl failover "$dir/failover.txt" kill_master
requests "c=failover-$$" >"$dir/failover-times.txt"
python3 - "$dir/failover-times.txt" "$KILLED_AT" <<'PY'
import sys
killed = float(sys.argv[2])
during = [line.split()[0] for line in open(sys.argv[1]) if killed + 1 <= float(line.split()[1]) < killed + 5]
hosts = sorted(set(during))
print(f"requests 1-5 s after the kill: {len(during)}, over {len(hosts)} hosts: {hosts}")
sys.exit(0 if len(hosts) >= 4 else "the other masters' hosts were not fetched while the replica took over")
PY
grep -h 'redis disconnected\|redis connected\|redis cluster' "$dir"/failover/worker1.log | awk 'NR <= 6'
# Jobs of the master away past --park-after are set aside, not left in the window.
grep -ho 'parked_shard_away=[0-9]*' "$dir"/failover/worker*.log | sort -t= -k2 -n | tail -n 1
