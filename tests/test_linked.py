"""From a number to exactly its lines: line filters, collocate windows, spellings, group/sort.

Counts are checked by hand on the mini corpus and against brute-force loops on the sample
corpus: the lines behind a collocate, a word-list form, an n-gram, a keyword or a matched
form are exactly as many as the number in the table.
"""

from __future__ import annotations

import numpy as np
import pytest

from concord.errors import OptionError
from concord.hits import find_hits
from concord.index import open_index
from concord.linefilters import ContextFilter, context_filter, context_window, filter_lines
from concord.query import Filters, parse_query
from concord.reports import (
    CollocateOptions,
    Context,
    KeywordOptions,
    KwicOptions,
    LineFilters,
    NgramOptions,
    Paging,
    Scope,
    WordlistOptions,
    collocates_report,
    keywords_report,
    kwic_count_report,
    kwic_report,
    ngrams_report,
    wordlist_report,
)
from concord.stats import collocates, freq, ngrams, wordlist


@pytest.fixture(scope="module")
def sample(sample_index):
    with open_index(sample_index) as ix:
        yield ix


def lines(ix, q, mode="default", filters=None, **line):
    """How many KWIC lines (and context words) a query with line filters gives."""
    report = kwic_report(Context(ix), Scope(q, mode, filters or Filters()),
                         KwicOptions(paging=Paging(limit=1), lines=LineFilters(**line)))
    return report.head["hits"], report.head.get("context_hits")


def brute_context(ix, hits, word_ids, units, left, right):
    """Per hit: the context positions holding a wanted id (a plain loop, no numpy tricks)."""
    store = ix.store
    node = set()
    for s, n in zip(hits.starts.tolist(), hits.lengths.tolist(), strict=True):
        node.update(range(s, s + n))
    wanted = set(int(i) for i in word_ids)
    found = []
    for s, n, d in zip(hits.starts.tolist(), hits.lengths.tolist(), hits.docs.tolist(), strict=True):
        lo, hi = int(store.doc_tok[d]), int(store.doc_tok[d + 1])
        window = [p for p in range(s - left, s) if p >= lo] + [
            p for p in range(s + n, s + n + right) if p < hi]
        found.append({p for p in window if p not in node and int(units[p]) in wanted})
    return found


# --- context filters -------------------------------------------------------------------------

def test_context_filter_by_hand(mini_ix):
    # "The council of the workers met." / "the council decided": R1 of, decided; L1 The, the.
    hits = find_hits(mini_ix, parse_query("council"))
    assert len(hits) == 2
    kept = filter_lines(mini_ix, hits, [ContextFilter("decided", 0, 1)])
    assert len(kept.hits) == 1 and kept.context_hits == 1
    assert len(filter_lines(mini_ix, hits, [ContextFilter("decided", 1, 0)]).hits) == 0
    assert len(filter_lines(mini_ix, hits, [ContextFilter("decided", 0, 1, lacks=True)]).hits) == 1
    # "the" (any case) is L1 of both; the context word is folded: THE, The, the.
    assert filter_lines(mini_ix, hits, [ContextFilter("THE", 1, 0)]).context_hits == 2
    # As written (exact mode) only "the" is L1 of "the council decided".
    assert filter_lines(mini_ix, hits, [ContextFilter("the", 1, 0)], exact=True).context_hits == 1
    assert filter_lines(mini_ix, hits, [ContextFilter("dec*", 0, 3)]).context_hits == 1


def test_context_filter_matches_a_brute_force_count(sample):
    store = sample.store
    hits = find_hits(sample, parse_query("bourgeoisie"), filters=Filters(langs=("en",)))
    for word, left, right in (("proletariat", 5, 5), ("the", 3, 0), ("modern", 0, 4)):
        ids = [store.vocab.index(word)]
        found = brute_context(sample, hits, ids, store.tok, left, right)
        has = filter_lines(sample, hits, [ContextFilter(word, left, right)])
        assert len(has.hits) == sum(1 for f in found if f)
        assert has.context_hits == len(set().union(*found))
        lacks = filter_lines(sample, hits, [ContextFilter(word, left, right, lacks=True)])
        assert len(lacks.hits) + len(has.hits) == len(hits)


def test_context_words_are_marked_in_the_lines(sample):
    report = kwic_report(Context(sample), Scope("bourgeoisie", filters=Filters(langs=("en",))),
                         KwicOptions(width=6, paging=Paging(all=True),
                                     lines=LineFilters(context=(ContextFilter("proletariat", 6, 6),))))
    rows = list(report.rows)
    assert len(rows) == report.head["hits"] > 0
    marked = 0
    for row in rows:
        spans = [row["left"][a:b] for a, b in row["left_marks"]] + [
            row["right"][a:b] for a, b in row["right_marks"]]
        assert spans and all(s.lower() == "proletariat" for s in spans)
        marked += len(spans)
    assert marked >= report.head["context_hits"]


