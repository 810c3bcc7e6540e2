"""Reader of TEI XML (``.xml``): the text's paragraphs and verse lines, the preferred reading
of each ``<choice>``, and metadata from the ``teiHeader``.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import ReaderError
from ..langid import language_tag
from .markup import ParagraphCollector
from .normalise import normalise_text
from .years import parse_year

_TEI_SKIP = frozenset({
    "teiHeader", "pb", "fw", "milestone", "gap", "facsimile", "standOff", "sourceDoc",
    "del", "figDesc", "interpGrp", "link", "linkGrp", "anchor", "cb",
})
_TEI_BLOCKS = frozenset({
    "TEI", "teiCorpus", "text", "group", "front", "body", "back", "div", "div1", "div2",
    "div3", "div4", "div5", "div6", "div7", "p", "ab", "head", "l", "lg", "item", "list",
    "label", "quote", "cit", "epigraph", "argument", "trailer", "byline", "dateline",
    "salute", "signed", "opener", "closer", "postscript", "sp", "speaker", "stage",
    "castList", "castGroup", "castItem", "role", "roleDesc", "table", "row", "cell",
    "figure", "titlePage", "docTitle", "titlePart", "docAuthor", "docImprint", "docDate",
    "docEdition", "floatingText", "address", "addrLine", "listBibl", "bibl",
})
# Blocks whose whole content, nested blocks included, is one paragraph.
_TEI_LEAVES = frozenset({
    "p", "ab", "head", "l", "item", "label", "trailer", "byline", "dateline", "salute",
    "signed", "speaker", "stage", "castItem", "role", "roleDesc", "cell", "titlePart",
    "docAuthor", "docImprint", "docDate", "docEdition", "addrLine", "bibl",
})
_TEI_CHOICE_PREFERENCE = ("corr", "reg", "expan")
_ELTEC_TITLE_SUFFIX = re.compile(r"\s*:[^:]*\beltec\b[^:]*$", re.IGNORECASE)
_LIFE_DATES = re.compile(r"\s*\(\s*\d{3,4}\s*[-–—]\s*\d{0,4}\s*\)\s*\.?\s*$")
_ANY_YEAR = re.compile(r"\b(1\d{3}|20\d{2})\b")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def read(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    if b"\0" in raw[:8192] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReaderError("binary file")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ReaderError(f"malformed XML: {exc}") from None
    if _local(root.tag) not in ("TEI", "teiCorpus"):
        raise ReaderError(f"not a TEI document (root element <{_local(root.tag)}>)")
    collector = ParagraphCollector()
    _tei_walk(root, collector, in_paragraph=False)
    collector.flush(loose=True)
    return collector.paragraphs, _tei_metadata(root)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _tei_walk(element: ET.Element, out: ParagraphCollector, *, in_paragraph: bool) -> None:
    if element.text:
        out.add(element.text)
    for child in element:
        tag = _local(child.tag)
        if tag in _TEI_SKIP:
            pass
        elif tag == "note":
            out.note(_tei_plain_text(child))
        elif tag == "lb":
            out.add("" if child.get("break") == "no" else "\n")
        elif tag == "choice":
            chosen = _tei_choice(child)
            if chosen is not None:
                _tei_walk(chosen, out, in_paragraph=in_paragraph)
        elif tag in _TEI_BLOCKS and not in_paragraph:
            out.flush(loose=True)  # what came before belongs to the enclosing container
            leaf = tag in _TEI_LEAVES
            _tei_walk(child, out, in_paragraph=leaf)
            out.flush(loose=not leaf)
        else:
            _tei_walk(child, out, in_paragraph=in_paragraph)
        if child.tail:
            out.add(child.tail)


def _tei_choice(choice: ET.Element) -> ET.Element | None:
    options = {_local(option.tag): option for option in choice}
    for name in _TEI_CHOICE_PREFERENCE:
        if name in options:
            return options[name]
    return next(iter(choice), None)


def _tei_plain_text(element: ET.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = _local(child.tag)
        if tag == "lb":
            parts.append(" ")
        elif tag not in _TEI_SKIP:
            parts.append(_tei_plain_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _tei_metadata(root: ET.Element) -> dict[str, str]:
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""

    def path(*names: str) -> str:
        return "/".join(namespace + name for name in names)

    def text_of(element: ET.Element) -> str:
        return normalise_text(_tei_plain_text(element))

    header = root.find(".//" + namespace + "teiHeader")
    if header is None:
        return {}
    metadata: dict[str, str] = {}
    titles = header.findall(path("fileDesc", "titleStmt", "title"))
    titles.sort(key=lambda title: title.get("type") not in (None, "main"))
    for title in titles:
        text = text_of(title)
        while _ELTEC_TITLE_SUFFIX.search(text):
            text = _ELTEC_TITLE_SUFFIX.sub("", text)
        if text:
            metadata["title"] = text
            break
    authors = [
        _LIFE_DATES.sub("", text_of(author))
        for author in header.findall(path("fileDesc", "titleStmt", "author"))
    ]
    if authors := [author for author in authors if author]:
        metadata["author"] = "; ".join(authors)
    if year := _tei_year(header, namespace):
        metadata["year"] = year
    languages = header.findall(path("profileDesc", "langUsage", "language"))
    languages.sort(key=lambda language: -_usage(language.get("usage")))
    language = next((item.get("ident") for item in languages if item.get("ident")), None)
    language = language or root.get(_XML_LANG) or ""
    if code := language_tag(language):
        metadata["language"] = code
    return metadata


def _usage(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _tei_year(header: ET.Element, namespace: str) -> str:
    """Return the date of first publication (or creation) from a TEI header, as written.

    Looked for in order: the first edition's ``bibl`` (its ``date``, else a year in its
    prose), ``profileDesc/creation``, any other date of ``sourceDesc`` (the printed source
    used), ``publicationStmt`` (the electronic edition). ``@when`` wins over a date's text.
    """
    date = namespace + "date"
    sources = list(header.iter(namespace + "sourceDesc"))
    first_editions = [
        bibl for source in sources for bibl in source.iter(namespace + "bibl")
        if bibl.get("type") == "firstEdition"
    ]

    def dated(elements: Iterable[ET.Element]) -> Iterator[str | None]:
        for element in elements:
            yield element.get("when")
            yield _tei_plain_text(element)

    def candidates() -> Iterator[str | None]:
        for bibl in first_editions:
            dates = list(bibl.iter(date))
            yield from dated(dates) if dates else (_tei_plain_text(bibl),)
        for creation in header.iter(namespace + "creation"):
            yield from dated(creation.iter(date))
        for source in sources:
            yield from dated(source.iter(date))
        for statement in header.iter(namespace + "publicationStmt"):
            yield from dated(statement.iter(date))

    for value in candidates():
        value = normalise_text(value or "")
        if parse_year(value)[0] is not None:
            return value
        if match := _ANY_YEAR.search(value):
            return match[1]
    return ""
