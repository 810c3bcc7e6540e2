"""Reader of HTML (``.html``, ``.htm``): block elements as paragraphs, notes and page
numbers dropped, ``<title>``/``<meta>`` and ``lang`` as metadata.
"""

from __future__ import annotations

import re
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..langid import language_tag
from .decoding import decode
from .markup import ParagraphCollector
from .normalise import normalise_text
from .sidecar import METADATA_KEYS

_HTML_SKIP = frozenset({
    "head", "script", "style", "nav", "noscript", "template", "iframe", "object", "embed",
    "svg", "math", "canvas", "audio", "video", "map", "select", "button", "textarea", "input",
})
_HTML_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
_HTML_NOTE_CLASSES = frozenset({"note", "footnote", "endnote"})
_HTML_PAGE_CLASSES = frozenset({"pb", "pagenum", "page-number", "pagebreak"})
_PAGE_NUMBER = re.compile(r"[\[(]?\s*(?:p\.?\s*)?(?:\d+|[ivxlcdm]+)\s*[\])]?", re.IGNORECASE)
_HTML_META = {
    "author": "author", "dc.creator": "author", "dcterms.creator": "author",
    "date": "year", "dc.date": "year", "dcterms.date": "year", "dcterms.created": "year",
    "language": "language", "dc.language": "language", "dcterms.language": "language",
    "dc.title": "title", "dcterms.title": "title", "keywords": "keywords",
    **{key: key for key in METADATA_KEYS},
}
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# A <p> inside a <span> (as in <span class="note">[<p>…</p>]</span>) is invalid HTML that
# the HTML5 parser repairs by closing the outer paragraph, splitting its sentence in two.
_HTML_SPAN_OR_P = re.compile(
    r"<(/?)(span|p|div|section|article|aside|blockquote|li|td|th|body|h[1-6])\b([^>]*)>",
    re.IGNORECASE,
)


def read(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    declared = _HTML_CHARSET.search(raw[:4096])
    text = decode(raw, declared=declared[1].decode("ascii") if declared else None)
    tree = LexborHTMLParser(inline_paragraphs_in_spans(text))
    return html_paragraphs(tree), _html_metadata(tree)


def inline_paragraphs_in_spans(markup: str) -> str:
    """Turn each ``<p>`` inside a ``<span>`` into a span, so the parser keeps it inline."""
    if "<span" not in markup and "<SPAN" not in markup:
        return markup
    depth = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal depth
        closing, tag = match[1], match[2].lower()
        if tag not in ("span", "p"):
            if closing:
                depth = 0  # no span outlives its block, even when left unclosed
        elif tag == "span" or depth:
            depth = max(depth - 1, 0) if closing else depth + 1
            if tag == "p":  # spaced, as the paragraphs it stood for were apart
                return f" <{closing}span{match[3]}> "
        return match[0]

    return _HTML_SPAN_OR_P.sub(rewrite, markup)


def html_paragraphs(tree: LexborHTMLParser) -> list[str]:
    collector = ParagraphCollector()
    if tree.body is not None:
        _html_walk(tree.body, collector, top=True)
        collector.flush()
    return collector.paragraphs


def _html_walk(node: LexborNode, out: ParagraphCollector, *, top: bool = False) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.add(child.text_content or "")
            continue
        if tag.startswith("-") or tag in _HTML_SKIP:
            continue
        if tag == "br":
            out.add("\n")
            continue
        attributes = child.attributes
        if "hidden" in attributes or attributes.get("role") == "navigation":
            continue
        if top and tag in ("header", "footer"):
            continue  # page chrome of the site, not the text
        classes = set((attributes.get("class") or "").split())
        if classes & _HTML_NOTE_CLASSES:
            out.note(child.text(deep=True))
        elif classes & _HTML_PAGE_CLASSES and _is_page_number(child.text()):
            continue
        elif tag in _HTML_BLOCKS:
            out.flush()
            _html_walk(child, out)
            out.flush()
        else:
            _html_walk(child, out)


def _is_page_number(text: str) -> bool:
    text = text.strip()
    return not text or _PAGE_NUMBER.fullmatch(text) is not None


def _html_metadata(tree: LexborHTMLParser) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for scope, selector in ((tree.head, "title"), (tree.body, "h1")):
        title = scope.css_first(selector) if scope is not None else None
        if title is not None and (text := normalise_text(title.text())):
            metadata["title"] = text
            break
    root_attributes = tree.root.attributes if tree.root is not None else {}
    language = root_attributes.get("lang") or root_attributes.get("xml:lang")
    if language:
        metadata["language"] = language_tag(language)
    for meta in tree.css("meta"):
        attributes = meta.attributes
        name = (attributes.get("name") or attributes.get("property") or "").strip().lower()
        key = _HTML_META.get(name)
        content = normalise_text(attributes.get("content") or "")
        if key and content and not metadata.get(key):
            metadata[key] = language_tag(content) if key == "language" else content
    return metadata
