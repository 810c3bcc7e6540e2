"""The web app through Flask's test client: every page, its data twins, and every error.

Twins are checked against the page, against the library and against the CLI (click's
CliRunner on the same index). Indexes are built once per session: the shipped sample corpus
(``sample_index``) and tests/data/web, a tiny corpus whose texts and metadata hold markup.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from concord.cli import main as cli
from concord.concepts import concept_rows
from concord.export import read_csv_export
from concord.hits import find_hits
from concord.index import open_index
from concord.kwic import concordance
from concord.query import parse_query
from web.app import CSP, create_app

DATA = Path(__file__).parent / "data"
WEB_CORPUS = DATA / "web"
MANIFESTO_EN = "en/1848-marx-engels-manifesto-of-the-communist-party-ch1-2.txt"
UNSAFE = "en/1920-unsafe.txt"


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("web") / "index"
    build_index(WEB_CORPUS, target, procs=1)
    return target


@pytest.fixture(scope="session")
def app(sample_index):
    app = create_app({"TESTING": True, "CONCORD_INDEX": str(sample_index)})
    yield app
    app.extensions["concord_index"].close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def make_client():
    """Build test clients of apps with their own configuration; close their indexes after."""
    apps = []

    def make(index, **config):
        app = create_app({"TESTING": True, "CONCORD_INDEX": str(index), **config})
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        app.extensions["concord_index"].close()


@pytest.fixture()
def web_client(web_index, make_client):
    return make_client(web_index)


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def get_html(client, url: str, status: int = 200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


class Tags(HTMLParser):
    """Collect start tags with their attributes, and the text inside chosen elements."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.texts: list[tuple[str, dict[str, str], str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attrs))
        if tag not in ("br", "input", "col", "link", "meta", "img", "path", "rect", "circle",
                       "line"):
            self.stack.append((tag, attrs, []))

    def handle_endtag(self, tag):
        while self.stack:
            t, attrs, parts = self.stack.pop()
            text = "".join(parts)
            self.texts.append((t, attrs, text))
            if self.stack:
                self.stack[-1][2].append(text)
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def find(self, tag: str, cls: str | None = None) -> list[tuple[dict[str, str], str]]:
        return [(a, t) for name, a, t in self.texts
                if name == tag and (cls is None or cls in a.get("class", "").split())]


