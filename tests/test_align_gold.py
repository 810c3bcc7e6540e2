"""The hand-made gold alignment of the Manifesto (tests/data/gold) and the scoring against it.

The gold's files must match concord's paragraphs of the shipped corpus (they are keyed by
paragraph numbers and character offsets); the scoring (benchmarks/align_accuracy.py) is
checked on hand-countable links.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


align_gold = load("align_gold")
align_accuracy = load("align_accuracy")


@pytest.fixture(scope="module")
def manifesto_index(tmp_path_factory) -> Path:
    from concord.indexer import build_index

    index = tmp_path_factory.mktemp("manifesto") / "index"
    build_index(ROOT / "corpus", index, procs=2)
    return index


@pytest.fixture(scope="module")
def paragraphs(manifesto_index):
    return align_gold.index_paragraphs(manifesto_index)


HUGO = align_gold.HUGO
needs_hugo = pytest.mark.skipif(not (HUGO.corpus / "metadata.csv").exists(),
                                reason="../shared/corpus is not present")


@pytest.fixture(scope="module")
def hugo_index(tmp_path_factory) -> Path:
    """The second family alone: Hugo's novel in French and Japanese, from ../shared/corpus."""
    from concord.indexer import build_index

    root = tmp_path_factory.mktemp("hugo")
    build_index(align_gold.family_corpus(HUGO, root / "corpus"), root / "index", procs=2)
    return root / "index"


@pytest.mark.shared
@needs_hugo
def test_hugo_gold_matches_concords_paragraphs(hugo_index):
    paragraphs = align_gold.index_paragraphs(hugo_index, HUGO)
    derived = align_gold.derive_family(HUGO, paragraphs)
    assert sorted(derived) == ["hugo-fr-ja.tsv", "hugo-paragraphs.tsv"]
    for name, text in derived.items():
        assert (align_gold.GOLD / name).read_text("utf-8") == text, name
    links = align_accuracy.gold_links("fr", "ja", "paragraphs", HUGO)
    # The sample: the French prefaces (unaligned: the Japanese lacks them) and chapters I-V.
    assert len(links) == 62
    assert {("314", "5"), ("359", "50"), ("359", "51"), ("374", "66")} <= links
    assert not {x for x, _ in links if int(x) < 314} and not {y for _, y in links if int(y) < 5}


def test_gold_files_match_concords_paragraphs(paragraphs):
    """Every derived gold file is what the unit tables give with today's paragraphs."""
    derived = align_gold.derive(paragraphs)
    assert len(derived) == 8
    for name, text in derived.items():
        assert (align_gold.GOLD / name).read_text("utf-8") == text, name


def test_gold_offsets_hold_the_first_words(paragraphs):
    rows = align_accuracy._read(align_gold.GOLD / "manifesto-paragraphs.tsv")
    assert {lang: sum(r["lang"] == lang for r in rows) for lang in "de en fr".split()} == {
        "de": 240, "en": 217, "fr": 324}
    for row in rows:
        p = paragraphs[row["lang"]][int(row["paragraph"]) - 1]
        assert (p["start"], p["end"]) == (int(row["start"]), int(row["end"]))
        assert " ".join(p["text"].split()).startswith(row["words"].removesuffix(" …"))


def test_gold_covers_every_paragraph_once_per_pair():
    units = align_accuracy.gold_units()
    for a, b in align_gold.PAIRS:
        for level in align_accuracy.LEVELS:
            name = align_accuracy.gold_file(align_gold.MANIFESTO, a, b, level)
            rows = align_accuracy._read(name)
            for lang in (a, b):
                listed = [x for r in rows for x in r[lang].split(",") if x]
                # Each unit is in one bead, and all of them are there.
                assert sorted(listed) == sorted(units[level][lang]), (name, lang)


def test_gold_links_known_cases():
    links = align_accuracy.gold_links("de", "fr", "paragraphs")
    # fr 10 holds the first half of the first sentence of chapter I, fr 11 the rest and more.
    assert {("16", "10"), ("16", "11"), ("18", "11")} <= links
    assert ("18", "10") not in links
    # The German of 1848 has the monks before the literati: crossing links.
    assert {("184", "198"), ("185", "196"), ("186", "197")} <= links
    # Engels' notes (de 15, 17) and the French editor's headings and prefaces are unaligned.
    assert not {x for x, _ in links} & {"3", "15", "17", "29", "238"}
    assert not {y for _, y in links} & {"2", "17", "29", "250", "324"}
    en_fr = align_accuracy.gold_links("en", "fr", "paragraphs")
    assert {y for x, y in en_fr if x == "59"} == {"75"}
    assert {y for x, y in en_fr if x == "63"} == {"76", "77", "78"}
    sentences = align_accuracy.gold_links("de", "en", "sentences")
    assert ("43.3", "30.2") not in sentences  # "Sie hemmten die Produktion": not in the English
    assert {("43.2", "30.2"), ("43.4", "30.2")} <= sentences


