# shellcheck shell=bash
# shellcheck disable=SC2034 # NETNS_*, FAULT_* are set for the calling script
# netns.sh -- workers on separate "machines" for tests/e2e/*.sh: sourced after tests/lib/e2e.sh.
# Needs root and iproute2 (ip netns, bridge, veth).
#
#   e2e_netns_up COUNT            a bridge on the host (NETNS_GW=10.A.B.1/24) and COUNT network
#                                 namespaces 1..COUNT, namespace I at 10.A.B.(10+I) on a veth
#                                 whose host end is a port of the bridge; RabbitMQ and Redis
#                                 (on loopback) forwarded onto NETNS_GW (NETNS_FORWARD_PID);
#                                 all removed at exit, whatever the outcome
#   e2e_netns_worker I LOG ARGS.. trawl-worker in namespace I, its --amqp and --redis on
#                                 NETNS_GW, stderr to LOG; sets NETNS_WORKER_PID
#   e2e_netns_fault_server DIR [SERVER_ARGS...]
#                                 tests/fault/server.py on NETNS_GW with --log DIR/fault.log and
#                                 --events DIR/events.log; sets FAULT_BASE, FAULT_PID
#   e2e_netns_cut I, e2e_netns_restore I
#                                 namespace I's link down / up (its host end)
#   e2e_netns_name I, e2e_netns_ip I, e2e_netns_index IP[:PORT]
#                                 namespace I's name, its address; the I of an address
#
# Every namespace reaches one address, NETNS_GW, for everything: the broker, Redis and the test's
# HTTP servers (which listen there), so a site is one host whoever fetches it, and the server
# tells the workers apart by their client address (10.A.B.(10+I)). Every wait has a deadline.

NETNS_NAMES=
NETNS_GW=
_NETNS_NS=()      # [I] namespace name
_NETNS_HOST_IF=() # [I] host end of namespace I's veth
_NETNS_BRIDGE=
_NETNS_NET=       # "10.A.B."
NETNS_WORKER_PID=
NETNS_WORKER_OF=() # [I] PID of the last worker started in namespace I

