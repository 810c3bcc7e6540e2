"""The concordance page and its twins, against the library and the CLI; caps and paging."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from webtools import (
    get_html,
    get_json,
    kwic_rows,
    run_cli,
    unescape,
)

from concord.export import read_csv_export
from concord.hits import find_hits
from concord.index import open_index
from concord.kwic import concordance
from concord.query import parse_query

# --- concordance --------------------------------------------------------------------------

def test_kwic_json_twin_agrees_with_the_cli_count(client, sample_index):
    data = get_json(client, "/kwic.json?q=class")
    counts = json.loads(run_cli("kwic", "class", "--index", str(sample_index), "--count",
                                "--format", "json"))
    assert data["hits"] == counts["hits"] == 89
    assert data["docs"] == counts["docs"]
    assert len(data["lines"]) == 50
    for line in data["lines"]:
        assert {"doc_id", "title", "year", "lang", "left", "match", "right", "position"} <= set(line)
        assert line["match"].lower() == "class"
    assert data["provenance"]["query"] == "class"


def test_kwic_page_shows_the_lines_of_its_twin(client):
    data = get_json(client, "/kwic.json?q=class&sort=R1&page=2&limit=20")
    html = get_html(client, "/kwic?q=class&sort=R1&page=2&limit=20")
    rows = kwic_rows(html)
    assert len(rows) == len(data["lines"]) == 20
    for row, line in zip(rows, data["lines"], strict=True):
        assert unescape(row["left"]) == line["left"]
        assert unescape(row["match"]) == line["match"]
        assert unescape(row["right"]) == line["right"]
        url = urlsplit(unescape(row["href"]))
        assert url.path == "/doc/" + line["doc_id"]
        assert url.fragment == f"t{line['position']}"
        assert parse_qs(url.query)["q"] == ["class"]
    assert "89 hits in 4 documents" in html
    assert "<caption>" in html and '<th scope="col"' in html


def test_kwic_lines_match_the_library(client, sample_index):
    data = get_json(client, "/kwic.json?q=class&sort=R1,R2&width=5&page=2&limit=10")
    with open_index(sample_index) as ix:
        hits = find_hits(ix, parse_query("class"))
        page = concordance(ix, hits, sort=("R1", "R2"), width=5, offset=10, limit=10)
    assert data["lines"] == [ln.as_dict() for ln in page["lines"]]
    assert data["offset"] == 10 and data["page"] == 2 and data["pages"] == 9


def test_kwic_all_lines_equal_the_cli_export(client, sample_index):
    web = get_json(client, "/kwic.json?q=bourgeois*&all=1&sort=L1")
    out = json.loads(run_cli("kwic", "bourgeois*", "--index", str(sample_index), "--all",
                             "--sort", "L1", "--format", "json"))
    assert web["lines"] == out["lines"]
    assert len(web["lines"]) == web["hits"] > 50
    assert web["provenance"]["expansion"] == out["provenance"]["expansion"]


def test_kwic_csv_twin_of_a_page_has_the_page_lines(client):
    data = get_json(client, "/kwic.json?q=class&limit=7")
    response = client.get("/kwic.csv?q=class&limit=7")
    assert response.mimetype == "text/csv"
    export = read_csv_export(io.StringIO(response.get_data(as_text=True), newline=""))
    assert [r["match"] for r in export.rows] == [ln["match"] for ln in data["lines"]]
    assert [r["left"] for r in export.rows] == [ln["left"] for ln in data["lines"]]


@pytest.mark.parametrize("fmt,delimiter", [("csv", ","), ("tsv", "\t")])
def test_kwic_download_of_all_lines_is_complete_and_data_only(client, fmt, delimiter):
    hits = get_json(client, "/kwic.json?q=the&limit=1")["hits"]
    assert hits > 1000          # more than one page, more than the page cap
    response = client.get(f"/kwic.{fmt}?q=the&all=1")
    assert response.status_code == 200
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="concord-kwic-the-{today}.{fmt}"')
    text = response.get_data(as_text=True)
    export = read_csv_export(io.StringIO(text, newline=""), delimiter=delimiter)
    assert len(export.rows) == hits
    assert export.provenance is None and "# query" not in text
    assert export.columns[:8] == ("doc_id", "title", "author", "year", "lang", "left", "match",
                                  "right")


def test_zip_twin_holds_the_csv_and_its_valid_data_package(client, tmp_path):
    import zipfile

    hits = get_json(client, "/kwic.json?q=the&limit=1")["hits"]
    response = client.get("/kwic.zip?q=the&all=1")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="concord-kwic-the-{today}.zip"')
    body = response.get_data()
    response.close()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == [f"concord-kwic-the-{today}.csv", "datapackage.json"]
        archive.extractall(tmp_path)
    package = json.loads((tmp_path / "datapackage.json").read_text("utf-8"))
    assert package["concord"]["rows"] == package["concord"]["extra"]["hits"] == hits
    assert package["concord"]["query"] == "the"
    assert package["concord"]["command"] == "web kwic"
    fields = package["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in fields][:4] == ["doc_id", "title", "author", "year"]
    assert fields[3]["type"] == "integer" and all(f["description"] for f in fields)
    csv_rows = read_csv_export(tmp_path / f"concord-kwic-the-{today}.csv").rows
    assert len(csv_rows) == hits
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:3]


def test_bom_download_for_excel(client):
    body = client.get("/freq.csv?q=class&bom=1").get_data()
    assert body.startswith(b"\xef\xbb\xbflang,")
    assert not client.get("/freq.csv?q=class").get_data().startswith(b"\xef")
    assert get_json(client, "/freq.json?q=class&bom=1", 400)["error"].startswith("bom=1 is for")
    html = get_html(client, "/freq?q=class")
    assert "/freq.csv?q=class&amp;all=1&amp;bom=1" in html
    assert "/freq.zip?q=class&amp;all=1" in html


def test_download_names_say_what_the_file_holds(client):
    today = datetime.now(UTC).date().isoformat()
    response = client.get("/concept/state-capitalism.csv?by=lang,decade")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="concord-concept-state-capitalism-by-lang-decade-{today}.csv"')
    response = client.get("/kwic.csv?q=%C3%89tat+%D0%B3%D0%BE%D1%81%D1%83%D0%B4%D0%B0%D1%80%D1%81%D1%82%D0%B2%D0%BE")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="concord-kwic-etat-{today}.csv"; '
        f"filename*=UTF-8''concord-kwic-%C3%A9tat-%D0%B3%D0%BE%D1%81%D1%83%D0%B4%D0%B0%D1%80%D1%81"
        f"%D1%82%D0%B2%D0%BE-{today}.csv")


def test_kwic_jsonl_and_xlsx_downloads(client):
    from openpyxl import load_workbook

    hits = get_json(client, "/kwic.json?q=class&limit=1")["hits"]
    lines = client.get("/kwic.jsonl?q=class&all=1").get_data(as_text=True).splitlines()
    assert len(lines) == hits
    assert all(set(json.loads(line)) >= {"doc_id", "match"} for line in lines)
    response = client.get("/kwic.xlsx?q=class&all=1")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    content = response.get_data()
    response.close()
    book = load_workbook(io.BytesIO(content), read_only=True)
    rows = list(book["rows"].iter_rows(values_only=True))
    assert rows[0][:3] == ("doc_id", "title", "author")
    assert len(rows) == hits + 1
    provenance = dict(book["provenance"].iter_rows(min_row=2, values_only=True))
    assert provenance["query"] == "class" and provenance["rows"] == hits
    book.close()


def test_kwic_sample_is_seeded_and_stable(client):
    a = get_json(client, "/kwic.json?q=the&sample=20&seed=3")
    b = get_json(client, "/kwic.json?q=the&sample=20&seed=3")
    assert a["lines"] == b["lines"] and a["shown"] == 20 and len(a["lines"]) == 20
    assert a["hits"] > 20


def test_kwic_filters_and_mode(client, sample_index):
    data = get_json(client, "/kwic.json?q=class&lang=en&year=1848-1851")
    counts = json.loads(run_cli("kwic", "class", "--index", str(sample_index), "--count",
                                "--format", "json", "--lang", "en", "--year", "1848-1851"))
    assert (data["hits"], data["docs"]) == (counts["hits"], counts["docs"])
    assert {ln["year"] for ln in data["lines"]} <= {1848, 1851}
    exact = get_json(client, "/kwic.json?q=Class&mode=exact")
    assert all(ln["match"] == "Class" for ln in exact["lines"])
    assert exact["hits"] < data["hits"]


def test_kwic_form_without_query_shows_the_form(client):
    html = get_html(client, "/kwic")
    assert 'name="q"' in html and 'class="kwic"' not in html


# --- caps ----------------------------------------------------------------------------------

def test_page_size_is_capped_at_1000(client):
    assert len(get_json(client, "/kwic.json?q=the&limit=1000")["lines"]) == 1000
    assert client.get("/kwic.json?q=the&limit=1001").status_code == 400
    assert client.get("/wordlist.json?limit=1001").status_code == 400


def test_a_page_past_the_end_is_empty(client):
    data = get_json(client, "/kwic.json?q=class&page=1000")
    assert data["lines"] == [] and data["hits"] == 89


def test_paging_a_concordance_reuses_its_hits(sample_index, make_client, monkeypatch):
    from concord import reports

    calls = []
    real = reports.find_hits

    def counting(*args, **kwargs):
        calls.append(args[1].text)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "find_hits", counting)
    client = make_client(sample_index)
    first = get_json(client, "/kwic.json?q=class")
    second = get_json(client, "/kwic.json?q=class&page=2&sort=R1")
    assert first["hits"] == second["hits"] and calls == ["class"]
    get_json(client, "/kwic.json?q=class&lang=en")          # other filters: searched again
    get_json(client, "/kwic.json?q=class&mode=exact")       # another mode: searched again
    assert calls == ["class"] * 3
