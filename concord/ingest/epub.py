"""Reader of EPUB (``.epub``): the spine's XHTML documents through the HTML reader, with
Dublin Core metadata.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from ..langid import language_tag
from .decoding import decode
from .html import html_paragraphs, inline_paragraphs_in_spans
from .normalise import normalise_text


def read(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    import ebooklib  # imported here: heavy, and only EPUB corpora need it
    from ebooklib import epub

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
    items = [book.get_item_with_id(idref) for idref, _linear in book.spine]
    documents = [item for item in items if item is not None
                 and item.get_type() == ebooklib.ITEM_DOCUMENT]
    if not documents:
        documents = list(book.get_items_of_type(ebooklib.ITEM_DOCUMENT))
    paragraphs: list[str] = []
    for item in documents:
        content = item.get_content()
        if content.strip():
            paragraphs.extend(html_paragraphs(LexborHTMLParser(
                inline_paragraphs_in_spans(decode(content)))))

    def dublin_core(name: str) -> list[str]:
        values = (normalise_text(str(value)) for value, _ in book.get_metadata("DC", name))
        return [value for value in values if value]

    metadata = {
        "title": next(iter(dublin_core("title")), ""),
        "author": "; ".join(dublin_core("creator")),
        "year": next(iter(dublin_core("date")), ""),
        "language": language_tag(next(iter(dublin_core("language")), "")),
    }
    return paragraphs, metadata
