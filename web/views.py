"""Routes: each page and its data twins (``.json``, ``.csv``, ``.tsv``, ``.jsonl``, ``.xlsx``,
``.zip``: the CSV with its Frictionless ``datapackage.json``).

A view parses its options once (:mod:`web.options`), asks :mod:`web.pages` for the page's
data, and hands that one result to :func:`respond`, which renders the template or streams the
twin through :mod:`concord.export`. Twins of a page carry the same rows as the page; with
``all=1`` they carry every row, unpaged, streamed.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, g, render_template, request
from werkzeug.wsgi import FileWrapper

from concord.concepts import concept_rows, load_registry
from concord.errors import OptionError
from concord.export import (
    content_disposition,
    content_type,
    download_name,
    iter_csv,
    iter_json,
    iter_jsonl,
    write_package_zip,
    write_rows,
)
from concord.search import DocumentNotFound

from . import chart, options, pages
from .app import DATA_FORMATS, current_index, deadline
from .present import lang_name, link, num, shared_args

bp = Blueprint("views", __name__)
ZIP_TYPE = "application/zip"


def page_route(rule: str, endpoint: str) -> Callable:
    """Register a page at ``rule`` and its twins at ``rule.<fmt>``."""

    def register(fn: Callable) -> Callable:
        def html_view(**kwargs):
            g.fmt = None
            g.base_path = rule if rule != "/" else "/search"
            return fn(None, **kwargs)

        def data_view(fmt: str, **kwargs):
            if fmt not in DATA_FORMATS:
                abort(404)
            g.fmt = fmt
            g.base_path = rule
            return fn(fmt, **kwargs)

        bp.add_url_rule(rule, endpoint, html_view)
        bp.add_url_rule(f"{rule}.<fmt>", f"{endpoint}_data", data_view)
        return fn

    return register


def page_args(fmt: str | None):
    """The query parameters; an HTML page never lists every row at once (its downloads do)."""
    if fmt is None and "all" in request.args:
        options.flag(request.args, "all")       # still reject a malformed value
        args = request.args.copy()
        args.poplist("all")
        return args
    return request.args


def registry():
    return load_registry(current_app.config.get("CONCORD_CONCEPTS"))


def context() -> pages.Context:
    return pages.Context(ix=current_index(), registry=registry(), deadline=deadline(),
                         permalink=request.full_path.rstrip("?"),
                         cache=current_app.extensions["concord_cache"])


@bp.app_context_processor
def layout_context() -> dict[str, Any]:
    def concept_names() -> list[str]:
        return [r["name"] for r in concept_rows(registry())]

    return {"concept_names": concept_names, "nav_args": shared_args, "data_formats": DATA_FORMATS}


# --- pages ------------------------------------------------------------------------------------

@bp.route("/")
def home():
    g.fmt = None
    g.base_path = "/search"
    return search(None)


@page_route("/search", "search")
def search(fmt):
    c = options.common(request.args)
    paging = options.paging(request.args, 20)
    if fmt is None and not c.q:
        return render_template("search.html", data=None, c=c, corpus=pages.corpus_page(context()))
    data = pages.search_page(context(), c, paging)
    return respond(data, fmt, "search.html", c=c)


@page_route("/kwic", "kwic")
def kwic(fmt):
    c = options.common(request.args)
    k = options.kwic_options(page_args(fmt))
    if fmt is None and not c.q:
        return render_template("kwic.html", data=None, c=c, k=k)
    data = pages.kwic_page(context(), c, k)
    return respond(data, fmt, "kwic.html", c=c, k=k)


@page_route("/freq", "freq")
def freq(fmt):
    c = options.common(request.args)
    f = options.freq_options(request.args)
    if fmt is None and not f.queries:
        return render_template("freq.html", data=None, c=c, f=f, chart=None)
    data = pages.freq_page(context(), c, f)
    several = data.extra["several"]

    def point_href(row):
        return kwic_link_for_cell(row, row["query"] if several else f.queries[0])

    drawn = freq_chart(data.rows, f.by, f.scale, several, point_href) if fmt is None else None
    return respond(data, fmt, "freq.html", c=c, f=f, chart=drawn, cell_href=point_href)


@page_route("/collocates", "collocates")
def collocates(fmt):
    c = options.common(request.args)
    o = options.collocate_options(page_args(fmt))
    if fmt is None and not c.q:
        return render_template("collocates.html", data=None, c=c, o=o)
    data = pages.collocates_page(context(), c, o)
    return respond(data, fmt, "collocates.html", c=c, o=o)


@page_route("/wordlist", "wordlist")
def wordlist(fmt):
    c = options.common(request.args)
    o = options.wordlist_options(page_args(fmt))
    data = pages.wordlist_page(context(), c, o)
    return respond(data, fmt, "wordlist.html", c=c, o=o)


@page_route("/keywords", "keywords")
def keywords(fmt):
    o = options.keyword_options(page_args(fmt))
    if fmt is None and not (o.target or o.reference):
        return render_template("keywords.html", data=None, o=o)
    data = pages.keywords_page(context(), o)
    return respond(data, fmt, "keywords.html", o=o)


@page_route("/concepts", "concepts")
def concepts(fmt):
    data = pages.concepts_page(context())
    return respond(data, fmt, "concepts.html")


@bp.route("/concept/<name>")
def concept(name: str):
    name, fmt = split_suffix(name)
    g.fmt = fmt
    g.base_path = f"/concept/{name}"
    g.concept_route = True
    c = options.common(request.args)
    f = options.freq_options(request.args, default_by="lang,decade")
    data = pages.concept_page(context(), name, c, f)
    query = data.head["query"]

    def cell_href(row):
        return kwic_link_for_cell(row, query)

    drawn = freq_chart(data.rows, f.by, f.scale, False, cell_href) if fmt is None else None
    return respond(data, fmt, "concept.html", c=c, f=f, chart=drawn, cell_href=cell_href)


@bp.route("/doc/<path:doc_id>")
def doc(doc_id: str):
    """A document; ``/doc/<id>.json`` (and the other suffixes) are its twins."""
    g.fmt = None
    c = options.common(request.args)
    ctx = context()
    try:
        data = pages.doc_page(ctx, doc_id, c)
    except DocumentNotFound:
        base, fmt = split_suffix(doc_id)
        if fmt is None:
            raise
        g.fmt = fmt
        data = pages.doc_page(ctx, base, c)
        doc_id = base
    g.base_path = "/doc/" + quote(doc_id)
    return respond(data, g.fmt, "doc.html", c=c)


@page_route("/corpus", "corpus")
def corpus(fmt):
    data = pages.corpus_page(context())
    return respond(data, fmt, "corpus.html")


def split_suffix(name: str) -> tuple[str, str | None]:
    base, dot, ext = name.rpartition(".")
    if dot and ext in DATA_FORMATS and base:
        return base, ext
    return name, None


# --- frequency chart links ------------------------------------------------------------------

def kwic_link_for_cell(row: dict[str, Any], query: str) -> str:
    """The concordance of one frequency cell: its query with the cell's values as filters."""
    cell: dict[str, Any] = {"q": query}
    if row.get("year") is not None:
        cell["year"] = f"{row['year']}-{row['year']}"
    elif row.get("decade") is not None:
        cell["year"] = f"{row['decade']}-{row['decade'] + 9}"
    for field, param in (("lang", "lang"), ("group", "group"), ("work", "work"),
                         ("doc_id", "doc")):
        if row.get(field):
            cell[param] = row[field]
    if row.get("author"):
        cell["author"] = row["author"].split(";")[0]
    args = [(k, v) for k, v in shared_args() if k not in cell and k != "q"]
    return link("/kwic", [*cell.items(), *args])


