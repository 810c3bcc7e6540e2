"""From a number to its lines, in a real headless Chromium (fixtures of tests/test_browser.py).

A collocate opens the concordance of its node with the collocate inside the window, both
marked; a keyword opens its lines inside the target sub-corpus. Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from browsing import args_of, shot

from concord.analysis import fold

pytestmark = pytest.mark.browser


def test_collocate_opens_the_lines_with_both_words(page, server):
    page.goto(server + "/collocates?q=bourgeoisie&window=4")
    table = page.locator("table.data")
    row = table.locator("tbody tr").filter(has=page.locator("td", has_text=re.compile(r"^de$"))).filter(
        has=page.locator("a", has_text=re.compile(r"^Proletariat$"))).first
    lines = int(row.locator("a.lines-link").inner_text())
    together = int(row.locator("a.context-link").inner_text())
    shot(page, "i12b-01-collocates")
    row.locator("a.lines-link").click()
    page.wait_for_url(re.compile(r"/kwic\?"))
    args = args_of(page.url)
    assert args["q"] == ["bourgeoisie"] and args["has"] == ["proletariat"]
    assert args["lang"] == ["de"] and args["within"] == ["4,4"]
    kwic = page.locator("table.kwic tbody tr")
    assert kwic.count() == lines
    assert page.locator(".result-count").inner_text().startswith(f"{lines} hit")
    assert f"{together} context word" in page.locator(".line-filters").inner_text()
    # Both words are marked on every line: the node as the match, the collocate in context.
    for i in range(lines):
        line = kwic.nth(i)
        assert fold(line.locator("td.match").inner_text()) == "bourgeoisie"
        marks = line.locator("mark.context-word").all_inner_texts()
        assert marks and {fold(m) for m in marks} == {"proletariat"}
    assert page.locator("mark.context-word").count() >= together
    colour = page.locator("mark.context-word").first.evaluate(
        "el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    # The form keeps the filter, so the user sees why these lines were chosen.
    assert page.get_by_label("Context has").input_value() == "proletariat"
    shot(page, "i12b-02-collocate-lines")


def test_keyword_opens_its_lines_in_the_target(page, server):
    page.goto(server + "/keywords?target=lang:fr+year:1840-1850&reference=lang:en")
    sizes = page.locator(".subcorpus-sizes").inner_text()
    assert re.search(r"Target lang:fr year:1840-1850: [\d,]+ words in \d+ documents", sizes)
    first = page.locator("table.data tbody tr").first
    form = first.locator("td").nth(1).inner_text()
    target = int(first.locator("a.lines-link").first.inner_text())
    shot(page, "i12b-03-keywords")
    first.locator("td").nth(1).get_by_role("link").click()
    page.wait_for_url(re.compile(r"/kwic\?"))
    args = args_of(page.url)
    assert args["lang"] == ["fr"] and args["year"] == ["1840-1850"]
    assert page.locator(".result-count").inner_text().startswith(f"{target} hit")
    metas = set(page.locator("table.kwic td.src .src-meta").all_inner_texts())
    assert metas and all(m.endswith("· fr") and 1840 <= int(m.split(" ")[0]) <= 1850
                         for m in metas)
    assert {fold(m) for m in page.locator("table.kwic td.match").all_inner_texts()} == {fold(form)}
    shot(page, "i12b-04-keyword-lines")
