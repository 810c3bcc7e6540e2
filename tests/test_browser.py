"""The web app in a real headless Chromium, driven by Playwright against a live server.

The server runs in a thread on 127.0.0.1 with a free port, on the sample corpus (fixtures
``browser``, ``page`` and ``server`` in tests/conftest.py, helpers in tests/browsing.py).
Each test saves screenshots to test-artifacts/screenshots/.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browsing import MANIFESTO_FR, args_of, shot

from concord.analysis import fold
from concord.export import read_csv_export

pytestmark = pytest.mark.browser

# --- the user journeys of the issue ------------------------------------------------------------

def test_search_from_the_home_page(page, server):
    page.goto(server + "/")
    shot(page, "01-home")
    page.get_by_label("Query", exact=True).fill("class")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search\?q=class"))
    assert page.get_by_role("heading", name=re.compile(r"89 hits in 4 documents")).is_visible()
    assert page.locator("li.doc-result").count() == 4
    assert page.locator("li.doc-result mark").first.inner_text().lower() == "class"
    shot(page, "02-search")


def test_concordance_sort_page_and_open_a_document(page, server):
    page.goto(server + "/search?q=class")
    page.get_by_role("link", name="Concordance of all hits").click()
    page.wait_for_url(re.compile(r"/kwic\?"))
    table = page.get_by_role("table")
    assert table.locator("caption").inner_text().startswith("Concordance of class")
    assert table.locator("tbody tr").count() == 50
    shot(page, "03-kwic")

    page.get_by_role("navigation", name="Sort").get_by_role("link", name="R1", exact=True).click()
    page.wait_for_url(re.compile(r"sort=R1"))
    rights = page.locator("table.kwic td.right").all_inner_texts()
    first_words = [fold(re.findall(r"\w+", r)[0]) if re.findall(r"\w+", r) else "" for r in rights]
    assert first_words == sorted(first_words)
    shot(page, "04-kwic-sorted-r1")

    page.get_by_role("link", name=re.compile("^Next")).first.click()
    page.wait_for_url(re.compile(r"page=2"))
    assert args_of(page.url)["sort"] == ["R1"]
    assert page.locator("table.kwic tbody tr").count() == 39
    assert "lines 51–89" in page.locator(".result-count").inner_text()
    shot(page, "05-kwic-page-2")

    line = page.locator("table.kwic tbody tr").nth(30)
    match = line.locator("td.match a")
    href = match.get_attribute("href")
    position = href.rsplit("#t", 1)[1]
    match.click()
    page.wait_for_url(re.compile(r"/doc/.*#t\d+$"))
    mark = page.locator(f"mark#t{position}")
    mark.wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'MARK'")
    assert mark.evaluate("el => el.classList.contains('current')")
    assert in_viewport(page, mark)
    # The hit's paragraph carries its language.
    assert mark.evaluate("el => el.closest('p').getAttribute('lang')") == "en"
    shot(page, "06-document-at-hit", full_page=False)


def test_frequency_chart_point_opens_the_concordance_of_its_cell(page, server):
    page.goto(server + "/freq?q=class&by=lang,year&zeros=1&shared=1")
    chart = page.locator("svg.chart-wide")
    assert chart.get_attribute("role") == "group"     # it holds links: not an image
    assert page.locator("svg.chart-wide title#chart-title-main-wide").count() == 1
    assert page.locator(".legend .legend-item").count() == 6  # en fr de ja ru, la (a Virgil line)
    shot(page, "07-freq-chart")
    point = page.locator('svg.chart-wide a.point[href*="lang=en"][href*="year=1851-1851"]')
    assert point.count() == 1
    point.click()
    page.wait_for_url(re.compile(r"/kwic\?"))
    args = args_of(page.url)
    assert args["q"] == ["class"] and args["lang"] == ["en"] and args["year"] == ["1851-1851"]
    assert page.locator(".result-count").inner_text().startswith("26 hits in 1 document")
    assert set(page.locator("table.kwic td.src .src-meta").all_inner_texts()) == {"1851 · en"}
    shot(page, "08-kwic-of-a-cell")

    page.goto(server + "/freq?q=class&by=lang,year")
    page.get_by_role("link", name="absolute hits").click()
    page.wait_for_url(re.compile(r"scale=abs"))
    assert page.locator("svg.chart-wide .axis-label").last.text_content() == "hits"
    shot(page, "09-freq-absolute")


def test_download_a_csv_of_all_lines(page, server):
    page.goto(server + "/kwic?q=class")
    with page.expect_download() as info:
        page.get_by_role("group", name=re.compile("Download all")).get_by_role(
            "link", name="CSV", exact=True).click()
    download = info.value
    today = datetime.now(UTC).date().isoformat()
    assert download.suggested_filename == f"concord-kwic-class-{today}.csv"
    text = Path(download.path()).read_text("utf-8")
    export = read_csv_export(io.StringIO(text, newline=""))
    assert len(export.rows) == 89 and export.provenance is None
    assert {r["match"].lower() for r in export.rows} == {"class"}


def test_download_csv_with_provenance_as_a_zip(page, server):
    import zipfile

    page.goto(server + "/kwic?q=class")
    with page.expect_download() as info:
        page.get_by_role("group", name=re.compile("Download all")).get_by_role(
            "link", name="CSV + provenance (.zip)", exact=True).click()
    download = info.value
    today = datetime.now(UTC).date().isoformat()
    assert download.suggested_filename == f"concord-kwic-class-{today}.zip"
    with zipfile.ZipFile(download.path()) as archive:
        package = json.loads(archive.read("datapackage.json"))
        rows = read_csv_export(io.StringIO(archive.read(
            f"concord-kwic-class-{today}.csv").decode("utf-8"), newline="")).rows
    assert len(rows) == package["concord"]["rows"] == 89
    assert package["concord"]["query"] == "class"


# --- more pages, keyboard, contrast ----------------------------------------------------------

def test_the_other_pages_render(page, server):
    for name, url in [
        ("10-concept", "/concept/communism"),
        ("11-concepts", "/concepts"),
        ("12-collocates", "/collocates?q=bourgeoisie"),
        ("13-wordlist", "/wordlist?lang=fr"),
        ("14-keywords", "/keywords?target=year:1840-1859&reference=year:1860-1950"),
        ("15-corpus", "/corpus"),
        ("16-error-400", "/kwic?q=class&width=abc"),
        ("17-document-family", f"/doc/{MANIFESTO_FR}?q=classe"),
    ]:
        response = page.goto(server + url)
        assert response.status == (400 if "error" in name else 200), url
        shot(page, name, full_page="document" not in name)




def test_interface_language_switch(page, server):
    page.goto(server + "/kwic?q=class")
    page.get_by_role("navigation", name="Interface language").get_by_role(
        "link", name=re.compile("^DE")).click()
    page.wait_for_url(re.compile(r"ui=de"))
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Konkordanz")
    page.goto(server + "/freq?q=class")          # the cookie keeps the choice
    assert page.locator("html").get_attribute("lang") == "de"
    shot(page, "18-freq-in-german")


def test_keyboard_only_use(page, server):
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").evaluate("el => el.getBoundingClientRect().top >= 0")
    page.keyboard.press("Enter")
    # Tab through the header to the query box, type and submit with the keyboard.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.type("bourgeoisie")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=bourgeoisie"))
    # Chart points are reachable and followable with the keyboard.
    page.goto(server + "/freq?q=class&by=lang,year")
    page.locator("svg a.point").first.focus()
    assert page.evaluate("document.activeElement.getAttribute('class')") == "point"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/kwic\?"))


CONTRAST_JS = """
() => {
  function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return m.length === 4 ? m : [...m, 1]; }
  function lum([r, g, b]) {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  }
  function background(el) {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  }
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (el.closest('svg, .visually-hidden, .skip-link')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const fg = rgb(style.color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) bad.push(el.tagName + '.' + el.className + ': ' + node.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
  }
  return bad;
}
"""


@pytest.mark.parametrize("url", ["/", "/kwic?q=class", "/freq?q=class",
                                 f"/doc/{MANIFESTO_FR}?q=classe", "/corpus",
                                 "/search?q=class", "/kwic?q=class&width=abc"])
def test_text_contrast_is_at_least_4_5(page, server, url):
    page.goto(server + url)
    assert page.evaluate(CONTRAST_JS) == []


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]


# --- query syntax help: every example runs (issue 10) ------------------------------------------

SYNTAX_EXAMPLES = {
    # example: its hits on the sample corpus (as `concord kwic EXAMPLE --count` reports them)
    "class": 89, "état": 7, '"middle class"': 17, "revolution*": 140,
    "bourgeoisie OR proletariat": 311, "bourgeoisie AND proletariat": 145,
    "bourgeoisie NOT proletariat": 124, "(bourgeoisie OR proletariat) AND revolution": 68,
    "class AND party within:doc": 76, "modern NEAR/3 industry": 9, '"middle class"~2': 17,
    "class -bourgeoisie": 0, "@class-struggle": 19, "class lang:en year:1840-1850": 39,
}


def test_syntax_help_examples_run(page, server):
    import importlib.util

    page.goto(server + "/kwic")
    page.locator("summary", has_text="Query syntax").click()
    links = page.locator("a.syntax-example")
    examples = links.all_inner_texts()
    cql = [e for e in examples if e.startswith("[")]
    assert len(cql) == 1                         # the CQL example, run below when CQL is present
    assert set(examples) - set(cql) == set(SYNTAX_EXAMPLES)
    shot(page, "20-syntax-help")
    if importlib.util.find_spec("concord.cql") is not None:
        SYNTAX_EXAMPLES[cql[0]] = None           # any count: CQL is checked by its own tests
    for example, expected in SYNTAX_EXAMPLES.items():
        page.goto(server + "/kwic")
        page.locator("summary", has_text="Query syntax").click()
        page.locator("a.syntax-example", has_text=example).first.click()
        page.wait_for_url(re.compile(r"/kwic\?q="))
        assert page.get_by_label("Query", exact=True).input_value() == example
        status = page.locator(".result-count").inner_text()
        if expected == 0:
            assert status.startswith("No hits."), (example, status)
        elif expected is not None:
            assert status.startswith(f"{expected} hits"), (example, status)
        if expected:
            page.locator("summary", has_text="How this was read").click()
            assert page.locator("pre.explain-tree").is_visible()
    shot(page, "21-syntax-example-explained")


def test_syntax_error_shows_the_caret_with_the_query_kept(page, server):
    response = page.goto(server + "/kwic?q=" + "%28revolution%20OR")
    assert response.status == 400
    assert page.get_by_role("alert").inner_text() == "col 1: unbalanced parenthesis: this ( is never closed"
    assert page.locator("pre.error-caret").inner_text() == "  (revolution OR\n  ^"
    assert page.get_by_label("Query", exact=True).input_value() == "(revolution OR"
    shot(page, "22-syntax-error")