def parse_html(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def kwic_rows(html: str) -> list[dict[str, str]]:
    """The KWIC table of a page: left, match, right and the match's link per line."""
    body = html.split('<table class="kwic">', 1)[1].split("</table>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S):
        tags = parse_html(tr)
        cells = {a.get("class", "").split()[0]: t for a, t in tags.find("td")}
        link = next(a["href"] for tag, a in tags.tags if tag == "a")
        rows.append({"left": cells["left"], "match": cells["match"], "right": cells["right"],
                     "href": link})
    return rows


def unescape(text: str) -> str:
    import html

    return html.unescape(text)


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


# --- search -----------------------------------------------------------------------------------

def test_search_json_agrees_with_the_cli(client, sample_index):
    data = get_json(client, "/search.json?q=class")
    out = json.loads(run_cli("search", "class", "--index", str(sample_index), "--format", "json",
                             "--limit", "20"))
    assert data["hits"] == out["hits"] and data["docs"] == out["docs"]
    assert [r["doc_id"] for r in data["results"]] == [r["doc_id"] for r in out["results"]]
    assert data["facets"] == out["facets"]
    html = get_html(client, "/search?q=class")
    for result in data["results"]:
        assert unescape(html).count(result["title"]) >= 1
    assert html.count("<mark>") >= sum(len(r["snippets"]) for r in data["results"])


def test_home_page_has_the_query_box_and_concepts(client):
    html = get_html(client, "/")
    assert 'role="search"' in html and 'list="concept-list"' in html
    assert '<option value="@state-capitalism">' in html
    assert "<details" in html and "<summary" in html


def test_search_csv_twin(client):
    data = get_json(client, "/search.json?q=bourgeoisie")
    export = read_csv_export(io.StringIO(client.get("/search.csv?q=bourgeoisie").get_data(
        as_text=True), newline=""))
    assert [r["doc_id"] for r in export.rows] == [r["doc_id"] for r in data["results"]]
    assert [int(r["hits"]) for r in export.rows] == [r["hits"] for r in data["results"]]


def test_search_facet_links_narrow_the_search(client):
    html = get_html(client, "/search?q=class")
    links = [unescape(a["href"]) for tag, a in parse_html(html).tags
             if tag == "a" and "year=1840-1849" in a.get("href", "")]
    assert links
    narrowed = get_json(client, links[0].replace("/search?", "/search.json?"))
    assert narrowed["hits"] < get_json(client, "/search.json?q=class")["hits"]


# --- frequencies and the chart ------------------------------------------------------------

def test_freq_twin_agrees_with_the_cli(client, sample_index):
    data = get_json(client, "/freq.json?q=class&by=lang,year")
    out = json.loads(run_cli("freq", "class", "--by", "lang,year", "--index", str(sample_index),
                             "--format", "json"))
    assert data["rows"] == out["rows"]
    assert sum(r["hits"] for r in data["rows"]) == data["hits"] == 89
    export = read_csv_export(io.StringIO(client.get("/freq.csv?q=class&by=lang,year").get_data(
        as_text=True), newline=""))
    assert len(export.rows) == len(data["rows"])
    assert export.columns == ("lang", "year", "hits", "docs", "tokens", "per_million", "sparse")


def test_freq_chart_is_an_accessible_svg_with_links_per_point(client):
    html = get_html(client, "/freq?q=class&by=lang,year")
    tags = parse_html(html)
    svgs = [a for tag, a in tags.tags if tag == "svg" and a.get("role") == "img"]
    assert len(svgs) == 1 and svgs[0]["aria-describedby"] == "freq-table"
    assert '<title id="chart-title">' in html
    rows = get_json(client, "/freq.json?q=class&by=lang,year")["rows"]
    point_links = [unescape(a["href"]) for tag, a in tags.tags
                   if tag == "a" and "point" in a.get("class", "")]
    assert len(point_links) == len(rows)
    assert '<table class="data" id="freq-table">' in html and "<caption>" in html


def test_every_chart_point_opens_the_concordance_of_its_cell(client):
    rows = get_json(client, "/freq.json?q=class&by=lang,year")["rows"]
    html = get_html(client, "/freq?q=class&by=lang,year")
    links = [unescape(a["href"]) for tag, a in parse_html(html).tags
             if tag == "a" and "point" in a.get("class", "")]
    by_cell = {}
    for link in links:
        args = parse_qs(urlsplit(link).query)
        by_cell[(args["lang"][0], int(args["year"][0].split("-")[0]))] = link
    for row in rows:
        link = by_cell[(row["lang"], row["year"])]
        assert urlsplit(link).path == "/kwic"
        kwic = get_json(client, link.replace("/kwic?", "/kwic.json?"))
        assert kwic["hits"] == row["hits"], (row, link)


def test_freq_decades_and_several_queries(client, sample_index):
    data = get_json(client, "/freq.json?q=class&q=bourgeois*&by=lang,decade")
    out = json.loads(run_cli("freq", "class", "bourgeois*", "--by", "lang,decade", "--index",
                             str(sample_index), "--format", "json"))
    assert data["rows"] == out["rows"]
    html = get_html(client, "/freq?q=class&q=bourgeois*&by=lang,decade")
    legend = re.search(r'<ul class="legend">(.*?)</ul>', html, re.S).group(1)
    assert "class" in legend and "bourgeois*" in legend
    assert "1840s" in html


def test_freq_scale_toggle(client):
    pm = get_html(client, "/freq?q=class&scale=pm")
    absolute = get_html(client, "/freq?q=class&scale=abs")
    assert "hits per million words" in pm
    assert 'scale=abs' in pm and 'aria-current="true">absolute hits' in absolute
    assert pm != absolute


def test_freq_without_time_field_has_a_table_and_no_chart(client):
    html = get_html(client, "/freq?q=class&by=lang")
    assert 'role="img"' not in html and 'id="freq-table"' in html


# --- collocates, word list, keywords ----------------------------------------------------------

def test_collocates_twin_agrees_with_the_cli(client, sample_index):
    data = get_json(client, "/collocates.json?q=class&limit=50")
    out = json.loads(run_cli("collocates", "class", "--index", str(sample_index), "--format",
                             "json", "--limit", "50"))
    assert data["rows"] == out["rows"]
    html = get_html(client, "/collocates?q=class&limit=50")
    table = html.split('<table class="data">', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == len(data["rows"]) + 1


def test_collocates_options(client, sample_index):
    data = get_json(client, "/collocates.json?q=class&window=2,3&measure=logdice&min_freq=2&stopwords=1")
    out = json.loads(run_cli("collocates", "class", "--index", str(sample_index), "--format",
                             "json", "--window", "2,3", "--measure", "logdice", "--min-freq", "2",
                             "--stopwords", "--limit", "100"))
    assert data["rows"] == out["rows"]
    assert data["window"] == [2, 3]


def test_wordlist_pages_and_download(client, sample_index):
    out = json.loads(run_cli("wordlist", "--index", str(sample_index), "--format", "json"))
    first = get_json(client, "/wordlist.json?limit=100")
    second = get_json(client, "/wordlist.json?limit=100&page=2")
    assert first["rows"] + second["rows"] == out["rows"][:200]
    assert first["more"] is True
    export = read_csv_export(io.StringIO(client.get("/wordlist.csv?all=1").get_data(as_text=True),
                                         newline=""))
    assert len(export.rows) == len(out["rows"])
    html = get_html(client, "/wordlist?limit=100&page=2")
    assert 'rel="next"' in html and 'rel="prev"' in html


def test_keywords_twin_agrees_with_the_cli(client, sample_index):
    url = "/keywords.json?target=year:1840-1859&reference=year:1860-1950&min_freq=5"
    data = get_json(client, url)
    out = json.loads(run_cli("keywords", "--target", "year:1840-1859", "--reference",
                             "year:1860-1950", "--index", str(sample_index), "--format", "json",
                             "--limit", "0"))
    assert data["rows"] == out["rows"][:100]
    everything = get_json(client, url + "&all=1")
    assert everything["rows"] == out["rows"]


# --- concepts --------------------------------------------------------------------------------

def test_concepts_list_and_twin(client):
    data = get_json(client, "/concepts.json")
    assert [{k: r[k] for k in ("name", "label", "description", "forms")} for r in data["concepts"]] \
        == concept_rows()
    html = get_html(client, "/concepts")
    for row in concept_rows():
        assert f'href="/concept/{row["name"]}"' in html


def test_concept_page_draws_the_trajectory_across_languages(client, sample_index):
    data = get_json(client, "/concept/communism.json")
    assert data["concept"]["name"] == "communism"
    assert set(data["concept"]["forms"]) >= {"en", "de", "fr", "ru"}
    out = json.loads(run_cli("freq", "@communism", "--by", "lang,decade", "--index",
                             str(sample_index), "--format", "json"))
    assert data["rows"] == out["rows"]
    html = get_html(client, "/concept/communism")
    assert 'role="img"' in html
    legend = re.search(r'<ul class="legend">(.*?)</ul>', html, re.S).group(1)
    langs = {r["lang"] for r in data["rows"]}
    assert all(f"({lang})" in legend for lang in langs)
    yearly = get_json(client, "/concept/communism.json?by=lang,year")
    assert sum(r["hits"] for r in yearly["rows"]) == data["hits"]
    csv = read_csv_export(io.StringIO(client.get("/concept/communism.csv").get_data(as_text=True),
                                      newline=""))
    assert len(csv.rows) == len(data["rows"])


def test_unknown_concept_is_404(client):
    assert get_json(client, "/concept/no-such-thing.json", 404)["error"].startswith(
        "unknown concept")
    html = get_html(client, "/concept/no-such-thing", 404)
    assert "unknown concept" in html


def test_unknown_concept_in_a_query_is_400(client):
    assert "unknown concept" in get_json(client, "/kwic.json?q=@no-such-thing", 400)["error"]


# --- documents --------------------------------------------------------------------------------

def test_document_reader(client, sample_index):
    html = get_html(client, f"/doc/{MANIFESTO_EN}?q=class")
    data = get_json(client, f"/doc/{MANIFESTO_EN}.json?q=class")
    out = json.loads(run_cli("doc", MANIFESTO_EN, "--index", str(sample_index), "--format", "json"))
    assert [{k: p[k] for k in ("start", "end", "lang", "text")} for p in data["paragraphs"]] \
        == out["paragraphs"]
    assert data["family"] == out["family"]
    assert len(data["hits"]) == 39
    tags = parse_html(html)
    marks = [a for tag, a in tags.tags if tag == "mark"]
    assert len(marks) == 39
    assert all(a["id"] == f"t{h['position']}" for a, h in zip(marks, data["hits"], strict=True))
    paras = [a for tag, a in tags.tags if tag == "p" and "lang" in a and
             a.get("lang") in {p["lang"] for p in data["paragraphs"]}]
    assert len(paras) >= len(data["paragraphs"])
    # The translation family links to the other versions of the work.
    for version in data["family"]:
        assert f'href="/doc/{version["doc_id"]}?q=class"' in html
    assert {v["language"] for v in data["family"]} == {"de", "fr"}


def test_kwic_links_land_on_a_mark_of_the_document(client):
    data = get_json(client, "/kwic.json?q=class&limit=5&sort=R1")
    for line in data["lines"]:
        html = get_html(client, f"/doc/{line['doc_id']}?q=class")
        assert f'<mark id="t{line["position"]}">{line["match"]}</mark>' in html


def test_document_csv_twin_lists_paragraphs(client):
    data = get_json(client, f"/doc/{MANIFESTO_EN}.json")
    export = read_csv_export(io.StringIO(client.get(f"/doc/{MANIFESTO_EN}.csv").get_data(
        as_text=True), newline=""))
    assert [r["text"] for r in export.rows] == [p["text"] for p in data["paragraphs"]]
    assert data["hits"] == [] and data["query"] is None


def test_unknown_document_is_404(client):
    assert "no document" in get_json(client, "/doc/en/nothing.txt.json", 404)["error"]
    get_html(client, "/doc/en/nothing.txt", 404)


@pytest.mark.parametrize("path", [
    "/doc/../../etc/passwd",
    "/doc/%2e%2e/%2e%2e/etc/passwd",
    "/doc/..%2f..%2fetc%2fpasswd",
    "/doc/%2Fetc%2Fpasswd",
    "/doc//etc/passwd",
    "/doc/en/../../../../etc/passwd",
    "/doc/en/%2e%2e/%2e%2e/pyproject.toml",
    "/doc/..%5c..%5cwindows",
    "/doc/" + "a" * 5000,
])
def test_document_routes_cannot_reach_outside_the_index(client, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "root:" not in body and "[build-system]" not in body


# --- corpus -----------------------------------------------------------------------------------

def test_corpus_overview(client, sample_index):
    data = get_json(client, "/corpus.json")
    info = json.loads(run_cli("info", "--index", str(sample_index), "--format", "json"))
    assert data["documents"] == info["documents"] == 11
    assert data["tokens"] == info["tokens"]
    assert sum(r["documents"] for r in data["rows"]) == info["documents"]
    assert sum(r["tokens"] for r in data["rows"]) == info["tokens"]
    assert len(data["document_list"]) == 11
    assert str(sample_index) not in json.dumps(data)   # no server paths
    html = get_html(client, "/corpus")
    for doc in data["document_list"]:
        assert f'href="/doc/{doc["doc_id"]}"' in html


# --- escaping ---------------------------------------------------------------------------------

def test_markup_in_documents_is_shown_as_text(web_client):
    html = get_html(web_client, f"/doc/{UNSAFE}?q=council")
    assert "<script>alert" not in html and "<b>bold" not in html and "<i>Councils" not in html
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;i&gt;Councils&lt;/i&gt; &amp; &lt;script&gt;" in html     # the title
    assert "Anton &lt;b&gt;Pannekoek&lt;/b&gt;" in html


@pytest.mark.parametrize("url", [
    "/kwic?q=council", "/search?q=council", "/search?q=bold", "/corpus", "/freq?q=council&by=author",
    "/collocates?q=council&min_freq=1", "/kwic?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/doc/fr/1921-conseils.txt",
])
def test_markup_is_escaped_on_every_page(web_client, url):
    html = get_html(web_client, url)
    assert "<script>alert" not in html
    assert "<b>" not in html and "<i>Councils" not in html


def test_markup_in_the_query_is_escaped_in_errors(web_client):
    html = get_html(web_client, "/kwic?q=%22%3Cscript%3Ealert(1)%3C/script%3E&width=%3Cb%3E",
                    status=400)
    assert "<script>alert" not in html and "<b>" not in html


def test_translation_family_across_languages(web_client):
    data = get_json(web_client, f"/doc/{UNSAFE}.json")
    assert [v["doc_id"] for v in data["family"]] == ["fr/1921-conseils.txt"]
    html = get_html(web_client, "/doc/fr/1921-conseils.txt")
    assert f'href="/doc/{UNSAFE}"' in html
    assert '<p lang="fr">' in html


# --- errors -----------------------------------------------------------------------------------

BAD_PARAMS = [
    "/kwic?q=class&page=-1",
    "/kwic?q=class&page=0",
    "/kwic?q=class&limit=1000000000",
    "/kwic?q=class&limit=1001",
    "/kwic?q=class&width=abc",
    "/kwic?q=class&width=51",
    "/kwic?q=class&sort=zz",
    "/kwic?q=class&year=abc",
    "/kwic?q=class&year=1930-1920",
    "/kwic?q=class&mode=fuzzy",
    "/kwic?q=class&lang=french!",
    "/kwic?q=class&sample=0",
    "/kwic?q=class&all=maybe",
    "/kwic?q=%22%2A%22",
    "/kwic?q=nosuch:field",
    "/kwic?q=" + "a" * 2100,
    "/kwic?q=a%00b",
    "/search?q=class&limit=5000",
    "/freq?q=class&by=colour",
    "/freq?q=class&scale=log",
    "/freq?" + "&".join(f"q=w{i}" for i in range(9)),
    "/collocates?q=class&window=abc",
    "/collocates?q=class&window=99",
    "/collocates?q=class&measure=zz",
    "/collocates?q=class&min_freq=0",
    "/wordlist?min_freq=-3",
    "/keywords?target=year:1840-1859",
    "/keywords?target=nonsense&reference=year:1900",
    "/concept/communism?by=colour",
]


@pytest.mark.parametrize("url", BAD_PARAMS)
def test_bad_parameters_give_a_friendly_400_page(client, url):
    html = get_html(client, url, status=400)
    assert 'role="alert"' in html and "Traceback" not in html


@pytest.mark.parametrize("url", BAD_PARAMS)
def test_bad_parameters_give_a_json_error_on_twins(client, url):
    path, _, query = url.partition("?")
    twin = f"{path}.json?{query}"
    data = get_json(client, twin, 400)
    assert isinstance(data["error"], str) and data["error"]
    assert data["status"] == 400


def test_missing_query_on_twins_is_400(client):
    for url in ("/kwic.json", "/freq.json", "/collocates.json", "/search.json", "/kwic.csv",
                "/keywords.json"):
        response = client.get(url)
        assert response.status_code == 400
        assert "error" in response.get_json()


def test_unknown_pages_and_formats_are_404(client):
    get_html(client, "/nowhere", 404)
    assert get_json(client, "/nowhere.json", 404)["error"]
    assert client.get("/kwic.exe?q=class").status_code == 404
    assert client.get("/kwic.html?q=class").status_code == 404


def test_post_is_405(client):
    response = client.post("/kwic?q=class")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_slow_query_gives_503(sample_index, make_client):
    client = make_client(sample_index, QUERY_TIMEOUT=0)
    response = client.get("/kwic.json?q=the")
    assert response.status_code == 503
    assert "took too long" in response.get_json()["error"]
    assert response.headers["Retry-After"]
    html = get_html(client, "/kwic?q=the", status=503)
    assert "time limit" in html
    assert get_json(client, "/freq.json?q=the", 503)["error"]
    assert get_json(client, "/search.json?q=the", 503)["error"]


def test_missing_index_gives_503(tmp_path, make_client):
    client = make_client(tmp_path / "none")
    data = get_json(client, "/kwic.json?q=class", 503)
    assert "not available" in data["error"] and str(tmp_path) not in data["error"]
    html = get_html(client, "/", status=503)
    assert str(tmp_path) not in html


def test_unexpected_errors_are_a_friendly_500(app, monkeypatch):
    from web import pages

    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(pages, "corpus_page", boom)
    client = app.test_client()
    html = get_html(client, "/corpus", status=500)
    assert "bug" not in html and "Traceback" not in html
    assert get_json(client, "/corpus.json", 500)["error"]


# --- caps ----------------------------------------------------------------------------------

def test_page_size_is_capped_at_1000(client):
    assert len(get_json(client, "/kwic.json?q=the&limit=1000")["lines"]) == 1000
    assert client.get("/kwic.json?q=the&limit=1001").status_code == 400
    assert client.get("/wordlist.json?limit=1001").status_code == 400


def test_a_page_past_the_end_is_empty(client):
    data = get_json(client, "/kwic.json?q=class&page=1000")
    assert data["lines"] == [] and data["hits"] == 89


# --- interface languages ----------------------------------------------------------------------

def test_browser_language_chooses_the_interface(client):
    de = get_html(client, "/kwic?q=class", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in de and "Konkordanz" in de
    fr = get_html(client, "/kwic?q=class", headers={"Accept-Language": "fr"})
    assert '<html lang="fr">' in fr and "Concordance" in fr and "Trier" in fr
    en = get_html(client, "/kwic?q=class", headers={"Accept-Language": "it"})
    assert '<html lang="en">' in en


def test_the_switch_overrides_and_is_remembered(app):
    client = app.test_client()
    response = client.get("/?ui=fr", headers={"Accept-Language": "de"})
    assert '<html lang="fr">' in response.get_data(as_text=True)
    assert "concord_ui=fr" in response.headers["Set-Cookie"]
    later = get_html(client, "/corpus", headers={"Accept-Language": "de"})
    assert '<html lang="fr">' in later
    assert client.get("/?ui=xx").status_code == 200


def test_numbers_follow_the_interface_language(client):
    de = get_html(client, "/corpus?ui=de")
    en = get_html(client, "/corpus?ui=en")
    assert "39.321" in de and "39,321" in en


def test_catalogues_translate_every_message():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "web"
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    messages = {msg[2] if isinstance(msg[2], str) else msg[2][0]
                for msg in extract_from_dir(root, method_map)}
    assert len(messages) > 100
    for lang in ("de", "fr"):
        with open(root / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
            catalogue = read_po(fh)
        missing = [m for m in messages if not catalogue.get(m) or not catalogue.get(m).string
                   or catalogue.get(m).fuzzy]
        assert not missing, (lang, sorted(missing)[:10])
        mo = root / "translations" / lang / "LC_MESSAGES" / "messages.mo"
        assert mo.exists() and mo.stat().st_mtime >= (mo.with_suffix(".po")).stat().st_mtime - 1


def test_catalogues_compile_when_missing(tmp_path):
    from web.i18n import compiled_catalogues

    source = Path(__file__).resolve().parents[1] / "web" / "translations"
    copy = tmp_path / "translations"
    shutil.copytree(source, copy)
    for mo in copy.glob("*/LC_MESSAGES/*.mo"):
        mo.unlink()
    assert compiled_catalogues(copy) == copy
    assert (copy / "de" / "LC_MESSAGES" / "messages.mo").exists()


# --- a rebuilt index is picked up -------------------------------------------------------------

def test_rebuilt_index_is_picked_up_between_requests(tmp_path, make_client):
    from concord.indexer import build_index

    corpus = tmp_path / "corpus"
    shutil.copytree(WEB_CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    client = make_client(index)
    assert get_json(client, "/corpus.json")["documents"] == 3
    before = get_json(client, "/kwic.json?q=council")["hits"]
    (corpus / "en" / "1925-more.txt").write_text("Another council of the workers.\n", "utf-8")
    build_index(corpus, index, procs=1)
    assert get_json(client, "/corpus.json")["documents"] == 4
    assert get_json(client, "/kwic.json?q=council")["hits"] == before + 1


# --- the serve command ------------------------------------------------------------------------

def test_serve_command_is_registered():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--index", "--corpus"):
        assert option in result.output


def test_serve_builds_a_missing_index_with_progress(tmp_path, monkeypatch):
    from web import server

    started = {}

    class FakeServer:
        url = "http://127.0.0.1:0"

        def serve_forever(self):
            started["ok"] = True

        def server_close(self):
            pass

    monkeypatch.setattr(server, "make_server", lambda app, host, port, workers: FakeServer())
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "ix"), "--corpus",
                                      str(WEB_CORPUS), "--port", "0"])
    assert result.exit_code == 0, result.output
    assert started["ok"]
    assert "indexing: 3/3 files" in result.stderr
    assert "indexed 3 documents" in result.stderr
    assert (tmp_path / "ix" / "CURRENT").exists()


def test_serve_reports_an_empty_corpus_in_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "ix"), "--corpus",
                                      str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no files to index" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "ix2"), "--corpus",
                                       str(tmp_path / "missing")])
    assert missing.exit_code == 1 and "not found" in missing.output


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
@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "jsonl", "xlsx", "zip"])
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
    elif fmt == "json":
        assert len(json.loads(body)[key]) == n
    else:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        assert len(list(book["rows"].iter_rows())) == n + 1
        book.close()


