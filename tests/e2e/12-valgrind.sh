#!/usr/bin/env bash
# 12-valgrind.sh -- the daemons under valgrind: the producer and a worker crawling 200 pages
# (records, retries and dead letters on the way) make no invalid access, use no uninitialised
# value and leak nothing.
#
# The retries and dead letters: three URLs on a closed port (two sites). Each site's robots.txt
# fetch fails with "connect", so its pages fail with that code too (worker/robots.c), as a
# transient failure: retried once after the site's next robots.txt fetch (about 30 s), which
# fails the same way, and with --max-attempts 2 they end as dead letters with 2 attempts.
# trawl-timeout: 300
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

prefix=e2e-valgrind-$$
dir=$(e2e_dir "$prefix")
head -n 200 "$SITE_DIR/urls.txt" >"$dir/urls.txt"
closed=(http://127.0.0.1:1/closed-1 http://127.0.0.1:1/closed-2 http://127.0.0.2:1/closed-3)
printf '%s\n' "${closed[@]}" >"$dir/closed.txt"
cat "$dir/closed.txt" >>"$dir/urls.txt"
# The programs link mimalloc: the synonym makes valgrind replace its malloc as it does glibc's,
# and the suppressions file says what that leaves to ignore.
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-fds=no --soname-synonyms='somalloc=*mimalloc*'
    --suppressions="$TRAWL_ROOT/tests/valgrind.supp")

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

# Retries and dead letters did happen: the worker's last progress line counts them (one retry
# and one dead letter per closed URL at least), and each closed URL is a dead letter of
# "connect" after 2 attempts, both of them "connect".
last=$(grep -F ' progress ' "$dir/worker.log" | tail -1)
[[ -n $last ]] || e2e_fail "no progress line in $dir/worker.log"
retries=$(grep -o ' retries=[0-9]*' <<<"$last" | cut -d= -f2) || true
dead=$(grep -o ' dead=[0-9]*' <<<"$last" | cut -d= -f2) || true
echo "worker: retries=${retries:-none} dead=${dead:-none}"
((${retries:-0} >= ${#closed[@]} && ${dead:-0} >= ${#closed[@]})) ||
    e2e_fail "want retries and dead >= ${#closed[@]} on the last progress line: $last"
/usr/bin/python3 - "$dir/closed.txt" "$dir/dead.jsonl" <<'EOF'
import json
import sys

want = [line.strip() for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
dead = {}
for line in open(sys.argv[2], encoding="utf-8"):
    if line.strip():
        d = json.loads(line)
        dead.setdefault(d.get("url"), []).append(d)
bad = []
for url in want:
    letters = dead.get(url)
    if not letters:
        bad.append(f"{url}: no dead letter")
        continue
    for d in letters:
        codes = [e.get("error") for e in d.get("errors") or []]
        if d.get("error") != "connect" or d.get("attempts") != 2 or codes != ["connect"] * 2:
            bad.append(f"{url}: want error connect, attempts 2, errors [connect, connect]; got "
                       f"error={d.get('error')} attempts={d.get('attempts')} errors={codes}")
print(f"dead letters: {sum(len(v) for v in dead.values())}, of the closed URLs: "
      f"{sum(len(dead.get(u, [])) for u in want)}")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
