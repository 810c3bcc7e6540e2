"""The pair search in bounded memory (``duplicates.blocked_pairs``: tables of consecutive
ranks, hashes looked up by bucket) finds exactly the rows of the whole-array way
(``deciding_pairs``): on hand-made samples whose pairs straddle tables, on random ones under
every cut of the tables, and on a built index whose kept pairs file stays byte for byte."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from concord import duplicates
from concord.duplicates import _HashTable, _write_samples, blocked_pairs, deciding_pairs, rank_order

DUPS = Path(__file__).parent / "data" / "dups"


def whole_array(samples: list[np.ndarray], ranks: np.ndarray) -> np.ndarray:
    sizes = np.array([len(s) for s in samples], dtype=np.int64)
    values = np.concatenate(samples) if samples else np.zeros(0, np.uint64)
    return deciding_pairs(values, np.concatenate(([0], np.cumsum(sizes))), ranks)


def blocked(samples: list[np.ndarray], ranks: np.ndarray) -> np.ndarray:
    return blocked_pairs(samples.__getitem__, np.array([len(s) for s in samples]), ranks)


def cut(monkeypatch, table_hashes: int, table_docs: int, probe_hashes: int, probe_docs: int,
        expand: int) -> None:
    monkeypatch.setattr(duplicates, "TABLE_HASHES", table_hashes)
    monkeypatch.setattr(duplicates, "TABLE_DOCS", table_docs)
    monkeypatch.setattr(duplicates, "PROBE_HASHES", probe_hashes)
    monkeypatch.setattr(duplicates, "PROBE_DOCS", probe_docs)
    monkeypatch.setattr(duplicates, "EXPAND", expand)


def h(*values: int) -> np.ndarray:
    """A sorted sample of hashes, spread over the 64 bits (so they fall in many buckets)."""
    return np.unique(np.array([v * 0x9E3779B97F4A7C15 % 2**64 for v in values], dtype=np.uint64))


def test_hand_made_pairs_across_tables(monkeypatch):
    # Ranks by length: long (0), copy (1), excerpt (2), near (3), small (4).
    samples = [h(*range(1, 21)),             # long: 20 hashes
               h(*range(1, 11)),             # copy: all 10 in long: 10/10
               h(*range(11, 20)),            # excerpt: 9 in long and 0 in copy: 9/9
               h(1, 2, 3, 4, 5, 6, 7, 30, 31),  # near: 7/9 in long, 7/9 in copy: under 0.8
               h(1, 2, 3, 4, 5, 6, 7, 8)]    # small: 8/8 in long, 8/8 in copy, 7/8 in near
    ids = ["long", "copy", "excerpt", "near", "small"]
    ranks = rank_order(ids, [200, 100, 90, 80, 70])
    expected = [[1, 0, 10], [2, 0, 9], [4, 0, 8], [4, 1, 8], [4, 3, 7]]
    assert whole_array(samples, ranks).tolist() == expected
    # One document a table, a probe group and a hash expanded at a time: every pair is
    # found across two tables (long's hashes in one, copy's in another).
    cut(monkeypatch, 1, 1, 1, 1, 1)
    assert blocked(samples, ranks).tolist() == expected
    # Two tables of 30 hashes: long and copy in the first, the later ones in the second.
    cut(monkeypatch, 30, 100, 10, 2, 3)
    assert blocked(samples, ranks).tolist() == expected


def test_same_table_keeps_only_earlier_documents(monkeypatch):
    """Inside a table, a pair counts once, from its later document (by rank, not position)."""
    samples = [h(*range(8)), h(*range(10))]     # document 0 is the shorter: rank 1
    ranks = rank_order(["a", "b"], [8, 10])
    cut(monkeypatch, 1000, 1000, 1000, 1000, 1000)
    assert blocked(samples, ranks).tolist() == whole_array(samples, ranks).tolist() == [[0, 1, 8]]


@pytest.mark.parametrize("seed", range(4))
def test_random_samples_under_every_cut(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    found = 0
    for _trial in range(40):
        pool = rng.integers(0, 2**64 - 1, size=int(rng.integers(5, 200)), dtype=np.uint64)
        samples: list[np.ndarray] = []
        for _d in range(int(rng.integers(1, 25))):
            if samples and rng.random() < 0.4:        # mostly inside an earlier one
                base = samples[int(rng.integers(len(samples)))]
                keep = rng.random(len(base)) < 0.9
                extra = rng.choice(pool, size=int(rng.integers(0, 3)))
                samples.append(np.unique(np.concatenate([base[keep], extra])))
            else:
                samples.append(np.unique(rng.choice(pool, size=int(rng.integers(0, 60)))))
        ids = [f"d{d:02d}" for d in range(len(samples))]
        ranks = rank_order(ids, rng.integers(1, 50, len(samples)).tolist())
        expected = whole_array(samples, ranks)
        found += len(expected)
        for cuts in ((1 << 21, 4096, 1 << 18, 256, 1 << 19),
                     tuple(int(rng.integers(1, k)) for k in (80, 6, 80, 6, 12))):
            cut(monkeypatch, *cuts)
            assert blocked(samples, ranks).tolist() == expected.tolist()
    assert found > 20


def test_hash_table_finds_what_a_search_finds():
    rng = np.random.default_rng(5)
    # Many hashes sharing their top bits (one crowded bucket), documents sharing hashes.
    crowded = np.uint64(0xABCD) << np.uint64(48)
    values = np.concatenate([rng.integers(0, 2**64 - 1, 3000, dtype=np.uint64),
                             crowded + rng.integers(0, 1000, 200).astype(np.uint64)])
    values = np.concatenate([values, values[::7]])
    owner = rng.integers(0, 50, len(values)).astype(np.int32)
    table = _HashTable(values, owner)
    assert table.hashes.tolist() == np.unique(values).tolist()
    probe = np.concatenate([values[::3], rng.integers(0, 2**64 - 1, 3000, dtype=np.uint64),
                            crowded + np.arange(1000, dtype=np.uint64), np.array([0, 2**64 - 1], np.uint64)])
    at = np.searchsorted(table.hashes, probe)
    inside = (at < len(table.hashes)) & (table.hashes[np.minimum(at, len(table.hashes) - 1)] == probe)
    assert table.find(probe).tolist() == np.where(inside, at, -1).tolist()
    # Each run holds its hash's documents.
    for k in (0, 1, len(table.hashes) - 1):
        docs = table.doc[table.start[k]:table.start[k + 1]]
        assert sorted(docs.tolist()) == sorted(owner[values == table.hashes[k]].tolist())


def test_streamed_samples_file_is_the_one_written_with_its_length(tmp_path):
    parts = [np.arange(5, dtype=np.uint64), np.zeros(0, np.uint64), np.arange(100, 1100, dtype=np.uint64)]
    _write_samples(tmp_path / "known", parts, sum(map(len, parts)))
    _write_samples(tmp_path / "streamed", iter(parts), None, streamed=True)
    known = (tmp_path / "known" / "samples.npy").read_bytes()
    assert (tmp_path / "streamed" / "samples.npy").read_bytes() == known
    assert np.load(io.BytesIO(known)).tolist() == np.concatenate(parts).tolist()


def test_a_built_index_keeps_the_same_pairs_under_small_tables(tmp_path, monkeypatch):
    from concord.index import read_current
    from concord.indexer import build_index
    from concord.store import Store

    monkeypatch.setattr(duplicates, "KEEP_SAMPLES_TOKENS", 0)
    corpus = tmp_path / "corpus"
    shutil.copytree(DUPS, corpus)
    build_index(corpus, tmp_path / "ix", procs=1)
    gen = tmp_path / "ix" / read_current(tmp_path / "ix")
    kept = gen / duplicates.SAMPLES_DIR
    store = Store(gen / "store")
    try:
        sizes = np.diff(np.load(kept / "offsets.npy"))
        assert len(sizes) >= 6 and sizes.min() >= duplicates.MIN_SAMPLES
        cut(monkeypatch, int(sizes.max()), 2, int(sizes.min()), 1, 7)   # a table per two documents
        groups = duplicates.store_groups(store, tmp_path / "again")
    finally:
        store.close()
    for name in ("pairs.npy", "samples.npy", "offsets.npy", "docs.json"):
        assert (tmp_path / "again" / name).read_bytes() == (kept / name).read_bytes(), name
    assert [g.as_dict() for g in groups] == \
        json.loads((gen / duplicates.DUPLICATES_FILE).read_text("utf-8"))["groups"]


def test_an_update_under_small_tables_equals_a_fresh_build(tmp_path, monkeypatch):
    """The incremental path looks every document up in tables of the changed ones: with a
    table a document, it keeps and writes what a fresh build does, byte for byte."""
    from concord.index import read_current
    from concord.indexer import build_index

    monkeypatch.setattr(duplicates, "KEEP_SAMPLES_TOKENS", 0)
    monkeypatch.setattr(duplicates, "UPDATE_SHARE", 1.0)
    cut(monkeypatch, 1, 1, 1, 1, 3)
    taken: list[bool] = []
    update = duplicates._update

    def spy(*args):
        result = update(*args)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(duplicates, "_update", spy)
    corpus = tmp_path / "corpus"
    shutil.copytree(DUPS, corpus)
    build_index(corpus, tmp_path / "ix", procs=1)
    paragraphs = (DUPS / "original.txt").read_text("utf-8").split("\n\n")
    (corpus / "unrelated.txt").write_text("\n\n".join(paragraphs[len(paragraphs) // 2:]), "utf-8")
    (corpus / "boilerplate-copy.html").unlink()
    build_index(corpus, tmp_path / "ix", procs=1)
    assert taken and all(taken)
    build_index(corpus, tmp_path / "fresh", procs=1)
    a, b = (tmp_path / name / read_current(tmp_path / name) for name in ("ix", "fresh"))
    record = json.loads((a / duplicates.DUPLICATES_FILE).read_text("utf-8"))
    assert [(g["kept"], [m["doc_id"] for m in g["duplicates"]]) for g in record["groups"]] == \
        [("exact-copy.txt", ["excerpt.txt", "original.txt", "unrelated.txt"])]
    assert (a / duplicates.DUPLICATES_FILE).read_bytes() == (b / duplicates.DUPLICATES_FILE).read_bytes()
    for name in ("pairs.npy", "samples.npy", "offsets.npy", "docs.json"):
        assert (a / duplicates.SAMPLES_DIR / name).read_bytes() == \
            (b / duplicates.SAMPLES_DIR / name).read_bytes(), name
