"""The column registry describes exactly the columns each export has, and the README shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.categories import LINE_COLUMNS
from concord.columns import EXPORTS, columns_of, export_kind, markdown_table
from concord.kwic import GROUP_COLUMNS, KWIC_COLUMNS
from concord.measures import MEASURES
from concord.reports import (
    CONCEPT_COLUMNS,
    CORPUS_COLUMNS,
    COUNT_COLUMNS,
    EQUIVALENT_COLUMNS,
    PARAGRAPH_COLUMNS,
    PARALLEL_COLUMNS,
    SEARCH_COLUMNS,
)
from concord.stats import (
    BY_FIELDS,
    KEYWORD_COLUMNS,
    NGRAM_COLUMNS,
    WORDLIST_COLUMNS,
    collocate_columns,
    freq_columns,
)

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")

# Every column an export can have, from the code that fills the rows.
COLUMN_SETS = {
    "kwic": KWIC_COLUMNS + GROUP_COLUMNS,
    "kwic-count": COUNT_COLUMNS,
    "freq": freq_columns(BY_FIELDS, True),
    "collocates": sorted({c for m in MEASURES for c in collocate_columns(m, True)}),
    "wordlist": WORDLIST_COLUMNS,
    "ngrams": NGRAM_COLUMNS,
    "keywords": KEYWORD_COLUMNS,
    "search": SEARCH_COLUMNS,
    "concepts": CONCEPT_COLUMNS,
    "doc": PARAGRAPH_COLUMNS,
    "corpus": CORPUS_COLUMNS,
    "parallel": PARALLEL_COLUMNS,
    "equivalents": EQUIVALENT_COLUMNS,
    "categorise": LINE_COLUMNS,
}


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_registry_describes_exactly_the_columns_of_each_export(kind):
    assert set(EXPORTS[kind]) == set(COLUMN_SETS[kind])
    for column in EXPORTS[kind].values():
        assert column.type in ("string", "integer", "number", "boolean", "object")
        assert column.description.endswith((".", ")")), column.name
        assert column.nullable is False or column.type == "integer"


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_readme_has_the_table_of_every_export(kind):
    assert markdown_table(kind) in README


@pytest.mark.parametrize(("command", "kind"), [
    ("kwic", "kwic"), ("kwic --count", "kwic-count"), ("freq", "freq"),
    ("collocates", "collocates"), ("wordlist", "wordlist"), ("ngrams 3", "ngrams"),
    ("keywords", "keywords"), ("search", "search"), ("web kwic", "kwic"),
    ("web concept", "freq"), ("web concepts", "concepts"), ("web doc", "doc"),
    ("web corpus", "corpus"), (None, None), ("something else", None),
])
def test_commands_map_to_their_registry_entry(command, kind):
    assert export_kind(command) == kind


def test_unknown_columns_are_strings_without_description():
    assert [(c.name, c.type, c.description) for c in columns_of("kwic", ["match", "extra"])] == [
        ("match", "string", "The matched words, as written in the document."),
        ("extra", "string", "")]
