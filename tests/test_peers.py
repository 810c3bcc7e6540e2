"""benchmarks/peers.py (issue 16): concord and its peers agree on the counts they are timed on.

The same extracted text of tests/data/sample goes into concord, SQLite FTS5 and (when the
``bench`` extra is installed) tantivy; each engine's counts of a word, a phrase, a word in
English paragraphs and its first KWIC lines are checked against concord's and against a
brute-force count of the rows. No duration is asserted.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from corpora import SAMPLE_CORPUS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import peers  # noqa: E402

WORDS = re.compile(r"[^\W_]+")


def fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample corpus extracted, indexed by concord, and its paragraph rows in FTS5."""
    from concord.indexer import build_index

    work = tmp_path_factory.mktemp("peers")
    plain = work / "plain"
    stamp = peers.extract_plain(SAMPLE_CORPUS, plain)
    build_index(plain, work / "concord", procs=1, keep_duplicates=True)
    rows = work / "rows.jsonl"
    n = peers.write_rows(work / "concord", plain, rows)
    peers.build_fts5(rows, work / "fts5.sqlite")
    return {"work": work, "plain": plain, "rows": rows, "n_rows": n, "stamp": stamp}


@pytest.fixture(scope="module")
def brute(built):
    """Counts from the rows themselves: folded tokens, adjacent pairs, tokens of English rows."""
    words: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    english: Counter[str] = Counter()
    for row in peers.read_rows(built["rows"]):
        tokens = [fold(t) for t in WORDS.findall(row["text"])]
        words.update(tokens)
        pairs.update(zip(tokens, tokens[1:], strict=False))
        if row["lang"] == "en":
            english.update(tokens)
    return words, pairs, english


def test_extraction_writes_every_document_as_plain_text(built):
    ids = peers.doc_ids(built["plain"])
    assert len(ids) == built["stamp"]["documents"] == 11
    assert all((built["plain"] / i).is_file() and i.endswith(".txt") for i in ids)
    first = json.loads(built["rows"].read_text("utf-8").splitlines()[0])
    assert set(first) == {"doc", "start", "lang", "text"}
    assert built["n_rows"] == sum(1 for _ in peers.read_rows(built["rows"]))
    # Extracting again keeps the folder (the stamp matches).
    assert peers.extract_plain(SAMPLE_CORPUS, built["plain"]) == built["stamp"]


def engines(built, names):
    work = built["work"]
    paths = {"concord": work / "concord", "fts5": work / "fts5.sqlite", "tantivy": work / "tantivy"}
    return [peers.OPENERS[name](paths[name]) for name in names]


def check_counts(built, brute, name):
    words, pairs, english = brute
    concord, other = engines(built, ["concord", name])
    try:
        assert words["the"] == 1490          # the sample's English texts, counted by hand once
        assert concord.count_word("the") == other.count_word("the") == words["the"]
        assert concord.count_phrase(("of", "the")) == other.count_phrase(("of", "the")) == pairs["of", "the"]
        assert concord.count_word_in("the", "en") == other.count_word_in("the", "en") == english["the"]
        assert other.count_word_in("the", "fr") == 0
        assert concord.count_word("lohnarbeit") == other.count_word("lohnarbeit") == words["lohnarbeit"] > 0
        theirs = other.kwic("the", 50)
        ours = concord.kwic("the", 50)
        assert len(theirs) == len(ours) == 50
        assert {(d, s) for d, s, _m in theirs} == {(d, s) for d, s, _m in ours}
        assert {fold(m) for _d, _s, m in theirs} == {"the"}
    finally:
        concord.close()
        other.close()


def test_fts5_counts_agree_with_concord_and_a_brute_force_count(built, brute):
    check_counts(built, brute, "fts5")


def test_tantivy_counts_agree_with_concord_and_a_brute_force_count(built, brute):
    pytest.importorskip("tantivy")
    peers.build_tantivy(built["rows"], built["work"] / "tantivy")
    check_counts(built, brute, "tantivy")


def test_a_peer_line_is_cut_at_words_inside_its_paragraph():
    text = "One two, three four five six seven eight nine the ten eleven twelve."
    start = text.index("the ")
    assert peers.cut_line(text, start, start + 3, width=3) == (
        "seven eight nine", "the", "ten eleven twelve")
    assert peers.cut_line("the end", 0, 3, width=8) == ("", "the", "end")


def test_fts5_highlight_markers_become_spans():
    text, spans = peers.marked_spans("a \x01of the\x02 b \x01the\x02")
    assert text == "a of the b the"
    assert [text[s:e] for s, e in spans] == ["of the", "the"]


def test_adjacent_highlights_count_a_phrase_only_without_a_word_between():
    text = "of the, of  the; of x the"
    ranges = [(m.start(), m.end()) for m in re.finditer(r"of|the", text)]
    assert peers.count_adjacent(text, ranges, ("of", "the")) == 2
