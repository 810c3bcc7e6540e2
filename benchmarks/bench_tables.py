"""Issue 16: CPU seconds of the lemma and stem tables of a built index, step by step.

Views the index's store as the one new piece of a fresh build (as the indexer sees the
pieces of its workers), then times, in this process: :class:`concord.lemmas.EarlyLemmas`
finding the (language, form) pairs, its jobs (lemmas and stems of every new form, run here
one after the other instead of in background processes), and :func:`concord.lemmas.write_tables`
writing the tables into a copy of the store. Then checks that every table file written is
byte for byte the index's own. CPU time (``time.process_time``), not wall time: the figures
still move with the machine's load, so run it several times.

    python benchmarks/bench_tables.py --index /tmp/shared-index [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def table_files(store: Path) -> list[str]:
    return sorted(p.name for p in store.iterdir()
                  if p.name.startswith(("lemma", "stem")) or p.name == "tables.json")


def one_run(store: Path, work: Path) -> dict[str, float]:
    from concord import lemmas
    from concord.store import Store, store_as_piece

    copy = work / "store"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy)
    for name in table_files(copy):
        (copy / name).unlink()
    source = Store(store)
    try:
        piece = store_as_piece(source)
        clock = time.process_time
        t0 = clock()
        early = lemmas.EarlyLemmas([piece], procs=1)
        t1 = clock()
        forms = early.result()
        t2 = clock()
        lemmas.write_tables(copy, known=forms)
        t3 = clock()
    finally:
        source.close()
    differ = [name for name in table_files(store)
              if (store / name).read_bytes() != (copy / name).read_bytes()]
    if differ or table_files(store) != table_files(copy):
        raise SystemExit(f"tables differ from the index's own: {differ or 'other files'}")
    return {"pairs": t1 - t0, "lemmas and stems": t2 - t1, "write_tables": t3 - t2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from concord.index import read_current

    store = args.index / read_current(args.index) / "store"
    with tempfile.TemporaryDirectory() as tmp:
        runs = [one_run(store, Path(tmp)) for _ in range(args.runs)]
    print(f"{store}: tables byte-identical in {len(runs)} runs; median CPU seconds:")
    for step in runs[0]:
        print(f"  {step:<18} {statistics.median(r[step] for r in runs):6.2f}")


if __name__ == "__main__":
    main()
