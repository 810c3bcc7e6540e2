"""Issue 16: what a new process pays to open an index and count a word.

Times ``concord kwic WORD --count`` in new processes against ``python -c pass`` (the goal: at
most 50 ms more), through the console script (its fast path, :mod:`concord.quickcount`, when
it may answer) and through the full path, the same count through the library (``python -c``),
the share of word types the fast path answers, and the imports it
cannot avoid (numpy, click, regex, whoosh) each on its own; wall time and CPU time (user +
system, from ``wait4``), medians of ``--runs``. Then a ``python -X importtime`` breakdown of
the command: self time per module group (concord modules one by one, other packages by their
top-level name), and which modules it loads that a count does not need.

    python benchmarks/cold_start.py [--index DIR] [--word WORD] [--runs 15]

Without ``--index`` it indexes the shipped ``corpus/`` into ``/tmp/concord-bench/cold-start``
first. Figures move with the machine's load (``os.getloadavg`` is printed); CPU time moves less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from measure import REPO, concord_command

GOAL = 0.050        # seconds over a bare Python start
FLOOR_IMPORTS = {
    "numpy": "import numpy",
    "click": "import click",
    "regex": "import regex",
    "whoosh": "import whoosh.index, whoosh.fields, whoosh.query",
}
# Loaded by the command but not needed to count a word (flask and the web app never should be).
NOT_FOR_COUNTING = ("flask", "werkzeug", "jinja2", "web", "whoosh", "openpyxl", "pyarrow",
                    "concord.stats", "concord.measures", "concord.search", "concord.engine",
                    "concord.cli.statistics", "concord.cli.corpus", "concord.cli.indexing",
                    "concord.importers", "concord.datapackage", "concord.columns")


def run_once(cmd: list[str]) -> tuple[float, str]:
    """Wall seconds of one new process, and its standard output."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()[-2000:]}")
    return wall, proc.stdout.decode().strip()


def measure(cmd: list[str], runs: int) -> tuple[float, float, str]:
    """Median wall and CPU seconds of ``cmd`` over ``runs`` new processes (after one warm-up)."""
    import resource

    run_once(cmd)
    walls, cpus = [], []
    out = ""
    for _ in range(runs):
        # The child is reaped by run_once: its CPU time is the growth of RUSAGE_CHILDREN.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, out = run_once(cmd)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(wall)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus), out


def importtime(cmd_args: list[str]) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) of every import of ``python -X importtime ARGS``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *cmd_args], capture_output=True,
                          text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, self_us, cumulative, name = (part.strip() for part in line.replace("import time:", "|", 1).split("|"))
        rows.append((name, int(self_us), int(cumulative)))
    return rows


def group(name: str) -> str:
    if name.startswith("concord"):
        return name
    if name.startswith("web.") or name == "web":
        return "web"
    return name.split(".")[0]


def ensure_index(work: Path) -> Path:
    index = work / "index"
    if not (index / "CURRENT").exists():
        print(f"indexing {REPO / 'corpus'} into {index} ...", flush=True)
        subprocess.run([*concord_command(), "index", str(REPO / "corpus"), "--index", str(index)],
                       check=True, capture_output=True)
    return index


