"""Reader of PDF (``.pdf``): the text layer of each page (no OCR), with its document info.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

from ..errors import ReaderError
from .normalise import normalise_text
from .text import plain_paragraphs


def read(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    from pypdf import PdfReader  # imported here: heavy, and only PDF corpora need it
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs; without a handler Python would print each to stderr,
    # around the one line that indexing reports per bad file.
    pypdf_log = logging.getLogger("pypdf")
    if not pypdf_log.handlers:
        pypdf_log.addHandler(logging.NullHandler())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ReaderError("encrypted PDF")
            pages = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata
        except PdfReadError as exc:
            raise ReaderError(f"malformed PDF: {exc}") from None
    metadata = {}
    if info is not None:
        metadata = {"title": normalise_text(info.title or ""),
                    "author": normalise_text(info.author or "")}
    return plain_paragraphs("\n\n".join(pages), line_per_paragraph=False), metadata
