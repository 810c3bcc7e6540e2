"""One report, rendered as its HTML page or streamed as a data twin.

datasette style: a view computes a :class:`~concord.reports.Report` once and hands it to
:func:`respond`, which renders the template or writes the twin (``.json``, ``.csv``,
``.tsv``, ``.jsonl``, ``.xlsx``, ``.parquet``, and ``.zip``: the CSV with its Frictionless
``datapackage.json``) through :mod:`concord.export`. Twins of a page carry the
same rows as the page; with ``all=1`` they carry every row, unpaged, streamed.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from flask import Response, render_template, request
from werkzeug.wsgi import FileWrapper

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
from concord.reports import Report

from . import options
from .present import twin_url

ZIP_TYPE = "application/zip"


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
    bom = options.flag(request.args, "bom")
    if bom and fmt not in ("csv", "tsv"):
        raise OptionError(f"bom=1 is for .csv and .tsv downloads, not .{fmt}")
    filename = download_name(report.provenance, fmt, name=report.name)
    if fmt == "json":
        response = Response(json_chunks(report), content_type="application/json; charset=utf-8")
    elif fmt in ("csv", "tsv"):
        response = Response(iter_csv(report.rows, report.columns, bom=bom,
                                     delimiter="," if fmt == "csv" else "\t"),
                            content_type=content_type(fmt))
    elif fmt == "jsonl":
        response = Response(iter_jsonl(report.rows, report.json_columns or report.columns),
                            content_type=content_type(fmt))
    elif fmt in ("xlsx", "parquet"):
        response = spooled_response(fmt, partial(write_rows, report.rows, report.columns, fmt,
                                                 provenance=report.provenance))
    elif fmt == "zip":
        csv_name = download_name(report.provenance, "csv", name=report.name)
        response = spooled_response(fmt, partial(write_package_zip, report.rows, report.columns,
                                                 provenance=report.provenance, csv_name=csv_name))
    else:  # pragma: no cover - the routes only pass DATA_FORMATS
        raise OptionError(f"unknown format {fmt!r}")
    response.headers["Content-Disposition"] = content_disposition(filename, inline=fmt == "json")
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


def spooled_response(fmt: str, write: Callable) -> Response:
    """Write a download that cannot stream (xlsx, parquet, zip) to a temporary file; send it."""
    spool = tempfile.TemporaryFile(prefix="concord-web-")
    try:
        write(spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return Response(FileWrapper(spool), content_type=ZIP_TYPE if fmt == "zip" else content_type(fmt),
                    direct_passthrough=True)
