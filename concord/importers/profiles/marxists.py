"""marxists.org (Marxists Internet Archive): title, author, the information block and the
section language.

A page has a header (author, title in ``<h1>``), a ``<p class="information">`` block of
``<span class="info">Label:</span> value<br>`` lines (Written, First Published, Source,
Translated, Transcription, Copyleft or Public Domain; the labels are in the section's
language), the text, and a footer (``<p class="footer">``, "Last updated"). The language
is the section's: ``/deutsch/`` is German, ``/francais/`` French, ``/archive/`` English.
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
    iter_lines,
    language_code,
    paragraphs_of,
    text_of,
)

NAME = "marxists.org"

SECTIONS = {
    "archive": "en", "admin": "en", "history": "en", "reference": "en", "subject": "en",
    "glossary": "en", "deutsch": "de", "francais": "fr", "nederlands": "nl",
    "italiano": "it", "espanol": "es", "russkij": "ru", "portugues": "pt", "polski": "pl",
    "svenska": "sv", "dansk": "da", "norsk": "no", "suomi": "fi", "turkce": "tr",
    "greek": "el", "chinese": "zh", "nihon": "ja", "catala": "ca", "cestina": "cs",
    "magyar": "hu", "romana": "ro", "srpski": "sr", "hrvatski": "hr", "euskara": "eu",
    "galego": "gl", "esperanto": "eo", "indonesia": "id", "tagalog": "tl", "farsi": "fa",
    "arabic": "ar", "hebrew": "he", "ukrainian": "uk", "korean": "ko",
}

# Label (folded, without the colon) -> field of the information block.
LABELS = {
    "written": "written", "geschrieben": "written", "verfasst": "written", "ecrit": "written",
    "redige": "written", "escrito": "written", "scritto": "written", "geschreven": "written",
    "написано": "written", "date": "written",
    "first published": "published", "published": "published", "first publication": "published",
    "erstveroffentlichung": "published", "erstmals veroffentlicht": "published",
    "veroffentlicht": "published", "premiere publication": "published",
    "publie": "published", "publication": "published", "primera publicacion": "published",
    "publicado": "published", "prima pubblicazione": "published", "pubblicato": "published",
    "eerste publicatie": "published", "gepubliceerd": "published", "eerst gepubliceerd": "published",
    "первая публикация": "published", "впервые опубликовано": "published",
    "опубликовано": "published",
    "source": "source", "quelle": "source", "fuente": "source", "fonte": "source",
    "bron": "source", "источник": "source",
    "translated": "translator", "translation": "translator", "translator": "translator",
    "translated by": "translator", "ubersetzung": "translator", "ubersetzt": "translator",
    "ubersetzer": "translator", "traduction": "translator", "traduit": "translator",
    "traducteur": "translator", "traduccion": "translator", "traducido": "translator",
    "traductor": "translator", "traduzione": "translator", "tradotto": "translator",
    "traduttore": "translator", "vertaling": "translator", "vertaald": "translator",
    "vertaler": "translator", "перевод": "translator", "переводчик": "translator",
    "transcription": "transcription", "transcription/markup": "transcription",
    "transcribed": "transcription", "transcriber": "transcription", "html markup": "transcription",
    "markup": "transcription", "html": "transcription", "transkription": "transcription",
    "transkription/html-markierung": "transcription", "html-markierung": "transcription",
    "transcripcion": "transcription", "trascrizione": "transcription",
    "transcriptie": "transcription", "proofread": "transcription", "proofreading": "transcription",
    "online version": "transcription", "digitalisierung": "transcription",
    "copyleft": "license", "public domain": "license", "copyright": "license",
    "domaine public": "license", "dominio publico": "license", "pubblico dominio": "license",
    "publiek domein": "license", "gemeinfrei": "license", "общественное достояние": "license",
}
_LABEL = re.compile(r"^\s*([^:：]{2,40}?)\s*[:：]\s*(.*)$")
_TRANSLATOR_TAIL = re.compile(r"\s*(?:,|;|\(| for | pour | für | per | voor | para ).*$",
                              re.IGNORECASE)
_TRANSLATOR_HEAD = re.compile(r"^(?:by|par|von|door|da|por|di)\s+", re.IGNORECASE)
_LICENSE_LABELS = {"copyleft": "Copyleft", "public domain": "Public Domain"}


def detect(page: Page, tree: LexborHTMLParser | None) -> bool:
    if page.host.endswith("marxists.org") or page.host.endswith("marxists.architexturez.net"):
        return True
    if tree is None:
        return False
    if tree.css_first("p.information, div.information, span.info") is not None:
        return True
    footer = text_of(tree.css_first("p.footer"))
    return "marxists internet archive" in footer.lower() or "marxists.org" in footer.lower()


def section_language(path: str) -> str:
    for part in path.lower().split("/"):
        if part in SECTIONS:
            return SECTIONS[part]
    return ""


def info_block(tree: LexborHTMLParser) -> LexborNode | None:
    node = tree.css_first("p.information, div.information")
    if node is not None:
        return node
    span = tree.css_first("span.info")
    return span.parent if span is not None else None


def read_info(block: LexborNode | None) -> tuple[dict[str, str], dict[str, str]]:
    """The information block as {field: value} and {field: its label as written}."""
    values: dict[str, str] = {}
    labels: dict[str, str] = {}
    if block is None:
        return values, labels
    last = None
    for line in iter_lines(block):
        match = _LABEL.match(line)
        key = LABELS.get(fold_key(match[1])) if match else None
        if key is None:
            if last is not None:
                values[last] += " " + line
            continue
        if key in values:  # a second line of a kind (two sources): keep the first
            last = None
            continue
        values[key] = match[2].strip().rstrip(";").strip()
        labels[key] = match[1].strip()
        last = key
    return values, labels


def _translator(value: str) -> str:
    value = _TRANSLATOR_HEAD.sub("", value.strip())
    value = _TRANSLATOR_TAIL.sub("", value)
    if first_year(value) and len(value) <= 6:
        return ""
    return value.strip(" .;")


def _author(tree: LexborHTMLParser, h1: LexborNode | None) -> str:
    # The header line before the title ("Anton Pannekoek 1936", or an <h2>/<h3>).
    for selector in ("p.title", "h2", "h3.author", "p.author"):
        node = tree.css_first(selector)
        if node is None:
            continue
        if h1 is not None and selector == "h2" and not _before(node, h1):
            continue
        text = re.sub(r"[\s,.;:–—-]*\(?\d{4}(?:[-–]\d{2,4})?\)?\s*$", "", text_of(node)).strip()
        if text and len(text) < 80:
            return text
    footer = text_of(tree.css_first("p.footer"))
    match = re.search(r"([^|]+?)\s+(?:Archive|Archiv|Archives|Archief|Archivio|Archivo)\b",
                      footer)
    if match:
        return match[1].strip(" |")
    return ""


def _before(node: LexborNode, other: LexborNode) -> bool:
    # Document order: walk the whole tree once (pages are small).
    root = node
    while root.parent is not None:
        root = root.parent
    for item in root.traverse():
        if item.mem_id == node.mem_id:
            return True
        if item.mem_id == other.mem_id:
            return False
    return False


def _skip(node: LexborNode) -> bool:
    names = classes(node)
    if names & {"information", "footer", "title", "toc", "index", "updat", "link", "author",
                "fst", "skip"}:
        return True
    if node.tag in ("h2", "h3") and names & {"author"}:
        return True
    return node.tag in ("header", "footer")


def extract(page: Page, tree: LexborHTMLParser | None) -> Extracted:
    assert tree is not None
    doc = Extracted(archive=NAME, paragraphs=[])
    h1 = tree.css_first("h1")
    doc.set("title", text_of(h1), "profile")
    info, labels = read_info(info_block(tree))
    doc.set("author", _author(tree, h1), "profile")
    for key in ("written", "published"):
        if year := first_year(info.get(key, "")):
            doc.set("year", year, "profile")
    if "translator" in info:
        doc.set("translator", _translator(info["translator"]), "profile")
    doc.set("language", section_language(page.path), "profile")
    doc.set("language", language_code(tree.root.attributes.get("lang") or "")
            if tree.root is not None else "", "page")
    if "license" in info:
        label = labels["license"]
        doc.extra["license"] = f"{label}: {info['license']}"[:300]
    if "source" in info:
        doc.extra["original_source"] = info["source"][:300]
    body = tree.body
    paragraphs = paragraphs_of(body, _skip)
    # The author line(s) above the title are header, not text: start at the title.
    title = doc.value("title")
    if title and title in paragraphs:
        paragraphs = paragraphs[paragraphs.index(title):]
    doc.paragraphs = [p for p in paragraphs if not _is_chrome(p)]
    return doc


_CHROME = re.compile(
    r"^(?:last updated(?: on)?:?.*|top of (?:the )?page|index|contents|inhalt|sommaire|"
    r"next|previous|weiter|zurück|suivant|précédent|home|start|←.*|.*→)$",
    re.IGNORECASE,
)


def _is_chrome(paragraph: str) -> bool:
    return len(paragraph) < 60 and _CHROME.match(paragraph) is not None
