#!/usr/bin/python3
"""check_invariant.py URLS RECORDS DEAD -- the pipeline's promise, by counting: every input URL
ends as at least one record or dead letter, nothing else appears, and repeats (allowed: delivery
is at least once) are reported. Exits 1 when a URL is missing or an unknown one appears."""
import collections
import json
import sys


def urls_of(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line).get("url"))
    return out


def main():
    want = {line.strip() for line in open(sys.argv[1], encoding="utf-8") if line.strip()}
    got = collections.Counter(urls_of(sys.argv[2]) + urls_of(sys.argv[3]))
    missing = [u for u in want if u not in got]
    unknown = [u for u in got if u not in want]
    repeats = sum(n - 1 for n in got.values() if n > 1)
    print(f"input={len(want)} covered={len(want) - len(missing)} missing={len(missing)} "
          f"unknown={len(unknown)} repeats={repeats}")
    for u in missing[:5]:
        print("  missing:", u)
    for u in unknown[:5]:
        print("  unknown:", u)
    return 1 if missing or unknown else 0


if __name__ == "__main__":
    sys.exit(main())
