#!/usr/bin/env bash
# selftest.sh -- checks tests/fault/server.py: starts it on a free loopback port, asks it for a
# handful of its cases with curl and python (every request bounded in time), and checks what
# comes back and what the request log says. Stops the server by PID on exit.
#
# Prints one line per check; the last line is "N passed, M failed". Exits non-zero on any
# failure. Run it alone, or from tests/run (tests/e2e/05-fault-server.sh), which sets TEST_DIR:
# the server's logs are then kept there.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
# Everything here is loopback: a proxy from the environment would only get in the way.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

if [[ -n ${TEST_DIR:-} ]]; then
    work=$TEST_DIR/fault-server
    rm -rf "$work"
    mkdir -p "$work"
    keep=1
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/trawl-fault.XXXXXX")
    keep=0
fi
server_pid=
declare -a bg_pids=()

cleanup()
{
    local pid i
    for pid in "${bg_pids[@]}" $server_pid; do
        kill -TERM "$pid" 2>/dev/null || continue
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if ((keep == 0)); then
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
pass()
{
    passed=$((passed + 1))
    printf 'ok    %s\n' "$1"
}
fail()
{
    failed=$((failed + 1))
    printf 'FAIL  %s: %s\n' "$1" "$2"
}
# check NAME WANT GOT
check()
{
    if [[ $2 == "$3" ]]; then
        pass "$1"
    else
        fail "$1" "want '$2', got '$3'"
    fi
}

# c: curl bounded in time, quiet, no proxy. cn: the same, body to /dev/null (one URL).
c()
{
    curl -s --noproxy '*' --max-time "${MAXTIME:-10}" "$@"
}
cn()
{
    c -o /dev/null "$@"
}

# curl_exit NAME WANT_EXIT URL [CURL_ARGS...] -- the curl exit code for URL is WANT_EXIT.
curl_exit()
{
    local name=$1 want=$2 url=$3 rc=0
    shift 3
    cn "$@" "$url" || rc=$?
    check "$name (curl exit $want)" "$want" "$rc"
}

# --- start the server: its first stdout line, through a FIFO, says it is listening ----------

mkfifo "$work/ready"
"$PY" "$here/server.py" --port 0 --log "$work/requests.log" >"$work/ready" 2>"$work/server.err" &
server_pid=$!
# Read-write: opening never blocks, even if the server died before opening its end.
exec {ready_fd}<>"$work/ready"
line=
read -r -t 15 -u "$ready_fd" line || true
if [[ $line != "listening on 127.0.0.1:"* ]]; then
    echo "FAIL: server did not say it was listening within 15 s (got '$line')" >&2
    cat "$work/server.err" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
port=${line##*:}
U=http://127.0.0.1:$port
echo "server pid $server_pid on $U, log $work/requests.log"

# --- well-formed answers ---------------------------------------------------------------------

out=$(c -o - -w '\n%{http_code}' "$U/ok?n=1")
check "/ok status" 200 "${out##*$'\n'}"
if [[ $out == *"<title>ok</title>"* ]]; then
    pass "/ok title"
else
    fail "/ok title" "no <title>ok</title> in: $out"
fi
check "/ok keep-alive (second URL on the same connection)" "1 0" \
    "$(c -o /dev/null -o /dev/null -w '%{num_connects} ' "$U/ok?n=2" "$U/ok?n=3" | xargs)"
check "404 for anything else" 404 "$(cn -w '%{http_code}' "$U/no/such/case?x=1")"
check "/status?code=999" 999 "$(cn -w '%{http_code}' "$U/status?code=999")"
hdrs=$(cn -D - -w '%{http_code}' "$U/status?code=503&retry-after=Wed,%2021%20Oct%202015%2007:28:00%20GMT")
if [[ $hdrs == *$'\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n'*503 ]]; then
    pass "/status Retry-After verbatim"
else
    fail "/status Retry-After verbatim" "$hdrs"
fi
key=selftest-$$-$RANDOM
codes=
for i in 1 2 3; do
    codes+="$(cn -w '%{http_code}' "$U/flaky?fail=2&key=$key") "
done
check "/flaky?fail=2: 503 twice, then 200" "503 503 200" "${codes% }"
check "/empty-body" "200 0" "$(cn -w '%{http_code} %{size_download}' "$U/empty-body")"
check "/big?bytes=1000" "200 1000" "$(cn -w '%{http_code} %{size_download}' "$U/big?bytes=1000")"
curl_exit "/big declares 20 MB (curl --max-filesize 10M)" 63 "$U/big" --max-filesize 10000000
check "/big-undeclared?bytes=12345" "12345" "$(cn -w '%{size_download}' "$U/big-undeclared?bytes=12345")"
c -o "$work/binary" "$U/binary"
c -o "$work/binary-as-html" -w '%{content_type}' "$U/binary-as-html" >"$work/binary-as-html.type"
check "/binary is 64 KiB" 65536 "$(stat -c %s "$work/binary")"
if cmp -s "$work/binary" "$work/binary-as-html"; then
    pass "/binary-as-html has the same bytes"
else
    fail "/binary-as-html has the same bytes" "they differ"
fi
check "/binary-as-html is labelled text/html" text/html "$(cat "$work/binary-as-html.type")"
check "/redirect-chain?n=3 ends on /ok after 3 redirects" "$U/ok?t=a 3 200" \
    "$(cn -L -w '%{url_effective} %{num_redirects} %{http_code}' "$U/redirect-chain?n=3&t=a")"
check "/redirect-ftp Location" "ftp://127.0.0.1/x" "$(cn -w '%{redirect_url}' "$U/redirect-ftp")"
check "/redirect-private Location" "http://169.254.169.254/" "$(cn -w '%{redirect_url}' "$U/redirect-private")"

# --- broken ones, as curl sees them ----------------------------------------------------------

curl_exit "/redirect-loop --max-redirs 5" 47 "$U/redirect-loop?k=$$" -L --max-redirs 5
curl_exit "/empty-reply" 52 "$U/empty-reply"
curl_exit "/reset-mid-body" 56 "$U/reset-mid-body"
curl_exit "/close-early" 18 "$U/close-early"
curl_exit "/bad-chunked" 56 "$U/bad-chunked"
curl_exit "/bad-gzip --compressed" 61 "$U/bad-gzip" --compressed
curl_exit "/declared-too-long (curl --max-filesize 10M)" 63 "$U/declared-too-long" --max-filesize 10000000
curl_exit "/http09" 1 "$U/http09"
curl_exit "/bad-status-line" 1 "$U/bad-status-line"
curl_exit "/huge-header-line (libcurl: out of memory)" 27 "$U/huge-header-line"

# Raw sockets: what curl would not show us. The python prints "ok|FAIL<TAB>NAME<TAB>DETAIL".
rc=0
"$PY" - "$port" >"$work/raw.out" 2>"$work/raw.err" <<'PYEOF' || rc=$?
import socket, sys, zlib
port = int(sys.argv[1])
failures = 0

def check(name, ok, detail=""):
    global failures
    print(f"{'ok' if ok else 'FAIL'}\t{name}\t{detail!s:.200}", flush=True)
    failures += not ok

def get(path, limit=1 << 30):
    """Raw (head, body) for path: reads until close, or LIMIT body bytes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    buf = b""
    while True:
        data = s.recv(1 << 16)
        if not data:
            break
        buf += data
        head, sep, body = buf.partition(b"\r\n\r\n")
        if sep and len(body) >= limit:
            break
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    return head, body

head, body = get("/huge-headers")
check("/huge-headers: headers over 100 KB", len(head) > 100_000 and b"<title>" in body, len(head))
head, body = get("/huge-header-line")
longest = max(len(l) for l in head.split(b"\r\n"))
check("/huge-header-line: one header line over 300 KB", longest >= 300_000, longest)
head, _ = get("/status?code=42")
check("/status?code=42 status line", head.startswith(b"HTTP/1.1 42 "), head[:40])
head, body = get("/invalid-utf8")
try:
    body.decode("utf-8")
    check("/invalid-utf8 body is not UTF-8", False, "it decodes")
except UnicodeDecodeError:
    check("/invalid-utf8 body is not UTF-8", b"charset=utf-8" in head, head)
head, body = get("/garbage")
check("/garbage is no HTTP", len(body) + len(head) > 0 and not head.startswith(b"HTTP/"), head[:20])
head, body = get("/endless", limit=4 << 20)
check("/endless: chunked, 4 MiB and going", b"Transfer-Encoding: chunked" in head
      and len(body) >= 4 << 20, len(body))

head, body = get("/gzip-bomb")
check("/gzip-bomb: under 200 KB compressed", b"Content-Encoding: gzip" in head
      and len(body) < 200_000, len(body))
d = zlib.decompressobj(31)
first = d.decompress(body, 10_000_000)
check("/gzip-bomb: the first 10 MB inflate to zeros", first == bytes(10_000_000), len(first))
total = len(first)
while not d.eof and total < 1 << 30:
    out = d.decompress(d.unconsumed_tail, 1 << 24)
    if not out:
        break
    total += len(out)
check("/gzip-bomb: inflates to over 100 MB, a valid gzip stream", total > 100_000_000 and d.eof,
      (total, d.eof))
sys.exit(1 if failures else 0)
PYEOF
while IFS=$'\t' read -r status name detail; do
    if [[ $status == ok ]]; then
        pass "$name"
    else
        fail "$name" "$detail"
    fi
done <"$work/raw.out"
if ((rc != 0)) && ! grep -q '^FAIL' "$work/raw.out"; then
    fail "raw socket checks" "python exited $rc: $(tail -3 "$work/raw.err")"
fi

# Bombs of 1 GiB: curl inflates them (a few seconds each) and they come out whole.
check "/gzip-bomb-nested (gzip, gzip) inflates to 1 GiB" 1073741824 \
    "$(curl -s --noproxy '*' --max-time 60 --compressed "$U/gzip-bomb-nested" | wc -c)"
# The server answers 404 when it has no brotli encoder (neither the brotli module nor
# libbrotlienc, which libcurl depends on): that is a broken set-up, not a case to skip.
code=$(cn -w '%{http_code}' "$U/brotli-bomb")
if [[ $code == 200 ]]; then
    check "/brotli-bomb inflates to 1 GiB" 1073741824 \
        "$(curl -s --noproxy '*' --max-time 60 --compressed "$U/brotli-bomb" | wc -c)"
else
    fail "/brotli-bomb inflates to 1 GiB" "status '$code', want 200 (404: no brotli encoder)"
fi

# --- slow cases, all at once: the server stays quick for everyone else ---------------------

for p in slow-loris slow-headers hang endless; do
    for i in 1 2 3 4 5; do
        MAXTIME=3 cn -w '%{size_download}' "$U/$p?i=$i" >"$work/slow-$p-$i.out" 2>&1 &
        bg_pids+=($!)
    done
done
# Once the server has them all (bounded: 5 s), 200 requests, 50 at a time, must all be
# answered within 10 s.
for ((i = 0; i < 100; i++)); do
    (($(grep -cE ' /(slow-loris|slow-headers|hang|endless)\?i=[0-9] ' "$work/requests.log") >= 20)) && break
    sleep 0.05
done
ok200=$(curl -s --noproxy '*' --max-time 10 -Z --parallel-max 50 -w '%{http_code}\n' \
    -o /dev/null "$U/ok?burst=[1-200]" 2>/dev/null | grep -c '^200$')
check "200 concurrent /ok while 20 slow connections hang on" 200 "$ok200"
declare -A rcs=()
for pid in "${bg_pids[@]}"; do
    rc=0
    wait "$pid" || rc=$?
    rcs[$rc]=$((${rcs[$rc]:-0} + 1))
done
bg_pids=()
check "20 slow connections all end in curl's timeout (28)" "20" "${rcs[28]:-0}"
loris=$(cat "$work/slow-slow-loris-1.out")
if [[ $loris =~ ^[0-9]+$ ]] && ((loris >= 1 && loris <= 3)); then
    pass "/slow-loris: a byte every 2 s ($loris in 3 s)"
else
    fail "/slow-loris: a byte every 2 s" "'$loris' bytes in 3 s"
fi

# --- the request log ---------------------------------------------------------------------------

log=$work/requests.log
bad_lines=$(grep -cvE '^[0-9]+\.[0-9]{3} /[^ ]* [a-z0-9-]+ 127\.0\.0\.1:[0-9]+$' "$log")
check "every log line is '<time.ms> <target> <case> <ip:port>'" 0 "$bad_lines"
check "log: 3 lines for /flaky with our key" 3 "$(grep -c " /flaky?fail=2&key=$key flaky " "$log")"
check "log: 6 /redirect-loop requests for --max-redirs 5" 6 "$(grep -c " /redirect-loop?k=$$ redirect-loop " "$log")"
check "log: the unknown path is case not-found" 1 "$(grep -c ' /no/such/case?x=1 not-found ' "$log")"
check "log: the hanging requests are logged" 5 "$(grep -c ' hang ' "$log")"

# --- still alive, and nothing on stderr ------------------------------------------------------

check "server still answers" 200 "$(cn -w '%{http_code}' "$U/ok?end=1")"
if kill -0 "$server_pid" 2>/dev/null; then
    pass "server still running"
else
    fail "server still running" "it died"
fi
if [[ ! -s $work/server.err ]]; then
    pass "server stderr is empty"
else
    fail "server stderr is empty" "$(head -20 "$work/server.err")"
fi

echo "$passed passed, $failed failed"
((failed == 0))
