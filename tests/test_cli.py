"""Every CLI command and output format, through click's CliRunner on real indexes."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner
from corpora import MINI

from concord.cli import main
from concord.export import read_csv_export
from concord.index import SCHEMA_VERSION


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_index_info_and_up_to_date(tmp_path):
    target = tmp_path / "ix"
    out = run("index", MINI, "--index", target, "--procs", "1").output
    assert "5 documents" in out and "added 5" in out
    assert "up to date" in run("index", MINI, "--index", target).output
    info = json.loads(run("info", "--index", target, "--format", "json").output)
    assert info["documents"] == 5
    assert info["schema_version"] == SCHEMA_VERSION == 6
    assert set(info["tokens_by_lang"]) == {"de", "en", "fr", "ja", "nl"}
    table = run("info", "--index", target).output
    assert "fingerprint" in table and "tokens by paragraph language" in table


def test_incremental_reindex(tmp_path, mini_copy):
    target = tmp_path / "ix"
    run("index", mini_copy, "--index", target, "--procs", "2")
    (mini_copy / "nl" / "1931-gic-grondbeginselen.txt").unlink()
    en = mini_copy / "en" / "1920-pannekoek-councils.txt"
    en.write_text(en.read_text("utf-8").replace("The council of", "The soviet of"), "utf-8")
    (mini_copy / "en" / "1925-new.txt").write_text("A new soviet text about the soviet.\n", "utf-8")
    report = json.loads(run("index", mini_copy, "--index", target, "--format", "json").output)
    assert (report["added"], report["changed"], report["deleted"], report["unchanged"]) == (1, 1, 1, 3)
    assert report["documents"] == 5
    counts = json.loads(run("kwic", "soviet", "--count", "--format", "json", "--index", target).output)
    assert counts == {"hits": 3, "docs": 2}
    counts = json.loads(run("kwic", "council", "--count", "--format", "json", "--index", target).output)
    assert counts == {"hits": 1, "docs": 1}
    counts = json.loads(run("kwic", "arbeidersraden", "--count", "--format", "json", "--index", target).output)
    assert counts == {"hits": 0, "docs": 0}
    # unchanged documents keep their contexts after the store is rebuilt
    line = json.loads(run("kwic", "Staatskapitalismus", "--format", "json", "--limit", "1", "--width", "2",
                          "--index", target).output)["lines"][0]
    assert (line["match"], line["right"]) == ("Staatskapitalismus", "Der Staatskapitalismus")
    # a fresh build gives the same answers as the incremental one
    fresh = tmp_path / "fresh"
    run("index", mini_copy, "--index", fresh, "--procs", "1")
    for q in ["soviet", "the", "etat", "Staatskapitalismus", "資本"]:
        a = run("kwic", q, "--all", "--format", "json", "--index", target).output
        b = run("kwic", q, "--all", "--format", "json", "--index", fresh).output
        assert json.loads(a)["lines"] == json.loads(b)["lines"], q


@pytest.fixture()
def ix_args(mini_index):
    return ["--index", mini_index]


def test_kwic_count(ix_args):
    assert json.loads(run("kwic", "the", "--count", "--format", "json", *ix_args).output) == {"hits": 9, "docs": 1}
    assert run("kwic", "the", "--count", *ix_args).output.strip() == "9 hits in 1 document"


def test_kwic_formats(ix_args, tmp_path):
    out = run("kwic", "the council", "--width", "2", *ix_args).output
    assert out.splitlines()[0] == "2 hits in 1 document (showing 1-2)"
    data = json.loads(run("kwic", "the council", "--width", "2", "--format", "json", *ix_args).output)
    assert data["provenance"]["query"] == "the council"
    assert [(ln["left"], ln["match"], ln["right"]) for ln in data["lines"]] == [
        ("l'État.", "The council", "of the"), ("again, and", "the council", "decided. The")]
    rows = list(csv.DictReader(io.StringIO(run("kwic", "the", "--all", "--format", "csv", *ix_args).output)))
    assert len(rows) == 9 and {r["match"].lower() for r in rows} == {"the"}
    path = tmp_path / "all.csv"
    run("kwic", "the", "--all", "--format", "csv", "--output", path, *ix_args)
    export = read_csv_export(path)
    assert len(export.rows) == 9 and export.provenance["query"] == "the"
    assert export.provenance["rows"] == 9
    package = json.loads((tmp_path / "all.datapackage.json").read_text("utf-8"))
    assert package["resources"][0]["path"] == "all.csv"
    lines = run("kwic", "the", "--format", "jsonl", "--limit", "3", *ix_args).output.splitlines()
    assert len(lines) == 3 and all("provenance" not in json.loads(line) for line in lines)
    # Standard output: a package only with --provenance, naming the data after itself.
    package_path = tmp_path / "the.datapackage.json"
    out = run("kwic", "the", "--all", "--format", "tsv", "--provenance", package_path,
              *ix_args).stdout_bytes
    (tmp_path / "the.tsv").write_bytes(out)
    package = json.loads(package_path.read_text("utf-8"))
    assert package["resources"][0]["path"] == "the.tsv"
    assert package["resources"][0]["bytes"] == len(out)
    assert package["concord"]["rows"] == 9
    assert len(read_csv_export(tmp_path / "the.tsv", delimiter="\t").rows) == 9
    bom = run("kwic", "the", "--format", "csv", "--bom", *ix_args).output
    assert bom.startswith("\ufeffdoc_id,")
    for bad, message in ((["--format", "json", "--bom"], "--bom is for --format csv or tsv"),
                         (["--format", "xlsx", "--provenance", tmp_path / "p.json"],
                          "--provenance is for --format csv, tsv, jsonl, parquet")):
        result = run("kwic", "the", *bad, *ix_args, ok=False)
        assert result.exit_code == 2 and message in result.output
    xlsx = tmp_path / "k.xlsx"
    run("kwic", "the", "--format", "xlsx", "--output", xlsx, *ix_args)
    import openpyxl

    wb = openpyxl.load_workbook(xlsx, read_only=True)
    assert wb.sheetnames == ["rows", "provenance"]
    assert sum(1 for _ in wb["rows"].iter_rows()) == 10


def test_kwic_sort_sample_offset(ix_args):
    def matches(*extra):
        data = json.loads(run("kwic", "the", "--format", "json", "--width", "1", *extra, *ix_args).output)
        return [ln["right"] for ln in data["lines"]]

    assert matches("--sort", "R1", "--limit", "3") == ["Arbeiterklasse", "class", "council"]
    assert matches("--sort", "R1", "--offset", "7") == ["workers", "workers"]
    assert matches("--sample", "3", "--seed", "1") == matches("--sample", "3", "--seed", "1")
    assert len(matches("--sample", "3")) == 3


def test_kwic_modes_and_explain(ix_args):
    assert json.loads(run("kwic", "État", "--mode", "exact", "--count", "--format", "json", *ix_args).output)["hits"] == 5
    assert json.loads(run("kwic", "conseil ouvrier", "--mode", "stem", "--count", "--format", "json",
                          *ix_args).output)["hits"] == 4
    out = run("kwic", "@state-capitalism", "--explain", *ix_args).output
    assert "[de] staatskapitalismus" in out.lower()


def test_search(ix_args):
    out = run("search", "etat", *ix_args).output
    assert out.startswith("5 hits in 2 documents")
    data = json.loads(run("search", "etat", "--format", "json", *ix_args).output)
    # BM25: 2 hits in 41 tokens rank above 3 hits in 70 tokens
    assert [(r["doc_id"], r["hits"]) for r in data["results"]] == [
        ("fr/1921-gorter-reponse.md", 2), ("en/1920-pannekoek-councils.txt", 3)]
    assert data["facets"]["lang"] == {"fr": 2}
    assert data["results"][1]["snippets"][0]["match"] == "État"


def test_doc(ix_args):
    data = json.loads(run("doc", "fr/1921-gorter-reponse.md", "--format", "json", *ix_args).output)
    assert {"doc_id", "title", "author", "year", "language", "paragraphs"} <= set(data)
    assert data["title"] == "Réponse au camarade Lénine"
    first = data["paragraphs"][0]
    assert set(first) == {"start", "end", "lang", "text"}
    assert first == {"start": 0, "end": 7, "lang": "fr", "text": "Réponse"}
    out = run("doc", "en/1920-pannekoek-councils.txt", *ix_args).output
    assert "[fr] « Le capitalisme d'État" in out


def test_stats_commands(ix_args, tmp_path):
    rows = json.loads(run("freq", "etat", "--by", "lang", "--format", "json", *ix_args).output)["rows"]
    assert {r["lang"]: r["hits"] for r in rows} == {"de": 0, "en": 0, "fr": 5, "ja": 0, "nl": 0}
    out = run("freq", "the", "etat", "--by", "lang,decade", "--format", "csv", *ix_args).output
    assert out.splitlines()[0] == "query,lang,decade,hits,docs,tokens,per_million,sparse"
    concepts = json.loads(run("concepts", "--format", "json").output)
    assert len(concepts) >= 30 and all({"name", "forms"} <= set(c) for c in concepts)
    one = json.loads(run("concepts", "state-capitalism", "--format", "json").output)
    assert "Staatskapitalismus" in one["forms"]["de"]
    out = run("collocates", "council", "--window", "1", "--min-freq", "1", "--stopwords", "--format", "csv",
              *ix_args).output
    assert out.splitlines()[0] == "collocate,key,cooccurrences,lines,frequency,ll"
    rows = json.loads(run("wordlist", "--lang", "en", "--format", "json", *ix_args).output)["rows"]
    assert (rows[0]["form"], rows[0]["key"], rows[0]["frequency"]) == ("The", "the", 9)
    rows = json.loads(run("ngrams", "2", "--lang", "en", "--format", "json", *ix_args).output)["rows"]
    assert {"rank", "ngram", "key", "frequency", "per_million"} == set(rows[0])
    rows = json.loads(run("keywords", "--target", "lang:en", "--reference", "lang:fr", "--min-freq", "2",
                          "--format", "json", *ix_args).output)["rows"]
    assert (rows[0]["form"], rows[0]["key"]) == ("The", "the")
    out = run("freq", "@state-capitalism", "--explain", *ix_args).output
    assert "[fr] capitalisme d état" in out.lower()
    assert "[ja] 国家資本主義" in out


@pytest.mark.parametrize("args, message", [
    (["kwic", "x", "--sort", "R9"], "bad sort key"),
    (["kwic", "x", "--year", "1930-1920"], "is after"),
    (["kwic", "@nonexistent-concept"], "unknown concept"),
    (["kwic", "x", "--lang", "french!"], "bad language code"),
    (["freq", "x", "--by", "colour"], "bad --by field"),
    (["doc", "../../etc/passwd"], "no document"),
    (["collocates", "x", "--window", "0"], "window"),
    (["keywords", "--target", "1920s", "--reference", "lang:fr"], "bad sub-corpus"),
])
def test_bad_input_one_line_error(ix_args, args, message):
    result = run(*args, *ix_args, ok=False)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_index(tmp_path):
    result = run("kwic", "x", "--index", tmp_path / "nothing", ok=False)
    assert result.exit_code == 1 and "no index at" in result.output


def test_missing_corpus(tmp_path):
    result = run("index", tmp_path / "nope", "--index", tmp_path / "ix", ok=False)
    assert result.exit_code == 1 and "corpus folder not found" in result.output


def test_default_index_from_environment(tmp_path, monkeypatch, mini_index):
    shutil.copytree(mini_index, tmp_path / "ix")
    monkeypatch.setenv("CONCORD_INDEX", str(tmp_path / "ix"))
    assert json.loads(run("kwic", "the", "--count", "--format", "json").output)["hits"] == 9


def test_old_or_damaged_index_is_a_clear_error(tmp_path, mini_index):
    import json as _json

    shutil.copytree(mini_index, tmp_path / "ix")
    current = _json.loads((tmp_path / "ix" / "CURRENT").read_text())["generation"]
    manifest = tmp_path / "ix" / current / "manifest.json"
    data = _json.loads(manifest.read_text())
    data["settings"]["schema_version"] = 1
    manifest.write_text(_json.dumps(data))
    result = run("kwic", "x", "--index", tmp_path / "ix", ok=False)
    assert result.exit_code == 1 and "has schema 1" in result.output and "--rebuild" in result.output
    data["settings"]["schema_version"] = SCHEMA_VERSION
    manifest.write_text(_json.dumps(data))
    (tmp_path / "ix" / current / "store" / "surf_lo.npy").unlink()
    result = run("kwic", "x", "--index", tmp_path / "ix", ok=False)
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_empty_corpus(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("index", tmp_path / "empty", "--index", tmp_path / "ix", ok=False)
    assert result.exit_code == 1 and "no files to index" in result.output


def test_every_command_takes_index(ix_args):
    """The README says every command takes --index: concepts too (it does not read it)."""
    import click
    from click.testing import CliRunner

    from concord.cli import main

    for command in main.commands.values():
        # A group (concord corpus) has no options of its own: its commands take --index.
        commands = command.commands.values() if isinstance(command, click.Group) else [command]
        for one in commands:
            assert any("--index" in p.opts for p in one.params), one.name
    result = CliRunner().invoke(main, ["concepts", "proletariat", "--format", "json", *ix_args],
                                catch_exceptions=False)
    assert result.exit_code == 0 and json.loads(result.output)["name"] == "proletariat"


def test_counts_have_their_noun_in_the_right_number():
    from concord.cli.render import counted, hits_in_docs

    assert hits_in_docs({"hits": 1, "docs": 1}) == "1 hit in 1 document"
    assert hits_in_docs({"hits": 0, "docs": 0}) == "0 hits in 0 documents"
    assert counted(2, "category", "categories") == "2 categories"
