"""Write a :class:`~concord.reports.Report` to the terminal or a file.

Rows go through :mod:`concord.export` in the chosen ``--format``; ``table`` on a terminal
is the export's aligned table unless a command prints its own view (KWIC lines, search
results). Nothing here searches or counts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import click

from ..errors import OptionError
from ..kwic import space_after, space_before

KWIC_TABLE_CONTEXT = 45   # characters of context each side in the terminal view


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 hit``, ``2 hits``, ``0 documents``: a count with its noun in the right number."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def hits_in_docs(head: Mapping[str, Any]) -> str:
    """``9 hits in 1 document`` from a report head."""
    return f"{counted(head['hits'], 'hit')} in {counted(head['docs'], 'document')}"


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def emit(rows: Iterable[Any], columns: Sequence[str], fmt: str, output: str | None, prov=None) -> None:
    """Write rows to --output or stdout in the chosen format (with its data package)."""
    from ..export import write_export

    meta = click.get_current_context().meta
    bom, package_file = meta.get("concord.bom", False), meta.get("concord.provenance_file")
    if fmt in ("xlsx", "parquet") and output is None and sys.stdout.isatty():
        raise OptionError(f"{fmt} is binary: give --output FILE.{fmt} (or redirect stdout)")
    if output:
        write_export(rows, columns, fmt, output, prov, bom=bom, package_path=package_file)
    else:
        out = sys.stdout.buffer
        write_export(rows, columns, fmt, out, prov, bom=bom, package_path=package_file)
        out.flush()


def emit_report(report, fmt: str, output: str | None) -> None:
    """Write a report's table columns with its provenance (flat cells in every format)."""
    emit(report.rows, report.columns, fmt, output, report.provenance)


def render(report, fmt: str, output: str | None, *, table: Callable[[Any], None],
           json: Callable[[Any], None] | None = None) -> None:
    """A report as the command's own ``table`` view, JSON on stdout, or an export."""
    if fmt == "table":
        table(report)
    elif fmt == "json" and not output:
        (json or stream_json)(report)
    else:
        emit_report(report, fmt, output)


def stream_json(report) -> None:
    """``{"provenance": ..., key: [rows]}`` on stdout, rows streamed."""
    from ..export import iter_json

    for chunk in iter_json(report.rows, report.json_columns or report.columns,
                           provenance=report.provenance, key=report.key):
        sys.stdout.write(chunk)
    sys.stdout.write("\n")


def match_line(left: str, match: str, right: str) -> str:
    """A hit in its context, the match in bold, spaced by :func:`concord.kwic.space_after`."""
    return left + space_after(left) + click.style(match, bold=True) + space_before(right) + right


def print_search(report) -> None:
    head = report.head
    click.echo(hits_in_docs(head))
    for i, r in enumerate(report.rows, start=head["offset"] + 1):
        click.echo(f"\n{i}. {r['title']} — {r['author']} ({r['year']}) [{r['language']}] "
                   f"{r['doc_id']}  {r['hits']} hits")
        for s in r["snippets"]:
            click.echo("   …" + match_line(s["left"], f"[{s['match']}]", s["right"]) + "…")
    for name, counts in head["facets"].items():
        if counts:
            top = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:8])
            click.echo(f"\n{name}: {top}")


def as_typed_note(head: Mapping[str, Any]) -> str:
    """The summary's note of hits spelled exactly as typed (queries with diacritics)."""
    return f", {head['as_typed']} spelled exactly as typed" if head.get("as_typed") is not None else ""


def print_kwic(report) -> None:
    head = report.head
    lines: list[Mapping[str, Any]] = list(report.rows)
    shown = f"{head['offset'] + 1}-{head['offset'] + len(lines)}" if lines else "0"
    click.echo(f"{hits_in_docs(head)}{as_typed_note(head)} (showing {shown})")
    if head.get("line_filters"):
        note = f"{head['query_hits']} hits before these filters"
        if head.get("context_hits") is not None:
            note += f"; {head['context_hits']} context words found"
        click.echo("lines with: " + "; ".join(head["line_filters"]) + f" ({note})")
    cols = KWIC_TABLE_CONTEXT
    group = head.get("group")
    current: object = object()
    for ln in lines:
        if group is not None:
            value = ln.get(group if group != "doc" else "doc_id")
            if value != current:
                current = value
                n = next((g["hits"] for g in head["groups"] if g["value"] == value), 0)
                click.echo(click.style(f"\n{group}: {'' if value is None else value} ({n} lines)",
                                       bold=True))
        left = ln["left"][-cols:].rjust(cols)
        click.echo(match_line(left, ln["match"], ln["right"][:cols]) + "   "
                   + click.style(f"{ln['doc_id']}:{ln['position']}", dim=True))
