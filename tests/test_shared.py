"""Integration on the real multilingual corpus in ../shared (skipped when it is absent)."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter

import numpy as np
import pytest
from corpora import SHARED, SHARED_CORPUS

from concord.hits import find_hits
from concord.index import open_index
from concord.query import parse_query

pytestmark = pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus is not present")

WORDS = ["the", "bourgeoisie", "capital", "arbeiter", "révolution", "prolétariat", "revolución",
         "lavoro", "государство", "proletariat", "klasse", "och"]
PHRASES = ["of the", "la révolution", "die arbeiter", "working class", "classe ouvrière"]


def fold(word: str) -> str:
    s = unicodedata.normalize("NFD", word.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in s if not 0x300 <= ord(c) < 0x370))


def outside_japanese(ix, hits) -> int:
    """Hits outside the Japanese documents (the brute-force tokenizer cannot split those)."""
    japanese = {i for i, m in enumerate(ix.store.docs) if m["language"] == "ja"}
    return sum(1 for d in hits.docs.tolist() if d not in japanese)


@pytest.fixture(scope="module")
def ix(shared_index):
    with open_index(shared_index) as ix:
        yield ix


@pytest.fixture(scope="module")
def brute(ix):
    """Folded tokens of every paragraph of the non-Japanese documents, by an independent
    tokenizer (a phrase lies in one paragraph)."""
    paragraphs = []
    for d, meta in enumerate(ix.store.docs):
        if meta["language"] == "ja":
            continue
        for para in ix.store.doc_paragraphs(d):
            paragraphs.append([fold(w) for w in re.findall(r"[^\W_]+", para["text"])])
    return paragraphs


def test_whole_corpus_indexed(ix):
    with open(SHARED_CORPUS / "metadata.csv", encoding="utf-8") as fh:
        listed = {row["path"]: row for row in csv.DictReader(fh)}
    assert len(ix.store.docs) == len(listed) == 172
    assert {d["language"] for d in ix.store.docs} == {"de", "en", "es", "fr", "it", "ja", "pl", "pt", "ru", "sv"}
    assert 10_500_000 < ix.store.n_tokens < 13_000_000
    for meta in ix.store.docs:
        assert meta["language"] == listed[meta["doc_id"]]["language"]
        assert meta["tokens"] > 1000


def test_declared_language_dominates_paragraphs(ix):
    import numpy as np

    store = ix.store
    lens = np.diff(store.para_tok)
    for d, meta in enumerate(store.docs):
        paras = store.para_doc == d
        same = lens[paras & (store.para_lang == store.lang_ids[meta["language"]])].sum()
        assert same / max(1, lens[paras].sum()) > 0.9, meta["doc_id"]


def units(word: str) -> list[tuple[str, str]]:
    """(letter, its combining marks) of a word after NFD."""
    out: list[tuple[str, str]] = []
    for c in unicodedata.normalize("NFD", word):
        if 0x300 <= ord(c) < 0x370 and out:
            out[-1] = (out[-1][0], out[-1][1] + c)
        else:
            out.append((c, ""))
    return out


def accent_aware(typed: str, written: str) -> bool:
    """The README's rule, letter by letter (no ß in these words)."""
    a, b = units(typed), units(written)
    if len(a) != len(b):
        return False
    for (t, t_marks), (w, w_marks) in zip(a, b, strict=True):
        if t.casefold() != w.casefold():
            return False
        if t_marks and w_marks != t_marks and not (
                not w_marks and w.isupper() and set(t_marks) <= {"\u0300", "\u0301", "\u0302", "\u0327"}):
            return False
    return True


@pytest.fixture(scope="module")
def raw(ix):
    """Written forms of every non-Japanese document: word counts, and the phrases' bigram
    counts inside paragraphs."""
    words: Counter = Counter()
    bigrams: Counter = Counter()
    targets = {tuple(fold(w) for w in p.split()) for p in PHRASES}
    for d, meta in enumerate(ix.store.docs):
        if meta["language"] == "ja":
            continue
        words.update(re.findall(r"[^\W_]+", ix.store.text(d)))
        for para in ix.store.doc_paragraphs(d):
            tokens = re.findall(r"[^\W_]+", para["text"])
            folded = [fold(w) for w in tokens]
            for i in range(len(tokens) - 1):
                if (folded[i], folded[i + 1]) in targets:
                    bigrams[(tokens[i], tokens[i + 1])] += 1
    return words, bigrams


