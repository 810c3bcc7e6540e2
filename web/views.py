"""Routes: each page and its data twins (``.json``, ``.csv``, ``.tsv``, ``.jsonl``, ``.xlsx``).

A view only parses its options (:mod:`web.options`), asks :mod:`concord.reports` for the
report with this request's context (:mod:`web.resources`), and hands it to
:func:`web.render.respond`. The frequency chart of a page is laid out here from the
report's rows by :func:`web.present.freq_chart`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, abort, render_template, request

from concord import reports
from concord.errors import DocumentNotFound, OptionError
from concord.hits import MODES

from . import options, parallel
from .options import DATA_FORMATS, split_suffix
from .present import chart_summary, freq_chart, kwic_link_for_cell, kwic_link_for_form, shared_args
from .render import respond
from .resources import current_index, registry, report_context

bp = Blueprint("views", __name__)
HITS_PER_PAGE = 200      # numbered hit links in a document's side bar, per page


def page_route(rule: str, endpoint: str):
    """Register a page at ``rule`` and its twins at ``rule.<fmt>``."""

    def register(fn):
        def html_view(**kwargs):
            return fn(None, **kwargs)

        def data_view(fmt: str, **kwargs):
            if fmt not in DATA_FORMATS:
                abort(404)
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


@bp.app_context_processor
def layout_context() -> dict[str, Any]:
    def concept_names() -> list[str]:
        return sorted(concept.name for concept in registry().values())   # not whole rows

    return {"concept_names": concept_names, "nav_args": shared_args, "data_formats": DATA_FORMATS,
            "modes": MODES}


# --- pages ------------------------------------------------------------------------------------

@bp.route("/")
def home():
    return search(None)


@page_route("/search", "search")
def search(fmt):
    c = options.common(request.args)
    paging = options.paging(request.args, 20)
    if fmt is None and not c.q:
        return render_template("search.html", data=None, c=c,
                               corpus=reports.corpus_report(report_context()))
    return respond(reports.search_report(report_context(), c.scope, paging), fmt, "search.html", c=c)


@page_route("/kwic", "kwic")
def kwic(fmt):
    c = options.common(request.args)
    k = options.kwic_options(page_args(fmt))
    if fmt is None and not c.q:
        return render_template("kwic.html", data=None, c=c, k=k, translations=None)
    report = reports.kwic_report(report_context(), c.scope, k)
    # "Show translations": the aligned passages under each line (web/parallel.py).
    translations = (parallel.line_translations(report_context(), report.rows, c.scope.q)
                    if fmt is None and options.flag(request.args, "translations")
                    and isinstance(report.rows, list) else None)
    return respond(report, fmt, "kwic.html", c=c, k=k, translations=translations)


@page_route("/freq", "freq")
def freq(fmt):
    c = options.common(request.args)
    f = options.freq_options(request.args)
    if fmt is None and not f.queries:
        return render_template("freq.html", data=None, c=c, f=f, chart=None)
    ctx = report_context()
    report = reports.freq_report(ctx, c.scope, f)
    several = len(f.queries) > 1

    def point_href(row):
        return kwic_link_for_cell(row, row["query"] if several else f.queries[0],
                                  partial(reports.cell_documents, ctx))

    view = options.chart_view(request.args)
    drawn = freq_chart(report.rows, f.by, f.scale, several, point_href, queries=f.queries,
                       view=view) if fmt is None else None
    return respond(report, fmt, "freq.html", c=c, f=f, chart=drawn, cell_href=point_href,
                   view=view, summary=chart_summary(report.rows, f.by) if fmt is None else None)


@page_route("/collocates", "collocates")
def collocates(fmt):
    c = options.common(request.args)
    o = options.collocate_options(page_args(fmt))
    if fmt is None and not c.q:
        return render_template("collocates.html", data=None, c=c, o=o)
    return respond(reports.collocates_report(report_context(), c.scope, o), fmt,
                   "collocates.html", c=c, o=o)


@page_route("/wordlist", "wordlist")
def wordlist(fmt):
    c = options.common(request.args)
    o = options.wordlist_options(page_args(fmt))
    return respond(reports.wordlist_report(report_context(), c.scope, o), fmt, "wordlist.html",
                   c=c, o=o)


@page_route("/keywords", "keywords")
def keywords(fmt):
    o = options.keyword_options(page_args(fmt))
    if fmt is None and not (o.target or o.reference):
        return render_template("keywords.html", data=None, o=o)
    return respond(reports.keywords_report(report_context(), o), fmt, "keywords.html", o=o)


@page_route("/concepts", "concepts")
def concepts(fmt):
    return respond(reports.concepts_report(report_context()), fmt, "concepts.html")


@bp.route("/concept/<name>")
def concept(name: str):
    name, fmt = split_suffix(name)
    c = options.common(request.args)
    f = options.freq_options(request.args, default_by="lang,decade")
    ctx = report_context()
    report = reports.concept_report(ctx, name, c.scope, f)
    query = report.head["query"]

    def cell_href(row):
        return kwic_link_for_cell(row, query, partial(reports.cell_documents, ctx))

    def form_href(form, lang):
        return kwic_link_for_form(form, lang, query)

    view = options.chart_view(request.args)
    drawn = freq_chart(report.rows, f.by, f.scale, False, cell_href, view=view) if fmt is None else None
    return respond(report, fmt, "concept.html", c=c, f=f, chart=drawn, cell_href=cell_href,
                   form_href=form_href, view=view,
                   summary=chart_summary(report.rows, f.by) if fmt is None else None)


@bp.route("/doc/<path:doc_id>")
def doc(doc_id: str):
    """A document; ``/doc/<id>.json`` (and the other suffixes) are its twins."""
    c = options.common(request.args)
    ctx = report_context()
    fmt = None
    try:
        report = reports.document_report(ctx, doc_id, c.scope)
    except DocumentNotFound:
        base, fmt = split_suffix(doc_id)
        if fmt is None:
            raise
        report = reports.document_report(ctx, base, c.scope)
    hit_page = options.integer(request.args, "hits_page", 1, 1, 10**6) if fmt is None else 1
    return respond(report, fmt, "doc.html", c=c, hit_page=hit_page, hits_per_page=HITS_PER_PAGE)


@page_route("/corpus", "corpus")
def corpus(fmt):
    return respond(reports.corpus_report(report_context()), fmt, "corpus.html")


@bp.route("/kwic/line.json")
def kwic_line():
    """One concordance line with more context: ``doc``, ``start``, ``end`` (the match's
    characters), and ``width`` words or ``paragraph=1``. The page's "more context" uses it."""
    from flask import jsonify

    from concord.widen import WIDEST, widen_line

    doc_id = request.args.get("doc", "")
    if not doc_id:
        raise OptionError("doc is required: the document id of the line")
    start = options.integer(request.args, "start", None, 0, 10**12)
    end = options.integer(request.args, "end", None, 0, 10**12)
    if start is None or end is None:
        raise OptionError("start and end are required: the match's character offsets")
    line = widen_line(current_index(), doc_id, start, end,
                      width=options.integer(request.args, "width", 25, 0, WIDEST),
                      paragraph=options.flag(request.args, "paragraph"))
    return jsonify(line.as_dict())
