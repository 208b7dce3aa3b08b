#!/usr/bin/env bash
# 13-metrics.sh -- --metrics serves Prometheus text whose counters match what the worker did:
# 20 pages, one closed port (a connect error), and each host's robots.txt first (the sample
# site serves one, 2xx; the closed port's fails to connect, so its page is never tried): the
# status classes and the latency histogram count every request made.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-metrics-$$
dir=$(e2e_dir "$prefix")
{ head -n 20 "$SITE_DIR/urls.txt"; echo "http://127.0.0.1:1/closed"; } >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"
"$BUILD/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 1000/s \
    --max-attempts 1 --progress 0.2 --metrics 127.0.0.1:0 2>"$dir/worker.log" &
pid=$!
deadline=$((SECONDS + 60))
until awk '/ progress / && / records=20 / && / dead=1 / { seen = 1 } END { exit !seen }' \
    "$dir/worker.log" 2>/dev/null; do
    ((SECONDS < deadline)) || e2e_fail "the worker did not finish its 21 URLs"
    sleep 0.2
done
hosts=$(head -n 20 "$SITE_DIR/urls.txt" | cut -d/ -f3 | sort -u | wc -l)
port=$(grep -o 'metrics listening=[^ ]* port=[0-9]*' "$dir/worker.log" | grep -o '[0-9]*$')
curl -sS --max-time 5 "http://127.0.0.1:$port/metrics" >"$dir/metrics.txt"
for want in "trawl_pages_total{class=\"2xx\"} $((20 + hosts))" \
    'trawl_errors_total{code="connect"} 1' "trawl_fetch_duration_seconds_count $((21 + hosts))" \
    'trawl_transfers_in_flight 0' 'trawl_outcomes_total{kind="record"} 20' \
    'trawl_outcomes_total{kind="dead"} 1' "trawl_robots_total{event=\"fetch\"} $((hosts + 1))" \
    'trawl_robots_total{event="unavailable"} 1' \
    "trawl_fetch_duration_seconds_bucket{le=\"+Inf\"} $((21 + hosts))"; do
    grep -qxF "$want" "$dir/metrics.txt" || e2e_fail "metrics lack '$want': $(cat "$dir/metrics.txt")"
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/other")
[[ $code == 404 ]] || e2e_fail "/other answered $code, want 404"
kill -TERM "$pid"
e2e_wait_pids 30 "$pid"
echo "ok: $(grep -c . "$dir/metrics.txt") metric lines"
