#!/usr/bin/python3
"""server.py -- a misbehaving HTTP/1.1 server on loopback, for testing trawl-worker.

    server.py --port P [--host 127.0.0.1] [--log FILE] [--events FILE] [--robots FILE]

Written on asyncio streams (not http.server): most cases break HTTP on purpose. Every
connection is a task of its own, so a slow case never holds up another. The first stdout line
is "listening on HOST:PORT" (with --port 0 the port is a free one). One line per request goes
to --log: "<unix time with ms> <request target> <case> <client ip:port>". The query string is
ignored for routing, so /ok?n=1 and /ok?n=2 are two URLs of one case. tests/fault/README.md
lists the cases and what the worker must make of each.

--events FILE gets two lines per request, for tests that count requests in flight at the
server: "<unix time with us> start <target> <client ip:port> <in flight>" once the request
is read, and "<unix time with us> end <target> <client ip:port> <in flight>" once its response
was handed to the kernel, or the case gave up (the client went, the server stops). <in flight>
counts the requests of the whole server between their start and their end: including this one
on a start line, without it on an end line. Lines are written in the order of the events (one
event loop), so the file replays as it is. The --log lines stay as they are.

--robots FILE makes /robots.txt a case of its own ("robots-txt" in the log), read from FILE at
each request: a first line "status: NNN" answers status NNN with a small page; any other
content is answered as 200 text/plain; no FILE, a 404. Without --robots, /robots.txt is an
unknown path (404, case not-found). Replace FILE by rename to switch it atomically.
"""
import argparse
import asyncio
import ctypes
import ctypes.util
import fcntl
import gzip
import http
import os
import re
import resource
import signal
import socket
import struct
import sys
import termios
import threading
import time
import traceback
import zlib
from urllib.parse import parse_qs, quote, urlencode

MIB = 1 << 20
CHUNK = 64 * 1024
READ_TIMEOUT = 60  # seconds to wait for a request (the first one or the next keep-alive one)


def phrase(code):
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return "Whatever"


def page(title, body=""):
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{body}</body></html>\n").encode()


def head(code, headers=(), reason=None):
    lines = [f"HTTP/1.1 {code} {phrase(code) if reason is None else reason}"]
    # Values come from query strings too: no CR or LF may split a header.
    lines += [f"{k}: {v}".replace("\r", "").replace("\n", "") for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "replace")


def gzip_zeros(mib):
    """A gzip stream of MIB MiB of zeros, built from one deflated MiB: after a full flush the
    compressor starts afresh, so the same bytes decode to one more MiB each time they repeat."""
    block = bytes(MIB)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"
    return header + piece * mib + tail + struct.pack("<II", crc, (mib * MIB) & 0xFFFFFFFF)


def brotli_compressor():
    """A function compressing bytes with brotli: the brotli module when importable, else
    libbrotlienc (a dependency of libcurl) through ctypes, else None."""
    try:
        import brotli  # pylint: disable=import-outside-toplevel
        return lambda data: brotli.compress(data, quality=3)
    except ImportError:
        pass
    name = ctypes.util.find_library("brotlienc")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    lib.BrotliEncoderMaxCompressedSize.restype = ctypes.c_size_t
    lib.BrotliEncoderMaxCompressedSize.argtypes = [ctypes.c_size_t]
    lib.BrotliEncoderCompress.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_size_t,
                                          ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t),
                                          ctypes.c_char_p]

    def compress(data):
        # Zeros compress to under 1 KB; ctypes would write to every byte of a 1 GiB buffer.
        size = ctypes.c_size_t(MIB)
        out = ctypes.create_string_buffer(size.value)
        if not lib.BrotliEncoderCompress(3, 24, 0, len(data), data, ctypes.byref(size), out):
            raise RuntimeError("BrotliEncoderCompress failed")
        return ctypes.string_at(out, size.value)
    return compress


def in_thread(fn, *args):
    """A future for fn(*args), run in a daemon thread: unlike asyncio.to_thread, a stopping
    server does not wait for it."""
    loop = asyncio.get_running_loop()
    fut = loop.create_future()

    def run():
        try:
            res, setter = fn(*args), fut.set_result
        except Exception as e:  # pylint: disable=broad-except
            res, setter = e, fut.set_exception
        try:
            loop.call_soon_threadsafe(setter, res)
        except RuntimeError:  # the loop is closed: we are exiting
            pass
    threading.Thread(target=run, daemon=True).start()
    return fut


