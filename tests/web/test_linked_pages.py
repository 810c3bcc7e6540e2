"""Every number links to exactly its lines: each table page, followed link by link.

For each page the test reads the linked numbers from the HTML (``class="lines-link"``), opens
each link's concordance twin (``/kwic.json``) and checks that it has exactly that many lines;
a collocate's ``cooccurrences`` (``class="context-link"``) equal the context words its
concordance finds, and a frequency cell's documents (``class="docs-link"``) its documents.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from webtools import get_html, get_json

LINK = re.compile(r'<a class="(lines-link|context-link|docs-link)" href="([^"]+)">([\d,]+)</a>')
TWIN_KEY = {"lines-link": "hits", "context-link": "context_hits", "docs-link": "docs"}


def linked_numbers(client, url: str) -> list[tuple[str, str, int]]:
    page = get_html(client, url)
    return [(kind, html.unescape(href), int(n.replace(",", "")))
            for kind, href, n in LINK.findall(page)]


def check_links(client, url: str, at_least: int = 3, sample: int = 40) -> int:
    links = linked_numbers(client, url)
    assert len(links) >= at_least, url
    step = max(1, len(links) // sample)
    for kind, href, n in links[::step]:
        assert href.startswith("/kwic?")
        twin = get_json(client, href.replace("/kwic?", "/kwic.json?", 1) + "&limit=1")
        got = twin[TWIN_KEY[kind]]
        assert got == n, (url, kind, href, n, got)
    return len(links)


@pytest.mark.parametrize("url", [
    "/freq?q=class&by=lang,decade",
    "/freq?q=bourgeois*&by=author,lang",
    "/freq?q=the&by=year",
    "/freq?q=class&q=bourgeoisie&by=work",
    "/freq?q=@bourgeoisie&by=form,lang",
    "/concept/bourgeoisie",
    "/concept/bourgeoisie?lang=fr,de&by=author",
    "/collocates?q=bourgeoisie",
    "/collocates?q=class&window=3,1&measure=mi&min_freq=2",
    "/collocates?q=@proletariat&lang=fr,de",
    "/collocates?q=bourgeoisie&mode=exact&lang=en",
    "/wordlist?lang=fr&limit=60",
    "/wordlist?lang=de&mode=exact&limit=60&page=3",
    "/wordlist?year=1840-1850&drop_stopwords=1&limit=40",
    "/keywords?target=lang:fr&reference=lang:en&limit=30",
    "/keywords?target=year:1840-1859&reference=year:1860-1950&mode=exact&limit=30",
])
def test_every_number_opens_exactly_its_lines(client, url):
    check_links(client, url)


def test_collocate_links_keep_the_node_the_window_and_the_language(client):
    links = linked_numbers(client, "/collocates?q=bourgeoisie&window=2,4&year=1840-1900")
    kind, href, n = next(link for link in links if link[0] == "lines-link")
    args = parse_qs(urlsplit(href).query)
    assert args["q"] == ["bourgeoisie"] and args["within"] == ["2,4"]
    assert args["year"] == ["1840-1900"] and len(args["lang"]) == 1 and len(args["has"]) == 1
    page = get_html(client, href)
    assert page.count('<mark class="context-word">') >= n
    assert "context has" in page


def test_keyword_links_open_the_target(client):
    links = linked_numbers(client, "/keywords?target=lang:fr year:1840-1850&reference=lang:en")
    href = links[0][1]
    args = parse_qs(urlsplit(href).query)
    assert args["lang"] == ["fr"] and args["year"] == ["1840-1850"]
    twin = get_json(client, href.replace("/kwic?", "/kwic.json?", 1) + "&limit=500")
    assert {line["lang"] for line in twin["lines"]} == {"fr"}
    assert all(1840 <= line["year"] <= 1850 for line in twin["lines"])


def test_keywords_page_and_twin_give_both_sub_corpus_sizes(client):
    data = get_json(client, "/keywords.json?target=lang:fr&reference=lang:en")
    fr = get_json(client, "/wordlist.json?lang=fr&all=1")
    assert data["target_size"]["tokens"] == sum(r["frequency"] for r in fr["rows"])
    assert data["provenance"]["extra"]["reference_tokens"] == data["reference_size"]["tokens"]
    page = get_html(client, "/keywords?target=lang:fr&reference=lang:en")
    t = data["target_size"]
    assert f"Target lang:fr: {t['tokens']:,} words in {t['documents']} documents" in page


def test_word_list_shows_real_spellings_and_exact_rows(client):
    rows = get_json(client, "/wordlist.json?lang=de&all=1")["rows"]
    by_key = {r["key"]: r["form"] for r in rows}
    assert by_key["dass"] == "daß" and by_key["grossen"] == "großen"
    exact = get_json(client, "/wordlist.json?lang=de&mode=exact&all=1")["rows"]
    assert {r["form"] for r in exact} >= {"Die", "die"}
    assert sum(r["frequency"] for r in exact) == sum(r["frequency"] for r in rows)
    assert get_json(client, "/wordlist.json?mode=stem", 400)["error"].startswith("mode 'stem'")


def test_collocates_hide_negative_rows_unless_asked(client):
    base = "/collocates.json?q=bourgeoisie&lang=en&min_freq=1&stopwords=1&limit=1000"
    positive = get_json(client, base)["rows"]
    every = get_json(client, base + "&negative=1")["rows"]
    assert len(every) > len(positive) and all(r["ll"] >= 0 for r in positive)
    assert 'name="negative"' in get_html(client, "/collocates?q=bourgeoisie")


def test_kwic_context_fields_and_groups(client):
    page = get_html(client, "/kwic?q=bourgeoisie&has=proletariat&within=4&side=left&group_by=lang")
    for field in ('name="has" value="proletariat"', 'name="lacks"', 'name="within" value="4"',
                  '<option value="left" selected>', '<option value="lang" selected>'):
        assert field in page
    data = get_json(client, "/kwic.json?q=bourgeoisie&has=proletariat&within=4&side=left&group_by=lang")
    assert data["line_filters"] == ["context has 'proletariat' within 4 left"]
    assert page.count('class="group-head"') == len(data["groups"]) > 1
    assert sum(g["hits"] for g in data["groups"]) == data["hits"]
    lacks = get_json(client, "/kwic.json?q=bourgeoisie&lacks=proletariat&within=4&side=left")
    assert lacks["hits"] + data["hits"] == data["query_hits"]
    for bad in ("within=0", "within=3,2&side=left", "has=two+words", "side=up&has=x",
                "group_by=colour"):
        assert get_json(client, f"/kwic.json?q=class&{bad}", 400)["error"]


def test_downloads_are_named_after_the_question(client):
    today = datetime.now(UTC).date().isoformat()
    names = {
        "/freq.csv?q=state+capitalism&by=lang,decade":
            f"concord-freq-state-capitalism-by-lang-decade-{today}.csv",
        "/kwic.csv?q=bourgeoisie&has=proletariat&within=5":
            f"concord-kwic-bourgeoisie-context-has-proletariat-within-5-{today}.csv",
        "/collocates.xlsx?q=class&measure=mi": f"concord-collocates-class-mi-{today}.xlsx",
        "/wordlist.tsv?lang=de": f"concord-wordlist-{today}.tsv",
        "/keywords.jsonl?target=lang:fr&reference=lang:en":
            f"concord-keywords-lang-fr-vs-lang-en-{today}.jsonl",
        "/concept/bourgeoisie.zip": f"concord-concept-bourgeoisie-by-lang-decade-{today}.zip",
    }
    for url, name in names.items():
        response = client.get(url)
        assert response.status_code == 200, url
        disposition = response.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="{name}"', (url, disposition)
        assert disposition.isascii()
        response.close()
