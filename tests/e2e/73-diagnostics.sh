#!/usr/bin/env bash
# 73-diagnostics.sh -- the first hour of a new user: a worker pointed at a closed port for
# Redis or RabbitMQ gives up after --idle-exit with exit 1 and a message naming the address
# and where it came from; a blocked_address dead letter says how to allow the address; a URL
# waiting in a delay queue shows in the progress line (retry_waiting, retry_next_s).
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-diag-$$
dir=$(e2e_dir "$prefix")
worker=$BUILD/worker/trawl-worker

# expect_give_up NAME WHAT ORIGIN FIX -- the worker whose log is $dir/NAME.log (started under
# `timeout 20`) exited 1 and its log names WHAT (the address), ORIGIN (the flag or variable it
# came from) and FIX (what to set).
expect_give_up()
{
    local log=$dir/$1.log status=0
    wait "${pids[$1]}" || status=$?
    ((status == 1)) ||
        e2e_fail "$1: exit $status, want 1 (124: still running at 20 s): $(tail -3 "$log")"
    awk -v a="$2" -v o="(from $3)" 'index($0, "cannot start") && index($0, a) && index($0, o) {
        found = 1 } END { exit !found }' "$log" ||
        e2e_fail "$1: no 'cannot start' naming $2 and $3: $(tail -3 "$log")"
    grep -F -q "set $4" "$log" || e2e_fail "$1: the fix ('set $4') is not said"
    echo "$1: exit 1; $(grep -F -m1 "cannot start" "$log" | sed 's/.*err=//')"
}

# Nothing listens on port 1 of the loopback: a refused connection, at once.
declare -A pids
timeout 20 "$worker" --prefix "$prefix" --redis redis://127.0.0.1:1/0 --idle-exit 2 \
    2>"$dir/redis-flag.log" &
pids[redis-flag]=$!
TRAWL_REDIS_URL=redis://127.0.0.1:1/0 timeout 20 "$worker" --prefix "$prefix" --idle-exit 2 \
    2>"$dir/redis-env.log" &
pids[redis-env]=$!
timeout 20 "$worker" --prefix "$prefix" --amqp amqp://guest:guest@127.0.0.1:1 --idle-exit 2 \
    2>"$dir/amqp-flag.log" &
pids[amqp-flag]=$!
TRAWL_AMQP_URL=amqp://guest:guest@127.0.0.1:1 timeout 20 "$worker" --prefix "$prefix" \
    --idle-exit 2 \
    2>"$dir/amqp-env.log" &
pids[amqp-env]=$!

# A loopback page without --allow-private, and a closed port with it (a transient connect
# error: tried again after a wait in a delay queue).
printf 'http://127.0.0.2:%s/?blocked=%s\n' "$NGINX_PORT" "$prefix" |
    "$BUILD/producer/trawl-producer" --prefix "$prefix-blocked" 2>"$dir/producer-blocked.log"
"$worker" --prefix "$prefix-blocked" --idle-exit 1 2>"$dir/blocked.log" &
blocked=$!
echo "http://127.0.0.1:1/?retry=$prefix" |
    "$BUILD/producer/trawl-producer" --prefix "$prefix-retry" 2>"$dir/producer-retry.log"
"$worker" --prefix "$prefix-retry" --idle-exit 1 --allow-private --ignore-robots \
    --max-attempts 2 --progress 0.5 2>"$dir/retry.log" &
retry=$!

expect_give_up redis-flag "Redis at 127.0.0.1:1" --redis "--redis or TRAWL_REDIS_URL"
expect_give_up redis-env "Redis at 127.0.0.1:1" TRAWL_REDIS_URL "--redis or TRAWL_REDIS_URL"
expect_give_up amqp-flag "RabbitMQ at 127.0.0.1:1" --amqp "--amqp or TRAWL_AMQP_URL"
expect_give_up amqp-env "RabbitMQ at 127.0.0.1:1" TRAWL_AMQP_URL "--amqp or TRAWL_AMQP_URL"
grep -F -q "connection refused" "$dir/amqp-flag.log" ||
    e2e_fail "a refused connection is not called one: $(grep -F -m1 "cannot start" "$dir/amqp-flag.log")"
# Logged sparingly: the first failure and the give-up, not a line per attempt.
n=$(e2e_count_logged "connect failed" "$dir/redis-flag.log")
((n == 1)) || e2e_fail "redis-flag: $n 'connect failed' lines in 2 s, want 1"

e2e_wait_pids 60 "$blocked"
e2e_dump "$prefix-blocked" dead "$dir/dead-blocked.jsonl"
/usr/bin/python3 - "$dir/dead-blocked.jsonl" <<'PY'
import json, sys
dead = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if len(dead) != 1 or dead[0].get("error") != "blocked_address":
    sys.exit(f"want one blocked_address dead letter, got {dead}")
detail = dead[0].get("detail", "")
print("blocked_address detail:", detail)
if "127.0.0.2 is a loopback address" not in detail or "--allow-private" not in detail:
    sys.exit(f"the detail does not say how to allow the address: {detail!r}")
PY

e2e_wait_pids 60 "$retry"
# While the URL waited in a delay queue, a progress line said so.
waiting=$(awk '/ progress / { for (i = 1; i <= NF; i++) if ($i ~ /^retry_waiting=[1-9]/) n++ }
               END { print n + 0 }' "$dir/retry.log")
((waiting >= 1)) || e2e_fail "no progress line with retry_waiting>=1: $(grep -m3 ' progress ' "$dir/retry.log")"
awk '/ progress / && / retry_waiting=[1-9]/ { print "progress:", $0; exit }' "$dir/retry.log" |
    grep -o 'retries=[0-9]* retry_waiting=[0-9]* retry_next_s=[0-9]*'
awk '/ progress / && / retry_waiting=[1-9]/ && !/ retry_next_s=[1-9]/ { bad = 1 }
     END { exit bad }' "$dir/retry.log" || e2e_fail "retry_waiting>=1 with retry_next_s=0"
# The last progress line (at exit) has nothing waiting.
last=$(awk '/ progress / { l = $0 } END { print l }' "$dir/retry.log")
[[ $last == *" retry_waiting=0 retry_next_s=0 "* ]] || e2e_fail "at exit: $last"
e2e_dump "$prefix-retry" dead "$dir/dead-retry.jsonl"
grep -q '"error": *"connect"' "$dir/dead-retry.jsonl" ||
    e2e_fail "the closed port is not a connect dead letter: $(cat "$dir/dead-retry.jsonl")"
# Run with the sanitizer build too (BUILD=build-san): every exit path is clean.
e2e_no_sanitizer_reports "$dir"/*.log
echo "ok"
