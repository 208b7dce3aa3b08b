#!/usr/bin/env bash
# 50-hostile-servers.sh -- every case of our fault server (tests/fault) through two workers:
# each URL ends as the record or dead letter the contract asks for, in bounded time, and the
# workers' memory stays bounded (a gzip bomb is never inflated in memory).
# --host-concurrency 0: every case is on one host; its 429 and 503 cases still pause that
# host for every worker (shared backoff), which is why the run takes ~40 s.
# trawl-timeout: 240
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-hostile-$$
dir=$(e2e_dir "$prefix")
e2e_start_fault_server "$dir"
base=$FAULT_BASE

# path -> expected outcome: "record STATUS" or a dead-letter code (with attempts for retried ones).
cat >"$dir/cases.txt" <<CASES
/ok record 200
/status?code=999 record 999
/status?code=404 record 404
/invalid-utf8 record 200
/binary record 200
/binary-as-html record 200
/empty-body record 200
/redirect-chain?n=3 record 200
/flaky?fail=1&key=$prefix record 200
/slow-loris timeout 2
/hang timeout 2
/slow-headers timeout 2
/endless too_large 1
/big?bytes=20000000 too_large 1
/big-undeclared?bytes=3000000 too_large 1
/declared-too-long too_large 1
/gzip-bomb too_large 1
/gzip-bomb-nested too_large 1
/brotli-bomb too_large 1
/redirect-loop too_many_redirects 1
/redirect-ftp bad_redirect 1
/redirect-private blocked_address 1
/reset-mid-body reset 2
/close-early truncated 1
/empty-reply empty_reply 2
/huge-headers bad_response 1
/huge-header-line bad_response 1
/bad-status-line bad_response 1
/status?code=42 bad_response 1
/garbage bad_response 1
/http09 bad_response 1
/bad-chunked bad_response 1
/bad-gzip bad_encoding 1
/status?code=503 http_503 2
/status?code=429&retry-after=2 http_429 2
CASES
awk -v b="$base" '{ print b $1 }' "$dir/cases.txt" >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

pids=()
for i in 1 2; do
    "$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s \
        --host-concurrency 0 --timeout 5 --max-bytes 1000000 --max-attempts 2 --idle-exit 3 \
        2>"$dir/worker$i.log" &
    pids+=($!)
done
e2e_wait_pids 180 "${pids[@]}"
grep -h "max_rss_kb" "$dir"/worker*.log | tail -2

e2e_dump "$prefix" records "$dir/records.jsonl"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
/usr/bin/python3 - "$base" "$dir/cases.txt" "$dir/records.jsonl" "$dir/dead.jsonl" \
    "$dir/fault.log" "$dir"/worker*.log <<'PY'
import json, re, sys
base, cases, records, dead, fault_log, *worker_logs = sys.argv[1:]
want = {}
for line in open(cases):
    path, kind, arg = line.split()
    want[base + path] = (kind, arg)
got = {}
for r in map(json.loads, filter(str.strip, open(records))):
    got.setdefault(r["url"], []).append(("record", str(r["status"]), r))
for d in map(json.loads, filter(str.strip, open(dead))):
    got.setdefault(d["url"], []).append((d["error"], str(d["attempts"]), d))
problems = []
for url, (kind, arg) in want.items():
    outcomes = got.get(url, [])
    if len(outcomes) != 1:
        problems.append(f"{url}: {len(outcomes)} outcomes, want 1")
        continue
    k, a, doc = outcomes[0]
    if (k, a) != (kind, arg):
        problems.append(f"{url}: got {k} {a} ({doc.get('detail', '')}), want {kind} {arg}")
    if k != "record" and ("libcurl" in doc["detail"] or "Out of memory" in doc["detail"]):
        problems.append(f"{url}: a library's wording in the detail: {doc['detail']}")
for url in got:
    if url not in want:
        problems.append(f"unexpected outcome for {url}")
# The records of odd bodies carry no page fields.
for url, outcomes in got.items():
    for k, a, doc in outcomes:
        if url.endswith("/binary") and (doc["title"] is not None or doc["links"]):
            problems.append(f"{url}: page fields from a binary body")
        if url.endswith("/empty-body") and doc["bytes"] != 0:
            problems.append(f"{url}: bytes {doc['bytes']}, want 0")
        if "redirect-chain" in url and not doc["final_url"].startswith(base + "/ok"):
            problems.append(f"{url}: final_url {doc['final_url']}")
# Retry-After: 2 was honoured: the second request came at least 2 s after the first.
times = [float(l.split()[0]) for l in open(fault_log) if "retry-after=2" in l]
if len(times) != 2 or times[1] - times[0] < 2.0:
    problems.append(f"Retry-After not honoured: request times {times}")
# The redirect loop stopped at the limit: the first request plus 10 redirects.
loops = sum(1 for l in open(fault_log) if l.split()[2] == "redirect-loop")
if loops != 11:
    problems.append(f"redirect-loop was requested {loops} times, want 11")
# Memory stayed bounded: bombs and endless bodies were cut at --max-bytes.
for log in worker_logs:
    rss = [int(x) for x in re.findall(r"max_rss_kb=(\d+)", open(log).read())]
    if not rss or rss[-1] > 150 * 1024:
        problems.append(f"{log}: max RSS {rss[-1:] } KiB, want under 150 MiB")
print(f"cases={len(want)} records={sum(len(v) for v in got.values())} problems={len(problems)}")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
e2e_assert_queues_empty "$prefix"
