"""concord: a multilingual corpus search and concordance engine.

The public API is :data:`__all__`, pinned by tests/test_api.py. Names are loaded on first
use (PEP 562), so ``import concord`` stays cheap for the command line:

* building and opening an index: :func:`build_index`, :func:`open_index`;
* the questions users ask, as reports (:mod:`concord.reports`): :func:`kwic_report`,
  :func:`freq_report`... with their option records (:class:`Scope`, :class:`Paging`...);
* the building blocks under them: :func:`parse_query`, :func:`find_hits`,
  :func:`concordance`, :func:`freq`, :func:`collocates`, ..., :func:`write_export` (files
  with their data package), :func:`write_rows`, :func:`read_csv_export`;
* the error tree rooted at :class:`ConcordError` (:mod:`concord.errors`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "errors": ("ConcordError", "CorpusError", "DocumentNotFound", "IndexBusy", "IndexNotFound",
               "OptionError", "QueryError", "QuerySyntaxError", "QueryTimeout", "ReaderError",
               "UnknownConcept"),
    "index": ("CorpusIndex", "open_index"),
    "indexer": ("BuildReport", "build_index"),
    "ingest": ("SourceDocument", "discover", "read_document"),
    "query": ("Filters", "ParsedQuery", "parse_query"),
    "hits": ("HitSet", "find_hits"),
    "kwic": ("KwicLine", "concordance", "iter_lines"),
    "linefilters": ("ContextFilter", "filter_lines"),
    "stats": ("collocates", "freq", "keywords", "ngrams", "wordlist"),
    "measures": ("MEASURES", "MEASURE_LABELS"),
    "concepts": ("Concept", "load_registry"),
    "export": ("Provenance", "read_csv_export", "write_export", "write_rows"),
    "reports": ("CollocateOptions", "Context", "FreqOptions", "KeywordOptions", "KwicOptions",
                "LineFilters", "NgramOptions", "Paging", "Report", "Scope", "WordlistOptions", "collocates_report",
                "concept_report", "concepts_report", "corpus_report", "document_report",
                "freq_report", "info_report", "keywords_report", "kwic_count_report",
                "kwic_report", "ngrams_report", "search_report", "wordlist_report"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(["__version__", *_MODULE_OF])


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'concord' has no attribute {name!r}")
    value = getattr(import_module(f"concord.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
