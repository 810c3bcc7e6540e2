"""The shipped default corpus (corpus/): what its README and the home page promise holds.

The counts are checked three ways: the README's table, concord's frequencies, and an
independent count over the files (plain regular expressions for alphabetic words, substring
counts for Japanese, where every character is a token)."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from concord.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
README = (CORPUS / "README.md").read_text("utf-8")
LANGS = ("en", "fr", "de", "ru", "ja")


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def default_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("default") / "index"
    run("index", CORPUS, "--index", index, "--procs", "2")
    return index


def text_of(lang: str) -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted((CORPUS / lang).iterdir()))


def test_files_and_metadata_agree():
    with (CORPUS / "metadata.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    files = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
                   if p.is_file() and p.name not in ("README.md", "metadata.csv"))
    assert sorted(r["path"] for r in rows) == files
    assert len(rows) == 24
    for row in rows:
        assert row["source"] and row["license_basis"], row["path"]
        assert row["path"] in README or row["path"].split("/")[0] in LANGS


def test_readme_table_is_what_concord_counts(default_index):
    table = {}
    for line in README.split("## What it can answer", 1)[1].splitlines():
        match = re.match(r"\| .*\(`(@[a-z-]+)`\) \|(.*)\|$", line)
        if match:
            table[match[1]] = [int(n) for n in match[2].split("|")]
    assert len(table) == 6
    for concept, counts in table.items():
        rows = json.loads(run("freq", concept, "--by", "lang", "--index", default_index,
                              "--format", "json"))["rows"]
        got = {r["lang"]: r["hits"] for r in rows}
        assert [got.get(lang, 0) for lang in LANGS] == counts, concept


@pytest.mark.parametrize(("query", "lang", "pattern"), [
    ("soviet*", "en", r"(?<![^\W\d_])soviet[^\W_]*"),
    ("parliament*", "en", r"(?<![^\W\d_])parliament[^\W_]*"),
    ("parlement*", "fr", r"(?<![^\W\d_])parlement[^\W_]*"),
    ("парламент*", "ru", r"(?<![^\W\d_])парламент[^\W_]*"),
])
def test_words_against_an_independent_count(default_index, query, lang, pattern):
    expected = len(re.findall(pattern, text_of(lang), flags=re.IGNORECASE))
    got = json.loads(run("kwic", f"{query} lang:{lang}", "--index", default_index, "--count",
                         "--format", "json"))["hits"]
    assert got == expected > 0


def test_japanese_against_an_independent_count(default_index):
    # concord folds the old character forms (kyūjitai) into the new: 議會 is found as 議会.
    for word, forms in (("議会", ("議会", "議會")), ("労働組合", ("労働組合", "勞働組合")),
                        ("階級闘争", ("階級闘争", "階級鬪爭"))):
        expected = sum(text_of("ja").count(form) for form in forms)
        got = json.loads(run("kwic", word, "--index", default_index, "--count", "--format",
                             "json"))["hits"]
        assert got == expected > 0, word


def test_state_capitalism_only_in_russian(default_index):
    out = json.loads(run("freq", "@state-capitalism", "--by", "lang,decade", "--index",
                         default_index, "--format", "json"))["rows"]
    assert [(r["lang"], r["decade"], r["hits"]) for r in out if r["hits"]] == [("ru", 1920, 5)]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_examples = False
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ul" and attrs.get("class") == "examples":
            self.in_examples = True
        elif tag == "a" and self.in_examples:
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "ul":
            self.in_examples = False


def test_home_page_examples_have_hits(default_index):
    from web.app import create_app

    app = create_app({"TESTING": True, "CONCORD_INDEX": str(default_index)})
    client = app.test_client()
    parser = _Links()
    parser.feed(client.get("/").get_data(as_text=True))
    assert len(parser.links) == 5   # @soviets, the phrase, two concepts, the wildcard
    for link in parser.links:
        path, _, query = link.partition("?")
        data = client.get(f"{path}.json?{query}").get_json()
        hits = data.get("hits")
        if hits is None:                     # collocates: rows of collocates
            hits = len(data["rows"])
        assert hits > 0, link
    app.extensions["concord_index"].close()
