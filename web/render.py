"""One report, rendered as its HTML page or streamed as a data twin.

datasette style: a view computes a :class:`~concord.reports.Report` once and hands it to
:func:`respond`, which renders the template or writes the twin (``.json``, ``.csv``,
``.tsv``, ``.jsonl``, ``.xlsx``) through :mod:`concord.export`. Twins of a page carry the
same rows as the page; with ``all=1`` they carry every row, unpaged, streamed.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any

from flask import Response, render_template
from werkzeug.wsgi import FileWrapper

from concord.errors import OptionError
from concord.export import content_type, file_suffix, iter_csv, iter_json, iter_jsonl, write_rows
from concord.reports import Report

from .present import twin_url


def respond(report: Report, fmt: str | None, template: str, **context: Any) -> Response:
    """Render ``report`` as the HTML page (``fmt`` None) or stream it as the twin ``fmt``."""
    if fmt is None:
        rows = list(report.rows)
        alternate = twin_url("json")
        html = render_template(template, data=report, head=report.head, rows=rows,
                               alternate=alternate, **context)
        response = Response(html, mimetype="text/html")
        response.headers["Link"] = f'<{alternate}>; rel="alternate"; type="application/json"'
        return response
    filename = f"concord-{report.name}{file_suffix(fmt)}"
    if fmt == "json":
        response = Response(json_chunks(report), content_type="application/json; charset=utf-8")
    elif fmt in ("csv", "tsv"):
        response = Response(iter_csv(report.rows, report.columns, provenance=report.provenance,
                                     delimiter="," if fmt == "csv" else "\t"),
                            content_type=content_type(fmt))
    elif fmt == "jsonl":
        response = Response(iter_jsonl(report.rows, report.json_columns or report.columns,
                                       provenance=report.provenance), content_type=content_type(fmt))
    elif fmt == "xlsx":
        response = xlsx_response(report)
    else:  # pragma: no cover - the routes only pass DATA_FORMATS
        raise OptionError(f"unknown format {fmt!r}")
    disposition = "inline" if fmt == "json" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def json_chunks(report: Report) -> Iterator[str]:
    """``{head fields, "provenance": ..., key: [rows]}``, rows streamed by concord.export."""
    head = json.dumps(report.head, ensure_ascii=False, default=_plain)[1:-1]
    chunks = iter_json(report.rows, report.json_columns or report.columns,
                       provenance=report.provenance, key=report.key)
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


def xlsx_response(report: Report) -> Response:
    """Write the workbook to a temporary file (xlsx cannot be streamed) and send that."""
    spool = tempfile.TemporaryFile(prefix="concord-web-")
    try:
        write_rows(report.rows, report.columns, "xlsx", spool, provenance=report.provenance)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return Response(FileWrapper(spool), content_type=content_type("xlsx"), direct_passthrough=True)
