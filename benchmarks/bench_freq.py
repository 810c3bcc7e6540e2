"""Issue 3's benchmark: time ``freq`` of two concepts by language and decade or year.

Uses an index of the shared corpus (built into ``--index`` first if it is missing), times
``freq @state-capitalism`` and ``freq @workers-councils`` with ``--by lang,decade`` and
``--by lang,year`` on the warm index (goal: under 1 s), and prints the tables: every cell for
``lang,decade``, the cells with hits for ``lang,year`` (``--all-rows`` for every cell).

    python benchmarks/bench_freq.py [--index DIR] [--runs 5] [--all-rows]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generate import SHARED_CORPUS
from measure import ms, timed

CONCEPTS = ("@state-capitalism", "@workers-councils")
BYS = (("lang", "decade"), ("lang", "year"))
GOAL = 1.0


def print_rows(rows: list[dict], by: tuple[str, ...], only_hits: bool) -> None:
    columns = [*by, "hits", "docs", "tokens", "per_million"]
    shown = [r for r in rows if r["hits"] or not only_hits]
    print("  " + "  ".join(f"{c:>11}" for c in columns))
    for row in shown:
        cells = []
        for c in columns:
            value = row.get(c)
            cells.append(f"{'' if value is None else value:>11}")
        print("  " + "  ".join(cells))
    if only_hits:
        print(f"  ({len(rows) - len(shown)} cells without hits not shown)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/concord-bench/shared-procs2"))
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS,
                        help="corpus to index when --index is missing")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--all-rows", action="store_true", help="print cells without hits too")
    args = parser.parse_args(argv)

    from concord.index import open_index, read_current
    from concord.query import parse_query
    from concord.stats import freq

    if read_current(args.index) is None:
        from concord.indexer import build_index

        print(f"building {args.index} from {args.corpus} ...", flush=True)
        report = build_index(args.corpus, args.index, procs=2)
        print(f"  {report.documents} documents, {report.tokens:,} tokens in {report.seconds:.1f} s")
    ix = open_index(args.index)
    print(f"index {args.index}: {ix.store.n_tokens:,} tokens, {len(ix.store.docs)} documents, "
          f"languages {', '.join(ix.store.langs)}\n")
    summary = []
    for concept in CONCEPTS:
        parsed = parse_query(concept)
        for by in BYS:
            t = timed(lambda p=parsed, c=concept, b=by: freq(ix, [(c, p)], by=b), args.runs)
            rows = t.result
            verdict = "MET" if t.median < GOAL else "MISSED"
            head = (f"freq {concept} --by {','.join(by)}: {len(rows)} cells, "
                    f"{sum(r['hits'] for r in rows):,} hits, {ms(t.median)} (runs {t.spread}) "
                    f"[{verdict}: goal < 1 s]")
            summary.append(head)
            print(head)
            print_rows(rows, by, only_hits=by[-1] == "year" and not args.all_rows)
            print()
    print("summary")
    for line in summary:
        print("  " + line)
    ix.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
