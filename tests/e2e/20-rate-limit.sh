#!/usr/bin/env bash
# 20-rate-limit.sh -- three workers share one host's limit of 20/s through Redis. nginx's log
# is the judge: over the first 10 s no 1-second window holds more than the rate plus the
# burst, and the total is within 5% of 200.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-rate-$$
dir=$(e2e_dir "$prefix")
host=127.0.0.2
# 240 distinct URLs of one host (12 s of work at 20/s); the tag finds them in the shared log.
for i in $(seq 1 240); do
    echo "http://$host:$NGINX_PORT/?rl=$prefix-$i"
done >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"

pids=()
for i in 1 2 3; do
    "$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s \
        --rate-host "$host=20/s" --idle-exit 2 2>"$dir/worker$i.log" &
    pids+=($!)
done
e2e_wait_pids 120 "${pids[@]}"
e2e_dump "$prefix" records "$dir/records.jsonl"
records=$(grep -c . "$dir/records.jsonl" || true)
((records == 240)) || e2e_fail "$records records, want 240"

# Request times (ms) of this test's URLs, from the access log ($msec is the first field).
grep -F "rl=$prefix-" "$NGINX_ACCESS_LOG" | cut -d' ' -f1 >"$dir/times.txt"
/usr/bin/python3 - "$dir/times.txt" <<'PY'
import os, sys
sys.path.insert(0, os.environ["TRAWL_ROOT"] + "/tests/e2e")
from request_times import busiest
times = sorted(float(x) for x in open(sys.argv[1]))
if len(times) < 240:
    sys.exit(f"only {len(times)} requests logged, want 240")
first10 = [t for t in times if t < times[0] + 10]
worst = busiest(times)
limit, burst = 20, 1
print(f"requests in the first 10 s: {len(first10)} (want 200 +- 5%); "
      f"busiest 1 s window: {worst} (limit {limit} + burst {burst})")
ok = abs(len(first10) - 200) <= 10 and worst <= limit + burst
sys.exit(0 if ok else 1)
PY
e2e_assert_queues_empty "$prefix"
