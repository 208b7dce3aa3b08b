# shellcheck shell=bash
# env.sh -- installs, builds, and runs private Redis, RabbitMQ and nginx servers on free
# loopback ports for tests/run, deploy/local/crawl and bench/run. Source it from bash.
#
# Life of a run:
#   trawl_install_deps [EXTRA_PACKAGES...]
#   trawl_build build
#   trawl_tmpdir                       # sets TRAWL_RUN_DIR; stops servers and cleans up at exit
#   trawl_start_redis                  # exports TRAWL_REDIS_URL, REDIS_PORT, REDIS_PID
#   trawl_start_rabbitmq               # exports TRAWL_AMQP_URL, RABBITMQ_NODE, RABBITMQ_PID, ...
#   trawl_start_nginx SITE/www 127.0.0.2 127.0.0.3   # exports NGINX_PORT, NGINX_PID, ...
#
# Every server runs in its own session (so a Ctrl-C on the terminal reaches our trap, not the
# servers), is recorded in TRAWL_RUN_DIR/pids/NAME and is stopped by PID: TERM, a bounded wait,
# then KILL to its process group. The state needed to stop or restart a server lives in
# TRAWL_RUN_DIR/state/NAME.env, so a child script that sources this file with TRAWL_RUN_DIR
# exported (tests/e2e/*.sh) can call trawl_restart_rabbitmq or trawl_rabbitmqctl, and the
# parent's exit trap still stops whatever is running at the end.
#
# Functions return non-zero after printing "trawl: error: ..." naming what failed and its log;
# they never exit the caller's shell themselves (set -e in the caller does that).

# Sourcing twice in one shell would forget the trawl_at_exit commands: do it once.
if [[ -n ${_TRAWL_ENV_SH:-} ]]; then
    return 0
fi
_TRAWL_ENV_SH=1

