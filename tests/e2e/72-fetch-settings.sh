#!/usr/bin/env bash
# 72-fetch-settings.sh -- the fetch settings people reach for, seen from the server's side. One
# fault server (its /headers case answers with the request's headers, which --keep-body puts in
# the record), one worker per part, each part with a prefix of its own:
#  1. headers and bodies: --header twice (one of them NAME:VALUE without a space), a rules file
#     with default and per-host headers (127.0.0.1 gets its own, localhost the defaults),
#     --keep-body with --keep-body-bytes 1000; http_proxy in the environment points at a dead
#     port, which the worker must ignore. The server sees --header and the rules' headers, the
#     host's winning a name over the default's and --header's; a 5,000-byte page is kept as
#     1,000 bytes with body_truncated, a binary one as body_base64, a small one whole.
#  2. --proxy through tests/tools/forward_proxy.py on loopback, without --allow-private (the
#     proxy's address is allowed because it was named): every page and robots.txt go through
#     the proxy (its log, and its Via header in the bodies), --header included.
#  3. the control: the same URL without --proxy is a blocked_address dead letter.
# trawl-timeout: 120
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

top=$(e2e_dir "e2e-fetch-settings-$$")
e2e_start_fault_server "$top"
host_port=${FAULT_BASE#http://}
port=${host_port##*:}

# run PART URLS WORKER_FLAGS... -- enqueues URLS (a file) under the part's own prefix, runs one
# worker until idle, and checks that every URL has its outcome; they are in $top/PART/.
run()
{
    local part=$1 urls=$2 prefix=e2e-fetch-$1-$$
    shift 2
    mkdir -p "$top/$part"
    "$BUILD/producer/trawl-producer" --prefix "$prefix" "$urls" 2>"$top/$part/producer.log"
    "$BUILD/worker/trawl-worker" --prefix "$prefix" --idle-exit 2 --progress 1 --rate 50/s \
        "$@" 2>"$top/$part/worker.log" &
    e2e_wait_pids 60 $!
    e2e_no_sanitizer_reports "$top/$part/worker.log"
    e2e_check_outcomes "$prefix" "$urls" "$top/$part"
}

# record PART URL -- the record of URL in PART (one JSON line), or fails.
record()
{
    local r
    r=$(jq -c --arg u "$2" 'select(.url == $u)' "$top/$1/records.jsonl")
    [[ -n $r ]] || e2e_fail "part $1: no record for $2"
    echo "$r"
}

# body_has PART URL TEXT -- the record's kept body holds the line TEXT.
body_has()
{
    record "$1" "$2" | jq -e --arg t "$3" '.body | split("\n") | index($t) != null' >/dev/null ||
        e2e_fail "part $1: $2: no line '$3' in the body: $(record "$1" "$2" | jq -c .body)"
}

body_lacks()
{
    record "$1" "$2" | jq -e --arg t "$3" '.body | split("\n") | index($t) == null' >/dev/null ||
        e2e_fail "part $1: $2: line '$3' in the body"
}

# --- 1. headers and bodies ----------------------------------------------------------------------
cat >"$top/rules.json" <<'JSON'
{"default": {"paragraphs": {"xpath": "//p", "list": true}},
 "headers": {"default": {"X-Rules-Default": "from-default", "X-Both": "rules-default"},
             "hosts": {"127.0.0.1": {"X-Rules-Host": "from-host", "X-Both": "rules-host"}}}}
JSON
a=http://127.0.0.1:$port b=http://localhost:$port
printf '%s\n' "$a/headers?n=1" "$b/headers?n=2" "$a/big?bytes=5000" "$a/binary" "$a/ok" \
    >"$top/urls1.txt"
http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 all_proxy=http://127.0.0.1:9 \
    run 1 "$top/urls1.txt" --allow-private --keep-body --keep-body-bytes 1000 \
    --header 'X-Trawl-Test: flag' --header 'X-Both:flag' --rules "$top/rules.json"
[[ ! -s $top/1/dead.jsonl ]] || e2e_fail "part 1: dead letters: $(head -3 "$top/1/dead.jsonl")"
body_has 1 "$a/headers?n=1" "x-trawl-test: flag"
body_has 1 "$a/headers?n=1" "x-rules-default: from-default"
body_has 1 "$a/headers?n=1" "x-rules-host: from-host"
body_has 1 "$a/headers?n=1" "x-both: rules-host"
body_lacks 1 "$a/headers?n=1" "x-both: flag"
body_has 1 "$b/headers?n=2" "x-trawl-test: flag"
body_has 1 "$b/headers?n=2" "x-both: rules-default"
body_lacks 1 "$b/headers?n=2" "x-rules-host: from-host"
record 1 "$a/headers?n=1" | jq -e '.body | test("(^|\n)user-agent: trawl/")' >/dev/null ||
    e2e_fail "part 1: the User-Agent is not --user-agent's"
record 1 "$a/big?bytes=5000" |
    jq -e '.bytes == 5000 and (.body | length) == 1000 and .body_truncated == true' >/dev/null ||
    e2e_fail "part 1: big page: $(record 1 "$a/big?bytes=5000" | jq -c '{bytes, n: (.body | length), body_truncated}')"
record 1 "$a/binary" | jq -e '(.body_base64 | length) == 1336 and .body_truncated == true
        and has("body") == false' >/dev/null ||
    e2e_fail "part 1: binary: $(record 1 "$a/binary" | jq -c '{n: (.body_base64 | length), body_truncated}')"
record 1 "$a/ok" | jq -e '(.body | contains("<title>ok</title>")) and has("body_truncated") == false
        and (.fields.paragraphs == ["fine"])' >/dev/null ||
    e2e_fail "part 1: small page: $(record 1 "$a/ok" | jq -c '{body, body_truncated, fields}')"
echo "part 1: --header, rules headers (host over default over --header) and --keep-body seen"

# --- 2. through a proxy ---------------------------------------------------------------------------
mkfifo "$top/proxy.listening"
/usr/bin/python3 "$TRAWL_ROOT/tests/tools/forward_proxy.py" --log "$top/proxy.log" \
    >"$top/proxy.listening" 2>"$top/proxy.err" &
read -r -t 15 line <"$top/proxy.listening" || e2e_fail "the proxy did not start: $(cat "$top/proxy.err")"
proxy=http://${line#listening on }
printf '%s\n' "$a/headers?p=1" "$a/headers?p=2" "$a/headers?p=3" >"$top/urls2.txt"
run 2 "$top/urls2.txt" --proxy "$proxy" --keep-body --header 'X-Via-Test: yes'
[[ ! -s $top/2/dead.jsonl ]] || e2e_fail "part 2: dead letters: $(head -3 "$top/2/dead.jsonl")"
for u in "$a/headers?p=1" "$a/headers?p=2" "$a/headers?p=3"; do
    body_has 2 "$u" "via: 1.1 trawl-test-proxy"
    body_has 2 "$u" "x-via-test: yes"
    jq -s -e --arg u "$u" 'any(.[]; .url == $u)' "$top/proxy.log" >/dev/null ||
        e2e_fail "part 2: the proxy did not see $u"
done
jq -s -e --arg u "$a/robots.txt" 'any(.[]; .url == $u and .headers["X-Via-Test"] == "yes")' \
    "$top/proxy.log" >/dev/null || e2e_fail "part 2: robots.txt did not go through the proxy with --header"
echo "part 2: $(grep -c . "$top/proxy.log") requests through $proxy, robots.txt included"

# --- 3. the control: no proxy, no --allow-private -----------------------------------------------
printf '%s\n' "$a/headers?control=1" >"$top/urls3.txt"
run 3 "$top/urls3.txt" --max-attempts 1
[[ $(jq -r .error "$top/3/dead.jsonl") == blocked_address ]] ||
    e2e_fail "part 3: want a blocked_address dead letter, got: $(cat "$top/3/dead.jsonl")"
echo "part 3: without --proxy the loopback site is blocked_address"
echo "PASS 72-fetch-settings"
