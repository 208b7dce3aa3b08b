#!/bin/bash
# 90-compose.sh -- `docker compose up` for real: compose.yaml (+ compose.ci.yaml) builds the trawl
# and sample-site images, starts RabbitMQ, Redis, the site, the producer, three workers and the
# records dump, and every page of the sample site ends up in records.jsonl, right, crawled by
# all three workers.
#
# CI has no registry, so this script brings its own engine and images (docs/docker.md):
#   1. installs docker.io, docker-compose and debootstrap with apt, when missing;
#   2. starts a private dockerd: data, exec root and socket in a temp dir, no iptables, no
#      default bridge (compose makes its own network);
#   3. debootstraps Debian 12 and imports it as debian:bookworm and (without docs, man pages
#      and translations, as the official one is made) debian:bookworm-slim;
#   4. builds stand-ins for rabbitmq:3-management and redis:7 from Debian's packages
#      (deploy/ci/), tagged with the official names compose.yaml uses, so compose pulls nothing,
#      while `docker-compose -f compose.yaml -f compose.ci.yaml build` builds trawl and the site;
#   5. `docker-compose ... up -d --scale worker=3` (the producer last, once the three workers
#      consume), records written to a temp dir (TRAWL_OUT_DIR), not the repository's out/;
#   6. waits (with a deadline) for a record of every page, checks them against the site's
#      expected.jsonl, checks the three workers each consumed (three consumer connections on
#      trawl.urls from three distinct containers, and records>0 in each worker's log), and that
#      the queues are empty and nothing is dead;
#   7. tears down in order, also on failure or a signal: compose down -v, dockerd stopped by
#      its PID, the netns mount removed, the temp dir removed. Nothing is left running.
# Each phase prints its duration. Runs under tests/run or alone: tests/e2e/90-compose.sh
#
# trawl-timeout: 600
set -euo pipefail

TRAWL_ROOT=${TRAWL_ROOT:-$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)}
export TRAWL_ROOT
# shellcheck source=tests/lib/env.sh
source "$TRAWL_ROOT/tests/lib/env.sh"
cd "$TRAWL_ROOT"

# The whole test: phases before the crawl get what they need, the crawl waits at most this long
# after `up`, and the teardown keeps its own bounded waits, well inside tests/run's 600 s.
CRAWL_DEADLINE=${TRAWL_COMPOSE_CRAWL_SECONDS:-240}
WORKERS=3
# Everything but the teardown must be over by then (tests/run stops the script at 600 s, and a
# script killed mid-teardown would leave dockerd running): long steps get what is left.
BUDGET=${TRAWL_COMPOSE_BUDGET_SECONDS:-510}

t_start=$(_trawl_now_ms)
t_phase=$t_start
declare -a phases=()
phase()
{
    local now ms
    now=$(_trawl_now_ms)
    ms=$((now - t_phase))
    phases+=("$(printf '%-28s %4d.%ds' "$1" $((ms / 1000)) $((ms % 1000 / 100)))")
    printf '== %-28s done in %d.%ds\n' "$1" $((ms / 1000)) $((ms % 1000 / 100))
    t_phase=$now
}
print_phases()
{
    local p ms
    ms=$(($(_trawl_now_ms) - t_start))
    echo "-- phases:"
    for p in "${phases[@]}"; do
        echo "   $p"
    done
    printf '   %-28s %4d.%ds\n' total $((ms / 1000)) $((ms % 1000 / 100))
}

fail()
{
    echo "FAIL: $*" >&2
    exit 1
}

# Seconds left of BUDGET (at least 1).
budget_left()
{
    local left=$((BUDGET - ($(_trawl_now_ms) - t_start) / 1000))
    echo $((left > 0 ? left : 1))
}

# --- 1. the engine's packages, only when missing -------------------------------------------

trawl_install_deps docker.io docker-compose debootstrap
phase "packages"

# The engine's own client (the API version of its daemon), whatever else is on the PATH.
DOCKER=/usr/bin/docker
[[ -x $DOCKER ]] || DOCKER=$(command -v docker) || fail "no docker client after installing docker.io"
COMPOSE=(docker-compose)
# Classic builder everywhere: no BuildKit front end to pull, no buildx plugin needed.
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0
# Builds reach the Debian mirror directly (compose.ci.yaml gives them the host's network).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# --- 2. a private dockerd ------------------------------------------------------------------

