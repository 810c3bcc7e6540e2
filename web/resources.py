"""Per-thread resources of a request: the open index, the deadline, the concept registry.

Like the Flask tutorial's ``db.py``: :func:`init_app` attaches the resources to the app,
and views ask for them through :func:`report_context`, which bundles them into the
library's :class:`~concord.reports.Context`. Each worker thread keeps one open
:class:`~concord.index.CorpusIndex` and reopens it when a rebuild switches the live
generation, so a request sees the old or the new index, never a half-built one.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask, current_app, request

from concord.concepts import load_registry
from concord.index import CorpusIndex, open_index
from concord.reports import Context

from .cache import ResultCache


class IndexHolder:
    """One open index per thread, reopened when its generation stops being the live one."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[CorpusIndex] = set()

    def get(self) -> CorpusIndex:
        ix: CorpusIndex | None = getattr(self._local, "ix", None)
        if ix is not None and ix.is_current():
            return ix
        fresh = open_index(self.path)
        self._local.ix = fresh
        with self._lock:
            self._open.add(fresh)
            if ix is not None:
                self._open.discard(ix)
        if ix is not None:
            # The previous request of this thread is over; other threads hold their own.
            ix.close()
        return fresh

    def close(self) -> None:
        """Close every index opened through this holder (at shutdown)."""
        with self._lock:
            indexes, self._open = self._open, set()
        for ix in indexes:
            ix.close()


def init_app(app: Flask) -> None:
    app.extensions["concord_index"] = IndexHolder(app.config["CONCORD_INDEX"])
    app.extensions["concord_cache"] = ResultCache(app.config["CACHE_ENTRIES"],
                                                  app.config["CACHE_WEIGHT"])


def current_index() -> CorpusIndex:
    """The open index of this thread (raises IndexNotFound when there is none)."""
    return current_app.extensions["concord_index"].get()


def deadline() -> float:
    """When the current request's query must stop (``QUERY_TIMEOUT`` from now)."""
    return time.monotonic() + float(current_app.config["QUERY_TIMEOUT"])


def registry():
    return load_registry(current_app.config.get("CONCORD_CONCEPTS"))


def report_context() -> Context:
    """The library context of this request: index named (never its path), cached results."""
    return Context(ix=current_index(), registry=registry(), deadline=deadline(),
                   cache=current_app.extensions["concord_cache"].get, index_label="name",
                   command_prefix="web ", permalink=request.full_path.rstrip("?"))
