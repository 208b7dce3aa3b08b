#!/usr/bin/env bash
# 48-broker-blocked.sh -- a broker under a memory alarm blocks publishing connections
# (connection.blocked). The worker says so, keeps its unpublished outcomes (no input acked),
# and once the alarm clears (connection.unblocked) finishes: every URL ends as a record.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-blocked-$$
dir=$(e2e_dir "$prefix")
head -n 40 "$SITE_DIR/urls.txt" >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

# A watermark of one byte: the alarm is on at once, for every connection of the run's broker.
restore() { trawl_rabbitmqctl set_vm_memory_high_watermark 0.4 >/dev/null 2>&1 || true; }
e2e_at_exit restore
trawl_rabbitmqctl set_vm_memory_high_watermark absolute 1 >/dev/null

"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s --idle-exit 3 \
    --progress 1 2>"$dir/worker.log" &
pid=$!
deadline=$((SECONDS + 60))
until grep -q "broker blocked publishing" "$dir/worker.log"; do
    ((SECONDS < deadline)) || e2e_fail "the worker never heard connection.blocked"
    sleep 0.2
done
records=$({ grep -o 'records=[0-9]*' "$dir/worker.log" || true; } | tail -1 | cut -d= -f2)
((${records:-0} < 40)) || e2e_fail "all 40 records confirmed while publishing was blocked"
restore
deadline=$((SECONDS + 60))
until grep -q "broker unblocked publishing" "$dir/worker.log"; do
    ((SECONDS < deadline)) || e2e_fail "the worker never heard connection.unblocked"
    sleep 0.2
done
e2e_wait_pids 120 "$pid"
echo "blocked with ${records:-0} records confirmed; unblocked; $(grep -o 'records=[0-9]*' \
    "$dir/worker.log" | tail -1)"
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