TRAWL_ROOT=${TRAWL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export TRAWL_ROOT

TRAWL_DEPS_BUILD=(cmake pkg-config gcc libc6-dev librabbitmq-dev libcurl4-openssl-dev
                  libhiredis-dev libxml2-dev libjansson-dev libpsl-dev libxxhash-dev
                  libuchardet-dev libmimalloc-dev zlib1g-dev)
TRAWL_DEPS_SERVERS=(rabbitmq-server redis-server nginx-light)
TRAWL_DEPS_TOOLS=(python3 jq iproute2 procps curl)

# Debian's /usr/sbin/rabbitmq* wrappers cd to /var/lib/rabbitmq and su to the rabbitmq user,
# which drops our environment (cookie, node name, epmd port). The real scripts behind them run
# as any user, so we call those directly.
TRAWL_RABBITMQ_BIN=${TRAWL_RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}

# ---------------------------------------------------------------------------------------------
# Messages

_trawl_log()
{
    printf 'trawl: %s\n' "$*" >&2
}

_trawl_err()
{
    printf 'trawl: error: %s\n' "$*" >&2
    return 1
}

# Prints the last lines of a log file, indented, when it exists.
_trawl_tail()
{
    local file=$1 lines=${2:-20}
    if [[ -s $file ]]; then
        printf 'trawl: --- last %d lines of %s ---\n' "$lines" "$file" >&2
        tail -n "$lines" "$file" | sed 's/^/    /' >&2
    fi
}

_trawl_need_run_dir()
{
    if [[ -z ${TRAWL_RUN_DIR:-} || ! -d ${TRAWL_RUN_DIR:-} ]]; then
        _trawl_err "${FUNCNAME[1]}: no run directory; call trawl_tmpdir first"
        return 1
    fi
}

# Prints N random bytes as lower-case hex (od reads only N bytes: no SIGPIPE under pipefail).
_trawl_random_hex()
{
    od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# Monotonic-enough wall time in milliseconds (bash 5 has EPOCHREALTIME).
_trawl_now_ms()
{
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# ---------------------------------------------------------------------------------------------
# Packages and build

# trawl_install_deps [PACKAGE...] -- installs whichever of the build, server and tool packages
# (plus the ones given) dpkg does not list as installed. apt-get runs only when something is
# missing, and `apt-get update` at most once per shell. Package scripts must not start the
# servers (there is no systemd here, and we run our own on free ports): a policy-rc.d that
# denies every start is put in place for the install, and removed after it if we created it.
trawl_install_deps()
{
    local pkgs=("${TRAWL_DEPS_BUILD[@]}" "${TRAWL_DEPS_SERVERS[@]}" "${TRAWL_DEPS_TOOLS[@]}" "$@")
    local missing=() p status
    for p in "${pkgs[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || status=
        if [[ $status != *" installed" ]]; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    _trawl_log "installing missing packages: ${missing[*]}"

    local sudo=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null; then
            sudo=(sudo)
        else
            _trawl_err "packages missing (${missing[*]}) and not root: install them as root"
            return 1
        fi
    fi

    local policy=${TRAWL_POLICY_RC:-/usr/sbin/policy-rc.d} created_policy=0 rc=0
    local saved_int saved_term
    saved_int=$(trap -p INT)
    saved_term=$(trap -p TERM)
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# trawl: no service starts during package installs\nexit 101\n' |
            "${sudo[@]}" tee "$policy" >/dev/null &&
            "${sudo[@]}" chmod 755 "$policy" && created_policy=1
        # An interrupted install must not leave every future service start denied.
        # shellcheck disable=SC2064
        trap "${sudo[*]} rm -f '$policy'; exit 130" INT
        # shellcheck disable=SC2064
        trap "${sudo[*]} rm -f '$policy'; exit 143" TERM
    fi

    # Wait for a lock held by another apt (say, a first-boot upgrade) instead of failing.
    local apt_opts=(-q -o DPkg::Lock::Timeout=300)
    if [[ -z ${_TRAWL_APT_UPDATED:-} ]]; then
        "${sudo[@]}" apt-get "${apt_opts[@]}" update || rc=$?
        _TRAWL_APT_UPDATED=1
    fi
    if ((rc == 0)); then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" || rc=$?
    fi

    if ((created_policy)); then
        "${sudo[@]}" rm -f "$policy"
        eval "${saved_int:-trap - INT}"
        eval "${saved_term:-trap - TERM}"
    fi
    if ((rc != 0)); then
        _trawl_err "apt-get failed (exit $rc) installing: ${missing[*]}"
        return 1
    fi
}

# trawl_build DIR [CMAKE_ARGS...] -- configures and builds the project into DIR.
trawl_build()
{
    local dir=${1:?trawl_build: build directory}
    shift
    if ! cmake -S "$TRAWL_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"; then
        _trawl_err "cmake configure failed for $dir (see the output above, $dir/CMakeFiles/CMakeError.log)"
        return 1
    fi
    if ! cmake --build "$dir" -j"$(nproc)"; then
        _trawl_err "build failed in $dir (see the compiler output above)"
        return 1
    fi
}

# ---------------------------------------------------------------------------------------------
# Run directory, process tracking and clean-up

_TRAWL_AT_EXIT=()

# trawl_tmpdir -- creates the run directory, exports TRAWL_RUN_DIR (and RUN_DIR), and installs
# an EXIT/INT/TERM trap that runs the trawl_at_exit commands, stops every tracked process and
# removes the directory (kept when TRAWL_KEEP_TMP=1). Call it directly, not in $(...): the trap
# belongs to the calling shell. Callers must not set their own EXIT trap; use trawl_at_exit.
trawl_tmpdir()
{
    if [[ -n ${_TRAWL_RUN_DIR_OWNED:-} ]]; then
        return 0
    fi
    local base=${TMPDIR:-/tmp}
    TRAWL_RUN_DIR=$(mktemp -d "$base/trawl.XXXXXXXX") || {
        _trawl_err "mktemp -d in $base failed"
        return 1
    }
    # Servers run as the invoking user (see trawl_start_rabbitmq), but nginx's workers, when
    # started by root without "user root", and a reader from another account should still see
    # the logs: the directory is world-readable, never world-writable.
    chmod 755 "$TRAWL_RUN_DIR"
    mkdir -p "$TRAWL_RUN_DIR/pids" "$TRAWL_RUN_DIR/state"
    : >"$TRAWL_RUN_DIR/ports"
    _TRAWL_RUN_DIR_OWNED=$TRAWL_RUN_DIR
    RUN_DIR=$TRAWL_RUN_DIR
    export TRAWL_RUN_DIR RUN_DIR
    trap '_trawl_cleanup $?' EXIT
    trap '_trawl_cleanup 130; trap - EXIT; exit 130' INT
    trap '_trawl_cleanup 143; trap - EXIT; exit 143' TERM
}

# trawl_at_exit COMMAND -- runs COMMAND (a string, eval'd) at exit, before the servers stop.
trawl_at_exit()
{
    _TRAWL_AT_EXIT+=("$1")
}

# trawl_track NAME PID [GRACE_SECONDS] -- stops PID (and its process group, when it leads
# one) at exit: SIGTERM, then SIGKILL after GRACE_SECONDS (default 10).
trawl_track()
{
    _trawl_need_run_dir || return 1
    echo "$2 ${3:-}" >"$TRAWL_RUN_DIR/pids/$1"
}

# trawl_untrack NAME -- forgets a process (after the caller stopped it itself).
trawl_untrack()
{
    rm -f "${TRAWL_RUN_DIR:?}/pids/$1"
}

# True while PID exists and is not a zombie (a zombie child of ours has exited: reap it).
_trawl_alive()
{
    local pid=$1 stat
    [[ -n $pid ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    if [[ ${stat:0:1} == Z ]]; then
        wait "$pid" 2>/dev/null
        return 1
    fi
    return 0
}

# True while any process of process group PGID is alive (and not a zombie).
_trawl_group_alive()
{
    local pgid=$1 p
    for p in $(pgrep -g "$pgid" 2>/dev/null); do
        _trawl_alive "$p" && return 0
    done
    return 1
}

# _trawl_stop_pid NAME PID [GRACE_SECONDS] -- TERM, wait up to GRACE (default 10 s), then KILL.
# When PID leads its own process group (every server we spawn does), the whole group goes:
# RabbitMQ's start script, beam.smp and its helpers; nginx's master and workers.
_trawl_stop_pid()
{
    local name=$1 pid=$2 grace=${3:-10}
    local group=0 pgid
    pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || pgid=
    if [[ $pgid == "$pid" ]]; then
        group=1
    fi
    if ! _trawl_alive "$pid" && ! ((group)); then
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null
    local i steps=$((grace * 10))
    for ((i = 0; i < steps; i++)); do
        if ! _trawl_alive "$pid"; then
            if ! ((group)) || ! _trawl_group_alive "$pid"; then
                return 0
            fi
            # The leader went but left members behind: ask them too.
            kill -TERM -- "-$pid" 2>/dev/null
        fi
        sleep 0.1
    done
    _trawl_log "$name (pid $pid) still running ${grace}s after SIGTERM: sending SIGKILL"
    if ((group)); then
        kill -KILL -- "-$pid" 2>/dev/null
    else
        kill -KILL "$pid" 2>/dev/null
    fi
    for ((i = 0; i < 50; i++)); do
        _trawl_alive "$pid" || return 0
        sleep 0.1
    done
    _trawl_err "$name (pid $pid) survived SIGKILL"
}

# Prints the PID of tracked process NAME (empty when not tracked).
_trawl_tracked_pid()
{
    local pid rest
    read -r pid rest 2>/dev/null <"$TRAWL_RUN_DIR/pids/$1" || pid=
    echo "$pid"
}

# Stops the tracked process NAME, if any, and forgets it. The grace given when it was tracked
# wins over GRACE.
_trawl_stop_tracked()
{
    local name=$1 grace=${2:-10} file pid own
    file=$TRAWL_RUN_DIR/pids/$name
    [[ -f $file ]] || return 0
    read -r pid own <"$file" || true
    _trawl_stop_pid "$name" "$pid" "${own:-$grace}"
    rm -f "$file"
}

# Runs "$@" in the background in a session of its own, stdin from /dev/null, stdout and stderr
# appended to LOG; sets _TRAWL_SPAWNED_PID. Outside job control a background child is not a
# group leader, so setsid(1) calls setsid() itself and execs (no fork): $! is the server.
# Under job control (an interactive shell), the job already has its own group.
_trawl_spawn()
{
    local log=$1
    shift
    if [[ $- == *m* ]]; then
        "$@" </dev/null >>"$log" 2>&1 &
    else
        setsid "$@" </dev/null >>"$log" 2>&1 &
    fi
    _TRAWL_SPAWNED_PID=$!
    # We stop it by PID ourselves: no "Killed" job reports from bash when it goes.
    disown "$_TRAWL_SPAWNED_PID" 2>/dev/null || true
}

# trawl_cleanup [RC] -- what the exit trap does, callable earlier (tests/run calls it before
# its summary line, so that nothing is printed after it). RC is the exit status to report
# (default 0). Later calls, and the trap, do nothing.
trawl_cleanup()
{
    _trawl_cleanup "${1:-0}"
}

# The trap's body. Runs with errexit off (a clean-up step that fails must not skip the
# others) and gives the caller its errexit back.
_trawl_cleanup()
{
    local errexit=${-//[^e]/}
    set +e
    _trawl_cleanup_run "$1"
    if [[ -n $errexit ]]; then
        set -e
    fi
    return 0
}

_trawl_cleanup_run()
{
    local rc=$1
    if [[ -n ${_TRAWL_CLEANED:-} ]]; then
        return 0
    fi
    _TRAWL_CLEANED=1
    local cmd
    for cmd in "${_TRAWL_AT_EXIT[@]}"; do
        eval "$cmd"
    done
    local dir=${_TRAWL_RUN_DIR_OWNED:-}
    if [[ -z $dir || ! -d $dir ]]; then
        return 0
    fi
    TRAWL_RUN_DIR=$dir
    # Whatever callers tracked (workers, dumps) first, then the servers they talk to.
    local f name
    for f in "$dir"/pids/*; do
        [[ -e $f ]] || continue
        name=${f##*/}
        case $name in
        nginx | rabbitmq | epmd | redis) ;;
        *) _trawl_stop_tracked "$name" 10 ;;
        esac
    done
    _trawl_stop_tracked nginx 10
    _trawl_stop_tracked rabbitmq 30
    _trawl_stop_tracked epmd 5
    _trawl_stop_tracked redis 10
    if [[ ${TRAWL_KEEP_TMP:-0} == 1 ]]; then
        _trawl_log "kept run directory $dir (TRAWL_KEEP_TMP=1)"
    elif ((rc != 0)); then
        _trawl_log "exit status $rc; removing run directory $dir (set TRAWL_KEEP_TMP=1 to keep its logs)"
        rm -rf "$dir"
    else
        rm -rf "$dir"
    fi
    return 0
}

# ---------------------------------------------------------------------------------------------
# Ports

# trawl_free_port -- prints a TCP port free on every local address, never the same twice in
# one run directory. Ports come from below the kernel's ephemeral range, so an outgoing
# connection cannot take a server's port while it is down for a restart.
trawl_free_port()
{
    local used=${TRAWL_RUN_DIR:+$TRAWL_RUN_DIR/ports}
    local port
    port=$(python3 - "${used:-}" <<'EOF'
import random, socket, sys

used_file = sys.argv[1]
used = set()
if used_file:
    try:
        with open(used_file) as f:
            used = {int(x) for x in f.read().split()}
    except FileNotFoundError:
        pass
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        eph_lo = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    eph_lo = 32768
lo, hi = 15000, eph_lo - 1
rng = random.SystemRandom()
for _ in range(500):
    port = rng.randint(lo, hi) if hi - lo > 1000 else 0
    if port in used:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # No SO_REUSEADDR: a port in TIME_WAIT, or bound on any address, is skipped.
        s.bind(("0.0.0.0", port))
        port = s.getsockname()[1]
    except OSError:
        continue
    finally:
        s.close()
    if port not in used:
        print(port)
        sys.exit(0)
sys.exit("no free TCP port found")
EOF
    ) || {
        _trawl_err "trawl_free_port: no free TCP port"
        return 1
    }
    if [[ -n $used ]]; then
        echo "$port" >>"$used"
    fi
    echo "$port"
}

# Waits until CMD... succeeds: every 0.1 s, for at most SECONDS (and 10 tries a second),
# giving up early when the process PID has died. Returns 0 on success, 1 on timeout, 2 when
# the process died.
_trawl_wait_until()
{
    local seconds=$1 pid=$2
    shift 2
    local i steps=$((seconds * 10)) deadline=$(($(_trawl_now_ms) + seconds * 1000))
    for ((i = 0; i < steps; i++)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if [[ -n $pid ]] && ! _trawl_alive "$pid"; then
            return 2
        fi
        (($(_trawl_now_ms) < deadline)) || break
        sleep 0.1
    done
    return 1
}

# Saves NAME=VALUE pairs (the named variables) as shell assignments in state/NAME.env.
_trawl_save_state()
{
    local name=$1 var
    shift
    {
        for var in "$@"; do
            printf '%s=%q\n' "$var" "${!var}"
        done
    } >"$TRAWL_RUN_DIR/state/$name.env"
}

_trawl_load_state()
{
    local file=$TRAWL_RUN_DIR/state/$1.env
    if [[ ! -f $file ]]; then
        _trawl_err "${FUNCNAME[1]}: $1 was not started in $TRAWL_RUN_DIR"
        return 1
    fi
    # shellcheck disable=SC1090
    source "$file"
}

# ---------------------------------------------------------------------------------------------
# Redis

_trawl_redis_ping()
{
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]
}

# Starts redis-server on REDIS_PORT with the data in REDIS_DIR; tracks it as "redis".
# Returns 0 when it answers PING, 2 when it died (e.g. the port was taken), 1 on timeout.
_trawl_redis_launch()
{
    local dir=$REDIS_DIR port=$REDIS_PORT
    local log=$dir/redis.log
    echo "--- start $(date '+%F %T') port $port" >>"$log"
    _trawl_spawn "$log" redis-server --bind 127.0.0.1 --port "$port" --daemonize no \
        --save "" --appendonly no --dir "$dir" --pidfile "$dir/redis.pid" --logfile "" \
        --protected-mode yes --loglevel notice
    REDIS_PID=$_TRAWL_SPAWNED_PID
    trawl_track redis "$REDIS_PID"
    local rc=0
    _trawl_wait_until 20 "$REDIS_PID" _trawl_redis_ping "$port" || rc=$?
    if ((rc != 0)); then
        if ((rc == 1)); then
            _trawl_err "redis-server (pid $REDIS_PID) on 127.0.0.1:$port did not answer PING within 20 s; log: $log"
        else
            _trawl_err "redis-server exited during start-up on 127.0.0.1:$port; log: $log"
        fi
        _trawl_tail "$log"
        _trawl_stop_tracked redis 5
        return "$rc"
    fi
    export REDIS_PID REDIS_PORT
    export TRAWL_REDIS_URL=redis://127.0.0.1:$port/0
    _trawl_save_state redis REDIS_DIR REDIS_PORT REDIS_PID
}

# trawl_start_redis -- starts a private redis-server (no persistence) on a free loopback port
# and waits until it answers. Exports TRAWL_REDIS_URL, REDIS_PORT, REDIS_PID.
trawl_start_redis()
{
    _trawl_need_run_dir || return 1
    command -v redis-server >/dev/null || {
        _trawl_err "redis-server not found (package redis-server; run trawl_install_deps)"
        return 1
    }
    REDIS_DIR=$TRAWL_RUN_DIR/redis
    mkdir -p "$REDIS_DIR"
    local attempt rc=1
    for attempt in 1 2 3; do
        REDIS_PORT=$(trawl_free_port) || return 1
        rc=0
        _trawl_redis_launch || rc=$?
        # Only a server that died (the port raced with someone else) is worth a new port.
        ((rc == 2)) || break
    done
    ((rc == 0)) || return 1
    _trawl_log "redis on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID, log $REDIS_DIR/redis.log)"
}

# trawl_stop_redis [save|kill] -- stops our redis-server. Default: SIGTERM, which with no save
# points loses the data (like a crash); "save" writes a snapshot first (SHUTDOWN SAVE) so that
# trawl_restart_redis brings the keys back; "kill" sends SIGKILL at once.
trawl_stop_redis()
{
    _trawl_need_run_dir || return 1
    _trawl_load_state redis || return 1
    local how=${1:-term} pid
    pid=$(_trawl_tracked_pid redis)
    case $how in
    save) timeout 10 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown save >/dev/null 2>&1 ;;
    kill) [[ -n $pid ]] && kill -KILL -- "-$pid" 2>/dev/null ;;
    term) ;;
    *)
        _trawl_err "trawl_stop_redis: unknown mode '$how' (save|kill)"
        return 1
        ;;
    esac
    _trawl_stop_tracked redis 10
}

