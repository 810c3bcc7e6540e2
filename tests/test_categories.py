"""Hit categories and named sub-corpora (concord.categories): a real SQLite workspace beside a
real index, the CLI as scripts use it, counts checked against brute force, orphans after a
rebuild, and several processes and threads writing at once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pandas
import pytest
from click.testing import CliRunner

from concord.categories import Span, Workspace, orphans, workspace_path
from concord.cli import main
from concord.errors import OptionError
from concord.hits import find_hits
from concord.index import open_index
from concord.indexer import build_index
from concord.query import parse_query

ROOT = Path(__file__).resolve().parents[1]

# Hand-countable: "class" 3 times in a.txt, 2 times in b.txt (and "classes" once, not a hit).
TEXTS = {
    "a.txt": "The class and the class.\n\nAnother class struggle here.\n",
    "b.txt": "A class war.\n\nThe working class and its classes.\n",
}


def write_corpus(root: Path, texts: dict[str, str] = TEXTS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (root / name).write_text(text, "utf-8")
    (root / "metadata.csv").write_text(
        "path,title,author,year,language\n" + "".join(
            f"{name},{name},Someone,192{i},en\n" for i, name in enumerate(sorted(texts))), "utf-8")
    return root


@pytest.fixture()
def corpus_index(tmp_path) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    return corpus, index


def run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result.output


def kwic_csv(index: Path, query: str, out: Path) -> pandas.DataFrame:
    run("kwic", query, "--index", str(index), "--all", "--format", "csv", "--output", str(out))
    return pandas.read_csv(out)


def hit_spans(index: Path, query: str) -> list[tuple[str, int, int]]:
    """Every hit of a query as (doc_id, char_start, char_end), from the token store."""
    with open_index(index) as ix:
        hits = find_hits(ix, parse_query(query))
        store = ix.store
        return [(store.docs[int(d)]["doc_id"], int(store.start[s]), int(store.end[s + n - 1]))
                for s, n, d in zip(hits.starts, hits.lengths, hits.docs, strict=True)]


def count(index: Path, query: str) -> int:
    out = run("kwic", query, "--index", str(index), "--count", "--format", "json")
    return json.loads(out)["hits"]


# --- the CLI contract ---------------------------------------------------------------------------

def test_import_list_export_round_trip(corpus_index, tmp_path):
    _, index = corpus_index
    lines = kwic_csv(index, "class", tmp_path / "class.csv")
    assert len(lines) == 5
    lines.iloc[[0, 3]].to_csv(tmp_path / "two.csv", index=False)
    out = run("categorise", "import", str(tmp_path / "two.csv"), "--category", "relevant",
              "--index", str(index))
    assert out == ("created category relevant\n"
                   "2 lines in relevant: 2 new, 0 moved from another category, 0 already there\n")
    # The same file again: nothing new; one of its lines into another category: moved.
    assert run("categorise", "import", str(tmp_path / "two.csv"), "--category", "relevant",
               "--index", str(index)).endswith("2 lines in relevant: 0 new, 0 moved from another "
                                               "category, 2 already there\n")
    lines.iloc[[3, 4]].to_csv(tmp_path / "other.csv", index=False)
    run("categorise", "create", "other", "--description", "another party", "--index", str(index))
    assert "2 lines in other: 1 new, 1 moved from another category, 0 already there" in run(
        "categorise", "import", str(tmp_path / "other.csv"), "--category", "other",
        "--index", str(index))
    assert run("categorise", "list", "--index", str(index)) == (
        "other\t2  another party\nrelevant\t1\n3 lines in 2 categories, 0 orphaned lines\n")
    listed = json.loads(run("categorise", "list", "--index", str(index), "--format", "json"))
    assert [(c["name"], c["lines"], c["orphaned"]) for c in listed["categories"]] == [
        ("other", 2, 0), ("relevant", 1, 0)]

    out = tmp_path / "export.csv"
    run("categorise", "export", "--index", str(index), "--format", "csv", "--output", str(out))
    exported = pandas.read_csv(out)
    assert list(exported.columns) == ["category", "doc_id", "title", "author", "year", "lang",
                                      "left", "match", "right", "position", "char_start",
                                      "char_end", "query", "assigned", "orphaned"]
    expected = sorted([("relevant", *lines.iloc[0][["doc_id", "char_start", "char_end"]]),
                       ("other", *lines.iloc[3][["doc_id", "char_start", "char_end"]]),
                       ("other", *lines.iloc[4][["doc_id", "char_start", "char_end"]])],
                      key=lambda r: (r[1], r[2]))
    assert [tuple(r) for r in exported[["category", "doc_id", "char_start", "char_end"]]
            .itertuples(index=False)] == expected
    assert list(exported["match"]) == ["class"] * 3 and not exported["orphaned"].any()
    assert exported["query"].isna().all()      # two.csv and other.csv came without a package
    package = json.loads(out.with_name("export.datapackage.json").read_text("utf-8"))
    assert package["concord"]["command"] == "categorise export"
    assert package["concord"]["extra"]["categories"] == {"other": 2, "relevant": 1}
    # One category, as JSON: the provenance names it as a filter.
    data = json.loads(run("categorise", "export", "--category", "other", "--format", "json",
                          "--index", str(index)))
    assert data["provenance"]["filters"] == {"category": "other"}
    assert [r["char_start"] for r in data["rows"]] == sorted(int(x) for x in lines.iloc[[3, 4]]
                                                            ["char_start"])
    # An export is itself an import file: the round trip changes nothing.
    assert "3 lines in relevant: 0 new, 2 moved from another category, 1 already there" in run(
        "categorise", "import", str(out), "--category", "relevant", "--index", str(index))


def test_query_recorded_from_the_data_package(corpus_index, tmp_path):
    _, index = corpus_index
    kwic_csv(index, "class", tmp_path / "class.csv")
    run("categorise", "import", str(tmp_path / "class.csv"), "--category", "all",
        "--index", str(index))
    ws = Workspace(index)
    assert ws.queries("all") == [("class", 5)]


@pytest.mark.parametrize(("rows", "message"), [
    ("doc_id,char_start\na.txt,4\n", "no char_end column"),
    ("doc_id,match\na.txt,class\n", "no char_start, char_end columns"),
    ("doc_id,char_start,char_end\nnope.txt,4,9\n", "line 2: unknown document 'nope.txt'"),
    ("doc_id,char_start,char_end\na.txt,4,9\na.txt,4,9999\n",
     "line 3: offsets 4-9999 are out of range for 'a.txt' (54 characters"),
    ("doc_id,char_start,char_end\na.txt,9,4\n", "line 2: offsets 9-4 are out of range"),
    ("doc_id,char_start,char_end\na.txt,four,9\n", "line 2: char_start must be a whole number, not 'four'"),
    ("doc_id,char_start,char_end,match\na.txt,4,9,clash\n",
     "line 2: match 'clash' is not the text at 4-9 of 'a.txt' ('class')"),
])
def test_import_refuses_bad_rows_in_one_line_and_writes_nothing(corpus_index, tmp_path, rows, message):
    _, index = corpus_index
    path = tmp_path / "bad.csv"
    path.write_text(rows, "utf-8")
    result = CliRunner().invoke(main, ["categorise", "import", str(path), "--category", "relevant",
                                       "--index", str(index)])
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
    assert Workspace(index).categories() == []


def test_create_rename_delete(corpus_index, tmp_path):
    _, index = corpus_index
    kwic_csv(index, "class", tmp_path / "class.csv")
    run("categorise", "import", str(tmp_path / "class.csv"), "--category", "relevant",
        "--index", str(index))
    assert run("categorise", "rename", "relevant", "pertinent", "--index", str(index)) == \
        "renamed category relevant to pertinent\n"
    assert count(index, "class category:pertinent") == 5
    bad = CliRunner().invoke(main, ["categorise", "create", "two words", "--index", str(index)])
    assert bad.exit_code == 1 and "bad category name 'two words'" in bad.output
    refused = CliRunner().invoke(main, ["categorise", "delete", "pertinent", "--index", str(index)])
    assert refused.exit_code == 1 and "has 5 lines: add --yes" in refused.output
    assert run("categorise", "delete", "pertinent", "--yes", "--index", str(index)) == \
        "deleted category pertinent (5 lines)\n"
    result = CliRunner().invoke(main, ["kwic", "class category:pertinent", "--index", str(index)])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: unknown category 'pertinent': there are no categories "
                                     "yet (concord categorise list)")
    kwic_csv(index, "class", tmp_path / "class.csv")
    run("categorise", "import", str(tmp_path / "class.csv"), "--category", "x", "--index", str(index))
    assert "2 of 2 lines taken out of their categories" in run(
        "categorise", "unassign", str(_first(tmp_path, 2)),
        "--index", str(index))
    assert count(index, "class category:x") == 3


def _first(tmp_path: Path, n: int) -> Path:
    frame = pandas.read_csv(tmp_path / "class.csv").head(n)
    frame.to_csv(tmp_path / "first.csv", index=False)
    return tmp_path / "first.csv"


# --- the filter, against brute force ------------------------------------------------------------

def test_category_filter_counts_exactly_the_categorised_hits(corpus_index, tmp_path):
    _, index = corpus_index
    frame = kwic_csv(index, "class", tmp_path / "class.csv")
    frame.iloc[[0, 2, 4]].to_csv(tmp_path / "three.csv", index=False)
    run("categorise", "import", str(tmp_path / "three.csv"), "--category", "relevant",
        "--index", str(index))
    frame.iloc[[1]].to_csv(tmp_path / "one.csv", index=False)
    run("categorise", "import", str(tmp_path / "one.csv"), "--category", "other", "--index", str(index))
    chosen = {tuple(r) for r in frame.iloc[[0, 2, 4]][["doc_id", "char_start", "char_end"]]
              .itertuples(index=False)}
    every = hit_spans(index, "class")
    brute = sum(1 for span in every if span in chosen)
    assert brute == 3
    assert count(index, "class category:relevant") == brute
    assert count(index, "class -category:relevant") == len(every) - brute == 2
    assert count(index, "class category:relevant,other") == 4
    assert count(index, "class category:*") == 4
    assert count(index, "class -category:*") == 1          # not yet categorised
    assert count(index, "class category:relevant -category:relevant") == 0
    # A hit is a line only with the same span: the phrase "class struggle" is not the word.
    assert count(index, "class struggle category:relevant") == 0
    freq = json.loads(run("freq", "class category:relevant", "--by", "doc", "--format", "json",
                          "--index", str(index)))
    by_doc = {r["doc_id"]: r["hits"] for r in freq["rows"]}
    assert by_doc == {"a.txt": sum(1 for s in every if s in chosen and s[0] == "a.txt"),
                      "b.txt": sum(1 for s in every if s in chosen and s[0] == "b.txt")}
    assert freq["provenance"]["filters"] == {"category": "relevant"}
    assert freq["provenance"]["extra"]["categories"] == {"relevant": 3}   # what it held then
    # Token totals (denominators) are not changed by a hit filter.
    plain = json.loads(run("freq", "class", "--by", "doc", "--format", "json", "--index", str(index)))
    assert [r["tokens"] for r in freq["rows"]] == [r["tokens"] for r in plain["rows"]]
    colloc = CliRunner().invoke(main, ["collocates", "class category:relevant", "--min-freq", "1",
                                       "--format", "json", "--index", str(index)])
    assert colloc.exit_code == 0, colloc.output
    wordlist = CliRunner().invoke(main, ["kwic", "class", "--index", str(index)])
    assert wordlist.exit_code == 0


@pytest.mark.parametrize(("query", "message"), [
    ("(class -category:relevant) OR war", "col 8: -category: applies to the whole query"),
    ("(class category:relevant) OR war", "col 8: category: applies to the whole query"),
    ('class -category:"a b"', "col 17: bad category name 'a b'"),
    ("class sub:x,", "col 11: unknown sub-corpus 'x'"),
])
def test_category_and_sub_syntax_errors_name_the_column(query, message):
    from concord.errors import QuerySyntaxError

    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query, subcorpora=lambda name: None)
    assert str(caught.value).startswith(message)


def test_wordlists_refuse_a_hit_filter(corpus_index):
    from concord.query import Filters
    from concord.stats import wordlist

    _, index = corpus_index
    with open_index(index) as ix, pytest.raises(OptionError, match="does not apply to them"):
        wordlist(ix, filters=Filters(categories=("relevant",)))


# --- orphans after a rebuild ---------------------------------------------------------------------

def test_orphans_are_reported_after_a_rebuild_never_dropped(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    frame = kwic_csv(index, "class", tmp_path / "class.csv")
    run("categorise", "import", str(tmp_path / "class.csv"), "--category", "relevant",
        "--index", str(index))
    assert count(index, "class category:relevant") == 5
    # a.txt gains a word before its first "class" (every offset after it moves); b.txt is unchanged.
    (corpus / "a.txt").write_text("The big class and the class.\n\nAnother class struggle here.\n",
                                  "utf-8")
    result = CliRunner().invoke(main, ["index", str(corpus), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "categories: 3 orphaned lines (their documents changed; concord categorise export " \
        "--orphans lists them)" in result.output
    assert workspace_path(index).is_file() and not any(p.name == "workspace.sqlite"
                                                         for p in index.glob("gen-*/*"))
    with open_index(index) as ix:
        lost = orphans(ix)
    in_a = frame[frame["doc_id"] == "a.txt"]
    # Every a.txt line moved by 4 characters: its old offsets now hold other text.
    assert sorted((o.doc_id, o.char_start) for o in lost) == sorted(("a.txt", int(s))
                                                                   for s in in_a["char_start"])
    assert len(lost) == 3
    assert run("categorise", "list", "--index", str(index)) == (
        "relevant\t5 (3 orphaned)\n5 lines in 1 category, 3 orphaned lines\n")
    assert "categories     1 with 5 lines, 3 orphaned lines" in run("info", "--index", str(index))
    out = tmp_path / "orphans.csv"
    run("categorise", "export", "--orphans", "--format", "csv", "--output", str(out),
        "--index", str(index))
    orphan_rows = pandas.read_csv(out, keep_default_na=False)
    assert list(orphan_rows["doc_id"]) == ["a.txt"] * 3 and orphan_rows["orphaned"].all()
    assert list(orphan_rows["match"]) == ["class"] * 3      # the text as it was
    # Orphans match no hit; the unchanged document's lines still do.
    assert count(index, "class category:relevant") == 2
    # Deleting the document orphans the rest; nothing is dropped.
    (corpus / "b.txt").unlink()
    build_index(corpus, index, procs=1)
    assert run("categorise", "list", "--index", str(index)).endswith(
        "5 lines in 1 category, 5 orphaned lines\n")


# --- named sub-corpora --------------------------------------------------------------------------

def test_subcorpora_save_use_list_delete(corpus_index):
    _, index = corpus_index
    assert run("subcorpus", "save", "early", "year:1920", "--index", str(index)) == \
        "saved sub-corpus early: year:1920 (use it as sub:early)\n"
    assert count(index, "class sub:early") == count(index, "class year:1920") == 3
    assert run("subcorpus", "list", "--index", str(index)) == "early\tyear:1920\n"
    # A named sub-corpus is recorded in provenance with the filters it stands for.
    data = json.loads(run("kwic", "class sub:early", "--format", "json", "--index", str(index)))
    assert data["provenance"]["filters"] == {"year": "1920-1920", "sub": "early"}
    bad = CliRunner().invoke(main, ["subcorpus", "save", "x", "colour:red", "--index", str(index)])
    assert bad.exit_code == 1 and "unknown field 'colour'" in bad.output
    bad = CliRunner().invoke(main, ["subcorpus", "save", "x", "category:relevant", "--index", str(index)])
    assert bad.exit_code == 1 and "a sub-corpus is text" in bad.output
    unknown = CliRunner().invoke(main, ["kwic", "class sub:late", "--index", str(index)])
    assert unknown.exit_code == 2 and "unknown sub-corpus 'late'" in unknown.output
    assert run("subcorpus", "delete", "early", "--index", str(index)) == "deleted sub-corpus early\n"
    assert CliRunner().invoke(main, ["kwic", "class sub:early", "--index", str(index)]).exit_code == 2


def test_reading_never_creates_the_workspace(corpus_index):
    _, index = corpus_index
    assert count(index, "class -category:*") == 5
    assert run("categorise", "list", "--index", str(index)).startswith("no categories")
    assert not workspace_path(index).exists()


# --- concurrency ---------------------------------------------------------------------------------

WRITER = """
import sys
from concord.categories import Span, Workspace
from concord.index import open_index
index, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open_index(index) as ix:
    store = ix.store
    ws = Workspace(index)
    for t in range(first, first + n):
        span = Span("long.txt", int(store.start[t]), int(store.end[t]))
        ws.assign(ix, "relevant" if t % 2 else "other", [span], query="w*")