class State:
    """What every connection shares: the cached bodies, /flaky's counters, the logs, the
    requests in flight and the robots.txt file."""

    def __init__(self, log, events=None, robots=None):
        self.log = log
        self.events = events
        self.robots = robots
        self.inflight = 0
        self.flaky = {}
        self.binary = os.urandom(CHUNK)
        self.gzip_bomb = gzip_zeros(128)  # ~131 KB, inflates to 128 MiB
        # Deflate cannot beat ~1032:1, so 1 GiB in one gzip layer is ~1 MB; two layers of
        # gzip bring it down to ~2.5 KB. This one and the brotli bomb take about a second of
        # CPU each: they are made in threads while we serve, and awaited by their cases.
        self.gzip_bomb_nested = in_thread(lambda: gzip.compress(gzip_zeros(1024), 9, mtime=0))
        compress = brotli_compressor()
        self.brotli_bomb = compress and in_thread(compress, bytes(1024 * MIB))  # calloc'd: no RSS
        filler = b"<p>" + b"trawl fault server filler text. " * 30 + b"</p>\n"
        self.filler = (filler * (CHUNK // len(filler) + 1))[:CHUNK]


class Request:
    def __init__(self, reader, writer, state, method, target, headers):
        self.reader, self.writer, self.state = reader, writer, state
        self.method, self.target, self.headers = method, target, headers
        path, _, self.query = target.partition("?")
        self.path = path
        self.q = {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}

    def int(self, name, default):
        try:
            return int(self.q.get(name, default))
        except ValueError:
            return default

    async def send(self, data):
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self, code, body, ctype="text/html; charset=utf-8", headers=()):
        """A well-formed response with a Content-Length: the connection may be kept."""
        hdrs = [("Content-Type", ctype), ("Content-Length", len(body)), *headers]
        await self.send(head(code, hdrs) + body)
        return True

    async def redirect(self, location):
        return await self.reply(302, page("redirect", f"<a href=\"{location}\">here</a>"),
                                headers=[("Location", location)])

    async def stream_html(self, nbytes, title):
        """NBYTES of HTML in CHUNK writes, each awaited (a client that stops reading stops us)."""
        prefix = f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>\n".encode()
        first = (prefix + self.state.filler)[:CHUNK]
        sent = 0
        while sent < nbytes:
            data = first if sent == 0 else self.state.filler
            data = data[:nbytes - sent]
            await self.send(data)
            sent += len(data)

    def outq(self):
        """Bytes in the kernel's send queue not yet acknowledged by the peer."""
        sock = self.writer.get_extra_info("socket")
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]


# --- the cases. Each returns True when the connection may serve another request. ------------

async def case_ok(r):
    # 200, a small page with a title and a link.
    return await r.reply(200, page("ok", "<p>fine</p><a href=\"/ok?from=ok\">again</a>"))


async def case_delay(r):
    # /delay?ms=N: the ok page after N ms (default 2000): a slow but honest server.
    await asyncio.sleep(max(0, r.int("ms", 2000)) / 1000)
    return await case_ok(r)


async def case_slow_loris(r):
    # 200 with headers at once, then one body byte every 2 s, until the client goes.
    await r.send(head(200, [("Content-Type", "text/html")]))
    body = b"<html><head><title>slow</title></head><body>" + b"." * 64
    i = 0
    while True:
        await r.send(body[i % len(body):i % len(body) + 1])
        i += 1
        await asyncio.sleep(2)