# trawl_restart_redis [save|kill] -- stops redis as trawl_stop_redis does and starts it again
# on the same port and directory.
trawl_restart_redis()
{
    trawl_stop_redis "$@" || return 1
    _trawl_load_state redis || return 1
    _trawl_redis_launch || return 1
    _trawl_log "redis restarted on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"
}

# ---------------------------------------------------------------------------------------------
# RabbitMQ
#
# Debian's rabbitmq-server 3.10.8 is run from /usr/lib/rabbitmq/bin as the invoking user (root
# on CI): Debian's /usr/sbin wrapper would su to "rabbitmq", cd to /var/lib/rabbitmq and drop
# our environment. Everything the node writes goes under TRAWL_RUN_DIR/rabbitmq:
#   home/.erlang.cookie   HOME for the node and for our CLI calls, so both share the cookie
#   mnesia/               RABBITMQ_MNESIA_BASE (queues, quorum logs; kept across restarts)
#   log/                  RABBITMQ_LOG_BASE (the node's log: log/$RABBITMQ_NODENAME.log)
#   server.log            stdout/stderr of the start script
# The node registers with an epmd of its own (ERL_EPMD_PORT, a free port) which we start and
# stop, instead of the machine's epmd on 4369 that Erlang would otherwise start as a daemon
# and leave behind.

