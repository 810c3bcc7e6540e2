"""Indexing killed outright (SIGKILL) at random moments, during first builds and during
incremental updates.

After each kill the index that was live before, if any, must still open and give its known
count (or the new one, when the kill came after the switch); the next run must clean up what
the killed one left and finish the work. Worker processes must not outlive a killed build
(they would hold the index lock). Delays are seeded and drawn from 0 to a little over the
measured length of a build; ``CONCORD_KILLS`` raises the number of kills
(benchmarks/bench_reliability.py).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from concord.errors import IndexNotFound
from concord.hits import find_hits
from concord.index import open_index, read_current
from concord.query import parse_query

KILLS = int(os.environ.get("CONCORD_KILLS", "6"))
SEED = int(os.environ.get("CONCORD_KILL_SEED", "20261124"))
MARKER = "zyxmarker"
WORDS = ("the workers council state capital party class revolution of and to in a is that "
         "for production masses struggle").split()

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(),
                                reason="needs /proc to look for surviving worker processes")


def corpus_files(version: int, files: int) -> dict[str, int]:
    """The files of a corpus version and the markers each holds.

    Version 1: ``files`` files, file i holding i % 5 + 1 markers. Version 2: files 0..11
    hold two more, file 1 is gone and two files are new.
    """
    markers = {f"doc{i:03d}.txt": i % 5 + 1 for i in range(files)}
    if version == 2:
        for i in range(min(12, files)):
            markers[f"doc{i:03d}.txt"] += 2
        del markers["doc001.txt"]
        markers["new-a.txt"] = 3
        markers["new-b.txt"] = 1
    return markers


def write_corpus(corpus: Path, *, version: int, files: int = 60) -> int:
    """Make ``corpus`` hold a version (~25 KB a file); return its number of markers."""
    wanted = corpus_files(version, files)
    corpus.mkdir(parents=True, exist_ok=True)
    for path in corpus.iterdir():
        if path.name not in wanted:
            path.unlink()
    for name, markers in wanted.items():
        rng = random.Random(name)
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(100)) for _ in range(40)]
        for k in range(markers):
            paragraphs[k * 7 % len(paragraphs)] += f" {MARKER}"
        (corpus / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return sum(wanted.values())


def index_cmd(corpus: Path, index: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "concord.cli", "index", str(corpus), "--index", str(index),
            "--procs", "2", "--format", "json", *extra]


def run_to_completion(corpus: Path, index: Path, *extra: str) -> tuple[dict, float]:
    started = time.monotonic()
    proc = subprocess.run(index_cmd(corpus, index, *extra), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), time.monotonic() - started


def marker_count(index: Path) -> int | None:
    """The live index's marker count, or None when there is no index yet."""
    try:
        with open_index(index) as ix:
            return len(find_hits(ix, parse_query(MARKER)))
    except IndexNotFound:
        return None


def processes_using(index: Path) -> list[int]:
    """Live processes whose command line names ``index`` (a build and its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(index).encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def kill_once(corpus: Path, index: Path, delay: float, *extra: str) -> bool:
    """Start a build, SIGKILL it after ``delay`` s; tell whether it was still running."""
    proc = subprocess.Popen(index_cmd(corpus, index, *extra), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(delay)
    landed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # Workers die with the build: they would otherwise keep its lock, or write on.
    deadline = time.monotonic() + 10
    while processes_using(index) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_using(index) == []
    return landed


def test_killed_builds_leave_the_previous_index_and_the_next_run_finishes(tmp_path):
    rng = random.Random(SEED)
    corpus = tmp_path / "corpus"
    index = tmp_path / "index"
    counts = {1: write_corpus(corpus, version=1), 2: 0}
    first_kills = max(1, KILLS // 3)

    # How long a build takes here and now sets the range of the delays.
    _report, full = run_to_completion(corpus, tmp_path / "probe")
    counts[2] = write_corpus(corpus, version=2)
    _report, update = run_to_completion(corpus, tmp_path / "probe")
    counts[1] = write_corpus(corpus, version=1)
    assert counts[1] != counts[2]

    # The machine may get faster than it was for the probes (other work on it ends): a
    # kill that comes after its build finished shortens the next delays.
    span = {"full": full * 1.2, "update": update * 1.2}

    def kill(kind: str, *extra: str) -> bool:
        hit = kill_once(corpus, index, rng.uniform(0, span[kind]), *extra)
        if not hit:
            span[kind] *= 0.6
        return hit

    # First builds (--rebuild, so that each run has the whole corpus to do): until one
    # finishes there is no index at all, and after it only the whole version 1.
    landed = 0
    for _ in range(first_kills):
        landed += kill("full", "--rebuild")
        assert marker_count(index) in (None, counts[1])
    report, _ = run_to_completion(corpus, index)
    assert marker_count(index) == counts[1]
    assert report["documents"] == 60

    # Incremental updates (changed, deleted and added files) between the two versions:
    # after each kill the index holds the version that was live, or the new one whole.
    live, target = 1, 1
    for _ in range(KILLS - first_kills):
        if target == live:                 # the last update finished: give it new work
            target = 3 - live
            write_corpus(corpus, version=target)
        landed += kill("update")
        found = marker_count(index)
        assert found in (counts[live], counts[target])
        live = live if found == counts[live] else target
    if target == live:
        target = 3 - live
        write_corpus(corpus, version=target)
    report, _ = run_to_completion(corpus, index)
    assert marker_count(index) == counts[target]
    assert report["documents"] == len(corpus_files(target, 60))
    with open_index(index) as ix:
        assert sorted(ix.manifest["docs"]) == sorted(p.name for p in corpus.iterdir())

    # What the killed runs left is gone: the live generation and at most its predecessor.
    live_generation = read_current(index)
    left = sorted(p.name for p in index.iterdir())
    assert left[:2] == [".lock", "CURRENT"]
    assert live_generation in left and len(left) <= 4, left
    assert not list((index / live_generation).glob("piece-*"))
    print(f"\n{KILLS} kills (seed {SEED}), {landed} during a build; index intact after each")
    assert landed >= KILLS // 2, "most kills should come while a build runs"


def test_a_build_killed_before_the_switch_changes_nothing(tmp_path):
    """A build that dies after writing its generation but before switching CURRENT
    leaves the old generation live, and the next run removes its debris."""
    corpus = tmp_path / "corpus"
    index = tmp_path / "index"
    first = write_corpus(corpus, version=1, files=6)
    run_to_completion(corpus, index)
    live = read_current(index)
    # Debris as kills at the last moments leave it: a complete next generation, a
    # half-written CURRENT and a half-built generation after it.
    shutil.copytree(index / live, index / "gen-000002")
    (index / "gen-000003" / "whoosh").mkdir(parents=True)
    (index / "CURRENT.12345.tmp").write_text('{"generation": "gen-0', encoding="utf-8")
    assert read_current(index) == live
    assert marker_count(index) == first

    second = write_corpus(corpus, version=2, files=6)
    report, _ = run_to_completion(corpus, index)
    assert marker_count(index) == second
    # The debris went first; generation numbers that never went live may be used again.
    left = sorted(p.name for p in index.iterdir())
    assert left == sorted([".lock", "CURRENT", live, report["generation"]])
    assert report["generation"] == "gen-000002"
