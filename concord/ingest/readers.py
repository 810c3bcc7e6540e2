"""The reader table: which function turns a file of each suffix into paragraphs and metadata.

A reader takes the file's bytes and path and returns ``(paragraphs, metadata)``; it may raise
anything (:func:`concord.ingest.corpus.read_document` turns every failure into a
``ReaderError``). A new format is one module beside this one and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import epub, html, markdown, pdf, tei, text

Reader = Callable[[bytes, Path], tuple[list[str], dict[str, str]]]

READERS: dict[str, Reader] = {
    ".txt": text.read,
    ".md": markdown.read,
    ".markdown": markdown.read,
    ".html": html.read,
    ".htm": html.read,
    ".xml": tei.read,
    ".pdf": pdf.read,
    ".epub": epub.read,
}

SUPPORTED_SUFFIXES = frozenset(READERS)
