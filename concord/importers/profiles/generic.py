"""Every other page: main text by jusText, metadata only where the page states it.

jusText (3.0.2) classifies the page's blocks as content or boilerplate by length, link
density and stopword density, with the stoplist of the page's language. It was chosen over
trafilatura after measuring both on ``tests/data/import/generic`` (see
``benchmarks/bench_extractors.py``): it left less boilerplate there, and it does not need
the newer charset-normalizer that trafilatura's htmldate requires (concord pins 3.4.7).
Title from ``<h1>``/``<title>``/og:title, author from ``<meta name="author">``, language
from ``<html lang>``; no year is taken from the page (a page's date is its upload date).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from ..base import (
    Extracted,
    Page,
    decode_html,
    html_language,
    meta_content,
    page_title,
    text_of,
)
from ..extractors import extract_main_text

NAME = "generic"


def detect(page: Page, tree: LexborHTMLParser | None) -> bool:
    return True


def extract(page: Page, tree: LexborHTMLParser | None) -> Extracted:
    assert tree is not None
    doc = Extracted(archive=page.host.removeprefix("www.") or NAME, paragraphs=[])
    language = html_language(tree)
    doc.set("title", meta_content(tree, "citation_title", "dc.title", "og:title"), "page")
    doc.set("title", text_of(tree.css_first("h1")), "page")
    doc.set("title", re.split(r"\s+[|–—]\s+", page_title(tree))[0], "page")
    doc.set("author", meta_content(tree, "citation_author", "dc.creator", "author"), "page")
    doc.set("language", language, "page")
    doc.paragraphs = extract_main_text(decode_html(page.body), language or "en")
    title = doc.value("title")
    if title and (not doc.paragraphs or doc.paragraphs[0] != title):
        doc.paragraphs.insert(0, title)
    return doc
