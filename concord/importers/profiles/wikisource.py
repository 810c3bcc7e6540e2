"""Wikisource: the header template (title, author, year, translator), the language edition,
and the text of ``.mw-parser-output`` without the wiki's chrome.

A MediaWiki page has "From Wikisource" and "Jump to navigation" lines, a header template
(``#headertemplate`` / ``.wst-header``, with ``#header-title-text`` and
``#header-author-text``), the ``#ws-data`` microformat (``#ws-title``, ``#ws-author``,
``#ws-year``, ``#ws-translator``) or, on the German edition, a ``table.textdaten`` of
"Titel:", "Autor:", "Erscheinungsjahr:", "Übersetzer:" rows; then the text, a licence box
(``.licenseContainer``), categories and the site's footer. The language is the edition's
(``de.wikisource.org``).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..base import (
    Extracted,
    Page,
    classes,
    first_year,
    fold_key,
    html_language,
    language_code,
    meta_content,
    paragraphs_of,
    text_of,
)

NAME = "wikisource"

_TEXTDATEN = {
    "titel": "title", "title": "title", "autor": "author", "author": "author",
    "auteur": "author", "erscheinungsjahr": "year", "entstehungsjahr": "year", "jahr": "year",
    "year": "year", "annee": "year", "ubersetzer": "translator", "translator": "translator",
    "traducteur": "translator",
}
_BY = re.compile(r"^(?:by|von|par|de|di|door|автор:?)\s+", re.IGNORECASE)
_TRANSLATED_BY = re.compile(
    r"(?:translated by|übersetzt von|traduit par|traduction de|vertaald door|tradotto da|"
    r"traducido por|перевод)\s+([^,;()\n]+)", re.IGNORECASE)
_CHROME_IDS = frozenset({
    "headertemplate", "ws-data", "catlinks", "footer", "mw-navigation", "siteSub",
    "contentSub", "jump-to-nav", "toc", "mw-head", "mw-panel", "p-lang", "mw-hidden-catlinks",
})
_CHROME_CLASSES = frozenset({
    "wst-header", "ws-header", "ws-noexport", "noprint", "mw-editsection", "licenseContainer",
    "licenseBanner", "navbox", "catlinks", "printfooter", "mw-jump-link", "reference",
    "mw-cite-backlink", "textdaten", "toc", "sisterproject", "mw-indicators",
    "wst-license", "ws-license", "dynlayout-exempt",
})


def detect(page: Page, tree: LexborHTMLParser | None) -> bool:
    if page.host.endswith("wikisource.org"):
        return True
    if tree is None:
        return False
    if "wikisource" in meta_content(tree, "og:site_name", "application-name").lower():
        return True
    sub = text_of(tree.css_first("#siteSub"))
    return "wikisource" in sub.lower()


def _edition_language(page: Page, tree: LexborHTMLParser) -> tuple[str, str]:
    host = page.host
    if host.endswith("wikisource.org"):
        sub = host.split(".")[0]
        if sub not in ("wikisource", "www", "multilingual", "m"):
            return language_code(sub), "profile"
    link = tree.css_first('link[rel="canonical"]')
    if link is not None:
        match = re.match(r"https?://([a-z-]+)\.(?:m\.)?wikisource\.org", link.attributes.get("href") or "")
        if match and match[1] not in ("www", "multilingual"):
            return language_code(match[1]), "profile"
    return html_language(tree), "page"


def _textdaten(tree: LexborHTMLParser) -> dict[str, str]:
    found: dict[str, str] = {}
    table = tree.css_first("table.textdaten")
    if table is None:
        return found
    for row in table.css("tr"):
        cells = row.css("th, td")
        if len(cells) < 2:
            continue
        key = _TEXTDATEN.get(fold_key(text_of(cells[0]).rstrip(":")))
        if key and key not in found:
            found[key] = text_of(cells[1])
    return found


def _skip(node: LexborNode) -> bool:
    if (node.attributes.get("id") or "") in _CHROME_IDS:
        return True
    if classes(node) & _CHROME_CLASSES:
        return True
    return node.tag == "sup" and "reference" in classes(node)


def extract(page: Page, tree: LexborHTMLParser | None) -> Extracted:
    assert tree is not None
    doc = Extracted(archive=NAME, paragraphs=[])
    header = tree.css_first("#headertemplate, .wst-header, .ws-header")
    textdaten = _textdaten(tree)
    doc.set("title", text_of(tree.css_first("#ws-title")), "profile")
    doc.set("title", text_of(tree.css_first("#header-title-text, .header-title")), "profile")
    doc.set("title", textdaten.get("title"), "profile")
    author_node = tree.css_first("#ws-author") or tree.css_first("#header-author-text")
    doc.set("author", _BY.sub("", text_of(author_node)), "profile")
    doc.set("author", textdaten.get("author"), "profile")
    doc.set("year", first_year(text_of(tree.css_first("#ws-year"))), "profile")
    doc.set("year", first_year(text_of(tree.css_first("#header-year-text, .header-year"))),
            "profile")
    doc.set("year", first_year(textdaten.get("year", "")), "profile")
    doc.set("translator", text_of(tree.css_first("#ws-translator")), "profile")
    doc.set("translator", textdaten.get("translator"), "profile")
    if header is not None and (match := _TRANSLATED_BY.search(text_of(header))):
        doc.set("translator", match[1].strip(" ."), "profile")
    language, origin = _edition_language(page, tree)
    doc.set("language", language, origin)
    heading = tree.css_first("#firstHeading, h1")
    doc.set("title", text_of(heading).split("/")[-1], "page")
    license_box = tree.css_first(".licenseContainer, .licenseBanner, .wst-license")
    if license_box is not None:
        text = text_of(license_box)
        doc.extra["license"] = (text.split(". ")[0] + ".")[:300] if text else ""
    content = tree.css_first(".mw-parser-output") or tree.css_first("#mw-content-text")
    doc.paragraphs = paragraphs_of(content, _skip)
    title = doc.value("title")
    if title and (not doc.paragraphs or doc.paragraphs[0] != title):
        doc.paragraphs.insert(0, title)
    return doc
