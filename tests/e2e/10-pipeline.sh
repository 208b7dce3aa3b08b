#!/usr/bin/env bash
# 10-pipeline.sh -- the whole pipeline: every page of the sample site (2,000 pages over 12
# hosts) through the producer and two workers. Exactly one record per page, every title and
# link list right, the site's name in site_name and the article's text without the page's
# navigation, nothing dead, every queue empty at the end.
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
# The article fields as a reader wants them: the headline without the site's name (which is
# site_name), and the text of the article without the navigation above it.
/usr/bin/python3 - "$dir/records.jsonl" <<'PY'
import json, sys
bad = []
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    text, site = r.get("text"), r.get("site_name") or ""
    if not isinstance(text, str) or len(text) < 200 or "Home | World" in text:
        bad.append(f"{r['url']}: text {text[:80] if isinstance(text, str) else text!r}")
    # Articles' titles are "Headline | The Loopback Gazette N" and og:title the headline; a
    # home page's is "The Loopback Gazette N — Home", og:title "Home": too short a headline to
    # tell the site from (Readability's rule too), so it has no site_name.
    home = r["url"].endswith("/") and r["url"].count("/") == 3
    if "Gazette" in (r.get("title") or "") or not (home or site.startswith("The Loopback Gazette")):
        bad.append(f"{r['url']}: title {r.get('title')!r}, site_name {site!r}")
for b in bad[:5]:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
e2e_assert_queues_empty "$prefix"
echo "ok: $total pages, 2 workers, every record right (title, links, site_name, text)"
