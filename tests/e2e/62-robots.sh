#!/usr/bin/env bash
# 62-robots.sh -- robots.txt, judged at the server. Three workers, each in a network namespace
# of its own, crawl one site (the fault server, /robots.txt served from a file by --robots);
# each part has a site (server, port) and a prefix of its own, so nothing is cached from before.
#  1. rules: "User-agent: trawl / Disallow: /status / Crawl-delay: 1", --rate 20/s; 10 URLs of
#     /ok and 5 of /status: /robots.txt is requested exactly once for the three workers, /status
#     never; 5 `robots` dead letters (the /status URLs), 10 records; consecutive page requests
#     at least 0.95 s apart (Crawl-delay wins over --rate; it is under --max-crawl-delay 10).
#  2. robots.txt answers 500: for 5 s the site sees nothing but /robots.txt (at most 3 times);
#     then it is switched to allow everything, and the 5 URLs are fetched within 120 s (the
#     worker tries robots.txt again after its back-off); no page was requested before the switch.
#  3. robots.txt answers 404: everything is allowed: 5 /ok and 3 /status URLs, 8 records, no dead
#     letter, /robots.txt requested once.
# trawl-timeout: 360
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"
source "$TRAWL_ROOT/tests/lib/netns.sh"

robots_flags=(--max-crawl-delay 10)
e2e_netns_up 3
top=$(e2e_dir "e2e-robots-$$")

# part NAME ROBOTS_TEXT -- a directory, a fault server serving ROBOTS_TEXT as robots.txt, and a
# prefix for part NAME; sets prefix, dir, robots (the file), FAULT_BASE.
part()
{
    prefix=e2e-robots-$1-$$
    dir=$top/$1
    mkdir -p "$dir"
    robots=$dir/robots.txt
    set_robots "$2"
    e2e_netns_fault_server "$dir" --robots "$robots"
    echo "--- part $1: $FAULT_BASE, robots.txt: $(head -1 "$robots")"
}

# set_robots TEXT -- robots.txt's new content, switched atomically (rename).
set_robots()
{
    printf '%s' "$1" >"$robots.new"
    mv -f "$robots.new" "$robots"
}

# workers ARGS... -- the three workers of the part (pids in pids); a small prefetch so that each
# of them holds some of the URLs.
workers()
{
    local i
    pids=()
    for i in 1 2 3; do
        e2e_netns_worker "$i" "$dir/worker$i.log" --prefix "$prefix" --allow-private \
            --rate 20/s --concurrency 4 --prefetch 10 --timeout 30 --progress 1 \
            "${robots_flags[@]}" "$@"
        pids+=("$NETNS_WORKER_PID")
    done
}

# count CASE -- requests of the part's site logged with CASE (robots-txt, ok, status ...).
count() { awk -v c="$1" '$3 == c { n++ } END { print n + 0 }' "$dir/fault.log"; }

# dead_codes -- "CODE COUNT" per dead letter code.
dead_codes() { jq -r .error "$dir/dead.jsonl" | sort | uniq -c | awk '{ print $2, $1 }'; }

# --- 1. Disallow and Crawl-delay ------------------------------------------------------------
part rules $'User-agent: trawl\nDisallow: /status\nCrawl-delay: 1\n'
{
    for i in $(seq 1 10); do echo "$FAULT_BASE/ok?n=$i&t=$prefix"; done
    for i in $(seq 1 5); do echo "$FAULT_BASE/status?code=200&n=$i&t=$prefix"; done
} >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"
workers --idle-exit 5
e2e_wait_pids 120 "${pids[@]}"
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir"
echo "robots.txt requests: $(count robots-txt), /status: $(count status), /ok: $(count ok);" \
    "dead letters: $(dead_codes | tr '\n' ' ')"
(($(count robots-txt) == 1)) || e2e_fail "robots.txt requested $(count robots-txt) times, want 1"
(($(count status) == 0)) || e2e_fail "disallowed /status requested $(count status) times"
[[ $(dead_codes) == "robots 5" ]] || e2e_fail "dead letters: $(dead_codes), want 5 robots"
[[ $(jq -r .url "$dir/dead.jsonl" | grep -c '/status?') == 5 ]] ||
    e2e_fail "the dead letters are not the 5 /status URLs"
records=$(grep -c . "$dir/records.jsonl" || true)
((records == 10)) || e2e_fail "$records records, want 10"
/usr/bin/python3 - "$dir/fault.log" <<'PY' || e2e_fail "pages came faster than Crawl-delay: 1"
import sys
times = [float(l.split()[0]) for l in open(sys.argv[1]) if l.split()[2] != "robots-txt"]
gaps = [b - a for a, b in zip(times, times[1:])]
print(f"{len(times)} page requests, gaps between them (s):", " ".join(f"{g:.2f}" for g in gaps))
sys.exit(0 if gaps and min(gaps) >= 0.95 else 1)
PY

# --- 2. robots.txt answers 500, then allows everything ----------------------------------------
part error $'status: 500\n'
for i in $(seq 1 5); do echo "$FAULT_BASE/ok?n=$i&t=$prefix"; done >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"
# No --idle-exit: URLs parked until robots.txt can be read would look like an idle worker.
workers
sleep 5 # the length of the robots.txt outage is what this part is about
echo "after 5 s: robots.txt requested $(count robots-txt) times, $(count ok) pages"
(($(count robots-txt) >= 1)) || e2e_fail "robots.txt not requested in 5 s"
(($(count robots-txt) <= 3)) || e2e_fail "robots.txt requested $(count robots-txt) times in 5 s"
(($(count ok) == 0)) || e2e_fail "$(count ok) pages requested while robots.txt answered 500"
set_robots $'User-agent: *\nDisallow:\n'
switched=$EPOCHREALTIME
deadline=$((SECONDS + 120))
until (($(e2e_published "$dir") >= 5)); do
    ((SECONDS < deadline)) || e2e_fail "fewer than 5 records 120 s after robots.txt came back"
    sleep 0.5
done
echo "5 records $(awk -v a="$EPOCHREALTIME" -v b="$switched" 'BEGIN { printf "%.1f", a - b }') s after the switch;" \
    "robots.txt requested $(count robots-txt) times in all"
kill -TERM "${pids[@]}"
e2e_wait_pids 60 "${pids[@]}"
/usr/bin/python3 - "$dir/fault.log" "$switched" <<'PY' || e2e_fail "a page requested before the switch"
import sys
early = [l for l in open(sys.argv[1]) if l.split()[2] != "robots-txt" and float(l.split()[0]) < float(sys.argv[2])]
sys.stdout.writelines(early[:5])
sys.exit(1 if early else 0)
PY
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead

# --- 3. robots.txt answers 404: everything allowed --------------------------------------------
part missing $'status: 404\n'
{
    for i in $(seq 1 5); do echo "$FAULT_BASE/ok?n=$i&t=$prefix"; done
    for i in $(seq 1 3); do echo "$FAULT_BASE/status?code=200&n=$i&t=$prefix"; done
} >"$dir/urls.txt"
"$BUILD/producer/trawl-producer" --prefix "$prefix" "$dir/urls.txt" 2>"$dir/producer.log"
workers --idle-exit 5
e2e_wait_pids 120 "${pids[@]}"
e2e_check_outcomes "$prefix" "$dir/urls.txt" "$dir" --no-dead
records=$(grep -c . "$dir/records.jsonl" || true)
((records == 8)) || e2e_fail "$records records, want 8"
(($(count robots-txt) == 1)) || e2e_fail "robots.txt requested $(count robots-txt) times, want 1"
echo "part 3: $records records, robots.txt requested $(count robots-txt) times"
