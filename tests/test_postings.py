"""The store's inverted index, statistics, texts and ranking, checked against brute force."""

from __future__ import annotations

from math import log

import numpy as np
import pytest
from corpora import SAMPLE_CORPUS

from concord.hits import FormHits, find_hits
from concord.index import read_current
from concord.kwic import concordance
from concord.query import Filters, parse_query


def test_postings_are_every_position_of_each_form_in_corpus_order(mini_ix):
    store = mini_ix.store
    tok = np.asarray(store.tok)
    assert store.post_off[-1] == tok.size
    for term in range(store.n_vocab):
        expected = np.flatnonzero(tok == term)
        assert np.array_equal(np.asarray(store.postings(term)), expected)
        assert store.term_count(term) == expected.size
        assert store.term_docs[term] == np.unique(store.doc_of(expected)).size


def test_derived_folded_ids_and_ends_are_each_tokens_own(mini_ix):
    """Folded ids and end offsets are not stored: each token's, read from its text, matches."""
    from concord.analysis import fold

    store = mini_ix.store
    assert not (store.path / "tok.npy").exists() and not (store.path / "end.npy").exists()
    tok, end = np.asarray(store.tok), np.asarray(store.end)
    positions = np.arange(store.n_tokens)
    docs = store.doc_of(positions)
    n_checked = 0
    for i in positions.tolist():
        d, s, e = int(docs[i]), int(store.start[i]), int(end[i])
        surface = store.surfaces[int(store.surf[i])]
        assert store.text(int(d), s, e) == surface
        assert store.vocab[int(tok[i])] == fold(surface)
        # Element, slice and fancy access give what the whole column gives.
        assert store.end[i] == e and store.tok[i] == tok[i]
        n_checked += 1
    assert n_checked == store.n_tokens > 0
    picks = positions[::3]
    assert np.array_equal(store.end[picks], end[picks]) and np.array_equal(store.tok[5:40], tok[5:40])
    assert len(store.tok) == store.tok.size == store.n_tokens


def test_packed_start_offsets_read_back_exactly(tmp_path):
    """16-bit offsets per block, whole ones where a block spans 65,536 characters or more."""
    from concord.store import START_BLOCK, StartReader, TokenColumn, load_npy, pack_starts

    rng = np.random.default_rng(7)
    docs = [np.cumsum(rng.integers(1, 12, size=n)) for n in (3000, 5, 2500)]
    docs[0][1500:] += 200_000                    # a long run without words inside a document
    start = np.concatenate(docs).astype(np.int32)
    pack_starts(tmp_path, start)
    base = load_npy(tmp_path / "start_base.npy")
    assert (base < 0).sum() >= 2                  # the jump and a document boundary are wide
    assert load_npy(tmp_path / "start_rel.npy").dtype == np.uint16
    column = TokenColumn(StartReader(base, load_npy(tmp_path / "start_rel.npy"),
                                     load_npy(tmp_path / "start_wide.npy")), start.size, np.int32)
    assert np.array_equal(np.asarray(TokenColumn(column._compute, start.size, np.int32)), start)
    for i in (0, 1, START_BLOCK - 1, START_BLOCK, 1500, 2999, 3000, 3004, start.size - 1, -1, -3000):
        assert column[i] == start[i], i
    for key in (slice(0, 10), slice(1000, 3100, 7), slice(3003, None), slice(None, None, -5)):
        assert np.array_equal(column[key], start[key]), key
    picks = rng.integers(-start.size, start.size, size=500)
    assert np.array_equal(column[picks], start[picks])
    mask = rng.random(start.size) < 0.1
    assert np.array_equal(column[mask], start[mask])
    with pytest.raises(IndexError):
        column[start.size]