async def case_slow_headers(r):
    # The status line, then one byte of a header that never ends, every 2 s.
    await r.send(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while True:
        await asyncio.sleep(2)
        await r.send(b"a")


async def case_endless(r):
    # 200, chunked, 64 KiB chunks as fast as the client reads, never a last chunk.
    await r.send(head(200, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
    chunk = b"%x\r\n" % CHUNK + r.state.filler + b"\r\n"
    while True:
        await r.send(chunk)


async def case_big(r):
    # 200 with Content-Length N (?bytes=N, default 20 MB) and N bytes of HTML.
    n = max(0, r.int("bytes", 20_000_000))
    await r.send(head(200, [("Content-Type", "text/html"), ("Content-Length", n)]))
    await r.stream_html(n, "big")
    return True


async def case_big_undeclared(r):
    # The same without Content-Length: the body ends when the connection closes.
    n = max(0, r.int("bytes", 20_000_000))
    await r.send(head(200, [("Content-Type", "text/html"), ("Connection", "close")]))
    await r.stream_html(n, "big")
    return False


async def case_gzip_bomb(r):
    # Content-Encoding: gzip, ~131 KB that inflate to 128 MiB of zeros.
    return await r.reply(200, r.state.gzip_bomb, headers=[("Content-Encoding", "gzip")])


async def case_gzip_bomb_nested(r):
    # Content-Encoding: gzip, gzip: a few KB that inflate to ~1 MB, then to 1 GiB of zeros.
    body = await asyncio.shield(r.state.gzip_bomb_nested)
    return await r.reply(200, body, headers=[("Content-Encoding", "gzip, gzip")])


async def case_brotli_bomb(r):
    # Content-Encoding: br, under 1 KB that inflate to 1 GiB of zeros (compressed in a thread
    # at start-up, awaited here); 404 when no brotli encoder is available.
    if r.state.brotli_bomb is None:
        return await case_not_found(r)
    body = await asyncio.shield(r.state.brotli_bomb)
    return await r.reply(200, body, headers=[("Content-Encoding", "br")])


async def case_redirect_loop(r):
    # 302 to itself (query included), forever.
    return await r.redirect(r.target)


async def case_redirect_chain(r):
    # ?n=K: exactly K redirects (n=K, K-1, ..., 1, then /ok); other query parameters follow.
    n = r.int("n", 3)
    rest = {k: v for k, v in r.q.items() if k != "n"}
    if n <= 0:
        return await case_ok(r)
    if n == 1:
        return await r.redirect("/ok" + ("?" + urlencode(rest) if rest else ""))
    return await r.redirect("/redirect-chain?" + urlencode({"n": n - 1, **rest}))


async def case_redirect_ftp(r):
    # 302 to a scheme the worker must refuse.
    return await r.redirect("ftp://127.0.0.1/x")


async def case_redirect_private(r):
    # 302 to the cloud metadata address (link-local: refused whatever the flags).
    return await r.redirect("http://169.254.169.254/")


async def case_reset_mid_body(r):
    # Content-Length 100000, 1000 bytes, then RST (SO_LINGER 0 and close).
    await r.send(head(200, [("Content-Type", "text/html"), ("Content-Length", 100000)]))
    await r.stream_html(1000, "reset")
    sock = r.writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # Let the bytes reach the client before the RST (bounded: 2 s).
    for _ in range(200):
        if r.outq() == 0:
            break
        await asyncio.sleep(0.01)
    r.writer.transport.abort()
    return False


async def case_close_early(r):
    # Content-Length 100000, 1000 bytes, then a normal close (FIN): a truncated body.
    await r.send(head(200, [("Content-Type", "text/html"), ("Content-Length", 100000)]))
    await r.stream_html(1000, "close-early")
    return False


async def case_empty_reply(r):
    # The request is read, and the connection closed without a byte.
    return False


async def case_status(r):
    # ?code=N (any integer, verbatim) and ?retry-after=V (verbatim). 1xx, 204 and 304 have no
    # body; 1xx also closes the connection (no final response follows).
    code = r.int("code", 200)
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if "retry-after" in r.q:
        headers.append(("Retry-After", r.q["retry-after"]))
    if 100 <= code < 200 or code in (204, 304):
        await r.send(head(code, headers))
        return code >= 200
    return await r.reply(code, page(f"status {code}"), headers=headers[1:])


async def case_flaky(r):
    # ?fail=N&code=C&key=K: the first N requests of key K (default: the query string) get
    # status C (default 503, with ?retry-after=V when given), later ones the /ok page.
    key = r.q.get("key", r.query)
    seen = r.state.flaky[key] = r.state.flaky.get(key, 0) + 1
    if seen <= r.int("fail", 1):
        code = r.int("code", 503)
        headers = [("Retry-After", r.q["retry-after"])] if "retry-after" in r.q else []
        return await r.reply(code, page(f"flaky {code}", f"<p>attempt {seen}</p>"), headers=headers)
    return await case_ok(r)


async def case_invalid_utf8(r):
    # Labelled UTF-8, with bytes that are not UTF-8 in the title and the body.
    body = (b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>bad \xff\xfe \xc3\x28 "
            b"\xed\xa0\x80 title</title></head><body><p>bad \x80\x81\xf8\x88\x80\x80\x80 body"
            b"</p><a href=\"/ok?\xffx\">link</a></body></html>\n")
    return await r.reply(200, body)


async def case_binary(r):
    # 64 KiB of random bytes (the same for the whole run), as application/octet-stream.
    return await r.reply(200, r.state.binary, ctype="application/octet-stream")


async def case_binary_as_html(r):
    # The same bytes, labelled text/html.
    return await r.reply(200, r.state.binary, ctype="text/html")


async def case_empty_body(r):
    # 200 text/html with Content-Length: 0.
    return await r.reply(200, b"")


async def case_huge_headers(r):
    # 200 KB of headers (200 X-Pad headers of 1000 bytes), then a small page.
    pad = [(f"X-Pad-{i:03d}", "p" * 1000) for i in range(200)]
    return await r.reply(200, page("huge headers"), headers=pad)


async def case_huge_header_line(r):
    # One header line of 300 KB, then a small page.
    return await r.reply(200, page("huge header line"), headers=[("X-Pad", "p" * 300_000)])


async def case_bad_status_line(r):
    # A status line with no status code.
    await r.send(b"HTTP/1.1 abc\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
    return False


async def case_garbage(r):
    # Random bytes, no HTTP at all, then close.
    data = os.urandom(4096)
    await r.send(b"\x00" + data if data[:1].isalpha() else data)
    return False


async def case_http09(r):
    # A body with no status line and no headers (HTTP/0.9 style), then close.
    await r.send(page("http 0.9"))
    return False


async def case_bad_chunked(r):
    # Chunked: one good chunk, then a chunk size that is not hexadecimal.
    await r.send(head(200, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")])
                 + b"6\r\n<html>\r\nzz-not-hex\r\n<body>oops</body>\r\n0\r\n\r\n")
    return False


async def case_bad_gzip(r):
    # Content-Encoding: gzip over a body that is not gzip.
    return await r.reply(200, page("not gzip at all"), headers=[("Content-Encoding", "gzip")])


async def case_declared_too_long(r):
    # Content-Length: 50000000000 (50 GB), a few bytes, then close.
    await r.send(head(200, [("Content-Type", "text/html"), ("Content-Length", 50_000_000_000)])
                 + b"<html><head><title>50 GB</title>")
    return False


async def case_hang(r):
    # The request is read, then nothing: we only wait for the client to go.
    while await r.reader.read(CHUNK):
        pass
    return False


async def case_headers(r):
    # 200 text/plain: the request's headers, one "name: value" line each (names lower-case,
    # sorted), so that a record kept with --keep-body shows what the server received.
    lines = "".join(f"{k}: {v}\n" for k, v in sorted(r.headers.items()))
    return await r.reply(200, lines.encode("utf-8", "replace"), ctype="text/plain; charset=utf-8")


async def case_not_found(r):
    # Anything else: 404 with a small page.
    return await r.reply(404, page("not found"))


ROBOTS_STATUS = re.compile(r"status:\s*(\d{3})\s*$")


async def robots_txt(r):
    # /robots.txt with --robots FILE (not a case_: no route of its own otherwise). FILE is
    # read at each request: "status: NNN" on its first line answers NNN with a small page,
    # other content is the 200 text/plain body; no FILE, 404.
    try:
        with open(r.state.robots, "rb") as f:
            body = f.read()
    except FileNotFoundError:
        return await r.reply(404, page("no robots.txt"))
    m = ROBOTS_STATUS.match(body.split(b"\n", 1)[0].decode("latin-1").strip())
    if m:
        code = int(m.group(1))
        if 100 <= code < 200 or code in (204, 304):
            await r.send(head(code, []))
            return code >= 200
        return await r.reply(code, page(f"robots.txt status {code}"))
    return await r.reply(200, body, ctype="text/plain; charset=utf-8")


ROUTES = {"/" + name[5:].replace("_", "-"): fn for name, fn in globals().items()
          if name.startswith("case_") and name != "case_not_found"}


# --- connections --------------------------------------------------------------------------

async def read_request(reader):
    """(method, target, version, headers) of the next request, or None when the client went."""
    try:
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
    except asyncio.IncompleteReadError as e:
        if e.partial.strip():
            raise ValueError("incomplete request") from e
        return None
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError(f"bad request line {lines[0][:100]!r}")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return parts[0], parts[1], parts[2], headers


def printable(s):
    return quote(s, safe="/?&=;:,+%@!$'()*[]~-._")


def client(writer):
    peer = writer.get_extra_info("peername") or ("?", 0)
    host = f"[{peer[0]}]" if ":" in peer[0] else peer[0]
    return f"{host}:{peer[1]}"


def event(state, kind, target, writer):
    """Counts a request in or out of flight and writes the --events line."""
    state.inflight += 1 if kind == "start" else -1
    if state.events and not state.events.closed:  # closed: the server is stopping
        state.events.write(f"{time.time():.6f} {kind} {printable(target)} {client(writer)} "
                           f"{state.inflight}\n")


async def handle(state, reader, writer):
    try:
        while True:
            try:
                req = await read_request(reader)
            except (ValueError, asyncio.LimitOverrunError):
                writer.write(head(400, [("Content-Length", 0), ("Connection", "close")]))
                break
            if req is None:
                break
            method, target, version, headers = req
            r = Request(reader, writer, state, method, target, headers)
            if state.robots and r.path == "/robots.txt":
                fn, name = robots_txt, "robots-txt"
            else:
                fn = ROUTES.get(r.path, case_not_found)
                name = "not-found" if fn is case_not_found else r.path[1:]
            if state.log:
                state.log.write(f"{time.time():.3f} {printable(target)} {name} {client(writer)}\n")
            # A request body (rare: the worker sends GETs) is read and dropped, up to 1 MB.
            length = headers.get("content-length", "0")
            length = int(length) if length.isdigit() else MIB + 1  # unreadable: close after
            chunked = "transfer-encoding" in headers
            event(state, "start", target, writer)
            try:
                if 0 < length <= MIB:
                    await reader.readexactly(length)
                keep = await fn(r)
            finally:
                event(state, "end", target, writer)
            if (not keep or chunked or length > MIB or method != "GET" or version != "HTTP/1.1"
                    or headers.get("connection", "").lower() == "close"):
                break
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, OSError):
        pass
    except asyncio.CancelledError:  # the server is stopping: no goodbyes
        writer.transport.abort()
        raise
    except Exception:  # pylint: disable=broad-except
        traceback.print_exc()
    finally:
        if not writer.transport.is_closing():
            await close(writer)


async def close(writer):
    """A normal close (FIN) after what was written is flushed, bounded: abort after 10 s."""
    try:
        if writer.can_write_eof() and not writer.transport.is_closing():
            writer.write_eof()
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), 10)
    except (ConnectionError, asyncio.TimeoutError, OSError, RuntimeError):
        writer.transport.abort()


async def main():
    ap = argparse.ArgumentParser(description="A misbehaving HTTP/1.1 server for tests.")
    ap.add_argument("--port", type=int, required=True, help="port to listen on (0: a free one)")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on")
    ap.add_argument("--log", help="file to append one line per request to")
    ap.add_argument("--events", help="file to append a start and an end line per request to, "
                    "with the requests in flight on the server")
    ap.add_argument("--robots", help="serve /robots.txt from this file (read at each request; "
                    "a first line 'status: NNN' answers NNN, no file 404)")
    args = ap.parse_args()

    # Hundreds of slow requests at once: as many descriptors as we may have.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY
                                                        else max(soft, 65536), hard))
        except (ValueError, OSError):
            pass
    log = open(args.log, "a", buffering=1, encoding="utf-8") if args.log else None
    events = open(args.events, "a", buffering=1, encoding="utf-8") if args.events else None
    robots = os.path.abspath(args.robots) if args.robots else None
    state = State(log, events, robots)
    server = await asyncio.start_server(lambda rd, wr: handle(state, rd, wr), args.host,
                                        args.port, limit=64 * 1024, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"listening on {host}:{port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    for f in (log, events):
        if f:
            f.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as e:
        print(f"server.py: {e}", file=sys.stderr)
        sys.exit(1)
