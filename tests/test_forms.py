"""The breakdown by matched written form: ``freq --by form`` and the concept page's forms table.

A tiny corpus written here: every hit is counted by hand, and the library's rows are checked
against a brute-force count over the KWIC lines' ``match`` column.
"""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from concord.hits import find_hits
from concord.kwic import iter_lines
from concord.query import parse_query
from concord.stats import freq, freq_columns, hit_forms

TEXTS = {
    "en": ["State capitalism grew. state capitalism again, STATE CAPITALISM too.",
           "The state-capitalism of Russia, and state\ncapitalism across a line.",
           "Capitalism and capitalism and capitalist talk."],
    "de": ["Der Staatskapitalismus wuchs. Staatskapitalismus bleibt, staatskapitalistisch.",
           "Kapitalismus ist Kapitalismus."],
    "ja": ["資本主義と国家資本主義。"],
}


@pytest.fixture(scope="module")
def forms_index(tmp_path_factory):
    from concord.indexer import build_index

    root = tmp_path_factory.mktemp("forms")
    corpus = root / "corpus"
    rows = ["path,title,author,year,language"]
    for lang, paragraphs in TEXTS.items():
        (corpus / lang).mkdir(parents=True)
        (corpus / lang / "t.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        rows.append(f"{lang}/t.txt,{lang},x,{1931 if lang == 'de' else 1920},{lang}")
    (corpus / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    build_index(corpus, root / "index", procs=1)
    return root / "index"


@pytest.fixture(scope="module")
def forms_ix(forms_index):
    from concord.index import open_index

    ix = open_index(forms_index)
    yield ix
    ix.close()


def brute(ix, query: str) -> Counter:
    """(lang, match) of every KWIC line, its words split at what is not a letter."""
    hits = find_hits(ix, parse_query(query))
    return Counter((line.lang, " ".join(re.findall(r"\w+", line.match)))
                   for line in iter_lines(ix, hits, width=0))


def test_by_form_rows_by_hand(forms_ix):
    rows = freq(forms_ix, [("state capitalism", parse_query("state capitalism"))], by=["form"])
    total = forms_ix.store.n_tokens
    assert [(r["form"], r["hits"], r["docs"], r["tokens"]) for r in rows] == [
        # "state capitalism", "state-capitalism" and "state⏎capitalism": one form
        ("state capitalism", 3, 1, total),
        ("STATE CAPITALISM", 1, 1, total),
        ("State capitalism", 1, 1, total),
    ]
    assert rows[0]["per_million"] == round(3 / total * 1e6, 4)
    assert sum(r["hits"] for r in rows) == len(find_hits(forms_ix, parse_query("state capitalism")))
    assert list(rows[0]) == freq_columns(("form",), False)


def test_by_form_and_lang_equals_brute_force(forms_ix):
    for query in ("state capitalism", "capital*", "*kapitalis*", "@state-capitalism"):
        rows = freq(forms_ix, [(query, parse_query(query))], by=["form", "lang"])
        assert Counter({(r["lang"], r["form"]): r["hits"] for r in rows}) == brute(forms_ix, query)
        langs = [r["lang"] for r in rows]
        assert langs == sorted(langs)
        for lang in set(langs):
            hits = [r["hits"] for r in rows if r["lang"] == lang]
            assert hits == sorted(hits, reverse=True)
    rows = freq(forms_ix, [("*kapitalis*", parse_query("*kapitalis*"))], by=["lang", "form", "decade"])
    assert [(r["lang"], r["form"], r["decade"], r["hits"]) for r in rows] == [
        ("de", "Kapitalismus", 1930, 2), ("de", "Staatskapitalismus", 1930, 2),
        ("de", "staatskapitalistisch", 1930, 1)]
    lang_rows = freq(forms_ix, [("x", parse_query("*kapitalis*"))], by=["lang"])
    de_tokens = next(r["tokens"] for r in lang_rows if r["lang"] == "de")
    assert de_tokens == 9        # 6 words in the first paragraph, 3 in the second
    assert {r["tokens"] for r in rows} == {de_tokens}


def test_hit_forms_reads_each_distinct_form(forms_ix):
    hits = find_hits(forms_ix, parse_query("capitalism"))
    ids, forms = hit_forms(forms_ix, hits)
    assert sorted(Counter(forms[i] for i in ids.tolist()).items()) == [
        ("CAPITALISM", 1), ("Capitalism", 1), ("capitalism", 5)]


def test_forms_without_spaces_are_joined_without_spaces(forms_ix):
    rows = freq(forms_ix, [("資本主義", parse_query("資本主義"))], by=["form"])
    assert [(r["form"], r["hits"]) for r in rows] == [("資本主義", 2)]


def test_cli_by_form(forms_index):
    from click.testing import CliRunner

    from concord.cli import main

    out = CliRunner().invoke(main, ["freq", "capital*", "--by", "lang,form", "--index",
                                    str(forms_index), "--format", "csv"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert lines[0].startswith("lang,form,hits")
    assert [ln.split(",")[:3] for ln in lines[1:]] == [
        ["en", "capitalism", "5"], ["en", "CAPITALISM", "1"], ["en", "Capitalism", "1"],
        ["en", "capitalist", "1"]]
    bad = CliRunner().invoke(main, ["freq", "x", "--by", "form,form", "--index", str(forms_index)])
    assert bad.exit_code != 0 and "repeated" in bad.output


def test_concept_page_forms_table_links_count_the_number(forms_index):
    from web.app import create_app

    app = create_app({"TESTING": True, "CONCORD_INDEX": str(forms_index)})
    try:
        client = app.test_client()
        page = client.get("/concept/state-capitalism")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        table = text[text.index('class="data matched-forms"'):]
        table = table[:table.index("</table>")]
        found = re.findall(r'<span class="matched-form">(.*?) <a class="lines-link" href="(.*?)">(\d+)</a>', table)
        shown = {html.unescape(form): int(n) for form, _, n in found}
        assert shown == {"state capitalism": 3, "State capitalism": 1, "STATE CAPITALISM": 1,
                         "Staatskapitalismus": 2,
                         "staatskapitalistisch": 1, "国家資本主義": 1}
        for form, href, n in found:
            href = html.unescape(href)
            assert "form=" in href and "mode=" not in href
            twin = client.get(href.replace("/kwic?", "/kwic.json?", 1)).get_json()
            assert twin["hits"] == int(n), (form, href)
            assert {" ".join(re.findall(r"\w+", line["match"])) for line in twin["lines"]} == {
                html.unescape(form)}
        twin = client.get("/concept/state-capitalism.json").get_json()
        assert twin["matched_forms"]["de"] == [{"form": "Staatskapitalismus", "hits": 2},
                                               {"form": "staatskapitalistisch", "hits": 1}]
        assert client.get("/freq.json?q=capital*&by=form").status_code == 200
        assert client.get("/freq?q=capital*&by=form,lang").status_code == 200
    finally:
        app.extensions["concord_index"].close()
