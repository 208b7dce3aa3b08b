#!/usr/bin/env bash
# 47-publish-nack.sh -- the broker refuses records (a real basic.nack: PREFIX.records is held at
# 5 messages by a reject-publish policy; quorum queues apply it loosely, so a few more get in);
# the worker publishes each refused outcome again after a doubling wait, acks no input before
# its outcome is confirmed, and once the queue has room (its records read as they come) every
# URL ends as a record: none lost, none dead.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-nack-$$
dir=$(e2e_dir "$prefix")
head -n 40 "$SITE_DIR/urls.txt" >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"
policy=$prefix-full
trawl_rabbitmqctl set_policy -q --apply-to queues "$policy" "^$prefix\\.records\$" \
    '{"max-length": 5, "overflow": "reject-publish"}' >/dev/null
e2e_at_exit "trawl_rabbitmqctl clear_policy -q '$policy' >/dev/null 2>&1"

"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s --idle-exit 3 \
    --progress 1 2>"$dir/worker.log" &
pid=$!
deadline=$((SECONDS + 60))
until grep -q "publish nacked" "$dir/worker.log"; do
    ((SECONDS < deadline)) || e2e_fail "no publish was nacked with the queue held at 5"
    sleep 0.2
done
# While refused, the URLs whose records were nacked are neither recorded nor acked.
records=$({ grep -o 'records=[0-9]*' "$dir/worker.log" || true; } | tail -1 | cut -d= -f2)
((${records:-0} < 40)) || e2e_fail "all 40 records confirmed while the queue refused them"
nacks=$(grep -c "publish nacked" "$dir/worker.log" || true)
echo "nacked $nacks times before the queue had room (${records:-0} records confirmed meanwhile)"
# Room: the records are read as they come (the limit stays; the queue takes more as it
# empties). Clearing the policy instead left RabbitMQ 3.10's quorum queue refusing publishes.
timeout 120 "$BUILD/dump/trawl-dump" --prefix "$prefix" --queue records \
    --output "$dir/records.jsonl" --log-level warn &
dump_pid=$!
e2e_wait_pids 120 "$pid"
kill -TERM "$dump_pid"
wait "$dump_pid" || true
trawl_rabbitmqctl clear_policy -q "$policy" >/dev/null
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
