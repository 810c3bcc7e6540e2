"""Index, hits and KWIC on the hand-countable mini corpus (tests/data/mini)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest

from concord.errors import OptionError, QuerySyntaxError
from concord.hits import find_hits
from concord.index import SCHEMA_VERSION
from concord.kwic import concordance, iter_lines, parse_sort
from concord.query import Filters, parse_query


def count(ix, query, mode="default", **filters):
    hits = find_hits(ix, parse_query(query), mode=mode, filters=Filters(**filters))
    return len(hits), hits.n_docs


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


# --- index contents ---------------------------------------------------------------------------

def test_documents_and_metadata(mini_ix):
    docs = {d["doc_id"]: d for d in mini_ix.store.docs}
    assert sorted(docs) == [
        "de/1930-ruehle-staat.html", "en/1920-pannekoek-councils.txt", "fr/1921-gorter-reponse.md",
        "ja/1943-kawakami.txt", "nl/1931-gic-grondbeginselen.txt",
    ]
    de = docs["de/1930-ruehle-staat.html"]
    assert de["title"] == "Vom Staat (sidecar title)"       # the sidecar wins over <title>
    assert de["author"] == "Rühle, Otto"
    assert (de["year_start"], de["year_end"], de["year"]) == (1930, 1939, 1934)
    fr = docs["fr/1921-gorter-reponse.md"]
    assert (fr["title"], fr["author"], fr["group"], fr["work"]) == (
        "Réponse au camarade Lénine", "Herman Gorter", "KAPD", "open-letter")
    assert fr["year"] == 1921


def test_paragraph_languages(mini_ix):
    from concord.search import document

    doc = document(mini_ix, "en/1920-pannekoek-councils.txt")
    assert [p["lang"] for p in doc["paragraphs"]] == ["en", "en", "fr", "en"]
    assert doc["tokens_by_lang"]["fr"] == 24


def test_html_drops_script_style_nav(mini_ix):
    # "Staatskapitalismus" is also in <script> and <nav>; only heading and paragraphs count.
    assert count(mini_ix, "Staatskapitalismus") == (3, 1)


def test_hyphenation_rejoined(mini_ix):
    assert count(mini_ix, "Arbeiterklasse") == (1, 1)
    assert count(mini_ix, "klasse", langs=("en",)) == (0, 0)
    assert count(mini_ix, "klasse") == (1, 1)   # "der Klasse" in the German document


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


def test_kwic_boundaries(mini_ix):
    hits = find_hits(mini_ix, parse_query("the council"))
    page = concordance(mini_ix, hits, width=2)
    lines = [(ln.left, ln.match, ln.right) for ln in page["lines"]]
    assert lines == [
        ("l'État.", "The council", "of the"),
        ("again, and", "the council", "decided. The"),
    ]
    assert page["hits"] == 2 and page["docs"] == 1
    first = page["lines"][0]
    text = mini_ix.store.text(mini_ix.store.doc_index[first.doc_id])
    assert text[first.char_start:first.char_end] == "The council"


def test_kwic_never_crosses_documents(mini_ix):
    hits = find_hits(mini_ix, parse_query("Grondbeginselen"))
    (line,) = concordance(mini_ix, hits, width=5)["lines"]
    assert line.left == ""
    assert line.right == "De arbeidersraden moeten de productie"


def test_kwic_sort_keys(mini_ix):
    hits = find_hits(mini_ix, parse_query("the"))
    by_r1 = [ln.right.split()[0] for ln in concordance(mini_ix, hits, sort=("R1",), width=1)["lines"]]
    assert by_r1 == sorted(by_r1, key=str.casefold)
    assert by_r1 == ["Arbeiterklasse", "class", "council", "council", "councils", "organs",
                     "state", "workers", "workers"]
    by_l1 = [ln.left for ln in concordance(mini_ix, hits, sort=("-L1",), width=1)["lines"]]
    assert by_l1[0] == "socialism."
    positions = [ln.position for ln in concordance(mini_ix, hits)["lines"]]
    assert positions == sorted(positions)


def test_kwic_paging_and_sample(mini_ix):
    hits = find_hits(mini_ix, parse_query("the"))
    whole = concordance(mini_ix, hits, limit=None)["lines"]
    page2 = concordance(mini_ix, hits, offset=3, limit=3)["lines"]
    assert page2 == whole[3:6]
    s1 = concordance(mini_ix, hits, sample=3, seed=7, limit=None)["lines"]
    s2 = concordance(mini_ix, hits, sample=3, seed=7, limit=None)["lines"]
    assert s1 == s2 and len(s1) == 3 and all(ln in whole for ln in s1)
    assert list(iter_lines(mini_ix, hits, chunk=2)) == whole


def test_bad_options(mini_ix):
    hits = find_hits(mini_ix, parse_query("the"))
    with pytest.raises(OptionError):
        concordance(mini_ix, hits, width=500)
    with pytest.raises(OptionError):
        parse_sort("R9")
    with pytest.raises(QuerySyntaxError):
        parse_query("*")
    with pytest.raises(QuerySyntaxError):
        parse_query('"" ')
    with pytest.raises(OptionError):
        parse_query("x year:1930-1920")


def test_info(mini_ix):
    from concord.search import index_info

    info = index_info(mini_ix)
    assert info["documents"] == 5
    assert set(info["tokens_by_lang"]) == {"de", "en", "fr", "ja", "nl"}
    assert sum(info["tokens_by_lang"].values()) == info["tokens"]
    assert info["schema_version"] == SCHEMA_VERSION == 2


def test_stem_candidates_equal_full_vocabulary_scan(mini_ix):
    from concord.analysis import stem_words
    from concord.hits import _stem_candidates

    store = mini_ix.store
    vocab = store.vocab.tolist()
    for lang in ("en", "fr", "de", "nl"):
        used = {int(t) for p in range(len(store.para_lang)) if store.langs[store.para_lang[p]] == lang
                for t in store.tok[store.para_tok[p]:store.para_tok[p + 1]]}
        stems = stem_words(vocab, lang)
        for key in set(stems):
            expected = [i for i, s in enumerate(stems) if s == key and i in used]
            assert _stem_candidates(store, lang, key).tolist() == expected, (lang, key)


def test_store_is_in_doc_id_order(mini_ix):
    ids = [d["doc_id"] for d in mini_ix.store.docs]
    assert ids == sorted(ids)
    hits = find_hits(mini_ix, parse_query("etat | the | council*"))
    assert np.all(np.diff(hits.starts) > 0)


def test_position_order_is_doc_then_token(mini_ix):
    hits = find_hits(mini_ix, parse_query("etat"))
    lines = concordance(mini_ix, hits, limit=None)["lines"]
    assert [(ln.doc_id, ln.position) for ln in lines] == sorted((ln.doc_id, ln.position) for ln in lines)
    reverse = concordance(mini_ix, hits, sort=("-position",), limit=None)["lines"]
    assert reverse == lines[::-1]
