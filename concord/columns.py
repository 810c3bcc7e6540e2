"""What every column of every export means: one registry for data packages, Parquet and docs.

This module owns the name, Table Schema type and one-line description of each column that a
command or page exports, one dict per export (``kwic``, ``freq``, ``collocates``...). The
Frictionless data package (:mod:`concord.datapackage`), the Parquet schema and the README's
column tables are all built from it, so they cannot drift apart. It never decides which
columns a command has: the column tuples stay next to the code that fills the rows
(``KWIC_COLUMNS`` in :mod:`concord.kwic`, ``freq_columns()``... in :mod:`concord.stats`,
the report columns in :mod:`concord.reports`); a test checks that each of them is described here.

Types are Table Schema types: ``string``, ``integer``, ``number``, ``boolean``, ``object``.
``nullable`` marks the integer columns that may be empty (an unknown year): Parquet stores
them as nullable integers and pandas reads them as ``Int64``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .measures import MEASURE_LABELS


@dataclass(frozen=True)
class Column:
    """One exported column: its Table Schema type and what a cell means."""

    name: str
    type: str
    description: str
    nullable: bool = False

    def as_field(self) -> dict[str, object]:
        """Return the Table Schema field descriptor."""
        return {"name": self.name, "type": self.type, "description": self.description}


def _table(*columns: Column) -> dict[str, Column]:
    return {c.name: c for c in columns}


_YEAR = ("Year of the document (the midpoint of a range such as 1917-1923, rounded down); "
         "empty when the document has no year.")

#: Columns that several exports describe alike.
_DOC_ID = Column("doc_id", "string", "Document id: the file's path inside the corpus folder.")
_LEFT = Column("left", "string", "Context before the match: up to `width` words, as written.")
_RIGHT = Column("right", "string", "Context after the match: up to `width` words, as written.")

EXPORTS: dict[str, dict[str, Column]] = {
    "kwic": _table(
        _DOC_ID,
        Column("title", "string", "Title of the document; empty when unknown."),
        Column("author", "string", "Author(s) of the document, ';'-separated; empty when unknown."),
        Column("year", "integer", _YEAR, nullable=True),
        Column("lang", "string", "Language of the paragraph that holds the match (ISO 639 code)."),
        _LEFT,
        Column("match", "string", "The matched words, as written in the document."),
        _RIGHT,
        Column("position", "integer", "Token number of the match's first word in its document "
               "(the first token is 0)."),
        Column("char_start", "integer", "Character offset where the match starts in the "
               "document text."),
        Column("char_end", "integer", "Character offset just after the match in the document "
               "text."),
        Column("decade", "integer", "First year of the document's decade (only when lines are "
               "grouped by decade); empty when unknown.", nullable=True),
        Column("work", "string", "Work id of the document (only when lines are grouped by "
               "work); empty when unknown."),
        Column("group", "string", "Group of the document (only when lines are grouped by "
               "group); empty when unknown."),
    ),
    "kwic-count": _table(
        Column("hits", "integer", "Number of matches."),
        Column("docs", "integer", "Number of documents with at least one match."),
    ),
    "freq": _table(
        Column("query", "string", "The query of this row (only when several are compared)."),
        Column("year", "integer", "Year of the cell: a document counts in the midpoint of its "
               "year range; empty for documents with no year.", nullable=True),
        Column("decade", "integer", "First year of the cell's decade, e.g. 1920; empty for "
               "documents with no year.", nullable=True),
        Column("lang", "string", "Paragraph language of the cell (ISO 639 code)."),
        Column("author", "string", "Author of the cell's documents; empty when unknown."),
        Column("group", "string", "Group (current) of the cell's documents; empty when unknown."),
        Column("work", "string", "Work id of the cell's documents; empty when unknown."),
        Column("doc_id", "string", "Document id of the cell."),
        Column("form", "string", "Matched written form (with --by form): the matched words as "
               "written (case and accents kept), one space between words; tokens are those of "
               "its cell."),
        Column("hits", "integer", "Matches of the query in the cell."),
        Column("docs", "integer", "Documents of the cell with at least one match."),
        Column("tokens", "integer", "Tokens of the cell inside the filters: the denominator."),
        Column("per_million", "number", "hits / tokens * 1,000,000, rounded to 4 decimals; "
               "empty when the cell has no tokens."),
        Column("sparse", "boolean", "true when the cell has fewer than 10,000 tokens, so its "
               "rate rests on little text."),
    ),
    "collocates": _table(
        Column("lang", "string", "Paragraph language (only with --by-lang, the default for "
               "@concepts)."),
        Column("collocate", "string", "The word form near the node, in its most frequent "
               "written spelling (with mode exact: each form as written)."),
        Column("key", "string", "The form as counted, and as its concordance link looks it "
               "up: folded (lower-cased, accents folded); with mode exact, as written."),
        Column("cooccurrences", "integer", "Times the collocate occurs inside the window "
               "around a match (each token once, however many windows hold it)."),
        Column("lines", "integer", "Matches with the collocate inside their window: the lines "
               "of its concordance link."),
        Column("frequency", "integer", "Times the collocate occurs in the (sub-)corpus."),
        *(Column(name, "number", f"Association score: {label}, rounded to 4 decimals "
                 "(only the column of the chosen --measure).")
          for name, label in MEASURE_LABELS.items()),
    ),
    "wordlist": _table(
        Column("rank", "integer", "Rank by frequency (1 = most frequent)."),
        Column("form", "string", "The word form in its most frequent written spelling (with "
               "mode exact: each form as written)."),
        Column("key", "string", "The form as counted, and as its concordance link looks it "
               "up: folded (lower-cased, accents folded); with mode exact, as written."),
        Column("frequency", "integer", "Occurrences in the (sub-)corpus."),
        Column("per_million", "number", "frequency per million tokens of the (sub-)corpus, "
               "4 decimals."),
        Column("documents", "integer", "Documents in which the form occurs."),
    ),
    "ngrams": _table(
        Column("rank", "integer", "Rank by frequency (1 = most frequent)."),
        Column("ngram", "string", "The N word forms, separated by single spaces, each in its "
               "most frequent written spelling (with mode exact: as written)."),
        Column("key", "string", "The N forms as counted: folded (with mode exact, as "
               "written), separated by single spaces."),
        Column("frequency", "integer", "Occurrences inside one paragraph."),
        Column("per_million", "number", "frequency per million N-gram positions, 4 decimals."),
    ),
    "keywords": _table(
        Column("rank", "integer", "Rank by log-likelihood (1 = most distinctive)."),
        Column("form", "string", "The word form in its most frequent written spelling (with "
               "mode exact: each form as written)."),
        Column("key", "string", "The form as counted, and as its concordance link looks it "
               "up: folded (lower-cased, accents folded); with mode exact, as written."),
        Column("target", "integer", "Occurrences in the target sub-corpus."),
        Column("reference", "integer", "Occurrences in the reference sub-corpus."),
        Column("target_per_million", "number", "target per million tokens of the target, "
               "4 decimals."),
        Column("reference_per_million", "number", "reference per million tokens of the "
               "reference, 4 decimals."),
        Column("log_likelihood", "number", "Keyness log-likelihood (G²), 4 decimals."),
        Column("log_ratio", "number", "Binary log of the ratio of relative frequencies "
               "(effect size), 4 decimals."),
    ),
    "search": _table(
        _DOC_ID,
        Column("title", "string", "Title of the document; empty when unknown."),
        Column("author", "string", "Author(s) of the document; empty when unknown."),
        Column("year", "integer", _YEAR, nullable=True),
        Column("language", "string", "Declared language of the document (ISO 639 code)."),
        Column("group", "string", "Group (current) of the document; empty when unknown."),
        Column("work", "string", "Work id shared by translations; empty when unknown."),
        Column("hits", "integer", "Matches of the query in the document."),
        Column("snippet", "string", "Best passages, the match in [brackets], joined by ' … '."),
    ),
    "concepts": _table(
        Column("name", "string", "Concept name, used in queries as @name."),
        Column("label", "string", "Human-readable label."),
        Column("description", "string", "What the concept covers."),
        Column("languages", "string", "Languages with forms, comma-separated."),
        Column("forms", "object", "Forms per language, as JSON: {language: [forms]}."),
    ),
    "doc": _table(
        Column("paragraph", "integer", "Paragraph number in the document (the first is 1)."),
        Column("start", "integer", "Character offset where the paragraph starts."),
        Column("end", "integer", "Character offset just after the paragraph."),
        Column("lang", "string", "Language of the paragraph (ISO 639 code)."),
        Column("hits", "integer", "Matches of the query in the paragraph (0 without a query)."),
        Column("text", "string", "Text of the paragraph."),
    ),
    "parallel": _table(
        Column("doc_id", "string", "Document id of the hit (a version of a translation family)."),
        Column("lang", "string", "Language of the paragraph that holds the hit (ISO 639 code)."),
        Column("left", "string", "Context before the hit: up to `width` words, as written."),
        Column("match", "string", "The matched words, as written in the document."),
        Column("right", "string", "Context after the hit: up to `width` words, as written."),
        Column("char_start", "integer", "Character offset where the hit starts in its document."),
        Column("char_end", "integer", "Character offset just after the hit in its document."),
        Column("to_doc_id", "string", "Document id of another version of the same work."),
        Column("to_lang", "string", "Declared language of that version."),
        Column("to_text", "string", "The passage of that version aligned with the hit's "
               "sentence (or paragraph); empty when unaligned."),
        Column("to_start", "integer", "Character offset where the aligned passage starts; empty "
               "when unaligned.", nullable=True),
        Column("to_end", "integer", "Character offset just after the aligned passage; empty when "
               "unaligned.", nullable=True),
        Column("score", "number", "Alignment score of the passage, 0 to 1 (length fit and shared "
               "anchors); empty when unaligned."),
        Column("level", "string", "sentence or paragraph: the aligned unit that holds the hit; "
               "empty when unaligned."),
        Column("to_match", "string", "The highlighted words of the passage: the concept's form, "
               "or the likely equivalent of the hit; empty when none."),
        Column("to_match_start", "integer", "Character offset of the highlighted words in the "
               "other version; empty when none.", nullable=True),
        Column("to_match_end", "integer", "Character offset just after the highlighted words; "
               "empty when none.", nullable=True),
        Column("note", "string", "Why there is no aligned passage (unaligned, versions in one "
               "language, no overlap...); empty when there is one."),
    ),
    "equivalents": _table(
        Column("rank", "integer", "Rank by Dice, then log-likelihood (1 = most associated)."),
        Column("lang", "string", "Language of the equivalents (--to)."),
        Column("equivalent", "string", "A word of that language, as it is most often written "
               "in the corpus."),
        Column("key", "string", "The folded form counted (lower-cased, accents folded)."),
        Column("cooccurrences", "integer", "Aligned sentence pairs holding the word on one side "
               "and the equivalent on the other (o11)."),
        Column("word_pairs", "integer", "Aligned sentence pairs whose source side holds the word."),
        Column("equivalent_pairs", "integer", "Aligned sentence pairs whose target side holds the "
               "equivalent."),
        Column("pairs", "integer", "Aligned sentence pairs counted (N)."),
        Column("dice", "number", "Dice: 2 x cooccurrences / (word_pairs + equivalent_pairs), "
               "4 decimals."),
        Column("ll", "number", "Signed log-likelihood G2 of the 2x2 table over the pairs, "
               "4 decimals."),
    ),
    "categorise": _table(
        Column("category", "string", "Category of the line."),
        _DOC_ID,
        Column("title", "string", "Title of the document; empty when unknown or orphaned."),
        Column("author", "string", "Author(s) of the document; empty when unknown or orphaned."),
        Column("year", "integer", _YEAR, nullable=True),
        Column("lang", "string", "Language of the paragraph that holds the match; empty for "
               "an orphaned line."),
        _LEFT,
        Column("match", "string", "The matched words, as written (as stored, for an orphaned "
               "line)."),
        _RIGHT,
        Column("position", "integer", "Token number of the match's first word in its document; "
               "empty for an orphaned line.", nullable=True),
        Column("char_start", "integer", "Character offset where the match starts in the "
               "document text."),
        Column("char_end", "integer", "Character offset just after the match in the document "
               "text."),
        Column("query", "string", "The query whose concordance the line was categorised from "
               "(empty when unknown)."),
        Column("assigned", "string", "When the line was put in its category (UTC, ISO 8601)."),
        Column("orphaned", "boolean", "true when the document, its offsets or its text at them "
               "changed since the line was categorised (the line then matches no hit)."),
    ),
    "corpus": _table(
        Column("lang", "string", "Language (documents: declared; tokens: of the paragraph)."),
        Column("decade", "integer", "First year of the decade; empty for documents with no year.",
               nullable=True),
        Column("documents", "integer", "Documents of this declared language and decade."),
        Column("tokens", "integer", "Tokens of paragraphs in this language, in documents of "
               "this decade."),
    ),
}

#: What each command or page is called in the registry, by the first word of its provenance
#: ``command`` (web pages record ``web <page>``).
_KIND_OF_COMMAND = {"concept": "freq", "kwic --count": "kwic-count"}


def export_kind(command: str | None) -> str | None:
    """Return the registry entry of a provenance ``command``, or None if it has none."""
    if not command:
        return None
    command = command.removeprefix("web ").removeprefix("concord ")
    if command in _KIND_OF_COMMAND:
        return _KIND_OF_COMMAND[command]
    first = command.split()[0]
    first = _KIND_OF_COMMAND.get(first, first)
    return first if first in EXPORTS else None


def columns_of(kind: str | None, names: Sequence[str]) -> list[Column]:
    """Return the described columns ``names`` of export ``kind``.

    A column the registry does not know (a caller's own table) is a string without
    description, so an export never fails for want of documentation.
    """
    known: Mapping[str, Column] = EXPORTS.get(kind or "", {})
    return [known.get(name) or Column(name, "string", "") for name in names]


def markdown_table(kind: str) -> str:
    """Return the README table of an export: column, type, meaning."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    for column in EXPORTS[kind].values():
        kind_text = column.type + (" or empty" if column.nullable else "")
        lines.append(f"| `{column.name}` | {kind_text} | {column.description} |")
    return "\n".join(lines)
