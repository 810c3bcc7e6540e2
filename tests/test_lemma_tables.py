"""The lemma and stem tables: the scan's token languages, the forms of new pieces and of a
previous generation's tables, checked against a fresh build and a brute-force count."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from corpora import SAMPLE_CORPUS

from concord import lemmas
from concord.index import read_current
from concord.indexer import build_index
from concord.lemmas import _outside_paragraphs, _token_langs
from concord.store import SortedWords, Store


class _Paragraphs:
    """A store's paragraphs only: empty ones, and tokens before the first one."""

    para_tok = np.array([2, 2, 5, 5, 5, 9])
    para_lang = np.array([0, 1, 2, 3, 4, 5])
    para_index = None               # (the search: the bits are tested in test_postings)

    para_of = Store.para_of         # the store's own answer, not a copy of it
    lang_of = Store.lang_of


def test_token_langs_equal_lang_of_for_every_chunk():
    store = _Paragraphs()
    for a in range(12):
        for b in range(a + 1, 13):
            assert _token_langs(store, a, b).tolist() == store.lang_of(np.arange(a, b)).tolist()
    # by hand: tokens 0-1 precede the first paragraph (lang_of wraps to the last language)
    assert _token_langs(store, 0, 12).tolist() == [5, 5, 1, 1, 1, 4, 4, 4, 4, 5, 5, 5]


def test_outside_paragraphs():
    # three documents: tokens 0-4 (paragraphs at 0 and 3), 5-6 (none: no tokens allowed),
    # 7-9 (paragraph at 7)
    doc_tok, doc_para = np.array([0, 5, 5, 10]), np.array([0, 2, 2, 3])
    assert not _outside_paragraphs(doc_tok, doc_para, np.array([0, 3, 5]))
    assert _outside_paragraphs(doc_tok, doc_para, np.array([1, 3, 5]))      # token 0 outside
    assert _outside_paragraphs(np.array([0, 5, 7, 10]), doc_para, np.array([0, 3, 7]))  # 5-6
    assert not _outside_paragraphs(np.array([0]), np.array([0]), np.zeros(0, np.int64))


def _tables(store: Path) -> dict[str, bytes]:
    names = [p.name for p in store.iterdir()
             if p.name.startswith(("lemma", "stem")) or p.name == "tables.json"]
    assert "lemma.txt" in names and "stem-en.npy" in names and "lemma-ja.npy" in names
    return {name: (store / name).read_bytes() for name in sorted(names)}


def _independent_tables(store: Path) -> dict[str, list[tuple[str, str]]]:
    """Every (language, surface form) -> lemma and (language, folded form) -> stem pair, from a
    brute-force pass over every token and simplemma/PyStemmer called word by word."""
    import Stemmer

    from concord.analysis import SNOWBALL, fold
    from concord.lemmas import _simplemma, simplemma_code

    s = Store(store)
    langs = s.lang_of(np.arange(s.n_tokens))
    surf = np.asarray(s.surf)
    surfaces, vocab = s.surfaces.tolist(), s.vocab.tolist()
    fold_of = np.asarray(s.surface_fold)
    out: dict[str, list[tuple[str, str]]] = {}
    for li, lang in enumerate(s.langs):
        forms = sorted(set(surf[langs == li].tolist()))
        code = simplemma_code(lang)
        out[f"lemma-{lang}"] = [(surfaces[i], fold(_simplemma()[0].lemmatize(surfaces[i], code))
                                 if code else fold(surfaces[i])) for i in forms]
        folded = sorted({int(fold_of[i]) for i in forms})
        stemmer = Stemmer.Stemmer(SNOWBALL[lang]) if lang in SNOWBALL else None
        out[f"stem-{lang}"] = [(vocab[i], fold(stemmer.stemWord(vocab[i])) if stemmer else vocab[i])
                               for i in folded]
    s.close()
    return out


def _read_tables(store: Path) -> dict[str, list[tuple[str, str]]]:
    s = Store(store)
    words = {"lemma": SortedWords(store / "lemma.txt").tolist(), "stem": SortedWords(store / "stem.txt").tolist()}
    keys = {"lemma": s.surfaces.tolist(), "stem": s.vocab.tolist()}
    out = {}
    for lang in s.langs:
        for kind in ("lemma", "stem"):
            table = np.load(store / f"{kind}-{lang}.npy")
            out[f"{kind}-{lang}"] = [(keys[kind][a], words[kind][b]) for a, b in table.T.tolist()]
    s.close()
    return out


