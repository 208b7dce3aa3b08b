#!/usr/bin/env bash
# 51-concurrency.sh -- --concurrency caps the transfers in flight, whatever the prefetch: six
# URLs that hang until the 2 s timeout, two at a time, reach the server in three waves.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-concurrency-$$
dir=$(e2e_dir "$prefix")
e2e_start_fault_server "$dir"
for i in 1 2 3 4 5 6; do echo "$FAULT_BASE/hang?$prefix-$i"; done >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"
"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s --concurrency 2 \
    --prefetch 10 --timeout 2 --max-attempts 1 --idle-exit 1 2>"$dir/worker.log" &
e2e_wait_pids 60 $!
/usr/bin/python3 - "$dir/fault.log" "$prefix" <<'PY'
import sys
times = sorted(float(l.split()[0]) for l in open(sys.argv[1]) if sys.argv[2] in l)
assert len(times) == 6, f"{len(times)} requests, want 6"
t0 = times[0]
print("request times (s after the first):", [f"{t - t0:.2f}" for t in times])
# Two at a time: each pair starts once the previous pair timed out (2 s).
ok = all(times[i] - t0 < 1.0 for i in (0, 1)) and all(1.5 < times[i] - t0 < 3.5 for i in (2, 3)) \
    and all(3.5 < times[i] - t0 < 5.5 for i in (4, 5))
sys.exit(0 if ok else 1)
PY
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir"
