"""Presentation helpers: URLs that keep the page's state, numbers, highlighting, chart labels.

Template globals, filters, the frequency charts' links, labels and one-sentence summary, the
reader's link back to its concordance; no searching, no counting. Each page's state lives in
its query string, so links are built from the current arguments with some of them changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import regex
from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Flask, request

from concord.kwic import space_after, space_before
from concord.langid import language_name
from concord.measures import MEASURE_LABELS
from concord.query import Filters

from . import chart
from .i18n import locale_code
from .options import ChartView, split_suffix

SHARED_PARAMS = ("q", "mode", "lang", "year", "author", "group", "work", "doc")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(url_with=url_with, twin_url=twin_url, doc_url=doc_url,
                                 doc_links=doc_links,
                                 shared_args=shared_args, link=link, lang_name=lang_name,
                                 space_after=space_after, space_before=space_before,
                                 measure_choices=measure_choices, form_lines=form_lines,
                                 ngram_lines=ngram_lines, keyword_lines=keyword_lines,
                                 collocate_lines=collocate_lines,
                                 chart_file_name=chart_file_name, back_args=back_args,
                                 back_link=back_link)
    app.jinja_env.filters.update(num=num, segments=segments, lang_name=lang_name, marked=marked)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def _current_args() -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.args.items(multi=True) if k != "ui"]


def link(path: str, args: Mapping[str, Any] | list[tuple[str, Any]] | None = None) -> str:
    """``path?args`` with empty values left out."""
    items = args.items() if isinstance(args, Mapping) else (args or [])
    pairs = [(k, str(v)) for k, v in items if v not in (None, "")]
    return path + ("?" + urlencode(pairs) if pairs else "")


def url_with(_path: str | None = None, **changes: Any) -> str:
    """The current page (or ``_path``) with some query parameters changed; None removes one."""
    pairs = [(k, v) for k, v in _current_args() if k not in changes]
    for key, value in changes.items():
        if isinstance(value, list | tuple):
            pairs.extend((key, v) for v in value)
        elif value is not None:
            pairs.append((key, value))
    return link(_path or base_path(), pairs)


def twin_url(fmt: str, **changes: Any) -> str:
    """This page's data twin: the same state with a ``.json``, ``.csv``... suffix."""
    return url_with(f"{base_path()}.{fmt}", **changes)


def base_path() -> str:
    """The current page's path without a twin suffix (``/`` is the search page)."""
    if request.path == "/":
        return "/search"
    return quote(split_suffix(request.path)[0])


def shared_args(**changes: Any) -> list[tuple[str, str]]:
    """The shared query and filter parameters of the current request, some changed."""
    pairs = [(k, v) for k, v in _current_args() if k in SHARED_PARAMS and k not in changes]
    for key, value in changes.items():
        if value not in (None, ""):
            pairs.append((key, value))
    return pairs


def doc_url(doc_id: str, q: str | None = None, position: int | None = None, **extra: Any) -> str:
    """Link to a document, optionally with a query's hits highlighted and a hit as anchor."""
    return doc_links(q, **extra)(doc_id, position)


def doc_links(q: str | None = None, **extra: Any) -> Callable[..., str]:
    """:func:`doc_url` for the many lines of one page, which share the query and the other
    arguments: those are encoded once, and each line adds its document and anchor."""
    tail = link("", {"q": q, **extra})

    def url(doc_id: str, position: int | None = None) -> str:
        return "/doc/" + quote(doc_id) + tail + (f"#t{position}" if position is not None else "")

    return url


def num(value: Any, digits: int | None = None) -> str:
    """A number in the interface language's notation (1,234.5 or 1.234,5); empty for None.

    ``digits`` rounds to at most that many decimals, dropping trailing zeros.
    """
    if value is None:
        return ""
    group, decimal = _symbols(locale_code())
    if digits is None and isinstance(value, int):
        text = f"{value:,}"
    else:
        text = f"{value:,.{3 if digits is None else digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.translate({ord(","): group, ord("."): decimal})


@lru_cache(maxsize=32)
def _symbols(locale: str) -> tuple[str, str]:
    parsed = Locale.parse(locale)
    return get_group_symbol(parsed), get_decimal_symbol(parsed)


def lang_name(code: str | None) -> str:
    """The name of a language in the interface language, or the code itself."""
    if not code:
        return ""
    return language_name(code, locale_code())


def back_args() -> str:
    """The current concordance's state (query, filters, sort, page...) for a link back to it."""
    return urlencode([(k, v) for k, v in _current_args() if k != "back"])


