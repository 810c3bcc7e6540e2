"""CQL and lemmas on tests/data/cql: three hand-countable documents (de, en, fr).

de (3 paragraphs): "Rat" 3, "Räte" 2, "Rates" 1 (lemma Rat), "rieten" (lemma raten);
en (2): "council" 2, "councils" 2, "rate" 1, "rates" 1; fr (2): "conseils ouvriers",
"conseil ouvrier", "Conseil des ouvriers", "État", "etat".
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import numpy as np
import pytest

from concord import hits as hits_mod
from concord.analysis import token_spans
from concord.concepts import Concept
from concord.cql import CqlQuery, explain_cql, find_cql_hits, parse_cql
from concord.errors import OptionError, QuerySyntaxError
from concord.hits import find_hits
from concord.query import parse_query

CQL_CORPUS = Path(__file__).parent / "data" / "cql"


@pytest.fixture(scope="module")
def cql_index(tmp_path_factory) -> Path:
    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("cql") / "index"
    build_index(CQL_CORPUS, target, procs=1)
    return target


@pytest.fixture()
def ix(cql_index):
    from concord.index import open_index

    with open_index(cql_index) as index:
        yield index


def words(ix, hs) -> list[str]:
    s = ix.store
    return [" ".join(s.surfaces[int(i)] for i in s.surf[a:a + n])
            for a, n in zip(hs.starts.tolist(), hs.lengths.tolist(), strict=True)]


def cql(ix, text, **kw):
    return find_hits(ix, parse_query(text, registry=kw.pop("registry", None)), **kw)


def brute_tokens(ix):
    """(surface, doc, paragraph) of every token, from the stored texts (not the store's ids)."""
    s = ix.store
    out = []
    for d in range(len(s.docs)):
        for p, para in enumerate(s.doc_paragraphs(d)):
            for word, _a, _b in token_spans(para["text"]):
                out.append((word, d, (d, p), para["lang"]))
    return out


def test_fixture_languages(ix):
    s = ix.store
    assert [s.langs[i] for i in s.para_lang.tolist()] == ["de", "de", "de", "en", "en", "fr", "fr"]


def test_parse_dispatch_and_interface():
    q = parse_query('[word="Rat"]')
    assert isinstance(q, CqlQuery)
    assert q.alternatives == () and q.exclude == () and q.filters.is_empty()
    assert q.expansion() == 'CQL [word="Rat"] within doc'
    assert parse_cql('"a" []{0,3} "b" within p').within == "p"
    assert "stop at 10 tokens" in parse_cql('"a" []* "b"').explain()


def test_sequence_equals_phrase(ix):
    seq = cql(ix, '[word="der"%cd] [word="arbeiter"%cd]')
    phrase = find_hits(ix, parse_query("der arbeiter"))
    assert len(seq) == 3
    assert seq.starts.tolist() == phrase.starts.tolist()
    assert seq.lengths.tolist() == phrase.lengths.tolist() == [2] * 3


def test_regex_equals_wildcard(ix):
    rx = cql(ix, '[word="council.*"%cd]')
    wild = find_hits(ix, parse_query("council*"))
    assert len(rx) == 4
    assert rx.starts.tolist() == wild.starts.tolist()


def test_bare_string_is_word(ix):
    hs = cql(ix, '[word="Räte"] "der"')
    assert words(ix, hs) == ["Räte der"]
    assert hs.starts.tolist() == cql(ix, '[word="Räte"] [word="der"]').starts.tolist()
    assert len(cql(ix, '[word="Rat"] | "Räte"')) == 5   # a query starting with [ is CQL


def test_lemma_in_german_paragraphs(ix):
    hs = cql(ix, '[lemma="rat"]')
    assert sorted(words(ix, hs)) == ["Rat", "Rat", "Rat", "Rates", "Räte", "Räte"]
    assert set(ix.store.lang_of(hs.starts).tolist()) == {ix.store.lang_ids["de"]}
    assert len(cql(ix, '[lemma="RAT"]')) == 6            # lemmas are folded
    assert len(cql(ix, '[lemma="rat" & lang="en"]')) == 0
    assert words(ix, cql(ix, '[lemma="raten"]')) == ["rieten"]
    assert sorted(words(ix, cql(ix, '[lemma="rate"]'))) == ["rate", "rates"]   # en only


def test_lemma_sequence_french(ix):
    hs = cql(ix, '[lemma="conseil"] [lemma="ouvrier"]')
    assert words(ix, hs) == ["conseils ouvriers", "conseil ouvrier"]


def test_flags_case_and_diacritics(ix):
    assert len(cql(ix, '[word="räte"]')) == 0
    assert words(ix, cql(ix, '[word="räte"%c]')) == ["Räte", "Räte"]
    assert words(ix, cql(ix, '[word="Rate"%d]')) == ["Räte", "Räte"]
    assert words(ix, cql(ix, '[word="rate"%cd]')) == ["Räte", "Räte", "rate"]
    assert words(ix, cql(ix, '[word="etat"]')) == ["etat"]
    assert words(ix, cql(ix, '[word="etat"%d]')) == ["etat"]          # État is Etat: case counts
    assert words(ix, cql(ix, '[word="etat"%cd]')) == ["État", "etat"]
    assert words(ix, cql(ix, '[word="ÉTAT"%c]')) == ["État"]


def test_boolean_constraints(ix):
    assert len(cql(ix, '[lemma="council" & word!="councils"]')) == 2
    assert len(cql(ix, '[word="council" | word="councils"]')) == 4
    assert len(cql(ix, '[!(word!="Rat")]')) == 3
    toks = brute_tokens(ix)
    articles = {"Der", "Die", "der", "des", "die"}           # simplemma: lemma "der"
    expected = [w for w, _d, _p, lang in toks if lang == "de" and w not in articles]
    assert words(ix, cql(ix, '[lang="de" & !lemma="der"]')) == expected
    assert len(expected) == 55 - 11


@pytest.mark.parametrize("within", ["doc", "p"])
@pytest.mark.parametrize("first,last,lo,hi", [
    ("der", "Arbeiter", 0, 3), ("die", "Arbeiter", 0, 10), ("the", "workers", 1, 4),
    ("Die", "Räte", 0, 1), ("voll", "Räte", 0, 2)])
def test_gaps_against_brute_force(ix, within, first, last, lo, hi):
    toks = brute_tokens(ix)
    region = 1 if within == "doc" else 2
    expected = set()
    for i, t in enumerate(toks):
        if t[0] != first:
            continue
        for gap in range(lo, hi + 1):
            j = i + gap + 1
            if j < len(toks) and toks[j][0] == last and toks[j][region] == t[region]:
                expected.add((i, j + 1))
    hs = cql(ix, f'[word="{first}"] []{{{lo},{hi}}} [word="{last}"] within {within}')
    got = set(zip(hs.starts.tolist(), (hs.starts + hs.lengths).tolist(), strict=True))
    assert got == expected
    assert hs.starts.tolist() == sorted(hs.starts.tolist())


def test_hand_counted_gaps(ix):
    assert len(cql(ix, '[word="der"] []{0,3} [word="Arbeiter"]')) == 3
    assert len(cql(ix, '[word="der"%c] []{0,3} [word="Arbeiter"]')) == 4
    # "voll. / Die Räte": across a paragraph boundary only within doc
    assert words(ix, cql(ix, '[word="voll"] [word="Die"]')) == ["voll Die"]
    assert len(cql(ix, '[word="voll"] [word="Die"] within p')) == 0


def test_repetitions(ix):
    assert words(ix, cql(ix, '[word="Die"] []{1,2} within doc')) == [
        "Die Räte", "Die Räte der", "Die Arbeiter", "Die Arbeiter gaben"]
    assert words(ix, cql(ix, '[word="Rat"]? [word="der"]')) == ["Rat der", "der", "der", "der", "der"]
    assert len(cql(ix, '[word="der"] [word="Arbeiter"]+')) == 3
    assert words(ix, cql(ix, '[word="d.*"%c] ([word="Rat"] | [word="Räte"]) [word="der"]')) == [
        "Der Rat der", "Die Räte der"]
    assert words(ix, cql(ix, '[word="der"] ([word="Arbeiter"] [word="und"] | [word="Staat"])')) == [
        "der Arbeiter und", "der Staat"]


def test_concept_in_sequence(ix):
    registry = {"raete": Concept("raete", "Räte", "", {"de": ("Rat", "Räte"), "en": ("council",),
                                                      "fr": ("conseil ouvrier",)})}
    assert words(ix, cql(ix, '[word="the"%c] @raete', registry=registry)) == ["the council", "the council"]
    assert words(ix, cql(ix, '[word="die"%c] @raete', registry=registry)) == ["Die Räte"]
    assert words(ix, cql(ix, '[word="Le"] @raete [word="de"]', registry=registry)) == [
        "Le conseil ouvrier de"]
    q = parse_cql("[] @raete", registry=registry)
    assert q.concepts == ("raete",)


def test_filters(ix):
    from concord.query import Filters

    assert len(cql(ix, '[word="the"%c]', filters=Filters(langs=("de",)))) == 0
    assert len(cql(ix, '[word="der"%c]', filters=Filters(groups=("KAPD",)))) == 5
    assert len(cql(ix, '[word="der"%c]', filters=Filters(groups=("GIC",)))) == 0


@pytest.mark.parametrize("query,column,reason", [
    ('[word="x"', 1, "this [ is never closed"),
    ('[word="x"]]', 11, "this ] has no ["),
    ('[word="y"] ([word="x"]', 12, "this ( is never closed"),
    ('[word="x"])', 11, "this ) has no ("),
    ('[word="x]', 7, 'this " is never closed'),
    ('[word=""]', 7, "empty regular expression"),
    ('[word="("]', 9, "invalid regular expression"),
    ('[foo="x"]', 2, "unknown attribute 'foo'"),
    ('[word="x" &]', 12, "] needs a condition"),
    ('[word="x"] |', 12, "| must be followed"),
    ('[word="x"]{2,1}', 11, "1 is less than 2"),
    ('[word="x"]{11}', 11, "the limit is 10"),
    ('[word="x"]{a}', 11, "bad repetition"),
    ('[word="x"%q]', 10, "unknown flag"),
    ('[word "x"]', 7, "expected = or !="),
    ('[word=x]', 7, "quoted regular expression"),
    ('[word="x"] within q', 19, "use within p"),
    ('[word="x"] within', 18, "within must be followed"),
    ('[word="x"] foo', 12, "must be quoted"),
    ('[word="x"] (?)', 13, "must follow a token pattern"),
    ('[word="x"]?+', 12, "cannot be repeated"),
    ('["x"]', 2, "needs an attribute"),
])
def test_syntax_errors_name_the_column(query, column, reason):
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    message = str(info.value)
    first, line, caret = message.split("\n")
    assert first.startswith(f"col {column}: ") and reason in first
    assert line == "  " + query
    assert caret == "  " + " " * (column - 1) + "^"


@pytest.mark.parametrize("query", ["[]", "[]{1,3}", '[word="x"]?', '[word="x"]*'])
def test_query_needs_a_mandatory_token(query):
    with pytest.raises(QuerySyntaxError, match="at least one token"):
        parse_query(query)


def test_regex_too_broad(ix, monkeypatch):
    monkeypatch.setattr(hits_mod, "MAX_EXPANSION", 5)
    with pytest.raises(OptionError, match=r'word="d\.\*"%c matches 7 different forms \(the limit is 5\)'):
        cql(ix, '[word="d.*"%c]')
    with pytest.raises(OptionError, match=r"matches \d+ different lemmas"):
        cql(ix, '[lemma=".*"]')
    assert len(cql(ix, '[word="Rat.*"]')) == 4


def test_mode_does_not_apply(ix):
    with pytest.raises(OptionError, match="does not apply to CQL"):
        cql(ix, '[word="Rat"]', mode="stem")


def test_explain_lists_forms_with_counts(ix):
    report = explain_cql(ix, parse_cql('[lemma="rat"] [word="d.*"%c]'))
    forms = {leaf["leaf"]: leaf["slots"][0]["forms"] for leaf in report["leaves"]}
    assert forms['lemma="rat"'] == [("Rat", 3), ("Räte", 2), ("Rates", 1)]
    assert dict(forms['word="d.*"%c']) == {"de": 4, "der": 4, "die": 3, "Die": 2, "des": 2, "Der": 1,
                                           "did": 1}
    assert [leaf["hits"] for leaf in report["leaves"]] == [6, 17]


# --- lemma mode and the tables ----------------------------------------------------------

def test_lemma_mode_simple_syntax(ix):
    hs = find_hits(ix, parse_query("Rat"), mode="lemma")
    assert sorted(words(ix, hs)) == ["Rat", "Rat", "Rat", "Rates", "Räte", "Räte"]
    hs = find_hits(ix, parse_query("conseil ouvrier"), mode="lemma")
    assert words(ix, hs) == ["conseils ouvriers", "conseil ouvrier"]
    assert words(ix, find_hits(ix, parse_query("conseil ouvrier"))) == ["conseil ouvrier"]
    # a form that is not in the corpus is lemmatised by simplemma
    assert len(find_hits(ix, parse_query("Räten"), mode="lemma")) == 6
    # ... only where simplemma knows it: "Räte" is no English word, so no "rate"
    assert len(find_hits(ix, parse_query("Räte"), mode="lemma")) == 6
    # lemmas are folded: "Rät" (simplemma: lemma "Rät") shares the folded lemma "rat"
    assert len(find_hits(ix, parse_query("Rät"), mode="lemma")) == 6
    assert sorted(words(ix, find_hits(ix, parse_query("Councils"), mode="lemma"))) == [
        "council", "council", "councils", "councils"]


def test_lemma_mode_equals_cql_lemma(ix):
    assert (find_hits(ix, parse_query("Räte"), mode="lemma").starts.tolist()
            == find_cql_hits(ix, parse_cql('[lemma="rat"]')).starts.tolist())


def test_stem_mode_reads_tables_and_never_writes(ix):
    before = sorted(p.name for p in ix.store.path.iterdir())
    hs = find_hits(ix, parse_query("councils"), mode="stem")
    assert sorted(words(ix, hs)) == ["council", "council", "councils", "councils"]
    assert sorted(p.name for p in ix.store.path.iterdir()) == before


def test_incremental_update_equals_fresh_build_with_tables(tmp_path):
    from concord.index import read_current
    from concord.indexer import build_index

    corpus = tmp_path / "corpus"
    shutil.copytree(CQL_CORPUS, corpus)
    inc = tmp_path / "inc"
    build_index(corpus, inc, procs=2)      # languages lemmatised in two processes
    de = corpus / "de" / "1919-raete.txt"
    de.write_text(de.read_text("utf-8") + "\nDie Arbeiterräte und die Räte der Soldaten.\n", "utf-8")
    (corpus / "en" / "1920-councils.txt").unlink()
    report = build_index(corpus, inc, procs=2)
    assert (report.changed, report.deleted) == (1, 1)
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, procs=1)
    a = inc / read_current(inc) / "store"
    b = fresh / read_current(fresh) / "store"
    names = sorted(p.name for p in b.iterdir() if p.name.startswith(("lemma", "stem", "surface_fold",
                                                                     "tables")))
    assert "lemma-de.npy" in names and "lemma-en.npy" not in names
    assert names == sorted(p.name for p in a.iterdir() if p.name.startswith(
        ("lemma", "stem", "surface_fold", "tables")))
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == []
    from concord.index import open_index

    with open_index(inc) as ix:
        assert len(find_cql_hits(ix, parse_cql('[lemma="rat"]'))) == 7   # one more "Räte"


