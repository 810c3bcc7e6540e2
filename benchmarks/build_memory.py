"""Which process of a build holds how much memory, and in which phase.

Runs ``concord index CORPUS --index INDEX --procs N --format json`` with this checkout's
code (``python -c`` with ``PYTHONPATH`` set to it, so the installed ``concord`` script and
another checkout play no part), samples every process of its tree (``VmRSS``, ``RssAnon``,
``RssFile`` of /proc/PID/status, ``Pss`` and ``Private_Dirty`` of smaps_rollup: what a
forked process dirtied itself, not the pages it shares with its parent) every ``--every`` seconds, and
prints for each process its peak and the phase it was in, the tree's peak PSS and RSS, and
per phase the tree's peak and each process's. Phases are placed from the report's phase
times, counted back from the end of the run (the side phases, duplicates and align, run
beside the tables in a process of their own: their rows are approximate). Processes are
named by the phase they first appear in: the analysis workers, the lemma pool (store), the
side process (tables). ``--timeline S`` also prints the processes every S seconds.

    python benchmarks/build_memory.py /tmp/concord-bench/corpus-57M-seed1 /tmp/idx --timeline 10
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict

from measure import REPO, proc_kb, process_tree

FIELDS = ("VmRSS", "RssAnon", "RssFile")


def _status(pid: int) -> dict[str, int] | None:
    """The fields of a process in kB (None when it is gone)."""
    status = proc_kb(pid, "status", FIELDS)
    rollup = proc_kb(pid, "smaps_rollup", ("Pss", "Private_Dirty"))
    return None if status is None or rollup is None else {**status, **rollup}


def run(corpus: str, index: str, procs: int, every: float, code: str = str(REPO)) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    cmd = [sys.executable, "-c", "import sys; from concord.cli import main; sys.argv[0] = 'concord'; main()",
           "index", corpus, "--index", index, "--procs", str(procs), "--format", "json"]
    env = {**os.environ, "PYTHONPATH": code}
    before = os.times()
    started = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd="/tmp")
    samples: list[tuple[float, int, dict[str, int]]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            t = time.time() - started
            for pid in process_tree(proc.pid):
                status = _status(pid)
                if status:
                    samples.append((t, pid, status))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    end = time.time() - started
    stop.set()
    sampler.join()
    after = os.times()
    if proc.returncode:
        raise SystemExit(f"the build failed ({proc.returncode}): {stderr[-2000:]}")
    report = json.loads(stdout)
    bounds, t = [], end - report["seconds"]
    for name, seconds in report["phases"].items():
        bounds.append((name, t, t + seconds))
        t += seconds
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"samples": samples, "bounds": bounds, "end": end, "cpu": cpu, "tokens": report["tokens"],
            "root": proc.pid}


def summarise(result: dict, timeline: float | None) -> None:
    samples, bounds = result["samples"], result["bounds"]

    def phase(t: float) -> str:
        for name, a, b in bounds:
            if a <= t < b:
                return name
        return "start" if not bounds or t < bounds[0][1] else "end"

    first: dict[int, float] = {}
    for t, pid, _s in samples:
        first.setdefault(pid, t)
    names: dict[int, str] = {}
    counts: dict[str, int] = defaultdict(int)
    for pid in sorted(first, key=first.__getitem__):
        role = "parent" if pid == result["root"] else f"child@{phase(first[pid])}"
        counts[role] += 1
        names[pid] = f"{role}#{counts[role]}"
    print(f"{result['tokens']:,} tokens, wall {result['end']:.1f} s, CPU {result['cpu']:.1f} s (user+sys)")
    per_pid: dict[int, list] = defaultdict(list)
    tree: dict[float, list[int]] = defaultdict(lambda: [0, 0])
    for t, pid, s in samples:
        per_pid[pid].append((t, s))
        tree[t][0] += s.get("VmRSS", 0)
        tree[t][1] += s.get("Pss", 0)
    for pid in sorted(per_pid, key=first.__getitem__):
        t, s = max(per_pid[pid], key=lambda ts: ts[1].get("VmRSS", 0))
        own = {key: max(x.get(key, 0) for _t, x in per_pid[pid]) / 1024 for key in ("Pss", "Private_Dirty")}
        print(f"  {names[pid]:18s} peak RSS {s['VmRSS'] / 1024:5.0f} MB (anon {s['RssAnon'] / 1024:.0f}, "
              f"file {s['RssFile'] / 1024:.0f}) at {t:.1f} s, {phase(t)}; peak PSS {own['Pss']:.0f}, "
              f"private dirty {own['Private_Dirty']:.0f}")
    if not tree:
        return
    t_pss = max(tree, key=lambda t: tree[t][1])
    t_rss = max(tree, key=lambda t: tree[t][0])
    print(f"  tree peak PSS {tree[t_pss][1] / 1024:.0f} MB ({phase(t_pss)}), "
          f"tree peak RSS {tree[t_rss][0] / 1024:.0f} MB ({phase(t_rss)})")
    print("  per phase: tree peak PSS / RSS; each process's peak RSS (anon)")
    for name, a, b in bounds:
        times = [t for t in tree if a <= t < b]
        if not times:
            continue
        peaks: dict[str, tuple[int, int]] = {}
        for t, pid, s in samples:
            if a <= t < b and s.get("VmRSS", 0) > peaks.get(names[pid], (0, 0))[0]:
                peaks[names[pid]] = (s["VmRSS"], s.get("RssAnon", 0))
        print(f"    {name:11s} {b - a:6.1f} s  PSS {max(tree[t][1] for t in times) / 1024:5.0f}  "
              f"RSS {max(tree[t][0] for t in times) / 1024:5.0f} | "
              + ", ".join(f"{n} {r / 1024:.0f} ({an / 1024:.0f})" for n, (r, an) in peaks.items()))
    if timeline:
        rows: dict[float, list] = defaultdict(list)
        for t, pid, s in samples:
            rows[t].append((pid, s))
        due = 0.0
        for t in sorted(rows):
            if t >= due:
                print(f"  {t:7.1f} {phase(t):10s} PSS {tree[t][1] / 1024:5.0f} | " + " ".join(
                    f"{names[pid]} {s['VmRSS'] / 1024:.0f}/{s['RssAnon'] / 1024:.0f}" for pid, s in rows[t]))
                due = t + timeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("index", help="an index folder to (re)build: it is deleted first")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--every", type=float, default=0.2, help="seconds between samples")
    parser.add_argument("--timeline", type=float, default=None, help="print the processes every S s")
    parser.add_argument("--code", default=str(REPO), help="the checkout whose code builds (default: this one)")
    args = parser.parse_args()
    summarise(run(args.corpus, args.index, args.procs, args.every, args.code), args.timeline)


if __name__ == "__main__":
    main()