def back_link(raw: str | None) -> str | None:
    """The concordance a document was opened from, rebuilt from its ``back`` argument.

    Only a query string is taken (re-encoded, at most 2,000 characters): the link always
    goes to this site's ``/kwic``, never elsewhere.
    """
    if not raw or len(raw) > 2000:
        return None
    pairs = [(k, v) for k, v in parse_qsl(raw, keep_blank_values=False) if k not in ("back", "ui")]
    return link("/kwic", pairs) if pairs else None


def chart_file_name(panel: str) -> str:
    """A chart download's name after the question: ``concord-chart-freq-class-main-DATE``."""
    page = base_path().strip("/").split("/")
    words = [*page, *request.args.getlist("q"), request.args.get("by", ""), panel]
    slug = re.sub(r"[^\w]+", "-", "-".join(w for w in words if w).lower()).strip("-")[:80]
    return f"concord-chart-{slug}-{datetime.now(UTC).date().isoformat()}"


def measure_choices() -> list[tuple[str, str]]:
    """The collocation measures with their labels, for forms (:data:`concord.measures.MEASURE_LABELS`)."""
    return list(MEASURE_LABELS.items())


def segments(paragraph: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any] | None, bool]]:
    """Split a paragraph's text into (text, hit or None, first piece of the hit) pieces."""
    text, base = paragraph["text"], paragraph["start"]
    at = 0
    for hit in paragraph.get("marks", ()):
        lo = max(hit["char_start"] - base, at)
        hi = min(hit["char_end"] - base, len(text))
        if hi <= lo:
            continue
        if lo > at:
            yield text[at:lo], None, False
        yield text[lo:hi], hit, hit["char_start"] - base >= 0
        at = hi
    if at < len(text):
        yield text[at:], None, False


# --- the frequency chart: its links and labels ---------------------------------------------

def marked(text: str, spans) -> list[tuple[str, bool]]:
    """Split a KWIC context into (text, is a found context word) pieces."""
    pieces, at = [], 0
    for a, b in spans or ():
        if a > at:
            pieces.append((text[at:a], False))
        pieces.append((text[a:b], True))
        at = b
    if at < len(text) or not pieces:
        pieces.append((text[at:], False))
    return pieces


# --- from a number in a table to exactly its lines ------------------------------------------

FILTER_ARGS = ("lang", "year", "author", "group", "work", "doc")


def cql_word(key: str, exact: bool) -> str:
    """A CQL token for one form as counted: the folded form (``%cd``) or as written."""
    return f'[word="{regex.escape(key)}"{"" if exact else "%cd"}]'


def filter_args(filters: Filters) -> list[tuple[str, str]]:
    """A filter set as the KWIC page's parameters (authors ';'-separated, as it reads them)."""
    out = []
    if filters.langs:
        out.append(("lang", ",".join(filters.langs)))
    if filters.year_from is not None or filters.year_to is not None:
        out.append(("year", f"{filters.year_from or ''}-{filters.year_to or ''}"))
    for name, values, sep in (("author", filters.authors, ";"), ("group", filters.groups, ","),
                              ("work", filters.works, ","), ("doc", filters.doc_ids, ",")):
        if values:
            out.append((name, sep.join(values)))
    return out


def _page_filters() -> list[tuple[str, str]]:
    return [(k, v) for k, v in shared_args() if k in FILTER_ARGS]


def form_lines(key: str, exact: bool) -> str:
    """The lines of one word-list form: that form (as counted) inside the page's filters."""
    return link("/kwic", [("q", cql_word(key, exact)), *_page_filters()])


def ngram_lines(key: str, exact: bool) -> str:
    """The lines of one n-gram: its forms in a row inside one paragraph, in the page's filters."""
    q = " ".join(cql_word(k, exact) for k in key.split(" ")) + " within p"
    return link("/kwic", [("q", q), *_page_filters()])


def keyword_lines(key: str, exact: bool, target: Filters) -> str:
    """The lines of one keyword inside the target sub-corpus."""
    return link("/kwic", [("q", cql_word(key, exact)), *filter_args(target)])


def collocate_lines(row: Mapping[str, Any], window: Sequence[int]) -> str:
    """The node's lines with this collocate inside the window (in the row's language)."""
    args = [(k, v) for k, v in shared_args() if not (k == "lang" and row.get("lang"))]
    if row.get("lang"):
        args.append(("lang", row["lang"]))
    args += [("has", row["key"]), ("within", f"{window[0]},{window[1]}")]
    return link("/kwic", args)


def form_query(form: str) -> str:
    """A matched written form as a query: one quoted phrase (a quote inside splits words anyway)."""
    return '"' + form.replace('"', " ") + '"'


def kwic_link_for_form(form: str, lang: str | None, query: str) -> str:
    """The lines of one matched written form: the query's hits written so, in the page's filters."""
    cell = {"q": query, "lang": lang, "form": form}
    args = [(k, v) for k, v in shared_args() if k not in cell]
    return link("/kwic", [*cell.items(), *args])


