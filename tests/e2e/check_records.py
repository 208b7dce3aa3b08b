#!/usr/bin/python3
"""check_records.py RECORDS EXPECTED [--subset] -- compares trawl's records with the sample
site's expectations: one record per expected URL, none extra, status 200, and title and links
exactly as expected. Prints what differs (at most a few examples) and exits 1 on any."""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    records, expected = load(sys.argv[1]), load(sys.argv[2])
    subset = "--subset" in sys.argv
    want = {e["url"]: e for e in expected}
    problems = []
    seen = {}
    for r in records:
        seen[r["url"]] = seen.get(r["url"], 0) + 1
    repeats = {u: n for u, n in seen.items() if n > 1}
    if repeats:
        problems.append(f"{len(repeats)} URLs have several records, e.g. {next(iter(repeats))}")
    extra = [u for u in seen if u not in want]
    if extra:
        problems.append(f"{len(extra)} records for unexpected URLs, e.g. {extra[0]}")
    missing = [u for u in want if u not in seen]
    if missing and not subset:
        problems.append(f"{len(missing)} expected URLs have no record, e.g. {missing[0]}")
    fields = ["title", "description", "canonical", "lang", "published", "author", "links"]
    wrong = {}
    for r in records:
        e = want.get(r["url"])
        if not e:
            continue
        if r.get("status") != 200:
            wrong.setdefault("status", []).append((r["url"], r.get("status"), 200))
        for k in fields:
            if k in e and r.get(k) != e[k]:
                wrong.setdefault(k, []).append((r["url"], r.get(k), e[k]))
    for k, bad in wrong.items():
        url, got, exp = bad[0]
        problems.append(f"{k} wrong in {len(bad)} records, e.g. {url}:\n    got:  {got!r:.300}"
                        f"\n    want: {exp!r:.300}")
    print(f"records={len(records)} expected={len(want)} problems={len(problems)}")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
