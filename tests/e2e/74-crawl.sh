#!/usr/bin/env bash
# 74-crawl.sh -- deploy/local/crawl as a new user meets it, against the run's servers
# (TRAWL_AMQP_URL, TRAWL_REDIS_URL) and the sample site on loopback:
#   (e) a URL file without URLs: "no URLs in", exit 2 at once, nothing built or written;
#   (a) loopback URLs without --allow-private: exit 1, the summary says every URL failed and
#       how to allow local pages;
#   (b) with -- --allow-private: records; again: nothing enqueued, "already crawled", the
#       records kept, exit 0; with --recrawl: records again;
#   (c) from another directory, a relative --rules file and a relative TRAWL_OUT_DIR: the
#       rule's field is in the records and the output where the user said; (d) -w 2 with
#       --metrics BASE: the workers listen on BASE and BASE+1;
#   (g) SIGTERM mid-crawl: exit 143 with what was crawled written out; --resume finishes it,
#       appending, every URL once;
#   (h) the README's worked example: a file of feeds with -- --follow feeds gives one record
#       per article, with meta.feed;
#   (f) after each run, summary.json agrees with the files.
# trawl-timeout: 240
set -euo pipefail
source "$TRAWL_ROOT/tests/lib/e2e.sh"

base=${TEST_PREFIX:-e2e-74-crawl}-$$
dir=$(e2e_dir "$base")
crawl=$TRAWL_ROOT/deploy/local/crawl
# The sample site's hosts are loopback addresses: no proxy in between.
export no_proxy=${no_proxy:+$no_proxy,}127.0.0.0/8
export NO_PROXY=$no_proxy
# Four pages on four hosts (one robots.txt each, so a few seconds at the default rate).
head -n 4 "$SITE_DIR/urls.txt" >"$dir/urls.txt"

# run NAME [ARGS...] -- runs the crawl command from the current directory, output in
# $dir/NAME.log; sets rc.
run()
{
    local name=$1
    shift
    rc=0
    timeout 120 "$crawl" "$@" >"$dir/$name.log" 2>&1 </dev/null || rc=$?
    echo "--- $name: exit $rc"
}