# At exit: whatever still runs in our namespaces (workers this script started, which could not
# drain without the network anyway) is killed, then the namespaces, links and bridge go.
_netns_cleanup()
{
    local i pid
    for i in "${!_NETNS_NS[@]}"; do
        for pid in $(ip netns pids "${_NETNS_NS[i]}" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
    for i in "${!_NETNS_NS[@]}"; do
        ip netns del "${_NETNS_NS[i]}" 2>/dev/null || true
        ip link del "${_NETNS_HOST_IF[i]}" 2>/dev/null || true
    done
    [[ -z $_NETNS_BRIDGE ]] || ip link del "$_NETNS_BRIDGE" 2>/dev/null || true
}

# 10.A.B.0/24 with A in 150..199 (46-network-cut.sh takes 200..249) from our PID, skipping a
# /24 that the host already has an address or a route inside.
_netns_pick_net()
{
    local a b try
    for ((try = 0; try < 100; try++)); do
        a=$((150 + ($$ + try) % 50))
        b=$((($$ / 50 + try * 7) % 250))
        if [[ -z $(ip -o -4 addr show to "10.$a.$b.0/24") &&
            -z $(ip -4 route show root "10.$a.$b.0/24") ]]; then
            echo "10.$a.$b."
            return 0
        fi
    done
    e2e_fail "no free 10.x.y.0/24 for the namespaces"
}

# The port of a URL of the form scheme://[user:pass@]host:port[/...].
_netns_url_port()
{
    local rest=${1#*://}
    rest=${rest##*@}
    rest=${rest%%/*}
    [[ $rest == *:* ]] || e2e_fail "no port in $1"
    echo "${rest##*:}"
}

# The URL with its host replaced by NETNS_GW (user, password, port and path kept).
_netns_url_on_gw()
{
    local scheme=${1%%://*} rest=${1#*://} user='' path=
    if [[ $rest == *@* ]]; then
        user=${rest%@*}@
        rest=${rest##*@}
    fi
    if [[ $rest == */* ]]; then
        path=/${rest#*/}
        rest=${rest%%/*}
    fi
    echo "$scheme://$user$NETNS_GW:${rest##*:}$path"
}

# e2e_netns_up COUNT
e2e_netns_up()
{
    local count=$1 i
    ((count >= 1 && count <= 200)) || e2e_fail "e2e_netns_up: COUNT from 1 to 200"
    _NETNS_NET=$(_netns_pick_net)
    NETNS_GW=${_NETNS_NET}1
    _NETNS_BRIDGE=tnb$$
    e2e_at_exit _netns_cleanup
    # bash skips the EXIT trap when a signal kills it (tests/run's timeout sends SIGTERM):
    # exit on one instead, so the namespaces, links and bridge still go.
    local sig
    for sig in TERM INT HUP; do
        # shellcheck disable=SC2064 # the status is computed now, on purpose
        [[ -n $(trap -p "$sig") ]] || trap "exit $((128 + $(kill -l "$sig")))" "$sig"
    done
    ip link add "$_NETNS_BRIDGE" type bridge forward_delay 0 stp_state 0
    ip addr add "$NETNS_GW/24" dev "$_NETNS_BRIDGE"
    ip link set "$_NETNS_BRIDGE" up
    local names=() ns hif nif
    for ((i = 1; i <= count; i++)); do
        ns=trawl-nn-$$-$i
        hif=tn$$h$i
        nif=tn$$n$i
        _NETNS_NS[i]=$ns
        _NETNS_HOST_IF[i]=$hif
        names+=("$ns")
        ip netns add "$ns"
        ip link add "$hif" type veth peer name "$nif"
        ip link set "$nif" netns "$ns"
        ip link set "$hif" master "$_NETNS_BRIDGE"
        ip link set "$hif" up
        ip netns exec "$ns" ip addr add "$_NETNS_NET$((10 + i))/24" dev "$nif"
        ip netns exec "$ns" ip link set "$nif" up
        ip netns exec "$ns" ip link set lo up
    done
    NETNS_NAMES=${names[*]}
    export NETNS_GW NETNS_NAMES

    # The broker and Redis listen on loopback: one forwarder puts both on NETNS_GW.
    local amqp_port redis_port dir fifo
    amqp_port=$(_netns_url_port "$TRAWL_AMQP_URL")
    redis_port=$(_netns_url_port "$TRAWL_REDIS_URL")
    dir=$TRAWL_RUN_DIR/e2e/netns-$$
    mkdir -p "$dir"
    fifo=$dir/forward.ready
    rm -f "$fifo"
    mkfifo "$fifo"
    /usr/bin/python3 "$TRAWL_ROOT/tests/lib/tcp_forward.py" \
        "$NETNS_GW:$amqp_port" "127.0.0.1:$amqp_port" \
        "$NETNS_GW:$redis_port" "127.0.0.1:$redis_port" >"$fifo" 2>"$dir/forward.err" &
    NETNS_FORWARD_PID=$!
    read -r -t 15 _ <"$fifo" || e2e_fail "the forwarder did not start: $(cat "$dir/forward.err")"

    # Every namespace reaches both ports through the bridge (bounded: 10 s each).
    local port deadline
    for ((i = 1; i <= count; i++)); do
        for port in "$amqp_port" "$redis_port"; do
            deadline=$((SECONDS + 10))
            until ip netns exec "${_NETNS_NS[i]}" timeout 2 \
                bash -c "exec 3<>/dev/tcp/$NETNS_GW/$port" 2>/dev/null; do
                ((SECONDS < deadline)) ||
                    e2e_fail "namespace $i cannot reach $NETNS_GW:$port"
                sleep 0.2
            done
        done
    done
}

e2e_netns_name()
{
    [[ -n ${_NETNS_NS[$1]:-} ]] || e2e_fail "no namespace $1"
    echo "${_NETNS_NS[$1]}"
}

e2e_netns_ip()
{
    [[ -n ${_NETNS_NS[$1]:-} ]] || e2e_fail "no namespace $1"
    echo "$_NETNS_NET$((10 + $1))"
}

# e2e_netns_index IP[:PORT] -- the I of namespace I's address (fails for another address).
e2e_netns_index()
{
    local ip=${1%:*} i
    for i in "${!_NETNS_NS[@]}"; do
        [[ $ip == "$_NETNS_NET$((10 + i))" ]] && echo "$i" && return 0
    done
    e2e_fail "$1 is no namespace's address"
}

# e2e_netns_worker I LOGFILE ARGS... -- starts the worker (WORKER_BIN, default the build's) in
# namespace I, in the background, with --amqp and --redis on NETNS_GW before ARGS (so ARGS could
# override them), stderr to LOGFILE. Sets NETNS_WORKER_PID (and NETNS_WORKER_OF[I]): the
# worker's own PID, a child of this shell (`ip netns exec` execs the command: the PID is the
# same, and this waits until the exec happened, so kill -9 reaches the worker). Call it
# directly, never in $(...): the worker must be this shell's child for e2e_wait_pids.
e2e_netns_worker()
{
    local i=$1 log=$2 bin=${WORKER_BIN:-$BUILD/worker/trawl-worker}
    shift 2
    local ns
    ns=$(e2e_netns_name "$i")
    ip netns exec "$ns" "$bin" --amqp "$(_netns_url_on_gw "$TRAWL_AMQP_URL")" \
        --redis "$(_netns_url_on_gw "$TRAWL_REDIS_URL")" "$@" 2>"$log" &
    NETNS_WORKER_PID=$!
    NETNS_WORKER_OF[i]=$NETNS_WORKER_PID
    # Until the exec, the PID runs ip (a worker binary rebuilt meanwhile reads "... (deleted)").
    local exe ipbin deadline=$((SECONDS + 5))
    ipbin=$(readlink -f "$(command -v ip)")
    while :; do
        exe=$(readlink "/proc/$NETNS_WORKER_PID/exe" 2>/dev/null) || break # gone: the caller sees
        [[ $exe == "$ipbin" ]] || break
        ((SECONDS < deadline)) || e2e_fail "pid $NETNS_WORKER_PID still runs ip after 5 s"
        sleep 0.05
    done
}

# e2e_netns_fault_server DIR [SERVER_ARGS...] -- tests/fault/server.py on NETNS_GW, a free port,
# requests logged to DIR/fault.log and their start and end to DIR/events.log; SERVER_ARGS go to
# server.py (--robots FILE ...). Sets FAULT_BASE=http://NETNS_GW:PORT, FAULT_PID. Stopped at
# exit with the script's other children.
e2e_netns_fault_server()
{
    local dir=$1 line
    shift
    rm -f "$dir/fault.listening"
    mkfifo "$dir/fault.listening"
    /usr/bin/python3 "$TRAWL_ROOT/tests/fault/server.py" --host "$NETNS_GW" --port 0 \
        --log "$dir/fault.log" --events "$dir/events.log" "$@" \
        >"$dir/fault.listening" 2>"$dir/fault.err" &
    FAULT_PID=$!
    read -r -t 15 line <"$dir/fault.listening" ||
        e2e_fail "the fault server did not start: $(cat "$dir/fault.err")"
    FAULT_BASE=http://${line#listening on }
}

# e2e_netns_cut I / e2e_netns_restore I -- namespace I's link down / up: its packets stop at
# the host end of its veth; connections survive a short cut (TCP retransmits).
e2e_netns_cut()
{
    [[ -n ${_NETNS_HOST_IF[$1]:-} ]] || e2e_fail "no namespace $1"
    ip link set "${_NETNS_HOST_IF[$1]}" down
}

e2e_netns_restore()
{
    [[ -n ${_NETNS_HOST_IF[$1]:-} ]] || e2e_fail "no namespace $1"
    ip link set "${_NETNS_HOST_IF[$1]}" up
}