# Runs a RabbitMQ CLI tool against our node: same HOME (cookie) and epmd port.
_trawl_rabbit_cli()
{
    local tool=$1
    shift
    HOME=$RABBITMQ_DIR/home ERL_EPMD_PORT=$RABBITMQ_EPMD_PORT \
        RABBITMQ_CONF_ENV_FILE=$RABBITMQ_DIR/rabbitmq-env.conf \
        "$TRAWL_RABBITMQ_BIN/$tool" "$@"
}

# trawl_rabbitmqctl ARGS... -- rabbitmqctl against our node (e.g. trawl_rabbitmqctl
# list_queues name messages). Works from child scripts that have TRAWL_RUN_DIR exported.
trawl_rabbitmqctl()
{
    _trawl_need_run_dir || return 1
    _trawl_load_state rabbitmq || return 1
    _trawl_rabbit_cli rabbitmqctl -n "$RABBITMQ_NODE" "$@"
}

# trawl_rabbitmq_diagnostics ARGS... -- the same for rabbitmq-diagnostics.
trawl_rabbitmq_diagnostics()
{
    _trawl_need_run_dir || return 1
    _trawl_load_state rabbitmq || return 1
    _trawl_rabbit_cli rabbitmq-diagnostics -n "$RABBITMQ_NODE" "$@"
}

