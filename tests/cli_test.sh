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
    check "$prog --help says what its exit statuses mean" 0 "^  2  a usage error" out "$p" --help
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

# trawl-dump
# --help lists what the dump uses, no more (the shared table's --redis is not its), and says
# what its exit statuses mean.
"$dump" --help >"$tmp/dump-help"
if grep -q -- '--redis' "$tmp/dump-help"; then
    failed=$((failed + 1))
    echo "FAIL trawl-dump --help lists --redis"
else
    passed=$((passed + 1))
fi
check "dump --redis is not a flag of its" 2 "unrecognized option '--redis'" err \
    "$dump" --queue records --redis redis://x
check "dump ignores TRAWL_REDIS_URL" 2 "^trawl-dump: --count '0'" err \
    env TRAWL_REDIS_URL='not a url' "$dump" --queue records --count 0
check "dump --help has an exit status section" 0 "^  0  done: --count reached" out \
    "$dump" --help
for flag in "--peek" "--take" "--format FMT" "--fields A,B.C" "--with-headers"; do
    check "dump --help lists $flag" 0 "^  $flag( |$)" out "$dump" --help
done
check "dump --format xml" 2 "^trawl-dump: --format 'xml': expected jsonl or csv" err \
    "$dump" --queue records --format xml
check "dump --peek --take" 2 "^trawl-dump: --peek and --take exclude each other" err \
    "$dump" --queue urls --peek --take
check "dump csv without fields" 2 "^trawl-dump: --format csv needs --fields" err \
    "$dump" --queue records --format csv
check "dump --fields with an empty name" 2 "^trawl-dump: --fields 'url,,title': expected" err \
    "$dump" --queue records --fields url,,title

# worker fetch settings
check "worker --header without a colon" 2 "^trawl-worker: --header 'X-Test one': expected NAME: VALUE" \
    err "$worker" --header 'X-Test one'
check "worker --header bad name" 2 "^trawl-worker: --header 'X Test: 1': not a valid header name" \
    err "$worker" --header 'X Test: 1'
# The value is echoed as given, so the message spans two lines.
check "worker --header CR LF" 2 "^X-Evil: 1': the value holds a CR or LF" \
    err "$worker" --header $'X-A: a\r\nX-Evil: 1'
check "worker --header User-Agent" 2 \
    "^trawl-worker: --header 'User-Agent: me': User-Agent cannot be set as a header: set it with --user-agent" \
    err "$worker" --header 'User-Agent: me'
check "worker --header good then bad" 2 "^trawl-worker: --header 'user-agent:x'" err \
    "$worker" --header 'X-A: 1' --header 'X-B:2' --header 'user-agent:x'
check "worker --proxy scheme" 2 "^trawl-worker: --proxy 'ftp://p.example:21': unsupported proxy scheme \"ftp\"" \
    err "$worker" --proxy ftp://p.example:21
check "worker --proxy without scheme" 2 "^trawl-worker: --proxy '127.0.0.1:3128': expected a proxy URL" \
    err "$worker" --proxy 127.0.0.1:3128
check "worker --keep-body-bytes" 2 "^trawl-worker: --keep-body-bytes '0': expected a whole number from 1" \
    err "$worker" --keep-body-bytes 0
printf '{"headers": {"hosts": {"shop.example": {"X Bad": "1"}}}}' >"$tmp/rules-bad-header.json"
check "worker --rules bad header" 2 \
    "^trawl-worker: --rules .*rules-bad-header.json: header \"X Bad\" \(host \"shop.example\"\): not a valid header name" \
    err "$worker" --rules "$tmp/rules-bad-header.json"

