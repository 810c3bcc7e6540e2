"""Shared pieces of the importers: a fetched page, an extracted document, and HTML helpers.

A ``Page`` is raw bytes plus where they came from; a profile turns it into an
``Extracted`` document (paragraphs plus metadata fields, each with the place its value was
found: ``page`` for what any page states in a standard way, ``profile`` for what an archive
profile reads from that archive's own layout, ``guess`` for a heuristic). Nothing here
writes files or fetches anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..ingest import normalise_text, parse_year
from ..langid import normalize_language

FIELDS = ("title", "author", "year", "language", "translator")
ORIGINS = ("page", "profile", "guess")
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Page:
    """One fetched or saved resource."""

    url: str              # its source URL ("" when unknown)
    body: bytes
    content_type: str     # "text/html", "text/plain", "application/pdf", "application/epub+zip"
    retrieved: str        # ISO date the bytes were fetched or saved
    origin: str           # where the bytes were read: a file, a WARC record, a ZIP member

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


@dataclass
class Extracted:
    """A document as an archive profile reads it."""

    archive: str
    paragraphs: list[str]
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value, origin)
    extra: dict[str, str] = field(default_factory=dict)   # license, uploaded, ... (no origin)

    def set(self, name: str, value: str | None, origin: str) -> None:
        """Record a field unless it already has a value (the first finder wins)."""
        value = normalise_text(value or "")
        if value and name not in self.fields:
            self.fields[name] = (value, origin)

    def value(self, name: str) -> str:
        return self.fields.get(name, ("", ""))[0]


# --------------------------------------------------------------------------- HTML helpers

BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "section",
    "article", "main", "td", "th", "dd", "dt", "tr", "table", "ul", "ol", "dl", "hr",
    "center", "figure", "figcaption", "address", "aside", "body", "tbody", "thead",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "nav", "form", "button", "select", "iframe", "svg", "head",
    "template", "input", "textarea", "img", "object", "embed", "video", "audio", "canvas",
})

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def decode_html(raw: bytes) -> str:
    """Decode HTML bytes: a BOM, UTF-8, the declared charset, then cp1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(raw[:4096])
    if declared:
        try:
            return raw.decode(declared[1].decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return raw.decode("cp1252", errors="replace")


def parse_html(raw: bytes) -> LexborHTMLParser:
    return LexborHTMLParser(decode_html(raw))


def text_of(node: LexborNode | None) -> str:
    """The normalised text of a node ("" for None)."""
    if node is None:
        return ""
    return normalise_text(node.text(deep=True, separator=" "))


def classes(node: LexborNode) -> set[str]:
    return set((node.attributes.get("class") or "").split())


def paragraphs_of(node: LexborNode | None, skip: Callable[[LexborNode], bool] | None = None
                  ) -> list[str]:
    """Split a node's text into paragraphs at block elements; ``skip`` drops sub-trees."""
    if node is None:
        return []
    out: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        if parts:
            text = normalise_text("".join(parts))
            parts.clear()
            if text:
                out.append(text)

    def walk(parent: LexborNode) -> None:
        for child in parent.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                parts.append(child.text_content or "")
                continue
            if tag.startswith("-") or tag in SKIP_TAGS:
                continue
            if "hidden" in child.attributes or (skip is not None and skip(child)):
                continue
            if tag == "br":
                parts.append("\n")
            elif tag == "pre":
                flush()
                out.extend(plain_paragraphs(child.text(deep=True)))
            elif tag in BLOCK_TAGS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)

    walk(node)
    flush()
    return out


_BLANK = re.compile(r"\n[^\S\n]*\n\s*")


def plain_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text: blocks between blank lines, wrapped lines joined."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p for block in _BLANK.split(text) if (p := normalise_text(block))]


def html_language(tree: LexborHTMLParser) -> str:
    root = tree.root
    if root is None:
        return ""
    return normalize_language(root.attributes.get("lang") or root.attributes.get("xml:lang")
                              or "") or ""


def meta_content(tree: LexborHTMLParser, *names: str) -> str:
    """The content of the first ``<meta name|property=...>`` among ``names``."""
    wanted = [name.lower() for name in names]
    found: dict[str, str] = {}
    for meta in tree.css("meta"):
        attributes = meta.attributes
        name = (attributes.get("name") or attributes.get("property") or "").strip().lower()
        if name in wanted and name not in found:
            found[name] = normalise_text(attributes.get("content") or "")
    for name in wanted:
        if found.get(name):
            return found[name]
    return ""


def page_title(tree: LexborHTMLParser) -> str:
    node = tree.css_first("title")
    return text_of(node)


_YEAR_IN_TEXT = re.compile(r"(?<!\d)(1[5-9]\d\d|20[0-4]\d)(?!\d)")


def first_year(text: str) -> str:
    """The first plausible four-digit year in ``text`` ("" for none)."""
    for match in _YEAR_IN_TEXT.finditer(text or ""):
        if parse_year(match[1])[0] is not None:
            return match[1]
    return ""


def language_code(value: str) -> str:
    return normalize_language(value or "") or ""


def fold_key(text: str) -> str:
    """A comparison key: case and diacritics folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def iter_lines(node: LexborNode) -> Iterator[str]:
    """The lines of a node's text, split at ``<br>`` and block edges."""
    parts: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            parts.append(child.text_content or "")
        elif child.tag == "br" or child.tag in BLOCK_TAGS:
            parts.append("\n" + (child.text(deep=True) if child.tag != "br" else "") + "\n")
        else:
            parts.append(child.text(deep=True))
    for line in "".join(parts).split("\n"):
        if line := normalise_text(line):
            yield line