def test_cli_cql_and_lemma_mode(cql_index):
    from click.testing import CliRunner

    from concord.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["kwic", '[lemma="rat"] [word="der"]', "--index", str(cql_index),
                                  "--count"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.split()[0] == "2"
    result = runner.invoke(main, ["kwic", "Rat", "--mode", "lemma", "--index", str(cql_index), "--count"],
                           catch_exceptions=False)
    assert result.exit_code == 0 and result.output.split()[0] == "6"
    result = runner.invoke(main, ["kwic", '[word="x"', "--index", str(cql_index)], catch_exceptions=False)
    assert result.exit_code != 0 and "never closed" in result.output


def test_readme_cql_examples_have_hits(sample_index):
    """Every query of the README's CQL table runs on the shipped corpus and has hits."""
    import re

    from concord.index import open_index

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    table = readme.split("### CQL", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    queries = [q.replace("\\|", "|") for row in table.splitlines()[2:]
               for q in re.findall(r"`([^`]+)`", row.split(" | ")[0])]
    assert len(queries) >= 14
    with open_index(sample_index) as ix:
        for q in queries:
            assert q.startswith("[")
            assert len(find_hits(ix, parse_query(q))) > 0, q


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "shared" / "corpus").is_dir(),
                    reason="../shared/corpus is not present")
def test_shared_lemma_rat_against_simplemma_per_token(shared_index):
    """[lemma="rat" & lang="de"] on ../shared/corpus equals lemmatising every German token
    whose folded form starts with "ra" one by one with simplemma (not through the tables)."""
    import simplemma

    from concord.analysis import fold
    from concord.index import open_index

    with open_index(shared_index) as ix:
        s = ix.store
        de = s.lang_ids["de"]
        positions = np.flatnonzero(s.lang_of(np.arange(s.n_tokens)) == de)
        surf = np.asarray(s.surf)[positions]
        expected = 0
        for sid, n in zip(*np.unique(surf, return_counts=True), strict=True):
            word = s.surfaces[int(sid)]
            if fold(word).startswith("ra") and fold(simplemma.lemmatize(word, lang="de")) == "rat":
                expected += int(n)
        hits = find_hits(ix, parse_query('[lemma="rat" & lang="de"]'))
        assert expected > 50
        assert len(hits) == expected
        assert len(find_hits(ix, parse_query("Rat lang:de"), mode="lemma")) == expected
