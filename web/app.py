"""The Flask application factory: configuration, security headers and the error pages.

``create_app`` wires the blueprint of :mod:`web.views` and the per-thread resources of
:mod:`web.resources` to one index directory; nothing in the package imports this module
back. Library errors become friendly 4xx/503 pages (or ``{"error": ...}`` for the data
twins), the status decided from the exception and the request alone; nothing here searches
or renders results.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, render_template, request
from flask.templating import Environment as FlaskEnvironment
from werkzeug.exceptions import HTTPException

from concord.errors import (
    ConcordError,
    DocumentNotFound,
    IndexBusy,
    IndexNotFound,
    QueryTimeout,
    UnknownConcept,
)
from concord.index import resolve_index_path
from concord.store import AST_LOCK

from .options import split_suffix

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")

log = logging.getLogger(__name__)


class _Environment(FlaskEnvironment):
    """Jinja's environment, parsing and compiling a template while it holds
    :data:`concord.store.AST_LOCK` (CPython 3.11 can fail when threads build ASTs at once,
    and a worker may be reading .npy headers, which numpy parses, meanwhile)."""

    def _parse(self, source, name, filename):  # type: ignore[no-untyped-def]
        with AST_LOCK:
            return super()._parse(source, name, filename)

    def _compile(self, source, filename):  # type: ignore[no-untyped-def]
        with AST_LOCK:
            return super()._compile(source, filename)


class ConcordFlask(Flask):
    """Flask whose static files are read whole before the response leaves.

    They are a few kilobytes each; a file handle kept open in the response leaks (and warns)
    when a browser drops the request before reading it, as it does for the favicon.
    """

    jinja_environment = _Environment

    def send_static_file(self, filename: str):  # type: ignore[override]
        response = super().send_static_file(filename)
        if response.direct_passthrough:
            response.direct_passthrough = False
            data = response.get_data()
            response.close()
            response.set_data(data)
        return response


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the concord web app; ``test_config`` overrides the defaults."""
    app = ConcordFlask(__name__)
    app.config.from_mapping(
        CONCORD_INDEX=str(resolve_index_path(None)),
        CONCORD_CONCEPTS=None,
        QUERY_TIMEOUT=10.0,
        CACHE_ENTRIES=256,
        CACHE_WEIGHT=4_000_000,
        UI_LANGUAGES=("en", "de", "fr"),
        JSON_SORT_KEYS=False,
        CONCORD_EDITABLE=False,          # writes (web.edit) only with concord serve --editable
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=True,
    )
    if test_config:
        app.config.update(test_config)
    from . import edit

    app.config.setdefault("MAX_CONTENT_LENGTH", edit.MAX_BODY)
    if app.config["CONCORD_EDITABLE"] and not app.config.get("SECRET_KEY"):
        # Signs the session that holds the CSRF token; forked server processes share it.
        import secrets

        app.config["SECRET_KEY"] = secrets.token_bytes(32)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    from . import i18n, parallel, present, resources, views

    resources.init_app(app)
    i18n.init_app(app)
    present.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(parallel.bp)
    app.register_blueprint(edit.bp)
    app.after_request(_security_headers)
    app.register_error_handler(ConcordError, _concord_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def _security_headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def wants_data() -> bool:
    """Whether the request is for a data twin (answered with JSON errors)."""
    if request.blueprint == "edit" and request.accept_mimetypes.best == "application/json":
        return True     # the KWIC page's script posts with fetch (web.edit)
    return split_suffix(request.path.rsplit("/", 1)[-1])[1] is not None


def status_of(exc: ConcordError) -> int:
    """The HTTP status of a library error on the current request."""
    if isinstance(exc, DocumentNotFound):
        return 404
    if isinstance(exc, UnknownConcept) and request.endpoint == "views.concept":
        return 404      # the concept named in the path does not exist (in a query: a 400)
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

    methods = getattr(exc, "valid_methods", None) or ["GET", "HEAD"]
    allowed = ", ".join(methods)
    messages = {404: _("There is no such page."),
                405: _("This address only answers GET requests.") if "GET" in methods
                else _("This address only answers POST requests: it changes data."),
                400: _("The request could not be understood."),
                413: _("The request is too large (the limit is %(n)s kB).",
                       n=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // 1024)}
    status = exc.code or 500
    message = messages.get(status, exc.description or exc.name)
    response = _with_header(error_response(message, status), "Allow", allowed) \
        if status == 405 else error_response(message, status)
    return response


def _unexpected_error(exc: Exception):
    log.exception("unexpected error on %s", request.full_path)
    from flask_babel import gettext as _

    return error_response(_("Something went wrong on our side. The error has been logged."), 500)
