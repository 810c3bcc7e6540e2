"""An incremental update carries the previous store's unchanged documents over (their
postings and statistics reused, not counted and sorted again), and the store it writes
equals a fresh build's, file for file."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from corpora import SAMPLE_CORPUS

from concord import store as store_mod
from concord.index import read_current
from concord.indexer import build_index

NEW_DOC = "en/1849-new-words.txt"   # between the other English documents in doc id order


def generation(index: Path) -> Path:
    return index / read_current(index)


def assert_same_generation(a: Path, b: Path) -> None:
    """Every file of two generations' stores, duplicates and alignments is the same; the
    whoosh docnums alone may differ (an update appends documents and marks others deleted)."""
    names = sorted(p.name for p in (a / "store").iterdir())
    assert names == sorted(p.name for p in (b / "store").iterdir())
    assert "post_lo.npy" in names and "lemma.txt" in names and "joined_pos.npy" in names
    for name in names:
        fa, fb = a / "store" / name, b / "store" / name
        if name == "docnum.npy":
            continue
        if name == "docs.json":
            ja, jb = (json.loads(f.read_text("utf-8")) for f in (fa, fb))
            for record in ja + jb:
                del record["docnum"]
            assert ja == jb
        elif name.endswith(".npy"):
            x, y = np.load(fa), np.load(fb)
            assert x.dtype == y.dtype and np.array_equal(x, y), name
        else:
            assert fa.read_bytes() == fb.read_bytes(), name
    assert (a / "duplicates.json").read_text("utf-8") == (b / "duplicates.json").read_text("utf-8")
    dumps = []
    for gen in (a, b):
        con = sqlite3.connect(gen / "align.sqlite")
        dumps.append(list(con.iterdump()))
        con.close()
    assert dumps[0] == dumps[1]


def edit_corpus(corpus: Path) -> None:
    """Change one document, delete one and add one with words no other document has (one
    of them hyphenated: a new joined position and spelling)."""
    changed = corpus / "fr" / "1880-lafargue-le-droit-a-la-paresse-ch1-2.txt"
    text = changed.read_text("utf-8")
    changed.write_text(text[: len(text) // 2] + "\n\nZyxquorum paresseux zyxquorum.\n", "utf-8")
    (corpus / "en" / "1918-lenin-letter-to-american-workingmen.txt").unlink()
    (corpus / NEW_DOC).write_text("Qwertyism and the councils.\n\nThe qwerty-ist COUNCILS met.\n",
                                  "utf-8")


@pytest.mark.parametrize("small_runs, slot_searches", [(False, 64), (True, 0), (True, 10**9)])
def test_an_update_carries_postings_over_and_equals_a_fresh_build(tmp_path, monkeypatch,
                                                                    small_runs, slot_searches):
    # Added postings slot in among carried ones by a search per id (0: always), or (10**9:
    # always) by one search of (id, position) keys.
    monkeypatch.setattr(store_mod, "SLOT_SEARCHES", slot_searches)
    if small_runs:   # many runs and buckets, carried postings split across buckets
        monkeypatch.setattr(store_mod, "POSTINGS_CHUNK", 3000)
        monkeypatch.setattr(store_mod, "POSTINGS_BUCKET", 500)
        monkeypatch.setattr(store_mod.PostingsWriter, "SAMPLE", 7)
        monkeypatch.setattr(store_mod, "FEW_BOUNDS", 0)       # searched, not compared
        # and the paragraph index written (below its size), a few words at a time
        monkeypatch.setattr(store_mod.ParaTokWriter, "MIN_PARAGRAPHS", 0)
        monkeypatch.setattr(store_mod.ParaTokWriter, "WORDS", 5)
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    index = tmp_path / "inc"
    build_index(corpus, index, procs=1)
    edit_corpus(corpus)

    added_tokens = []
    add = store_mod.PostingsWriter.add

    def counting_add(self, surface_ids, token_lang):
        added_tokens.append(int(surface_ids.size))
        add(self, surface_ids, token_lang)

    monkeypatch.setattr(store_mod.PostingsWriter, "add", counting_add)
    report = build_index(corpus, index, procs=1)
    assert (report.added, report.changed, report.deleted) == (1, 1, 1)
    new = store_mod.Store(generation(index) / "store")
    renewed = [new.doc_index["fr/1880-lafargue-le-droit-a-la-paresse-ch1-2.txt"],
               new.doc_index[NEW_DOC]]
    # Only the changed and the new document were sorted; the others were carried.
    assert sum(added_tokens) == sum(int(new.doc_tok[d + 1] - new.doc_tok[d]) for d in renewed) > 0
    new.close()
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, procs=1)
    assert_same_generation(generation(index), generation(fresh))
    assert (generation(index) / "store" / "para_rank.npy").exists() == small_runs

    # And back: the new words disappear from the vocabulary again.
    (corpus / NEW_DOC).unlink()
    build_index(corpus, index, procs=1)
    shutil.rmtree(fresh)
    build_index(corpus, fresh, procs=1)
    assert_same_generation(generation(index), generation(fresh))


def test_documents_added_after_all_others_shift_every_carried_posting_at_once(tmp_path, monkeypatch):
    """Only a document added, last in doc id order: one run carries every old token (its
    postings keep their positions), and the update still equals a fresh build."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    index = tmp_path / "inc"
    build_index(corpus, index, procs=1)
    (corpus / "zz").mkdir()
    (corpus / "zz" / "last.txt").write_text("Zyxquorum and the qwerty-ist councils.\n", "utf-8")
    shifts = []
    prepare = store_mod.PostingsWriter._prepare_carried

    def recording(self):
        prepare(self)
        shifts.append(self._one_shift)

    monkeypatch.setattr(store_mod.PostingsWriter, "_prepare_carried", recording)
    report = build_index(corpus, index, procs=1)
    assert (report.added, report.changed, report.deleted) == (1, 0, 0)
    assert shifts == [0]
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, procs=1)
    assert_same_generation(generation(index), generation(fresh))
