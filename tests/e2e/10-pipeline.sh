#!/usr/bin/env bash
# 10-pipeline.sh -- the whole pipeline: every page of the sample site (2,000 pages over 12
# hosts) through the producer and two workers. Exactly one record per page, every title and
# link list right, nothing dead, every queue empty at the end.
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

BIN=${BIN:-$BUILD}
prefix=e2e-pipeline-${BIN##*/}-$$
dir=$(e2e_dir "$prefix")
urls=$SITE_DIR/urls.txt
total=$(grep -c . "$urls")
((total >= 2000)) || e2e_fail "the sample site has $total pages, want at least 2000"

"$BIN/producer/trawl-producer" --prefix "$prefix" "$urls" 2>"$dir/producer.log"
grep -q "^enqueued=$total duplicate=0 invalid=0\$" "$dir/producer.log" ||
    e2e_fail "producer summary: $(tail -1 "$dir/producer.log")"

pids=()
for i in 1 2; do
    "$BIN/worker/trawl-worker" --prefix "$prefix" --allow-private --rate 100000/s \
        --concurrency 32 --idle-exit 2 --progress 2 2>"$dir/worker$i.log" &
    pids+=($!)
done
e2e_wait_pids 300 "${pids[@]}"
e2e_no_sanitizer_reports "$dir"/worker*.log "$dir/producer.log"

# Both workers took part (the record count per worker is in their last progress line).
for i in 1 2; do
    n=$(grep -o 'records=[0-9]*' "$dir/worker$i.log" | tail -1 | cut -d= -f2)
    ((${n:-0} > 0)) || e2e_fail "worker $i published no record"
done

e2e_dump "$prefix" records "$dir/records.jsonl"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
[[ ! -s $dir/dead.jsonl ]] || e2e_fail "dead letters: $(head -3 "$dir/dead.jsonl")"
/usr/bin/python3 "$TRAWL_ROOT/tests/e2e/check_records.py" "$dir/records.jsonl" \
    "$SITE_DIR/expected.jsonl"
e2e_assert_queues_empty "$prefix"
echo "ok: $total pages, 2 workers, every record right"
