# cluster.sh -- several RabbitMQ nodes as one cluster, and a Redis Cluster, on loopback, for
# the tests of running on more than one server. Sourced after tests/lib/env.sh (it uses its
# run directory, process tracking and free ports): everything started here is stopped at exit.
#
# RabbitMQ: nodes c1..cN@localhost, each on its own AMQP port of 127.0.0.1, sharing one HOME
# (the Erlang cookie) and one epmd of ours. They boot side by side, then c2..cN join c1.
# Redis: N masters (and R replicas each) with cluster mode on, joined by redis-cli --cluster.

# _trawl_rabbit_node_env K -- the environment of node cK, for rabbitmq-server and its CLI.
_trawl_rabbit_node_env()
{
    local k=$1 dir=$RABBIT_CLUSTER_DIR/c$1
    local ports=($RABBIT_CLUSTER_PORTS) dists=($RABBIT_CLUSTER_DIST_PORTS)
    echo HOME="$RABBIT_CLUSTER_DIR/home" ERL_EPMD_PORT="$RABBIT_CLUSTER_EPMD_PORT" \
        RABBITMQ_NODENAME="c$k@localhost" RABBITMQ_USE_LONGNAME=false \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="${ports[k - 1]}" \
        RABBITMQ_DIST_PORT="${dists[k - 1]}" RABBITMQ_MNESIA_BASE="$dir/mnesia" \
        RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/rabbitmq.pid" \
        RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
        RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_CLUSTER_DIR/enabled_plugins"
}

# trawl_rabbit_cluster_ctl K ARGS... -- rabbitmqctl against node cK.
trawl_rabbit_cluster_ctl()
{
    local k=$1
    shift
    _trawl_load_state rabbit-cluster || return 1
    HOME=$RABBIT_CLUSTER_DIR/home ERL_EPMD_PORT=$RABBIT_CLUSTER_EPMD_PORT \
        RABBITMQ_CONF_ENV_FILE=$RABBIT_CLUSTER_DIR/c$k/rabbitmq-env.conf \
        "$TRAWL_RABBITMQ_BIN/rabbitmqctl" -n "c$k@localhost" "$@"
}

# Boots node cK (not waiting); tracked as rabbit-cK.
_trawl_rabbit_cluster_boot()
{
    local k=$1 dir=$RABBIT_CLUSTER_DIR/c$1
    local http=($RABBIT_CLUSTER_HTTP_PORTS)
    mkdir -p "$dir/mnesia" "$dir/log"
    : >"$dir/rabbitmq-env.conf"
    cat >"$dir/rabbitmq.conf" <<EOF
# trawl: node c$k of a test cluster on loopback.
log.console = false
log.file.level = info
disk_free_limit.absolute = 50MB
queue_leader_locator = balanced
# A hung node is declared down after net_ticktime (60 s by default); until then the messages
# its consumers held stay theirs. Shorter here, as the README suggests for clusters.
net_ticktime = 15
management.tcp.ip = 127.0.0.1
management.tcp.port = ${http[k - 1]}
EOF
    # shellcheck disable=SC2046 # the environment is a list of words
    _trawl_spawn "$dir/server.log" env -u RABBITMQ_ALLOW_INPUT -u NOTIFY_SOCKET \
        -u RABBITMQ_ENABLED_PLUGINS $(_trawl_rabbit_node_env "$k") \
        "$TRAWL_RABBITMQ_BIN/rabbitmq-server"
    trawl_track "rabbit-c$k" "$_TRAWL_SPAWNED_PID" 30
}

