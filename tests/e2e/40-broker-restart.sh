#!/usr/bin/env bash
# 40-broker-restart.sh -- RabbitMQ restarts (same data directory, so the durable queues
# survive) while three workers crawl 5,000 URLs: the workers reconnect and finish, and every
# URL ends as a record; repeats are allowed and reported.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

e2e_restart_run brokerrestart trawl_restart_rabbitmq
n=$(e2e_count_logged "broker reconnected" "$DIR"/worker*.log)
((n >= 3)) || e2e_fail "every worker should have reconnected (saw $n)"
grep -h "broker reconnected" "$DIR"/worker*.log | awk 'NR <= 3'
e2e_check_outcomes "$PREFIX" "$URLS" "$DIR" --no-dead
