"""Duplicates and alignments are found in a child process beside the lemma tables.

The child is forked, so a function replaced here before the build is the one it runs: that
is how these tests make it fail or die. Whatever happens to it, the build either finishes
with the same files as a build that found them in-process, or says in one line what went
wrong and leaves the index that was live before.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from concord import align
from concord.errors import CorpusError
from concord.index import read_current
from concord.indexer import build_index

LONG = " ".join(f"council{i} of the class{i % 7}." for i in range(300))   # 300 distinct shingles
TEXTS = {
    "en/a.txt": LONG,
    "en/b.txt": LONG + " A closing line.",                                    # a duplicate of a
    "de/c.txt": "Der Arbeiterrat ist das Organ der Klasse. " * 40,
    "fr/d.txt": "Le conseil ouvrier est l'organe de la classe. " * 40,
}


def make_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    for rel, text in TEXTS.items():
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_text(text, "utf-8")
    return corpus


def live(index: Path) -> Path:
    return index / read_current(index)


def test_the_child_writes_what_an_in_process_build_writes(tmp_path):
    corpus = make_corpus(tmp_path)
    two = build_index(corpus, tmp_path / "two", procs=2)
    one = build_index(corpus, tmp_path / "one", procs=1)
    assert two.documents == one.documents == 4
    for name in ("duplicates.json", align.ALIGN_FILE):
        assert (live(tmp_path / "two") / name).read_bytes() == (live(tmp_path / "one") / name).read_bytes()
    groups = json.loads((live(tmp_path / "two") / "duplicates.json").read_text("utf-8"))["groups"]
    assert [(g["kept"], [d["doc_id"] for d in g["duplicates"]]) for g in groups] == [
        ("en/b.txt", ["en/a.txt"])]
    manifest = json.loads((live(tmp_path / "two") / "manifest.json").read_text("utf-8"))
    assert manifest["duplicates"] == {"keep_all": False, "groups": 1, "documents": 1}
    for report in (one, two):
        assert {"duplicates", "align"} <= set(report.phases)


def _break(monkeypatch, how: str) -> None:
    def failing(*args, **kwargs):
        if how == "raise":
            raise RuntimeError("disk on fire")
        os._exit(3)

    monkeypatch.setattr(align, "write_alignments", failing)


@pytest.mark.parametrize("how, message", [
    ("raise", "finding duplicates and alignments failed: RuntimeError: disk on fire; nothing was changed"),
    ("exit", "the process finding duplicates and alignments died (exit code 3); nothing was changed"),
])
def test_a_failing_child_stops_the_build_and_leaves_the_live_index(tmp_path, monkeypatch, how, message):
    corpus = make_corpus(tmp_path)
    index = tmp_path / "index"
    build_index(corpus, index, procs=2)
    before = read_current(index)
    manifest = (index / before / "manifest.json").read_bytes()
    (corpus / "en/new.txt").write_text("A new text about the state. " * 30, "utf-8")
    _break(monkeypatch, how)
    with pytest.raises(CorpusError) as caught:
        build_index(corpus, index, procs=2)
    assert str(caught.value).splitlines()[0] == message
    assert read_current(index) == before
    assert (index / before / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in index.glob("gen-*")) == [before]
    monkeypatch.undo()
    report = build_index(corpus, index, procs=2)        # the next run does the work
    assert report.added == 1 and report.documents == 5


def test_a_failure_in_the_parent_ends_the_child(tmp_path, monkeypatch):
    """The tables fail while the child works: the child must not outlive the build."""
    from concord import lemmas

    corpus = make_corpus(tmp_path)
    children: list[int] = []
    real = align.write_alignments

    def slow(*args, **kwargs):
        import time

        time.sleep(30)
        return real(*args, **kwargs)

    def failing_tables(*args, **kwargs):
        children.extend(set(_children()) - before)
        raise RuntimeError("tables broke")

    before = set(_children())       # other tests' servers, say
    monkeypatch.setattr(align, "write_alignments", slow)
    monkeypatch.setattr(lemmas, "write_tables", failing_tables)
    with pytest.raises(RuntimeError, match="tables broke"):
        build_index(corpus, tmp_path / "index", procs=2)
    assert children, "the side process was running while the tables were written"
    assert not set(children) & set(_children())
    assert read_current(tmp_path / "index") is None


def _children() -> list[int]:
    """The processes this one started that are still there."""
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent_of(int(p)) == os.getpid()]


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])