# --- presentation helpers ---------------------------------------------------------------------

def test_numbers_and_snippet_spacing(app):
    from web.present import num, space_after, space_before

    with app.test_request_context("/?ui=de"):
        assert (num(39321), num(7609.7612, 2), num(0.0, 2), num(None)) == ("39.321", "7.609,76",
                                                                            "0", "")
    with app.test_request_context("/?ui=en"):
        assert (num(1234567), num(2.5), num(1.005, 1)) == ("1,234,567", "2.5", "1")
    assert [space_after(x) for x in ("the", "working-", "traders’", "de l’", "(")] == \
        [" ", "", " ", "", ""]
    assert [space_before(x) for x in (", and", "’s", "and", "")] == ["", "", " ", ""]


def test_chart_geometry():
    from web.chart import line_chart, nice_ticks, year_ticks

    assert nice_ticks(0, 7.3) == [0, 2, 4, 6, 8]
    assert nice_ticks(0, 12000) == [0, 2500, 5000, 7500, 10000, 12500]
    assert year_ticks(1848, 1943) == [1850, 1860, 1870, 1880, 1890, 1900, 1910, 1920, 1930, 1940]
    assert year_ticks(1920, 1923) == [1920, 1921, 1922, 1923]
    rows = [{"lang": "en", "year": 1920, "hits": 2, "per_million": 10.0, "sparse": False},
            {"lang": "en", "year": 1930, "hits": 4, "per_million": 20.0, "sparse": False},
            {"lang": "de", "year": 1925, "hits": 0, "per_million": 0.0, "sparse": True}]
    chart = line_chart(rows, ("lang", "year"), href=lambda r: f"/kwic?lang={r['lang']}",
                       describe=lambda r, v: f"{r['lang']} {v}")
    assert [s.label for s in chart.series] == ["en", "de"]          # most hits first
    en = chart.series[0]
    assert en.points[0].x < en.points[1].x and en.points[0].y > en.points[1].y
    assert en.path.startswith("M") and " L" in en.path
    assert chart.series[0].colour != chart.series[1].colour
    assert chart.series[0].shape != chart.series[1].shape
    assert line_chart(rows, ("lang",), href=str, describe=str) is None


