"""Indexing killed outright (SIGKILL) at random moments, during a first build and during an
incremental update.

After each kill the previous index, if there is one, must still open and give the known
count; the next run must clean up what the killed one left and finish the work. Worker
processes must not outlive a killed build (they would hold the index lock). The delays are
seeded; ``CONCORD_KILLS`` raises the number of kills (benchmarks/bench_reliability.py).
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


def write_corpus(corpus: Path, *, version: int, files: int = 60) -> int:
    """Write (or update) the corpus; return how many markers it holds.

    Version 1: ``files`` files, file i holding i % 5 + 1 markers in ~25 KB of text.
    Version 2: files 0..11 gain two markers, file 1 is deleted and two files are added.
    """
    corpus.mkdir(parents=True, exist_ok=True)
    total = 0
    names = [f"doc{i:03d}.txt" for i in range(files)]
    if version == 2:
        names = [name for name in names if name != "doc001.txt"] + ["new-a.txt", "new-b.txt"]
        (corpus / "doc001.txt").unlink(missing_ok=True)
    for name in names:
        i = int(name[3:6]) if name.startswith("doc") else files + len(name)
        markers = i % 5 + 1 + (2 if version == 2 and i < 12 else 0)
        path = corpus / name
        if version == 1 or not path.exists() or i < 12:
            rng = random.Random(i)
            paragraphs = [" ".join(rng.choice(WORDS) for _ in range(100)) for _ in range(40)]
            for k in range(markers):
                paragraphs[k * 7 % len(paragraphs)] += f" {MARKER}"
            path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        total += markers
    return total


def index_cmd(corpus: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "concord.cli", "index", str(corpus), "--index", str(index),
            "--procs", "2", "--format", "json"]


def run_to_completion(corpus: Path, index: Path) -> dict:
    proc = subprocess.run(index_cmd(corpus, index), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def marker_count(index: Path) -> int | None:
    """The live index's marker count, or None when there is no index yet."""
    try:
        with open_index(index) as ix:
            return len(find_hits(ix, parse_query(MARKER)))
    except IndexNotFound:
        return None


def processes_using(index: Path) -> list[int]:
    """Live processes whose command line names ``index`` (the build and its workers)."""
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


def kill_at_random(corpus: Path, index: Path, *, kills: int, longest: float, rng: random.Random,
                   allowed: set[int | None]) -> int:
    """Start a build and SIGKILL it ``kills`` times; check the index after each kill.

    Returns how many kills hit a running build (the others came after it had finished).
    """
    landed = 0
    for _ in range(kills):
        proc = subprocess.Popen(index_cmd(corpus, index), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, longest))
        if proc.poll() is None:
            landed += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # Workers die with the build (they would otherwise keep its lock).
        deadline = time.monotonic() + 10
        while processes_using(index) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_using(index) == []
        assert marker_count(index) in allowed
    return landed


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find worker processes")
def test_killed_builds_leave_the_previous_index_and_the_next_run_finishes(tmp_path):
    rng = random.Random(SEED)
    corpus = tmp_path / "corpus"
    index = tmp_path / "index"
    first = write_corpus(corpus, version=1)

    # How long a whole build takes here and now sets the range of the kill delays.
    started = time.monotonic()
    run_to_completion(corpus, tmp_path / "probe")
    longest = (time.monotonic() - started) * 1.2

    # The first build: until one finishes there is no index at all.
    landed = kill_at_random(corpus, index, kills=max(1, KILLS // 3), longest=longest, rng=rng,
                            allowed={None, first})
    report = run_to_completion(corpus, index)
    assert marker_count(index) == first
    assert report["documents"] == 60

    # An incremental update (changed, deleted and added files), killed again and again.
    second = write_corpus(corpus, version=2)
    assert second != first
    landed += kill_at_random(corpus, index, kills=KILLS - max(1, KILLS // 3), longest=longest,
                             rng=rng, allowed={first, second})
    report = run_to_completion(corpus, index)
    assert marker_count(index) == second
    assert report["documents"] == 61
    with open_index(index) as ix:
        assert sorted(ix.manifest["docs"]) == sorted(p.name for p in corpus.iterdir())

    # What the killed runs left is gone: the live generation, at most its predecessor.
    live = read_current(index)
    left = sorted(p.name for p in index.iterdir())
    assert left[:2] == [".lock", "CURRENT"]
    assert live in left and len(left) <= 4, left
    assert not list((index / live).glob("piece-*"))
    print(f"\n{KILLS} kills (seed {SEED}), {landed} during a build; index intact after each")
    assert landed >= KILLS // 2, "most kills should land while a build runs"


def test_a_build_killed_before_the_switch_changes_nothing(tmp_path):
    """Deterministic: a build that dies after writing its generation but before switching
    CURRENT leaves the old generation live, and its debris is removed by the next run."""
    corpus = tmp_path / "corpus"
    index = tmp_path / "index"
    first = write_corpus(corpus, version=1, files=6)
    run_to_completion(corpus, index)
    live = read_current(index)
    # Debris as a kill at the last moment leaves it: a complete next generation, a
    # half-written CURRENT and a half-built one after it.
    shutil.copytree(index / live, index / "gen-000002")
    (index / "gen-000003" / "whoosh").mkdir(parents=True)
    (index / "CURRENT.12345.tmp").write_text('{"generation": "gen-0', encoding="utf-8")
    assert read_current(index) == live
    assert marker_count(index) == first

    second = write_corpus(corpus, version=2, files=6)
    report = run_to_completion(corpus, index)
    assert marker_count(index) == second
    # The debris went first; its generation numbers, never live, may be used again.
    left = sorted(p.name for p in index.iterdir())
    assert left == sorted([".lock", "CURRENT", live, report["generation"]])
    assert report["generation"] == "gen-000002"
