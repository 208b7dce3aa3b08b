#!/usr/bin/env bash
# 41-redis-restart.sh -- Redis restarts (its data, the rate schedules, is lost) while three
# workers crawl 5,000 URLs: the workers stop fetching while it is away, reconnect and finish,
# and every URL ends as a record; repeats are allowed and reported.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

e2e_restart_run redisrestart trawl_restart_redis
n=$(e2e_count_logged "redis connected" "$DIR"/worker*.log)
((n >= 6)) || e2e_fail "every worker should have connected twice (saw $n)"
n=$(e2e_count_logged "redis disconnected" "$DIR"/worker*.log)
((n >= 3)) || e2e_fail "every worker should have seen Redis go (saw $n)"
e2e_check_outcomes "$PREFIX" "$URLS" "$DIR" --no-dead