def kwic_link_for_cell(row: dict[str, Any], query: str,
                       documents: Callable[[dict[str, Any]], list[str]] | None = None) -> str:
    """The concordance of one frequency cell: its query with the cell's values as filters.

    A cell of a matched written form (``--by form``) keeps the hits written so (``form=``).
    Cell values no filter can say exactly (an author, which filters as "contains"; an empty
    group or work; an unknown year) become the list of the cell's documents, from
    ``documents(values)``.
    """
    cell: dict[str, Any] = {"q": query}
    if row.get("form") is not None:
        cell["form"] = row["form"]
    inexact: dict[str, Any] = {}
    if "author" in row:
        inexact["author"] = row["author"] or ""
    for field in ("group", "work"):
        if field in row and not row[field]:
            inexact[field] = ""
    for field in ("year", "decade"):
        if field in row and row[field] is None:
            inexact[field] = None
    if row.get("year") is not None:
        cell["year"] = f"{row['year']}-{row['year']}"
    elif row.get("decade") is not None:
        cell["year"] = f"{row['decade']}-{row['decade'] + 9}"
    for field, param in (("lang", "lang"), ("group", "group"), ("work", "work"),
                         ("doc_id", "doc")):
        if row.get(field):
            cell[param] = row[field]
    if inexact and documents is not None and not row.get("doc_id"):
        page_docs = [v for k, v in shared_args() if k == "doc"]
        wanted = documents(inexact)
        if page_docs:
            allowed = {d.strip() for d in page_docs[0].split(",")}
            wanted = [d for d in wanted if d in allowed]
        cell["doc"] = ",".join(wanted) or "-"
    args = [(k, v) for k, v in shared_args() if k not in cell and k != "q"]
    return link("/kwic", [*cell.items(), *args])


def freq_chart(rows, by, scale, several, href, *, queries=(), view=None):
    """The page's charts (:class:`web.chart.ChartSet`) with translated labels and links."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    view = view or ChartView()

    def describe(row, value):
        where = ", ".join(str(row[k]) for k in chart.series_fields(by, several) if row.get(k))
        when = row.get("year") if row.get("year") is not None else f"{row.get('decade')}s"
        per_million = row.get("per_million")
        return ngettext("%(where)s %(when)s: %(num)s hit, %(pm)s per million words",
                        "%(where)s %(when)s: %(num)s hits, %(pm)s per million words",
                        row["hits"], where=where, when=when,
                        pm="–" if per_million is None else f"{per_million:.2f}")

    def series_label(key, fields):
        parts = []
        for name, v in zip(fields, key, strict=True):
            if name == "lang" and v == "other":
                parts.append(_("other languages"))
            elif name == "lang" and v:
                parts.append(f"{lang_name(v)} ({v})")
            else:
                parts.append(str(v or "–"))
        return " · ".join(parts) or _("all")

    return chart.compare_charts(rows, by, scale=scale, log=view.log, several=several,
                                zeros=view.zeros, shared_axis=view.shared_axis,
                                queries=list(queries), href=href, describe=describe,
                                series_label=series_label, number=lambda y: num(y, 2))


def chart_summary(rows, by) -> str:
    """One sentence on where the hits are: "1 hit: French, 1930s" or the total and spread."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    total, cells = chart.summary_cells(rows, by)
    if total == 0:
        return _("No hits in these filters.")
    head = ngettext("%(n)s hit", "%(n)s hits", total, n=num(total))
    if cells:
        return head + ": " + "; ".join(_cell_text(r, by, show_hits=len(cells) > 1) for r in cells) + "."
    langs = {r.get("lang") for r in rows if r["hits"] and r.get("lang")}
    best = max(rows, key=lambda r: r["hits"])
    where = _cell_text(best, by, show_hits=False)
    if len(langs) > 1:
        return ngettext("%(head)s in %(n)s language; most in %(where)s (%(hits)s).",
                        "%(head)s in %(n)s languages; most in %(where)s (%(hits)s).",
                        len(langs), head=head, n=len(langs), where=where, hits=num(best["hits"]))
    return _("%(head)s; most in %(where)s (%(hits)s).", head=head, where=where,
             hits=num(best["hits"]))


def _cell_text(row, by, *, show_hits: bool) -> str:
    parts = []
    for f in by:
        key = "doc_id" if f == "doc" else f
        v = row.get(key)
        if v is None:
            continue
        if f == "lang":
            parts.append(lang_name(v))
        elif f == "decade":
            parts.append(f"{v}s")
        else:
            parts.append(str(v))
    text = ", ".join(parts)
    return f"{text} ({num(row['hits'])})" if show_hits else text