# True once the AMQP listener answers a protocol header with connection.start (frame type 1,
# channel 0): the broker accepts AMQP, not merely TCP.
_trawl_amqp_ready()
{
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"AMQP\x00\x00\x09\x01")
head = s.recv(7)
sys.exit(0 if len(head) == 7 and head[0] == 1 and head[1:3] == b"\x00\x00" else 1)
EOF
}

_trawl_epmd_up()
{
    ERL_EPMD_PORT=$1 epmd -names
}

# Starts our epmd (if it is not running) and the node; tracks them as "epmd" and "rabbitmq".
_trawl_rabbit_launch()
{
    local dir=$RABBITMQ_DIR
    local log=$dir/server.log
    local epmd_pid
    epmd_pid=$(_trawl_tracked_pid epmd)
    if ! _trawl_alive "$epmd_pid"; then
        _trawl_spawn "$dir/epmd.log" epmd -port "$RABBITMQ_EPMD_PORT" -address 127.0.0.1
        epmd_pid=$_TRAWL_SPAWNED_PID
        trawl_track epmd "$epmd_pid"
        if ! _trawl_wait_until 10 "$epmd_pid" _trawl_epmd_up "$RABBITMQ_EPMD_PORT"; then
            _trawl_err "epmd on port $RABBITMQ_EPMD_PORT did not start; log: $dir/epmd.log"
            _trawl_tail "$dir/epmd.log"
            _trawl_stop_tracked epmd 5
            return 2
        fi
    fi

    local t0 t1
    t0=$(_trawl_now_ms)
    echo "--- start $(date '+%F %T') node $RABBITMQ_NODE port $RABBITMQ_PORT" >>"$log"
    # env(1) rather than a subshell, so that the start script stays our child (and is reaped).
    _trawl_spawn "$log" env -u RABBITMQ_ALLOW_INPUT -u NOTIFY_SOCKET -u RABBITMQ_ENABLED_PLUGINS \
        HOME="$dir/home" \
        ERL_EPMD_PORT="$RABBITMQ_EPMD_PORT" \
        RABBITMQ_NODENAME="$RABBITMQ_NODE" \
        RABBITMQ_USE_LONGNAME=false \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$RABBITMQ_PORT" \
        RABBITMQ_DIST_PORT="$RABBITMQ_DIST_PORT" \
        RABBITMQ_MNESIA_BASE="$dir/mnesia" \
        RABBITMQ_LOG_BASE="$dir/log" \
        RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
        RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
        RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
        "$TRAWL_RABBITMQ_BIN/rabbitmq-server"
    RABBITMQ_PID=$_TRAWL_SPAWNED_PID
    trawl_track rabbitmq "$RABBITMQ_PID"

    local rc=0
    _trawl_wait_until 60 "$RABBITMQ_PID" _trawl_amqp_ready "$RABBITMQ_PORT" || rc=$?
    if ((rc == 0)); then
        # The listener opens late in the boot; await_startup confirms the boot finished and
        # that the CLI tools reach the node (cookie, epmd).
        if ! _trawl_rabbit_cli rabbitmqctl -q -n "$RABBITMQ_NODE" await_startup --timeout 30 \
            >>"$log" 2>&1; then
            _trawl_err "rabbitmqctl await_startup against $RABBITMQ_NODE failed; logs: $log, $dir/log/"
            _trawl_tail "$log"
            _trawl_tail "$dir/log/$RABBITMQ_NODE.log"
            _trawl_stop_tracked rabbitmq 30
            return 1
        fi
    else
        if ((rc == 1)); then
            _trawl_err "rabbitmq-server ($RABBITMQ_NODE, pid $RABBITMQ_PID) did not accept AMQP on 127.0.0.1:$RABBITMQ_PORT within 60 s; logs: $log, $dir/log/"
        else
            _trawl_err "rabbitmq-server ($RABBITMQ_NODE) exited during start-up; logs: $log, $dir/log/"
        fi
        _trawl_tail "$log"
        _trawl_tail "$dir/log/$RABBITMQ_NODE.log"
        _trawl_stop_tracked rabbitmq 30
        return "$rc"
    fi
    t1=$(_trawl_now_ms)
    RABBITMQ_START_MS=$((t1 - t0))
    export RABBITMQ_PID RABBITMQ_NODE RABBITMQ_PORT RABBITMQ_START_MS
    export TRAWL_AMQP_URL=amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT
    _trawl_save_state rabbitmq RABBITMQ_DIR RABBITMQ_NODE RABBITMQ_PORT RABBITMQ_DIST_PORT \
        RABBITMQ_EPMD_PORT RABBITMQ_PID
}