def fast_path_share(index: Path) -> tuple[float, float]:
    """Shares of the index's plain (ASCII letter and digit) word types, and of their
    occurrences, that ``concord kwic WORD --count`` answers without the full path."""
    import random
    import re

    from concord.index import open_index
    from concord.quickcount import quick_answer

    with open_index(index) as ix:
        words = [w for w in ix.store.vocab.tolist() if re.fullmatch(r"[a-z0-9]+", w)]
        words = random.Random(0).sample(words, min(2000, len(words)))
        counts = [ix.store.term_count(ix.store.vocab_id(w)) for w in words]
    answered = [quick_answer(["kwic", w, "--count", "--index", str(index)]) is not None for w in words]
    return (sum(answered) / max(1, len(words)),
            sum(n for n, ok in zip(counts, answered, strict=True) if ok) / max(1, sum(counts)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an index (default: corpus/ indexed once)")
    parser.add_argument("--word", default="bourgeoisie")
    parser.add_argument("--runs", type=int, default=15, help="new processes per figure")
    parser.add_argument("--work", type=Path, default=Path("/tmp/concord-bench/cold-start"))
    parser.add_argument("--top", type=int, default=25, help="module groups in the breakdown")
    args = parser.parse_args(argv)
    index = args.index or ensure_index(args.work)
    # An installed package has its bytecode compiled (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module from source in every process.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "concord")],
                   check=True, stdout=subprocess.DEVNULL)
    load = os.getloadavg()
    print(f"index {index}, word {args.word!r}, {args.runs} runs each; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")

    cli = [*concord_command(), "kwic", args.word, "--count", "--index", str(index), "--format", "json"]
    library = [sys.executable, "-c",
               "import sys\nfrom concord.index import open_index\n"
               "from concord.reports import Context, Scope, kwic_count_report\n"
               "print(kwic_count_report(Context(open_index(sys.argv[1])), Scope(sys.argv[2])).head['hits'])",
               str(index), args.word]
    base_wall, base_cpu, _ = measure([sys.executable, "-c", "pass"], args.runs)
    rows = [("python -c pass", base_wall, base_cpu, "")]
    for code in FLOOR_IMPORTS.values():
        wall, cpu, _ = measure([sys.executable, "-c", code], args.runs)
        rows.append((f"python -c '{code}'", wall, cpu, ""))
    wall, cpu, out = measure(library, args.runs)
    rows.append(("library: open_index + kwic_count_report (python -c)", wall, cpu, out))
    from concord.quickcount import quick_answer

    fast = quick_answer(cli[len(concord_command()):]) is not None
    cli_wall, cli_cpu, out = measure(cli, args.runs)
    rows.append((f"concord kwic {args.word} --count ({'fast' if fast else 'full'} path)",
                 cli_wall, cli_cpu, out))
    full = [sys.executable, "-c", "import sys; from concord.cli import main; sys.argv[0] = 'concord'; main()",
            *cli[len(concord_command()):]]
    wall, cpu, out = measure(full, args.runs)
    rows.append((f"concord kwic {args.word} --count, full path (concord.cli.main)", wall, cpu, out))
    print("| new process | wall (median) | over `python -c pass` | CPU (median) | output |")
    print("|---|---|---|---|---|")
    for label, wall, cpu, output in rows:
        print(f"| `{label}` | {wall * 1000:.1f} ms | {(wall - base_wall) * 1000:+.1f} ms | "
              f"{cpu * 1000:.1f} ms | {output} |")
    over = cli_wall - base_wall
    print(f"\n`concord kwic --count` costs {over * 1000:.1f} ms (wall) / {(cli_cpu - base_cpu) * 1000:.1f}"
          f" ms (CPU) over a bare Python start: goal ≤ {GOAL * 1000:.0f} ms "
          f"{'MET' if over <= GOAL else 'MISSED'} (wall).\n")

    types, tokens = fast_path_share(index)
    print(f"The fast path (concord.quickcount) answers {types:.1%} of the plain word types of the "
          f"index (a sample of up to 2,000), {tokens:.1%} of their occurrences; the full path "
          f"answers the others.\n")

    cli_args = ["-c", "import sys; from concord.cli import main; sys.argv[0] = 'concord'; main()",
                "kwic", args.word, "--count", "--index", str(index), "--format", "json"]
    imports = importtime(cli_args)
    bare = {name for name, _s, _c in importtime(["-c", "pass"])}
    groups: dict[str, int] = {}
    for name, self_us, _cum in imports:
        if name not in bare:
            groups[group(name)] = groups.get(group(name), 0) + self_us
    total = sum(groups.values())
    print(f"`python -X importtime` of the command: {total / 1000:.1f} ms of imports beyond a bare "
          f"start ({len(imports) - len(bare)} modules); self time per group:\n")
    print("| module group | self time |")
    print("|---|---|")
    for name, us in sorted(groups.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"| {name} | {us / 1000:.1f} ms |")
    needless = sorted({group(n) for n, _s, _c in imports
                       if any(n == p or n.startswith(p + ".") for p in NOT_FOR_COUNTING)})
    print("\nloaded though a count does not need them: " + (", ".join(needless) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
