#!/usr/bin/env bash
# 80-rabbit-cluster.sh -- a crawl on a 3-node RabbitMQ cluster outlives the node its first
# worker consumes from: killed (SIGKILL, not restarted during the crawl), then, in a second
# crawl, hung (SIGSTOP, kept stopped until the crawl is over: its kernel still completes TCP
# handshakes, the broker says nothing). Every program gets the three nodes as one --amqp
# list; workers (two, then one), a records dump and a dead-letter dump run throughout.
#  - records keep coming: within KILL_BOUND_S of the kill (a refused connection moves on at
#    once) and STOP_BOUND_S of the hang (two 10 s heartbeats before a connection is given up,
#    then a 4 s login deadline per member that does not answer), the workers publish more
#    records than the prefetch windows they held could give: new deliveries, through the
#    nodes still up (measured here: about 4 s after a kill, 22-26 s after a hang);
#  - the crawl finishes and nothing is lost: every URL ends as a record or a dead letter.
#    What the hung node's consumers held comes back once the cluster declares it down
#    (net_ticktime, 15 s in the test cluster);
#  - the queues were declared with a member on every node, and the programs, reading the
#    management API at start-up, find nothing to warn about; a queue created with one
#    replica (--quorum-size 1) is called under-replicated, with how to grow it.
# trawl-timeout: 480
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"
source "$TRAWL_ROOT/tests/lib/cluster.sh"

KILL_BOUND_S=20
STOP_BOUND_S=45
FINISH_S=180
URLS_PER_CRAWL=1500

e2e_at_exit trawl_stop_rabbitmq_cluster
trawl_start_rabbitmq_cluster 3
ports=($RABBIT_CLUSTER_PORTS)
http=($RABBIT_CLUSTER_HTTP_PORTS)
export TRAWL_AMQP_HTTP_URL=http://127.0.0.1:${http[1]}
dir=$(e2e_dir "e2e-rabbit-cluster-$$")

# Replication you can see: one replica where three nodes run is said, with the fix.
under=e2e-cluster-under-$$
echo "http://127.0.0.2:$NGINX_PORT/" | "$BUILD/producer/trawl-producer" --amqp "$TRAWL_AMQP_URLS" \
    --prefix "$under" --no-dedup --quorum-size 1 2>"$dir/under-1.log"
echo "http://127.0.0.2:$NGINX_PORT/" | "$BUILD/producer/trawl-producer" --amqp "$TRAWL_AMQP_URLS" \
    --prefix "$under" --no-dedup 2>"$dir/under-2.log"
grep -q "queue under-replicated queue=$under.urls members=1 nodes_running=3 quorum_size=3" \
    "$dir/under-2.log" || e2e_fail "no under-replication warning: $(cat "$dir/under-2.log")"
grep -q 'rabbitmq-queues grow' "$dir/under-2.log" || e2e_fail "the warning says no fix"

# The node (1-3) that the worker whose log is $1 consumes through.
consume_node() {
    local port k
    port=$(grep -o 'consuming through broker=[^ ]*' "$1" | tail -1 | grep -o '[0-9]*$') || true
    for k in 1 2 3; do
        [[ ${ports[k - 1]} == "$port" ]] && { echo "$k"; return 0; }
    done
    e2e_fail "$1 names no node it consumes through"
}

covered() {
    /usr/bin/python3 "$TRAWL_ROOT/tests/e2e/check_invariant.py" "$1/urls.txt" \
        "$1/records.jsonl" "$1/dead.jsonl" >"$1/invariant.txt" 2>&1
}

