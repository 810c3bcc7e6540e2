"""The parts that bound a build's memory give exactly what the whole-array ways gave:
gathers read a bounded span at a time, statistics kept sparse, columns appended row by row,
a piece's lemma pairs spilled beside it, dictionaries let go of after a job, a piece's
surface ids mapped once into a file, paragraph rows read from files, the lemma pairs found
piece by piece, document records written as they come, joined positions kept narrow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from corpora import SAMPLE_CORPUS

from concord.index import read_current


def test_column_gather_reads_spans_and_gives_the_values(tmp_path, monkeypatch):
    from concord.store import U24_LIMIT, NpyColumn, U24Writer, column_file

    rng = np.random.default_rng(5)
    values = rng.integers(0, U24_LIMIT, size=20_000).astype(np.int32)
    np.save(tmp_path / "col.npy", values)
    column = NpyColumn(tmp_path / "col.npy")
    monkeypatch.setattr(NpyColumn, "GATHER", 97)          # many spans, one value apart or more
    reads: list[tuple[int, int]] = []
    read = NpyColumn._read
    monkeypatch.setattr(NpyColumn, "_read", lambda self, a, b: reads.append((a, b)) or read(self, a, b))
    positions = rng.integers(0, values.size, size=3_000)
    positions[:3] = [values.size - 1, 0, -1]               # the ends, and one from the end
    assert np.array_equal(column[positions], values[positions])
    assert max(b - a for a, b in reads) <= 97              # never the whole column at once
    assert np.array_equal(column[positions.reshape(60, 50)], values[positions].reshape(60, 50))
    mask = values % 3 == 0
    assert np.array_equal(column[mask], values[mask])
    assert column[np.zeros(0, np.int64)].size == 0
    with pytest.raises(IndexError):
        column[np.array([values.size])]
    # A column of 3-byte values (two files) read the same way.
    writer = U24Writer(tmp_path, "col", np.int32, U24_LIMIT)
    writer.write(values)
    writer.close()
    (tmp_path / "col.npy").unlink()
    packed = column_file(tmp_path, "col", np.int32)
    reads.clear()
    assert np.array_equal(packed[positions], values[positions])
    assert reads and max(b - a for a, b in reads) <= 97


def test_pair_counts_equal_a_dense_count():
    from concord.store import PairCounts

    rng = np.random.default_rng(11)
    dense_hits = np.zeros(500, dtype=np.int64)
    dense_docs = np.zeros(500, dtype=np.int64)
    counts = PairCounts(np.uint32)
    for size in (0, 1, 40, 300, 7, 250, 499, 3):           # merges of uneven chunks
        pairs = np.sort(rng.choice(500, size=size, replace=False))
        hits = rng.integers(1, 1000, size=size)
        docs = rng.integers(1, 9, size=size)
        dense_hits[pairs] += hits
        dense_docs[pairs] += docs
        counts.add(pairs, hits, docs)
    pairs, hits, docs = counts.result()
    assert np.array_equal(pairs, np.flatnonzero(dense_hits))
    assert np.array_equal(hits, dense_hits[pairs]) and hits.dtype == np.uint32
    assert np.array_equal(docs, dense_docs[pairs]) and docs.dtype == np.uint32
    empty = PairCounts(np.uint64).result()
    assert [a.size for a in empty] == [0, 0, 0] and empty[1].dtype == np.uint64


def test_rows_written_in_chunks_equal_numpy_save(tmp_path):
    from concord.store import NpyWriter

    values = np.arange(2 * 1001, dtype=np.int32).reshape(1001, 2) - 17
    writer = NpyWriter(tmp_path / "rows.npy", np.int32, row=(2,))
    for a, b in ((0, 0), (0, 1), (1, 500), (500, 500), (500, 1000), (1000, 1001)):
        writer.write(values[a:b])                          # empty chunks among them
    writer.close()
    np.save(tmp_path / "saved.npy", values)
    assert (tmp_path / "rows.npy").read_bytes() == (tmp_path / "saved.npy").read_bytes()


def test_spilled_lemma_pairs_are_read_back_and_removed_with_the_piece(tmp_path, monkeypatch):
    """A saved piece's (position, slot) pairs go to a file beside it; the tables built from
    them equal the tables built from pairs kept in memory; Piece.remove deletes the file."""
    from concord import indexer, lemmas

    spilled: list[tuple[str, bool]] = []     # (file, there when write_tables read it)
    load = lemmas._SpilledSeen._load
    monkeypatch.setattr(lemmas._SpilledSeen, "_load",
                        lambda self: spilled.append((self.path, Path(self.path).exists())) or load(self))
    with_files = tmp_path / "spilled"
    indexer.build_index(SAMPLE_CORPUS, with_files, procs=2)
    assert spilled and all(there for _path, there in spilled)
    assert not any(Path(path).exists() for path, _there in spilled)    # removed with the pieces
    assert all(Path(path).name.startswith("piece-") for path, _there in spilled)
    monkeypatch.setattr(lemmas._SpilledSeen, "save", classmethod(lambda cls, path, seen: seen))
    in_memory = tmp_path / "memory"
    indexer.build_index(SAMPLE_CORPUS, in_memory, procs=2)
    a, b = (path / read_current(path) / "store" for path in (with_files, in_memory))
    names = sorted(p.name for p in a.iterdir() if p.name.startswith(("lemma", "stem", "tables")))
    assert "lemma.txt" in names and names == sorted(
        p.name for p in b.iterdir() if p.name.startswith(("lemma", "stem", "tables")))
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_an_early_job_lets_go_of_its_dictionary():
    """Each pool job is one language: its mapped dictionary is dropped when it is done (a
    build's pool process held every language's, read whole, to the end)."""
    from concord import lemmas

    words = ["Häuser", "gingen", "Bücher", "xyzzyq"]
    (lemma_words, lemma_numbers), _stems, n_folded = lemmas._early_job("de", "\n".join(words).encode())
    assert [lemma_words[i] for i in lemma_numbers.tolist()] == [lemmas.lemma_of(w, "de") for w in words]
    assert n_folded == 4
    lemmas._early_job("de", "\n".join(words).encode())
    factory = lemmas._simplemma()[1]._dictionary_factory
    assert factory._get_dictionary.cache_info().currsize == 0
    assert lemmas._simplemma()[0]._cached_lemmatize.cache_info().currsize == 0


def test_build_process_drops_the_language_models(tmp_path):
    """With procs 1 the models are loaded by the build's own process for the analysis and
    dropped after it; forked workers get them loaded by the parent, which drops its own."""
    from concord import indexer, langid

    langid.release_models()
    indexer.build_index(SAMPLE_CORPUS, tmp_path / "one", procs=1)
    assert langid._factory.cache_info().currsize == 0
    assert langid._second_identifier.cache_info().currsize == 0
    indexer.build_index(SAMPLE_CORPUS, tmp_path / "two", procs=2)
    assert langid._factory.cache_info().currsize == 0
    a, b = (path / read_current(path) / "store" for path in (tmp_path / "one", tmp_path / "two"))
    assert (a / "para_lang.npy").read_bytes() == (b / "para_lang.npy").read_bytes()


def test_spilled_surface_ids_equal_the_map_in_memory(tmp_path, monkeypatch):
    """A saved piece's tokens are mapped to global surface ids once, a chunk at a time, into
    a file read span by span (the map let go); any span equals the map applied in memory,
    and the file is deleted when closed."""
    from concord import store
    from concord.store import NpyColumn, Piece, SurfaceIds

    rng = np.random.default_rng(3)
    surf = rng.integers(0, 300, size=10_007).astype(np.int32)
    np.save(tmp_path / "surf.npy", surf)
    remap = rng.permutation(1000)[:300].astype(np.int32)   # local id -> global id
    piece = Piece(vocab=[], surfaces=[], surface_fold=np.zeros(0, np.int32), surf=NpyColumn(tmp_path / "surf.npy"),
                  start=np.zeros(0, np.int32), doc_tok=np.zeros(1, np.int64), para_tok=np.zeros(0, np.int64),
                  para_char=np.zeros((0, 2), np.int32), para_lang=[], doc_para=np.zeros(1, np.int64),
                  texts=[], docs=[])
    monkeypatch.setattr(store, "POSTINGS_CHUNK", 1000)     # mapped in 11 chunks
    spill = tmp_path / "surf-0.tmp.npy"
    spilled, kept = SurfaceIds(piece, remap, spill), SurfaceIds(piece, remap)
    assert spilled.remap is None and kept.column is None and spill.exists()
    for a, b in ((0, 0), (0, 1), (5, 999), (999, 1001), (3_000, 10_007), (0, 10_007)):
        assert np.array_equal(spilled(a, b), remap[surf[a:b]])
        assert np.array_equal(kept(a, b), remap[surf[a:b]])
    spilled.close()
    kept.close()
    assert not spill.exists()


def test_a_build_with_spilled_surface_ids_equals_one_with_the_maps_in_memory(tmp_path, monkeypatch):
    from concord import indexer, store

    spills: list[bool] = []      # whether each piece's ids came from a file
    ids_of = store.SurfaceIds.__call__
    monkeypatch.setattr(store.SurfaceIds, "__call__",
                        lambda self, a, b: spills.append(self.column is not None) or ids_of(self, a, b))
    indexer.build_index(SAMPLE_CORPUS, tmp_path / "spilled", procs=1)
    assert spills and all(spills)
    merge = store._merge_vocabularies
    monkeypatch.setattr(store, "_merge_vocabularies", lambda pieces, spill=None: merge(pieces))
    spills.clear()
    indexer.build_index(SAMPLE_CORPUS, tmp_path / "memory", procs=1)
    assert spills and not any(spills)
    a, b = (path / read_current(path) / "store" for path in (tmp_path / "spilled", tmp_path / "memory"))
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and "surf_lo.npy" in names
    assert not any(".tmp" in name for name in names)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_first_of_each_found_chunk_by_chunk_equals_one_pass(monkeypatch):
    from concord.lemmas import FirstOfEach, _first_of_each

    rng = np.random.default_rng(7)
    for min_merge in (1, 50, 1 << 16):                    # merged at every chunk, some, at the end
        monkeypatch.setattr(FirstOfEach, "MIN_MERGE", min_merge)
        found = FirstOfEach()
        chunks = [(rng.integers(0, 400, size=n), rng.integers(0, 10**6, size=n))
                  for n in (0, 30, 1, 200, 77, 0, 500, 3)]     # ids repeated, their slots differ
        for ids, slots in chunks:
            found.add(ids.astype(np.int32), slots.astype(np.int32))
        ids, slots = found.result()
        want = _first_of_each(np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks]))
        assert np.array_equal(ids, want[0]) and np.array_equal(slots, want[1])
        assert ids.dtype == slots.dtype == np.int64
    assert [a.size for a in FirstOfEach().result()] == [0, 0]


def test_first_of_each_keeps_no_array_its_chunks_are_views_of():
    """A build adds each piece's ids as slices of an array holding every language's: the
    pending chunks must not keep those arrays alive (250 pieces at 500M tokens)."""
    import gc
    import weakref

    from concord.lemmas import FirstOfEach

    found = FirstOfEach()
    whole = []
    for k in range(3):
        piece = np.arange(100_000, dtype=np.int32) + k     # every language's of one piece
        whole.append(weakref.ref(piece))
        found.add(piece[:5], piece[5:10])                  # a language with few forms
        del piece
    gc.collect()
    assert [ref() for ref in whole] == [None, None, None]
    ids, slots = found.result()
    assert ids.tolist() == [0, 1, 2, 3, 4, 5, 6] and slots.tolist() == [5, 6, 7, 8, 9, 10, 11]


def test_paragraph_rows_and_languages_read_from_files_equal_the_arrays(tmp_path):
    from concord.store import Codes, NpyColumn

    rows = np.arange(2 * 503, dtype=np.int32).reshape(503, 2) * 7 - 5
    np.save(tmp_path / "rows.npy", rows)
    column = NpyColumn(tmp_path / "rows.npy")
    assert column.shape == rows.shape and len(column) == 503 and column.ndim == 2
    for key in (slice(0, 0), slice(3, 9), slice(500, 600), 0, 502, -1):
        assert np.array_equal(column[key], rows[key])
    picks = np.array([[5, 0], [502, 5]])
    assert np.array_equal(column[picks], rows[picks]) and np.array_equal(np.asarray(column), rows)
    ids = np.array([2, 0, 0, 1, 2, 1], dtype=np.int16)
    np.save(tmp_path / "ids.npy", ids)
    codes = Codes(["fr", "de", "en"], NpyColumn(tmp_path / "ids.npy"))
    lang_id = {"de": 0, "en": 1}                             # "fr" absent: -1
    whole = Codes(["fr", "de", "en"], ids).codes(lang_id)
    assert whole.tolist() == [1, -1, -1, 0, 1, 0] and np.array_equal(codes.codes(lang_id), whole)
    recoded = codes.recoded(lang_id)
    assert np.array_equal(recoded[2:5], whole[2:5]) and int(recoded[4]) == 1
    assert list(codes) == ["en", "fr", "fr", "de", "en", "de"] and codes.used(1, 4) == {"fr", "de"}


def test_document_records_written_as_they_come_are_the_json_list(tmp_path):
    import json

    from concord import indexer
    from concord.store import DOCS_FILE, Store

    indexer.build_index(SAMPLE_CORPUS, tmp_path / "ix", procs=1)
    gen = tmp_path / "ix" / read_current(tmp_path / "ix")
    text = (gen / "store" / DOCS_FILE).read_text("utf-8")
    records = json.loads(text)
    assert len(records) > 1 and text == json.dumps(records, ensure_ascii=False)
    store = Store(gen / "store")
    assert [d["doc_id"] for d in records] == store.info["doc_ids"]
    assert np.array_equal(store.docnum[[d["docnum"] for d in records]], np.arange(len(records)))
    manifest = json.loads((gen / "manifest.json").read_text("utf-8"))
    assert manifest["docs"] == {d["doc_id"]: d["hash"] for d in records}


def test_joined_positions_kept_in_their_saved_type_equal_one_concatenation(tmp_path, monkeypatch):
    from concord.hyphens import save_positions
    from concord.store import _Positions

    rng = np.random.default_rng(2)
    parts = [np.sort(rng.integers(0, 10**6, size=n)).astype(np.int64) for n in (0, 5, 1, 0, 40, 7, 300)]
    monkeypatch.setattr(_Positions, "JOIN", 3)              # joined twice on the way
    for n_tokens in (10**6, 2**32):
        positions = _Positions(n_tokens)
        for part in parts:
            positions.append(part)
        assert len(positions.parts) < len(parts)
        (tmp_path / "a").mkdir(exist_ok=True)
        (tmp_path / "b").mkdir(exist_ok=True)
        got = save_positions(tmp_path / "a", positions.parts, n_tokens)
        want = save_positions(tmp_path / "b", parts, n_tokens)
        assert got.dtype == want.dtype == (np.uint32 if n_tokens < 2**32 else np.int64)
        assert (tmp_path / "a" / "joined_pos.npy").read_bytes() == (tmp_path / "b" / "joined_pos.npy").read_bytes()
