"""Frequencies with their chart, collocates, the word list and keywords, against the CLI."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs, urlsplit

from webtools import (
    get_html,
    get_json,
    parse_html,
    run_cli,
    unescape,
)

from concord.export import read_csv_export

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
    # Every line and one axis: the chart has a wide and a narrow (phone) drawing. An SVG
    # holding links is a group, not an image (axe: nested-interactive).
    html = get_html(client, "/freq?q=class&by=lang,year&zeros=1&shared=1")
    tags = parse_html(html)
    svgs = [a for tag, a in tags.tags if tag == "svg" and "chart-svg" in a.get("class", "")]
    assert [s["class"] for s in svgs] == ["chart-svg chart-wide", "chart-svg chart-narrow"]
    assert all(s["role"] == "group" and s["aria-describedby"] == "freq-table" for s in svgs)
    assert '<title id="chart-title-main-wide">' in html
    rows = get_json(client, "/freq.json?q=class&by=lang,year")["rows"]
    point_links = [unescape(a["href"]) for tag, a in tags.tags
                   if tag == "a" and "point" in a.get("class", "")]
    assert len(point_links) == 2 * len(rows)
    assert '<table class="data" id="freq-table">' in html and "<caption>" in html


def test_every_chart_point_opens_the_concordance_of_its_cell(client):
    rows = get_json(client, "/freq.json?q=class&by=lang,year")["rows"]
    html = get_html(client, "/freq?q=class&by=lang,year&zeros=1&shared=1")
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
    legend = re.search(r'<div class="legend"(.*?)</div>', html, re.S).group(1)
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
    assert "chart-svg" not in html and 'id="freq-table"' in html


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
