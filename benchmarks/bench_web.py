"""Issue 4's benchmark: latency of the KWIC and frequency pages under 8 concurrent clients.

Starts ``concord serve`` as a child process on a free loopback port (building the index of
``--corpus`` first if ``--index`` is missing), warms each URL once, then runs ``--clients``
closed-loop clients for ``--seconds`` (at most ``--max-requests`` requests) over a mix of
``/kwic`` pages (a frequent, a mid-frequency and a rare word, a phrase, a concept, a sorted
page) and ``/freq`` pages by language and decade, each also as its ``.json`` twin. Prints
p50/p95/max latency, requests and errors per kind of page and overall, then stops the server.

The server keeps recent answers (hits, frequency rows) in a cache keyed by the index
generation and the question. Two rounds are run: ``repeated`` asks the same URLs again and
again (a user paging, re-sorting, switching scale: mostly cache hits), ``unique`` adds a
different ``year=FROM-TO`` filter to every request (covering the whole corpus), so every
answer is computed afresh.

With ``--category-lines N`` the index's categories workspace (issue 12) first gets N lines
(hits of "the" spread over the corpus, alternately in the categories ``bench-a`` and
``bench-b``; an existing workspace is left as it is when it already holds them), and the mix
gains KWIC and frequency pages filtered by ``category:bench-a`` and ``-category:*``;
``--editable`` serves with ``--editable``, so KWIC pages also look up each line's category.

    python benchmarks/bench_web.py [--index DIR] [--seconds 30] [--clients 8] [--rounds both]
        [--category-lines 10000] [--editable]
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

from measure import percentile
from webload import Server, get

SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

KWIC_QUERIES = {"frequent": "the", "mid": "revolution", "rare": "bordiga",
                "phrase": "working class", "concept": "@workers-councils"}
FREQ_QUERIES = ("revolution", "@state-capitalism", "council*")


def workload(categories: bool = False) -> list[tuple[str, str]]:
    """(kind, path) pairs: every page as HTML and as its JSON twin."""
    pages: list[tuple[str, str]] = []
    if categories:
        pages.append(("kwic category", "/kwic?" + urllib.parse.urlencode({"q": "the category:bench-a"})))
        pages.append(("kwic uncategorised", "/kwic?" + urllib.parse.urlencode(
            {"q": "revolution -category:*"})))
        pages.append(("freq category", "/freq?" + urllib.parse.urlencode(
            {"q": "the category:bench-a", "by": "lang,decade"})))
    for label, q in KWIC_QUERIES.items():
        pages.append((f"kwic {label}", "/kwic?" + urllib.parse.urlencode({"q": q})))
    pages.append(("kwic sorted", "/kwic?" + urllib.parse.urlencode({"q": "revolution",
                                                                     "sort": "R1,R2", "page": 3})))
    for q in FREQ_QUERIES:
        pages.append(("freq", "/freq?" + urllib.parse.urlencode({"q": q, "by": "lang,decade"})))
    twins = [(kind.split()[0] + ".json", path.replace("?", ".json?", 1)) for kind, path in pages]
    return pages + twins


def unique_filter(n: int) -> str:
    """A year range that covers the whole corpus but differs for every request number."""
    return f"&year={1000 + n % 500}-{2100 + n // 500}"


def run_load(port: int, pages: list[tuple[str, str]], *, clients: int, seconds: float,
             max_requests: int, unique: bool) -> tuple[dict[str, list[float]], list[str], float]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    budget = [max_requests]
    started = time.monotonic()
    stop_at = started + seconds

    def client(number: int) -> None:
        i = number * 3
        while time.monotonic() < stop_at:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
                number = budget[0]
            kind, path = pages[i % len(pages)]
            i += 1
            if unique:
                path += unique_filter(number)
            try:
                status, took, _size = get(port, path, timeout=60)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies[kind].append(took)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    return latencies, errors, time.monotonic() - started


def row(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<16} {0:>8}"
    return (f"  {name:<16} {len(values):>8} {percentile(values, 50) * 1000:>9.1f} "
            f"{percentile(values, 95) * 1000:>9.1f} {max(values) * 1000:>9.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/bench-shared-index"))
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS,
                        help="corpus to index when --index is missing")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=8, help="server worker threads")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per round")
    parser.add_argument("--rounds", choices=("repeated", "unique", "both"), default="both")
    parser.add_argument("--category-lines", type=int, default=0,
                        help="fill the categories workspace with this many lines first")
    parser.add_argument("--editable", action="store_true", help="serve with --editable")
    args = parser.parse_args(argv)

    from concord.index import read_current

    if read_current(args.index) is None:
        from concord.indexer import build_index

        print(f"building {args.index} from {args.corpus} ...", flush=True)
        built = build_index(args.corpus, args.index, procs=2)
        print(f"  {built.documents} documents, {built.tokens:,} tokens in "
              f"{built.seconds:.1f} s", flush=True)

    if args.category_lines:
        fill_categories(args.index, args.category_lines)
    pages = workload(categories=bool(args.category_lines))
    with tempfile.TemporaryDirectory(prefix="concord-bench-web-") as tmp:
        server = Server(args.index, workers=args.workers, log=Path(tmp) / "serve.log",
                        extra_args=("--editable",) if args.editable else ())
        try:
            print(f"server pid {server.pid} on 127.0.0.1:{server.port}, index {args.index}")
            print("warm-up (first request of each page, one client):")
            for _kind, path in pages:
                status, took, size = server.get(path)
                print(f"  {took * 1000:8.1f} ms  {status}  {size:>8} B  {path}")
            rounds = ["repeated", "unique"] if args.rounds == "both" else [args.rounds]
            results = {name: run_load(server.port, pages, clients=args.clients,
                                      seconds=args.seconds, max_requests=args.max_requests,
                                      unique=name == "unique")
                       for name in rounds}
        finally:
            server.stop()

    failed = False
    for name, (latencies, errors, wall) in results.items():
        report(name, latencies, errors, wall, args.clients)
        failed = failed or bool(errors)
    return 1 if failed else 0


def fill_categories(index: Path, n: int) -> None:
    """Put ``n`` hits of "the", spread over the corpus, into two categories (once)."""
    from concord.categories import Span, Workspace
    from concord.hits import find_hits
    from concord.index import open_index
    from concord.query import parse_query

    ws = Workspace(index)
    held = sum(c.lines for c in ws.categories() if c.name in ("bench-a", "bench-b"))
    if held == n:
        print(f"categories: {n} lines already in bench-a and bench-b")
        return
    started = time.perf_counter()
    with open_index(index) as ix:
        hits = find_hits(ix, parse_query("the"))
        if len(hits) < n:
            raise SystemExit(f"only {len(hits)} hits of 'the' for {n} category lines")
        store = ix.store
        step = len(hits) // n
        spans = {"bench-a": [], "bench-b": []}
        for k, i in enumerate(range(0, step * n, step)):
            start, length, doc = int(hits.starts[i]), int(hits.lengths[i]), int(hits.docs[i])
            span = Span(store.docs[doc]["doc_id"], int(store.start[start]),
                        int(store.end[start + length - 1]))
            spans["bench-a" if k % 2 == 0 else "bench-b"].append(span)
        for name, chosen in spans.items():
            if ws.has_category(name):
                ws.delete(name)
            ws.create(name)
            ws.assign(ix, name, chosen, query="the")
    print(f"categories: {n} lines written in {time.perf_counter() - started:.1f} s "
          f"({ws.path}, {ws.path.stat().st_size / 1e6:.1f} MB)")


def report(name: str, latencies: dict[str, list[float]], errors: list[str], wall: float,
           clients: int) -> None:
    total = [t for values in latencies.values() for t in values]
    print(f"\nround {name!r}: {clients} clients, {wall:.1f} s, {len(total)} requests "
          f"({len(total) / wall:.1f}/s), {len(errors)} errors")
    print(f"  {'page':<16} {'requests':>8} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for kind in sorted(latencies):
        print(row(kind, latencies[kind]))
    kwic = [t for k, v in latencies.items() if k.startswith("kwic") for t in v]
    freq = [t for k, v in latencies.items() if k.startswith("freq") for t in v]
    print(row("KWIC (all)", kwic))
    print(row("freq (all)", freq))
    print(row("overall", total))
    for sample in errors[:5]:
        print("  error:", sample)


if __name__ == "__main__":
    sys.exit(main())