def test_context_options_are_checked():
    assert context_window("4") == (4, 4)
    assert context_window("3,0") == (3, 0)
    assert context_window("4", "left") == (4, 0)
    assert context_window(None, "right") == (0, 5)
    for bad in ("0", "x", "51", "3,1,2", "-1"):
        with pytest.raises(OptionError):
            context_window(bad)
    with pytest.raises(OptionError):
        context_window("3,2", "left")
    with pytest.raises(OptionError):
        context_filter("two words")
    with pytest.raises(OptionError):
        context_window("3", "up")


# --- collocates: the number and its lines ---------------------------------------------------

@pytest.mark.parametrize(("query", "window", "mode"), [
    ("bourgeoisie", (5, 5), "default"), ("class", (3, 2), "default"),
    ("@bourgeoisie", (4, 4), "default"), ("bourgeoisie", (2, 3), "exact")])
def test_each_collocate_opens_exactly_its_lines(sample, query, window, mode):
    ctx = Context(sample)
    report = collocates_report(ctx, Scope(query, mode), CollocateOptions(
        window=window, min_freq=2, paging=Paging(limit=12)))
    rows = list(report.rows)
    assert rows
    for row in rows:
        filters = Filters(langs=(row["lang"],)) if "lang" in row else Filters()
        n_lines, n_words = lines(sample, query, mode, filters,
                                 context=(ContextFilter(row["key"], *window),))
        assert (n_lines, n_words) == (row["lines"], row["cooccurrences"]), row


def test_collocate_lines_against_a_brute_force_count(sample):
    store = sample.store
    rows = collocates(sample, parse_query("bourgeoisie"), window=(3, 3), min_freq=2,
                      by_lang=True, limit=5)
    for row in rows:
        hits = find_hits(sample, parse_query("bourgeoisie"), filters=Filters(langs=(row["lang"],)))
        found = brute_context(sample, hits, [store.vocab.index(row["key"])], store.tok, 3, 3)
        assert row["lines"] == sum(1 for f in found if f)
        assert row["cooccurrences"] == len(set().union(*found))


def test_collocates_of_a_word_in_several_languages_are_per_language(sample):
    report = collocates_report(Context(sample), Scope("bourgeoisie"), CollocateOptions(min_freq=2))
    assert report.head["by_lang"] is True and report.columns[0] == "lang"
    assert {r["lang"] for r in report.rows} >= {"en", "fr", "de"}
    en_only = collocates_report(Context(sample), Scope("bourgeoisie", filters=Filters(langs=("en",))),
                                CollocateOptions(min_freq=2))
    assert en_only.head["by_lang"] is False and "lang" not in en_only.columns


def test_only_positive_collocates_unless_asked(sample):
    kwargs = dict(window=(5, 5), min_freq=1, drop_stopwords=False, measure="ll", limit=None,
                  by_lang=False, filters=Filters(langs=("en",)))
    positive = collocates(sample, parse_query("bourgeoisie"), **kwargs)
    every = collocates(sample, parse_query("bourgeoisie"), include_negative=True, **kwargs)
    kept = {r["key"] for r in positive}
    hidden = [r for r in every if r["key"] not in kept]
    assert hidden and min(r["ll"] for r in hidden) < 0
    assert all(r["ll"] <= 0 for r in hidden) and all(r["ll"] >= 0 for r in positive)
    assert len(every) == len(positive) + len(hidden)
    # Hidden: seen no more often than expected (window slots x corpus frequency / tokens).
    hits = find_hits(sample, parse_query("bourgeoisie"), filters=Filters(langs=("en",)))
    from concord.linefilters import window_pairs
    from concord.stats import subcorpus_positions

    slots = np.unique(window_pairs(sample, hits, 5, 5)[1]).size
    n = subcorpus_positions(sample, Filters(langs=("en",))).size
    for r in hidden:
        assert r["cooccurrences"] <= slots * r["frequency"] / n


# --- word lists, n-grams, keywords: real spellings and their lines --------------------------

def test_word_list_shows_real_spellings(sample):
    rows = {r["key"]: r for r in wordlist(sample, filters=Filters(langs=("de",)))}
    # daß is written so 27 times in the German text (never "dass"): shown as written.
    assert (rows["dass"]["form"], rows["dass"]["frequency"]) == ("daß", 27)
    assert rows["grossen"]["form"] == "großen"
    exact = {r["form"]: r for r in wordlist(sample, filters=Filters(langs=("de",)), mode="exact")}
    assert exact["daß"]["key"] == "daß" and "dass" not in exact