# trawl_start_rabbitmq_cluster N -- starts N nodes (at most 5) and clusters them; waits until
# every node is running and in the cluster (about 20-25 s for 3 here). Exports
# TRAWL_AMQP_URLS (the nodes' URLs, comma-separated, c1 first), RABBIT_CLUSTER_PORTS and
# RABBIT_CLUSTER_HTTP_PORTS (the management API of each node).
trawl_start_rabbitmq_cluster()
{
    _trawl_need_run_dir || return 1
    local n=${1:-3} k t0
    t0=$(_trawl_now_ms)
    RABBIT_CLUSTER_DIR=$(mktemp -d "$TRAWL_RUN_DIR/rabbit-cluster.XXXX") || return 1
    mkdir -p "$RABBIT_CLUSTER_DIR/home"
    (umask 077 && _trawl_random_hex 16 | tr 'a-f' 'A-F' >"$RABBIT_CLUSTER_DIR/home/.erlang.cookie")
    chmod 400 "$RABBIT_CLUSTER_DIR/home/.erlang.cookie"
    # The management API: the only place that says which nodes hold a quorum queue.
    echo '[rabbitmq_management].' >"$RABBIT_CLUSTER_DIR/enabled_plugins"
    RABBIT_CLUSTER_PORTS= RABBIT_CLUSTER_DIST_PORTS= RABBIT_CLUSTER_HTTP_PORTS= TRAWL_AMQP_URLS=
    for ((k = 1; k <= n; k++)); do
        local port dist http
        port=$(trawl_free_port) && dist=$(trawl_free_port) && http=$(trawl_free_port) || return 1
        RABBIT_CLUSTER_HTTP_PORTS+="${RABBIT_CLUSTER_HTTP_PORTS:+ }$http"
        RABBIT_CLUSTER_PORTS+="${RABBIT_CLUSTER_PORTS:+ }$port"
        RABBIT_CLUSTER_DIST_PORTS+="${RABBIT_CLUSTER_DIST_PORTS:+ }$dist"
        TRAWL_AMQP_URLS+="${TRAWL_AMQP_URLS:+,}amqp://guest:guest@127.0.0.1:$port"
    done
    RABBIT_CLUSTER_EPMD_PORT=$(trawl_free_port) || return 1
    _trawl_spawn "$RABBIT_CLUSTER_DIR/epmd.log" epmd -port "$RABBIT_CLUSTER_EPMD_PORT" \
        -address 127.0.0.1
    trawl_track rabbit-cluster-epmd "$_TRAWL_SPAWNED_PID"
    export RABBIT_CLUSTER_DIR RABBIT_CLUSTER_PORTS RABBIT_CLUSTER_DIST_PORTS \
        RABBIT_CLUSTER_HTTP_PORTS RABBIT_CLUSTER_EPMD_PORT TRAWL_AMQP_URLS
    _trawl_save_state rabbit-cluster RABBIT_CLUSTER_DIR RABBIT_CLUSTER_PORTS \
        RABBIT_CLUSTER_DIST_PORTS RABBIT_CLUSTER_HTTP_PORTS RABBIT_CLUSTER_EPMD_PORT TRAWL_AMQP_URLS
    if ! _trawl_wait_until 10 "" _trawl_epmd_up "$RABBIT_CLUSTER_EPMD_PORT"; then
        _trawl_err "epmd for the RabbitMQ cluster did not start; log: $RABBIT_CLUSTER_DIR/epmd.log"
        return 1
    fi
    for ((k = 1; k <= n; k++)); do
        _trawl_rabbit_cluster_boot "$k"
    done
    local ports=($RABBIT_CLUSTER_PORTS)
    for ((k = 1; k <= n; k++)); do
        # await_startup needs the node registered with epmd: wait for its AMQP listener first.
        if ! _trawl_wait_until 90 "$(_trawl_tracked_pid "rabbit-c$k")" _trawl_amqp_ready \
            "${ports[k - 1]}" ||
            ! trawl_rabbit_cluster_ctl "$k" -q await_startup --timeout 90 \
            >>"$RABBIT_CLUSTER_DIR/c$k/server.log" 2>&1; then
            _trawl_err "RabbitMQ node c$k did not start; logs: $RABBIT_CLUSTER_DIR/c$k/"
            _trawl_tail "$RABBIT_CLUSTER_DIR/c$k/log/c$k@localhost.log"
            return 1
        fi
    done
    for ((k = 2; k <= n; k++)); do
        if ! { trawl_rabbit_cluster_ctl "$k" -q stop_app &&
            trawl_rabbit_cluster_ctl "$k" -q join_cluster c1@localhost &&
            trawl_rabbit_cluster_ctl "$k" -q start_app; } >>"$RABBIT_CLUSTER_DIR/c$k/server.log" 2>&1; then
            _trawl_err "RabbitMQ node c$k could not join c1; log: $RABBIT_CLUSTER_DIR/c$k/server.log"
            _trawl_tail "$RABBIT_CLUSTER_DIR/c$k/server.log"
            return 1
        fi
    done
    local running
    running=$(trawl_rabbit_cluster_ctl 1 cluster_status --formatter json 2>/dev/null |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["running_nodes"]))') || running=0
    if ((running != n)); then
        _trawl_err "the RabbitMQ cluster has $running running node(s), not $n"
        return 1
    fi
    _trawl_log "rabbitmq cluster of $n nodes on ports $RABBIT_CLUSTER_PORTS (in $(( ($(_trawl_now_ms) - t0) / 1000 )) s, logs $RABBIT_CLUSTER_DIR)"
}

