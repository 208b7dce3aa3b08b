#!/usr/bin/env bash
# 60-host-concurrency.sh -- --host-concurrency is one limit for every worker together, judged at
# the server. Three workers, each in a network namespace of its own (three machines, three
# client addresses), crawl one site (the fault server on the bridge's address) with
# --host-concurrency 2 and a rate that never binds (1000/s): 60 URLs of /delay?ms=1500, about
# 45 s of work at 2 at a time. From the server's events (start and end of every request):
#  - never more than 2 of them in flight at the site, and 2 are reached;
#  - one worker is killed (-9) while a request of its own is in flight: its lease stays until it
#    expires (10 s), so the two others reach 2 in flight again no sooner than 3 s after the kill
#    and no later than 10 s + 4 s after it (the lease's last renewal, a lease poll and a
#    request's start; 3.3 s of that was seen once on a loaded 2-core machine);
#  - every URL ends as a record (the killed worker's URLs come back from the broker).
# trawl-timeout: 240
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"
source "$TRAWL_ROOT/tests/lib/netns.sh"

want=2 limit_flags=(--host-concurrency 2 --concurrency 4) again=2 not_before=3 within=14
check_inflight=("/usr/bin/python3" "$TRAWL_ROOT/tests/e2e/check_inflight.py")

prefix=e2e-hostconc-$$
dir=$(e2e_dir "$prefix")
e2e_netns_up 3
e2e_netns_fault_server "$dir"
events=$dir/events.log
for i in $(seq 1 60); do echo "$FAULT_BASE/delay?ms=1500&t=$prefix-$i"; done >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

# A small prefetch, so that every worker holds some of the URLs and competes for the slots.
pids=()
for i in 1 2 3; do
    e2e_netns_worker "$i" "$dir/worker$i.log" --prefix "$prefix" --allow-private --rate 1000/s \
        "${limit_flags[@]}" --prefetch 8 --timeout 30 --idle-exit 5 --progress 1
    pids+=("$NETNS_WORKER_PID")
done

# Phase 1: the first 10 requests ended.
ended() { grep -c " end .*t=$prefix-" "$events" || true; }
deadline=$((SECONDS + 60))
until (($(ended) >= 10)); do
    ((SECONDS < deadline)) || e2e_fail "fewer than 10 requests ended after 60 s"
    sleep 0.2
done
"${check_inflight[@]}" "$events" --filter "t=$prefix-" --max "$want" --reach "$want" --quiet ||
    e2e_fail "phase 1: in flight at the site not capped at $want"

# Phase 2: kill -9 the worker of a request in flight that started within the last second (so
# it still has half a second to go: its lease is surely held).
victim='' victim_ip=''
deadline=$((SECONDS + 20))
while [[ -z $victim ]]; do
    ((SECONDS < deadline)) || e2e_fail "no request in flight to pick a worker to kill from"
    now=$EPOCHREALTIME
    # "<client ip:port> <start time> <target>", oldest first: take the newest fresh one.
    pick=$("${check_inflight[@]}" "$events" --filter "t=$prefix-" --open |
        awk -v now="$now" '$2 > now - 1.0 { line = $0 } END { print line }')
    if [[ -n $pick ]]; then
        victim_ip=${pick%%:*}
        victim_ns=$(e2e_netns_index "$victim_ip")
        victim=${NETNS_WORKER_OF[victim_ns]}
    else
        sleep 0.1
    fi
done
kill -9 "$victim"
kill_t=$EPOCHREALTIME
echo "killed worker $victim (namespace $victim_ns, $victim_ip) at $kill_t, its request in flight: $pick"
wait "$victim" 2>/dev/null || true
survivors=()
for pid in "${pids[@]}"; do
    [[ $pid == "$victim" ]] || survivors+=("$pid")
done
e2e_wait_pids 180 "${survivors[@]}"

echo "--- the whole run"
"${check_inflight[@]}" "$events" --filter "t=$prefix-" --max "$want" --reach "$want" ||
    e2e_fail "more than $want requests in flight at the site"
echo "--- the survivors after the kill"
"${check_inflight[@]}" "$events" --filter "t=$prefix-" --exclude "$victim_ip:" --quiet \
    --window-start "$kill_t" --again "$again" --after "$kill_t" --within "$within" \
    --not-before "$not_before" ||
    e2e_fail "the survivors were not back to $again in flight between $not_before and $within s"
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
