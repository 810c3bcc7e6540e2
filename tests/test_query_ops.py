"""Boolean operators, proximity, syntax errors and accent-aware matching, against brute force.

Operators run on the mini corpus and are checked against an independent count: a regex
tokenizer and case/diacritic folding over each stored paragraph's text. Accent-aware
matching runs on tests/data/accents (German, French, Russian and English paragraphs whose
spellings are counted by hand in the comments).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from concord.cli import main as cli
from concord.errors import QuerySyntaxError
from concord.hits import MODES, accent_match, count_as_typed, explain, find_hits
from concord.query import Alternative, And, Near, Not, Or, parse_query

ACCENTS = Path(__file__).parent / "data" / "accents"


def hits_of(ix, query, mode="default"):
    return find_hits(ix, parse_query(query), mode=mode)


def spans(hits) -> set[tuple[int, int]]:
    return set(zip(hits.starts.tolist(), hits.lengths.tolist(), strict=True))


# --- brute force: regex tokens of each paragraph, folded --------------------------------------

def brute_fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in s if not 0x300 <= ord(c) < 0x370))


def paragraphs(ix) -> list[tuple[int, list[str]]]:
    """(document, folded words) of every paragraph of the corpus."""
    out = []
    for d in range(len(ix.store.docs)):
        for p in ix.store.doc_paragraphs(d):
            out.append((d, [brute_fold(w) for w in re.findall(r"[^\W_]+", p["text"])]))
    return out


def brute_and(ix, a: str, b: str, *, doc: bool = False) -> int:
    units: dict[int, list[str]] = {}
    for i, (d, words) in enumerate(paragraphs(ix)):
        units.setdefault(d if doc else i, []).extend(words)
    return sum(ws.count(a) + ws.count(b) for ws in units.values() if a in ws and b in ws)


def brute_not(ix, a: str, b: str, *, doc: bool = False) -> int:
    units: dict[int, list[str]] = {}
    for i, (d, words) in enumerate(paragraphs(ix)):
        units.setdefault(d if doc else i, []).extend(words)
    return sum(ws.count(a) for ws in units.values() if b not in ws)


def brute_near(ix, a: str, b: str, n: int) -> int:
    """Unordered pairs of distinct tokens, one a and one b, at most n tokens between them."""
    total = 0
    for _d, words in paragraphs(ix):
        pairs = set()
        for i, w in enumerate(words):
            for j, v in enumerate(words):
                if i != j and abs(i - j) - 1 <= n and w == a and v == b:
                    pairs.add((min(i, j), max(i, j)))
        total += len(pairs)
    return total


def brute_words(ix, word: str) -> int:
    return sum(words.count(word) for _d, words in paragraphs(ix))


# --- OR, AND, NOT ------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [("council", "state"), ("councils", "etat"), ("the", "workers"),
                                      ("staatskapitalismus", "capitalisme")])
def test_or_of_disjoint_words_is_their_sum(mini_ix, a, b):
    n_a, n_b = len(hits_of(mini_ix, a)), len(hits_of(mini_ix, b))
    assert n_a == brute_words(mini_ix, a) > 0 and n_b == brute_words(mini_ix, b) > 0
    assert len(hits_of(mini_ix, f"{a} OR {b}")) == n_a + n_b
    assert len(hits_of(mini_ix, f"{a} | {b}")) == n_a + n_b
    assert spans(hits_of(mini_ix, f"{a} OR {b}")) == spans(hits_of(mini_ix, a)) | spans(hits_of(mini_ix, b))


@pytest.mark.parametrize(("a", "b"), [("the", "council"), ("council", "state"), ("etat", "conseils"),
                                      ("the", "capitalism"), ("workers", "socialism")])
@pytest.mark.parametrize("within", ["", " within:doc"])
def test_and_and_not_partition_the_hits_of_a(mini_ix, a, b, within):
    doc = bool(within)
    hits_a = spans(hits_of(mini_ix, a))
    both = hits_of(mini_ix, f"{a} AND {b}{within}")
    without = hits_of(mini_ix, f"{a} NOT {b}{within}")
    assert len(both) == brute_and(mini_ix, a, b, doc=doc)
    assert len(without) == brute_not(mini_ix, a, b, doc=doc)
    a_in_both = spans(both) & hits_a
    assert a_in_both.isdisjoint(spans(without))
    assert a_in_both | spans(without) == hits_a
    assert spans(both) - hits_a == spans(hits_of(mini_ix, f"{b} AND {a}{within}")) - hits_a


def test_and_known_counts(mini_ix):
    # en paragraph 2: "The workers' councils are the organs of the class. State capitalism ..."
    # holds the 3 + state 2 (State, state-capitalism); the other English paragraphs have no "state".
    assert len(hits_of(mini_ix, "the AND state")) == brute_and(mini_ix, "the", "state")
    assert len(hits_of(mini_ix, "council AND staatskapitalismus")) == 0
    assert len(hits_of(mini_ix, "council AND staatskapitalismus within:doc")) == 0
    assert hits_of(mini_ix, "the NOT nothing-like-this").n_docs == 1


def test_operator_results_feed_kwic(mini_ix):
    from concord.kwic import concordance

    hits = hits_of(mini_ix, "council AND decided")
    page = concordance(mini_ix, hits, width=1)
    # "The council of the workers met. The councils met again, and the council decided."
    assert [ln.match for ln in page["lines"]] == ["council", "council", "decided"]


# --- proximity -------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [("the", "council"), ("state", "capitalism"), ("the", "the"),
                                      ("workers", "councils"), ("etat", "l")])
@pytest.mark.parametrize("n", [0, 1, 3, 6])
def test_near_equals_brute_force(mini_ix, a, b, n):
    hits = hits_of(mini_ix, f"{a} NEAR/{n} {b}")
    assert len(hits) == brute_near(mini_ix, a, b, n)
    assert len(hits) == len(hits_of(mini_ix, f"{b} NEAR/{n} {a}"))
    if a != b:
        assert spans(hits) == spans(hits_of(mini_ix, f'"{a} {b}"~{n}'))


@pytest.mark.parametrize("phrase", ["the council", "state capitalism", "l etat", "de productie",
                                    "conseils ouvriers"])
@pytest.mark.parametrize("n", [0, 2])
def test_a_phrase_is_a_subset_of_its_proximity_query(mini_ix, phrase, n):
    exact = spans(hits_of(mini_ix, f'"{phrase}"'))
    assert exact and exact <= spans(hits_of(mini_ix, f'"{phrase}"~{n}'))


def test_near_hit_spans_first_to_last_token(mini_ix):
    from concord.kwic import concordance

    # "The workers' councils are the organs": workers ... organs, three tokens between
    hits = hits_of(mini_ix, "organs NEAR/3 workers")
    assert [ln.match for ln in concordance(mini_ix, hits)["lines"]] == ["workers' councils are the organs"]
    assert len(hits_of(mini_ix, "organs NEAR/2 workers")) == 0


# --- the parse tree --------------------------------------------------------------------------

def test_precedence_near_then_and_not_then_or():
    tree = parse_query("a OR b AND c NOT d NEAR/2 e").tree
    assert tree == Or((Alternative(("a",)), Not(And((Alternative(("b",)), Alternative(("c",)))),
                                                    Near(Alternative(("d",)), Alternative(("e",)), 2))))
    assert parse_query("(a OR b) AND c").tree == And((Or((Alternative(("a",)), Alternative(("b",)))),
                                                      Alternative(("c",))))


def test_lower_case_operators_are_words():
    assert parse_query("bourgeoisie and proletariat").tree == Alternative(("bourgeoisie", "and", "proletariat"))
    assert parse_query("council or soviet not party").tree == Alternative(("council", "or", "soviet", "not", "party"))
    assert parse_query('"OR"').tree == Alternative(("OR",))
    assert parse_query("near").tree == Alternative(("near",))


def test_exclusions_filters_and_scope_apply_to_the_whole_query():
    parsed = parse_query("etat AND state -councils lang:fr within:doc")
    assert parsed.tree == And((Alternative(("etat",)), Alternative(("state",))))
    assert parsed.exclude == (Alternative(("councils",)),) and parsed.within == "doc"
    assert parsed.filters.langs == ("fr",)


def test_explain_names_each_rule():
    text = parse_query("(a OR b) AND c NOT d NEAR/2 e within:doc").explain()
    assert "A AND B: the hits of A and the hits of B, in documents that contain both" in text
    assert "A NOT B: the hits of A in documents that do not contain B" in text
    assert "with at most N tokens between them" in text
    assert "NEAR first, then AND and NOT (left to right), then OR" in text


# --- syntax errors ---------------------------------------------------------------------------

SYNTAX_ERRORS = [
    # (query, column, reason)
    ("(revolution OR", 1, "unbalanced parenthesis: this ( is never closed"),
    ("revolution OR)", 14, "unbalanced parenthesis: this ) has no ( before it"),
    ('"working class', 1, 'unbalanced quote: this " is never closed'),
    ('class "working', 7, 'unbalanced quote: this " is never closed'),
    ("class [word", 7, "[ ] belong to CQL"),
    ("A OR", 3, "OR needs a term on its right"),
    ("AND B", 1, "AND needs a term on its left"),
    ("A AND OR B", 3, "AND needs a term on its right"),
    ("A NOT", 3, "NOT needs a term on its right"),
    ("| council", 1, "| needs a term on its left"),
    ("()", 1, "empty parentheses"),
    ("council OR (  )", 12, "empty parentheses"),
    ('"working class"~', 16, "~ needs a number of tokens"),
    ("class ~3", 7, "~N must follow a quoted phrase"),
    ('"working class movement"~3', 1, '"..."~N takes two words, not 3'),
    ("class NEAR party", 7, "NEAR needs a distance, e.g. NEAR/5"),
    ("class NEAR/x party", 7, "NEAR needs a distance"),
    ("class NEAR/3", 7, "NEAR needs a term on its right"),
    ("colour:red class", 1, "unknown field 'colour'"),
    ("class within:sentence", 14, "within: takes p or doc"),
    ("class (state lang:fr)", 14, "lang: applies to the whole query"),
    ("class (state) party", 7, "two terms with no operator between them"),
    ("@state-capitalism class", 19, "two terms with no operator between them"),
    ("class year:1930-1920", 12, "bad year range"),
    ("class -", 7, "- must be followed by a word"),
    ("state lang:fr capitalism", 7, "a filter or -exclusion inside a phrase"),
    ("etat -councils state", 6, "a filter or -exclusion inside a phrase"),
    ("class OR *", 10, "matches every word"),
]


@pytest.mark.parametrize(("query", "column", "reason"), SYNTAX_ERRORS)
def test_syntax_errors_name_the_column_with_a_caret(query, column, reason):
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    first, shown, caret = str(info.value).split("\n")
    assert first.startswith(f"col {column}: ") and reason in first
    assert shown == f"  {query}"
    assert caret == "  " + " " * (column - 1) + "^"


@pytest.mark.parametrize(("query", "column", "reason"), SYNTAX_ERRORS[::3])
def test_cli_syntax_errors_exit_2(mini_index, query, column, reason):
    result = CliRunner().invoke(cli, ["kwic", query, "--index", str(mini_index)])
    assert result.exit_code == 2, result.output
    assert f"Error: col {column}: " in result.output and reason in result.output
    assert "Traceback" not in result.output


def test_cli_syntax_error_in_every_query_command(mini_index):
    for command in (["kwic"], ["search"], ["freq"], ["collocates"], ["kwic", "--explain"]):
        result = CliRunner().invoke(cli, [command[0], "(council OR", *command[1:], "--index", str(mini_index)])
        assert result.exit_code == 2 and "col 1: unbalanced parenthesis" in result.output, command


@pytest.mark.parametrize(("query", "column", "reason"), SYNTAX_ERRORS[1::3])
def test_web_syntax_errors_are_400_with_the_query_kept(mini_index, query, column, reason):
    from html import unescape

    from web.app import create_app

    app = create_app({"TESTING": True, "CONCORD_INDEX": str(mini_index)})
    try:
        client = app.test_client()
        response = client.get("/kwic", query_string={"q": query})
        assert response.status_code == 400
        html = unescape(response.get_data(as_text=True))
        assert f"col {column}: " in html and reason in html
        assert '<pre class="error-caret"' in html and f"  {query}\n  " + " " * (column - 1) + "^" in html
        assert f'value="{query}"' in html                        # the query stays in the form
        assert '<form class="query-form" action="/kwic"' in html  # of the same page
        data = client.get("/kwic.json", query_string={"q": query})
        assert data.status_code == 400 and data.get_json()["error"].startswith(f"col {column}: ")
    finally:
        app.extensions["concord_index"].close()


# --- accent-aware matching -------------------------------------------------------------------

@pytest.fixture(scope="module")
def acc_ix(tmp_path_factory):
    from concord.index import open_index
    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("accents") / "index"
    build_index(ACCENTS, target, procs=1)
    with open_index(target) as ix:
        yield ix


@pytest.mark.parametrize(("query", "mode", "expected"), [
    # German: Räte (p1), RÄTE and Räte (p2), Rate x3 (p3); English: rate x3.
    ("Räte", "default", 3), ("räte", "default", 3), ("RÄTE", "default", 3),
    ("rate", "default", 9), ("Rate", "default", 9), ("Räte", "fold", 9), ("rate", "fold", 9),
    ("Räte", "exact", 2), ("rate", "exact", 3), ("Rate", "exact", 3),
    # French: État, état (p1); ETAT, Etat (p2); ÉTAT, État, etat (p3).
    ("État", "default", 6), ("état", "default", 6), ("ÉTAT", "default", 6), ("etat", "default", 7),
    ("État", "fold", 7), ("État", "exact", 2), ("etat", "exact", 1),
    ("capitalisme d État", "default", 1), ("capitalisme d etat", "default", 1),
    # Russian: ёлку, елка, ЁЛКА; всё, все.
    ("ёлка", "default", 1), ("Ёлка", "default", 1), ("елка", "default", 2), ("ёлка", "fold", 2),
    ("ёлка", "exact", 0), ("всё", "default", 1), ("все", "default", 2), ("ёлк*", "default", 2),
    ("ёл?а", "default", 1),
    # Letters that folding turns into others count as letters with a diacritic: Polish
    # Łodzi, ŁODZI, Lodzi; pre-reform Russian Совѣтъ, Советы, совѣты (and советы in p1).
    ("Łodzi", "default", 2), ("łodzi", "default", 2), ("lodzi", "default", 3),
    ("Łodzi", "fold", 3), ("Łodzi", "exact", 1),
    ("совѣты", "default", 1), ("советы", "default", 3), ("совѣты", "fold", 3),
    ("совѣтъ", "default", 1), ("совет", "default", 1), ("рабочихъ", "default", 1),
    ("рабочих", "default", 2),
])
def test_accent_aware_counts(acc_ix, query, mode, expected):
    assert len(hits_of(acc_ix, query, mode)) == expected


def test_accent_aware_hits_are_the_spellings_typed(acc_ix):
    from concord.kwic import concordance

    def matches(query):
        return sorted(ln.match for ln in concordance(acc_ix, hits_of(acc_ix, query), limit=None)["lines"])

    assert matches("Räte") == ["RÄTE", "Räte", "Räte"]
    assert matches("État") == ["ETAT", "Etat", "ÉTAT", "État", "État", "état"]
    assert matches("ёлка") == ["ЁЛКА"]


def test_accent_rule_per_letter():
    assert accent_match("État", "Etat") and accent_match("État", "ETAT")      # unaccented capitals
    assert not accent_match("État", "etat")
    assert not accent_match("Räte", "RATE")      # umlauts are never dropped on capitals
    assert accent_match("Größe", "GRÖSSE") and accent_match("Größe", "grösse")
    assert not accent_match("Größe", "grosse")
    assert accent_match("łódź", "ŁÓDŹ") and not accent_match("łódź", "lodz")
    assert accent_match("lodz", "Łódź") and accent_match("Łodz", "Łódź") and not accent_match("Łodz", "Lodz")
    assert accent_match("é*", "États") and not accent_match("é*", "est")


def test_hits_spelled_as_typed(acc_ix):
    parsed = parse_query("Räte")
    hits = find_hits(acc_ix, parsed)
    assert count_as_typed(acc_ix, parsed, hits) == 2
    assert count_as_typed(acc_ix, parse_query("rate"), find_hits(acc_ix, parse_query("rate"))) is None
    assert count_as_typed(acc_ix, parsed, hits, mode="fold") is None


def test_cli_summary_says_how_many_were_spelled_as_typed(tmp_path):
    from concord.indexer import build_index

    build_index(ACCENTS, tmp_path / "ix", procs=1)
    out = CliRunner().invoke(cli, ["kwic", "État", "--index", str(tmp_path / "ix")]).output
    assert out.splitlines()[0] == "6 hits in 1 document, 2 spelled exactly as typed (showing 1-6)"
    out = CliRunner().invoke(cli, ["kwic", "État", "--count", "--format", "json",
                                   "--index", str(tmp_path / "ix")]).output
    assert out.strip() == '{"hits": 6, "docs": 1, "as_typed": 2}'
    out = CliRunner().invoke(cli, ["kwic", "Räte", "--explain", "--index", str(tmp_path / "ix")]).output
    assert "Räte -> Räte 2, RÄTE 1" in out


def test_concept_forms_match_folded_in_default_mode(mini_ix):
    assert len(hits_of(mini_ix, "@state-capitalism")) == len(hits_of(mini_ix, "@state-capitalism", "fold"))


def test_modes_are_one_vocabulary():
    from concord.query import MODE_HELP

    assert MODES == ("default", "fold", "exact", "stem", "lemma") and tuple(MODE_HELP) == MODES


# --- explain with the index -------------------------------------------------------------------

def test_explain_lists_forms_with_counts(mini_ix):
    report = explain(mini_ix, parse_query("council* AND state"))
    (council, state) = report["leaves"]
    assert council["hits"] == len(hits_of(mini_ix, "council*"))
    assert council["slots"][0]["forms"] == [["councils", 3], ["council", 2]]
    assert state["slots"][0]["forms"] == [["state", 2]]
    assert "A AND B: the hits of A and the hits of B, in paragraphs that contain both" in report["rules"]
    capped = explain(mini_ix, parse_query("council*"), max_forms=1)["leaves"][0]["slots"][0]
    assert capped["forms"] == [["councils", 3]] and capped["more"] == 1


def test_cli_explain_shows_tree_rules_and_forms(mini_index):
    out = CliRunner().invoke(cli, ["kwic", "council* OR state", "--explain", "--index", str(mini_index)]).output
    assert "parse tree:\n  OR\n    word council*\n    word state" in out
    assert "council* -> councils 3, council 2" in out
    assert "A OR B (or A | B): the hits of both counted together" in out


def test_near_hits_are_sorted_and_within_documents(mini_ix):
    hits = hits_of(mini_ix, "the NEAR/6 the")
    assert np.all(np.diff(hits.starts) >= 0)
    assert np.all(mini_ix.store.doc_of(hits.starts + hits.lengths - 1) == hits.docs)


def test_or_keeps_every_pair_of_a_proximity_side(mini_ix):
    near = spans(hits_of(mini_ix, "the NEAR/6 council"))
    assert len({s for s, _ in near}) < len(near)          # some pairs share their first token
    with_or = spans(hits_of(mini_ix, "(the NEAR/6 council) OR staatskapitalismus"))
    assert with_or == near | spans(hits_of(mini_ix, "staatskapitalismus"))
    # Phrase patterns that start at one token: one hit, the longest (as for | alternatives).
    assert spans(hits_of(mini_ix, "the OR the council")) == (
        spans(hits_of(mini_ix, "the")) - {(s, 1) for s, _ in spans(hits_of(mini_ix, "the council"))}
    ) | spans(hits_of(mini_ix, "the council"))


def test_every_query_of_the_readme_syntax_table_parses():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    table = readme.split("## Query syntax", 1)[1].split("The rules, exactly", 1)[0]
    queries = [q.replace("\\|", "|") for row in table.splitlines()[2:] if row.startswith("| `")
               for q in re.findall(r"`([^`]+)`", row.split(" | ")[0])]
    assert len(queries) >= 15 and "bourgeoisie NOT proletariat" in queries
    for query in queries:
        parse_query(f"etat {query}" if query.startswith("lang:") else query)   # filters need a word


def test_a_concepts_exclusions_cancel_overlapping_hits(mini_ix):
    from concord.concepts import Concept

    registry = {"x": Concept("x", "x", "", {"en": ("council*",)}, exclude={"en": ("the council",)})}
    parsed = parse_query("@x", registry=registry)
    assert parsed.tree.cancel == (Alternative(("the", "council"), "en", "@x exclude"),)
    assert "less the hits that overlap a hit of:" in parsed.explain()
    kept = spans(find_hits(mini_ix, parsed))
    everything = spans(hits_of(mini_ix, "council* lang:en"))
    inside = {(s + 1, 1) for s, _ in spans(hits_of(mini_ix, "the council"))}
    # councils x3, council x2; the two "the council" cancel their council
    assert len(everything) == 5 and inside <= everything and kept == everything - inside


# --- a phrase lies in one paragraph -----------------------------------------------------------

def test_a_phrase_does_not_cross_a_paragraph_end(tmp_path):
    """Hand-counted: "of the" twice inside the second paragraph ("of. The" and "of the"),
    and once more across the paragraph end ("of." / "The"), which is not a phrase."""
    import json

    from concord.index import open_index
    from concord.indexer import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("We spoke of.\n\nThe council met. Talk of. The state of the union.\n",
                                  encoding="utf-8")
    build_index(corpus, tmp_path / "ix", procs=1)
    with open_index(tmp_path / "ix") as ix:
        assert len(hits_of(ix, "of the")) == 2
        assert len(hits_of(ix, '"of the"')) == 2
        assert len(hits_of(ix, '"of the"~0')) == 2       # every phrase hit is a proximity hit
        assert len(hits_of(ix, "of NEAR/0 the")) == 2
        # CQL follows CQP: a sequence crosses paragraphs unless it says within p.
        assert len(hits_of(ix, '[word="of"%c] [word="the"%c]')) == 3
        assert len(hits_of(ix, '[word="of"%c] [word="the"%c] within p')) == 2
    result = CliRunner().invoke(cli, ["ngrams", "2", "--index", str(tmp_path / "ix"),
                                      "--min-freq", "1", "--limit", "0", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert [r["frequency"] for r in rows if r["ngram"].lower() == "of the"] == [2]