def test_exact_mode_lists_each_spelling(mini_ix):
    rows = wordlist(mini_ix, filters=Filters(langs=("en",)), mode="exact")
    got = {r["form"]: r["frequency"] for r in rows}
    assert (got["The"], got["the"]) == (5, 4)       # hand-counted in tests/data/mini/en
    assert sum(got.values()) == 46
    with pytest.raises(OptionError):
        wordlist(mini_ix, mode="stem")


@pytest.mark.parametrize("mode", ["default", "exact"])
def test_word_list_numbers_are_their_lines(sample, mode):
    filters = Filters(langs=("fr",))
    report = wordlist_report(Context(sample), Scope(mode=mode, filters=filters),
                             WordlistOptions(paging=Paging(limit=400)))
    rows = list(report.rows)
    for row in rows[:6] + rows[150:153] + rows[-3:]:
        q = f'[word="{row["key"]}"{"" if mode == "exact" else "%cd"}]'
        assert lines(sample, q, filters=filters)[0] == row["frequency"], row


def test_ngram_numbers_are_their_lines(sample):
    filters = Filters(langs=("en",))
    rows = ngrams(sample, 3, filters=filters, min_freq=2, limit=8)
    assert rows
    for row in rows:
        q = " ".join(f'[word="{k}"%cd]' for k in row["key"].split()) + " within p"
        assert lines(sample, q, filters=filters)[0] == row["frequency"], row
    shown = ngrams_report(Context(sample), Scope(mode="exact", filters=filters),
                          NgramOptions(n=2, paging=Paging(limit=3)))
    assert all(r["ngram"] == r["key"] for r in shown.rows)


def test_keywords_open_their_lines_in_the_target_and_give_sizes(sample, mini_ix):
    target, reference = Filters(langs=("fr",)), Filters(langs=("en",))
    report = keywords_report(Context(sample), KeywordOptions(
        target="lang:fr", reference="lang:en", target_filters=target,
        reference_filters=reference, paging=Paging(limit=10)))
    for row in report.rows:
        q = f'[word="{row["key"]}"%cd]'
        assert lines(sample, q, filters=target)[0] == row["target"]
        assert lines(sample, q, filters=reference)[0] == row["reference"]
    sizes = keywords_report(Context(mini_ix), KeywordOptions(
        target="lang:en", reference="lang:fr", target_filters=Filters(langs=("en",)),
        reference_filters=Filters(langs=("fr",)), min_freq=1)).head
    # Hand-counted (tests/test_stats.py): 46 English tokens in one document; French: 24 in
    # the English document and 41 in the French one.
    assert sizes["target_size"] == {"tokens": 46, "documents": 1}
    assert sizes["reference_size"] == {"tokens": 65, "documents": 2}


# --- matched forms and freq cells ------------------------------------------------------------

def test_form_filter_gives_the_hits_of_each_written_form(sample):
    parsed = parse_query("@bourgeoisie")
    rows = freq(sample, [("@bourgeoisie", parsed)], by=("lang", "form"))
    assert len(rows) > 3
    for row in rows:
        got = lines(sample, "@bourgeoisie", filters=Filters(langs=(row["lang"],)), form=row["form"])
        assert got[0] == row["hits"], row
    assert lines(sample, "@bourgeoisie", form="no such form")[0] == 0
    count = kwic_count_report(Context(sample), Scope("@bourgeoisie"),
                              LineFilters(form=rows[0]["form"]))
    assert count.head["hits"] == sum(r["hits"] for r in rows if r["form"] == rows[0]["form"])


# --- group and sort by metadata ---------------------------------------------------------------

def test_group_lines_by_a_metadata_field(sample):
    ctx = Context(sample)
    by_lang = {r["lang"]: r["hits"] for r in freq(sample, [("class", parse_query("class"))],
                                                   by=("lang",)) if r["hits"]}
    report = kwic_report(ctx, Scope("class"), KwicOptions(group="lang", paging=Paging(all=True)))
    assert {g["value"]: g["hits"] for g in report.head["groups"]} == by_lang
    langs = [r["lang"] for r in report.rows]
    assert langs == sorted(langs)
    work = kwic_report(ctx, Scope("class"), KwicOptions(group="work", paging=Paging(limit=500)))
    assert "work" in work.columns and all("work" in r for r in work.rows)
    assert sum(g["hits"] for g in work.head["groups"]) == work.head["hits"]
    titles = [r["title"].casefold() for r in kwic_report(
        ctx, Scope("class"), KwicOptions(sort=("title",), paging=Paging(all=True))).rows]
    assert titles == sorted(titles)
    newest = kwic_report(ctx, Scope("class"), KwicOptions(group="year", sort=("-year", "R1"),
                                                           paging=Paging(all=True)))
    assert newest.head["sort"] == "-year,R1"
    values = [g["value"] for g in newest.head["groups"]]
    assert values == sorted(values, reverse=True)
    years = [r["year"] for r in newest.rows]
    assert years == sorted(years, reverse=True) and len(years) == newest.head["hits"]
    sampled = kwic_report(ctx, Scope("class"), KwicOptions(group="year", sample=20, seed=3,
                                                            paging=Paging(all=True)))
    years = [r["year"] for r in sampled.rows]
    assert {g["value"]: g["hits"] for g in sampled.head["groups"]} == {
        y: years.count(y) for y in years}
    with pytest.raises(OptionError):
        kwic_report(ctx, Scope("class"), KwicOptions(group="colour"))