# trawl_stop_rabbitmq_cluster -- kills every node (a test cluster's data is thrown away: no
# need for the up to 30 s of a clean shutdown) and the cluster's epmd, and forgets them: for
# a test that started a cluster inside a run whose other tests do not need it.
trawl_stop_rabbitmq_cluster()
{
    local k pid
    for k in 1 2 3 4 5; do
        pid=$(_trawl_tracked_pid "rabbit-c$k")
        [[ -n $pid ]] || continue
        kill -KILL -- "-$pid" 2>/dev/null || true
        _trawl_stop_tracked "rabbit-c$k" 5
    done
    _trawl_stop_tracked rabbit-cluster-epmd 5
}

# trawl_rabbit_cluster_signal K SIGNAL -- sends SIGNAL (KILL, STOP, CONT, TERM) to every
# process of node cK (the start script leads the node's process group).
trawl_rabbit_cluster_signal()
{
    local k=$1 sig=$2 pid
    _trawl_need_run_dir || return 1
    pid=$(_trawl_tracked_pid "rabbit-c$k")
    [[ -n $pid ]] || { _trawl_err "node c$k is not running"; return 1; }
    kill "-$sig" -- "-$pid"
    if [[ $sig == KILL ]]; then
        trawl_untrack "rabbit-c$k"
    fi
}

# trawl_rabbit_cluster_restart K -- boots node cK again on its data (after a kill) and waits
# until it runs and is back in the cluster.
trawl_rabbit_cluster_restart()
{
    local k=$1 ports
    _trawl_load_state rabbit-cluster || return 1
    ports=($RABBIT_CLUSTER_PORTS)
    _trawl_rabbit_cluster_boot "$k"
    if ! _trawl_wait_until 90 "$(_trawl_tracked_pid "rabbit-c$k")" _trawl_amqp_ready \
        "${ports[k - 1]}" ||
        ! trawl_rabbit_cluster_ctl "$k" -q await_startup --timeout 90 \
            >>"$RABBIT_CLUSTER_DIR/c$k/server.log" 2>&1; then
        _trawl_err "RabbitMQ node c$k did not start again; logs: $RABBIT_CLUSTER_DIR/c$k/"
        return 1
    fi
}

_trawl_redis_cluster_ok()
{
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$1" cluster info 2>/dev/null) == *cluster_state:ok* ]]
}

