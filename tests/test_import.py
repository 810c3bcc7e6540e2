"""concord import: archive profiles on hand-made fixture pages, sources (folder, ZIP, WARC),
metadata.csv rows that concord index reads, and the per-field import report."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from concord.cli import main
from concord.importers import extract_page, import_sources
from concord.importers.evaluate import Score, page_for, score_fixtures, tokens

IMPORT = Path(__file__).parent / "data" / "import"
EXPECTED = json.loads((IMPORT / "expected.json").read_text("utf-8"))
PROFILES = sorted(EXPECTED)
FIXTURES = [(profile, name) for profile in PROFILES for name in sorted(EXPECTED[profile])]


def run(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_every_profile_has_five_fixtures_covering_every_field():
    assert PROFILES == ["archive_org", "generic", "gutenberg", "libcom", "marxists", "wikisource"]
    for profile in PROFILES:
        files = EXPECTED[profile].values()
        assert len(files) >= 5
        for key in ("title", "author", "year", "language"):
            assert sum(bool(f[key]) for f in files) >= (0 if profile == "generic" and key == "year"
                                                        else 3), (profile, key)
    # The translator field is exercised on every archive that states one.
    for profile in ("archive_org", "gutenberg", "libcom", "marxists", "wikisource"):
        assert any(f["translator"] for f in EXPECTED[profile].values()), profile


@pytest.mark.parametrize(("profile", "name"), FIXTURES)
def test_fixture_fields_and_text(profile, name):
    want = EXPECTED[profile][name]
    doc = extract_page(page_for(IMPORT / profile / name, want["url"]))
    got = {key: doc.value(key) for key in ("title", "author", "year", "language", "translator")}
    assert got == {key: want[key] for key in got}
    score = Score()
    score.add_text(doc.paragraphs, want["text"])
    assert score.boilerplate_tokens == 0, doc.paragraphs
    assert score.recall >= 0.99


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_accuracy_and_boilerplate(profile):
    score = score_fixtures(IMPORT / profile, EXPECTED[profile])
    assert score.accuracy >= 0.95, score.wrong
    assert score.boilerplate < 0.01


def _extract(profile, name):
    want = EXPECTED[profile][name]
    return extract_page(page_for(IMPORT / profile / name, want["url"]))


def test_marxists_info_block_and_section_language():
    doc = _extract("marxists", "pannekoek-conseils-fr.htm")
    assert doc.archive == "marxists.org"
    assert doc.fields["language"] == ("fr", "profile")       # from /francais/
    assert doc.fields["translator"] == ("Henri Simon", "profile")
    assert doc.fields["year"] == ("1947", "profile")         # Première publication, not 1950
    text = " ".join(doc.paragraphs)
    for chrome in ("Traduction", "Transcription", "Last updated", "Marxists Internet Archive"):
        assert chrome not in text
    de = _extract("marxists", "ruehle-revolution-de.htm")
    assert de.extra["license"].startswith("Public Domain: Marxists Internet Archive (2005)")


def test_libcom_upload_date_is_not_the_year():
    doc = _extract("libcom", "assemblies-today.html")
    assert "year" not in doc.fields
    assert doc.extra["uploaded"] == "May 1, 2008"
    assert "Submitted by" not in " ".join(doc.paragraphs)
    old = _extract("libcom", "revolution-not-party-affair.html")
    assert old.fields["year"] == ("1920", "guess")           # "written in 1920", not 2006
    assert old.fields["author"] == ("Otto Rühle", "profile")


def test_gutenberg_header_and_licence_removed():
    for name in EXPECTED["gutenberg"]:
        text = " ".join(_extract("gutenberg", name).paragraphs)
        for chrome in ("PROJECT GUTENBERG", "Release date", "Produced by", "FULL LICENSE",
                       "Updated editions"):
            assert chrome.lower() not in text.lower(), (name, chrome)
    strike = _extract("gutenberg", "pg-strike-en.txt")
    assert "year" not in strike.fields                        # the release date is not the year
    assert strike.extra["license"].startswith("Public domain in the USA")


def test_archive_org_guesses_are_marked():
    doc = _extract("archive_org", "classstruggle00gort.html")
    assert doc.fields["title"] == ("The Class Struggle", "profile")
    assert {k: o for k, (_v, o) in doc.fields.items() if k != "title"} == {
        "author": "guess", "translator": "guess", "year": "guess", "language": "guess"}
    text = " ".join(doc.paragraphs)
    assert "See other formats" not in text and "Digitized by Google" not in text


def test_wikisource_chrome_removed():
    for name in EXPECTED["wikisource"]:
        text = " ".join(_extract("wikisource", name).paragraphs)
        for chrome in ("From Wikisource", "Jump to navigation", "public domain", "Categories",
                       "Retrieved from", "Navigation menu"):
            assert chrome not in text, (name, chrome)


def _all_fixture_folders():
    return [IMPORT / profile for profile in PROFILES]


def test_import_folders_report_and_metadata(tmp_path):
    from concord.ingest import load_sidecar

    target = tmp_path / "corpus"
    report = import_sources([str(p) for p in _all_fixture_folders()], target)
    assert len(report.documents) == 33
    assert report.problems == []
    # Hand-counted from the fixtures: the six generic pages give titles from the page, the
    # five archive.org pages and four libcom pages have guessed years, Gutenberg's
    # old-style book, one libcom post and the six generic pages have none.
    counts = report.field_counts()
    assert counts["title"] == {"page": 6, "profile": 27, "guess": 0, "none": 0}
    assert counts["year"] == {"page": 0, "profile": 16, "guess": 9, "none": 8}
    assert counts["translator"] == {"page": 0, "profile": 6, "guess": 3, "none": 24}
    sidecar = load_sidecar(target)
    assert len(sidecar) == 33
    row = sidecar["www.marxists.org/francais/pannekoek/works/1947/conseils.txt"]
    assert row == {
        "title": "Les conseils ouvriers", "author": "Anton Pannekoek", "year": "1947",
        "language": "fr", "translator": "Henri Simon",
        "source_url": "https://www.marxists.org/francais/pannekoek/works/1947/conseils.htm",
        "retrieved": row["retrieved"], "archive": "marxists.org",
    }
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["retrieved"])
    assert sidecar["archive.org/stream/dieraete00rueh/dieraete00rueh_djvu.txt"]["guessed"] == \
        "author;year;language"
    blog = sidecar["libcom.org/blog/assemblies-today.txt"]
    assert blog["uploaded"] == "May 1, 2008" and "year" not in blog
    # A second import of the same pages rewrites the same files and rows.
    again = import_sources([str(IMPORT / "marxists")], target)
    assert len(again.documents) == 6
    assert len(load_sidecar(target)) == 33


def test_import_keeps_rows_and_columns_it_does_not_know(tmp_path):
    from concord.ingest import load_sidecar

    target = tmp_path / "corpus"
    target.mkdir()
    (target / "mine.txt").write_text("My own text about councils.\n", "utf-8")
    (target / "metadata.csv").write_text("path,year,shelf\nmine.txt,1930,B4\n", "utf-8")
    import_sources([str(IMPORT / "libcom")], target)
    sidecar = load_sidecar(target)
    assert sidecar["mine.txt"] == {"year": "1930", "shelf": "B4"}
    assert len(sidecar) == 6
    header = next(csv.reader(io.StringIO((target / "metadata.csv").read_text("utf-8"))))
    assert header[-1] == "shelf" and "source_url" in header and "license" in header


def test_import_zip_and_warc(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    archive = tmp_path / "pages.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in EXPECTED["wikisource"]:
            zf.write(IMPORT / "wikisource" / name, f"saved/{name}")
        zf.writestr("saved/page_files/script.js", "var x = 1;")
        zf.writestr("saved/page_files/frame.html", "<p>an embedded frame, not a page</p>")
    report = import_sources([str(archive)], tmp_path / "from-zip")
    assert sorted(d.source_url for d in report.documents) == sorted(
        f["url"] for f in EXPECTED["wikisource"].values())

    warc = tmp_path / "crawl.warc.gz"
    with open(warc, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for name, want in EXPECTED["marxists"].items():
            body = (IMPORT / "marxists" / name).read_bytes()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(want["url"], "response",
                                                          payload=io.BytesIO(body),
                                                          length=len(body),
                                                          http_headers=headers))
        missing = StatusAndHeaders("404 Not Found", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://www.marxists.org/gone.htm", "response",
                                                      payload=io.BytesIO(b"<p>gone</p>"), length=11,
                                                      http_headers=missing))
    report = import_sources([str(warc)], tmp_path / "from-warc")
    assert len(report.documents) == 6
    assert report.problems == [("https://www.marxists.org/gone.htm", "HTTP 404 in the WARC (skipped)")]
    doc = next(d for d in report.documents if d.source_url.endswith("/carta.htm"))
    assert doc.fields["translator"] == ("Juan Pérez", "profile")
    assert doc.path == "www.marxists.org/espanol/gorter/1920/carta.txt"


def test_cli_import_then_index_then_kwic(tmp_path):
    target = tmp_path / "corpus"
    out = run("import", *_all_fixture_folders(), "--into", target)
    assert out.splitlines()[0] == f"{target}: 33 documents imported"
    assert "year             25      0       16      9      8" in out
    index = tmp_path / "index"
    run("index", target, "--index", index, "--procs", "1", "--keep-duplicates")
    out = run("kwic", "delegate", "--index", index, "--count", "--format", "json")
    # Independent count: the word in the true texts of the English fixtures.
    true = sum(tokens(f["text"])["delegate"] for p in EXPECTED.values() for f in p.values())
    assert json.loads(out)["hits"] == true == 12
    # The fixtures of one language share their paragraphs: counted once, by default.
    run("index", target, "--index", index, "--procs", "1")
    out = run("kwic", "delegate", "--index", index, "--count", "--format", "json")
    assert json.loads(out) == {"hits": 1, "docs": 1}


def test_cli_import_bad_sources(tmp_path):
    result = CliRunner().invoke(main, ["import", str(tmp_path / "nope"), "--into", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nope'}: no such file or folder"
    result = CliRunner().invoke(main, ["import", "https://example.org/", "--into", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert "needs --crawl" in result.output
    notes = tmp_path / "notes.odt"
    notes.write_bytes(b"PK\x03\x04 not a list")
    result = CliRunner().invoke(main, ["import", str(notes), "--into", str(tmp_path / "c")])
    assert result.exit_code == 1 and "not a folder, WARC, ZIP or list of URLs" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "tiny.html").write_text("<html><body><nav>Home</nav><p>Hi.</p></body></html>")
    result = CliRunner().invoke(main, ["import", str(empty), "--into", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert "not imported: empty/tiny.html: 0 words of text found, fewer than 20 (not imported)" in result.output


def test_readme_walkthrough_works_as_written(tmp_path, monkeypatch):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    block = readme.split("## From saved pages to a concordance", 1)[1].split("```sh", 1)[1]
    commands = [line for line in block.split("```", 1)[0].strip().splitlines() if line.strip()]
    assert len(commands) == 3
    monkeypatch.chdir(tmp_path)
    shutil.copytree(IMPORT / "marxists", tmp_path / "saved-pages")
    outputs = []
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "concord"
        outputs.append(run(*words[1:]))
    assert outputs[0].startswith("my-corpus: 6 documents imported")
    assert (tmp_path / "my-corpus" / "metadata.csv").is_file()
    true = sum(tokens(f["text"])["councils"] for f in EXPECTED["marxists"].values())
    assert true == 2                               # the English page: its title and its text
    assert outputs[2].splitlines()[0] == f"{true} hits in 1 document (showing 1-{true})"


def test_generic_page_of_two_short_paragraphs_keeps_them():
    from concord.importers.base import Page

    raw = (Path(__file__).parent / "data" / "mini" / "de" / "1930-ruehle-staat.html").read_bytes()
    doc = extract_page(Page("", raw, "text/html", "2026-01-01", "mini"))
    assert doc.paragraphs == [
        "Staatskapitalismus",
        "Der Staatskapitalismus in Russland ist kein Sozialismus. Die Arbeiterräte wurden entmachtet.",
        "Die Räte sind die Organe der Klasse; der Staatskapitalismus ist ihr Feind.",
    ]
    assert doc.fields == {"title": ("Staatskapitalismus", "page"),
                          "author": ("Otto Rühle", "page"), "language": ("de", "page")}


def test_pdf_and_epub_are_copied_for_their_readers(tmp_path):
    from concord.ingest import load_sidecar

    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "pamphlet.pdf").write_bytes(b"%PDF-1.4 not really")
    (saved / "book.epub").write_bytes(b"PK\x03\x04 not really")
    (saved / "notes.docx").write_bytes(b"not imported at all")
    report = import_sources([str(saved)], tmp_path / "c")
    assert sorted(d.path for d in report.documents) == ["file/book.epub", "file/pamphlet.pdf"]
    assert (tmp_path / "c" / "file" / "pamphlet.pdf").read_bytes() == b"%PDF-1.4 not really"
    rows = load_sidecar(tmp_path / "c")
    assert rows["file/book.epub"]["archive"] == "file" and "retrieved" in rows["file/book.epub"]


def test_broken_zip_and_warc_are_one_line_errors(tmp_path):
    bad_zip = tmp_path / "pages.zip"
    bad_zip.write_bytes(b"this is not a zip")
    result = CliRunner().invoke(main, ["import", str(bad_zip), "--into", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert result.output == (f"Error: {bad_zip}: not a readable ZIP file "
                             "(File is not a zip file)\n")
    bad_warc = tmp_path / "crawl.warc"
    bad_warc.write_bytes(b"not a warc record\r\n\r\n")
    result = CliRunner().invoke(main, ["import", str(bad_warc), "--into", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad_warc}: not a readable WARC file")
    assert len(result.output.splitlines()) == 1


def test_progress_is_called_per_page(tmp_path):
    seen: list[tuple[int, str]] = []
    import_sources([str(IMPORT / "gutenberg")], tmp_path / "c",
                   progress=lambda n, where: seen.append((n, where)))
    assert [n for n, _ in seen] == [1, 2, 3, 4, 5]
    assert seen[0][1] == "gutenberg/pg-assembly-en.html"


def test_import_then_index_in_one_command(tmp_path):
    out = run("import", IMPORT / "libcom", "--into", tmp_path / "c", "--index", tmp_path / "ix")
    assert out.splitlines()[0] == f"{tmp_path / 'c'}: 5 documents imported"
    got = json.loads(run("kwic", "delegate", "--index", tmp_path / "ix", "--count", "--format", "json"))
    assert got == {"hits": 1, "docs": 1}      # the five pages share their paragraphs: counted once
