#!/usr/bin/env bash
# 82-seen-set.sh -- the producer's seen-set of fingerprints, on one Redis and on a Redis
# Cluster of three masters:
#  - on the cluster (the producer pointed at one master), 3,000 URLs are enqueued once and
#    found again on a second run (3,000 duplicates), their buckets spread over every master as
#    intsets; then a third run on 3,000 new URLs while 3,000 slots move between masters
#    (MOVED and ASK followed): every URL enqueued once, none lost, and a fourth run finds them
#    all;
#  - on one Redis, a seen-set of URL strings from before (PREFIX:seen) still counts, and
#    --migrate-seen moves it into buckets and removes it, the URLs still seen;
#  - follow mode on the cluster: a feed polled twice, each article followed once, the links in
#    intset generation sets on every master.
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

# --- follow mode's seen-set on the cluster -----------------------------------------------
# A feed of 40 articles polled by a --follow worker on the cluster, then changed to list 10
# more: each article is followed once over both polls, and the fingerprints of the 50 links
# sit in intset generation sets on every master.
fprefix=$prefix-follow
feed_dir=$SITE_DIR/www/127.0.0.2/$fprefix
mkdir -p "$feed_dir"
awk -v t="&f=$$" 'NR <= 50 { print $0 t }' "$dir/all.txt" >"$dir/articles.txt"
write_feed() {
    { printf '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>F</title>\n'
      awk -v n="$1" 'NR <= n { gsub("&", "\\&amp;"); printf "<item><title>A%d</title><link>%s</link></item>\n", NR, $0 }' \
          "$dir/articles.txt"
      printf '</channel></rss>\n'; } >"$feed_dir/feed.xml.tmp"
    mv "$feed_dir/feed.xml.tmp" "$feed_dir/feed.xml"
}
printf '{"url": "http://127.0.0.2:%s/%s/feed.xml", "kind": "feed"}\n' "$NGINX_PORT" "$fprefix" \
    >"$dir/feed.jsonl"
follow_poll() {
    "$producer" --redis "$redis" --prefix "$fprefix" --no-dedup "$dir/feed.jsonl" \
        2>>"$dir/follow-producer.log"
    "$BUILD/worker/trawl-worker" --redis "$redis" --prefix "$fprefix" --allow-private \
        --rate 1000/s --follow feeds --idle-exit 3 --progress 1 2>"$dir/follow-$1.log"
    grep -o 'followed=[0-9]* follow_seen=[0-9]*' "$dir/follow-$1.log" | tail -n 1
}
write_feed 40
[[ $(follow_poll 1) == "followed=40 follow_seen=0" ]] ||
    e2e_fail "poll 1: $(grep -o 'followed=[0-9]* follow_seen=[0-9]*' "$dir/follow-1.log" | tail -n 1), want followed=40 follow_seen=0"
write_feed 50
[[ $(follow_poll 2) == "followed=10 follow_seen=40" ]] ||
    e2e_fail "poll 2: $(grep -o 'followed=[0-9]* follow_seen=[0-9]*' "$dir/follow-2.log" | tail -n 1), want followed=10 follow_seen=40"
members=0
for port in "${ports[@]}"; do
    sets=$(redis-cli -p "$port" --scan --pattern "$fprefix:seen:url:{*}:g*")
    [[ -n $sets ]] || e2e_fail "master on port $port holds none of the follow seen-set's sets"
    for key in $sets; do
        [[ $(redis-cli -p "$port" object encoding "$key") == intset ]] ||
            e2e_fail "$key is not an intset"
        members=$((members + $(redis-cli -p "$port" scard "$key")))
    done
done
((members == 50)) || e2e_fail "$members links in the follow seen-set, want 50"
e2e_dump "$fprefix" records "$dir/follow-records.jsonl"
articles=$(/usr/bin/python3 -c '
import json, sys
print(sum("&f=" in json.loads(l)["url"] for l in open(sys.argv[1]) if l.strip()))' \
    "$dir/follow-records.jsonl")
((articles == 50)) || e2e_fail "$articles article records over two polls, want 50"
echo "ok: follow mode on the cluster: 40 then 10 followed, 50 links in intsets on every master"