# trawl_start_rabbitmq -- starts a private RabbitMQ node on free loopback ports (AMQP, Erlang
# distribution, epmd) and waits (at most 60 s) until it accepts AMQP and the CLI reaches it.
# Exports TRAWL_AMQP_URL, RABBITMQ_NODE (for rabbitmqctl -n; see trawl_rabbitmqctl),
# RABBITMQ_PORT, RABBITMQ_PID (the start script: SIGTERM stops the node cleanly) and
# RABBITMQ_START_MS (how long the start took).
trawl_start_rabbitmq()
{
    _trawl_need_run_dir || return 1
    if [[ ! -x $TRAWL_RABBITMQ_BIN/rabbitmq-server ]]; then
        _trawl_err "$TRAWL_RABBITMQ_BIN/rabbitmq-server not found (package rabbitmq-server; run trawl_install_deps)"
        return 1
    fi
    RABBITMQ_DIR=$TRAWL_RUN_DIR/rabbitmq
    mkdir -p "$RABBITMQ_DIR/home" "$RABBITMQ_DIR/mnesia" "$RABBITMQ_DIR/log"
    local cookie=$RABBITMQ_DIR/home/.erlang.cookie
    if [[ ! -f $cookie ]]; then
        # Erlang refuses a cookie file that others can read.
        (umask 077 && _trawl_random_hex 16 | tr 'a-f' 'A-F' >"$cookie")
        chmod 400 "$cookie"
    fi
    echo '[].' >"$RABBITMQ_DIR/enabled_plugins"
    : >"$RABBITMQ_DIR/rabbitmq-env.conf"
    cat >"$RABBITMQ_DIR/rabbitmq.conf" <<'EOF'
# trawl: a private single node for tests and local crawls.
log.console = false
log.file.level = info
# Small machines and tmpfs: do not block publishers on the default 50 MB disk limit guess.
disk_free_limit.absolute = 50MB
EOF
    RABBITMQ_NODE=trawl-$(_trawl_random_hex 4)@localhost
    local attempt rc=1
    for attempt in 1 2; do
        RABBITMQ_PORT=$(trawl_free_port) || return 1
        RABBITMQ_DIST_PORT=$(trawl_free_port) || return 1
        if [[ -z ${RABBITMQ_EPMD_PORT:-} || $attempt -gt 1 ]]; then
            RABBITMQ_EPMD_PORT=$(trawl_free_port) || return 1
        fi
        rc=0
        _trawl_rabbit_launch || rc=$?
        ((rc == 2)) || break
        _trawl_stop_tracked epmd 5
    done
    ((rc == 0)) || return 1
    _trawl_log "rabbitmq $RABBITMQ_NODE on 127.0.0.1:$RABBITMQ_PORT (pid $RABBITMQ_PID, started in ${RABBITMQ_START_MS} ms, logs $RABBITMQ_DIR)"
}

