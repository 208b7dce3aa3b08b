#!/usr/bin/python3
"""check_inflight.py EVENTS [options] -- requests in flight at a fault server, from the file
its --events option writes ("<time> start|end <target> <client ip:port> <n>" lines, in the
order the events happened). Replays the start and end events of the requests selected by
--filter/--exclude, prints the maximum in flight, a timeline (the maximum of each second, from
the first start) and what each client sent, and checks:

  --max N             never more than N in flight (within the window)
  --reach N           N in flight at least once (within the window)
  --window-start T    only count from unix time T (requests already in flight at T count)
  --window-end T      only count until unix time T
  --again N --after T the first time after unix time T at which N were in flight again (a
                      start after T bringing the count to N); printed as seconds after T.
                      With --within S: fails when that is later than T + S or never happens;
                      with --not-before S: fails when it is earlier than T + S.
  --open              prints the requests still in flight at the end of the file (or at
                      --window-end), "<client ip:port> <start time> <target>" per line, oldest
                      first, and checks nothing.

--filter S keeps the events whose target contains S; --exclude S drops the events whose target
or client contains S (a client address "10.150.3.11:" leaves a killed worker out). Exits 1 when
a check fails, 2 on bad usage. Standard library only.
"""
import argparse
import os
import sys
from collections import defaultdict


def load(path, filt, excludes):
    events, bad = [], 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5 or parts[1] not in ("start", "end"):
                bad += 1
                continue
            t, kind, target, client, _ = parts
            if filt is not None and filt not in target:
                continue
            if any(x in target or x in client for x in excludes):
                continue
            try:
                events.append((float(t), kind, target, client))
            except ValueError:
                bad += 1
    return events, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("events")
    ap.add_argument("--filter")
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--max", type=int)
    ap.add_argument("--reach", type=int)
    ap.add_argument("--window-start", type=float, default=float("-inf"))
    ap.add_argument("--window-end", type=float, default=float("inf"))
    ap.add_argument("--again", type=int)
    ap.add_argument("--after", type=float)
    ap.add_argument("--within", type=float)
    ap.add_argument("--not-before", type=float)
    ap.add_argument("--open", action="store_true")
    ap.add_argument("--quiet", action="store_true", help="no timeline")
    a = ap.parse_args()
    if (a.again is None) != (a.after is None):
        ap.error("--again and --after go together")

    events, bad = load(a.events, a.filter, a.exclude)
    if bad:
        print(f"warning: {bad} malformed lines ignored", file=sys.stderr)

    open_reqs = {}  # (client, target) -> [start times], in flight
    count = 0
    peak, peak_at = 0, None
    in_window_started = 0
    again_at = None
    t0 = next((t for t, k, _, _ in events if k == "start"), None)
    per_second = defaultdict(int)  # second index -> max in flight
    per_client = defaultdict(lambda: [0, 0, 0])  # client ip -> [requests, in flight, max]
    unmatched_ends = 0
    started = ended = 0
    window_started = False

    def in_window(t):
        return a.window_start <= t <= a.window_end

    cur_sec = -1
    for t, kind, target, client in events:
        if not window_started and t >= a.window_start:
            window_started = True
            if count > peak:  # what was already in flight when the window opened
                peak, peak_at = count, a.window_start
        if t > a.window_end and a.open:
            break
        sec = int(t - t0) if t0 is not None else 0
        while cur_sec < sec:  # seconds with no event carry the count over
            cur_sec += 1
            per_second[cur_sec] = count
        key = (client, target)
        ip = client.rsplit(":", 1)[0]
        if kind == "start":
            started += 1
            count += 1
            open_reqs.setdefault(key, []).append(t)
            c = per_client[ip]
            c[0] += 1
            c[1] += 1
            c[2] = max(c[2], c[1])
            per_second[sec] = max(per_second[sec], count)
            if in_window(t):
                in_window_started += 1
                if count > peak:
                    peak, peak_at = count, t
            if a.after is not None and again_at is None and t > a.after and count >= a.again:
                again_at = t
        else:
            starts = open_reqs.get(key)
            if not starts:
                unmatched_ends += 1
                continue
            starts.pop(0)
            if not starts:
                del open_reqs[key]
            ended += 1
            count -= 1
            per_client[ip][1] -= 1

    if a.open:
        rows = sorted((s, c, tg) for (c, tg), ss in open_reqs.items() for s in ss)
        for s, c, tg in rows:
            print(f"{c} {s:.6f} {tg}")
        return 0

    sel = f" of targets containing {a.filter!r}" if a.filter else ""
    if a.exclude:
        sel += f" without {a.exclude}"
    print(f"{started} requests{sel} started, {ended} ended, {count} still in flight at the end"
          + (f" ({unmatched_ends} ends without a start)" if unmatched_ends else ""))
    window = ""
    if a.window_start != float("-inf") or a.window_end != float("inf"):
        ws = "" if a.window_start == float("-inf") else f"{a.window_start:.3f}"
        we = "" if a.window_end == float("inf") else f"{a.window_end:.3f}"
        window = f" in the window [{ws}, {we}] ({in_window_started} starts in it)"
    at = f" (first at {peak_at:.3f}, {peak_at - t0:.2f} s after the first start)" \
        if peak_at is not None and t0 is not None else ""
    print(f"max in flight{window}: {peak}{at}")
    if not a.quiet and per_second:
        last = max(per_second)
        line = [str(per_second.get(s, 0)) for s in range(last + 1)]
        print("max in flight per second from the first start (t0 "
              f"{t0:.3f}):")
        for i in range(0, len(line), 30):
            print(f"  {i:4d}s: " + " ".join(line[i:i + 30]))
        for ip, (n, _, mx) in sorted(per_client.items()):
            print(f"  client {ip}: {n} requests, at most {mx} at once")

    ok = True
    if a.max is not None and peak > a.max:
        print(f"FAIL: {peak} in flight, more than {a.max}")
        ok = False
    if a.reach is not None and peak < a.reach:
        print(f"FAIL: never {a.reach} in flight (at most {peak})")
        ok = False
    if a.after is not None:
        if again_at is None:
            print(f"{a.again} in flight again after {a.after:.3f}: never")
            if a.within is not None:
                print(f"FAIL: not {a.again} in flight again within {a.within} s")
                ok = False
        else:
            d = again_at - a.after
            print(f"{a.again} in flight again {d:.2f} s after {a.after:.3f} (at {again_at:.3f})")
            if a.within is not None and d > a.within:
                print(f"FAIL: {a.again} in flight again only after {d:.2f} s (> {a.within} s)")
                ok = False
            if a.not_before is not None and d < a.not_before:
                print(f"FAIL: {a.again} in flight again after {d:.2f} s (< {a.not_before} s)")
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # a reader like head(1) had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
