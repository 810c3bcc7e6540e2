"""The store phase alone: the CPU time of ``write_store`` and of the duplicate search, on the
pieces of a real build, repeated.

Runs one build of ``--corpus`` into a temporary index (a fresh one, or, with ``--index``, an
update of a hard-linked copy of that index), keeping the workers' pieces and the arguments of
``write_store``; then writes the store again from them ``--runs`` times into temporary
folders and searches it for duplicates, printing the process CPU seconds of each run and the
medians. CPU, not wall time: the machine may be shared. Nothing outside the temporary folder
is changed.

    python benchmarks/bench_store_write.py --corpus ../shared/corpus
    python benchmarks/bench_store_write.py --corpus CORPUS-WITH-ONE-MORE-FILE --index INDEX
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concord import duplicates, indexer, store  # noqa: E402


def capture(corpus: Path, index: Path, procs: int) -> tuple[list, list, int]:
    """Build, keeping the pieces; return what write_store was given."""
    given: dict = {}
    write_store, remove = store.write_store, store.Piece.__dict__["remove"]

    def keep(path, pieces, order, n_docnums):
        given.update(pieces=pieces, order=order, n_docnums=n_docnums)
        return write_store(path, pieces, order, n_docnums)

    store.write_store = keep
    store.Piece.remove = classmethod(lambda cls, path: None)
    try:
        report = indexer.build_index(corpus, index, procs=procs)
    finally:
        store.write_store, store.Piece.remove = write_store, remove
    print(f"build: {report.tokens:,} tokens, added {report.added}, changed {report.changed}, "
          f"deleted {report.deleted}; phases (s, wall): "
          + ", ".join(f"{k} {v:.1f}" for k, v in report.phases.items()), flush=True)
    return given["pieces"], given["order"], given["n_docnums"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, help="an index of the corpus before a change: update a copy of it")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="concord-store-") as tmp:
        index = Path(tmp) / "index"
        if args.index:
            subprocess.run(["cp", "-al", str(args.index), str(index)], check=True)
            (index / ".lock").unlink(missing_ok=True)       # the copy gets its own lock
        pieces, order, n_docnums = capture(args.corpus.resolve(), index, args.procs)
        write_cpu, duplicates_cpu = [], []
        for run in range(args.runs):
            out = Path(tmp) / f"store-{run}"
            t = time.process_time()
            store.write_store(out, pieces, order, n_docnums)
            write_cpu.append(time.process_time() - t)
            opened = store.Store(out)
            t = time.process_time()
            groups = duplicates.store_groups(opened)
            duplicates_cpu.append(time.process_time() - t)
            opened.close()
            print(f"run {run + 1}: write_store {write_cpu[-1]:.2f} CPU s, duplicates "
                  f"{duplicates_cpu[-1]:.2f} CPU s ({len(groups)} groups)", flush=True)
        print(f"median of {args.runs}: write_store {statistics.median(write_cpu):.2f} CPU s, "
              f"duplicates {statistics.median(duplicates_cpu):.2f} CPU s")


if __name__ == "__main__":
    main()
