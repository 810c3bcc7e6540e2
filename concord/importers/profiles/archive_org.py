"""archive.org full-text pages ("Full text of "…""): the OCR text of the ``<pre>``.

The page has the site's navigation, an ``<h1>Full text of "Title"</h1>``, a "See other
formats" link and the OCR text in one ``<pre>``. It states no author, year or language:
those are guessed from the OCR title page ("by NAME", a line with a year, "Translated by
NAME") and the language from the text, and reported as guesses.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from ..base import Extracted, Page, first_year, meta_content, plain_paragraphs, text_of

NAME = "archive.org"

_FULL_TEXT = re.compile(r'^\s*(?:Full text of|Texte intégral de|Volltext von)\s*["“«„]?(.*?)["”»“]?\s*$',
                        re.IGNORECASE)
_BY_LINE = re.compile(r"^(?:by|von|par|door|di|por)\s+(\w[\w.'-]*(?:\s+\w[\w.'-]*){0,4})$",
                      re.IGNORECASE)
_TRANSLATED = re.compile(
    r"^(?:translated(?: from the \w+)? by|english translation by|übersetzt von|"
    r"traduit(?: de l'\w+)? par|vertaald door|traduzione di|traducido por)\s+(.+)$",
    re.IGNORECASE)
_PAGE_NOISE = re.compile(r"^(?:\d{1,4}|[ivxlcdm]{1,6}|digitized by .*|.*google.*)$", re.IGNORECASE)


def detect(page: Page, tree: LexborHTMLParser | None) -> bool:
    if page.host.endswith("archive.org") and tree is not None and tree.css_first("pre"):
        return True
    if tree is None:
        return False
    heading = text_of(tree.css_first("h1"))
    return bool(_FULL_TEXT.match(heading)) and tree.css_first("pre") is not None


def extract(page: Page, tree: LexborHTMLParser | None) -> Extracted:
    assert tree is not None
    doc = Extracted(archive=NAME, paragraphs=[])
    match = _FULL_TEXT.match(text_of(tree.css_first("h1")) or text_of(tree.css_first("title")))
    doc.set("title", match[1] if match else "", "profile")
    doc.set("title", meta_content(tree, "og:title"), "page")
    pre = tree.css_first("pre")
    raw = plain_paragraphs(pre.text(deep=True) if pre else "")
    paragraphs = [p for p in raw if not _PAGE_NOISE.match(p)]
    for paragraph in raw[:12]:
        if by := _BY_LINE.match(paragraph):
            doc.set("author", _name(by[1]), "guess")
        if translated := _TRANSLATED.match(paragraph):
            doc.set("translator", _name(translated[1]), "guess")
        if len(paragraph) < 60 and (year := first_year(paragraph)):
            doc.set("year", year, "guess")
    title = doc.value("title")
    if title and (not paragraphs or paragraphs[0].casefold() != title.casefold()):
        paragraphs.insert(0, title)
    doc.paragraphs = paragraphs
    return doc


def _name(text: str) -> str:
    text = re.split(r"[,;(]", text)[0].strip(" .")
    return text.title() if text.isupper() else text
