"""In-process notmuch search latency for `cargo xtask bench search`.

Embedded in xtask (include_str!) and run with Debian's /usr/bin/python3, which has the
`notmuch2` bindings (package python3-notmuch2). NOTMUCH_CONFIG names the benchmark's config
file and TZ=UTC makes `date:` ranges mean UTC days, as helpr's before:/after: do.

    notmuch_inprocess.py QUERIES.json ROUNDS LIMIT

QUERIES.json is a JSON array of notmuch query strings. The database is opened read-only once.
One warm-up round runs every query, then ROUNDS rounds run all of them again, each query timed
on its own with time.perf_counter(): the search, newest first, and reading date, From and
Subject of the first LIMIT messages, like a client showing the first page of results. Hit
counts come from count_messages(), outside the timed part.

Prints one JSON object on stdout: samples, p50_ms and p99_ms over all samples (nearest rank),
per-query p50_ms, hits (total matches) and returned (messages read, at most LIMIT).
"""

import json
import math
import sys
import time

import notmuch2


def percentile(samples, p):
    """Nearest-rank percentile, the same definition xtask uses for the process timings."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def header(message, name):
    try:
        return message.header(name)
    except LookupError:
        return ""


def first_page(db, query, limit):
    page = []
    for message in db.messages(query, sort=notmuch2.Database.SORT.NEWEST_FIRST):
        if len(page) == limit:
            break
        page.append((message.date, header(message, "From"), header(message, "Subject")))
    return page


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: notmuch_inprocess.py QUERIES.json ROUNDS LIMIT")
    with open(sys.argv[1], encoding="utf-8") as f:
        queries = json.load(f)
    rounds = int(sys.argv[2])
    limit = int(sys.argv[3])

    db = notmuch2.Database(mode=notmuch2.Database.MODE.READ_ONLY)
    hits = [db.count_messages(q) for q in queries]
    returned = [len(first_page(db, q, limit)) for q in queries]  # also the warm-up round

    per_query = [[] for _ in queries]
    for _ in range(rounds):
        for i, query in enumerate(queries):
            start = time.perf_counter()
            first_page(db, query, limit)
            per_query[i].append((time.perf_counter() - start) * 1000.0)
    db.close()

    samples = [ms for times in per_query for ms in times]
    json.dump(
        {
            "samples": len(samples),
            "p50_ms": percentile(samples, 50),
            "p99_ms": percentile(samples, 99),
            "per_query_p50_ms": [percentile(times, 50) for times in per_query],
            "hits": hits,
            "returned": returned,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
