"""Translation families in a real headless Chromium: the aligned reader (sentence highlight
and scroll sync, at 1280 and 390 px), "show translations" on the concordance, and the
equivalents page. Same setup as tests/test_browser.py: a live server on the sample corpus,
whose Manifesto excerpts (de, en, fr) are one family; screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from browsing import shot, watch

pytestmark = pytest.mark.browser

DE = "de/1848-marx-engels-manifest-der-kommunistischen-partei-kap1-2.txt"
EN = "en/1848-marx-engels-manifesto-of-the-communist-party-ch1-2.txt"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def open_page(browser, viewport, *, mobile: bool = False):
    context = browser.new_context(viewport=viewport, locale="en-GB", is_mobile=mobile,
                                  has_touch=mobile, device_scale_factor=1)
    page = context.new_page()
    return context, page, watch(page)


@pytest.fixture()
def page(browser):
    context, page, problems = open_page(browser, DESKTOP)
    yield page
    context.close()
    assert not problems, problems


def aligned_json(server: str) -> dict:
    with urllib.request.urlopen(server + "/aligned/communist-manifesto.json?langs=de,en") as r:
        return json.load(r)


def links_of(data: dict, doc_id: str, other: str) -> dict[int, tuple[int, int]]:
    """{sentence start in doc_id: (start, end) of its aligned span in other}, from the twin."""
    [version] = [v for v in data["versions"] if v["doc_id"] == doc_id]
    return {s["start"]: (link["start"], link["end"]) for p in version["paragraphs"]
            for s in p["sentences"] for link in s["links"] if link["doc_id"] == other}


# Each sentence's height inside its own column (columns are side by side or stacked).
TOPS = """([a, b]) => [a, b].map(id => {
    const el = document.getElementById(id);
    return el.getBoundingClientRect().top
        - el.closest('.version-text').getBoundingClientRect().top; })"""


def column_box(page, i: int) -> dict:
    return page.locator(".version-text").nth(i).bounding_box()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_aligned_reader_highlight_and_scroll_sync(browser, server, viewport):
    phone = viewport is PHONE
    context, page, problems = open_page(browser, viewport, mobile=phone)
    try:
        page.goto(server + "/aligned/communist-manifesto?langs=de,en")
        assert page.locator(".version").count() == 2
        de, en = column_box(page, 0), column_box(page, 1)
        if phone:   # stacked: one above the other, each the width of the screen
            assert abs(de["x"] - en["x"]) < 2 and en["y"] >= de["y"] + de["height"]
            assert de["width"] > 300 and de["x"] + de["width"] <= 390
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        else:       # side by side
            assert abs(de["y"] - en["y"]) < 2 and en["x"] >= de["x"] + de["width"]
        shot(page, f"20-aligned-reader-{viewport['width']}", full_page=False)

        # Click a German sentence a good way down: its aligned English sentence is highlighted
        # and brought level with it.
        links = links_of(aligned_json(server), DE, EN)
        starts = sorted(links)
        start = starts[len(starts) * 2 // 3]
        target = f"v1-{links[start][0]}"
        sentence = page.locator(f"#v0-{start}")
        sentence.scroll_into_view_if_needed()
        sentence.click()
        assert sentence.get_attribute("class").split() == ["s", "sel"]
        partner = page.locator(f"#{target}")
        assert "partner" in partner.get_attribute("class").split()
        highlighted = page.locator(".version-text").nth(1).locator("a.s.partner")
        # Every highlighted English sentence lies inside the aligned span of the twin.
        for el in highlighted.all():
            s = int(el.get_attribute("id").split("-")[1])
            assert links[start][0] <= s < links[start][1]
        top_de, top_en = page.evaluate(TOPS, [f"v0-{start}", target])
        assert abs(top_de - top_en) <= 2
        assert page.url.endswith(f"#v0-{start}")
        shot(page, f"21-aligned-highlight-{viewport['width']}", full_page=False)

        # Scroll the English column: the German follows to the passage aligned with the
        # first English sentence in view.
        if phone:   # both stacked versions fit the screen once the page is scrolled to them
            page.locator(".aligned-columns").evaluate("el => el.scrollIntoView()")
            de, en = column_box(page, 0), column_box(page, 1)
            assert de["y"] >= 0 and en["y"] + en["height"] <= PHONE["height"]
        en_box = column_box(page, 1)
        page.mouse.move(en_box["x"] + en_box["width"] / 2, en_box["y"] + en_box["height"] / 2)
        before = page.evaluate("document.querySelectorAll('.version-text')[0].scrollTop")
        page.mouse.wheel(0, -900)
        page.wait_for_timeout(400)
        after = page.evaluate("document.querySelectorAll('.version-text')[0].scrollTop")
        assert after < before - 200
        pair = page.evaluate("""() => {
            const [de, en] = document.querySelectorAll('.version-text');
            const edge = en.getBoundingClientRect().top;
            const first = [...en.querySelectorAll('a.s')].find(
                s => s.getBoundingClientRect().bottom > edge + 1 && s.dataset.b);
            const bead = first.dataset.b.split(' ')[0];
            const other = [...de.querySelectorAll('a.s')].find(
                s => s.dataset.b.split(' ').includes(bead));
            return [first.getBoundingClientRect().top - edge,
                    other.getBoundingClientRect().top - de.getBoundingClientRect().top];
        }""")
        assert abs(pair[0] - pair[1]) <= 2
        shot(page, f"22-aligned-scrolled-{viewport['width']}", full_page=False)
    finally:
        context.close()
    assert not problems, problems


def test_aligned_reader_permalink_of_a_sentence(page, server):
    links = links_of(aligned_json(server), DE, EN)
    start = sorted(links)[10]
    page.goto(server + f"/aligned/communist-manifesto?langs=de,en#v0-{start}")
    page.locator("a.s.sel").wait_for()
    assert page.locator("a.s.sel").get_attribute("id") == f"v0-{start}"
    assert page.locator(f"#v1-{links[start][0]}").get_attribute("class").split() == ["s", "partner"]


def test_aligned_reader_keyboard_one_tab_stop_per_version(page, server):
    """Tab reaches each version once (not each of its hundreds of sentences); the arrow keys
    walk the sentences of a version and select them, as a click does."""
    page.goto(server + "/aligned/communist-manifesto?langs=de,en")
    first = page.evaluate("[...document.querySelectorAll('.version-text')].map("
                          "c => c.querySelector('a.s').id)")
    assert page.evaluate("document.querySelectorAll('.version-text a.s[tabindex=\"0\"]').length") == 2
    assert page.evaluate("document.querySelectorAll('.version-text[tabindex]').length") == 0
    page.locator("#" + first[0]).focus()
    page.keyboard.press("Tab")      # the English version's "document" link, then its text
    assert page.evaluate("document.activeElement.textContent") == "document"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == first[1]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == first[0]
    ids = page.evaluate("[...document.querySelectorAll('.version-text')[0]"
                        ".querySelectorAll('a.s')].map(a => a.id)")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == ids[2]
    assert page.locator("#" + ids[2]).get_attribute("class").split()[:2] == ["s", "sel"]
    assert page.locator("#" + ids[2]).get_attribute("tabindex") == "0"
    assert page.locator("#" + ids[0]).get_attribute("tabindex") == "-1"
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == ids[1]
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.id") == ids[-1]
    # Tab from the German goes on to the English version, not to the German's next sentence.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.version-text').dataset.column") == "1"
    # A click moves the version's tab stop to the clicked sentence.
    page.locator("#" + ids[5]).click()
    assert page.locator("#" + ids[5]).get_attribute("tabindex") == "0"
    assert page.locator("#" + ids[-1]).get_attribute("tabindex") == "-1"


def test_document_page_links_to_the_reader(page, server):
    page.goto(server + "/doc/" + DE)
    page.get_by_role("link", name="Read the versions side by side").click()
    page.wait_for_url(re.compile(r"/aligned/communist-manifesto$"))
    assert page.locator(".version").count() == 3
    assert page.locator(".version h2 .badge").all_text_contents() == ["de", "en", "fr"]
    # The texts start at one height, whatever the length of the titles above them.
    tops = [column_box(page, i)["y"] for i in range(3)]
    assert max(tops) - min(tops) < 1
    assert all(column_box(page, i)["y"] + column_box(page, i)["height"] <= 900 for i in range(3))
    shot(page, "23-aligned-three-versions", full_page=False)


def test_concordance_shows_translations(page, server):
    page.goto(server + "/kwic?q=Bourgeoisie&lang=de&limit=25")
    page.get_by_label("Show translations").check()
    page.get_by_role("button", name="Show concordance").click()
    page.wait_for_url(re.compile(r"translations=1"))
    lines = page.locator("table.kwic tbody tr:not(.translation-row)")
    rows = page.locator("tr.translation-row")
    assert rows.count() == lines.count() == 25
    shot(page, "24-kwic-translations", full_page=False)
    for row in rows.all():
        assert row.locator(".badge").all_text_contents() == ["en", "fr"]
    texts = [row.locator("p.translation").first.inner_text().lower() for row in rows.all()]
    # The first German hits are in Engels' note of 1888, which the English lacks: unaligned.
    assert texts[0] == "en unaligned: this passage has no counterpart in this version"
    aligned = [i for i, t in enumerate(texts) if "bourgeois" in t]
    assert len(aligned) >= 20
    first = rows.nth(aligned[0])
    first.get_by_role("link", name="side by side").first.click()
    page.wait_for_url(re.compile(r"/aligned/communist-manifesto\?langs=de,en#v1-\d+"))
    page.locator("a.s.sel").wait_for()


def test_equivalents_page(page, server):
    page.goto(server + "/equivalents")
    page.get_by_label("Word").fill("Bourgeoisie")
    page.get_by_label("Equivalents in").select_option("fr")
    page.get_by_role("button", name="Show equivalents").click()
    page.wait_for_url(re.compile(r"word=Bourgeoisie.*to=fr"))
    table = page.locator("table.equivalents")
    assert table.locator("tbody tr").first.locator("td").nth(1).inner_text() == "bourgeoisie"
    details = table.locator("details.pairs").first
    details.locator("summary").click()
    shot(page, "25-equivalents")
    details.get_by_role("link", name="side by side").first.click()
    page.wait_for_url(re.compile(r"/aligned/communist-manifesto\?langs=\w+,fr#v0-\d+"))
    page.locator("a.s.sel").wait_for()
    assert "bourgeoisie" in page.locator("a.s.partner").first.inner_text().lower()