def test_gold_sentences():
    split = align_gold.gold_sentences
    text = "I. BOURGEOIS AND PROLETARIANS"
    assert split(text) == [(0, len(text))]
    text = "Wodurch also? Dadurch, daß sie d.h. mehr. Und »so« weiter."
    assert [text[s:e] for s, e in split(text)] == [
        "Wodurch also?", "Dadurch, daß sie d.h. mehr.", "Und »so« weiter."]
    text = "Il fallait briser ces chaînes. On les brisa ; voilà."
    assert [text[s:e] for s, e in split(text)] == ["Il fallait briser ces chaînes.",
                                                    "On les brisa ; voilà."]


def test_covered_by_half_or_most():
    units = {"1": (0, 10), "2": (11, 20), "3": (21, 40)}
    assert align_accuracy.covered((0, 20), units) == ["1", "2"]
    assert align_accuracy.covered((0, 4), units) == ["1"]            # a fragment: its sentence
    assert align_accuracy.covered((8, 30), units) == ["2"]  # all of 2; 2/10 of 1, 9/19 of 3
    assert align_accuracy.covered((50, 60), units) == []


def test_score_counts_links_and_exact_units():
    gold = {("1", "1"), ("2", "2"), ("2", "3")}
    predicted = {("1", "1"), ("2", "2"), ("3", "3")}
    s = align_accuracy.score("x-y", "paragraphs", gold, predicted, ["1", "2", "3"], ["1", "2", "3"])
    assert (s.gold_links, s.predicted_links, s.correct) == (3, 3, 2)
    assert (s.precision, s.recall, s.f1) == (0.6667, 0.6667, 0.6667)
    # exact: a1 {1} ok, a2 {2,3} vs {2} no, a3 {} vs {3} no; b1 ok, b2 ok, b3 {2} vs {3} no
    assert s.exact == 0.5
    assert not s.meets_goal
    perfect = align_accuracy.score("x-y", "sentences", gold, gold, ["1", "2"], ["1", "2", "3"])
    assert (perfect.f1, perfect.exact, perfect.meets_goal) == (1.0, 1.0, True)


def test_predicted_links_outside_the_gold_are_wrong():
    units_a = {"1.1": (0, 10), "1.2": (11, 20)}
    units_b = {"5.1": (100, 130)}
    beads = [((0, 10), (100, 130)), ((11, 20), (200, 230)), ((11, 20), None), ((300, 310), (400, 410))]
    assert align_accuracy.predicted_links(beads, units_a, units_b) == {
        ("1.1", "5.1"), ("1.2", align_accuracy.OUTSIDE)}


def test_gold_against_itself_scores_one():
    units = align_accuracy.gold_units()
    for a, b in align_gold.PAIRS:
        for level in align_accuracy.LEVELS:
            gold = align_accuracy.gold_links(a, b, level)
            s = align_accuracy.score(f"{a}-{b}", level, gold, gold, list(units[level][a]),
                                     list(units[level][b]))
            assert (s.f1, s.exact) == (1.0, 1.0)


# --- concord's aligner against the gold -----------------------------------------------------

GOALS = align_accuracy.GOALS
#: Pairs short of their goal with i14a's aligner as merged last (2f0784f); see
#: benchmarks/ALIGN-ACCURACY.md. Strict: the test fails as soon as one of them meets its goal,
#: so that it is taken off this list.
SHORT_OF_GOAL: set[tuple[str, str]] = set()


@pytest.fixture(scope="module")
def manifesto_scores(manifesto_index):
    from concord.index import open_index

    with open_index(manifesto_index) as ix:
        return {(s.level, s.pair): s for s in align_accuracy.evaluate(ix)}


def check_goal(request, key: tuple[str, str], score) -> None:
    if key in SHORT_OF_GOAL:
        request.applymarker(pytest.mark.xfail(
            strict=True, reason=f"{key[1]} {key[0]}: F1 {score.f1} is short of the goal "
                                f"(benchmarks/ALIGN-ACCURACY.md)"))
    assert score.f1 >= GOALS[score.level]


@pytest.mark.parametrize("level,pair", [(level, f"{a}-{b}") for level in align_accuracy.LEVELS
                                        for a, b in align_gold.PAIRS])
def test_manifesto_alignment_meets_the_goal(request, manifesto_scores, level, pair):
    """Issue 14: link F1 >= 0.95 for paragraphs and >= 0.85 for the sentences of chapter I."""
    score = manifesto_scores[(level, pair)]
    # Figures are deterministic: the same index gives the same links every time.
    assert score.units == {"paragraphs": {"de-en": 457, "de-fr": 564, "en-fr": 541},
                           "sentences": {"de-en": 361, "de-fr": 367, "en-fr": 350}}[level][pair]
    check_goal(request, (level, pair), score)


@pytest.mark.shared
@needs_hugo
def test_hugo_alignment_meets_the_goal(request, hugo_index):
    from concord.index import open_index

    with open_index(hugo_index) as ix:
        [score] = align_accuracy.evaluate(ix, HUGO)
    assert (score.level, score.pair, score.gold_links) == ("paragraphs", "fr-ja", 62)
    check_goal(request, ("hugo paragraphs", "fr-ja"), score)