# trawl_start_redis_cluster MASTERS [REPLICAS] -- starts MASTERS * (1 + REPLICAS) redis-server
# nodes in cluster mode (node timeout 5 s) and creates the cluster; waits for
# cluster_state:ok. Exports REDIS_CLUSTER_PORTS (masters first, as created) and
# TRAWL_REDIS_CLUSTER_URL (the first master).
trawl_start_redis_cluster()
{
    _trawl_need_run_dir || return 1
    local masters=${1:-3} replicas=${2:-0} k n port bus dir t0 addrs=()
    t0=$(_trawl_now_ms)
    n=$((masters * (1 + replicas)))
    REDIS_CLUSTER_DIR=$(mktemp -d "$TRAWL_RUN_DIR/redis-cluster.XXXX") || return 1
    REDIS_CLUSTER_PORTS=
    for ((k = 1; k <= n; k++)); do
        port=$(trawl_free_port) && bus=$(trawl_free_port) || return 1
        dir=$REDIS_CLUSTER_DIR/r$k
        mkdir -p "$dir"
        _trawl_spawn "$dir/redis.log" redis-server --bind 127.0.0.1 --port "$port" \
            --cluster-enabled yes --cluster-port "$bus" --cluster-config-file "$dir/nodes.conf" \
            --cluster-node-timeout 5000 --save "" --appendonly no --dir "$dir" --logfile "" \
            --daemonize no
        trawl_track "redis-r$k" "$_TRAWL_SPAWNED_PID" 5
        REDIS_CLUSTER_PORTS+="${REDIS_CLUSTER_PORTS:+ }$port"
        addrs+=("127.0.0.1:$port")
    done
    for port in $REDIS_CLUSTER_PORTS; do
        if ! _trawl_wait_until 20 "" _trawl_redis_ping "$port"; then
            _trawl_err "redis cluster node on port $port did not answer; logs: $REDIS_CLUSTER_DIR/"
            return 1
        fi
    done
    if ! redis-cli --cluster create "${addrs[@]}" --cluster-replicas "$replicas" --cluster-yes \
        >"$REDIS_CLUSTER_DIR/create.log" 2>&1; then
        _trawl_err "redis-cli --cluster create failed; log: $REDIS_CLUSTER_DIR/create.log"
        _trawl_tail "$REDIS_CLUSTER_DIR/create.log"
        return 1
    fi
    for port in $REDIS_CLUSTER_PORTS; do
        if ! _trawl_wait_until 30 "" _trawl_redis_cluster_ok "$port"; then
            _trawl_err "redis cluster node on port $port is not cluster_state:ok after 30 s"
            return 1
        fi
    done
    TRAWL_REDIS_CLUSTER_URL=redis://${addrs[0]}/0
    export REDIS_CLUSTER_DIR REDIS_CLUSTER_PORTS TRAWL_REDIS_CLUSTER_URL
    _trawl_save_state redis-cluster REDIS_CLUSTER_DIR REDIS_CLUSTER_PORTS TRAWL_REDIS_CLUSTER_URL
    _trawl_log "redis cluster: $masters master(s), $replicas replica(s) each, ports $REDIS_CLUSTER_PORTS (in $(( ($(_trawl_now_ms) - t0) / 1000 )) s)"
}

# trawl_stop_redis_cluster -- stops every node of the Redis Cluster (continued first).
trawl_stop_redis_cluster()
{
    local k pid
    for k in $(seq 1 32); do
        pid=$(_trawl_tracked_pid "redis-r$k")
        [[ -n $pid ]] || continue
        kill -CONT "$pid" 2>/dev/null || true
        _trawl_stop_tracked "redis-r$k" 5
    done
}

_trawl_sentinel_knows()
{
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$1" sentinel get-master-addr-by-name "$2" 2>/dev/null) == *127.0.0.1* ]]
}

# True once the sentinel on port $1 lists the replica on port $3 of master $2: until then a
# failover has no replica to promote.
_trawl_sentinel_knows_replica()
{
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$1" sentinel replicas "$2" 2>/dev/null) == *"$3"* ]]
}

_trawl_replica_linked()
{
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$1" info replication 2>/dev/null) == *master_link_status:up* ]]
}

