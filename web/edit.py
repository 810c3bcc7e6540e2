"""The write surface of the web app: categorising KWIC lines and saving named sub-corpora.

Writing is a new attack surface, so it is closed unless the server was started with
``concord serve --editable`` (``CONCORD_EDITABLE``). Then, and only then:

* every write is a POST to a route of this blueprint; GET never changes state;
* every POST carries the session's CSRF token (form field ``csrf_token`` or header
  ``X-CSRF-Token``), compared in constant time with the one in the signed session cookie
  (``SameSite=Strict``), and a request whose ``Origin`` (or ``Referer``) is another site, or
  whose ``Sec-Fetch-Site`` says cross-site, is refused;
* bodies are capped (``MAX_CONTENT_LENGTH``: 413) and every field is length-checked (400).

On a read-only server every write route answers 403 before reading anything, no session
cookie is ever set, and the categories page only lists. The rules of categories and
sub-corpora are :mod:`concord.categories`'; this module parses the form and answers.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import Forbidden

from concord.categories import MAX_QUERY, Span, Workspace, summary
from concord.errors import OptionError

from .resources import current_index

bp = Blueprint("edit", __name__)

MAX_LINES = 1000          # lines in one assignment (a KWIC page holds at most 1,000)
MAX_FIELD = 600           # characters of a name, description or filter set
MAX_BODY = 512 * 1024     # bytes of one POST body


def editable() -> bool:
    return bool(current_app.config.get("CONCORD_EDITABLE"))


def csrf_token() -> str:
    """The session's CSRF token (created on first use, editable servers only)."""
    if not editable():
        return ""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def workspace() -> Workspace:
    return Workspace(current_app.config["CONCORD_INDEX"])


@bp.app_context_processor
def edit_context() -> dict[str, Any]:
    def line_categories(rows) -> list[str]:
        spans = [Span(r["doc_id"], r["char_start"], r["char_end"]) for r in rows]
        found = workspace().category_of(spans)
        return [found.get(s, "") for s in spans]

    return {"editable": editable(), "csrf_token": csrf_token,
            "category_names": lambda: workspace().category_names(),
            "line_categories": line_categories}


@bp.before_request
def guard_writes():
    """Refuse a write on a read-only server (403), from another site or without the token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not editable():
        raise Forbidden("This server is read-only: categories and sub-corpora can only be changed "
                        "on a server started with concord serve --editable.")
    if request.headers.get("Sec-Fetch-Site", "") == "cross-site" or not _same_origin():
        raise Forbidden("Refused: this request comes from another site.")
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not sent or not hmac.compare_digest(str(sent), str(expected)):
        raise Forbidden("Refused: the form's security token is missing or out of date. Reload "
                        "the page and try again.")
    return None


def _same_origin() -> bool:
    here = _origin(request.host_url)
    origin = request.headers.get("Origin")
    if origin is not None and origin != "null":
        return origin.rstrip("/") == here
    if origin == "null":
        return False
    referer = request.headers.get("Referer")
    return referer is None or _origin(referer) == here


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _field(name: str, *, required: bool = True, limit: int = MAX_FIELD) -> str:
    value = request.form.get(name, "").strip()
    if required and not value:
        raise OptionError(f"give a {name.replace('_', ' ')}")
    if len(value) > limit:
        raise OptionError(f"{name.replace('_', ' ')} too long ({len(value)} characters; the "
                          f"limit is {limit})")
    return value


def _spans(name: str) -> list[Span]:
    raw = request.form.getlist(name)
    if len(raw) > MAX_LINES:
        raise OptionError(f"too many lines at once ({len(raw)}; the limit is {MAX_LINES})")
    spans = []
    for value in raw:
        doc_id, _, rest = value.rpartition("\t")
        doc_id, _, start = doc_id.rpartition("\t")
        if not doc_id or not start.isdigit() or not rest.isdigit() or len(value) > 2000:
            raise OptionError(f"bad line {value[:80]!r}: expected document id, start and end")
        spans.append(Span(doc_id, int(start), int(rest)))
    return spans


def _lines() -> list[Span]:
    """The lines of an assignment: the ticked ones, or every line of the page (scope=page)."""
    spans = _spans("page_line") if request.form.get("scope") == "page" else _spans("line")
    if not spans:
        raise OptionError("no lines selected: tick the lines to assign, or assign all on the page")
    return spans


def _done(message: str, **data: Any):
    """JSON for the page's script, or back to the page the form was on (303)."""
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify({"message": message, **data})
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("edit.categories")
    return redirect(back, code=303)


# --- pages ------------------------------------------------------------------------------------

@bp.route("/categories")
def categories():
    info = summary(current_index())
    ws = workspace()
    queries = {c["name"]: ws.queries(c["name"]) for c in info["categories"]}
    return render_template("categories.html", info=info, queries=queries)


@bp.route("/categories.json")
def categories_json():
    return jsonify(summary(current_index()))


# --- writes -----------------------------------------------------------------------------------

@bp.post("/categories/create")
def create():
    name = _field("name")
    workspace().create(name, _field("description", required=False))
    return _done(f"created category {name}", category=name)


@bp.post("/categories/rename")
def rename():
    old, new = _field("name"), _field("new_name")
    workspace().rename(old, new)
    return _done(f"renamed category {old} to {new}", category=new)


def _lines_count(n: int) -> str:
    return f"{n} line" if n == 1 else f"{n} lines"


@bp.post("/categories/delete")
def delete():
    name = _field("name")
    n = workspace().delete(name)
    return _done(f"deleted category {name} ({_lines_count(n)})", lines=n)


@bp.post("/categories/assign")
def assign():
    category = _field("category")
    spans = _lines()
    result = workspace().assign(current_index(), category, spans,
                                query=_field("query", required=False, limit=MAX_QUERY))
    return _done(f"{_lines_count(result.total)} in {category}: {result.added} new, {result.moved} moved, "
                 f"{result.unchanged} already there", category=category, added=result.added,
                 moved=result.moved, unchanged=result.unchanged,
                 lines=[[s.doc_id, s.char_start, s.char_end] for s in spans])


@bp.post("/categories/unassign")
def unassign():
    spans = _lines()
    category = _field("category", required=False) or None
    n = workspace().unassign(spans, category)
    return _done(f"{_lines_count(n)} taken out of their category", removed=n,
                 lines=[[s.doc_id, s.char_start, s.char_end] for s in spans])


@bp.post("/subcorpora/save")
def save_subcorpus():
    name = _field("name")
    workspace().save_subcorpus(name, _field("filters"))
    return _done(f"saved sub-corpus {name}", subcorpus=name)


@bp.post("/subcorpora/delete")
def delete_subcorpus():
    name = _field("name")
    workspace().delete_subcorpus(name)
    return _done(f"deleted sub-corpus {name}", subcorpus=name)
