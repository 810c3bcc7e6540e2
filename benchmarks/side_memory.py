"""Memory and time of a build's side jobs (near-duplicates, then alignments) on a built index.

Runs ``concord.indexer._side_jobs`` with this checkout's code in a fresh process (so nothing is
inherited from a parent, as in the build's forked child) on a scratch generation folder
``OUT`` whose ``store`` links to the index's store: it writes ``duplicates.json``,
``duplicates.samples/`` (from ``KEEP_SAMPLES_TOKENS`` on) and ``align.sqlite`` there, not in
the index. Samples the process's ``/proc/PID/smaps_rollup`` every ``--every`` seconds and
prints, for each side job, its peak RSS, anonymous memory (``Anonymous``), PSS and PSS of
anonymous and of file pages, and the job's seconds; then the CPU seconds of the process.

    python benchmarks/side_memory.py /tmp/idx /tmp/side-out
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from measure import REPO, proc_kb

FIELDS = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Anonymous", "Private_Dirty")
CHILD = """
import json, sys, time
from pathlib import Path
from concord.indexer import _side_jobs
out = Path(sys.argv[1])
print(json.dumps({"start": time.time(), "result": _side_jobs(out, None, False)}), flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", help="an index folder (its current generation) or a generation")
    parser.add_argument("out", help="a scratch folder (deleted first)")
    parser.add_argument("--every", type=float, default=0.05)
    parser.add_argument("--code", default=str(REPO), help="the checkout whose code runs (default: this one)")
    args = parser.parse_args()
    index = Path(args.index)
    if (index / "CURRENT").exists():
        index = index / json.loads((index / "CURRENT").read_text())["generation"]
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / "store").symlink_to((index / "store").resolve())
    before = os.times()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": args.code}, cwd=out)   # not this checkout's
    samples: list[tuple[float, dict[str, int]]] = []
    while proc.poll() is None:
        found = proc_kb(proc.pid, "smaps_rollup", FIELDS)
        if found:
            samples.append((time.time(), found))
        time.sleep(args.every)
    output = proc.stdout.read() if proc.stdout else ""
    after = os.times()
    if proc.returncode:
        sys.exit(f"the side jobs failed (exit {proc.returncode})")
    record = json.loads(output.strip().splitlines()[-1])
    duplicates, alignment, seconds = record["result"]
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    switch = record["start"] + seconds["duplicates"]
    print(f"side jobs on {index}: CPU {cpu:.1f} s; duplicates {seconds['duplicates']:.2f} s "
          f"({duplicates['groups']} groups), align {seconds['align']:.2f} s ({alignment['pairs']} pairs)")
    for name, chosen in (("duplicates", [s for t, s in samples if t <= switch]),
                         ("align", [s for t, s in samples if t > switch]), ("both", [s for _, s in samples])):
        if chosen:
            peaks = {key: max(s.get(key, 0) for s in chosen) / 1024 for key in FIELDS}
            print(f"  {name:10} peak MB: " + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items()))


if __name__ == "__main__":
    main()
