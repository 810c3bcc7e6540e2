"""Issue 2's benchmark: index the shared corpus, then time KWIC on the warm index.

Builds ``../shared/corpus`` with ``concord index --procs 1`` and ``--procs 2`` (fresh index
folders outside the repository), and prints build time, tokens/s (end to end, language
detection included), peak memory, the index's size by part, and the first-page KWIC time of
a frequent word, a mid word, a rare word and a frequent phrase, with the ratio to a
compiled-regex scan of the same texts.

    python benchmarks/bench_index.py [--corpus DIR] [--procs 1,2] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
from pathlib import Path

from generate import SHARED_CORPUS
from measure import concord_command, machine_description, mb, ms, run_process, timed, tree_size
from workload import choose_workload, load_texts, regex_scan

from concord.textblocks import FILES as TEXT_FILES

RATE_GOAL = 100_000
KWIC_GOAL = 0.1


def build(corpus: Path, index: Path, procs: int, timeout: float) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    cmd = [*concord_command(), "index", str(corpus), "--index", str(index), "--procs", str(procs),
           "--format", "json"]
    print(f"$ {shlex.join(cmd)}", flush=True)
    proc = run_process(cmd, timeout=timeout)
    if proc.returncode not in (0, 3):
        sys.exit(f"indexing failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    report = json.loads(proc.stdout)
    rate = report["tokens"] / proc.seconds
    verdict = "MET" if rate >= RATE_GOAL else "MISSED"
    print(f"  procs={procs}: {report['documents']} documents, {report['tokens']:,} tokens in "
          f"{proc.seconds:.1f} s = {rate:,.0f} tokens/s [{verdict}: goal ≥ {RATE_GOAL:,}]")
    print(f"  peak RSS {mb(proc.peak_rss)} (largest process), process tree PSS "
          f"{mb(proc.peak_tree_pss)}; phases " + ", ".join(f"{k} {v:.1f} s" for k, v in report["phases"].items()))
    if report.get("skipped"):
        print(f"  skipped: {report['skipped']}")
    return {"seconds": proc.seconds, "rate": rate, "report": report}


def index_parts(gen_path: Path) -> dict[str, int]:
    """Bytes of the index by part: display texts, token arrays, vocabularies, whoosh, rest."""
    parts = {"store: texts": 0, "store: token arrays": 0, "store: postings": 0,
             "store: vocabularies": 0, "store: other": 0, "whoosh": 0}
    for path in gen_path.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        if path.parent.name == "whoosh":
            parts["whoosh"] += size
        elif path.name in TEXT_FILES:
            parts["store: texts"] += size
        elif path.name in ("post.npy", "post_lo.npy", "post_hi.npy", "post_off.npy", "term_docs.npy") or path.name.startswith("tl_"):
            parts["store: postings"] += size
        elif path.name in ("tok.npy", "surf.npy", "surf_lo.npy", "surf_hi.npy", "start.npy", "end.npy", "surface_fold.npy", "surf_len.npy"):
            parts["store: token arrays"] += size
        elif path.name.startswith(("vocab", "surfaces")):
            parts["store: vocabularies"] += size
        else:
            parts["store: other"] += size
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--procs", default="1,2", help="worker counts to build with")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per KWIC measure")
    parser.add_argument("--work", type=Path, default=Path("/tmp/concord-bench"))
    parser.add_argument("--timeout", type=float, default=1800, help="limit of one build, s")
    args = parser.parse_args(argv)
    procs_list = [int(p) for p in args.procs.split(",")]
    for key, value in machine_description().items():
        print(f"{key}: {value}")
    print()

    builds = {}
    index = None
    for procs in procs_list:
        index = args.work / f"shared-procs{procs}"
        builds[procs] = build(args.corpus, index, procs, args.timeout)
    if 1 in builds and 2 in builds:
        print(f"  procs=2 is {builds[1]['seconds'] / builds[2]['seconds']:.2f}× faster than procs=1")

    from concord.hits import find_hits
    from concord.index import open_index
    from concord.kwic import concordance
    from concord.query import parse_query

    ix = open_index(index)
    corpus_bytes = tree_size(args.corpus)
    index_bytes = tree_size(ix.gen_path)
    print(f"\ncorpus {mb(corpus_bytes)}; index {mb(index_bytes)} ({index_bytes / corpus_bytes:.2f}× "
          f"the corpus, {index_bytes / ix.store.n_tokens:.1f} bytes/token)")
    for part, size in index_parts(ix.gen_path).items():
        print(f"  {part:22} {mb(size):>12}  {size / ix.store.n_tokens:5.1f} bytes/token")

    workload = choose_workload(ix.store)
    texts = load_texts(args.corpus)
    print(f"\nKWIC first page (50 lines), warm, median of {args.runs}:")
    for label, query in workload.kwic_queries():
        t = timed(lambda q=query: concordance(ix, find_hits(ix, parse_query(q)), limit=50), args.runs)
        verdict = "MET" if t.median < KWIC_GOAL else "MISSED"
        line = (f"  {label:14} {query!r:22} {t.result['hits']:>9,} hits {ms(t.median):>10} "
                f"[{verdict}: goal < 100 ms]")
        if label in ("rare", "mid") or (label == "most frequent" and query.isascii()):
            scan = timed(lambda q=query: regex_scan(texts, q), 1, warmup=0)
            line += (f"; regex scan {ms(scan.median)} ({scan.result:,} matches) → "
                     f"{scan.median / t.median:,.0f}× faster")
        print(line)
    ix.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
