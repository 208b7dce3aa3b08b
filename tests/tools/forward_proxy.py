#!/usr/bin/python3
"""forward_proxy.py -- a small HTTP forward proxy for tests: plain http:// targets only (no
CONNECT), standard library only. Each request it forwards is logged as one JSON line
{"method", "url", "headers"} to --log, and the forwarded request carries
"Via: 1.1 trawl-test-proxy", so that a target can tell it came through here.

    tests/tools/forward_proxy.py --log FILE [--host 127.0.0.1] [--port 0]

The first stdout line is "listening on HOST:PORT" (flushed): read it instead of sleeping.
Stops on SIGTERM or SIGINT."""
import argparse
import http.client
import http.server
import json
import signal
import sys
import threading
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "te", "trailer",
              "transfer-encoding", "upgrade", "proxy-authorization"}
TIMEOUT_S = 30


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # no per-request noise on stderr
        pass

    def do_CONNECT(self):
        self.send_error(405, "this test proxy does not tunnel")

    def do_GET(self):
        self.forward()

    def do_HEAD(self):
        self.forward()

    def forward(self):
        u = urlsplit(self.path)
        if u.scheme != "http" or not u.hostname:
            self.send_error(400, "absolute http:// URL expected")
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        with self.server.log_lock:
            self.server.log.write(json.dumps({"method": self.command, "url": self.path,
                                              "headers": headers}) + "\n")
            self.server.log.flush()
        headers["Via"] = "1.1 trawl-test-proxy"
        target = u.path or "/"
        if u.query:
            target += "?" + u.query
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=TIMEOUT_S)
            conn.request(self.command, target, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
        except OSError as e:
            self.send_error(502, f"upstream: {e}")
            return
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    server = http.server.ThreadingHTTPServer((args.host, args.port), Proxy)
    server.daemon_threads = True
    server.log = open(args.log, "a", encoding="utf-8")
    server.log_lock = threading.Lock()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(f"listening on {host}:{port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
