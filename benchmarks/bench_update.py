"""Issue 16's incremental update: add one document to a large index, or change one, and time
the update against a fresh build of the same corpus measured in the same run.

Builds (or reuses, with ``--reuse``) an index of ``--corpus``, then, ``--runs`` times for
each case, makes a copy of the corpus and of the index with hard links (instant; a build
never modifies a generation in place), adds one small document to the copy (``add``) or
rewrites one of its documents with a paragraph more (``change``: the file is replaced, not
written through its link) and runs ``concord index`` on it. Prints, for the fresh build and
each update: wall time with the load average, CPU seconds (user + sys of the process and its
workers), the build's phases, the peak resident set of the largest process (wait4) and the
process tree's peak PSS; then the medians per case and their share of the fresh build.
The copies are removed afterwards.

    python benchmarks/generate.py --tokens 57M --out /tmp/concord-bench/57M
    python benchmarks/bench_update.py --corpus /tmp/concord-bench/57M --index /tmp/concord-bench/57M-index
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from measure import concord_command, mb, run_process

NEW_DOCUMENT = ("Ein neues Dokument über die Räte.\n\n"
                "Die Arbeiterräte und die Räte der Soldaten tagten; qwertzuiop blieb unbekannt.\n")
NEW_PARAGRAPH = "\n\nThe councils met again in the spring; qwertzuiop was not among them.\n"
PHASES = ("plan", "analyse", "commit", "store", "tables", "duplicates", "align")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def index(corpus: Path, target: Path, procs: int, timeout: float, *extra: str) -> dict:
    cmd = [*concord_command(), "index", str(corpus), "--index", str(target), "--procs", str(procs),
           "--format", "json", *extra]
    print(f"$ {shlex.join(cmd)}", flush=True)
    load = os.getloadavg()[0]
    cpu = children_cpu()
    run = run_process(cmd, timeout=timeout)
    cpu = children_cpu() - cpu
    if run.returncode not in (0, 3):
        sys.exit(f"indexing failed ({run.returncode}):\n{run.stderr[-3000:]}")
    report = json.loads(run.stdout)
    phases = ", ".join(f"{k} {v:.2f}" for k, v in report["phases"].items())
    print(f"  {report['documents']} documents, {report['tokens']:,} tokens "
          f"(added {report['added']}, changed {report['changed']}, deleted {report['deleted']}) "
          f"in {run.seconds:.2f} s wall (load {load:.1f}), {cpu:.2f} CPU s; phases (s): {phases}; "
          f"largest process {mb(run.peak_rss)} (wait4), process tree PSS {mb(run.peak_tree_pss)}",
          flush=True)
    return {"seconds": run.seconds, "cpu": cpu, "load": load, "phases": report["phases"],
            "peak_rss": run.peak_rss, "peak_tree_pss": run.peak_tree_pss}


def changed_file(corpus: Path) -> Path:
    """The document the ``change`` case rewrites: the first plain-text file by path."""
    found = sorted(corpus.rglob("*.txt"))
    if not found:
        sys.exit(f"no .txt file to change in {corpus}")
    return found[0]


def update(case: str, corpus: Path, index_dir: Path, procs: int, timeout: float) -> dict:
    corpus_copy = corpus.with_name(corpus.name + "-update")
    index_copy = index_dir.with_name(index_dir.name + "-update")
    for path in (corpus_copy, index_copy):
        shutil.rmtree(path, ignore_errors=True)
    try:
        subprocess.run(["cp", "-al", str(corpus), str(corpus_copy)], check=True)
        subprocess.run(["cp", "-al", str(index_dir), str(index_copy)], check=True)
        # The lock file is opened for writing: the copy gets its own.
        (index_copy / ".lock").unlink(missing_ok=True)
        if case == "add":
            (corpus_copy / "zz-update").mkdir()
            (corpus_copy / "zz-update" / "one-new-document.txt").write_text(NEW_DOCUMENT, "utf-8")
        else:
            target = corpus_copy / changed_file(corpus).relative_to(corpus)
            text = target.read_text("utf-8")
            target.unlink()                  # a hard link to the original: replaced, not edited
            target.write_text(text + NEW_PARAGRAPH, "utf-8")
        return index(corpus_copy, index_copy, procs, timeout)
    finally:
        for path in (corpus_copy, index_copy):
            shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True, help="index folder (rebuilt unless --reuse)")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="updates per case")
    parser.add_argument("--cases", default="add,change", help="add, change or both")
    parser.add_argument("--reuse", action="store_true", help="keep an existing index of the corpus")
    parser.add_argument("--timeout", type=float, default=7200)
    args = parser.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    if set(cases) - {"add", "change"}:
        sys.exit("--cases: add, change or both")
    fresh = None
    if not args.reuse or not (args.index / "CURRENT").exists():
        print("fresh build:")
        fresh = index(args.corpus, args.index, args.procs, args.timeout, "--rebuild")
    runs: dict[str, list[dict]] = {case: [] for case in cases}
    for n in range(args.runs):
        for case in cases:
            print(f"{case} one document, run {n + 1}:")
            runs[case].append(update(case, args.corpus, args.index, args.procs, args.timeout))
    print(f"\nmedians of {args.runs} runs (s):")
    rows = [("fresh build", [fresh])] if fresh else []
    rows += [(f"{case} one document", found) for case, found in runs.items()]
    print(f"{'':20} {'wall':>7} {'CPU':>7} {'load':>5}  " + " ".join(f"{p:>10}" for p in PHASES))
    for name, found in rows:
        med = {k: statistics.median(r[k] for r in found) for k in ("seconds", "cpu", "load")}
        phases = [statistics.median(r["phases"].get(p, 0.0) for r in found) for p in PHASES]
        print(f"{name:20} {med['seconds']:7.2f} {med['cpu']:7.2f} {med['load']:5.1f}  "
              + " ".join(f"{v:10.2f}" for v in phases))
    if fresh:
        for case, found in runs.items():
            wall = statistics.median(r["seconds"] for r in found)
            cpu = statistics.median(r["cpu"] for r in found)
            print(f"{case} one document: {100 * wall / fresh['seconds']:.1f}% of the fresh "
                  f"build's wall time, {100 * cpu / fresh['cpu']:.1f}% of its CPU time")


if __name__ == "__main__":
    main()
