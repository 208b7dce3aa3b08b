#!/bin/bash
# 00-servers.sh -- the servers tests/run starts answer: Redis, RabbitMQ (AMQP, CLI, quorum
# queues), and nginx serving the sample site per host, with an access log tests can count.
# Needs only the servers, none of our programs.
set -euo pipefail
# shellcheck source=tests/lib/env.sh
source "$TRAWL_ROOT/tests/lib/env.sh"

fail()
{
    echo "FAIL: $*" >&2
    exit 1
}

# Redis: PING through the URL the programs get.
pong=$(redis-cli -u "$TRAWL_REDIS_URL" ping) || fail "redis-cli -u $TRAWL_REDIS_URL ping failed"
[[ $pong == PONG ]] || fail "redis answered '$pong' to PING"
echo "ok redis $TRAWL_REDIS_URL"

# RabbitMQ: the AMQP port answers a protocol header with connection.start...
amqp_port=${TRAWL_AMQP_URL##*:}
amqp_port=${amqp_port%%/*}
python3 - "$amqp_port" <<'PY' || fail "no AMQP connection.start from 127.0.0.1:$amqp_port"
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"AMQP\x00\x00\x09\x01")
buf = b""
while len(buf) < 11:
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
ftype, channel, size = struct.unpack("!BHI", buf[:7])
cls, meth = struct.unpack("!HH", buf[7:11])
assert (ftype, channel, cls, meth) == (1, 0, 10, 10), (ftype, channel, cls, meth)
PY
echo "ok amqp 127.0.0.1:$amqp_port"

# ... the CLI reaches the node (cookie, epmd), and quorum queues are available.
vhosts=$(trawl_rabbitmqctl -q list_vhosts name) || fail "rabbitmqctl list_vhosts against $RABBITMQ_NODE failed"
grep -qx / <<<"$vhosts" || fail "vhost / missing: $vhosts"
flags=$(trawl_rabbitmqctl -q list_feature_flags name state) || fail "rabbitmqctl list_feature_flags failed"
grep -Eq '^quorum_queue[[:space:]]+enabled$' <<<"$flags" || fail "quorum_queue feature flag not enabled: $flags"
echo "ok rabbitmqctl -n $RABBITMQ_NODE"

# nginx: one page from each of two hosts, with the headline expected.jsonl gives.
[[ -s $SITE_DIR/urls.txt && -s $SITE_DIR/expected.jsonl ]] || fail "no sample site in $SITE_DIR"
fetched=$(python3 - "$SITE_DIR" "$NGINX_PORT" <<'PY'
import html, json, re, sys, urllib.request
site, port = sys.argv[1], sys.argv[2]
expected = [json.loads(l) for l in open(site + "/expected.jsonl", encoding="utf-8")]
by_host = {}
for e in expected:
    host = e["url"].split("/")[2]
    if e["url"].endswith(".html"):
        by_host.setdefault(host, e)
hosts = sorted(by_host)[:2]
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
assert len(hosts) == 2, "the sample site has fewer than two hosts"
for h in hosts:
    e = by_host[h]
    assert h.endswith(":" + port), (h, port)
    with direct.open(e["url"], timeout=10) as r:
        assert r.status == 200, (e["url"], r.status)
        body = r.read().decode("utf-8")
    # The record's title is the headline, which the sample site writes as og:title.
    m = re.search(r'<meta property="og:title" content="(.*?)">', body, re.S)
    if not (m and html.unescape(m.group(1)) == e["title"]):
        sys.exit(f"{e['url']}: og:title {m and m.group(1)!r}, expected.jsonl {e['title']!r}")
    print(e["url"])
PY
) || fail "nginx did not serve the sample site as expected"

# The access log has one line per request: msec, host, URI, status.
while read -r url; do
    hostport=${url#http://}
    hostport=${hostport%%/*}
    host=${hostport%:*}
    uri=/${url#http://"$hostport"/}
    # Bounded wait: nginx writes the line when the response is done.
    found=
    for _ in $(seq 50); do
        if awk -v h="$host" -v u="$uri" '$2 == h && $3 == u && $4 == 200 && $1 ~ /^[0-9]+\.[0-9][0-9][0-9]$/ {f=1} END {exit !f}' "$NGINX_ACCESS_LOG"; then
            found=1
            break
        fi
        sleep 0.1
    done
    [[ -n $found ]] || fail "no access-log line for $host $uri in $NGINX_ACCESS_LOG"
    echo "ok $url: title as expected, in the access log"
done <<<"$fetched"
echo "all server checks passed"
