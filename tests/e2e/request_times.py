"""request_times.py -- what the tests measure of request times seen at a server.

Imported by the e2e scripts' inline checks (with tests/e2e on sys.path)."""


def busiest(times, span_s=1.0):
    """The most requests in any window [t, t + span_s) that starts at a request; times are
    seconds, in any order. Times are compared in whole milliseconds, as the logs write them."""
    ms = sorted(round(t * 1000) for t in times)
    span = round(span_s * 1000)
    j = worst = 0
    for i, t in enumerate(ms):
        while ms[j] <= t - span:
            j += 1
        worst = max(worst, i - j + 1)
    return worst
