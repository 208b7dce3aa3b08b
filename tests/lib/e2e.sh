# e2e.sh -- helpers for tests/e2e/*.sh: sourced after env.sh, with tests/run's environment
# (TRAWL_ROOT, BUILD, BUILD_SAN, TRAWL_AMQP_URL, TRAWL_REDIS_URL, NGINX_PORT, NGINX_ACCESS_LOG,
# SITE_DIR, TRAWL_RUN_DIR). Every wait here has a deadline.

source "$TRAWL_ROOT/tests/lib/env.sh"

# At exit, whatever the outcome: the registered commands, then SIGTERM to every process this
# script started and left running (workers of a failed test, helper servers), except the
# run's own servers (a test may have restarted one).
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
    # Servers a test restarted are children too, but they belong to the run: spare them.
    local pid servers
    servers=" $(cat "$TRAWL_RUN_DIR"/pids/* 2>/dev/null | awk '{ print $1 }' | tr '\n' ' ') "
    for pid in $(pgrep -P $$ 2>/dev/null); do
        [[ $servers == *" $pid "* ]] || kill -TERM "$pid" 2>/dev/null || true
    done
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

# e2e_dump PREFIX QUEUE FILE -- drains the queue into FILE (JSON lines): takes, whatever the
# queue (trawl-dump only peeks at urls unless told).
e2e_dump()
{
    timeout 120 "$BUILD/dump/trawl-dump" --prefix "$1" --queue "$2" --output "$3" \
        --take --idle-exit 1 --log-level warn
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

# e2e_urls_5000 FILE -- 5,000 distinct URLs of the sample site (its pages, with a query that
# nginx ignores), for the fault runs.
e2e_urls_5000()
{
    awk '{ for (i = 0; i < 3 && n < 5000; i++) { print $0 "?copy=" i; n++ } }' \
        "$SITE_DIR/urls.txt" >"$1"
}

# e2e_report_rss LOG... -- prints each worker's peak RSS (from its last progress line) and
# fails when one passed 200 MiB.
e2e_report_rss()
{
    local f kb
    for f in "$@"; do
        kb=$(grep -o 'max_rss_kb=[0-9]*' "$f" | tail -1 | cut -d= -f2)
        echo "peak RSS $(basename "$f" .log): $((${kb:-0} / 1024)) MiB"
        ((${kb:-0} < 200 * 1024)) || e2e_fail "$f: peak RSS ${kb} KiB"
    done
}

# e2e_published DIR [GLOB] -- the records the workers published so far, summed over their
# logs DIR/GLOB (default worker*.log; expanded at each call, so logs that appear later count).
e2e_published()
{
    local f n sum=0
    for f in "$1"/${2:-worker*.log}; do
        [[ -f $f ]] || continue
        n=$(grep -o 'records=[0-9]*' "$f" | tail -1 | cut -d= -f2) || n=0
        sum=$((sum + ${n:-0}))
    done
    echo "$sum"
}

# e2e_wait_published N DIR [GLOB] -- waits (60 s at most) until the workers whose logs are
# DIR/GLOB published N records.
e2e_wait_published()
{
    local want=$1 deadline=$((SECONDS + 60))
    shift
    until (($(e2e_published "$@") >= want)); do
        ((SECONDS < deadline)) || e2e_fail "fewer than $want records after 60 s"
        sleep 0.2
    done
}

# e2e_check_outcomes PREFIX URLS DIR [--no-dead] -- drains the records and dead letters into
# DIR, checks the invariant (every URL of the file covered, repeats reported) and that every
# queue of the prefix ends empty; --no-dead also fails on any dead letter.
e2e_check_outcomes()
{
    e2e_dump "$1" records "$3/records.jsonl"
    e2e_dump "$1" dead "$3/dead.jsonl"
    /usr/bin/python3 "$TRAWL_ROOT/tests/e2e/check_invariant.py" "$2" "$3/records.jsonl" \
        "$3/dead.jsonl"
    if [[ ${4:-} == --no-dead && -s $3/dead.jsonl ]]; then
        e2e_fail "dead letters: $(head -3 "$3/dead.jsonl")"
    fi
    e2e_assert_queues_empty "$1"
}

# e2e_start_fault_server DIR [HOST] -- starts tests/fault/server.py on a free port (stopped at
# exit with the script's other children); sets FAULT_BASE=http://HOST:PORT and logs requests
# to DIR/fault.log.
e2e_start_fault_server()
{
    local line
    mkfifo "$1/fault.listening"
    /usr/bin/python3 "$TRAWL_ROOT/tests/fault/server.py" --host "${2:-127.0.0.1}" --port 0 \
        --log "$1/fault.log" >"$1/fault.listening" 2>"$1/fault.err" &
    read -r -t 15 line <"$1/fault.listening" ||
        e2e_fail "the fault server did not start: $(cat "$1/fault.err")"
    FAULT_BASE=http://${line#listening on }
}

# e2e_restart_run NAME RESTART_COMMAND -- the shape of the restart runs: 5,000 URLs of the
# sample site, three workers at 20/s per host (about 20 s of work); a quarter of the way
# through, RESTART_COMMAND runs; then the workers finish. Sets PREFIX, DIR and URLS for the
# caller's own checks.
e2e_restart_run()
{
    PREFIX=e2e-$1-$$
    DIR=$(e2e_dir "$PREFIX")
    URLS=$DIR/urls.txt
    e2e_urls_5000 "$URLS"
    "$BUILD/producer/trawl-producer" --prefix "$PREFIX" "$URLS" 2>"$DIR/producer.log"
    local i pids=()
    for i in 1 2 3; do
        "$BUILD/worker/trawl-worker" --prefix "$PREFIX" --allow-private --rate 20/s \
            --idle-exit 3 --progress 1 2>"$DIR/worker$i.log" &
        pids+=($!)
    done
    e2e_wait_published $(($(grep -c . "$URLS") / 4)) "$DIR"
    $2
    e2e_wait_pids 240 "${pids[@]}"
    e2e_report_rss "$DIR"/worker*.log
}

# e2e_count_logged TEXT FILE... -- how many lines of the files contain TEXT.
e2e_count_logged()
{
    local text=$1
    shift
    cat "$@" | grep -c -F "$text" || true
}
