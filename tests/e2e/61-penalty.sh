#!/usr/bin/env bash
# 61-penalty.sh -- a 429 with Retry-After stops the whole host for every worker, judged at the
# server. Three workers, each in a network namespace of its own, crawl one site at --rate 20/s:
# 100 URLs of /flaky?fail=1&code=429&retry-after=5&key=K&n=I with one key K for all, so the
# first request of the run (whichever URL it is) gets 429 with Retry-After: 5, every later one
# 200. From the server's request log:
#  - no request reaches the site from 0.1 s after the 429 until 5 s - 0.1 s after it (a request
#    already on its way when the 429 was answered may land within the first 0.1 s);
#  - requests resume after the penalty, and every URL ends as a record (the 429's URL retried).
# trawl-timeout: 180
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"
source "$TRAWL_ROOT/tests/lib/netns.sh"

prefix=e2e-penalty-$$
dir=$(e2e_dir "$prefix")
e2e_netns_up 3
e2e_netns_fault_server "$dir"
key=$prefix
for i in $(seq 1 100); do
    echo "$FAULT_BASE/flaky?fail=1&code=429&retry-after=5&key=$key&n=$i"
done >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

# A small prefetch, so that every worker holds some of the URLs when the 429 comes.
pids=()
for i in 1 2 3; do
    e2e_netns_worker "$i" "$dir/worker$i.log" --prefix "$prefix" --allow-private --rate 20/s \
        --concurrency 4 --prefetch 10 --timeout 30 --idle-exit 5 --progress 1
    pids+=("$NETNS_WORKER_PID")
done
e2e_wait_pids 120 "${pids[@]}"

rc=0
/usr/bin/python3 - "$dir/fault.log" "key=$key&" <<'PY' || rc=$?
import sys
log, key = sys.argv[1:]
# "<time> <target> <case> <client>"; every request at this server is the site's.
reqs = [(float(l.split()[0]), l.split()[1], l.split()[3]) for l in open(log)]
ours = [r for r in reqs if key in r[1]]
assert ours, "no request with the key"
t429, first, client = ours[0]
after = [r for r in reqs if r[0] > t429]
during = [r for r in after if t429 + 0.1 < r[0] < t429 + 5 - 0.1]
resumed = [r for r in after if r[0] >= t429 + 5 - 0.1]
print(f"{len(reqs)} requests; the 429 at {t429:.3f} ({first} from {client})")
near = [f"{r[0] - t429:+.3f}" for r in after[:5]]
print(f"the next requests, seconds after the 429: {' '.join(near)}")
print(f"{len(during)} requests during the penalty, {len(resumed)} after it"
      + (f" (the first {resumed[0][0] - t429:.3f} s after the 429)" if resumed else ""))
clients = {}
for r in reqs:
    ip = r[2].rsplit(":", 1)[0]
    clients[ip] = clients.get(ip, 0) + 1
print("requests per worker address:", " ".join(f"{k}={v}" for k, v in sorted(clients.items())))
if len(clients) < 3:
    print("FAIL: not every worker sent requests (the penalty must be shared to be tested)")
    sys.exit(1)
for r in during[:5]:
    print(f"  during: {r[0] - t429:+.3f} s {r[1]} from {r[2]}")
sys.exit(0 if not during and resumed else 1)
PY
((rc == 0)) || e2e_fail "requests reached the site during the 429's penalty"
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
records=$(grep -c . "$dir/records.jsonl" || true)
((records >= 100)) || e2e_fail "$records records, want 100"