# Short path: the daemon's and containerd's unix sockets live under it (108-byte limit).
D=$(mktemp -d "${TMPDIR:-/tmp}/trawl-dk.XXXXXX")
chmod 755 "$D"
LOGS=${TEST_DIR:-$D/logs}
mkdir -p "$LOGS"
export DOCKER_HOST=unix://$D/sock
DOCKERD_PID=
PROJECT=trawlci$$
COMPOSE+=(-p "$PROJECT" -f compose.yaml -f compose.ci.yaml)
compose_started=0
ok=0
signalled=0

# Everything below D that is still mounted (overlays of a container that did not stop,
# debootstrap's /proc and /sys after an interrupted run), deepest first.
mounts_under()
{
    findmnt -rn -o TARGET | awk -v d="$1/" 'index($0, d) == 1' | sort -r
}

# Processes of our engine: dockerd, its containerd and shims all name a path under D.
engine_pids()
{
    pgrep -f -- "$D/" 2>/dev/null | grep -vx "$$" || true
}

teardown()
{
    local rc=$?
    set +e
    trap - EXIT INT TERM
    ((ok)) || phase "(failed or interrupted)"
    # Our own background commands still running (a build, when a signal came).
    local p
    for p in $(jobs -p); do
        [[ $p == "$DOCKERD_PID" ]] || kill -TERM "$p" 2>/dev/null
    done
    if ((ok == 0 && compose_started && !signalled)); then
        echo "-- diagnostics (full logs in $LOGS):"
        timeout 30 "${COMPOSE[@]}" ps 2>&1 | sed 's/^/   /'
        timeout 60 "${COMPOSE[@]}" logs --no-color >"$LOGS/compose.log" 2>&1
        local s
        for s in rabbitmq redis site producer worker records; do
            echo "   --- $s (last lines)"
            grep -E "^${s}[_-]" "$LOGS/compose.log" | tail -n 8 | cut -c1-240 | sed 's/^/   /'
        done
    fi
    local t_down t_dockerd t_rm
    t_down=$(_trawl_now_ms)
    if ((compose_started)); then
        # Workers drain on SIGTERM; with nothing in hand they are gone in a second. After a
        # signal (tests/run's timeout kills us 10 s later) nobody waits for a drain.
        local grace=20
        ((signalled == 0)) || grace=1
        timeout 90 "${COMPOSE[@]}" down -v --remove-orphans --timeout "$grace" \
            >"$LOGS/down.log" 2>&1 ||
            echo "teardown: compose down failed, see $LOGS/down.log" >&2
    fi
    t_dockerd=$(_trawl_now_ms)
    if [[ -n $DOCKERD_PID ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
        kill -TERM "$DOCKERD_PID"
        local i
        for ((i = 0; i < 200; i++)); do
            kill -0 "$DOCKERD_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$DOCKERD_PID" 2>/dev/null; then
            echo "teardown: dockerd (pid $DOCKERD_PID) still running after 20 s: SIGKILL" >&2
            kill -KILL "$DOCKERD_PID"
        fi
        wait "$DOCKERD_PID" 2>/dev/null
    fi
    # A dockerd that had to be killed leaves its containerd and shims: ours name D.
    local pids=()
    mapfile -t pids < <(engine_pids)
    if ((${#pids[@]})); then
        echo "teardown: stopping leftover engine processes: ${pids[*]}" >&2
        kill -TERM "${pids[@]}" 2>/dev/null
        sleep 2
        mapfile -t pids < <(engine_pids)
        ((${#pids[@]} == 0)) || kill -KILL "${pids[@]}" 2>/dev/null
    fi
    t_rm=$(_trawl_now_ms)
    # D is ours (mktemp above); never act on anything else, whatever went wrong.
    if [[ $D != "${TMPDIR:-/tmp}"/trawl-dk.* || ! -d $D ]]; then
        echo "teardown: odd temp dir '$D': not unmounting or removing anything" >&2
        print_phases
        exit "$rc"
    fi
    if mountpoint -q "$D/exec/netns/default" 2>/dev/null; then
        umount "$D/exec/netns/default"
    fi
    local m
    while read -r m; do
        [[ -n $m ]] && umount -l "$m"
    done < <(mounts_under "$D")
    if [[ -n $(mounts_under "$D") ]]; then
        echo "teardown: still mounted under $D, not removing it:" >&2
        mounts_under "$D" >&2
    else
        rm -rf --one-file-system "$D"
    fi
    echo "teardown: compose down $(((t_dockerd - t_down) / 1000))s, dockerd stop $(((t_rm - t_dockerd) / 1000))s, removing $D $((($(_trawl_now_ms) - t_rm) / 1000))s"
    phase "teardown"
    print_phases
    exit "$rc"
}
trap teardown EXIT
trap 'signalled=1; exit 130' INT
trap 'signalled=1; exit 143' TERM

# Runs CMD (for at most what is left of the budget) with its output in LOG, in the background
# and waits for it: bash runs a trap only once the foreground command is over, and a signal
# must start the teardown at once. The teardown stops whatever is still running.
waitable()
{
    local log=$1 pid rc=0
    shift
    timeout "$(budget_left)" "$@" >"$log" 2>&1 &
    pid=$!
    wait "$pid" || rc=$?
    return "$rc"
}

setsid dockerd --iptables=false --ip6tables=false --bridge=none \
    --data-root "$D/data" --exec-root "$D/exec" -H "$DOCKER_HOST" --pidfile "$D/dockerd.pid" \
    --shutdown-timeout 10 --log-level warn >"$LOGS/dockerd.log" 2>&1 </dev/null &
DOCKERD_PID=$!
for ((i = 0; i < 300; i++)); do
    "$DOCKER" info >/dev/null 2>&1 && break
    kill -0 "$DOCKERD_PID" 2>/dev/null || {
        tail -n 20 "$LOGS/dockerd.log" >&2
        fail "dockerd exited during start-up (log: $LOGS/dockerd.log)"
    }
    sleep 0.1
done
"$DOCKER" info >/dev/null 2>&1 || fail "dockerd did not answer on $DOCKER_HOST within 30 s"
echo "dockerd pid $DOCKERD_PID on $DOCKER_HOST: $("$DOCKER" version --format 'engine {{.Server.Version}}'), $(docker-compose version --short 2>/dev/null | head -n 1 | sed 's/^/docker-compose /')"
phase "dockerd"

# --- 3. the Debian 12 base image -----------------------------------------------------------

mirror=
if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [[ -z $mirror && -r /etc/apt/sources.list ]]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}
if ! waitable "$LOGS/debootstrap.log" debootstrap --variant=minbase bookworm "$D/rootfs" "$mirror"; then
    tail -n 20 "$LOGS/debootstrap.log" >&2
    fail "debootstrap of bookworm from $mirror failed (log: $LOGS/debootstrap.log)"
fi
phase "debootstrap"
# Like the official images: apt keeps no .deb files or caches after an install
# (docker-clean) and fetches no translations; no apt lists in the image.
rootfs=$D/rootfs
# What follows deletes files under $rootfs: make sure it is the fresh tree, never the host's.
[[ -n $D && $D != / && $rootfs == "$D/rootfs" && $rootfs != / ]] || fail "bad rootfs '$rootfs'"
[[ -d $rootfs/etc/apt/apt.conf.d && -d $rootfs/usr/share ]] || fail "debootstrap left no root file system in $rootfs"
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
tar -C "$rootfs" --numeric-owner -c . | "$DOCKER" import - debian:bookworm >/dev/null
# ... and -slim as the official one is made: no docs, man pages or translations, now or in
# later installs, so that the measured size of the runtime image is what users get.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/groff/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/linda/* \
    "$rootfs"/usr/share/lintian/overrides/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/usr/share/man/*
tar -C "$rootfs" --numeric-owner -c . | "$DOCKER" import - debian:bookworm-slim >/dev/null
rm -rf --one-file-system "$rootfs"
phase "base image"

# --- 4. the images: stand-ins for the servers, and compose's own builds ---------------------

# The stand-ins are mostly downloads and unpacking, the trawl image mostly compiling: all
# three run side by side.
standin_pids=()
for name in redis rabbitmq; do
    tag=redis:7
    [[ $name == redis ]] || tag=rabbitmq:3-management
    timeout "$(budget_left)" "$DOCKER" build --network host -q -f "deploy/ci/$name.Dockerfile" \
        -t "$tag" deploy/ci >"$LOGS/build-$name.log" 2>&1 &
    standin_pids+=($!)
done

OUT=$D/out
mkdir -p "$OUT"
export TRAWL_OUT_DIR=$OUT
TRAWL_RABBITMQ_UI_PORT=$(trawl_free_port)
export TRAWL_RABBITMQ_UI_PORT

# Builds the services with a build section: the site, and the image of producer, worker and
# records (built once, then cached for the other two).
rc=0
waitable "$LOGS/build-compose.log" "${COMPOSE[@]}" build || rc=$?
if ((rc != 0)); then
    tail -n 40 "$LOGS/build-compose.log" >&2
    fail "docker-compose build failed (exit $rc, log: $LOGS/build-compose.log)"
fi
for p in "${standin_pids[@]}"; do
    wait "$p" || rc=1
done
if ((rc != 0)); then
    tail -n 30 "$LOGS"/build-redis.log "$LOGS"/build-rabbitmq.log >&2
    fail "building the stand-in images failed (logs: $LOGS/build-*.log)"
fi
phase "images"

"$DOCKER" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -v '^<none>' | sort |
    sed 's/^/image /'
size=$("$DOCKER" image ls --format '{{.Size}}' trawl:local)
base_size=$("$DOCKER" image ls --format '{{.Size}}' debian:bookworm-slim)
echo "runtime image trawl:local: $size (its base, debootstrapped debian:bookworm-slim: $base_size)"
# The runtime image runs its programs as a non-root user.
whoami_in=$("$DOCKER" run --rm --network none trawl:local sh -c 'id -u; trawl-worker --version')
echo "trawl:local runs as uid $(head -n 1 <<<"$whoami_in"): $(tail -n 1 <<<"$whoami_in")"
[[ $(head -n 1 <<<"$whoami_in") != 0 ]] || fail "trawl:local runs as root"

# The site's pages and the records trawl must make of them, from the image itself.
"$DOCKER" run --rm --network none trawl-site:local cat /srv/site/urls.txt >"$D/urls.txt"
"$DOCKER" run --rm --network none trawl-site:local cat /srv/site/expected.jsonl >"$D/expected.jsonl"
total=$(grep -c . "$D/urls.txt") || total=0
((total > 0)) || fail "the site image has no urls.txt"

compose_started=1
# Everything but the producer first, and the URLs only once all three workers consume: the
# crawl takes two seconds, and a worker that started a moment late would otherwise find the
# queue empty, which would say nothing about the stack.
if ! waitable "$LOGS/up.log" "${COMPOSE[@]}" up -d --scale worker=$WORKERS \
    rabbitmq redis site worker records; then
    tail -n 30 "$LOGS/up.log" >&2
    fail "docker-compose up failed (log: $LOGS/up.log)"
fi
phase "compose up (healthy)"
deadline=$((SECONDS + 90))
while :; do
    consumers=$("${COMPOSE[@]}" exec -T rabbitmq rabbitmqctl -q list_consumers queue_name \
        2>/dev/null | grep -c '^trawl\.urls') || consumers=0
    ((consumers < WORKERS)) || break
    ((SECONDS < deadline)) || fail "after 90 s, trawl.urls has $consumers consumers, want $WORKERS"
    sleep 1
done
phase "workers consuming"
if ! waitable "$LOGS/up-producer.log" "${COMPOSE[@]}" up -d --no-deps producer; then
    tail -n 30 "$LOGS/up-producer.log" >&2
    fail "docker-compose up producer failed (log: $LOGS/up-producer.log)"
fi

# --- 6. the crawl --------------------------------------------------------------------------

# Prints the number of urls.txt URLs that have a record in records.jsonl.
covered()
{
    python3 - "$D/urls.txt" "$OUT/records.jsonl" <<'EOF'
import json, sys
want = {l.strip() for l in open(sys.argv[1]) if l.strip()}
have = set()
try:
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            try:
                have.add(json.loads(line).get("url"))
            except ValueError:
                pass  # a line being written
except FileNotFoundError:
    pass
print(len(want & have))
EOF
}

left=$(budget_left)
((CRAWL_DEADLINE < left)) || CRAWL_DEADLINE=$left
deadline=$((SECONDS + CRAWL_DEADLINE))
n=0
last=-1
while :; do
    n=$(covered)
    if ((n != last)); then
        echo "records: $n of $total pages"
        last=$n
    fi
    ((n < total)) || break
    ((SECONDS < deadline)) || fail "after ${CRAWL_DEADLINE}s only $n of $total pages have a record"
    # A service that gave up (restart limit, exit code) will not bring the rest.
    sleep 2
done
phase "crawl ($total pages)"

# Each record is right (title, links, metadata, status): check_records.py on the first record
# of each URL (delivery is at least once; a repeat is reported but is not an error here).
python3 - "$OUT/records.jsonl" "$D/records.first.jsonl" <<'EOF'
import json, sys
seen, dup = set(), 0
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        r = json.loads(line)
        if r["url"] in seen:
            dup += 1
            continue
        seen.add(r["url"])
        out.write(line)
if dup:
    print("note: %d repeated records (at-least-once delivery)" % dup)
EOF
python3 tests/e2e/check_records.py "$D/records.first.jsonl" "$D/expected.jsonl" ||
    fail "the records differ from the site's expected.jsonl"
echo "ok: every record matches expected.jsonl"

# Three workers consumed: RabbitMQ shows three consumers on trawl.urls, on three connections,
# from three distinct addresses, which are the worker containers' addresses.
mapfile -t worker_ids < <("${COMPOSE[@]}" ps -q worker)
((${#worker_ids[@]} == WORKERS)) || fail "compose runs ${#worker_ids[@]} worker containers, want $WORKERS"
worker_ips=$(for id in "${worker_ids[@]}"; do
    "$DOCKER" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{"\n"}}{{end}}' "$id"
done | grep . | sort -u) || true
"${COMPOSE[@]}" exec -T rabbitmq sh -c '
    echo "# consumers"; rabbitmqctl -q list_consumers queue_name channel_pid
    echo "# channels"; rabbitmqctl -q list_channels pid connection
    echo "# connections"; rabbitmqctl -q list_connections pid peer_host
    echo "# queues"; rabbitmqctl -q list_queues name messages_ready messages_unacknowledged
' >"$LOGS/rabbitmq-state.txt" 2>&1 || {
    cat "$LOGS/rabbitmq-state.txt" >&2
    fail "rabbitmqctl in the rabbitmq container failed"
}
consumer_hosts=$(python3 - "$LOGS/rabbitmq-state.txt" <<'EOF'
import sys
part, consumers, channels, conns = None, [], {}, {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# "):
        part = line[2:]
        continue
    f = line.split("\t")
    if part == "consumers" and len(f) >= 2 and f[0] == "trawl.urls":
        consumers.append(f[1])
    elif part == "channels" and len(f) >= 2:
        channels[f[0]] = f[1]
    elif part == "connections" and len(f) >= 2:
        conns[f[0]] = f[1]
print("consumers=%d connections=%d" % (len(consumers), len({channels.get(c) for c in consumers})),
      file=sys.stderr)
for c in consumers:
    print(conns.get(channels.get(c), "?"))
EOF
)
echo "consumers of trawl.urls from: $(tr '\n' ' ' <<<"$consumer_hosts")"
distinct=$(sort -u <<<"$consumer_hosts" | grep -c .) || distinct=0
((distinct == WORKERS)) ||
    fail "trawl.urls has consumers from $distinct distinct addresses, want $WORKERS ($(tr '\t\n' ' ;' <"$LOGS/rabbitmq-state.txt"))"
[[ $(sort -u <<<"$consumer_hosts") == "$worker_ips" ]] ||
    fail "the consumers' addresses ($(sort -u <<<"$consumer_hosts" | tr '\n' ' ')) are not the workers' ($(tr '\n' ' ' <<<"$worker_ips"))"

# ... and each worker says it published records (its progress line, every 5 s).
deadline=$((SECONDS + 20))
for id in "${worker_ids[@]}"; do
    while :; do
        r=$("$DOCKER" logs "$id" 2>&1 | grep -o 'records=[0-9]*' | tail -n 1 | cut -d= -f2) || r=0
        ((${r:-0} > 0)) && break
        ((SECONDS < deadline)) || fail "worker container ${id:0:12} logged no records>0"
        sleep 1
    done
    echo "worker ${id:0:12}: records=$r"
done

# Nothing left over and nothing dead (the counters of quorum queues lag a few seconds).
deadline=$((SECONDS + 30))
while :; do
    queues=$(awk '/^# queues/ { q = 1; next } q && /^trawl\./' "$LOGS/rabbitmq-state.txt")
    bad=$(awk '$2 + $3 > 0' <<<"$queues")
    [[ -z $bad ]] && break
    ((SECONDS < deadline)) || fail "queues not empty: $(tr '\n' ';' <<<"$queues")"
    sleep 3
    "${COMPOSE[@]}" exec -T rabbitmq sh -c \
        'echo "# queues"; rabbitmqctl -q list_queues name messages_ready messages_unacknowledged' \
        >"$LOGS/rabbitmq-state.txt" 2>&1 || true
done
echo "queues: $(tr '\t\n' ' ;' <<<"$queues")"
grep -q '^trawl\.urls' <<<"$queues" || fail "no trawl.urls queue on the broker"
phase "checks"

# The producer is a one shot that exited 0 with every URL enqueued.
"${COMPOSE[@]}" logs --no-color producer >"$LOGS/producer.log" 2>&1
grep -q "enqueued=$total duplicate=0 invalid=0" "$LOGS/producer.log" ||
    fail "producer summary: $(grep -o 'enqueued=.*' "$LOGS/producer.log" | tail -n 1)"
pstate=$("$DOCKER" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$("${COMPOSE[@]}" ps -q producer)")
[[ $pstate == "exited 0" ]] || fail "producer container: $pstate, want exited 0"

"${COMPOSE[@]}" logs --no-color >"$LOGS/compose.log" 2>&1 || true
ok=1
echo "ok: docker-compose up --scale worker=$WORKERS crawled all $total pages; image trawl:local $size"
