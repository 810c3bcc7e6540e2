"""libcom.org: title and author from the heading, the text of the article body, and the
"Submitted by … on …" line kept as the upload date, never as the year of writing.

An article page has the site's navigation, an ``<h1>`` "Title – Author", an introduction
(which often says when the text was written or who translated it), a "Submitted by NAME
on DATE" line, the body (``.field-name-body`` or ``.article__body``), tags, comments and a
footer. The year and translator come from the introduction or the title and are guesses.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..base import (
    Extracted,
    Page,
    classes,
    html_language,
    paragraphs_of,
    text_of,
)

NAME = "libcom.org"

_TITLE_AUTHOR = re.compile(r"^(.*\S)\s+[-–—]\s+([^-–—]+)$")
_SUBMITTED = re.compile(r"Submitted by\s+(.+?)\s+on\s+(.+?)\s*$", re.IGNORECASE)
_WRITTEN = re.compile(
    r"(?:written|published|from|dating from|appeared|publicado|escrito|publié|écrit|"
    r"geschrieben|veröffentlicht|scritto|pubblicato|geschreven|gepubliceerd)\s+"
    r"(?:in\s+|en\s+|im\s+|nel\s+)?(?:[A-Z][a-z]+\s+)?"
    r"(1[5-9]\d\d|20[0-4]\d)\b")
_TRANSLATED = re.compile(r"[Tt]ranslated(?: from the \w+)?(?: into \w+)? by\s+"
                         r"([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})")
_BODY = ".field-name-body, .article__body, .field--name-body, .node-body"
_INTRO = ".field-name-field-introduction, .article__intro, .field--name-field-introduction"


def detect(page: Page, tree: LexborHTMLParser | None) -> bool:
    if page.host.endswith("libcom.org"):
        return True
    if tree is None:
        return False
    site = text_of(tree.css_first("title")) + " " + text_of(tree.css_first("#site-name, .site-name"))
    return "libcom" in site.lower() and tree.css_first(_BODY) is not None


def _skip(node: LexborNode) -> bool:
    names = classes(node)
    return bool(names & {"submitted", "field-name-taxonomy-vocabulary-1", "tags", "article__tags",
                         "comments", "links", "book-navigation", "field-type-taxonomy-term-reference",
                         "field-name-field-attachments", "share"}) or node.tag in ("footer", "header")


def extract(page: Page, tree: LexborHTMLParser | None) -> Extracted:
    assert tree is not None
    doc = Extracted(archive=NAME, paragraphs=[])
    heading = text_of(tree.css_first("h1"))
    author_field = tree.css_first(".field-name-field-author, .article__author, .field--name-field-author")
    author_text = text_of(author_field)
    author_text = re.sub(r"^(?:Author|Authors)\s*:\s*", "", author_text)
    match = _TITLE_AUTHOR.match(heading)
    if author_text:
        doc.set("author", author_text, "profile")
    if match and (not author_text or match[2].strip() == author_text):
        doc.set("title", match[1], "profile")
        doc.set("author", match[2], "profile")
    doc.set("title", heading, "profile")
    submitted = tree.css_first(".submitted, .article__meta, .node-meta")
    if submitted is not None and (sub := _SUBMITTED.search(text_of(submitted))):
        doc.extra["uploaded"] = sub[2]
        doc.extra["uploaded_by"] = sub[1]
    intro = text_of(tree.css_first(_INTRO))
    for text in (heading, intro):
        bracket = re.search(r"\((1[5-9]\d\d|20[0-4]\d)\)", text)
        if bracket:
            doc.set("year", bracket[1], "guess")
        elif written := _WRITTEN.search(text):
            doc.set("year", written[1], "guess")
        if translated := _TRANSLATED.search(text):
            doc.set("translator", translated[1].rstrip(" ."), "guess")
    doc.set("language", html_language(tree), "page")
    body = tree.css_first(_BODY)
    paragraphs = paragraphs_of(body, _skip)
    title = doc.value("title")
    doc.paragraphs = ([title] if title else []) + paragraphs
    return doc
