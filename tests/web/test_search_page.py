"""The search page (the home page) and its twins."""

from __future__ import annotations

import io
import json

from webtools import (
    get_html,
    get_json,
    parse_html,
    run_cli,
    unescape,
)

from concord.export import read_csv_export

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
