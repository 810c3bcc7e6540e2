"""Issue 16's incremental update: add one document to a large index and time the update.

Builds (or reuses, with ``--reuse``) an index of ``--corpus``, then makes a copy of the
corpus and of the index with hard links (instant; a build never modifies a generation in
place), adds one small document to the copy and runs ``concord index`` on it. Prints, for the
fresh build and for the update: wall time, the build's phases, the peak resident set of the
largest process (wait4) and the process tree's peak PSS. The copies are removed afterwards.

    python benchmarks/generate.py --tokens 57M --out /tmp/concord-bench/57M
    python benchmarks/bench_update.py --corpus /tmp/concord-bench/57M --index /tmp/concord-bench/57M-index
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from measure import concord_command, mb, run_process

NEW_DOCUMENT = ("Ein neues Dokument über die Räte.\n\n"
                "Die Arbeiterräte und die Räte der Soldaten tagten; qwertzuiop blieb unbekannt.\n")


def index(corpus: Path, target: Path, procs: int, timeout: float, *extra: str) -> dict:
    cmd = [*concord_command(), "index", str(corpus), "--index", str(target), "--procs", str(procs),
           "--format", "json", *extra]
    print(f"$ {shlex.join(cmd)}", flush=True)
    run = run_process(cmd, timeout=timeout)
    if run.returncode not in (0, 3):
        sys.exit(f"indexing failed ({run.returncode}):\n{run.stderr[-3000:]}")
    report = json.loads(run.stdout)
    phases = ", ".join(f"{k} {v:.1f}" for k, v in report["phases"].items())
    print(f"  {report['documents']} documents, {report['tokens']:,} tokens "
          f"(added {report['added']}, changed {report['changed']}, deleted {report['deleted']}) "
          f"in {run.seconds:.1f} s; phases (s): {phases}; largest process {mb(run.peak_rss)} "
          f"(wait4), process tree PSS {mb(run.peak_tree_pss)}", flush=True)
    return {"seconds": run.seconds, "phases": report["phases"], "peak_rss": run.peak_rss,
            "peak_tree_pss": run.peak_tree_pss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True, help="index folder (rebuilt unless --reuse)")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep an existing index of the corpus")
    parser.add_argument("--timeout", type=float, default=7200)
    args = parser.parse_args()
    if not args.reuse or not (args.index / "CURRENT").exists():
        print("fresh build:")
        index(args.corpus, args.index, args.procs, args.timeout, "--rebuild")
    corpus_copy = args.corpus.with_name(args.corpus.name + "-update")
    index_copy = args.index.with_name(args.index.name + "-update")
    for path in (corpus_copy, index_copy):
        shutil.rmtree(path, ignore_errors=True)
    try:
        subprocess.run(["cp", "-al", str(args.corpus), str(corpus_copy)], check=True)
        subprocess.run(["cp", "-al", str(args.index), str(index_copy)], check=True)
        # The lock file is opened for writing: the copy gets its own.
        (index_copy / ".lock").unlink(missing_ok=True)
        (corpus_copy / "zz-update").mkdir()
        (corpus_copy / "zz-update" / "one-new-document.txt").write_text(NEW_DOCUMENT, "utf-8")
        print("one document added:")
        index(corpus_copy, index_copy, args.procs, args.timeout)
    finally:
        for path in (corpus_copy, index_copy):
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
