"""Charts that compare, the reader and the KWIC layout in a real Chromium (issue 12).

Same live server and browser as tests/test_browser.py (the sample corpus). Screenshots go
to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browsing import shot

pytestmark = pytest.mark.browser

BRUMAIRE = "en/1852-marx-eighteenth-brumaire-of-louis-bonaparte-ch1.txt"   # 282 hits of "the"


def visible_points(page) -> int:
    return page.locator("svg.chart-wide a.point:visible").count()


def test_chart_legend_toggles_a_line(page, server):
    page.goto(server + "/freq?q=class&q=bourgeois*&by=lang,decade")
    buttons = page.locator("#chart-main .legend-item")
    assert buttons.count() >= 2
    before = visible_points(page)
    first = buttons.nth(0)
    series = first.get_attribute("data-series")
    in_line = page.locator(f'svg.chart-wide g.series[data-series="{series}"] a.point').count()
    assert in_line > 0
    first.click()
    assert first.get_attribute("aria-pressed") == "false"
    assert visible_points(page) == before - in_line
    shot(page, "30-chart-line-hidden", full_page=False)
    first.press("Enter")                     # a real button: the keyboard works too
    assert first.get_attribute("aria-pressed") == "true"
    assert visible_points(page) == before


def test_chart_downloads_svg_and_png(page, server):
    page.goto(server + "/freq?q=class&q=bourgeois*&by=lang,decade")
    labels = page.locator("#chart-main .legend-item .legend-label").all_inner_texts()
    page.locator("#chart-main .legend-item").nth(1).click()      # hidden lines stay out
    downloads = page.get_by_role("group", name="Download the chart").first
    with page.expect_download() as info:
        downloads.get_by_role("button", name="SVG").click()
    svg_file = info.value
    assert re.fullmatch(r"concord-chart-freq-class-bourgeois-lang-decade-main-\d{4}-\d\d-\d\d\.svg",
                        svg_file.suggested_filename)
    svg = Path(svg_file.path()).read_text("utf-8")
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "<svg" in svg and "<a " not in svg and "href=" not in svg
    drawn = re.findall(r'<g class="series" data-series="\d+" data-label="([^"]*)"', svg)
    assert drawn == [labels[0]] + labels[2:]
    for label in drawn:                      # the legend is inside the file
        assert f">{label}</text>" in svg.replace("&amp;", "&")
    with page.expect_download() as info:
        downloads.get_by_role("button", name="PNG").click()
    png = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename.endswith(".png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 2000 and height > 760                      # twice the 1000-unit drawing


def test_reader_reaches_every_hit_past_200(page, server):
    page.goto(server + f"/doc/{BRUMAIRE}?q=the")
    assert page.locator(".hits-summary").inner_text() == "282 hits of the"
    assert page.locator(".doc-text mark[id^='t']").count() == 282
    assert page.locator(".hit-pos").inner_text() == "Hit 1 of 282"
    page.get_by_role("button", name="‹ Previous hit").click()   # wraps to the last hit
    assert page.locator(".hit-pos").inner_text() == "Hit 282 of 282"
    assert page.locator(".hit-nav li").count() == 200
    page.get_by_role("navigation", name="More hits").get_by_role("link", name="201–282").click()
    page.wait_for_url(re.compile(r"hits_page=2"))
    assert page.locator(".hit-nav li").count() == 82
    page.locator(".hit-nav a", has_text=re.compile("^250$")).click()
    mark = page.locator(".doc-text mark.current")
    assert page.locator(".hit-pos").inner_text() == "Hit 250 of 282"
    target = mark.get_attribute("id")
    page.get_by_role("button", name="Next hit ›").click()
    assert page.locator(".hit-pos").inner_text() == "Hit 251 of 282"
    assert page.locator(".doc-text mark.current").get_attribute("id") != target
    page.keyboard.press("p")
    assert page.locator(".hit-pos").inner_text() == "Hit 250 of 282"
    assert page.evaluate("document.activeElement.id") == target
    shot(page, "31-reader-hit-250", full_page=False)


def test_reader_link_back_keeps_sort_and_page(page, server):
    page.goto(server + "/kwic?q=class&sort=R1&page=2&limit=25")
    page.locator("table.kwic td.match a").first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    page.get_by_role("link", name="‹ Back to the concordance").click()
    page.wait_for_url(re.compile(r"/kwic\?"))
    args = parse_qs(urlsplit(page.url).query)
    assert args == {"q": ["class"], "sort": ["R1"], "page": ["2"], "limit": ["25"]}
    assert "lines 26–50" in page.locator(".result-count").inner_text()


def test_kwic_source_shows_year_and_language_at_1280(page, server):
    page.goto(server + "/kwic?q=class")
    rows = page.locator("table.kwic tbody tr")
    for i in range(rows.count()):
        cell = rows.nth(i).locator("td.src").bounding_box()
        meta = rows.nth(i).locator(".src-meta")
        box = meta.bounding_box()
        assert box["x"] + box["width"] <= cell["x"] + cell["width"] + 0.5
        assert meta.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        assert re.fullmatch(r"\d{4} · [a-z]{2}", meta.inner_text())


def test_kwic_skip_link_reaches_the_first_hit_in_a_few_tabs(page, server):
    page.goto(server + "/kwic?q=class")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    page.keyboard.press("Enter")
    presses = 0
    while presses < 10:
        page.keyboard.press("Tab")
        presses += 1
        if page.evaluate("!!document.activeElement.closest('td.match')"):
            break
    assert page.evaluate("!!document.activeElement.closest('table.kwic td.match')")
    assert presses <= 8


def test_kwic_line_widens_in_place(page, server):
    page.goto(server + "/kwic?q=class")
    row = page.locator("table.kwic tbody tr").first
    url = page.url
    row.get_by_role("button", name="More context for line 1").click()
    wide = page.locator("tr.wide-row .wide-text")
    wide.wait_for()
    short = len(wide.inner_text())
    assert wide.locator("mark").inner_text().lower() == "class"
    assert row.get_by_role("button", name="More context for line 1").get_attribute(
        "aria-expanded") == "true"
    page.get_by_role("button", name="More words").click()
    until(page, f"document.querySelector('tr.wide-row .wide-text').textContent.length > {short}")
    page.get_by_role("button", name="Whole paragraph").click()
    until(page, "document.querySelector('.wide-actions button:last-child').disabled")
    paragraph = wide.inner_text()
    doc, start = row.get_attribute("data-doc"), int(row.get_attribute("data-start"))
    data = page.evaluate(f"fetch('/doc/{doc}.json').then(r => r.json())")
    para = next(p for p in data["paragraphs"] if p["start"] <= start < p["end"])
    assert re.sub(r"\s+", "", paragraph) == re.sub(r"\s+", "", para["text"])
    assert page.url == url
    shot(page, "32-kwic-widened", full_page=False)


def until(page, script: str, tries: int = 50) -> None:
    """Wait for a condition (the page's CSP forbids wait_for_function's eval)."""
    for _ in range(tries):
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {script}")


@pytest.fixture()
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB",
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    yield context.new_page()
    context.close()


def test_phone_kwic_lines_are_stacked_with_the_match_on_screen(phone, server):
    phone.goto(server + "/kwic?q=class")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.locator(".table-wrap").evaluate("el => el.scrollWidth <= el.clientWidth")
    rows = phone.locator("table.kwic tbody tr")
    for i in range(5):
        left, match, right = (rows.nth(i).locator(f"td.{c}").bounding_box()
                              for c in ("left", "match", "right"))
        assert left["y"] < match["y"] < right["y"]           # stacked
        assert 0 <= match["x"] and match["x"] + match["width"] <= 390
    shot(phone, "33-phone-kwic", full_page=False)


def test_phone_reader_starts_with_the_text(phone, server):
    phone.goto(server + f"/doc/{BRUMAIRE}?q=the")
    assert phone.locator("details[data-phone-closed][open]").count() == 0
    first_para = phone.locator(".doc-text .para").first.bounding_box()
    assert first_para["y"] < 844
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "34-phone-reader", full_page=False)


def test_phone_chart_uses_the_narrow_drawing(phone, server):
    phone.goto(server + "/freq?q=class&by=lang,decade&zeros=1")
    narrow, wide = phone.locator("#chart-main svg.chart-narrow"), phone.locator("#chart-main svg.chart-wide")
    assert narrow.is_visible() and not wide.is_visible()
    box = narrow.bounding_box()
    assert box["width"] <= 390
    # Tick labels stay readable: at least 10 CSS pixels high.
    size = narrow.locator("text").first.evaluate(
        "el => el.getBoundingClientRect().height")
    assert size >= 10
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "35-phone-chart")
