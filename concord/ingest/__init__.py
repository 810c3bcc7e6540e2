"""Corpus files to plain documents: discovery, sidecar metadata and one reader per format.

This package owns everything between a file on disk and a ``SourceDocument``: decoding
(:mod:`.decoding`), markup removal by one reader per format (:mod:`.text`,
:mod:`.markdown`, :mod:`.html`, :mod:`.tei`, :mod:`.pdf`, :mod:`.epub`, listed by suffix
in :mod:`.readers`), paragraph splitting, display-text normalisation (:mod:`.normalise`),
years (:mod:`.years`) and metadata (taken from the file, then from the corpus's
``metadata.csv``, :mod:`.sidecar`, which wins). Readers raise ``ReaderError`` and nothing
else, so that indexing can skip a bad file and go on. It must not detect languages,
tokenise or touch an index.
"""

from .corpus import SourceDocument, content_hash, discover, file_hash, read_document
from .normalise import normalise_text
from .readers import READERS, SUPPORTED_SUFFIXES
from .sidecar import METADATA_KEYS, SIDECAR_NAME, load_sidecar
from .years import counting_year, parse_year

__all__ = [
    "METADATA_KEYS",
    "READERS",
    "SIDECAR_NAME",
    "SUPPORTED_SUFFIXES",
    "SourceDocument",
    "content_hash",
    "counting_year",
    "discover",
    "file_hash",
    "load_sidecar",
    "normalise_text",
    "parse_year",
    "read_document",
]