def test_copied_start_blocks_equal_a_packing_of_the_whole(tmp_path, monkeypatch):
    """An update copies a previous store's whole blocks of start offsets where its tokens keep
    their place in their blocks: the files equal a packing of the new sequence, wide blocks
    (a jump, document boundaries) and a last partial block included."""
    from concord.store import START_BLOCK as SB
    from concord.store import NpyColumn, StartPacker, load_npy, pack_starts

    monkeypatch.setattr(StartPacker, "CHUNK", 4 * SB)        # several chunks and copies
    rng = np.random.default_rng(11)
    docs = [np.cumsum(rng.integers(1, 12, size=n)) for n in (9000, 700, 6000, 1)]
    docs[0][4000:] += 200_000
    docs[3] += 100_000                  # the last block: partial and wide
    old = np.concatenate(docs).astype(np.int32)
    pack_starts(tmp_path, old)
    base, wide = load_npy(tmp_path / "start_base.npy"), load_npy(tmp_path / "start_wide.npy")
    rel = NpyColumn(tmp_path / "start_rel.npy")
    assert (base < 0).sum() >= 3 and base[-1] < 0
    # The last block's whole offsets are padded with -1 (the format's bytes since schema 5).
    last_row = wide.reshape(-1, SB)[-1 - base[-1]]
    assert (last_row[old.size % SB:] == -1).all() and (last_row[:old.size % SB] >= 0).all()
    cases = [(0, 0, old.size, 0), (0, 0, 5000, 3), (2 * SB, 0, old.size, 5), (SB + 17, 17, 9700, 900),
             (3 * SB + 5, SB + 5, old.size - 3, 2), (0, 3 * SB, 3 * SB + 1, 10)]
    for n, (x, a, b, y) in enumerate(cases):
        assert (x - a) % SB == 0
        head = np.cumsum(rng.integers(1, 40, size=x)).astype(np.int32)
        head[x // 2:] += 300_000          # a wide block before the copied ones: renumbered
        tail = (np.cumsum(rng.integers(1, 9, size=y)) + 70_000).astype(np.int32)
        whole = tmp_path / f"whole{n}"
        parts = tmp_path / f"parts{n}"
        whole.mkdir()
        parts.mkdir()
        pack_starts(whole, np.concatenate([head, old[a:b], tail]))
        packer = StartPacker(parts)
        packer.write(head)
        a1, b1 = -(-a // SB) * SB, b // SB * SB
        packer.write(old[a:a1])
        if b1 > a1:
            packer.copy_blocks(base, rel, wide, a1 // SB, b1 // SB)
        packer.write(old[max(a1, b1):b])
        packer.write(tail)
        packer.close()
        for name in ("start_base.npy", "start_rel.npy", "start_wide.npy"):
            assert (whole / name).read_bytes() == (parts / name).read_bytes(), (n, name)
    (tmp_path / "partial").mkdir()
    packer = StartPacker(tmp_path / "partial")
    packer.write(old[:5])
    with pytest.raises(ValueError, match="partial block"):
        packer.copy_blocks(base, rel, wide, 1, 2)
    packer.close()


def test_statistics_per_form_and_language_match_a_count(mini_ix):
    store = mini_ix.store
    tok = np.asarray(store.tok)
    langs = store.lang_of(np.arange(tok.size))
    docs = store.doc_of(np.arange(tok.size))
    for term in range(store.n_vocab):
        at = tok == term
        expected = {int(lang): (int(np.count_nonzero(at & (langs == lang))),
                                int(np.unique(docs[at & (langs == lang)]).size))
                    for lang in np.unique(langs[at])}
        lang_ids, hits, n_docs = store.term_lang_counts(term)
        assert {int(lg): (int(h), int(d)) for lg, h, d in zip(lang_ids, hits, n_docs, strict=True)} == expected


@pytest.mark.parametrize("query, filters", [
    ("the", {}), ("the", {"langs": ("en",)}), ("la", {"langs": ("fr",)}),
    ("la", {"langs": ("fr", "en")}), ("de", {"year_from": 1920, "year_to": 1925}),
    ("de", {"langs": ("fr",), "year_from": 1920, "year_to": 1925}), ("de", {"doc_ids": ("fr/1921-gorter-reponse.md",)}),
    ("de", {"langs": ("nl",)}), ("de", {"langs": ("xx",)}), ("資", {}),
])
def test_one_form_hits_equal_the_general_evaluation(mini_ix, query, filters):
    """FormHits (counts from statistics, first page from the head of the postings) against
    the hits of the same word written as an OR of itself (the general path)."""
    one = find_hits(mini_ix, parse_query(query), filters=Filters(**filters))
    general = find_hits(mini_ix, parse_query(f"{query} OR {query}"), filters=Filters(**filters))
    assert isinstance(one, FormHits) and not isinstance(general, FormHits)
    assert (len(one), one.n_docs) == (len(general), general.n_docs)
    for offset, limit in ((0, 3), (2, 5), (0, 1000)):
        page = concordance(mini_ix, find_hits(mini_ix, parse_query(query), filters=Filters(**filters)),
                           offset=offset, limit=limit)
        expected = concordance(mini_ix, general, offset=offset, limit=limit)
        assert page == expected
    assert np.array_equal(one.starts, general.starts) and np.array_equal(one.docs, general.docs)


def test_cut_texts_equal_slices_of_the_whole_text(mini_ix):
    store = mini_ix.store
    rng = np.random.default_rng(1)
    assert sum(not store.text(doc).isascii() for doc in range(len(store.docs))) >= 4
    for doc in range(len(store.docs)):
        text = store.text(doc)
        assert len(text) == store.text_chars[doc + 1] - store.text_chars[doc]
        for _ in range(200):
            a, b = sorted(int(x) for x in rng.integers(0, len(text) + 1, size=2))
            assert store.text(doc, a, b) == text[a:b]
        assert store.text(doc, 0, len(text) + 10) == text


def _bm25(tf: float, df: int, n: int, length: int, avg: float) -> float:
    idf = log(n / (df + 1)) + 1
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / avg))


def test_search_ranks_by_bm25_over_the_store(mini_ix):
    from concord.search import search_documents

    store = mini_ix.store
    lengths = np.diff(store.doc_tok)
    avg = lengths.sum() / lengths.size
    term = store.vocab_id("de")
    tf = store.doc_counts(term)
    scores = {store.docs[d]["doc_id"]: _bm25(tf[d], int(np.count_nonzero(tf)), len(store.docs),
                                             int(lengths[d]), avg) for d in np.flatnonzero(tf)}
    expected = sorted(scores, key=lambda doc_id: -scores[doc_id])
    found = [r["doc_id"] for r in search_documents(mini_ix, parse_query("de"))["results"]]
    assert found == expected


def test_spilled_pieces_give_the_same_index(tmp_path, monkeypatch):
    """Workers that write a piece after every document build the same store."""
    from concord import indexer
    from concord.index import open_index

    whole = tmp_path / "whole"
    indexer.build_index(SAMPLE_CORPUS, whole, procs=2)
    monkeypatch.setattr(indexer, "SPILL_TOKENS", 1)
    spilled = tmp_path / "spilled"
    indexer.build_index(SAMPLE_CORPUS, spilled, procs=2)
    with open_index(whole) as a, open_index(spilled) as b:
        gen_a, gen_b = a.store.path, b.store.path
        for name in ("surface_fold", "surf_len", "surf_lo", "surf_hi", "start_base", "start_rel", "start_wide", "post_lo", "post_hi", "post_off", "tl_hits", "tl_docs",
                     "text_block", "block_char", "doc_block", "text_off", "text_chars", "para_lang"):
            assert np.array_equal(np.load(gen_a / f"{name}.npy"), np.load(gen_b / f"{name}.npy")), name
        assert (gen_a / "texts.zst").read_bytes() == (gen_b / "texts.zst").read_bytes()
        assert a.store.info["totals"] == b.store.info["totals"]


def test_postings_merged_from_many_runs_give_the_same_store(tmp_path, monkeypatch):
    """Sorting a few tokens at a time, placing a few postings at a time and finding ranges in
    the runs by sparse samples builds the same store, byte for byte, as one run."""
    from concord import indexer, store

    whole = tmp_path / "whole"
    indexer.build_index(SAMPLE_CORPUS, whole, procs=1)
    monkeypatch.setattr(store, "POSTINGS_CHUNK", 5000)     # one or two documents a run
    monkeypatch.setattr(store, "POSTINGS_BUCKET", 7)
    monkeypatch.setattr(store.PostingsWriter, "SAMPLE", 3)
    monkeypatch.setattr(store.StartPacker, "CHUNK", store.START_BLOCK)
    runs = tmp_path / "runs"
    indexer.build_index(SAMPLE_CORPUS, runs, procs=1)
    a, b = (path / read_current(path) / "store" for path in (whole, runs))
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) and "post_lo.npy" in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_npy_columns_read_by_slices_give_the_arrays(tmp_path):
    from concord.store import NpyColumn, NpyWriter

    values = np.arange(10_000, dtype=np.int32) * 7 - 3
    writer = NpyWriter(tmp_path / "a.npy", np.int32)
    for a in range(0, values.size, 999):
        writer.write(values[a:a + 999])
    writer.close()
    assert np.array_equal(np.load(tmp_path / "a.npy"), values)     # numpy reads what was written
    column = NpyColumn(tmp_path / "a.npy")
    assert len(column) == values.size and column.dtype == np.int32
    for key in (slice(0, 10), slice(9_990, None), slice(5, 5), slice(-20, -3), slice(None, None, 3)):
        assert np.array_equal(column[key], values[key]), key
    for i in (0, 1, 9_999, -1, -10_000):
        assert column[i] == values[i]
    with pytest.raises(IndexError):
        column[10_000]
    assert np.array_equal(np.asarray(column), values)
    assert np.array_equal(column[np.array([3, 1, 4])], values[[3, 1, 4]])


