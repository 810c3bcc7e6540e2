"""Project Gutenberg: the header fields, the text between the START and END lines, and no
licence.

Plain-text and HTML books carry a header ("Title:", "Author:", "Translator:", "Release
date:", "Language:", "Original publication:") before the line "*** START OF THE (THIS)
PROJECT GUTENBERG EBOOK … ***", and the licence after "*** END OF …". The release date is
Gutenberg's, not the year of the work: the year is taken only from "Original publication".
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from ..base import (
    Extracted,
    Page,
    decode_html,
    first_year,
    language_code,
    paragraphs_of,
    plain_paragraphs,
    text_of,
)

NAME = "gutenberg"
LICENSE = ("Public domain in the USA; distributed under the Project Gutenberg License "
           "(www.gutenberg.org/license)")

_START = re.compile(r"\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK[^*]*\*{3}", re.IGNORECASE)
_END = re.compile(r"\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK[^*]*\*{3}", re.IGNORECASE)
_FIELD = re.compile(r"^\s*(Title|Author|Translator|Translated by|Editor|Language|"
                    r"Original publication|Release date|Posting date|Credits)\s*:\s*(.*)$",
                    re.IGNORECASE | re.MULTILINE)
_PRODUCED = re.compile(r"^(?:produced by|e-?text prepared by|transcribed by|this e-?book was "
                       r"produced by|updated editions will replace)", re.IGNORECASE)


def detect(page: Page, tree: LexborHTMLParser | None) -> bool:
    if "gutenberg" in page.host:
        return True
    head = page.body[:20000]
    return bool(_START.search(head.decode("utf-8", errors="replace")))


def extract(page: Page, tree: LexborHTMLParser | None) -> Extracted:
    doc = Extracted(archive=NAME, paragraphs=[], extra={"license": LICENSE})
    if tree is not None and page.content_type.startswith(("text/html", "application/xhtml")):
        header_text = "\n".join(node.text(deep=True, separator="\n")
                                for node in tree.css("#pg-header, .pgheader"))
        paragraphs = _html_body(tree)
        if not header_text:
            header_text = _START.split(decode_html(page.body))[0]
    else:
        text = decode_html(page.body).replace("\r\n", "\n")
        parts = _START.split(text, maxsplit=1)
        header_text = parts[0] if len(parts) == 2 else ""
        body = parts[-1]
        body = _END.split(body, maxsplit=1)[0]
        paragraphs = plain_paragraphs(body)
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(header_text):
        key = match[1].lower()
        # A field's value may go on over indented lines ("Author: A\n        B").
        fields.setdefault(key, match[2].strip())
    doc.set("title", fields.get("title"), "profile")
    doc.set("author", fields.get("author"), "profile")
    doc.set("translator", fields.get("translator") or fields.get("translated by"), "profile")
    doc.set("language", language_code(fields.get("language", "")), "profile")
    doc.set("year", first_year(fields.get("original publication", "")), "profile")
    if tree is not None:
        doc.set("title", text_of(tree.css_first("title")), "page")
    while paragraphs and _PRODUCED.match(paragraphs[0]):
        paragraphs.pop(0)
    doc.paragraphs = paragraphs
    return doc


def _html_body(tree: LexborHTMLParser) -> list[str]:
    body = tree.body
    if body is None:
        return []
    if tree.css_first("#pg-header, .pgheader") is not None:
        def skip(node) -> bool:
            ident = node.attributes.get("id") or ""
            names = set((node.attributes.get("class") or "").split())
            return ident in ("pg-header", "pg-footer", "pg-start-separator", "pg-end-separator") \
                or bool(names & {"pgheader", "pg-boilerplate", "pgfooter"})

        return paragraphs_of(body, skip)
    text = "\n".join(paragraphs_of(body))
    parts = _START.split(text, maxsplit=1)
    text = _END.split(parts[-1], maxsplit=1)[0]
    return [p for p in text.split("\n") if p.strip()]
