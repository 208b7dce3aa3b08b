#!/usr/bin/env bash
# 40-broker-restart.sh -- RabbitMQ restarts (same data directory, so the durable queues
# survive) while three workers crawl 5,000 URLs: the workers reconnect and finish, and every
# URL ends as a record; repeats are allowed and reported.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-brokerrestart-$$
dir=$(e2e_dir "$prefix")
urls=$dir/urls.txt
e2e_urls_5000 "$urls"
total=$(grep -c . "$urls")
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$urls" 2>"$dir/producer.log"

# 12 hosts at 20/s each: about 20 s of work, so the restart lands in the middle.
pids=()
for i in 1 2 3; do
    "$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 20/s \
        --idle-exit 3 --progress 1 2>"$dir/worker$i.log" &
    pids+=($!)
done
# A quarter of the way through, restart the broker.
e2e_wait_published $((total / 4)) "$dir"
trawl_restart_rabbitmq
e2e_wait_pids 240 "${pids[@]}"
grep -h "broker reconnected" "$dir"/worker*.log | head -2
n=$(grep -c "broker reconnected" "$dir"/worker*.log | awk -F: '{ s += $2 } END { print s }')
((n >= 3)) || e2e_fail "every worker should have reconnected (saw $n)"

e2e_report_rss "$dir"/worker*.log
e2e_check_outcomes "$prefix" "$urls" "$dir" --no-dead
