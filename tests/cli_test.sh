#!/usr/bin/env bash
# cli_test.sh BUILD_DIR -- the programs' command lines, as the contract has them: --help and
# --version exit 0 on stdout; an unknown flag, a bad value or a missing one exits 2 with a
# message on stderr that names the program and the flag. Needs no server: every case stops
# before a connection is made.
set -uo pipefail
export LC_ALL=C # getopt's messages are matched as glibc writes them in English

build=${1:?usage: cli_test.sh BUILD_DIR}
producer=$build/producer/trawl-producer
worker=$build/worker/trawl-worker
dump=$build/dump/trawl-dump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# check NAME WANT_STATUS PATTERN STREAM CMD...: runs CMD; its exit status must be WANT_STATUS
# and STREAM (out or err) must match the extended regex PATTERN.
check() {
    local name=$1 want=$2 pattern=$3 stream=$4
    shift 4
    local status=0
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || status=$?
    if [[ $status -eq $want ]] && grep -Eq -- "$pattern" "$tmp/$stream"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: exit $status (want $want), std$stream should match /$pattern/"
        sed 's/^/  out| /' "$tmp/out" | awk 'NR <= 5'
        sed 's/^/  err| /' "$tmp/err" | awk 'NR <= 5'
    fi
}

for p in "$producer" "$worker" "$dump"; do
    prog=$(basename "$p")
    check "$prog --help" 0 "^Usage: $prog" out "$p" --help
    check "$prog --help lists the shared flags" 0 "--queue-type TYPE" out "$p" --help
    check "$prog --version" 0 "^$prog [0-9]+\.[0-9]+\.[0-9]+$" out "$p" --version
    check "$prog unknown flag" 2 "unrecognized option '--no-such-flag'" err "$p" --no-such-flag
    check "$prog hint" 2 "Try '$prog --help'" err "$p" --no-such-flag
    check "$prog missing value" 2 "requires an argument" err "$p" --prefix
    check "$prog bad prefix" 2 "^$prog: --prefix 'a b': " err "$p" --prefix 'a b'
    check "$prog bad queue type" 2 "^$prog: --queue-type 'x': expected quorum or classic" err \
        "$p" --queue-type x
    check "$prog bad log level" 2 "^$prog: --log-level 'loud'" err "$p" --log-level loud
done

check "producer --batch" 2 "^trawl-producer: --batch '0': expected a whole number from 1 to 100000" err \
    "$producer" --batch 0
check "worker --concurrency" 2 "^trawl-worker: --concurrency 'x': expected a whole number" err \
    "$worker" --concurrency x
check "worker --rate" 2 "^trawl-worker: --rate '5/q'" err "$worker" --rate 5/q
check "worker --rate-host" 2 "^trawl-worker: --rate-host 'example.com': expected HOST=RATE" err \
    "$worker" --rate-host example.com
check "worker --grace" 2 "^trawl-worker: --grace '-1': expected seconds" err "$worker" --grace -1
check "worker --prefetch below --concurrency" 2 "--prefetch 10 is below --concurrency 20" err \
    "$worker" --concurrency 20 --prefetch 10
check "worker --host-concurrency" 2 "^trawl-worker: --host-concurrency '-1': expected a whole number from 0" \
    err "$worker" --host-concurrency -1
check "worker --rate-key" 2 "^trawl-worker: --rate-key 'site': expected host or domain" err \
    "$worker" --rate-key site
check "worker --park-after" 2 "^trawl-worker: --park-after '1': expected 0 \\(never\\) or at least 2" \
    err "$worker" --park-after 1
check "worker --max-crawl-delay" 2 "^trawl-worker: --max-crawl-delay 'x': expected seconds" err \
    "$worker" --max-crawl-delay x
for flag in "--host-concurrency N" "--rate-key host\|domain" "--park-after S" "--ignore-robots" \
    "--max-crawl-delay S"; do
    check "worker --help lists $flag" 0 "^  $flag( |$)" out "$worker" --help
