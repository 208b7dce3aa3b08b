#!/usr/bin/env bash
# 21-late-slot.sh -- a slot taken late is given up, not crowded against the next. One worker
# books a host's slots at 10/s; it is stopped (SIGSTOP) for 2 s while slots are booked ahead,
# then continued: the slots that came due meanwhile are all late at once. The worker must
# give each up and book anew (its late_slots count says so) rather than fire them together:
# nginx's log must show no 1-second window with more than the rate plus the burst (11).
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-late-$$
dir=$(e2e_dir "$prefix")
host=127.0.0.3
for i in $(seq 1 150); do echo "http://$host:$NGINX_PORT/?late=$prefix-$i"; done >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"
"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 10/s --idle-exit 2 \
    --progress 1 2>"$dir/worker.log" &
pid=$!
served() { grep -c "late=$prefix-" "$NGINX_ACCESS_LOG" || true; }
deadline=$((SECONDS + 30))
until (($(served) >= 30)); do
    ((SECONDS < deadline)) || e2e_fail "the worker did not get going"
    sleep 0.1
done
kill -STOP "$pid"
sleep 2 # the length of the stall is what this test is about
kill -CONT "$pid"
e2e_wait_pids 60 "$pid"
late=$(grep -o 'late_slots=[0-9]*' "$dir/worker.log" | tail -1 | cut -d= -f2)
echo "late slots given up: $late"
((late > 0)) || e2e_fail "no slot was found late after a 2 s stall"
grep -F "late=$prefix-" "$NGINX_ACCESS_LOG" | cut -d' ' -f1 >"$dir/times.txt"
/usr/bin/python3 - "$dir/times.txt" <<'PY'
import os, sys
sys.path.insert(0, os.environ["TRAWL_ROOT"] + "/tests/e2e")
from request_times import busiest
times = [float(x) for x in open(sys.argv[1])]
worst = busiest(times)
print(f"{len(times)} requests; busiest 1 s window: {worst} (limit 10 + burst 1)")
sys.exit(0 if len(times) >= 150 and worst <= 11 else 1)
PY
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
