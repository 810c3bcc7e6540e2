"""The CLI and the web answer each question with identical rows, through one code path.

A matrix of questions is asked on the sample index through the CLI (``--format json``,
click's CliRunner) and through the web's ``.json`` twins (Flask's test client); the rows must
be equal, value for value. Each question is also counted on its way through
:mod:`concord.reports`, so both front ends are seen to call the same report function.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from concord import reports
from concord.cli import main as cli
from web.app import create_app

# (report function, CLI arguments, web URL, key of the rows in each JSON answer)
MATRIX = [
    ("kwic_report",
     ["kwic", "class", "--sort", "R1,R2", "--lang", "en", "--limit", "40", "--width", "5"],
     "/kwic.json?q=class&sort=R1,R2&lang=en&limit=40&width=5", "lines", "lines"),
    ("kwic_report",
     ["kwic", "bourgeois*", "--sort", "-year,L1", "--year", "1840-1860", "--mode", "exact"],
     "/kwic.json?q=bourgeois*&sort=-year,L1&year=1840-1860&mode=exact", "lines", "lines"),
    ("kwic_report",
     ["kwic", "@proletariat", "--sample", "7", "--seed", "3", "--width", "3"],
     "/kwic.json?q=@proletariat&sample=7&seed=3&width=3", "lines", "lines"),
    ("freq_report", ["freq", "class", "--by", "lang,decade"],
     "/freq.json?q=class&by=lang,decade", "rows", "rows"),
    ("freq_report", ["freq", "@bourgeoisie", "@proletariat", "--by", "lang"],
     "/freq.json?q=@bourgeoisie&q=@proletariat&by=lang", "rows", "rows"),
    ("collocates_report", ["collocates", "class", "--limit", "100"],
     "/collocates.json?q=class&limit=100", "rows", "rows"),
    ("collocates_report",
     ["collocates", "@bourgeoisie", "--measure", "logdice", "--window", "3,2", "--min-freq", "2",
      "--limit", "20"],
     "/collocates.json?q=@bourgeoisie&measure=logdice&window=3,2&min_freq=2&limit=20",
     "rows", "rows"),
    ("wordlist_report", ["wordlist", "--lang", "en", "--limit", "100"],
     "/wordlist.json?lang=en&limit=100", "rows", "rows"),
    ("wordlist_report", ["wordlist", "--year", "1840-1860", "--drop-stopwords", "--min-freq", "3",
                         "--limit", "50"],
     "/wordlist.json?year=1840-1860&drop_stopwords=1&min_freq=3&limit=50", "rows", "rows"),
    ("keywords_report",
     ["keywords", "--target", "year:1840-1860", "--reference", "year:1900-1930", "--min-freq", "3"],
     "/keywords.json?target=year:1840-1860&reference=year:1900-1930&min_freq=3", "rows", "rows"),
    ("search_report", ["search", "class", "--limit", "10"],
     "/search.json?q=class&limit=10", "results", "results"),
    ("search_report", ["search", "@revolution", "--lang", "fr,de"],
     "/search.json?q=@revolution&lang=fr,de&limit=10", "results", "results"),
    ("freq_report", ["freq", "@class-struggle", "--by", "lang,decade"],
     "/concept/class-struggle.json", "rows", "rows"),
    ("freq_report", ["freq", "@capitalism", "--by", "form,lang"],
     "/freq.json?q=@capitalism&by=form,lang", "rows", "rows"),
    ("freq_report", ["freq", "class", "--by", "lang,form,decade"],
     "/freq.json?q=class&by=lang,form,decade", "rows", "rows"),
]


@pytest.fixture(scope="module")
def client(sample_index):
    app = create_app({"TESTING": True, "CONCORD_INDEX": str(sample_index), "CACHE_ENTRIES": 0})
    yield app.test_client()
    app.extensions["concord_index"].close()


@pytest.fixture()
def calls(monkeypatch):
    """Count the calls of every report function (the CLI imports them when it runs)."""
    seen: list[str] = []
    for name in ("kwic_report", "freq_report", "collocates_report", "wordlist_report",
                 "keywords_report", "search_report", "concept_report"):
        real = getattr(reports, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            seen.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(reports, name, spy)
    return seen


@pytest.mark.parametrize(("function", "cli_args", "url", "cli_key", "web_key"), MATRIX,
                         ids=[" ".join(m[1][:2]) + f" [{i}]" for i, m in enumerate(MATRIX)])
def test_cli_and_web_give_identical_rows(client, sample_index, calls, function, cli_args, url,
                                         cli_key, web_key):
    result = CliRunner().invoke(cli, [*cli_args, "--format", "json", "--index", str(sample_index)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    cli_rows = json.loads(result.stdout)[cli_key]
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    web_rows = response.get_json()[web_key]
    assert cli_rows, "a question with no rows proves nothing"
    assert cli_rows == web_rows
    web_function = "concept_report" if url.startswith("/concept/") else function
    assert calls == [function, web_function]


def test_kwic_rows_name_their_offsets_char_start_and_char_end(client, sample_index):
    result = CliRunner().invoke(cli, ["kwic", "class", "--limit", "3", "--format", "json",
                                      "--index", str(sample_index)], catch_exceptions=False)
    line = json.loads(result.stdout)["lines"][0]
    web = client.get("/kwic.json?q=class&limit=3").get_json()["lines"][0]
    assert list(line) == list(web) == ["doc_id", "title", "author", "year", "lang", "left", "match",
                                       "right", "position", "char_start", "char_end"]
    doc = client.get(f"/doc/{line['doc_id']}.json").get_json()
    text = "\n\n".join(p["text"] for p in doc["paragraphs"])
    assert text[line["char_start"]:line["char_end"]].lower() == "class"
