"""The document reader, the corpus overview and escaping of corpus text."""

from __future__ import annotations

import io
import json

import pytest
from webtools import (
    MANIFESTO_EN,
    UNSAFE,
    get_html,
    get_json,
    parse_html,
    run_cli,
    unescape,
)

from concord.export import read_csv_export

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
    "/collocates?q=council&min_freq=1", "/kwic?q=%3Cscript%3Ealert%201%3C/script%3E",
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
    html = get_html(web_client, "/kwic?q=%3Cscript%3Ealert(1)%3C/script%3E", status=400)  # (1): syntax
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;\n" in html


def test_translation_family_across_languages(web_client):
    data = get_json(web_client, f"/doc/{UNSAFE}.json")
    assert [v["doc_id"] for v in data["family"]] == ["fr/1921-conseils.txt"]
    html = get_html(web_client, "/doc/fr/1921-conseils.txt")
    assert f'href="/doc/{UNSAFE}"' in html
    assert '<p lang="fr">' in html


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
