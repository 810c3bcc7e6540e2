"""concord corpus check: what to fix in metadata.csv, from the folder or from the index, and
the warning lines of bad input (broken front matter, a year that is not one)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from concord.cli import main
from concord.corpuscheck import check_corpus

DUPS = Path(__file__).parent / "data" / "dups"
BROKEN = "---\ntitle: [unclosed\nyear: : :\n---\nThe text after a broken front matter is kept.\n"


@pytest.fixture()
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "broken.md").write_text(BROKEN, "utf-8")
    (root / "soon.md").write_text("---\ntitle: Later\nauthor: A. Writer\nyear: soon\n"
                                  "language: en\n---\nA text from the future.\n", "utf-8")
    (root / "complete.txt").write_text("A text with all its metadata.\n", "utf-8")
    (root / "empty.txt").write_text("", "utf-8")
    shutil.copy(DUPS / "original.txt", root / "original.txt")
    shutil.copy(DUPS / "excerpt.txt", root / "excerpt.txt")
    (root / "metadata.csv").write_text(
        "path,author,year,language,guessed\n"
        "complete.txt,B. Writer,1921,en,\n"
        "original.txt,C. Writer,1921,en,\n"
        "excerpt.txt,C. Writer,1920,en,year;language\n", "utf-8")
    return root


EXPECTED = [
    "broken.md: warning: front matter is not valid YAML (line 3: did not find expected ',' or "
    "']'); its fields were not read and it is left out of the text",
    "broken.md: no year: add a year column value in metadata.csv",
    "broken.md: no author: add an author in metadata.csv",
    "broken.md: undeclared language: the language is detected; declare it in metadata.csv",
    "empty.txt: unreadable: empty file",
    "excerpt.txt: guessed: guessed at import: year '1920', language 'en'",
    "excerpt.txt: near-duplicate: 93% of its text is in original.txt (counted once, unless "
    "indexed with --keep-duplicates)",
    "soon.md: warning: year 'soon' (from the file) is not a year: counted as unknown",
    "soon.md: no year: add a year column value in metadata.csv",
]
SUMMARY = ("unreadable: 1; warning: 2; no year: 2; no author: 1; undeclared language: 1; "
           "guessed: 1; near-duplicate: 1")


def test_check_folder(corpus):
    result = CliRunner().invoke(main, ["corpus", "check", str(corpus)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [*EXPECTED, SUMMARY]


def test_check_index_agrees_with_the_folder(corpus, tmp_path):
    runner = CliRunner()
    index = tmp_path / "index"
    result = runner.invoke(main, ["index", str(corpus), "--index", str(index), "--procs", "1"],
                           catch_exceptions=False)
    assert result.exit_code == 3                       # empty.txt is skipped
    # Each bad input gets one warning line naming the file and the problem; both are indexed.
    assert [line for line in result.stderr.splitlines() if line.startswith("warning")] == [
        "warning broken.md: " + EXPECTED[0].split(": warning: ")[1],
        "warning soon.md: year 'soon' (from the file) is not a year: counted as unknown",
    ]
    assert "5 documents" in result.output
    result = runner.invoke(main, ["corpus", "check", "--index", str(index), "--format", "json"],
                           catch_exceptions=False)
    rows = json.loads(result.output)["rows"]
    assert [f"{r['doc_id']}: {r['problem']}: {r['detail']}" for r in rows] == EXPECTED
    kwic = runner.invoke(main, ["kwic", "broken", "--index", str(index), "--count", "--format",
                                "json"], catch_exceptions=False)
    assert json.loads(kwic.output)["hits"] == 1        # the body is indexed, not the front matter
    unclosed = runner.invoke(main, ["kwic", "unclosed", "--index", str(index), "--count",
                                    "--format", "json"], catch_exceptions=False)
    assert json.loads(unclosed.output)["hits"] == 0


def test_library_rows(corpus):
    findings = check_corpus(corpus)
    assert [(f.doc_id, f.problem) for f in findings if f.problem == "near-duplicate"] == [
        ("excerpt.txt", "near-duplicate")]


def test_bad_arguments(tmp_path, corpus):
    result = CliRunner().invoke(main, ["corpus", "check", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert result.output == f"Error: corpus folder not found: {tmp_path / 'nope'}\n"
    result = CliRunner().invoke(main, ["corpus", "check", str(corpus), "--index", str(tmp_path)])
    assert result.exit_code == 1 and "not both" in result.output
    result = CliRunner().invoke(main, ["corpus", "check", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and result.output.startswith("Error: no index at")
