#!/usr/bin/env bash
# 82-seen-set.sh -- the producer's seen-set of fingerprints, on one Redis and on a Redis
# Cluster of three masters:
#  - on the cluster (the producer pointed at one master), 3,000 URLs are enqueued once and
#    found again on a second run (3,000 duplicates), their buckets spread over every master as
#    intsets; then a third run on 3,000 new URLs while 3,000 slots move between masters
#    (MOVED and ASK followed): every URL enqueued once, none lost, and a fourth run finds them
#    all;
#  - on one Redis, a seen-set of URL strings from before (PREFIX:seen) still counts, and
#    --migrate-seen moves it into buckets and removes it, the URLs still seen.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"
source "$TRAWL_ROOT/tests/lib/cluster.sh"

producer="$BUILD/producer/trawl-producer"
prefix=e2e-seen-$$
dir=$(e2e_dir "$prefix")
e2e_urls_5000 "$dir/all.txt"
head -n 3000 "$dir/all.txt" >"$dir/first.txt"
tail -n 2000 "$dir/all.txt" >"$dir/second.txt"
awk 'NR <= 1000 { print $0 "&again=1" }' "$dir/first.txt" >>"$dir/second.txt"

# summary FILE: the producer's last "enqueued=N duplicate=D invalid=I".
summary() { grep -o 'enqueued=[0-9]* duplicate=[0-9]* invalid=[0-9]*' "$1" | tail -n 1; }
want() {
    [[ $(summary "$1") == "$2" ]] || e2e_fail "$1: '$(summary "$1")', want '$2'"
}

# --- one Redis: the old seen-set of URL strings, and its migration -------------------------
old=$prefix-old
head -n 500 "$dir/first.txt" | xargs -d '\n' redis-cli -u "$TRAWL_REDIS_URL" SADD "$old:seen" >/dev/null
head -n 600 "$dir/first.txt" >"$dir/old.txt"
"$producer" --prefix "$old" "$dir/old.txt" 2>"$dir/old-1.log"
want "$dir/old-1.log" "enqueued=100 duplicate=500 invalid=0"
grep -q 'old seen-set' "$dir/old-1.log" || e2e_fail "no warning about the old seen-set"
"$producer" --prefix "$old" --migrate-seen 2>"$dir/migrate.log"
grep -q 'migrated=500' "$dir/migrate.log" || e2e_fail "migration: $(cat "$dir/migrate.log")"
[[ $(redis-cli -u "$TRAWL_REDIS_URL" exists "$old:seen") == 0 ]] || e2e_fail "the old set is still there"
"$producer" --prefix "$old" "$dir/old.txt" 2>"$dir/old-2.log"
want "$dir/old-2.log" "enqueued=0 duplicate=600 invalid=0"
! grep -q 'old seen-set' "$dir/old-2.log" || e2e_fail "the old seen-set is still reported"
TRAWL_AMQP_URL=$TRAWL_AMQP_URL e2e_dump "$old" urls "$dir/old-urls.jsonl"

# --- a Redis Cluster ----------------------------------------------------------------------
e2e_at_exit trawl_stop_redis_cluster
trawl_start_redis_cluster 3 0
ports=($REDIS_CLUSTER_PORTS)
redis=redis://127.0.0.1:${ports[1]}/0
"$producer" --redis "$redis" --prefix "$prefix" "$dir/first.txt" 2>"$dir/cluster-1.log"
want "$dir/cluster-1.log" "enqueued=3000 duplicate=0 invalid=0"
"$producer" --redis "$redis" --prefix "$prefix" "$dir/first.txt" 2>"$dir/cluster-2.log"
want "$dir/cluster-2.log" "enqueued=0 duplicate=3000 invalid=0"
for port in "${ports[@]}"; do
    keys=$(redis-cli -p "$port" --scan --pattern "$prefix:seen:*" | wc -l)
    ((keys > 500)) || e2e_fail "master on port $port holds $keys buckets of 3,000 URLs"
    key=$(redis-cli -p "$port" --scan --pattern "$prefix:seen:*" | awk 'NR == 1')
    [[ $(redis-cli -p "$port" object encoding "$key") == intset ]] ||
        e2e_fail "$key is not an intset: $(redis-cli -p "$port" object encoding "$key")"
done

# 3,000 slots move from the first master to the second while the producer runs, in rounds
# of 20 URLs so that it meets the move many times.
from=$(redis-cli -p "${ports[0]}" cluster myid)
to=$(redis-cli -p "${ports[1]}" cluster myid)
redis-cli --cluster reshard "127.0.0.1:${ports[0]}" --cluster-from "$from" --cluster-to "$to" \
    --cluster-slots 3000 --cluster-yes >"$dir/reshard.log" 2>&1 &
reshard=$!
"$producer" --redis "$redis" --prefix "$prefix" --batch 20 "$dir/second.txt" 2>"$dir/cluster-3.log"
want "$dir/cluster-3.log" "enqueued=3000 duplicate=0 invalid=0"
wait "$reshard" || e2e_fail "the resharding failed: $(tail -5 "$dir/reshard.log")"
"$producer" --redis "$redis" --prefix "$prefix" "$dir/second.txt" 2>"$dir/cluster-4.log"
want "$dir/cluster-4.log" "enqueued=0 duplicate=3000 invalid=0"
e2e_dump "$prefix" urls "$dir/urls.jsonl"
n=$(grep -c . "$dir/urls.jsonl")
((n == 6000)) || e2e_fail "$n messages on $prefix.urls, want 6000"
grep -h 'redirect\|redis cluster' "$dir"/cluster-*.log | awk 'NR <= 4'
