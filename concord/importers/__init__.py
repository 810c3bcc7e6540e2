"""Importers: web archives and saved pages into a concord corpus folder.

``import_sources`` reads folders of saved pages, WARC files, ZIPs, lists of URLs and
crawled sites; archive profiles (``profiles/``) extract each page's text and metadata;
``crawler`` fetches politely. The result is plain text files plus ``metadata.csv`` rows
that ``concord index`` reads.
"""

from __future__ import annotations

from .base import FIELDS, ORIGINS, Extracted, Page
from .core import COLUMNS, ImportReport, extract_page, import_sources

__all__ = ["COLUMNS", "FIELDS", "ORIGINS", "Extracted", "ImportReport", "Page", "extract_page",
           "import_sources"]
