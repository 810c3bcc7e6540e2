"""Frequencies, concepts, collocates, word lists, n-grams and keywords on the mini corpus."""

from __future__ import annotations

import numpy as np
import pytest

from concord.errors import OptionError, UnknownConcept
from concord.hits import find_hits
from concord.query import Filters, parse_query, parse_subcorpus
from concord.stats import collocates, freq, keywords, ngrams, parse_by, parse_window, wordlist

# Hand-counted tokens of the mini corpus (see tests/data/mini):
#   en/1920: title 2 + 20 + French paragraph 24 + 24 = 70 tokens, 46 of them English
#   fr/1921: heading 1 + 24 + 16 = 41 French tokens
EN_1920_EN = 46
EN_1920_FR = 24
FR_1921 = 41


def rows_by(rows, *keys):
    return {tuple(r[k] for k in keys): r for r in rows}


def test_freq_by_lang(mini_ix):
    rows = rows_by(freq(mini_ix, [("etat", parse_query("etat"))], by=["lang"]), "lang")
    assert set(rows) == {("de",), ("en",), ("fr",), ("ja",), ("nl",)}
    fr = rows[("fr",)]
    assert (fr["hits"], fr["docs"], fr["tokens"]) == (5, 2, EN_1920_FR + FR_1921)
    assert fr["per_million"] == round(5 / (EN_1920_FR + FR_1921) * 1e6, 4)
    assert fr["sparse"] is True
    en = rows[("en",)]
    assert (en["hits"], en["docs"], en["tokens"], en["per_million"]) == (0, 0, EN_1920_EN, 0.0)


def test_freq_by_lang_and_year_uses_paragraph_language(mini_ix):
    rows = rows_by(freq(mini_ix, [("etat", parse_query("etat"))], by=["lang", "year"]), "lang", "year")
    assert rows[("fr", 1920)]["hits"] == 3 and rows[("fr", 1920)]["tokens"] == EN_1920_FR
    assert rows[("fr", 1921)]["hits"] == 2 and rows[("fr", 1921)]["tokens"] == FR_1921
    assert rows[("en", 1920)]["hits"] == 0 and rows[("en", 1920)]["tokens"] == EN_1920_EN
    assert rows[("de", 1934)]["tokens"] > 0          # "1930s" counts at its midpoint
    assert ("de", 1930) not in rows


def test_freq_totals_equal_kwic_count(mini_ix):
    for q in ["the", "etat", "council*", "state capitalism", "@state-capitalism"]:
        parsed = parse_query(q)
        for by in (["lang"], ["year"], ["decade", "lang"], ["author"], ["doc"], ["group", "work"]):
            rows = freq(mini_ix, [(q, parsed)], by=by)
            assert sum(r["hits"] for r in rows) == len(find_hits(mini_ix, parsed)), (q, by)


def test_freq_denominators_respect_filters(mini_ix):
    rows = freq(mini_ix, [("etat", parse_query("etat"))], by=["lang"], filters=Filters(langs=("fr",)))
    assert [(r["lang"], r["hits"], r["tokens"]) for r in rows] == [("fr", 5, EN_1920_FR + FR_1921)]
    rows = freq(mini_ix, [("etat", parse_query("etat"))], by=["decade"],
                filters=Filters(year_from=1921, year_to=1921))
    assert [(r["decade"], r["hits"], r["tokens"]) for r in rows] == [(1920, 2, FR_1921)]


def test_freq_several_queries(mini_ix):
    rows = freq(mini_ix, [("a", parse_query("the")), ("b", parse_query("etat"))], by=["lang"])
    assert {r["query"] for r in rows} == {"a", "b"}
    assert sum(r["hits"] for r in rows if r["query"] == "a") == 9


def test_concept_across_languages(mini_ix):
    rows = rows_by(freq(mini_ix, [("@state-capitalism", parse_query("@state-capitalism"))],
                        by=["lang"]), "lang")
    assert {k[0]: r["hits"] for k, r in rows.items()} == {"de": 3, "en": 2, "fr": 2, "nl": 1, "ja": 0}