def freq_chart(rows, by, scale, several, href):
    from flask_babel import gettext as _
    from flask_babel import ngettext

    def describe(row, value):
        where = ", ".join(str(row[k]) for k in chart.series_fields(by, several) if row.get(k))
        when = row.get("year") if row.get("year") is not None else f"{row.get('decade')}s"
        per_million = row.get("per_million")
        return ngettext("%(where)s %(when)s: %(num)s hit, %(pm)s per million words",
                        "%(where)s %(when)s: %(num)s hits, %(pm)s per million words",
                        row["hits"], where=where, when=when,
                        pm="–" if per_million is None else f"{per_million:.2f}")

    def series_label(key, fields):
        parts = [f"{lang_name(v)} ({v})" if name == "lang" and v else str(v or "–")
                 for name, v in zip(fields, key, strict=True)]
        return " · ".join(parts) or _("all")

    return chart.line_chart(rows, by, scale=scale, several=several, href=href, describe=describe,
                            series_label=series_label, number=lambda y: num(y, 2))


# --- rendering the twins --------------------------------------------------------------------

def respond(data: pages.PageData, fmt: str | None, template: str, **context: Any):
    """Render ``data`` as the HTML page or stream it as the twin ``fmt``."""
    if fmt is None:
        rows = list(data.rows)
        html = render_template(template, data=data, head=data.head, rows=rows,
                               alternate=twin_url_json(), **context)
        response = Response(html, mimetype="text/html")
        response.headers["Link"] = f'<{twin_url_json()}>; rel="alternate"; type="application/json"'
        return response
    bom = options.flag(request.args, "bom")
    if bom and fmt not in ("csv", "tsv"):
        raise OptionError(f"bom=1 is for .csv and .tsv downloads, not .{fmt}")
    filename = download_name(data.provenance, fmt, name=data.name)
    if fmt == "json":
        response = Response(json_chunks(data), content_type="application/json; charset=utf-8")
    elif fmt in ("csv", "tsv"):
        response = Response(iter_csv(data.rows, data.columns, bom=bom,
                                     delimiter="," if fmt == "csv" else "\t"),
                            content_type=content_type(fmt))
    elif fmt == "jsonl":
        response = Response(iter_jsonl(data.rows, data.json_columns or data.columns),
                            content_type=content_type(fmt))
    elif fmt == "xlsx":
        response = spooled_response(fmt, partial(write_rows, data.rows, data.columns, "xlsx",
                                                 provenance=data.provenance))
    elif fmt == "zip":
        csv_name = download_name(data.provenance, "csv", name=data.name)
        response = spooled_response(fmt, partial(write_package_zip, data.rows, data.columns,
                                                 provenance=data.provenance, csv_name=csv_name))
    else:  # pragma: no cover - the routes only pass DATA_FORMATS
        raise OptionError(f"unknown format {fmt!r}")
    response.headers["Content-Disposition"] = content_disposition(filename, inline=fmt == "json")
    return response


def twin_url_json() -> str:
    from .present import twin_url

    return twin_url("json")


def json_chunks(data: pages.PageData) -> Iterator[str]:
    """``{head fields, "provenance": ..., key: [rows]}``, rows streamed by concord.export."""
    head = json.dumps(data.head, ensure_ascii=False, default=_plain)[1:-1]
    chunks = iter_json(data.rows, data.json_columns or data.columns, provenance=data.provenance,
                       key=data.key)
    first = next(chunks)
    yield "{" + head + (",\n" if head else "") + first[1:]
    yield from chunks


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def spooled_response(fmt: str, write: Callable) -> Response:
    """Write a download that cannot stream (xlsx, zip) to a temporary file and send that."""
    spool = tempfile.TemporaryFile(prefix="concord-web-")
    try:
        write(spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return Response(FileWrapper(spool), content_type=ZIP_TYPE if fmt == "zip" else content_type(fmt),
                    direct_passthrough=True)
