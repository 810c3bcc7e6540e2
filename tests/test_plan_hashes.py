"""An update reads only the files whose status changed since the last build.

The previous generation records each file's size, modification and change times, inode and
metadata row; a file with the same status keeps its content hash without being read. An
edit that restores the size and the modification time still shows (its change time moved),
and so does an edit of its ``metadata.csv`` row.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from corpora import MINI

from concord import indexer, ingest
from concord.hits import find_hits
from concord.index import open_index
from concord.indexer import build_index
from concord.query import parse_query


@pytest.fixture
def corpus(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """The files whose bytes were hashed, in order."""
    calls: list[str] = []
    real = ingest.file_hash

    def counting(path, row):
        calls.append(Path(path).name)
        return real(path, row)

    monkeypatch.setattr(ingest, "file_hash", counting)
    return calls


def count(index: Path, word: str) -> int:
    with open_index(index) as ix:
        return len(find_hits(ix, parse_query(word)))


def brute_count(corpus: Path, word: str) -> int:
    return sum(path.read_text("utf-8").lower().split().count(word)
               for path in corpus.rglob("*.txt"))


def test_an_unchanged_corpus_is_not_read_again(corpus, tmp_path, hashed, monkeypatch):
    monkeypatch.setattr(indexer, "RACY_NS", 0)     # the files were written a moment ago
    n_files = len([p for p in corpus.rglob("*") if p.is_file() and p.name != "metadata.csv"])
    build_index(corpus, tmp_path / "ix", procs=1)
    assert len(hashed) == n_files
    hashed.clear()
    report = build_index(corpus, tmp_path / "ix", procs=1)
    assert report.up_to_date and hashed == []


def test_files_changed_a_moment_ago_are_read_again(corpus, tmp_path, hashed):
    """Without the racy margin's test setting: a status taken in the same tick as the
    change cannot vouch for the content, so every file just written is hashed again."""
    build_index(corpus, tmp_path / "ix", procs=1)
    first = len(hashed)
    report = build_index(corpus, tmp_path / "ix", procs=1)
    assert report.up_to_date and len(hashed) == 2 * first


def test_an_edit_that_keeps_size_and_time_is_seen(corpus, tmp_path, hashed, monkeypatch):
    monkeypatch.setattr(indexer, "RACY_NS", 0)
    path = corpus / "en" / "1920-pannekoek-councils.txt"
    text = path.read_text("utf-8")
    assert "councils" in text.lower()
    build_index(corpus, tmp_path / "ix", procs=1)
    before = count(tmp_path / "ix", "zouncils")
    assert before == 0
    info = path.stat()
    path.write_text(text.replace("councils", "zouncils", 1), "utf-8")   # same length
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))             # same modification time
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    hashed.clear()
    report = build_index(corpus, tmp_path / "ix", procs=1)
    assert hashed == [path.name]
    assert (report.changed, report.added, report.deleted) == (1, 0, 0)
    assert count(tmp_path / "ix", "zouncils") == brute_count(corpus, "zouncils") == 1


def test_a_touched_file_is_read_but_not_indexed_again(corpus, tmp_path, hashed, monkeypatch):
    monkeypatch.setattr(indexer, "RACY_NS", 0)
    build_index(corpus, tmp_path / "ix", procs=1)
    path = corpus / "en" / "1920-pannekoek-councils.txt"
    os.utime(path)
    hashed.clear()
    report = build_index(corpus, tmp_path / "ix", procs=1)
    assert hashed == [path.name] and report.up_to_date


def test_an_edited_metadata_row_is_seen(corpus, tmp_path, hashed, monkeypatch):
    monkeypatch.setattr(indexer, "RACY_NS", 0)
    build_index(corpus, tmp_path / "ix", procs=1)
    sidecar = corpus / "metadata.csv"
    sidecar.write_text(sidecar.read_text("utf-8").replace(
        "Workers' Councils,Anton Pannekoek,1920", "Workers' Councils,Anton Pannekoek,1921"), "utf-8")
    hashed.clear()
    report = build_index(corpus, tmp_path / "ix", procs=1)
    assert hashed == ["1920-pannekoek-councils.txt"]
    assert (report.changed, report.added, report.deleted) == (1, 0, 0)
    with open_index(tmp_path / "ix") as ix:
        years = {d["doc_id"]: d["year"] for d in ix.store.docs}
    assert years["en/1920-pannekoek-councils.txt"] == 1921