"""


def test_processes_and_threads_writing_at_once_lose_nothing(tmp_path):
    words = " ".join(f"w{i}" for i in range(400))
    corpus = write_corpus(tmp_path / "corpus", {"long.txt": words + "\n"})
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    ws = Workspace(index)
    ws.create("relevant")
    ws.create("other")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(index), str(60 * k), "60"],
                              env=env, stderr=subprocess.PIPE, text=True) for k in range(4)]
    errors: list[BaseException] = []

    def thread_writer(first: int) -> None:
        try:
            with open_index(index) as ix:
                for t in range(first, first + 40):
                    span = Span("long.txt", int(ix.store.start[t]), int(ix.store.end[t]))
                    ws.assign(ix, "relevant" if t % 2 else "other", [span], query="w*")
        except BaseException as exc:      # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=thread_writer, args=(240 + 40 * k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert not errors
    counts = {c.name: c.lines for c in ws.categories()}
    assert counts == {"other": 200, "relevant": 200}
    assert ws.revision() == 2 + 4 * 60 + 4 * 40         # two creates, one write per line
    assert count(index, "w* category:relevant") == 200
    assert count(index, "w* -category:*") == 0


def test_library_errors_name_the_problem(corpus_index):
    _, index = corpus_index
    ws = Workspace(index)
    with pytest.raises(OptionError, match="unknown category 'nope': there are no categories yet"):
        with open_index(index) as ix:
            ws.assign(ix, "nope", [Span("a.txt", 4, 9)])
    ws.create("relevant")
    with pytest.raises(OptionError, match="exists already"):
        ws.create("relevant")
    with pytest.raises(OptionError, match="description too long"):
        ws.create("other", "x" * 501)
    with open_index(index) as ix, pytest.raises(OptionError, match="unknown document 'z.txt'"):
        ws.assign(ix, "relevant", [Span("a.txt", 4, 9), Span("z.txt", 0, 1)])
    assert ws.lines() == []            # nothing written when one line is bad
