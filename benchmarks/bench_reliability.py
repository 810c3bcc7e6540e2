"""Reliability at larger counts than CI: SIGKILLs during indexing, fuzzed queries, web load.

Runs the reliability tests themselves (tests/test_kill.py, tests/test_fuzz.py,
tests/test_reliability.py), so the checks are the ones CI runs, with the counts raised through
their environment variables, and prints the figures they report: kills survived, fuzz
examples per test, requests served with latencies and errors, files tried.

    python benchmarks/bench_reliability.py [--kills 50] [--fuzz-scale 10]
                                          [--web-clients 16] [--web-seconds 30]

Typical time on 2 cores: ~6 min with the defaults. Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_pytest(label: str, targets: list[str], env: dict[str, str],
               extra: tuple[str, ...] = ()) -> tuple[bool, str, float]:
    """Run pytest on ``targets`` with ``env`` added; return (passed, output, seconds)."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *extra,
         *targets],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.monotonic() - started
    passed = proc.returncode == 0
    print(f"\n== {label}: {'passed' if passed else 'FAILED'} in {seconds:.0f} s")
    if not passed:
        print(proc.stdout[-6000:], proc.stderr[-2000:])
    return passed, proc.stdout, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--fuzz-scale", type=int, default=10,
                        help="multiplies each fuzz test's example count (CI: 1)")
    parser.add_argument("--web-clients", type=int, default=16)
    parser.add_argument("--web-seconds", type=float, default=30)
    args = parser.parse_args()
    ok = True

    passed, out, _ = run_pytest(
        f"{args.kills} SIGKILLs during indexing",
        ["tests/test_kill.py"],
        {"CONCORD_KILLS": str(args.kills), "CONCORD_KILL_SEED": str(int(time.time()))})
    ok &= passed
    for line in re.findall(r"^\d+ kills .*$", out, re.M):
        print(line)

    passed, out, _ = run_pytest(
        f"fuzzing at {args.fuzz_scale}x the CI counts",
        ["tests/test_fuzz.py"], {"CONCORD_FUZZ_SCALE": str(args.fuzz_scale)},
        ("--hypothesis-show-statistics",))
    ok &= passed
    total = 0
    for test, examples in re.findall(
            r"test_fuzz\.py::(\w+):.*?(\d+) passing examples", out, re.S):
        print(f"{examples:>7} examples  {test}")
        total += int(examples)
    print(f"{total:>7} examples in all, each answered or refused with a ConcordError")

    passed, out, _ = run_pytest(
        f"web: {args.web_clients} clients for {args.web_seconds:.0f} s with reindexing",
        ["tests/test_reliability.py::test_web_serves_under_load_while_the_index_is_rebuilt"],
        {"CONCORD_WEB_CLIENTS": str(args.web_clients),
         "CONCORD_WEB_SECONDS": str(args.web_seconds)})
    ok &= passed
    for line in re.findall(r"^web, .*$", out, re.M):
        print(line)

    passed, out, _ = run_pytest(
        "bad files, concurrent readers, huge one-line file",
        ["tests/test_reliability.py", "-k", "not web"], {})
    ok &= passed
    sys.path.insert(0, str(ROOT / "tests"))
    import test_reliability as rel

    special = 7  # links out (file, folder), dangling, two looping links, a pipe, metadata.csv
    print(f"{len(rel.GOOD_FILES) + len(rel.BAD_FILES) + special} files tried: "
          f"{len(rel.GOOD_FILES)} indexed, {len(rel.BAD_FILES) + special - 1} reported bad, "
          f"{len(rel.SIDECAR_PROBLEMS)} bad metadata.csv rows reported")
    for line in re.findall(r"^20 MB one-line file: .*$", out, re.M):
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
