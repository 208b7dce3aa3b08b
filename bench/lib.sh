# shellcheck shell=bash
# bench/lib.sh -- what bench/run and bench/feeds share: logging, spawning tracked processes,
# /usr/bin/time and /proc readings, the consumer wait, the record watcher, our own RabbitMQ and
# Redis (their PIDs, for the pipeline's CPU) and the trawl programs. It only defines: source it
# first; the functions need tests/lib/env.sh sourced and trawl_tmpdir called, and read BENCH_TMP
# and BUILD_DIR.

log() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# bench_spawn NAME CMD...: runs CMD in the background in a process group of its own (setsid
# execs without forking here, so $! is CMD, still our child for `wait`), tracked by env.sh so
# that its exit trap stops the whole group (a /usr/bin/time wrapper and the program it runs).
# Sets SPAWNED_PID.
bench_spawn() {
    local name=$1; shift
    setsid "$@" </dev/null &
    SPAWNED_PID=$!
    trawl_track "$name" "$SPAWNED_PID"
}

# time_field FILE LABEL: a value from a /usr/bin/time -v report.
time_field() { awk -F': ' -v k="$2" '$1 ~ k {print $2; exit}' "$1"; }

CONSUMER_WAIT=60        # seconds at most for the workers and the dump to become consumers
CLK_TCK=$(getconf CLK_TCK)

# watch_lines FILE TARGET STOPFILE [ROLE:PID...]: prints "COUNT EPOCH" once FILE has TARGET
# lines, or once STOPFILE exists and FILE stopped growing; EPOCH is when the line count last
# grew. Then one line "ROLE PID TICKS" per ROLE:PID: user+sys CPU of PID in clock ticks, read
# from /proc/PID/stat each time the count grew (so: at EPOCH); "-" if it could not be read.
# Reads the file incrementally (each byte once) every 20 ms.
# shellcheck disable=SC2034  # used by the scripts that source this file
WATCH_LINES_PY='
import os, sys, time
path, target, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
procs = [a.split(":", 1) for a in sys.argv[4:]]

def ticks(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(b")") + 2:].split()   # from field 3 (state) on
    return int(fields[11]) + int(fields[12])  # utime, stime

cpu = {pid: None for _, pid in procs}
count, last, pos = 0, 0.0, 0
while True:
    try:
        with open(path, "rb") as f:
            f.seek(pos)
            data = f.read()
    except FileNotFoundError:
        data = b""
    if data:
        pos += len(data)
        n = data.count(b"\n")
        if n:
            count += n
            last = time.time()
            for _, pid in procs:
                t = ticks(pid)
                if t is not None:
                    cpu[pid] = t
    if count >= target or (not data and os.path.exists(stop)):
        break
    time.sleep(0.02)
print(count, f"{last:.3f}")
for role, pid in procs:
    print(role, pid, "-" if cpu[pid] is None else cpu[pid])
'

# cpu_ticks PID: user+sys CPU of PID so far, in clock ticks (fields 14 and 15 of /proc/PID/stat,
# counted after the command name, which may hold spaces).
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo -; }

# proc_name PID: the command name of PID, or nothing.
proc_name() { cat "/proc/$1/comm" 2>/dev/null || true; }

# wait_pid PID DEADLINE WHAT: waits for our child PID to exit (a non-zero status is logged),
# or gives up at DEADLINE ($SECONDS).
wait_pid() {
    local pid=$1 deadline=$2 what=$3 rc=0
    while kill -0 "$pid" 2>/dev/null \
        && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; do
        (( SECONDS < deadline )) || die "$what still running at the deadline"
        sleep 0.1
    done
    wait "$pid" || rc=$?
    (( rc == 0 )) || log "warning: $what exited with status $rc"
}

