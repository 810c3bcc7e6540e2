"""The reader's hit list and link back, and a concordance line widened from its JSON twin."""

from __future__ import annotations

import re
from urllib.parse import quote

from webtools import get_html, get_json, unescape

BRUMAIRE = "en/1852-marx-eighteenth-brumaire-of-louis-bonaparte-ch1.txt"   # 282 hits of "the"


def test_line_endpoint_agrees_with_the_concordance(client):
    narrow = get_json(client, "/kwic.json?q=class&width=2&limit=20")["lines"]
    wide = get_json(client, "/kwic.json?q=class&width=12&limit=20")["lines"]
    for n, w in zip(narrow, wide, strict=True):
        line = get_json(client, f"/kwic/line.json?doc={quote(n['doc_id'])}&start={n['char_start']}"
                                f"&end={n['char_end']}&width=12")
        assert line == w


def test_line_endpoint_refuses_bad_addresses(client):
    n = get_json(client, "/kwic.json?q=class&limit=1")["lines"][0]
    doc = quote(n["doc_id"])
    assert get_json(client, "/kwic/line.json?doc=no/such&start=0&end=3", 404)["error"] == \
        "no document 'no/such' in the index"
    assert "not a match" in get_json(
        client, f"/kwic/line.json?doc={doc}&start={n['char_start'] + 1}&end={n['char_end']}",
        400)["error"]
    assert get_json(client, f"/kwic/line.json?doc={doc}&start=x&end=3", 400)["error"].startswith(
        "start must be a whole number")
    assert get_json(client, "/kwic/line.json?start=1&end=2", 400)["error"].startswith("doc is required")
    assert get_json(client, f"/kwic/line.json?doc={doc}&start={n['char_start']}&end={n['char_end']}"
                            "&width=500", 400)["error"] == "width must be a whole number from 0 to 200, not 500"


def test_every_hit_of_a_document_is_listed_200_at_a_time(client):
    html = get_html(client, f"/doc/{BRUMAIRE}?q=the")
    marks = re.findall(r'<mark id="t(\d+)"', html)
    assert len(marks) == 282 == get_json(client, f"/doc/{BRUMAIRE}.json?q=the")["provenance"][
        "extra"]["hits"]
    first = re.findall(r'<li><a href="#t(\d+)">(\d+)</a></li>', html)
    assert [int(n) for _, n in first] == list(range(1, 201))
    html2 = get_html(client, f"/doc/{BRUMAIRE}?q=the&hits_page=2")
    second = re.findall(r'<li><a href="#t(\d+)">(\d+)</a></li>', html2)
    assert [int(n) for _, n in second] == list(range(201, 283))
    assert [p for p, _ in first + second] == marks          # every hit, in text order
    assert "Hits 201–282 of 282" in html2
    assert get_html(client, f"/doc/{BRUMAIRE}?q=the&hits_page=x", 400)


def test_link_back_goes_only_to_the_concordance(client):
    html = get_html(client, "/kwic?q=class&sort=R1&page=2&limit=25")
    link = unescape(re.search(r'<td class="match" lang="\w+"><a href="([^"]+)"', html).group(1))
    doc = get_html(client, link.split("#")[0])
    back = unescape(re.search(r'<a href="([^"]+)" class="back-link">', doc).group(1))
    assert back == "/kwic?q=class&sort=R1&page=2&limit=25"
    for evil in ("//evil.example/x", "https://evil.example/?a=1", "javascript:alert(1)"):
        page = get_html(client, f"/doc/{BRUMAIRE}?back={quote(evil, safe='')}")
        found = re.search(r'<a href="([^"]+)" class="back-link">', page)
        assert found is None or unescape(found.group(1)).startswith("/kwic?")


def test_kwic_page_has_a_skip_link_to_its_lines(client):
    html = get_html(client, "/kwic?q=class")
    assert '<a class="skip-link" href="#results">Skip to results</a>' in html
    assert '<div class="table-wrap" id="results" tabindex="-1">' in html
    assert "Skip to results" not in get_html(client, "/kwic")
