"""Where the test corpora are, and a plain counting helper (tests import it by name).

A module of its own, not conftest.py: tests/web has its own conftest, and two modules named
``conftest`` cannot both be imported by name.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
SAMPLE_CORPUS = DATA / "sample"   # the former shipped sample: the web tests count on it


def count(ix, query, mode="default", **filters) -> tuple[int, int]:
    """Hits and documents of a query on an open index (a plain helper, not a fixture)."""
    from concord.hits import find_hits
    from concord.query import Filters, parse_query

    hits = find_hits(ix, parse_query(query), mode=mode, filters=Filters(**filters))
    return len(hits), hits.n_docs
