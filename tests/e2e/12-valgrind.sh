#!/usr/bin/env bash
# 12-valgrind.sh -- the daemons under valgrind: the producer and a worker crawling 200 pages
# (records, retries and dead letters on the way) make no invalid access, use no uninitialised
# value and leak nothing.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-valgrind-$$
dir=$(e2e_dir "$prefix")
head -n 200 "$SITE_DIR/urls.txt" >"$dir/urls.txt"
echo "http://127.0.0.1:1/closed" >>"$dir/urls.txt"
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-fds=no)

"${vg[@]}" --log-file="$dir/producer.vg" "$BUILD/producer/trawl-producer" --prefix "$prefix" \
    "$dir/urls.txt" 2>"$dir/producer.log" || e2e_fail "producer: $(cat "$dir/producer.vg")"
"${vg[@]}" --log-file="$dir/worker.vg" "$BUILD/worker/trawl-worker" --prefix "$prefix" \
    --allow-private --rate 100000/s --max-attempts 2 --idle-exit 3 2>"$dir/worker.log" &
pid=$!
deadline=$((SECONDS + 240))
while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
kill -9 "$pid" 2>/dev/null && e2e_fail "the worker under valgrind did not finish in time"
rc=0
wait "$pid" || rc=$?
if ((rc != 0)) || [[ -s $dir/worker.vg ]]; then
    head -60 "$dir/worker.vg"
    e2e_fail "worker exit status $rc; valgrind's report above"
fi
e2e_dump "$prefix" records "$dir/records.jsonl"
e2e_dump "$prefix" dead "$dir/dead.jsonl"
/usr/bin/python3 "$TRAWL_ROOT/tests/e2e/check_invariant.py" "$dir/urls.txt" \
    "$dir/records.jsonl" "$dir/dead.jsonl"
