"""The concept probe corpus (tests/data/probe): does each @concept find the forms a translator expects?

310 sentences in de, nl, fr, it, es, ru and pl each hold one expected form of a core concept,
by category (inflection, plural of a phrase, article variant, compound, hyphenated spelling,
period spelling...). The expectations (tests/data/probe/expectations.csv) give each form's
character offsets; a hit is "found" when a hit of the concept has exactly those offsets. The
test also asserts that no concept matches anything else in the corpus, once the concept's
``exclude`` forms have cancelled the hits they overlap (applied here, independently of the
query layer). ``python benchmarks/concept_probe.py`` prints the same figures for every mode.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from concord.concepts import Concept, load_registry
from concord.hits import find_hits
from concord.query import parse_query

PROBE = Path(__file__).parent / "data" / "probe"
LANGS = ("de", "nl", "fr", "it", "es", "ru", "pl")
with open(PROBE / "expectations.csv", newline="", encoding="utf-8") as _fh:
    ROWS = list(csv.DictReader(_fh))
EXPECTED = [row for row in ROWS if row["role"] == "expected"]
CONCEPTS = sorted({row["concept"] for row in EXPECTED})

# Misses in default mode, all hyphenated closed compounds: the query layer does not yet let a
# closed compound find its hyphenated spelling (issue 11). When it does, empty this set.
# Hyphenated closed compounds (Arbeiter-Räte, klasse-strijd) are found since the query layer
# reads a one-word form as two hyphen-joined words (concord.compounds): nothing is missed.
KNOWN_MISSES: set[tuple[str, str]] = set()


def span(row: dict) -> tuple[str, int, int]:
    return row["doc"], int(row["char_start"]), int(row["char_end"])


@pytest.fixture(scope="module")
def probe_ix(tmp_path_factory):
    from concord.index import open_index
    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("probe") / "index"
    build_index(PROBE, target, procs=1)
    ix = open_index(target)
    yield ix
    ix.close()


def hit_spans(ix, parsed, mode: str) -> set[tuple[str, int, int]]:
    """Each hit as (doc id, first char, end char)."""
    store = ix.store
    hits = find_hits(ix, parsed, mode=mode)
    out = set()
    for start, length, doc in zip(hits.starts.tolist(), hits.lengths.tolist(), hits.docs.tolist(), strict=True):
        out.add((store.docs[doc]["doc_id"], int(store.start[start]), int(store.end[start + length - 1])))
    return out


def concept_spans(ix, name: str, mode: str = "default", *, exclude: bool = True) -> set[tuple[str, int, int]]:
    """Hits of @name's forms; with ``exclude``, less those overlapping a hit of an excluded form.

    The cancellation here is the test's own, on the hits of the forms alone (the concept
    without its exclusions), so that it checks the query layer's.
    """
    concept = load_registry()[name]
    bare = Concept(name, concept.label, concept.description, concept.forms)
    found = hit_spans(ix, parse_query(f"@{name}", registry={name: bare}), mode)
    if not exclude or not concept.exclude:
        return found
    cancelled = set()
    for lang, forms in concept.exclude.items():
        one = Concept(name, name, "", {lang: forms})
        for doc, start, end in hit_spans(ix, parse_query(f"@{name}", registry={name: one}), mode):
            cancelled |= {hit for hit in found if hit[0] == doc and hit[1] < end and start < hit[2]}
    return found - cancelled


def probe_report(ix, mode: str) -> dict:
    """Found and missed expected forms, by language and by category, in one mode."""
    by_concept = {name: concept_spans(ix, name, mode) for name in CONCEPTS}
    found, missed = Counter(), Counter()
    misses = []
    for row in EXPECTED:
        ok = span(row) in by_concept[row["concept"]]
        for key in (("lang", row["lang"]), ("category", row["category"]), ("all", "all")):
            (found if ok else missed)[key] += 1
        if not ok:
            misses.append((row["lang"], row["text"]))
    return {"found": found, "missed": missed, "misses": misses}


def test_probe_corpus_has_300_forms_in_seven_languages():
    assert len(EXPECTED) == 310
    assert Counter(row["lang"] for row in EXPECTED) == {
        "de": 49, "nl": 48, "fr": 43, "it": 43, "es": 41, "ru": 44, "pl": 42,
    }
    categories = Counter(row["category"] for row in EXPECTED)
    assert {"inflection", "plural-phrase", "article", "compound", "hyphenated", "period"} <= set(categories)
    assert all(categories[c] >= 10 for c in ("inflection", "plural-phrase", "article", "compound", "hyphenated", "period"))
    # one expected form per paragraph
    assert len({(row["doc"], row["paragraph"]) for row in EXPECTED}) == len(EXPECTED)


def test_expectations_point_at_their_text(probe_ix):
    store = probe_ix.store
    doc_index = {meta["doc_id"]: i for i, meta in enumerate(store.docs)}
    assert sorted(doc_index) == [f"{lang}/probe-{lang}.txt" for lang in sorted(LANGS)]
    for row in ROWS:
        doc, start, end = span(row)
        assert store.text(doc_index[doc], start, end) == row["text"], row
    # Every paragraph kept its document's language: a concept form only matches in its own.
    for i, meta in enumerate(store.docs):
        langs = {paragraph["lang"] for paragraph in store.doc_paragraphs(i)}
        assert langs == {meta["doc_id"][:2]}, meta["doc_id"]


def test_default_mode_finds_at_least_90_percent(probe_ix):
    report = probe_report(probe_ix, "default")
    found, missed = report["found"], report["missed"]
    assert found["all", "all"] + missed["all", "all"] == 310
    assert set(report["misses"]) == KNOWN_MISSES
    assert found["all", "all"] == 310 - len(KNOWN_MISSES) >= 0.9 * 310
    assert missed["category", "hyphenated"] == len(KNOWN_MISSES)
    assert {key: n for key, n in missed.items() if key[0] == "lang" and n} == {}
    assert by_category(report) == {
        "article": (22, 22), "base": (119, 119), "compound": (17, 17), "hyphenated": (18, 18),
        "inflection": (73, 73), "period": (23, 23), "plural-phrase": (28, 28), "singular": (4, 4),
        "spelling": (6, 6),
    }


def by_category(report: dict) -> dict[str, tuple[int, int]]:
    """(found, total) per category."""
    categories = {key[1] for key in report["found"] | report["missed"] if key[0] == "category"}
    return {c: (report["found"]["category", c], report["found"]["category", c] + report["missed"]["category", c])
            for c in sorted(categories)}


HYPHENATED_COMPOUNDS = {
    ("de", "Arbeiter-Räte"), ("de", "Klassen-Kampf"), ("de", "General-Streik"),
    ("nl", "arbeiders-raden"), ("nl", "staats-kapitalisme"), ("nl", "klasse-strijd"),
}


def test_stem_mode_misses_only_the_hyphenated_compounds(probe_ix):
    # Stems and lemmas are of whole words: a closed compound is read as two hyphen-joined
    # words in the default and fold modes only (README, "Tokens and matching").
    report = probe_report(probe_ix, "stem")
    assert set(report["misses"]) == HYPHENATED_COMPOUNDS


def test_exact_mode_figures(probe_ix):
    # In exact mode a concept's forms are matched like a typed word in the default mode: case
    # ignored, a diacritic the registry writes required, a plain letter matching any (README,
    # "Tokens and matching"). Hyphenated spellings of closed compounds are other spellings.
    report = probe_report(probe_ix, "exact")
    assert report["found"]["all", "all"] == 304
    assert set(report["misses"]) == HYPHENATED_COMPOUNDS
    assert by_category(report) == {
        "article": (22, 22), "base": (119, 119), "compound": (17, 17), "hyphenated": (12, 18),
        "inflection": (73, 73), "period": (23, 23), "plural-phrase": (28, 28), "singular": (4, 4),
        "spelling": (6, 6),
    }


@pytest.mark.parametrize("name", CONCEPTS)
def test_no_hit_outside_the_expected_forms(probe_ix, name):
    allowed = {span(row) for row in ROWS if row["concept"] == name and row["role"] in ("expected", "nested")}
    found = concept_spans(probe_ix, name)
    assert found - allowed == set()
    for row in ROWS:
        if row["concept"] == name and row["role"] == "negative":
            doc, start, end = span(row)
            assert not any(d == doc and s < end and start < e for d, s, e in found), row["text"]


def test_exclusions_cancel_the_counter_revolution_inside_revolution(probe_ix):
    raw = concept_spans(probe_ix, "revolution", exclude=False)
    kept = concept_spans(probe_ix, "revolution")
    cancelled = sorted(text for doc, start, end in raw - kept
                       for text in [probe_ix.store.text(_doc(probe_ix, doc), start, end)])
    # Konter-Revolution, contra-revolutie, contre-révolution(naires), contro-rivoluzione,
    # contra-revolución, Контр-революция, Kontr-rewolucja: the part after the hyphen.
    assert cancelled == sorted([
        "Revolution", "revolutie", "révolution", "révolutionnaires", "rivoluzione", "revolución",
        "революция", "rewolucja",
    ])
    raw_bourgeoisie = concept_spans(probe_ix, "bourgeoisie", exclude=False)
    assert len(raw_bourgeoisie - concept_spans(probe_ix, "bourgeoisie")) == 1   # derecho de burguesía


def test_query_layer_applies_the_exclusions(probe_ix):
    # The query layer cancels the overlapping hits itself (issue 10): @name's hits are those
    # that the test's own cancellation keeps, in every mode.
    registry = load_registry()
    for name in (n for n in CONCEPTS if registry[n].exclude):
        for mode in ("default", "fold", "exact"):
            layer = hit_spans(probe_ix, parse_query(f"@{name}", registry=registry), mode)
            assert layer == concept_spans(probe_ix, name, mode), (name, mode)
    assert hit_spans(probe_ix, parse_query("@revolution", registry=registry), "default") < \
        concept_spans(probe_ix, "revolution", exclude=False)


def _doc(ix, doc_id: str) -> int:
    return next(i for i, meta in enumerate(ix.store.docs) if meta["doc_id"] == doc_id)
