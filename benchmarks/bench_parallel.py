"""Speed of translation families: ``concord parallel`` against the KWIC's first page, and the
share of an index build spent aligning.

    python benchmarks/bench_parallel.py --index DIR [--query Q ...]   # parallel vs KWIC
    python benchmarks/bench_parallel.py --build CORPUS                 # build, then the above

For each query: the KWIC's first page (50 lines, ``reports.kwic_report``) and the parallel
page (50 hits with every aligned version, ``reports.parallel_report``), each in a fresh
process-like state (first call: nothing cached in the process but the open index) and warm
(median of 5 more calls), then the difference and ratio. The issue's bound: parallel <= KWIC
+ 50 ms. With ``--build``, the corpus is indexed into a temporary folder first and the
build's phases are printed with the alignment's share (bound: <= 10% of the build).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from concord import align  # noqa: E402
from concord.index import open_index  # noqa: E402
from concord.reports import (  # noqa: E402
    Context,
    KwicOptions,
    Paging,
    ParallelOptions,
    Scope,
    kwic_report,
    parallel_report,
)

QUERIES = ("Bourgeoisie", "@proletariat", "Klasse NEAR/3 Kampf", '[word="class"%c]', "Gespenst")


def _kwic(ix, q: str) -> float:
    t = time.perf_counter()
    list(kwic_report(Context(ix=ix), Scope(q), KwicOptions(paging=Paging(limit=50))).rows)
    return time.perf_counter() - t


def _parallel(ix, q: str) -> float:
    t = time.perf_counter()
    list(parallel_report(Context(ix=ix), Scope(q), ParallelOptions(paging=Paging(limit=50))).rows)
    return time.perf_counter() - t


def compare(index: Path, queries: tuple[str, ...]) -> None:
    print(f"{'query':<24}{'kwic first':>12}{'parallel first':>16}{'kwic warm':>11}"
          f"{'parallel warm':>15}{'diff first':>12}{'diff warm':>11}{'ratio warm':>12}  bound")
    for q in queries:
        align._UNITS.clear()
        with open_index(index) as ix:
            k1 = _kwic(ix, q)
        with open_index(index) as ix:
            p1 = _parallel(ix, q)
            kw = statistics.median(_kwic(ix, q) for _ in range(5))
            pw = statistics.median(_parallel(ix, q) for _ in range(5))
        ok = "ok" if p1 <= k1 + 0.05 and pw <= kw + 0.05 else "OVER"
        print(f"{q:<24}{k1 * 1000:>10.1f}ms{p1 * 1000:>14.1f}ms{kw * 1000:>9.1f}ms{pw * 1000:>13.1f}ms"
              f"{(p1 - k1) * 1000:>10.1f}ms{(pw - kw) * 1000:>9.1f}ms{pw / kw:>11.2f}x  {ok}")


def build(corpus: Path) -> Path:
    from concord.indexer import build_index

    target = Path(tempfile.mkdtemp(prefix="bench-parallel-")) / "index"
    report = build_index(corpus, target, procs=2)
    phases = report.phases
    total = report.seconds
    share = phases.get("align", 0.0) / max(total - phases.get("align", 0.0), 1e-9)
    print(f"build of {corpus}: {report.documents} documents, {report.tokens} tokens in {total:.1f} s")
    print("phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    print(f"aligning: {phases.get('align', 0.0):.1f} s = {share:.1%} of the rest of the build "
          f"(bound 10%: {'ok' if share <= 0.10 else 'OVER'})")
    with open_index(target) as ix:
        for fam in ix.alignments.families():
            if len(fam["versions"]) > 1:
                print(f"  {fam['work']}: {fam['status']} {fam['note'] or ''}")
    return target


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path)
    ap.add_argument("--build", type=Path, help="Index this corpus first (into a temp folder).")
    ap.add_argument("--query", action="append", help="Queries (default: a word, a concept, "
                    "NEAR, CQL, a rare word).")
    args = ap.parse_args()
    index = build(args.build) if args.build else args.index
    if index is None:
        ap.error("give --index DIR or --build CORPUS")
    compare(index, tuple(args.query or QUERIES))


if __name__ == "__main__":
    main()
