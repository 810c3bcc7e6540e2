"""Finding hits: counts per query and mode, cross-checked by brute force; filters; exclusion."""

from __future__ import annotations

import re
import unicodedata

import pytest
from corpora import count

# --- brute force: an independent tokenizer over the stored texts ----------------------------

def brute_fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in s if not 0x300 <= ord(c) < 0x370))


def brute_count(texts: list[str], phrase: str) -> int:
    target = [brute_fold(w) for w in re.findall(r"[^\W_]+", phrase)]
    n = 0
    for text in texts:
        words = [brute_fold(w) for w in re.findall(r"[^\W_]+", text)]
        k = len(target)
        n += sum(1 for i in range(len(words) - k + 1) if words[i:i + k] == target)
    return n


def all_texts(ix):
    return [ix.store.text(d) for d in range(len(ix.store.docs))]


@pytest.mark.parametrize("query, expected", [
    ("the", (9, 1)),
    ("council", (2, 1)),
    ("councils", (3, 1)),
    ("state capitalism", (2, 1)),
    ("state-capitalism", (2, 1)),
    ('"state capitalism"', (2, 1)),
    ("capitalisme d'État", (2, 2)),
    ("capitalisme d’etat", (2, 2)),
    ("l'État", (3, 2)),
    ("etat", (5, 2)),
    ("conseils ouvriers", (3, 2)),
    ("council*", (5, 1)),
    ("arbeidersra?d", (1, 1)),
    ("资本", (0, 0)),
    ("資本", (3, 1)),
    ("資本主義", (2, 1)),
    ("council | councils", (5, 1)),
])
def test_counts(mini_ix, query, expected):
    assert count(mini_ix, query) == expected


@pytest.mark.parametrize("phrase", ["the", "council", "councils", "state capitalism", "etat",
                                    "conseils ouvriers", "de", "der Staatskapitalismus", "is", "l etat"])
def test_counts_equal_brute_force(mini_ix, phrase):
    hits, _docs = count(mini_ix, phrase)
    assert hits == brute_count(all_texts(mini_ix), phrase)


def test_exact_mode(mini_ix):
    assert count(mini_ix, "État", mode="exact") == (5, 2)
    assert count(mini_ix, "état", mode="exact") == (0, 0)
    assert count(mini_ix, "The", mode="exact") == (5, 1)
    assert count(mini_ix, "the", mode="exact") == (4, 1)
    assert count(mini_ix, "Staatskap*", mode="exact") == (3, 1)
    assert count(mini_ix, "staatskap*", mode="exact") == (1, 1)   # Dutch "staatskapitalisme"


def test_stem_mode(mini_ix):
    # conseil ouvrier (1) + conseils ouvriers (2) in French paragraphs of fr and en documents
    assert count(mini_ix, "conseils ouvriers", mode="stem") == (4, 2)
    assert count(mini_ix, "conseil ouvrier", mode="stem") == (4, 2)
    assert count(mini_ix, "conseils ouvriers") == (3, 2)
    assert count(mini_ix, "councils", mode="stem") == (5, 1)


def test_filters(mini_ix):
    assert count(mini_ix, "etat", langs=("fr",)) == (5, 2)
    assert count(mini_ix, "etat", langs=("en",)) == (0, 0)
    assert count(mini_ix, "the", langs=("en",)) == (9, 1)
    assert count(mini_ix, "etat", year_from=1921, year_to=1921) == (2, 1)
    assert count(mini_ix, "etat", authors=("gorter",)) == (2, 1)
    assert count(mini_ix, "etat", groups=("GIC",)) == (3, 1)
    assert count(mini_ix, "etat lang:en") == (0, 0)
    assert count(mini_ix, "staatskapitalismus year:1930-1939") == (3, 1)   # counted at 1934
    assert count(mini_ix, "staatskapitalismus year:1930") == (0, 0)


def test_exclusion(mini_ix):
    assert count(mini_ix, "etat -councils") == (2, 1)


def test_stem_candidates_equal_full_vocabulary_scan(mini_ix):
    from concord.analysis import stem_words
    from concord.lemmas import stem_candidates

    store = mini_ix.store
    vocab = store.vocab.tolist()
    for lang in ("en", "fr", "de", "nl"):
        used = {int(t) for p in range(len(store.para_lang)) if store.langs[store.para_lang[p]] == lang
                for t in store.tok[store.para_tok[p]:store.para_tok[p + 1]]}
        stems = stem_words(vocab, lang)
        for key in set(stems):
            expected = [i for i, s in enumerate(stems) if s == key and i in used]
            assert stem_candidates(store, lang, key).tolist() == expected, (lang, key)