# trawl_stop_rabbitmq [kill] -- stops our node: SIGTERM to the start script, which shuts the
# node down cleanly (at most 30 s, then SIGKILL); "kill" sends SIGKILL at once (a crash).
# epmd stays up for a restart; the exit trap stops it.
trawl_stop_rabbitmq()
{
    _trawl_need_run_dir || return 1
    _trawl_load_state rabbitmq || return 1
    local how=${1:-term} pid
    pid=$(_trawl_tracked_pid rabbitmq)
    case $how in
    kill) [[ -n $pid ]] && kill -KILL -- "-$pid" 2>/dev/null ;;
    term) ;;
    *)
        _trawl_err "trawl_stop_rabbitmq: unknown mode '$how' (kill)"
        return 1
        ;;
    esac
    _trawl_stop_tracked rabbitmq 30
}

# trawl_restart_rabbitmq [kill] -- stops the node as trawl_stop_rabbitmq does and starts it
# again with the same name, ports and data directory (durable queues and messages survive).
trawl_restart_rabbitmq()
{
    trawl_stop_rabbitmq "$@" || return 1
    _trawl_load_state rabbitmq || return 1
    _trawl_rabbit_launch || return 1
    _trawl_log "rabbitmq restarted on 127.0.0.1:$RABBITMQ_PORT (pid $RABBITMQ_PID, ${RABBITMQ_START_MS} ms)"
}

# ---------------------------------------------------------------------------------------------
# nginx

# trawl_site_hosts N -- prints the N loopback addresses of a sample site: 127.0.0.2 ...
trawl_site_hosts()
{
    local n=$1 i
    for ((i = 2; i < n + 2; i++)); do
        printf '127.0.0.%d\n' "$i"
    done
}

_trawl_http_answers()
{
    local code
    code=$(curl -s --noproxy '*' -o /dev/null -m 2 -w '%{http_code}' "http://$1/") || true
    [[ -n $code && $code != 000 ]]
}

_trawl_nginx_all_answer()
{
    local h
    for h in "${_TRAWL_NGINX_HOSTS[@]}"; do
        _trawl_http_answers "$h:$NGINX_PORT" || return 1
    done
}

# Writes the config for NGINX_DIR, NGINX_ROOT, NGINX_PORT and _TRAWL_NGINX_HOSTS.
_trawl_nginx_conf()
{
    local dir=$NGINX_DIR h user=
    if ((EUID == 0)); then
        # Workers would otherwise run as nobody, who cannot enter a 0700 directory.
        user='user root root;'
    fi
    local mime='types { text/html html htm; text/css css; text/plain txt; application/xml xml; application/rss+xml rss; application/atom+xml atom; application/json json; }'
    if [[ -r /etc/nginx/mime.types ]]; then
        mime='include /etc/nginx/mime.types;'
    fi
    local extra=
    if [[ -n ${TRAWL_NGINX_SERVER_CONF:-} ]]; then
        extra="include $TRAWL_NGINX_SERVER_CONF;"
    fi
    {
        cat <<EOF
# trawl: static sample site, one port on each loopback "host"; generated by tests/lib/env.sh.
daemon off;
master_process on;
worker_processes auto;
$user
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections 4096;
}
http {
    $mime
    default_type application/octet-stream;
    # Fields: time in seconds with milliseconds, Host, URI, status, body bytes, request time,
    # the address:port that took the connection, user agent.
    log_format trawl '\$msec \$host \$request_uri \$status \$body_bytes_sent \$request_time \$server_addr:\$server_port "\$http_user_agent"';
    access_log $dir/access.log trawl;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30;
    keepalive_requests 100000;
    server_tokens off;
    server {
EOF
        for h in "${_TRAWL_NGINX_HOSTS[@]}"; do
            printf '        listen %s:%s;\n' "$h" "$NGINX_PORT"
        done
        cat <<EOF
        # Each address is a host of its own: its files are under ROOT/<address>/.
        root $NGINX_ROOT/\$server_addr;
        index index.html;
        $extra
    }
}
EOF
    } >"$dir/nginx.conf"
}

