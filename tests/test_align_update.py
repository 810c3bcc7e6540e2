"""An update in which no translation family changed links the previous generation's
alignments (the file a fresh build writes, byte for byte); one in which a family changed
writes them again, copying the unchanged families: also a fresh build's file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from concord.align import ALIGN_FILE
from concord.index import read_current
from concord.indexer import build_index

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MANIFESTO = "en/1888-marx-engels-manifesto-of-the-communist-party.txt"


def generation(index: Path) -> Path:
    return index / read_current(index)


def fresh_file(corpus: Path, tmp_path: Path) -> bytes:
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    build_index(corpus, fresh, procs=1)
    return (generation(fresh) / ALIGN_FILE).read_bytes()


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path, Path]:
    """A copy of the shipped corpus, its index and the index's generation."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "ix"
    build_index(corpus, index, procs=1)
    return corpus, index, generation(index)


def test_no_family_changed_links_the_previous_file(built, tmp_path):
    corpus, index, before = built
    # A new document outside every family (no work id in metadata.csv).
    (corpus / "en" / "1999-a-new-note.txt").write_text("A note on the councils.\n\nThey met.\n", "utf-8")
    report = build_index(corpus, index, procs=1)
    after = generation(index)
    assert after != before and report.added == 1
    assert os.path.samefile(before / ALIGN_FILE, after / ALIGN_FILE)
    assert (after / ALIGN_FILE).read_bytes() == fresh_file(corpus, tmp_path)


def test_a_changed_family_is_written_again(built, tmp_path):
    corpus, index, before = built
    path = corpus / MANIFESTO
    path.write_text(path.read_text("utf-8") + "\n\nA closing paragraph of this edition.\n", "utf-8")
    build_index(corpus, index, procs=1)
    after = generation(index)
    assert not os.path.samefile(before / ALIGN_FILE, after / ALIGN_FILE)
    assert (before / ALIGN_FILE).read_bytes() != (after / ALIGN_FILE).read_bytes()
    assert (after / ALIGN_FILE).read_bytes() == fresh_file(corpus, tmp_path)