# diagnostics
# A malformed server address is a usage error at flag parsing, in every program that takes the
# flag (all three take --amqp; the producer and the worker --redis; only the worker --metrics),
# and from the environment too, naming the variable. A password is never printed.
for p in "$producer" "$worker" "$dump"; do
    prog=$(basename "$p")
    for v in localhost:5672 http://x amqp://h:0 amqp://h:99999 amqp://h:x; do
        check "$prog --amqp $v" 2 "^$prog: --amqp '$v': expected amqp://USER:PASS@HOST:PORT\[/VHOST\]" \
            err "$p" --amqp "$v"
    done
    check "$prog TRAWL_AMQP_URL" 2 "^$prog: TRAWL_AMQP_URL 'localhost:5672': expected amqp://" \
        err env TRAWL_AMQP_URL=localhost:5672 "$p"
    # The password is masked (the user name is kept), even in a value that is no URL.
    for v in 'amqp://u:secret@127.0.0.1:bad' 'u:secret@127.0.0.1:5672' 'amqp://u:sec@ret@h:x'; do
        check "$prog --amqp hides the password" 2 "^$prog: --amqp '(amqp://u:)?\*\*\*@" err \
            "$p" --amqp "$v"
        if grep -q -e secret -e ret@ "$tmp/err"; then
            failed=$((failed + 1))
            echo "FAIL $prog --amqp '$v' printed the password: $(cat "$tmp/err")"
        fi
    done
    [[ $prog != trawl-dump ]] || continue # the dump reads RabbitMQ only
    for v in 127.0.0.1:6379 redis://h:p0rt redis://h:70000 redis://h:1/x; do
        check "$prog --redis $v" 2 "^$prog: --redis '$v': expected redis://\[:PASSWORD@\]HOST" \
            err "$p" --redis "$v"
    done
    check "$prog TRAWL_REDIS_URL" 2 "^$prog: TRAWL_REDIS_URL 'redis://h:p0rt': expected redis://" \
        err env TRAWL_REDIS_URL=redis://h:p0rt "$p"
    check "$prog TRAWL_REDIS_URL hides the password" 2 "^$prog: TRAWL_REDIS_URL 'redis://:\*\*\*@h:x'" \
        err env TRAWL_REDIS_URL='redis://:secret@h:x' "$p"
done
for v in 9091 host:notaport 127.0.0.1:99999 :9091 ::1:9091; do
    check "worker --metrics $v" 2 "^trawl-worker: --metrics '$v': expected HOST:PORT" err \
        "$worker" --metrics "$v"
done
# A flag wins over a bad variable: the given --amqp is used (a refused connection, exit 1,
# naming the flag as its origin and the fix).
check "flag wins over a bad TRAWL_AMQP_URL" 1 \
    "cannot connect to RabbitMQ at 127.0.0.1:1 \(from --amqp\): connection refused .* set --amqp or TRAWL_AMQP_URL" \
    err env TRAWL_AMQP_URL=localhost:5672 "$dump" --queue records --amqp amqp://g:g@127.0.0.1:1
# --amqp given once per node is one list (each node tried), the variable's value replaced.
check "--amqp repeated is a list" 1 \
    "127.0.0.1:2 \(from --amqp\): connection refused.*127.0.0.1:1 \(from --amqp\)|127.0.0.1:1 \(from --amqp\): connection refused.*127.0.0.1:2 \(from --amqp\)" \
    err env TRAWL_AMQP_URL=amqp://g:g@127.0.0.1:3 "$dump" --queue records \
    --amqp amqp://g:g@127.0.0.1:1 --amqp amqp://g:g@127.0.0.1:2
if grep -q '127.0.0.1:3' "$tmp/err"; then
    failed=$((failed + 1))
    echo "FAIL --amqp repeated: the variable's broker was tried too: $(cat "$tmp/err")"
fi
check "producer, broker refused" 1 \
    "cannot connect to RabbitMQ at 127.0.0.1:1 \(from TRAWL_AMQP_URL\): connection refused" err \
    env TRAWL_AMQP_URL=amqp://g:g@127.0.0.1:1 "$producer" /dev/null
# Rates are whole counts; a fraction is told its whole equivalent.
check "worker --rate 0.5/s" 2 "^trawl-worker: --rate '0.5/s': expected a whole COUNT per s, m or h; 0.5/s is 30/m$" \
    err "$worker" --rate 0.5/s
check "worker --rate-host a=0.25/m" 2 "^trawl-worker: --rate-host 'a=0.25/m': .*0.25/m is 15/h$" \
    err "$worker" --rate-host a=0.25/m

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