# trawl_start_redis_sentinel NAME -- a master, one replica and three sentinels watching it
# under NAME (down after 2 s, failover within 10 s). Exports TRAWL_REDIS_SENTINEL_URL
# (redis-sentinel://...,.../NAME), SENTINEL_MASTER_PORT and SENTINEL_REPLICA_PORT; the
# master and the replica are tracked as sentinel-master and sentinel-replica.
trawl_start_redis_sentinel()
{
    _trawl_need_run_dir || return 1
    local name=${1:-trawl} k port dir list=
    local base
    base=$(mktemp -d "$TRAWL_RUN_DIR/redis-sentinel.XXXX") || return 1
    mkdir -p "$base/master" "$base/replica"
    SENTINEL_MASTER_PORT=$(trawl_free_port) && SENTINEL_REPLICA_PORT=$(trawl_free_port) || return 1
    # No delay before a diskless full sync (5 s by default): the replica is in step at once.
    _trawl_spawn "$base/master/redis.log" redis-server --bind 127.0.0.1 \
        --port "$SENTINEL_MASTER_PORT" --save "" --appendonly no --dir "$base/master" --logfile "" \
        --repl-diskless-sync-delay 0
    trawl_track sentinel-master "$_TRAWL_SPAWNED_PID" 5
    _trawl_spawn "$base/replica/redis.log" redis-server --bind 127.0.0.1 \
        --port "$SENTINEL_REPLICA_PORT" --save "" --appendonly no --dir "$base/replica" \
        --logfile "" --replicaof 127.0.0.1 "$SENTINEL_MASTER_PORT"
    trawl_track sentinel-replica "$_TRAWL_SPAWNED_PID" 5
    for port in "$SENTINEL_MASTER_PORT" "$SENTINEL_REPLICA_PORT"; do
        _trawl_wait_until 20 "" _trawl_redis_ping "$port" || {
            _trawl_err "redis on port $port (sentinel set-up) did not answer; logs: $base/"
            return 1
        }
    done
    _trawl_wait_until 20 "" _trawl_replica_linked "$SENTINEL_REPLICA_PORT" || {
        _trawl_err "the replica on port $SENTINEL_REPLICA_PORT did not sync; logs: $base/"
        return 1
    }
    for ((k = 1; k <= 3; k++)); do
        port=$(trawl_free_port) || return 1
        dir=$base/s$k
        mkdir -p "$dir"
        # A sentinel rewrites its configuration file: one per sentinel, in the run directory.
        cat >"$dir/sentinel.conf" <<EOF
bind 127.0.0.1
port $port
dir $dir
sentinel monitor $name 127.0.0.1 $SENTINEL_MASTER_PORT 2
sentinel down-after-milliseconds $name 2000
sentinel failover-timeout $name 10000
EOF
        _trawl_spawn "$dir/sentinel.log" redis-server "$dir/sentinel.conf" --sentinel
        trawl_track "sentinel-$k" "$_TRAWL_SPAWNED_PID" 5
        list+="${list:+,}127.0.0.1:$port"
        _trawl_wait_until 20 "" _trawl_sentinel_knows "$port" "$name" || {
            _trawl_err "sentinel on port $port does not know master $name; log: $dir/sentinel.log"
            return 1
        }
    done
    # Sentinels learn the replica from the master's INFO (every 10 s at first).
    local sport
    for sport in $(tr ',' '\n' <<<"$list" | cut -d: -f2); do
        _trawl_wait_until 30 "" _trawl_sentinel_knows_replica "$sport" "$name" \
            "$SENTINEL_REPLICA_PORT" || {
            _trawl_err "sentinel on port $sport does not list the replica; logs: $base/"
            return 1
        }
    done
    TRAWL_REDIS_SENTINEL_URL=redis-sentinel://$list/$name
    export TRAWL_REDIS_SENTINEL_URL SENTINEL_MASTER_PORT SENTINEL_REPLICA_PORT
    _trawl_log "redis with sentinel: master $SENTINEL_MASTER_PORT, replica $SENTINEL_REPLICA_PORT, $TRAWL_REDIS_SENTINEL_URL"
}

# trawl_stop_redis_sentinel -- stops the master, the replica and the sentinels.
trawl_stop_redis_sentinel()
{
    local name
    for name in sentinel-1 sentinel-2 sentinel-3 sentinel-master sentinel-replica; do
        _trawl_stop_tracked "$name" 5
    done
}