def test_readers_see_the_old_or_the_new_index_during_rebuilds(tmp_path):
    """Clients keep getting answers, never errors, while the index is rebuilt under them."""
    import http.client
    import threading

    from concord.indexer import build_index
    from web.server import make_server

    corpus = tmp_path / "corpus"
    shutil.copytree(WEB_CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    app = create_app({"CONCORD_INDEX": str(index)})
    server = make_server(app, "127.0.0.1", 0, workers=4, quiet=True)
    thread = server.start_background()
    statuses: list[int] = []
    hits: list[int] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
            try:
                conn.request("GET", "/kwic.json?q=council")
                response = conn.getresponse()
                body = response.read()
                statuses.append(response.status)
                if response.status == 200:
                    hits.append(json.loads(body)["hits"])
            finally:
                conn.close()

    clients = [threading.Thread(target=client) for _ in range(3)]
    try:
        for t in clients:
            t.start()
        for i in range(3):
            (corpus / "en" / f"19{30 + i}-more.txt").write_text(
                "Another council of the workers.\n", "utf-8")
            build_index(corpus, index, procs=1)
        # Let the clients see the last generation before they stop.
        seen = len(hits)
        deadline = time.monotonic() + 20
        while (len(hits) < seen + 6 or hits[-1] != 4) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in clients:
            t.join(30)
        server.shutdown()
        thread.join(10)
        server.server_close()
        app.extensions["concord_index"].close()
    assert statuses and set(statuses) == {200}
    assert set(hits) <= {1, 2, 3, 4} and max(hits) == 4


def test_the_web_package_never_touches_whoosh():
    root = Path(__file__).resolve().parents[1] / "web"
    for path in root.glob("*.py"):
        source = path.read_text("utf-8")
        assert not re.search(r"^\s*(import|from)\s+whoosh", source, re.M), path
        assert ".engine" not in source, path


def test_paging_a_concordance_reuses_its_hits(sample_index, make_client, monkeypatch):
    from web import pages

    calls = []
    real = pages.find_hits

    def counting(*args, **kwargs):
        calls.append(args[1].text)
        return real(*args, **kwargs)

    monkeypatch.setattr(pages, "find_hits", counting)
    client = make_client(sample_index)
    first = get_json(client, "/kwic.json?q=class")
    second = get_json(client, "/kwic.json?q=class&page=2&sort=R1")
    assert first["hits"] == second["hits"] and calls == ["class"]
    get_json(client, "/kwic.json?q=class&lang=en")          # other filters: searched again
    get_json(client, "/kwic.json?q=class&mode=exact")       # another mode: searched again
    assert calls == ["class"] * 3


def test_document_ids_with_spaces_and_signs_round_trip(web_client):
    doc_id = "de/1930 Arbeiterräte #1.txt"
    corpus = get_json(web_client, "/corpus.json")
    assert doc_id in [d["doc_id"] for d in corpus["document_list"]]
    html = get_html(web_client, "/corpus")
    href = next(unescape(a["href"]) for tag, a in parse_html(html).tags
                if tag == "a" and "Arbeiterr" in a.get("href", ""))
    assert href == "/doc/de/1930%20Arbeiterr%C3%A4te%20%231.txt"
    page = get_html(web_client, href + "?q=klasse")
    assert page.count("<mark") == 2
    alternate = next(unescape(a["href"]) for tag, a in parse_html(page).tags
                     if tag == "link" and a.get("rel") == "alternate")
    assert alternate.startswith("/doc/de/1930%20Arbeiterr%C3%A4te%20%231.txt.json?")
    data = get_json(web_client, alternate)
    assert data["doc_id"] == doc_id and len(data["hits"]) == 2
    kwic = get_json(web_client, "/kwic.json?q=klasse")
    assert {ln["doc_id"] for ln in kwic["lines"]} == {doc_id}