@pytest.fixture(scope="module")
def hyphenated(ix):
    """Two written words joined by exactly one hyphen (each of two letters or more), counted.

    A one-word query also finds such a pair when the two words make it (concord.compounds:
    "Staatskapitalismus" finds "Staats-kapitalismus").
    """
    pairs: Counter = Counter()
    for d, meta in enumerate(ix.store.docs):
        if meta["language"] == "ja":
            continue
        text = ix.store.text(d)
        spans = [(m.group(), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", text)]
        for (a, _sa, ea), (b, sb, _eb) in zip(spans, spans[1:], strict=False):
            if sb - ea == 1 and text[ea] in "-\u2010\u2011" and len(a) >= 2 and len(b) >= 2:
                pairs[a, b] += 1
    return pairs


@pytest.mark.parametrize("word", WORDS)
def test_word_counts_equal_brute_force(ix, brute, raw, hyphenated, word):
    joined = {pair: n for pair, n in hyphenated.items() if fold(pair[0] + pair[1]) == fold(word)}
    folded = sum(Counter(tokens)[fold(word)] for tokens in brute) + sum(joined.values())
    assert outside_japanese(ix, find_hits(ix, parse_query(word), mode="fold")) == folded
    # The default mode is accent-aware: the same as fold for words typed without diacritics.
    aware = sum(n for form, n in raw[0].items() if accent_aware(word, form))
    aware += sum(n for (a, b), n in joined.items() if accent_aware(word, a + b))
    assert outside_japanese(ix, find_hits(ix, parse_query(word))) == aware
    assert aware == folded or fold(word) != word


@pytest.mark.parametrize("phrase", PHRASES)
def test_phrase_counts_equal_brute_force(ix, brute, raw, phrase):
    target = [fold(w) for w in phrase.split()]
    k = len(target)
    expected = sum(1 for tokens in brute for i in range(len(tokens) - k + 1) if tokens[i:i + k] == target)
    assert outside_japanese(ix, find_hits(ix, parse_query(phrase), mode="fold")) == expected
    typed = phrase.split()
    aware = sum(n for pair, n in raw[1].items() if all(map(accent_aware, typed, pair)))
    assert outside_japanese(ix, find_hits(ix, parse_query(phrase))) == aware
    assert aware == expected or fold(phrase) != phrase


def test_japanese_is_searchable(ix):
    hits = find_hits(ix, parse_query("資本"))
    assert len(hits) > 50
    assert {ix.store.docs[d]["language"] for d in hits.docs.tolist()} == {"ja"}


def test_seed_article_paragraph_languages(tmp_path):
    from concord.indexer import build_index
    from concord.search import document

    seed = SHARED / "seed"
    build_index(seed, tmp_path / "ix", procs=1)
    with open_index(tmp_path / "ix") as ix:
        (meta,) = ix.store.docs
        doc = document(ix, meta["doc_id"])
        langs = Counter(p["lang"] for p in doc["paragraphs"])
        # English article, French comments; the source line cites a Dutch title
        assert set(langs) == {"en", "fr", "nl"}
        assert (langs["fr"], langs["nl"]) == (2, 1) and langs["en"] > 10
        by_start = {p["text"][:14]: p["lang"] for p in doc["paragraphs"]}
        assert by_start["1. Je ne pense"] == "fr"
        assert by_start["I don’t think "] == "en"
        assert by_start["Source: G.I.C."] == "nl"
        fr_hits = find_hits(ix, parse_query("classe ouvrière lang:fr"))
        assert len(fr_hits) == len(find_hits(ix, parse_query("classe ouvrière"))) > 0


@pytest.mark.parametrize("lang", ["en", "de", "fr", "ru"])
def test_stem_candidates_equal_full_scan(ix, lang):
    import random

    from concord.analysis import stem_words
    from concord.lemmas import stem_candidates

    store = ix.store
    vocab = store.vocab.tolist()
    stems = stem_words(vocab, lang)
    # The folded forms used in paragraphs of ``lang``, by a plain scan of the token store.
    seen = np.zeros(len(vocab), dtype=bool)
    for p in np.flatnonzero(store.para_lang == store.lang_ids[lang]).tolist():
        seen[store.tok[int(store.para_tok[p]):int(store.para_tok[p + 1])]] = True
    used = set(np.flatnonzero(seen).tolist())
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(stems):
        if i in used:
            groups.setdefault(s, []).append(i)
    for key in random.Random(lang).sample(sorted(groups), 300):
        assert stem_candidates(store, lang, key).tolist() == groups[key], (lang, key)
