"""axe-core on every page type: no serious or critical violation, at 1280 and 390 px.

axe-core comes from npm, pinned in tests/axe/package.json and package-lock.json; `.ci/run`
installs it with `npm ci`. The test injects axe.min.js into each page with Playwright.
Without it the test is skipped, except in CI (CI=true), where it must run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browsing import MANIFESTO_FR

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

PAGES = {
    "home": "/",
    "search": "/search?q=class",
    "kwic": "/kwic?q=class",
    "kwic-empty": "/kwic",
    "freq": "/freq?q=class&by=lang,year",
    "freq-decades-two-queries": "/freq?q=class&q=bourgeois*&by=lang,decade&zeros=1",
    "collocates": "/collocates?q=bourgeoisie",
    "wordlist": "/wordlist?lang=fr",
    "keywords": "/keywords?target=year:1840-1859&reference=year:1860-1950",
    "concepts": "/concepts",
    "concept": "/concept/communism",
    "concept-sparse": "/concept/state-capitalism",
    "corpus": "/corpus",
    "document": f"/doc/{MANIFESTO_FR}?q=classe",
    "error": "/kwic?q=class&width=abc",
    "aligned-reader": "/aligned/communist-manifesto",
    "aligned-reader-two": "/aligned/communist-manifesto?langs=en,fr",
    "equivalents": "/equivalents?word=Bourgeoisie&to=fr",
    "equivalents-empty": "/equivalents",
    "kwic-translations": "/kwic?q=Bourgeoisie&translations=1&limit=20",
}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: .ci/run must install it (cd tests/axe && npm ci)")
        pytest.skip("axe-core not installed: cd tests/axe && npm ci")
    return AXE.read_text("utf-8")


def serious_violations(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [json.dumps(v) for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_serious_axe_violations(browser, server, axe_source, name, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB",
                                  bypass_csp=True)
    try:
        page = context.new_page()
        response = page.goto(server + PAGES[name])
        assert response.status == (400 if name == "error" else 200)
        assert serious_violations(page, axe_source) == []
    finally:
        context.close()


def test_axe_finds_a_planted_violation(browser, server, axe_source):
    """The check can fail: an image without alternative text is a critical violation."""
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(server + "/corpus")
        page.evaluate("""() => { const i = document.createElement('img');
            i.src = '/static/favicon.svg'; document.querySelector('main').appendChild(i); }""")
        found = serious_violations(page, axe_source)
        assert any('"image-alt"' in v for v in found), found
    finally:
        context.close()
