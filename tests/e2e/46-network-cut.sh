#!/usr/bin/env bash
# 46-network-cut.sh -- 5,000 URLs, three workers; one of them runs in a network namespace of its
# own (tests/lib/netns.sh) and reaches RabbitMQ, Redis and the site over a veth link; the link is
# cut for 10 s and restored. The others go on meanwhile, the cut-off one recovers (publishes
# records again after the restore), and every URL ends as a record. (--host-concurrency 0: with
# leases, the cut-off worker's would hold the one host for the others until they expire, which
# 60-host-concurrency tests.)
# trawl-timeout: 240
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"
source "$TRAWL_ROOT/tests/lib/netns.sh"

prefix=e2e-netcut-$$
dir=$(e2e_dir "$prefix")
# One namespace: RabbitMQ and Redis forwarded onto its gateway address, where the site (our
# fault server's /ok) listens too.
e2e_netns_up 1
e2e_netns_fault_server "$dir"
base=$FAULT_BASE
for i in $(seq 1 5000); do echo "$base/ok?n=$i"; done >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

# 5,000 URLs of one host at 200/s: about 25 s of work.
flags=(--prefix "$prefix" --allow-private --rate 200/s --idle-exit 5 --progress 1 --timeout 60
    --host-concurrency 0)
e2e_netns_worker 1 "$dir/worker-cut.log" "${flags[@]}"
cut_pid=$NETNS_WORKER_PID
"$BUILD/worker/trawl-worker" "${flags[@]}" 2>"$dir/worker-home.log" &
home_pid=$!
"$BUILD/worker/trawl-worker" "${flags[@]}" 2>"$dir/worker-home2.log" &
home2_pid=$!

records_of() { grep -o 'records=[0-9]*' "$1" | tail -1 | cut -d= -f2; }
# records_in_lines LOG FIRST LAST -- records= of the last progress line among lines FIRST..LAST
# of LOG (LAST '' for the end); nothing when none has one.
records_in_lines()
{
    awk -v first="$2" -v last="$3" 'NR >= first && (last == "" || NR <= last + 0) &&
        match($0, /records=[0-9]+/) { n = substr($0, RSTART + 8, RLENGTH - 8) }
        END { print n }' "$1"
}
deadline=$((SECONDS + 60))
until (($(records_of "$dir/worker-cut.log") + 0 >= 200)); do
    ((SECONDS < deadline)) || e2e_fail "the namespaced worker did not get going"
    sleep 0.2
done
home_before=$(records_of "$dir/worker-home.log")
e2e_netns_cut 1
sleep 10 # the length of the outage is what this test is about
home_during=$(records_of "$dir/worker-home.log")
# Where the cut worker's log stood when the cut ended: its complete lines so far, and the
# records of the last progress line among them.
cut_lines=$(wc -l <"$dir/worker-cut.log")
cut_during=$(records_in_lines "$dir/worker-cut.log" 1 "$cut_lines")
e2e_netns_restore 1
echo "a connected worker: $home_before records before the cut, $home_during when it ended"
((home_during > home_before)) || e2e_fail "the connected workers stalled during the cut"

# The cut worker recovers: a progress line written after the restore counts more records than
# the last one before it (it holds a full prefetch of URLs, so it has work left to publish).
cut_after=0
deadline=$((SECONDS + 60))
while :; do
    cut_after=$(records_in_lines "$dir/worker-cut.log" $((cut_lines + 1)) '')
    ((${cut_after:-0} > ${cut_during:-0})) && break
    ((SECONDS < deadline)) ||
        e2e_fail "the cut worker published nothing in 60 s after the restore" \
            "(records=${cut_during:-none} when the cut ended, ${cut_after:-no progress line} since)"
    sleep 0.2
done
echo "the cut worker: $cut_during records when the cut ended, $cut_after after the restore"

e2e_wait_pids 180 "$cut_pid" "$home_pid" "$home2_pid"
e2e_report_rss "$dir"/worker*.log
grep -h "broker connection lost\|broker reconnected\|redis" "$dir/worker-cut.log" | awk 'NR <= 5' || true
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