def test_positions_in_documents_both_ways_match_brute_force(mini_ix):
    """``in_docs`` spreads document flags over many positions and places a few one by one;
    both agree with placing every position, with postings in their stored type."""
    store = mini_ix.store
    rng = np.random.default_rng(3)
    n_docs = len(store.docs)
    tok = np.asarray(store.tok)
    for dtype in (np.int64, np.uint32):
        pos = np.arange(0, store.n_tokens, 2, dtype=dtype)
        assert pos.size > 4 * n_docs                      # the spreading branch
        for _ in range(5):
            allowed = rng.random(n_docs) < 0.5
            expected = np.array([allowed[int(np.sum(store.doc_tok[1:] <= p))] for p in pos.tolist()])
            assert np.array_equal(store.in_docs(pos, allowed), expected)
            few = pos[: max(1, n_docs // 2)]              # the one-by-one branch
            assert np.array_equal(store.in_docs(few, allowed), expected[: few.size])
    for term in range(store.n_vocab):
        where = np.flatnonzero(tok == term)
        expected = [int(np.sum(store.doc_of(where) == d)) for d in range(n_docs)]
        assert store.doc_counts(term).tolist() == expected


def test_phrase_slot_checked_by_merge_and_by_token_column_alike(mini_ix):
    """``_with_token`` merges a slot's postings with the starts when they are few and reads
    the token column otherwise: both give the starts whose next token has the form."""
    from concord.hits import _with_token

    store = mini_ix.store
    tok = np.asarray(store.tok)
    counts = np.bincount(tok, minlength=store.n_vocab)
    checked = 0
    for first in np.argsort(-counts)[:6].tolist():
        starts = np.asarray(store.postings(first)).astype(np.int64)
        starts = starts[starts + 1 < tok.size]
        for second in np.argsort(-counts)[:12].tolist():
            ids = np.array([second], dtype=np.int64)
            expected = starts[tok[starts + 1] == second]
            merged = _with_token(store, starts, 1, ids, n_positions=0)          # forces a merge
            gathered = _with_token(store, starts, 1, ids, n_positions=10**12)   # forces a read
            assert np.array_equal(merged, expected) and np.array_equal(gathered, expected)
            two = np.array([second, first], dtype=np.int64)
            expected_two = starts[np.isin(tok[starts + 1], two)]
            assert np.array_equal(_with_token(store, starts, 1, two, n_positions=0), expected_two)
            checked += expected.size
    assert checked > 0


def test_document_records_are_parsed_only_when_needed_and_old_stores_still_read(mini_ix, tmp_path):
    """A count reads no document record (they are most of a large store's JSON); the records
    read later are the ones written; a store written with the records inside ``store.json``
    (before ``docs.json``) reads the same."""
    import json
    import shutil

    from concord.index import CorpusIndex
    from concord.store import DOCS_FILE, Store

    store = Store(mini_ix.store.path)
    ix = CorpusIndex(mini_ix.path)
    ix.store = store                                    # a store no other test has used
    assert len(find_hits(ix, parse_query("the"))) == len(find_hits(mini_ix, parse_query("the"))) > 0
    assert len(find_hits(ix, parse_query('"of the" year:1000-2100'))) > 0
    ids = store.info["doc_ids"]
    assert store.doc_index == {doc_id: i for i, doc_id in enumerate(ids)}
    assert "docs" not in store.__dict__ and store.n_docs == len(ids)
    written = json.loads((store.path / DOCS_FILE).read_text("utf-8"))
    assert store.docs == written and [d["doc_id"] for d in written] == ids

    old = tmp_path / "store"
    shutil.copytree(store.path, old)
    info = json.loads((old / "store.json").read_text("utf-8"))
    del info["doc_ids"]
    info["docs"] = written
    (old / "store.json").write_text(json.dumps(info), "utf-8")
    (old / DOCS_FILE).unlink()
    before = Store(old)
    assert before.docs == written and before.doc_index == store.doc_index and before.n_docs == store.n_docs


def test_phrases_in_most_or_few_documents_match_brute_force(mini_ix):
    """A phrase under a filter that keeps most of the tokens is matched first and placed in
    its documents after; under one that keeps few, its anchor is filtered first: both give
    every two-word sequence of one paragraph in the allowed documents, and only those."""
    store = mini_ix.store
    tok = np.asarray(store.tok)
    para_tok = np.asarray(store.para_tok)
    para = np.cumsum(np.bincount(para_tok[:-1], minlength=tok.size)[:tok.size]) - 1
    doc = store.doc_of(np.arange(tok.size))
    years = np.asarray(store.doc_year)
    sizes = np.diff(np.asarray(store.doc_tok))
    counts = np.bincount(tok, minlength=store.n_vocab)
    frequent = [store.vocab[int(t)] for t in np.argsort(-counts)[:8]]
    by_year = sorted(set(years.tolist()))
    checked = 0
    branches = set()
    for lo, hi in [(lo, hi) for lo in by_year for hi in by_year if lo <= hi]:
        allowed = (years >= lo) & (years <= hi)
        share = sizes[allowed].sum() / tok.size
        branches.add("few" if share <= 0.5 else "all" if allowed.all() else "most")
        for a in frequent:
            for b in frequent:
                ia, ib = store.vocab_id(a), store.vocab_id(b)
                p = np.arange(tok.size - 1)
                expected = p[(tok[:-1] == ia) & (tok[1:] == ib) & (para[:-1] == para[1:])
                             & allowed[doc[:-1]]]
                found = find_hits(mini_ix, parse_query(f'"{a} {b}" year:{lo}-{hi}'))
                assert np.array_equal(found.starts, expected), (a, b, lo, hi, share)
                checked += expected.size
    assert checked > 0 and branches == {"few", "most", "all"}


def _written_paragraph_index(folder, para_tok: np.ndarray, pieces: list[int]):
    """``para_tok`` written by a ParaTokWriter in chunks of the sizes ``pieces`` (cycled);
    the index it wrote, or None when it wrote none."""
    from concord.store import ParaTokWriter, load_npy

    writer = ParaTokWriter(folder / "para_tok.npy")
    a, k = 0, 0
    while a < para_tok.size:
        b = a + pieces[k % len(pieces)]
        writer.write(para_tok[a:b])
        a, k = b, k + 1
    writer.close()
    assert np.array_equal(np.load(folder / "para_tok.npy"), para_tok)
    if not (folder / "para_rank.npy").exists():
        assert not (folder / "para_bits.npy").exists()
        return None
    return np.asarray(load_npy(folder / "para_bits.npy")), np.asarray(load_npy(folder / "para_rank.npy"))


@pytest.mark.parametrize("words", [1, 3, 1 << 16])
def test_paragraph_index_finds_the_paragraph_a_search_finds(tmp_path, monkeypatch, words):
    """The paragraph of every position, from the bits and ranks, is the one a binary search
    of the paragraphs' first tokens gives: with tokens before the first paragraph, empty
    paragraphs (two, then three, starting at one token: in those words the search is used),
    paragraphs starting at bits 0 and 63 of a word, and the index written a few words at a
    time or all at once."""
    from concord.store import ParaTokWriter, paragraph_of

    monkeypatch.setattr(ParaTokWriter, "WORDS", words)
    n_tokens = 1000
    para_tok = np.array([5, 9, 63, 64, 64, 100, 127, 128, 200, 200, 200, 201, 640, 999, n_tokens])
    monkeypatch.setattr(ParaTokWriter, "MIN_PARAGRAPHS", para_tok.size)      # one too many
    assert _written_paragraph_index(tmp_path, para_tok, [3]) is None
    monkeypatch.setattr(ParaTokWriter, "MIN_PARAGRAPHS", para_tok.size - 1)  # just enough
    index = _written_paragraph_index(tmp_path, para_tok, [1, 4, 2])
    assert index is not None and index[0].size == index[1].size == n_tokens // 64 + 1
    positions = np.arange(n_tokens + 1)
    expected = np.array([int((para_tok <= p).sum()) - 1 for p in positions])     # by counting
    assert np.array_equal(paragraph_of(para_tok, index, positions), expected)
    assert np.array_equal(paragraph_of(para_tok, None, positions), expected)
    shuffled = np.random.default_rng(0).permutation(positions)
    assert np.array_equal(paragraph_of(para_tok, index, shuffled, chunk=7), expected[shuffled])
    assert paragraph_of(para_tok, index, positions).dtype == np.int64
    # the words flagged are exactly those where paragraphs share a first token
    assert np.flatnonzero(index[1] >= 2**31).tolist() == [1, 3]


def test_paragraph_index_is_left_out_when_the_starts_are_not_sorted(tmp_path, monkeypatch):
    """Starts out of order cannot be indexed: no index is written, and the search answers."""
    from concord.store import ParaTokWriter

    monkeypatch.setattr(ParaTokWriter, "MIN_PARAGRAPHS", 0)
    assert _written_paragraph_index(tmp_path, np.array([0, 10, 5, 20]), [2]) is None
    assert _written_paragraph_index(tmp_path, np.array([0, 5, 10, 20]), [2]) is not None


def test_stores_answer_alike_with_and_without_the_paragraph_index(mini_ix, tmp_path, monkeypatch):
    """A store with the paragraph index (written here for a corpus below ``MIN_PARAGRAPHS``)
    and one without it (the shared mini index) give the same paragraph of every token, the
    same paragraph starts, and the same phrase and NEAR hits (which must not cross a
    paragraph), all agreeing with counting the paragraphs' first tokens."""
    from corpora import MINI

    from concord.index import open_index
    from concord.indexer import build_index
    from concord.store import ParaTokWriter

    monkeypatch.setattr(ParaTokWriter, "MIN_PARAGRAPHS", 0)
    build_index(MINI, tmp_path / "index", procs=1)
    without = mini_ix.store
    assert without.para_index is None
    with open_index(tmp_path / "index") as ix:
        store = ix.store
        assert store.para_index is not None
        para_tok = np.asarray(store.para_tok)
        assert np.array_equal(para_tok, np.asarray(without.para_tok))
        positions = np.arange(store.n_tokens + 1)
        expected = np.cumsum(np.bincount(para_tok, minlength=positions.size)[:positions.size]) - 1
        for s in (store, without):
            assert np.array_equal(s.para_of(positions), expected)
            assert np.array_equal(s.starts_paragraph(positions), np.isin(positions, para_tok))
        tok = np.asarray(store.tok)
        counts = np.bincount(tok, minlength=store.n_vocab)
        frequent = [store.vocab[int(t)] for t in np.argsort(-counts)[:5]]
        crossing = 0
        for a in frequent:
            for b in frequent:
                for q in (f'"{a} {b}"', f'"{a} {b} {a}"', f"{a} NEAR/3 {b}"):
                    with_index = find_hits(ix, parse_query(q))
                    plain = find_hits(mini_ix, parse_query(q))
                    assert np.array_equal(with_index.starts, plain.starts), q
                    assert np.array_equal(with_index.lengths, plain.lengths), q
                ia, ib = store.vocab_id(a), store.vocab_id(b)
                p = np.arange(tok.size - 1)
                crossing += int(((tok[:-1] == ia) & (tok[1:] == ib) & np.isin(p + 1, para_tok)).sum())
        assert crossing > 0         # pairs split by a paragraph break were there to leave out
