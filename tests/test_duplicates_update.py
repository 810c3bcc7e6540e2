"""An update finds near-duplicates from the previous generation's samples and pairs plus the
changed documents' own, and what it finds (and keeps for the next update) is exactly what a
fresh build finds: a document that becomes a duplicate, one that stops being one, a kept
document deleted (its group kept by the next longest), a longer document added."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from concord import duplicates
from concord.index import read_current
from concord.indexer import build_index

DUPS = Path(__file__).parent / "data" / "dups"


@pytest.fixture(autouse=True)
def keep_samples(monkeypatch):
    """The samples kept however small the index (they are from KEEP_SAMPLES_TOKENS on)."""
    monkeypatch.setattr(duplicates, "KEEP_SAMPLES_TOKENS", 0)


@pytest.fixture
def updates(monkeypatch):
    """Every update takes the incremental path (a one-document change in a six-document
    corpus is more than UPDATE_SHARE of its hashes) and hashes only the forms of the documents
    it samples (as in a large index); records which path each took."""
    monkeypatch.setattr(duplicates, "UPDATE_SHARE", 1.0)
    monkeypatch.setattr(duplicates, "HASH_ALL_SHARE", 1.0)
    monkeypatch.setattr(duplicates, "HASH_ALL_FORMS", 0)
    taken: list[bool] = []
    update = duplicates._update

    def spy(*args, **kwargs):
        result = update(*args, **kwargs)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(duplicates, "_update", spy)
    return taken


def generation(index: Path) -> Path:
    return index / read_current(index)


def groups(index: Path) -> list[tuple[str, list[str]]]:
    record = json.loads((generation(index) / duplicates.DUPLICATES_FILE).read_text("utf-8"))
    return [(g["kept"], [m["doc_id"] for m in g["duplicates"]]) for g in record["groups"]]


def assert_same_as_fresh(corpus: Path, updated: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    build_index(corpus, fresh, procs=1)
    a, b = generation(updated), generation(fresh)
    assert (a / duplicates.DUPLICATES_FILE).read_bytes() == (b / duplicates.DUPLICATES_FILE).read_bytes()
    names = sorted(p.name for p in (a / duplicates.SAMPLES_DIR).iterdir())
    assert names == ["docs.json", "offsets.npy", "pairs.npy", "samples.npy"]
    assert names == sorted(p.name for p in (b / duplicates.SAMPLES_DIR).iterdir())
    for name in names:
        assert (a / duplicates.SAMPLES_DIR / name).read_bytes() == \
            (b / duplicates.SAMPLES_DIR / name).read_bytes(), name


@pytest.fixture
def built(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DUPS, corpus)
    index = tmp_path / "ix"
    build_index(corpus, index, procs=1)
    copies = ["exact-copy.txt", "excerpt.txt", "original.txt"]
    assert groups(index) == [("boilerplate-copy.html", copies)]
    return corpus, index


OWN_TEXT = ("A Note on the Press\n\nThe printers of the city set the paper by hand until the "
            "new machines came, and the machines came in the year the old editor died. Nobody "
            "among the compositors believed that the type would be set faster by a keyboard "
            "than by their own fingers, yet within a winter half of them had been sent home, "
            "and those who stayed learned to read the proofs of a machine they did not own.\n")


def second_half(name: str) -> str:
    paragraphs = (DUPS / name).read_text("utf-8").split("\n\n")
    return "\n\n".join(paragraphs[len(paragraphs) // 2:])


def test_a_document_becomes_a_duplicate(built, tmp_path, updates):
    corpus, index = built
    (corpus / "unrelated.txt").write_text(second_half("original.txt"), "utf-8")
    build_index(corpus, index, procs=1)
    assert updates == [True]
    assert groups(index) == [("boilerplate-copy.html",
                              ["exact-copy.txt", "excerpt.txt", "original.txt", "unrelated.txt"])]
    assert_same_as_fresh(corpus, index, tmp_path)


def test_a_document_stops_being_a_duplicate(built, tmp_path, updates):
    corpus, index = built
    (corpus / "exact-copy.txt").write_text(OWN_TEXT, "utf-8")
    build_index(corpus, index, procs=1)
    assert updates == [True]
    assert groups(index) == [("boilerplate-copy.html", ["excerpt.txt", "original.txt"])]
    assert_same_as_fresh(corpus, index, tmp_path)


def test_the_kept_document_deleted(built, tmp_path, updates):
    corpus, index = built
    (corpus / "boilerplate-copy.html").unlink()
    build_index(corpus, index, procs=1)
    assert updates == [True]
    # exact-copy.txt and original.txt are as long: the first by doc id is kept.
    assert groups(index) == [("exact-copy.txt", ["excerpt.txt", "original.txt"])]
    assert_same_as_fresh(corpus, index, tmp_path)


def test_a_longer_document_added(built, tmp_path, updates):
    corpus, index = built
    text = (DUPS / "original.txt").read_text("utf-8") + "\n\n" + (DUPS / "unrelated.txt").read_text("utf-8")
    (corpus / "reprint.txt").write_text(text, "utf-8")
    build_index(corpus, index, procs=1)
    assert updates == [True]
    (kept, members), *others = groups(index)
    assert kept == "reprint.txt" and not others
    # The copies of the original are wholly inside the reprint; the unrelated text too.
    assert {"exact-copy.txt", "excerpt.txt", "original.txt", "unrelated.txt"} <= set(members)
    assert_same_as_fresh(corpus, index, tmp_path)


def test_a_previous_generation_without_samples(built, tmp_path, updates):
    """An index written before samples were kept: the update computes them all."""
    corpus, index = built
    shutil.rmtree(generation(index) / duplicates.SAMPLES_DIR)
    (corpus / "unrelated.txt").write_text(second_half("original.txt"), "utf-8")
    build_index(corpus, index, procs=1)
    assert updates == []
    assert_same_as_fresh(corpus, index, tmp_path)
    (corpus / "excerpt.txt").unlink()
    build_index(corpus, index, procs=1)
    assert updates == [True]
    assert groups(index) == [("boilerplate-copy.html", ["exact-copy.txt", "original.txt", "unrelated.txt"])]
    assert_same_as_fresh(corpus, index, tmp_path)


def test_too_much_changed_computes_everything(built, tmp_path, monkeypatch, updates):
    corpus, index = built
    monkeypatch.setattr(duplicates, "UPDATE_SHARE", 0.0)
    (corpus / "unrelated.txt").write_text(second_half("original.txt"), "utf-8")
    build_index(corpus, index, procs=1)
    assert updates == [False]
    assert_same_as_fresh(corpus, index, tmp_path)


def test_random_updates_equal_fresh_builds(tmp_path, updates):
    """Documents cut from shared passages (copies, excerpts, near-ties), changed, added and
    deleted over several updates; after each, the update's files equal a fresh build's."""
    rng = np.random.default_rng(5)
    words = [f"w{k}" for k in range(300)]
    passages = [" ".join(rng.choice(words, int(rng.integers(40, 250)))) for _ in range(10)]

    def document() -> str:
        picks = rng.choice(len(passages), size=int(rng.integers(1, 4)))
        return "\n\n".join(passages[k][:int(rng.integers(60, len(passages[k]) + 1))] for k in picks) + "\n"

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for d in range(12):
        (corpus / f"doc{d:02d}.txt").write_text(document(), "utf-8")
    index = tmp_path / "ix"
    build_index(corpus, index, procs=1)
    n_groups = 0
    for step in range(5):
        names = sorted(p.name for p in corpus.glob("*.txt"))
        for name in rng.choice(names, size=2, replace=False):
            (corpus / name).write_text(document(), "utf-8")
        (corpus / f"new{step}.txt").write_text(document(), "utf-8")
        (corpus / str(rng.choice(names))).unlink()
        build_index(corpus, index, procs=1)
        assert_same_as_fresh(corpus, index, tmp_path)
        n_groups += len(groups(index))
    assert updates == [True] * 5
    assert n_groups >= 5


def test_a_small_index_keeps_no_samples_and_finds_the_same_groups(tmp_path, monkeypatch):
    """Below KEEP_SAMPLES_TOKENS no samples are written, and an update computes every
    document's sample again: the same groups as with the samples kept."""
    corpus = tmp_path / "corpus"
    shutil.copytree(DUPS, corpus)
    monkeypatch.setattr(duplicates, "KEEP_SAMPLES_TOKENS", 10**9)
    small, kept = tmp_path / "small", tmp_path / "kept"
    build_index(corpus, small, procs=1)
    assert not (generation(small) / duplicates.SAMPLES_DIR).exists()
    (corpus / "excerpt.txt").unlink()
    (corpus / "own.txt").write_text(OWN_TEXT, "utf-8")
    report = build_index(corpus, small, procs=1)
    assert (report.added, report.deleted) == (1, 1)
    assert not (generation(small) / duplicates.SAMPLES_DIR).exists()
    monkeypatch.setattr(duplicates, "KEEP_SAMPLES_TOKENS", 0)
    build_index(corpus, kept, procs=1)
    assert (generation(kept) / duplicates.SAMPLES_DIR / "samples.npy").exists()
    assert groups(small) == groups(kept) == [
        ("boilerplate-copy.html", ["exact-copy.txt", "original.txt"])]