# crawl NAME SIGNAL BOUND_S WORKERS: one crawl, the first worker's node signalled mid-crawl.
crawl() {
    local name=$1 sig=$2 bound=$3 workers=$4 prefix=e2e-cluster-$1-$$ sub=$dir/$1 i pids=() node
    # Deliveries the workers may hold when the node goes: their default --prefetch (4 x
    # --concurrency 64) each, and what the progress lines (every 0.5 s) had not yet counted.
    local in_hand=$((workers * 256 + 200))
    mkdir -p "$sub"
    e2e_urls_5000 "$sub/all.txt"
    head -n "$URLS_PER_CRAWL" "$sub/all.txt" >"$sub/urls.txt"
    "$BUILD/producer/trawl-producer" --amqp "$TRAWL_AMQP_URLS" --prefix "$prefix" --no-dedup \
        "$sub/urls.txt" 2>"$sub/producer.log"
    local members
    members=$(trawl_rabbit_cluster_ctl 1 -q list_queues name members --formatter json |
        python3 -c 'import json, sys; print(min(len(q["members"]) for q in json.load(sys.stdin) if q["name"] == sys.argv[1]))' "$prefix.urls")
    ((members == 3)) || e2e_fail "$name: $prefix.urls has $members member(s), not 3"
    for q in records dead; do
        "$BUILD/dump/trawl-dump" --amqp "$TRAWL_AMQP_URLS" --prefix "$prefix" --queue "$q" \
            --output "$sub/$q.jsonl" 2>"$sub/dump-$q.log" &
        pids+=($!)
    done
    for ((i = 1; i <= workers; i++)); do
        "$BUILD/worker/trawl-worker" --amqp "$TRAWL_AMQP_URLS" --prefix "$prefix" --allow-private \
            --rate 20/s --progress 0.5 2>"$sub/worker$i.log" &
        pids+=($!)
    done
    e2e_wait_published 200 "$sub"
    node=$(consume_node "$sub/worker1.log")
    local before at gap_ms
    before=$(e2e_published "$sub")
    at=$(_trawl_now_ms)
    echo "$name: SIG$sig to node c$node after $before records"
    trawl_rabbit_cluster_signal "$node" "$sig"
    until (($(e2e_published "$sub") > before + in_hand)); do
        (($(_trawl_now_ms) - at < (bound + 30) * 1000)) ||
            e2e_fail "$name: $(e2e_published "$sub") records $((bound + 30)) s after SIG$sig to c$node (had $before)"
        sleep 0.2
    done
    gap_ms=$(($(_trawl_now_ms) - at))
    echo "$name: over $in_hand more records $((gap_ms / 1000)).$((gap_ms % 1000 / 100)) s after SIG$sig (bound $bound s)"
    ((gap_ms <= bound * 1000)) || e2e_fail "$name: records resumed after $((gap_ms / 1000)) s (bound $bound s)"
    until covered "$sub"; do
        (($(_trawl_now_ms) - at < FINISH_S * 1000)) ||
            e2e_fail "$name: not every URL has an outcome $FINISH_S s after SIG$sig: $(cat "$sub/invariant.txt")"
        sleep 1
    done
    gap_ms=$(($(_trawl_now_ms) - at))
    echo "$name: every URL has an outcome $((gap_ms / 1000)) s after SIG$sig: $(head -n 1 "$sub/invariant.txt")"
    kill -TERM "${pids[@]}"
    e2e_wait_pids 60 "${pids[@]}"
    [[ ! -s $sub/dead.jsonl ]] || e2e_fail "$name: dead letters: $(head -3 "$sub/dead.jsonl")"
    if grep -h 'under-replicated\|replication not checked' "$sub"/*.log; then
        e2e_fail "$name: a fully replicated queue was reported"
    fi
    grep -h 'broker connection lost\|broker reconnected\|consuming through' "$sub"/worker*.log |
        awk 'NR <= 8'
    LAST_NODE=$node
}

crawl kill KILL "$KILL_BOUND_S" 2
# The killed node comes back on its data for the second crawl: a quorum needs two of three.
trawl_rabbit_cluster_restart "$LAST_NODE"
# One worker: the crawl can only go on once it gave up the hung node (a second worker on a
# healthy node would take everything meanwhile).
crawl stop STOP "$STOP_BOUND_S" 1