# check_summary OUT RECORDS_FILE REASON STATUS -- summary.json in OUT parses, has the finish
# reason and exit status given, and its counts are the files' (when the run wrote them).
check_summary()
{
    /usr/bin/python3 - "$@" <<'EOF'
import json, sys
out, records_file, reason, status = sys.argv[1:]
s = json.load(open(out + "/summary.json"))
assert s["finish_reason"] == reason, (s["finish_reason"], reason)
assert s["exit_status"] == int(status), (s["exit_status"], status)
recs = [json.loads(l) for l in open(records_file)]
dead = [json.loads(l) for l in open(out + "/dead.jsonl")]
if s["output"]["mode"] == "replaced":
    assert s["records"] == len(recs), (s["records"], len(recs))
    assert s["dead"] == len(dead), (s["dead"], len(dead))
    assert s["bytes"] == sum(r.get("bytes") or 0 for r in recs), s["bytes"]
    classes = {}
    for r in recs:
        k = "%dxx" % (r["status"] // 100)
        classes[k] = classes.get(k, 0) + 1
    assert s["pages_by_status"] == classes, (s["pages_by_status"], classes)
    codes = {}
    for d in dead:
        codes[d["error"]] = codes.get(d["error"], 0) + 1
    assert s["dead_by_code"] == codes, (s["dead_by_code"], codes)
for k in ("elapsed_s", "pages_per_s", "retries", "without_outcome", "enqueued", "urls"):
    assert isinstance(s[k], (int, float)), k
print("summary ok:", s["finish_reason"], s["records"], "records", s["dead"], "dead",
      s["output"]["mode"])
EOF
}

# (e) No URLs: refused before anything is installed, built or written.
printf '# only a comment\n\n   \n' >"$dir/empty.txt"
TRAWL_OUT_DIR=$dir/out-e run e "$dir/empty.txt"
((rc == 2)) || e2e_fail "(e) an empty URL file: exit $rc, want 2: $(cat "$dir/e.log")"
grep -q "no URLs in $dir/empty.txt" "$dir/e.log" || e2e_fail "(e) no 'no URLs in': $(cat "$dir/e.log")"
[[ ! -e $dir/out-e ]] || e2e_fail "(e) the output directory was created: $(ls "$dir/out-e")"

# (a) Loopback URLs without --allow-private: every one a blocked_address dead letter.
export TRAWL_PREFIX=$base-a TRAWL_OUT_DIR=$dir/out-a
run a "$dir/urls.txt" -w 1
((rc == 1)) || e2e_fail "(a) exit $rc, want 1: $(cat "$dir/a.log")"
grep -q 'EVERY URL FAILED' "$dir/a.log" || e2e_fail "(a) no loud failure: $(cat "$dir/a.log")"
grep -q -- '-- --allow-private' "$dir/a.log" || e2e_fail "(a) no --allow-private hint"
check_summary "$TRAWL_OUT_DIR" "$TRAWL_OUT_DIR/records.jsonl" finished 1
[[ $(jq -r '.dead_by_code.blocked_address' "$TRAWL_OUT_DIR/summary.json") == 4 ]] ||
    e2e_fail "(a) want 4 blocked_address: $(cat "$TRAWL_OUT_DIR/summary.json")"

# (b) Allowed: records. Again: nothing new, the records stay. --recrawl: crawled again.
export TRAWL_PREFIX=$base-b TRAWL_OUT_DIR=$dir/out-b
records=$TRAWL_OUT_DIR/records.jsonl
run b1 "$dir/urls.txt" -w 1 -- --allow-private
((rc == 0)) || e2e_fail "(b) exit $rc: $(cat "$dir/b1.log")"
[[ $(grep -c . "$records") == 4 ]] || e2e_fail "(b) want 4 records: $(cat "$dir/b1.log")"
check_summary "$TRAWL_OUT_DIR" "$records" finished 0
sum=$(cksum <"$records")
run b2 "$dir/urls.txt" -w 1 -- --allow-private
((rc == 0)) || e2e_fail "(b) second run: exit $rc: $(cat "$dir/b2.log")"
grep -q "all 4 URLs were already crawled under prefix $TRAWL_PREFIX" "$dir/b2.log" ||
    e2e_fail "(b) the second run does not say why nothing was crawled: $(cat "$dir/b2.log")"
[[ $(cksum <"$records") == "$sum" ]] || e2e_fail "(b) the second run changed $records"
check_summary "$TRAWL_OUT_DIR" "$records" nothing_to_crawl 0
run b3 "$dir/urls.txt" -w 1 --recrawl -- --allow-private
((rc == 0)) || e2e_fail "(b) --recrawl: exit $rc: $(cat "$dir/b3.log")"
[[ $(grep -c . "$records") == 4 ]] || e2e_fail "(b) --recrawl: want 4 records: $(cat "$dir/b3.log")"
check_summary "$TRAWL_OUT_DIR" "$records" finished 0

# (c, d) From another directory: relative --rules and TRAWL_OUT_DIR; two workers, two ports.
port_pair_free()
{
    /usr/bin/python3 - "$1" <<'EOF'
import socket, sys
p = int(sys.argv[1])
for port in (p, p + 1):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
EOF
}
for ((i = 0; i < 20; i++)); do
    port=$(trawl_free_port)
    ((port < 65535)) && port_pair_free "$port" && break
    port=
done
[[ -n $port ]] || e2e_fail "(d) no two free ports in a row"
mkdir -p "$dir/elsewhere"
echo '{"default": {"page_title": "//title"}}' >"$dir/elsewhere/rules.json"
export TRAWL_PREFIX=$base-c TRAWL_OUT_DIR=out-c
cd "$dir/elsewhere"
run c "$dir/urls.txt" -w 2 -- --allow-private --rules rules.json --metrics "127.0.0.1:$port"
cd "$TRAWL_ROOT"
((rc == 0)) || e2e_fail "(c) exit $rc: $(cat "$dir/c.log")"
out=$dir/elsewhere/out-c
[[ -f $out/records.jsonl ]] || e2e_fail "(c) no records in $out: $(cat "$dir/c.log")"
[[ $(jq -r 'select(.fields.page_title != null) | .url' "$out/records.jsonl" | grep -c .) == 4 ]] ||
    e2e_fail "(c) the rules' field is missing: $(jq -c .fields "$out/records.jsonl")"
check_summary "$out" "$out/records.jsonl" finished 0
for k in 1 2; do
    want=$((port + k - 1))
    grep -E -q "metrics.*listening.*127\.0\.0\.1:$want([^0-9]|\$)" "$out/worker-$k.log" ||
        e2e_fail "(d) worker $k does not listen on $want: $(grep metrics "$out"/worker-*.log)"
    grep -q "worker $k serves metrics at http://127.0.0.1:$want/metrics" "$dir/c.log" ||
        e2e_fail "(d) crawl does not say worker $k's port: $(cat "$dir/c.log")"
done

# (g) Stopped mid-crawl (20 pages of one host at 2/s), then finished with --resume.
export TRAWL_PREFIX=$base-g TRAWL_OUT_DIR=$dir/out-g
awk -F/ '$3 == h { print } NR == 1 { h = $3; print }' "$SITE_DIR/urls.txt" |
    awk 'NR <= 20' >"$dir/urls-g.txt"
[[ $(grep -c . "$dir/urls-g.txt") == 20 ]] || e2e_fail "(g) want 20 URLs of one host"
"$crawl" "$dir/urls-g.txt" -w 1 -- --allow-private --rate 2/s >"$dir/g1.log" 2>&1 </dev/null &
pid=$!
deadline=$((SECONDS + 60))
until [[ -s $TRAWL_OUT_DIR/records.jsonl.partial ]]; do
    ((SECONDS < deadline)) || e2e_fail "(g) no record after 60 s: $(cat "$dir/g1.log")"
    kill -0 "$pid" 2>/dev/null || e2e_fail "(g) crawl ended early: $(cat "$dir/g1.log")"
    sleep 0.2
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
((rc == 143)) || e2e_fail "(g) stopped: exit $rc, want 143: $(cat "$dir/g1.log")"
n1=$(grep -c . "$TRAWL_OUT_DIR/records.jsonl") || true
((n1 >= 1 && n1 < 20)) || e2e_fail "(g) $n1 records after the stop, want 1 to 19"
if ! grep -q 'left undone' "$dir/g1.log" || ! grep -q -- '--resume' "$dir/g1.log"; then
    e2e_fail "(g) the stop does not say how to finish: $(cat "$dir/g1.log")"
fi
check_summary "$TRAWL_OUT_DIR" "$TRAWL_OUT_DIR/records.jsonl" interrupted 143
run g2 --resume "$dir/urls-g.txt" -w 1 -- --allow-private --rate 50/s
((rc == 0)) || e2e_fail "(g) --resume: exit $rc: $(cat "$dir/g2.log")"
urls=$(jq -r .url "$TRAWL_OUT_DIR/records.jsonl" | sort -u | grep -c .) || true
lines=$(grep -c . "$TRAWL_OUT_DIR/records.jsonl") || true
((urls == 20)) || e2e_fail "(g) after --resume: $urls distinct URLs, want 20: $(cat "$dir/g2.log")"
((lines == 20)) || echo "note: $lines records for 20 URLs (at least once: a repeat is allowed)"
[[ $(jq -r .output.mode "$TRAWL_OUT_DIR/summary.json") == appended ]] ||
    e2e_fail "(g) --resume did not append"

# (h) The README's worked example: a file of feeds (JSON lines, "kind": "feed") crawled with
# -- --follow feeds gives one record per article, each naming its feed in meta.feed.
export TRAWL_PREFIX=$base-h TRAWL_OUT_DIR=$dir/out-h
feed_dir=$SITE_DIR/www/127.0.0.5/$base-h
mkdir -p "$feed_dir"
feed_base=http://127.0.0.5:$NGINX_PORT/$base-h
for a in x1 x2 x3; do
    printf '<html><head><title>%s</title></head><body><article><p>%s is an article with a body long enough to be read as one.</p></article></body></html>\n' \
        "$a" "$a" >"$feed_dir/$a.html"
done
{ printf '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>W</title>\n'
  for a in x1 x2 x3; do printf '<item><title>%s</title><link>%s/%s.html</link></item>\n' "$a" "$feed_base" "$a"; done
  printf '</channel></rss>\n'; } >"$feed_dir/rss.xml"
printf '{"url": "%s/rss.xml", "kind": "feed"}\n' "$feed_base" >"$dir/feeds.jsonl"
run h "$dir/feeds.jsonl" -- --follow feeds --allow-private
((rc == 0)) || e2e_fail "(h) exit $rc: $(cat "$dir/h.log")"
articles=$(jq -r --arg f "$feed_base/rss.xml" 'select(.meta.feed == $f and .text != null) | .url' \
    "$TRAWL_OUT_DIR/records.jsonl" | sort -u | grep -c .) || true
((articles == 3)) || e2e_fail "(h) $articles article records with meta.feed and text, want 3"

echo "ok: crawl (e) (a) (b) (c) (d) (f) (g) (h)"