# trawl_start_nginx [-p PORT] DIR HOST... -- serves the static tree DIR with nginx, on one port
# (free, or PORT) on each of the loopback addresses HOST (127.0.0.2 ...); requests to address A
# are served from DIR/A/. Waits (at most 20 s) until every address answers. Exports
# NGINX_PORT, NGINX_PID, NGINX_ACCESS_LOG (fields: msec host uri status bytes request_time
# addr:port "user agent") and NGINX_ERROR_LOG. TRAWL_NGINX_SERVER_CONF, when set, names a file
# included inside the server block (extra locations for a test).
trawl_start_nginx()
{
    _trawl_need_run_dir || return 1
    local want_port=
    if [[ ${1:-} == -p ]]; then
        want_port=${2:?trawl_start_nginx: -p PORT}
        shift 2
    fi
    local root=${1:?trawl_start_nginx: DIR HOST...}
    shift
    if (($# == 0)); then
        _trawl_err "trawl_start_nginx: no host address given"
        return 1
    fi
    if [[ ! -d $root ]]; then
        _trawl_err "trawl_start_nginx: $root is not a directory"
        return 1
    fi
    command -v nginx >/dev/null || {
        _trawl_err "nginx not found (package nginx-light; run trawl_install_deps)"
        return 1
    }
    NGINX_ROOT=$(cd "$root" && pwd)
    _TRAWL_NGINX_HOSTS=("$@")
    NGINX_DIR=$TRAWL_RUN_DIR/nginx
    mkdir -p "$NGINX_DIR/tmp"
    NGINX_ACCESS_LOG=$NGINX_DIR/access.log
    NGINX_ERROR_LOG=$NGINX_DIR/error.log
    : >"$NGINX_ACCESS_LOG"
    local attempt rc=1
    for attempt in 1 2 3; do
        NGINX_PORT=${want_port:-$(trawl_free_port)} || return 1
        _trawl_nginx_conf
        if ! nginx -t -q -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_ERROR_LOG" \
            >>"$NGINX_DIR/server.log" 2>&1; then
            _trawl_err "nginx rejected its config $NGINX_DIR/nginx.conf; log: $NGINX_DIR/server.log"
            _trawl_tail "$NGINX_DIR/server.log"
            return 1
        fi
        _trawl_spawn "$NGINX_DIR/server.log" nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" \
            -e "$NGINX_ERROR_LOG"
        NGINX_PID=$_TRAWL_SPAWNED_PID
        trawl_track nginx "$NGINX_PID"
        rc=0
        _trawl_wait_until 20 "$NGINX_PID" _trawl_nginx_all_answer || rc=$?
        if ((rc == 0)); then
            # Our readiness probes are not requests a test should count.
            : >"$NGINX_ACCESS_LOG"
            break
        fi
        if ((rc == 1)); then
            _trawl_err "nginx (pid $NGINX_PID) did not answer on port $NGINX_PORT of $* within 20 s; logs: $NGINX_ERROR_LOG, $NGINX_DIR/server.log"
        else
            _trawl_err "nginx exited during start-up on port $NGINX_PORT; logs: $NGINX_ERROR_LOG, $NGINX_DIR/server.log"
        fi
        _trawl_tail "$NGINX_ERROR_LOG"
        _trawl_tail "$NGINX_DIR/server.log"
        _trawl_stop_tracked nginx 5
        # A bind failure on a free port we chose is worth another port, not a fixed one.
        if ((rc == 1)) || [[ -n $want_port ]]; then
            break
        fi
    done
    ((rc == 0)) || return 1
    export NGINX_PORT NGINX_PID NGINX_ACCESS_LOG NGINX_ERROR_LOG NGINX_ROOT
    _trawl_save_state nginx NGINX_DIR NGINX_PORT NGINX_PID NGINX_ROOT
    _trawl_log "nginx serving $NGINX_ROOT on port $NGINX_PORT of $# address(es) (pid $NGINX_PID, access log $NGINX_ACCESS_LOG)"
}

# trawl_stop_nginx -- stops our nginx.
trawl_stop_nginx()
{
    _trawl_need_run_dir || return 1
    _trawl_stop_tracked nginx 10
}