@pytest.mark.parametrize("procs", [1, 2])
def test_an_added_document_reads_no_token_and_equals_a_fresh_build(tmp_path, monkeypatch, procs):
    """Adding a document takes the forms of the new document and the previous tables, not a
    pass over the store's tokens; the tables equal a fresh build's byte for byte, and every
    pair equals a brute-force count with simplemma and PyStemmer called word by word."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    index, fresh = tmp_path / "inc", tmp_path / "fresh"
    build_index(corpus, index, procs=procs)
    # New words (lemmas and stems the previous lists lack, before, between and after theirs)
    # and old ones in a new language (English "the" in a German paragraph).
    (corpus / "en" / "1849-new.txt").write_text(
        "Aaaardvarks and the qwertyists' zzzyzzyvas COUNCILS met.\n\n"
        "Die Räte und the Qwertyisten tagten.\n", "utf-8")

    def no_scan(store):
        raise AssertionError("the tokens were read")

    monkeypatch.setattr(lemmas, "_scan_surfaces", no_scan)
    report = build_index(corpus, index, procs=procs)
    assert (report.added, report.changed, report.deleted) == (1, 0, 0)
    monkeypatch.undo()
    build_index(corpus, fresh, procs=procs)
    a, b = (ix / read_current(ix) / "store" for ix in (index, fresh))
    assert _tables(a) == _tables(b)
    found = _read_tables(a)
    assert found == _independent_tables(a)
    # simplemma does not know the new word: its lemma is the folded form; Snowball stems it
    assert ("Aaaardvarks", "aaaardvarks") in found["lemma-en"]
    assert ("aaaardvarks", "aaaardvark") in found["stem-en"]


def test_tables_from_the_tokens_equal_those_from_the_pieces(tmp_path):
    """write_tables without what EarlyLemmas found (a pass over every token, every form
    lemmatised here) writes the same bytes as the build's (forms from the pieces)."""
    index = tmp_path / "ix"
    build_index(SAMPLE_CORPUS, index, procs=2)
    built = index / read_current(index) / "store"
    copy = tmp_path / "store"
    shutil.copytree(built, copy)
    for path in list(copy.glob("lemma*")) + list(copy.glob("stem*")) + [copy / "tables.json"]:
        path.unlink()
    timings = lemmas.write_tables(copy)
    assert "tables_scan" in timings
    assert _tables(copy) == _tables(built)


@pytest.mark.parametrize("check_one_by_one", [True, False])
def test_removed_and_changed_documents_equal_a_fresh_build(tmp_path, monkeypatch, check_one_by_one):
    """A removed document's (language, form) pairs leave the tables unless another document
    has them: checked one by one in the postings (no pass over the tokens), or, past
    GONE_PAIRS, by the pass; both equal a fresh build and the brute-force count."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    index, fresh = tmp_path / "inc", tmp_path / "fresh"
    # "paresse" is French elsewhere: in English only in this document
    added = corpus / "en" / "1849-new.txt"
    added.write_text("The paresse of Qwertyism and the councils.\n\nThe qwertyists met.\n", "utf-8")
    build_index(corpus, index, procs=1)
    before = _read_tables(index / read_current(index) / "store")
    assert ("paresse", "paresse") in before["lemma-en"]
    added.unlink()
    changed = corpus / "fr" / "1880-lafargue-le-droit-a-la-paresse-ch1-2.txt"
    text = changed.read_text("utf-8")
    changed.write_text(text[: len(text) // 2] + "\n\nZyxquorum paresseux zyxquorum.\n", "utf-8")
    (corpus / "en" / "1918-lenin-letter-to-american-workingmen.txt").unlink()

    if check_one_by_one:
        def no_scan(store):
            raise AssertionError("the tokens were read")

        monkeypatch.setattr(lemmas, "_scan_surfaces", no_scan)
    else:
        monkeypatch.setattr(lemmas._Previous, "GONE_PAIRS", 0)
        real, scans = lemmas._scan_surfaces, []

        def scan(store):
            scans.append(store)
            return real(store)

        monkeypatch.setattr(lemmas, "_scan_surfaces", scan)
    report = build_index(corpus, index, procs=1)
    assert (report.added, report.changed, report.deleted) == (0, 1, 2)
    if not check_one_by_one:
        assert len(scans) == 1                  # past GONE_PAIRS: the pass over the tokens
    monkeypatch.undo()
    build_index(corpus, fresh, procs=1)
    a, b = (ix / read_current(ix) / "store" for ix in (index, fresh))
    assert _tables(a) == _tables(b)
    found = _read_tables(a)
    assert found == _independent_tables(a)
    assert all(form != "paresse" for form, _lemma in found["lemma-en"])
    assert ("paresse", "paresse") in found["lemma-fr"]


def test_a_build_gives_the_tables_the_document_keys_it_wrote(tmp_path, monkeypatch):
    """The tables get each document's id and hash from the store just written, in store
    order, instead of parsing its records again."""
    from corpora import MINI

    captured = []
    real = lemmas.write_tables

    def spy(path, **kwargs):
        captured.append(kwargs["doc_keys"])
        return real(path, **kwargs)

    def parsed_again(store):
        raise AssertionError("the records were parsed again")

    monkeypatch.setattr(lemmas, "write_tables", spy)
    monkeypatch.setattr(lemmas, "_doc_keys", parsed_again)
    build_index(MINI, tmp_path / "index", procs=1)
    store = Store(tmp_path / "index" / read_current(tmp_path / "index") / "store")
    assert len(captured) == 1 and len(captured[0]) == 5
    assert captured[0] == [(d["doc_id"], d.get("hash")) for d in store.docs]
