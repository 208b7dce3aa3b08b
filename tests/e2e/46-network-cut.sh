#!/usr/bin/env bash
# 46-network-cut.sh -- 5,000 URLs, three workers; one of them runs in a network namespace of its own and reaches
# RabbitMQ, Redis and the site over a veth link; the link is cut for 10 s and restored. The
# others go on meanwhile, the cut-off one recovers, and every URL ends as a record.
# trawl-timeout: 240
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-netcut-$$
dir=$(e2e_dir "$prefix")
ns=trawl-cut-$$
host_if=tcr$$
ns_if=tcn$$
net=10.$((200 + $$ % 50)).$(($$ % 250)).
ip netns add "$ns"
cleanup_net()
{
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$host_if" 2>/dev/null || true
}
e2e_at_exit cleanup_net
ip link add "$host_if" type veth peer name "$ns_if"
ip link set "$ns_if" netns "$ns"
ip addr add "${net}1/24" dev "$host_if"
ip link set "$host_if" up
ip netns exec "$ns" ip addr add "${net}2/24" dev "$ns_if"
ip netns exec "$ns" ip link set "$ns_if" up
ip netns exec "$ns" ip link set lo up

# The broker and Redis listen on loopback: forward them onto the link's address.
amqp_port=${TRAWL_AMQP_URL##*:}
redis_port=${TRAWL_REDIS_URL##*:}
redis_port=${redis_port%%/*}
fifo=$dir/forward
mkfifo "$fifo"
/usr/bin/python3 "$TRAWL_ROOT/tests/lib/tcp_forward.py" "${net}1:$amqp_port" \
    "127.0.0.1:$amqp_port" "${net}1:$redis_port" "127.0.0.1:$redis_port" >"$fifo" &
read -r -t 15 _ <"$fifo" || e2e_fail "the forwarder did not start"
# The pages come from our fault server's /ok, on the link's address.
e2e_start_fault_server "$dir" "${net}1"
base=$FAULT_BASE
for i in $(seq 1 5000); do echo "$base/ok?n=$i"; done >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

# 5,000 URLs of one host at 200/s: about 25 s of work.
flags=(--prefix "$prefix" --allow-private --rate 200/s --idle-exit 5 --progress 1 --timeout 60)
ip netns exec "$ns" "$BUILD/worker/trawl-worker" "${flags[@]}" \
    --amqp "amqp://guest:guest@${net}1:$amqp_port" --redis "redis://${net}1:$redis_port/0" \
    2>"$dir/worker-cut.log" &
cut_pid=$!
"$BUILD/worker/trawl-worker" "${flags[@]}" 2>"$dir/worker-home.log" &
home_pid=$!
"$BUILD/worker/trawl-worker" "${flags[@]}" 2>"$dir/worker-home2.log" &
home2_pid=$!

records_of() { grep -o 'records=[0-9]*' "$1" | tail -1 | cut -d= -f2; }
deadline=$((SECONDS + 60))
until (($(records_of "$dir/worker-cut.log") + 0 >= 200)); do
    ((SECONDS < deadline)) || e2e_fail "the namespaced worker did not get going"
    sleep 0.2
done
home_before=$(records_of "$dir/worker-home.log")
ip link set "$host_if" down
sleep 10 # the length of the outage is what this test is about
home_during=$(records_of "$dir/worker-home.log")
ip link set "$host_if" up
echo "a connected worker: $home_before records before the cut, $home_during when it ended"
((home_during > home_before)) || e2e_fail "the connected workers stalled during the cut"

e2e_wait_pids 180 "$cut_pid" "$home_pid" "$home2_pid"
e2e_report_rss "$dir"/worker*.log
grep -h "broker connection lost\|broker reconnected\|redis" "$dir/worker-cut.log" | head -5 || true
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
