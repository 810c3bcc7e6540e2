"""Every page: headers, navigation, labels, twins of every format, no page lists every row."""

from __future__ import annotations

import io
import json
import re

import pytest
from webtools import (
    MANIFESTO_EN,
    get_html,
    get_json,
    kwic_rows,
    parse_html,
    unescape,
)

from concord.export import read_csv_export
from web.app import CSP

# --- every page -------------------------------------------------------------------------------

PAGES = [
    "/",
    "/search?q=class",
    "/kwic",
    "/kwic?q=class",
    "/freq",
    "/freq?q=class",
    "/freq?q=class&q=bourgeois*&by=lang,decade",
    "/collocates",
    "/collocates?q=class",
    "/wordlist",
    "/keywords",
    "/keywords?target=year:1840-1859&reference=year:1900-1950",
    "/concepts",
    "/concept/communism",
    f"/doc/{MANIFESTO_EN}",
    f"/doc/{MANIFESTO_EN}?q=class",
    "/corpus",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_with_headers_and_navigation(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'")
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    tags = parse_html(html)
    nav = [a["href"].split("?")[0] for tag, a in tags.tags if tag == "a" and "href" in a]
    for path in ("/search", "/kwic", "/freq", "/collocates", "/wordlist", "/keywords",
                 "/concepts", "/corpus"):
        assert path in nav
    # No inline scripts or styles: the CSP would block them.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize("url", [u for u in PAGES if "?" in u or u in ("/concepts", "/corpus", "/wordlist")])
def test_pages_link_their_json_twin(client, url):
    response = client.get(url)
    tags = parse_html(response.get_data(as_text=True))
    alternates = [a["href"] for tag, a in tags.tags
                  if tag == "link" and a.get("rel") == "alternate"]
    assert len(alternates) == 1 and ".json" in alternates[0]
    assert 'rel="alternate"; type="application/json"' in response.headers["Link"]
    twin = client.get(unescape(alternates[0]))
    assert twin.status_code == 200 and twin.mimetype == "application/json"
    assert "provenance" in twin.get_json()


def test_every_control_has_a_label(client):
    for url in ("/", "/kwic?q=class", "/freq?q=class", "/collocates?q=class", "/wordlist",
                "/keywords", f"/doc/{MANIFESTO_EN}?q=class"):
        tags = parse_html(get_html(client, url))
        labelled = {a["for"] for tag, a in tags.tags if tag == "label" and "for" in a}
        for tag, a in tags.tags:
            if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
                assert a.get("id") in labelled or a.get("aria-label"), (url, a)


def test_ids_are_unique(client):
    for url in ("/kwic?q=class", "/freq?q=class", f"/doc/{MANIFESTO_EN}?q=class"):
        ids = [a["id"] for tag, a in parse_html(get_html(client, url)).tags if "id" in a]
        assert len(ids) == len(set(ids)), url


def test_static_files_are_served(client):
    for name in ("style.css", "app.js", "favicon.svg"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        response.close()


def test_html_pages_never_list_every_row(client):
    html = get_html(client, "/kwic?q=the&all=1")
    assert len(kwic_rows(html)) == 50
    html = get_html(client, "/wordlist?all=1&limit=10")
    table = html.split('<table class="data">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 11


TWIN_PAGES = [
    "/search?q=class",
    "/kwic?q=class",
    "/freq?q=class&by=lang,decade",
    "/collocates?q=class",
    "/wordlist?lang=fr",
    "/keywords?target=year:1840-1859&reference=year:1860-1950",
    "/concepts",
    "/concept/communism",
    f"/doc/{MANIFESTO_EN}?q=class",
    "/corpus",
]


@pytest.mark.parametrize("url", TWIN_PAGES)
@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "jsonl", "xlsx", "parquet", "zip"])
def test_every_page_has_every_twin(client, url, fmt):
    from concord.export import content_type

    path, _, query = url.partition("?")
    response = client.get(f"{path}.{fmt}?{query}")
    assert response.status_code == 200
    assert response.mimetype == ("application/zip" if fmt == "zip"
                                 else content_type(fmt).split(";")[0])
    body = response.get_data()
    response.close()
    page_rows = get_json(client, f"{path}.json?{query}")
    key = next(k for k in ("lines", "results", "rows", "concepts", "paragraphs") if k in page_rows)
    n = len(page_rows[key])
    assert n > 0
    if fmt in ("csv", "tsv"):
        export = read_csv_export(io.StringIO(body.decode("utf-8"), newline=""),
                                 delimiter="," if fmt == "csv" else "\t")
        assert len(export.rows) == n and export.provenance is None
    elif fmt == "jsonl":
        lines = body.decode("utf-8").splitlines()
        assert "provenance" not in json.loads(lines[0]) and len(lines) == n
    elif fmt == "zip":
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            package = json.loads(archive.read("datapackage.json"))
            assert package["concord"]["rows"] == n
            assert package["concord"]["command"].startswith("web ")
    elif fmt == "parquet":
        pq = pytest.importorskip("pyarrow.parquet")
        table = pq.read_table(io.BytesIO(body))
        assert table.num_rows == n
        assert json.loads(table.schema.metadata[b"concord"])["command"].startswith("web ")
    elif fmt == "json":
        assert len(json.loads(body)[key]) == n
    else:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        assert len(list(book["rows"].iter_rows())) == n + 1
        book.close()
