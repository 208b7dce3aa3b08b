# e2e.sh -- helpers for tests/e2e/*.sh: sourced after env.sh, with tests/run's environment
# (TRAWL_ROOT, BUILD, BUILD_SAN, TRAWL_AMQP_URL, TRAWL_REDIS_URL, NGINX_PORT, NGINX_ACCESS_LOG,
# SITE_DIR, TRAWL_RUN_DIR). Every wait here has a deadline.

source "$TRAWL_ROOT/tests/lib/env.sh"

# At exit, whatever the outcome: the registered commands, then SIGTERM to every process this
# script started and left running (workers of a failed test, helper servers).
_E2E_AT_EXIT=()
e2e_at_exit()
{
    _E2E_AT_EXIT+=("$1")
}
_e2e_cleanup()
{
    local cmd
    for cmd in "${_E2E_AT_EXIT[@]}"; do
        eval "$cmd" || true
    done
    pkill -TERM -P $$ 2>/dev/null || true
}
trap _e2e_cleanup EXIT

# A per-test directory for logs and outputs, kept inside the run directory.
e2e_dir()
{
    local d="$TRAWL_RUN_DIR/e2e/$1"
    mkdir -p "$d"
    echo "$d"
}

e2e_fail()
{
    echo "FAIL: $*" >&2
    exit 1
}

# e2e_wait_pids SECONDS PID... -- waits for every PID to exit, each exit status 0; on the
# deadline, kills them and fails.
e2e_wait_pids()
{
    local deadline=$((SECONDS + $1)) pid rc=0
    shift
    for pid in "$@"; do
        while kill -0 "$pid" 2>/dev/null; do
            if ((SECONDS >= deadline)); then
                kill -9 "$@" 2>/dev/null || true
                e2e_fail "processes $* still running after the deadline"
            fi
            sleep 0.2
        done
        wait "$pid" || rc=$?
        ((rc == 0)) || e2e_fail "process $pid exited with status $rc"
    done
}

# e2e_queue_counts PREFIX -- prints "NAME READY UNACKED" for each of the prefix's queues.
e2e_queue_counts()
{
    trawl_rabbitmqctl list_queues -q name messages_ready messages_unacknowledged |
        awk -v p="$1." 'index($1, p) == 1 { print $1, $2, $3 }'
}

# e2e_assert_queues_empty PREFIX -- every queue of the prefix holds nothing, acked or not.
# The broker's counters lag the queues by a few seconds (quorum queues publish them
# periodically), so this waits up to 30 s for them to read zero.
e2e_assert_queues_empty()
{
    local counts deadline=$((SECONDS + 30))
    while :; do
        counts=$(e2e_queue_counts "$1")
        [[ -n $counts ]] || e2e_fail "no queues found for prefix $1"
        awk '$2 != 0 || $3 != 0 { bad = 1 } END { exit bad }' <<<"$counts" && return 0
        ((SECONDS < deadline)) || e2e_fail "queues not empty: $(tr '\n' ';' <<<"$counts")"
        sleep 0.5
    done
}

# e2e_dump PREFIX QUEUE FILE -- drains the queue into FILE (JSON lines).
e2e_dump()
{
    timeout 120 "$BUILD/dump/trawl-dump" --prefix "$1" --queue "$2" --output "$3" \
        --idle-exit 1 --log-level warn
    [[ -f $3 ]] || : >"$3"
}

# e2e_no_sanitizer_reports FILE... -- fails when ASan/UBSan/LSan wrote a report.
e2e_no_sanitizer_reports()
{
    local f
    for f in "$@"; do
        if grep -E -q 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
            grep -E -m5 -A10 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" >&2
            e2e_fail "sanitizer report in $f"
        fi
    done
}