done
check "worker operand" 2 "unexpected argument 'urls.txt'" err "$worker" urls.txt
check "worker --rules missing file" 2 "^trawl-worker: --rules .*no-such-rules.json" err \
    "$worker" --rules "$tmp/no-such-rules.json"
check "worker --help lists the error codes" 0 "^  http_NNN +again +a retryable status" out "$worker" --help
check "env names the variable" 2 "^trawl-dump: TRAWL_PREFIX 'a b': use 1 to 100" err \
    env TRAWL_PREFIX='a b' "$dump" --queue records
check "dump without --queue" 2 "--queue is required" err "$dump"
check "dump --count" 2 "^trawl-dump: --count '0': expected a whole number from 1" err \
    "$dump" --queue records --count 0
# Repeated --rate-host flags are kept until exit: a bad one after good ones frees them (ASan).
check "worker --rate-host twice then bad" 2 "^trawl-worker: --rate 'x'" err \
    "$worker" --rate-host a.example=1/s --rate-host b.example=2/s --rate x

# The README's flag tables say what --help says: every flag of each program is in one of its
# rows, and the worker's default column agrees with the default in force.
readme=$(dirname "$(readlink -f "$0")")/../README.md
for p in "$producer" "$worker" "$dump"; do
    "$p" --help >"$tmp/help-$(basename "$p")"
done
if python3 - "$readme" "$tmp" >"$tmp/readme.out" 2>&1 <<'EOF_PY'
import re, sys
readme = open(sys.argv[1], encoding="utf-8").read()
rows = {}
default_col = None  # the column headed "default" in the table being read
for line in readme.splitlines():
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    if not cells:
        default_col = None
        continue
    if cells[0] == "flag":
        default_col = cells.index("default") if "default" in cells else None
        continue
    m = re.match(r"`--([a-z-]+)", cells[0])
    if m:
        rows.setdefault(m.group(1), cells[default_col] if default_col else None)
bad = []
for prog in ("trawl-producer", "trawl-worker", "trawl-dump"):
    text = open(f"{sys.argv[2]}/help-{prog}", encoding="utf-8").read()
    flags = {}
    for m in re.finditer(r"^  --([a-z-]+)(.*?)(?=^  --|^[A-Z]|\Z)", text, re.S | re.M):
        flags[m.group(1)] = " ".join(m.group(2).split())
    for name, help_text in flags.items():
        if name == "help":
            continue
        if name not in rows:
            bad.append(f"{prog} --{name}: no README row")
            continue
        d = re.search(r"\(default ([^)]*)\)$", help_text)
        if d and rows[name] is not None:
            want = d.group(1).replace("0.1.0", "VERSION").replace(" x ", " × ")
            got = re.split(r" \(|: ", rows[name].replace("`", ""))[0]
            if got != want:
                bad.append(f"{prog} --{name}: README default '{rows[name]}', --help '{d.group(1)}'")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF_PY
then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAIL README flag tables against --help:"
    sed 's/^/  /' "$tmp/readme.out"
fi

# trawl-producer
check "producer --requeue-dead with a FILE" 2 "^trawl-producer: --requeue-dead reads no input, so no FILE \('urls.txt'\)" \
    err "$producer" --requeue-dead urls.txt
check "producer --error without --requeue-dead" 2 "^trawl-producer: --error needs --requeue-dead" err \
    "$producer" --error blocked_address
check "producer --count without --requeue-dead" 2 "^trawl-producer: --count needs --requeue-dead" err \
    "$producer" --count 3
check "producer --error unknown code" 2 "^trawl-producer: --error 'timeout,http_5x': expected error codes" \
    err "$producer" --requeue-dead --error timeout,http_5x
check "producer --requeue-dead with --every" 2 "^trawl-producer: --requeue-dead runs once" err \
    "$producer" --requeue-dead --every 60
check "producer --help says the exit statuses" 0 "^  2  a usage error" out "$producer" --help
check "producer --help lists --requeue-dead" 0 "^  --requeue-dead  " out "$producer" --help

echo "$passed passed, $failed failed"
((failed == 0))
