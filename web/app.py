"""The Flask application factory: configuration, the open index, security headers, errors.

``create_app`` wires the blueprint of :mod:`web.views` to one index directory. Each worker
thread keeps one open :class:`~concord.index.CorpusIndex` and reopens it when a rebuild
switches the live generation, so a request sees the old or the new index, never a
half-built one. Library errors become friendly 4xx/503 pages (or ``{"error": ...}`` for the
data twins); nothing here searches or renders results.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException

from concord.errors import (
    ConcordError,
    IndexBusy,
    IndexNotFound,
    QueryTimeout,
    UnknownConcept,
)
from concord.index import CorpusIndex, open_index, resolve_index_path
from concord.search import DocumentNotFound

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
DATA_FORMATS = ("json", "csv", "tsv", "jsonl", "xlsx", "zip")

log = logging.getLogger(__name__)


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


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the concord web app; ``test_config`` overrides the defaults."""
    app = Flask(__name__)
    app.config.from_mapping(
        CONCORD_INDEX=str(resolve_index_path(None)),
        CONCORD_CONCEPTS=None,
        QUERY_TIMEOUT=10.0,
        CACHE_ENTRIES=256,
        CACHE_WEIGHT=4_000_000,
        UI_LANGUAGES=("en", "de", "fr"),
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["concord_index"] = IndexHolder(app.config["CONCORD_INDEX"])

    from . import i18n, present, views
    from .cache import ResultCache

    app.extensions["concord_cache"] = ResultCache(app.config["CACHE_ENTRIES"],
                                                  app.config["CACHE_WEIGHT"])

    i18n.init_app(app)
    present.init_app(app)
    app.register_blueprint(views.bp)
    app.after_request(_security_headers)
    app.register_error_handler(ConcordError, _concord_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def current_index() -> CorpusIndex:
    """The open index of this thread (raises IndexNotFound when there is none)."""
    from flask import current_app

    return current_app.extensions["concord_index"].get()


def deadline() -> float:
    from flask import current_app

    return time.monotonic() + float(current_app.config["QUERY_TIMEOUT"])


def _security_headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def wants_data() -> bool:
    """Whether the request is for a data twin (answered with JSON errors)."""
    fmt = getattr(g, "fmt", None)
    if fmt is not None:
        return fmt in DATA_FORMATS
    path = request.path.rsplit("/", 1)[-1]
    return "." in path and path.rsplit(".", 1)[1] in DATA_FORMATS


def status_of(exc: ConcordError) -> int:
    if isinstance(exc, DocumentNotFound):
        return 404
    if isinstance(exc, UnknownConcept) and getattr(g, "concept_route", False):
        return 404
    if isinstance(exc, QueryTimeout | IndexNotFound | IndexBusy):
        return 503
    return 400


def error_response(message: str, status: int):
    if wants_data():
        response = _json_error(message, status)
    else:
        response = (render_template("error.html", message=message, status=status), status)
    return response


def _json_error(message: str, status: int):
    from flask import jsonify

    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def _concord_error(exc: ConcordError):
    status = status_of(exc)
    message = str(exc)
    if isinstance(exc, IndexNotFound):
        # The server's file system layout is no business of the visitor's.
        message = "the corpus index is not available right now; try again in a moment"
        log.error("index not available: %s", exc)
    response = error_response(message, status)
    if status == 503:
        response = _with_header(response, "Retry-After", "5")
    return response


def _with_header(response, name: str, value: str):
    from flask import make_response

    response = make_response(response)
    response.headers[name] = value
    return response


def _http_error(exc: HTTPException):
    from flask_babel import gettext as _

    messages = {404: _("There is no such page."),
                405: _("This address only answers GET requests."),
                400: _("The request could not be understood.")}
    status = exc.code or 500
    message = messages.get(status, exc.description or exc.name)
    response = _with_header(error_response(message, status), "Allow", "GET, HEAD") \
        if status == 405 else error_response(message, status)
    return response


def _unexpected_error(exc: Exception):
    log.exception("unexpected error on %s", request.full_path)
    from flask_babel import gettext as _

    return error_response(_("Something went wrong on our side. The error has been logged."), 500)