# wait_consumers PREFIX W DIR PID...: returns once each of the W workers logged "consuming"
# PREFIX.urls (in DIR/worker1.err ... DIR/workerW.err) and, when the broker is ours (OWN_BROKER),
# RabbitMQ lists W consumers on PREFIX.urls and one (the dump) on PREFIX.records. Fails the
# benchmark when one of PID... exits first, or after CONSUMER_WAIT seconds.
wait_consumers() {
    local prefix=$1 w=$2 dir=$3; shift 3
    local deadline=$((SECONDS + CONSUMER_WAIT)) t0=$SECONDS pid i n listing=""
    while :; do
        for pid in "$@"; do
            [[ -e /proc/$pid && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] \
                || die "a trawl process (pid $pid) exited before consuming; see $dir/*.err"
        done
        n=0
        for ((i = 1; i <= w; i++)); do
            if grep -F "$prefix.urls" "$dir/worker$i.err" 2>/dev/null \
                | grep -cE '(: consuming |"msg":"consuming")' >/dev/null; then
                n=$((n + 1))
            fi
        done
        if (( n == w )); then
            if (( ! OWN_BROKER )); then
                log "workers consuming after $((SECONDS - t0)) s (the dump's consumer is not checked:" \
                    "rabbitmqctl does not reach a broker given by TRAWL_AMQP_URL)"
                return 0
            fi
            listing=$(trawl_rabbitmqctl -q list_queues name consumers 2>&1) || true
            if awk -v u="$prefix.urls" -v r="$prefix.records" -v w="$w" \
                '$1 == u && $2 == w { a = 1 } $1 == r && $2 >= 1 { b = 1 } END { exit !(a && b) }' \
                <<<"$listing"; then
                log "consumers: $w on $prefix.urls, the dump on $prefix.records (after $((SECONDS - t0)) s)"
                return 0
            fi
        fi
        (( SECONDS < deadline )) || die "the consumers were not all there after $CONSUMER_WAIT s" \
            "($n of $w workers logged consuming; rabbitmqctl list_queues: $(grep -F "$prefix." <<<"$listing" | tr '\n' ' '))"
        sleep 0.2
    done
}

# bench_programs: sets PRODUCER, WORKER and DUMP to the programs in BUILD_DIR, built there
# (env.sh's trawl_build) when one is missing.
bench_programs() {
    local b
    PRODUCER=$BUILD_DIR/producer/trawl-producer
    WORKER=$BUILD_DIR/worker/trawl-worker
    DUMP=$BUILD_DIR/dump/trawl-dump
    if [[ ! -x $PRODUCER || ! -x $WORKER || ! -x $DUMP ]]; then
        log "building into $BUILD_DIR"
        trawl_build "$BUILD_DIR" >"$BENCH_TMP/build.log" 2>&1 \
            || { tail -n 40 "$BENCH_TMP/build.log" >&2; die "build failed"; }
    fi
    for b in "$PRODUCER" "$WORKER" "$DUMP"; do
        [[ -x $b ]] || die "$b is missing after the build"
    done
}

# bench_start_servers: a Redis and a RabbitMQ of our own (env.sh), unless TRAWL_REDIS_URL and
# TRAWL_AMQP_URL name servers to use. Sets OWN_BROKER (1: rabbitmqctl reaches the broker),
# BROKER_CPU_PID and REDIS_CPU_PID (empty when not ours: the pipeline CPU is then n/a).
bench_start_servers() {
    local pid
    # Our own servers: their CPU counts in the pipeline figure, and rabbitmqctl reaches the
    # broker (the consumer check).
    OWN_BROKER=0 BROKER_CPU_PID="" REDIS_CPU_PID=""
    if [[ -z ${TRAWL_REDIS_URL:-} ]]; then
        trawl_start_redis || die "redis did not start"
        for pid in "$REDIS_PID" "$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)"; do
            if [[ -n $pid && $(proc_name "$pid") == redis-server ]]; then REDIS_CPU_PID=$pid; break; fi
        done
        [[ -n $REDIS_CPU_PID ]] || log "warning: no redis-server process found: pipeline CPU n/a"
    fi
    if [[ -z ${TRAWL_AMQP_URL:-} ]]; then
        trawl_start_rabbitmq || die "rabbitmq did not start"
        OWN_BROKER=1
        pid=$(cat "$RABBITMQ_DIR/rabbitmq.pid" 2>/dev/null || true)
        if [[ -n $pid && $(proc_name "$pid") == beam.smp ]]; then BROKER_CPU_PID=$pid
        else log "warning: no beam.smp process in $RABBITMQ_DIR/rabbitmq.pid: pipeline CPU n/a"; fi
    fi
}

# pipeline_cpu NREC PRODUCER_CPU CPU_START WATCH_OUT: the pipeline's CPU in ms per record over
# the timed window: per role, the ticks at the last record (WATCH_OUT, from watch_lines) less
# the ticks at the start (CPU_START: "ROLE PID TICKS" lines), and the producer's whole run
# (PRODUCER_CPU seconds). Prints "TOTAL role=MS ..."; TOTAL is "n/a" when a server is not
# ours or a reading is missing.
pipeline_cpu() {
    local nrec=$1 producer_cpu=$2
    awk -v hz="$CLK_TCK" -v p="$nrec" -v prod="$producer_cpu" \
        -v complete="$(( ${#BROKER_CPU_PID} > 0 && ${#REDIS_CPU_PID} > 0 ))" '
        FNR == NR { start[$2] = $3; next }
        FNR == 1 { next }                       # watch.out: the count line
        { if ($3 == "-" || start[$2] == "-" || start[$2] == "") { bad = 1; next }
          d[$1] += ($3 - start[$2]) / hz }
        END {
            d["producer"] = prod
            line = ""
            n = split("workers dump producer broker redis", roles, " ")
            for (i = 1; i <= n; i++) {
                if (!(roles[i] in d)) continue
                line = line sprintf(" %s=%.3f", roles[i], p ? d[roles[i]] * 1000 / p : 0)
                total += d[roles[i]]
            }
            if (bad || !complete || !p) printf "n/a%s\n", line
            else printf "%.3f%s\n", total * 1000 / p, line
        }' "$3" "$4"
}
