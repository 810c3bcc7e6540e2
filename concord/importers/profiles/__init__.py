"""Archive profiles: one module per archive, each with ``NAME``, ``detect(page, tree)`` and
``extract(page, tree)``. ``PROFILES`` is tried in order; the generic extractor comes last
and takes every page."""

from __future__ import annotations

from . import archive_org, generic, gutenberg, libcom, marxists, wikisource

PROFILES = (marxists, wikisource, archive_org, gutenberg, libcom)
GENERIC = generic

__all__ = ["GENERIC", "PROFILES"]