def test_concept_forms_match_only_their_language(mini_ix):
    # "capitalisme d'État" inside an English paragraph would not count for @state-capitalism.
    parsed = parse_query("@state-capitalism")
    assert all(alt.lang for alt in parsed.alternatives)
    assert {alt.lang for alt in parsed.alternatives} >= {"en", "de", "nl", "fr", "it", "es", "ru"}


def test_unknown_concept():
    with pytest.raises(UnknownConcept, match="did you mean @state-capitalism"):
        parse_query("@state-capitalsm")


def test_parse_helpers():
    assert parse_by("lang,year") == ("lang", "year")
    with pytest.raises(OptionError):
        parse_by("lang,colour")
    assert parse_window("5") == (5, 5)
    assert parse_window("2,3") == (2, 3)
    for bad in ("0", "a", "1,2,3", "-1", "99"):
        with pytest.raises(OptionError):
            parse_window(bad)
    assert parse_subcorpus("lang:de year:1920-1929") == Filters(langs=("de",), year_from=1920, year_to=1929)
    with pytest.raises(OptionError):
        parse_subcorpus("1920s")


def test_collocates_counts(mini_ix):
    rows = collocates(mini_ix, parse_query("council"), window=(1, 1), min_freq=1,
                      drop_stopwords=False, measure="ll")
    # "The council of", "the council decided": L1 = The, the, R1 = of, decided
    counts = {r["key"]: (r["collocate"], r["cooccurrences"], r["lines"]) for r in rows}
    # "The" and "the" once each in the windows: the tie goes to the corpus's more frequent
    # spelling (The 5, the 4 in the English text).
    assert counts == {"the": ("The", 2, 2), "of": ("of", 1, 1), "decided": ("decided", 1, 1)}
    rows = collocates(mini_ix, parse_query("council"), window=(1, 1), min_freq=1, drop_stopwords=True)
    assert {r["collocate"] for r in rows} == {"decided"}


def test_collocates_contingency_by_hand(mini_ix):
    from concord.measures import MEASURES

    rows = collocates(mini_ix, parse_query("council"), window=(1, 1), min_freq=1,
                      drop_stopwords=False, measure="mi")
    the = next(r for r in rows if r["key"] == "the")
    n = mini_ix.store.n_tokens
    f_the = int(np.sum(np.asarray(mini_ix.store.tok) == mini_ix.store.vocab.index("the")))
    # 4 window slots (2 hits x 1 left + 1 right), "the" twice among them
    o11, o12, o21, o22 = 2, 2, f_the - 2, n - 4 - f_the + 2
    assert the["mi"] == round(float(MEASURES["mi"](o11, o12, o21, o22)), 4)


def test_collocates_per_language_for_concepts(mini_ix):
    rows = collocates(mini_ix, parse_query("@state-capitalism"), window=(2, 2), min_freq=1)
    assert rows and all("lang" in r for r in rows)
    assert {r["lang"] for r in rows} <= {"en", "de", "fr", "nl"}


def test_wordlist(mini_ix):
    rows = wordlist(mini_ix, filters=Filters(langs=("en",)))
    top = rows[0]
    # 9 tokens fold to "the": "The" 5 times, "the" 4 times: shown as "The".
    assert (top["form"], top["key"], top["frequency"], top["documents"]) == ("The", "the", 9, 1)
    assert top["per_million"] == round(9 / EN_1920_EN * 1e6, 4)
    assert sum(r["frequency"] for r in rows) == EN_1920_EN


def test_ngrams(mini_ix):
    rows = ngrams(mini_ix, 2, filters=Filters(langs=("en",)), min_freq=2)
    got = {r["key"]: r["frequency"] for r in rows}
    assert got["the council"] == 2
    assert got["state capitalism"] == 2
    with pytest.raises(OptionError):
        ngrams(mini_ix, 9)


def test_keywords(mini_ix):
    rows = keywords(mini_ix, Filters(langs=("en",)), Filters(langs=("fr",)), min_freq=2)
    forms = [r["key"] for r in rows]
    assert forms[0] == "the" and rows[0]["form"] == "The"
    assert "etat" not in forms
    with pytest.raises(OptionError):
        keywords(mini_ix, Filters(langs=("xx",)), Filters(langs=("fr",)))