def test_context_filter_in_count_reports(sample):
    ctx = Context(sample)
    total = kwic_count_report(ctx, Scope("bourgeoisie")).head["hits"]
    has = kwic_count_report(ctx, Scope("bourgeoisie"),
                            LineFilters(context=(ContextFilter("proletariat", 5, 5),))).head["hits"]
    lacks = kwic_count_report(ctx, Scope("bourgeoisie"), LineFilters(
        context=(ContextFilter("proletariat", 5, 5, lacks=True),))).head["hits"]
    assert 0 < has < total and has + lacks == total


def test_spelling_table_is_the_most_frequent_spelling(sample):
    from concord.stats import spelling_ids

    store = sample.store
    display = spelling_ids(sample)
    surf, tok = np.asarray(store.surf), np.asarray(store.tok)
    for key in ("dass", "etat", "proletariat", "the", "klasse"):
        fid = store.vocab.index(key)
        counts = np.bincount(surf[tok == fid])
        assert counts[display[fid]] == counts.max()


# --- the command line -------------------------------------------------------------------------

def test_cli_line_filters_groups_and_forms(sample_index):
    import json

    from click.testing import CliRunner

    from concord.cli import main as cli

    def run(*args, code=0):
        result = CliRunner().invoke(cli, [*args, "--index", str(sample_index)],
                                    catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    has = json.loads(run("kwic", "bourgeoisie", "--context-has", "proletariat", "--within", "5",
                         "--count", "--format", "json"))
    lacks = json.loads(run("kwic", "bourgeoisie", "--context-lacks", "proletariat", "--count",
                           "--format", "json"))
    total = json.loads(run("kwic", "bourgeoisie", "--count", "--format", "json"))
    assert has["hits"] + lacks["hits"] == total["hits"] and has["hits"] > 0
    out = run("kwic", "bourgeoisie", "--context-has", "proletariat", "--side", "left",
              "--within", "3", "--limit", "2")
    assert "lines with: context has 'proletariat' within 3 left" in out
    out = run("kwic", "bourgeoisie", "--group-by", "lang", "--all")
    assert "lang: de (56 lines)" in out and "lang: en (" in out and "lang: fr (" in out
    csv = run("kwic", "class", "--group-by", "work", "--all", "--format", "csv")
    assert csv.splitlines()[0].endswith(",char_end,work")
    rows = json.loads(run("wordlist", "--lang", "de", "--mode", "exact", "--format", "json"))["rows"]
    assert {"Die", "die"} <= {r["form"] for r in rows}
    out = run("keywords", "--target", "lang:fr", "--reference", "lang:en", "--limit", "3")
    assert out.startswith("target lang:fr: ") and "reference lang:en: " in out
    every = json.loads(run("collocates", "bourgeoisie", "--lang", "en", "--min-freq", "1",
                           "--stopwords", "--include-negative", "--limit", "0",
                           "--format", "json"))["rows"]
    assert any(r["ll"] < 0 for r in every)
    for bad in (["--context-has", "a b"], ["--context-has", "x", "--within", "0"],
                ["--group-by", "colour"], ["--context-has", "x", "--side", "up"]):
        out = run("kwic", "class", *bad, code=1)
        assert out.startswith("Error: ") and "Traceback" not in out


# --- the shared corpus (skipped when ../shared is absent) -------------------------------------

def test_real_spellings_on_the_shared_corpus(shared_index):
    with open_index(shared_index) as ix:
        de = {r["key"]: r["form"] for r in wordlist(ix, filters=Filters(langs=("de",)), limit=400)}
        assert [de[k] for k in ("weiss", "liess", "fraulein", "plotzlich")] == [
            "weiß", "ließ", "Fräulein", "plötzlich"]
        rows = collocates(ix, parse_query("prolétariat"), filters=Filters(langs=("fr",)),
                          limit=40)
        near = {r["key"]: r["collocate"] for r in rows}
        assert near["revolutionnaire"] == "révolutionnaire" and near["interets"] == "intérêts"
        exact = wordlist(ix, filters=Filters(langs=("de",)), limit=400, mode="exact")
        assert all(r["form"] == r["key"] for r in exact)
