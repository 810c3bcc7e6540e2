"""Rows out: csv, tsv, json, jsonl, xlsx and aligned terminal tables, shared by CLI and web.

This module owns how result rows and their provenance are written; it never searches,
counts or decides which columns a command has. Rows are mappings (or objects with those
attributes, such as frozen dataclasses) and are consumed once, lazily: every format except
``table`` and ``xlsx`` holds one chunk of about 64 KiB at a time, so an iterator of millions
of rows streams to a file or an HTTP response in bounded memory. Nothing is capped.

Decisions:

* **Provenance in CSV/TSV is a trailer**, not a header block. The file starts with the
  header row, so Excel, LibreOffice, ``csv.DictReader`` and pandas see the right columns with
  no import options. After the last data row come one blank line and two-cell records
  ``# key,value`` (query, expansion, filters, index, corpus_fingerprint, mode,
  concord_version, created, command, extra, and ``rows``, the number of data rows written).
  Spreadsheets end a data region at a blank row, so sorting and filtering leave the trailer
  alone; writing it last also lets ``rows`` certify that a streamed download is complete.
  A data row is never a blank line (a lone empty cell is written ``""``), so the separator is
  unambiguous; :func:`read_csv_export` reads data and provenance back and checks the count.
  Each trailer record is one physical line starting with an unquoted ``#`` (a line break in
  a value, say a pasted query, is written as a space), and every data or header cell that
  contains ``#`` is quoted, so readers that skip ``#`` comment lines outside quotes, e.g.
  ``pandas.read_csv(path, comment="#")``, read exactly the data rows. Mappings (filters,
  extra) are compact JSON in the trailer. ``provenance=None`` writes plain RFC 4180.
  A leading ``#`` block was rejected: it becomes the header in every reader that is not told
  to skip it (pandas stops with a parse error).
* **Encoding and quoting.** UTF-8 without a byte-order mark (stdout stays clean to pipe;
  Excel users get exact text from ``xlsx``). Lines end ``\\r\\n`` (RFC 4180), for TSV too; a
  field is quoted when it holds the delimiter, a quote, a line break or ``#``, quotes doubled.
  TSV is this same dialect with a tab, so cells with tabs and newlines survive.
* **Values.** ``None`` is an empty cell (JSON ``null``); booleans are ``true``/``false``;
  integers are plain digits; floats are written at ``repr`` precision (shortest text that
  reads back to the same double), never rounded or grouped here, since rounding belongs to
  whoever makes the row. Non-finite floats are ``inf``, ``-inf``, ``nan`` in text formats
  and ``null`` in JSON, which has no such numbers. Lists and mappings are JSON text in
  csv/tsv/xlsx cells and native in JSON. numpy scalars are written as Python numbers.
* **Formula injection.** CSV cells are written unchanged: prefixing ``=``, ``+``, ``-`` or
  ``@`` with an apostrophe would corrupt corpus text (``-ism``, ``@concept``) for every
  program that reads the data. In XLSX every string is written as a string cell, so no
  cell ever becomes a formula or a link; spreadsheet users should prefer ``xlsx``.
* **JSON** is ``{"provenance": {...}, "rows": [...]}``, streamed one row per line;
  **JSONL** is a first line ``{"provenance": {...}}`` and then one row object per line.
  Without provenance, JSON is ``{"rows": [...]}`` and every JSONL line is a row.
* **XLSX** (xlsxwriter in ``constant_memory`` mode): sheet ``rows`` with a bold, frozen,
  filterable header; numbers as numbers (Excel doubles: 16 significant digits, integers
  beyond 2**53 as text), strings as strings. Past Excel's 1,048,576 rows a sheet, rows
  continue on ``rows 2``, ``rows 3``, ... each with the header; a last sheet ``provenance``
  holds key/value rows and the row count. A cell over Excel's 32,767 characters raises
  :class:`~concord.errors.OptionError` instead of being cut.
* **table** is for terminals: columns aligned by display width (wide CJK characters count
  two), numbers right-aligned with floats at 4 decimals, line breaks shown as ``\\n``, no
  provenance. Widths come from the first 1,000 rows so output still streams; a longer cell
  further down pushes its line out of alignment but is never cut.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import numbers
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import BinaryIO, TextIO

from concord.errors import OptionError

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "xlsx")

#: Excel's rows per worksheet, header included.
XLSX_MAX_ROWS = 1_048_576
#: Excel's characters per cell, counted in UTF-16 code units.
XLSX_MAX_CHARS = 32_767
#: Rows read ahead to size the columns of the ``table`` format.
TABLE_SAMPLE_ROWS = 1_000

_CHUNK_CHARS = 64 * 1024
_EXACT_FLOAT_INT = 2**53
_LINE_END = "\r\n"
_LINE_BREAKS = re.compile(r"[\r\n]+")
_TABLE_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})

_CONTENT_TYPES = {
    "table": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8; header=present",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_SUFFIXES = {"table": ".txt", "csv": ".csv", "tsv": ".tsv", "json": ".json",
             "jsonl": ".jsonl", "xlsx": ".xlsx"}


@dataclass(frozen=True)
class Provenance:
    """Where a set of rows came from: enough to rerun it and to tell two runs apart."""

    query: str | None
    expansion: str | None
    filters: Mapping[str, str]
    index: str
    corpus_fingerprint: str
    mode: str
    concord_version: str
    created: str
    command: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Return the provenance as a JSON-ready dict, fields in declaration order."""
        return {
            "query": self.query,
            "expansion": self.expansion,
            "filters": _json_value(self.filters),
            "index": self.index,
            "corpus_fingerprint": self.corpus_fingerprint,
            "mode": self.mode,
            "concord_version": self.concord_version,
            "created": self.created,
            "command": self.command,
            "extra": _json_value(self.extra),
        }


@dataclass(frozen=True)
class CsvExport:
    """A CSV or TSV export read back: columns, rows of text, and provenance if present."""

    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    provenance: dict[str, object] | None


def content_type(fmt: str) -> str:
    """Return the HTTP Content-Type for ``fmt``."""
    return _CONTENT_TYPES[_check_format(fmt)]


def file_suffix(fmt: str) -> str:
    """Return the file name suffix for ``fmt``, dot included."""
    return _SUFFIXES[_check_format(fmt)]


def write_rows(rows: Iterable[object], columns: Sequence[str], fmt: str, out: BinaryIO, *,
               provenance: Provenance | None = None) -> int:
    """Write ``rows`` to the binary stream ``out`` as ``fmt`` and return how many were written."""
    counted = _Counted(rows)
    if _check_format(fmt) == "xlsx":
        _write_xlsx(counted, columns, out, provenance)
    else:
        for chunk in iter_text(fmt, counted, columns, provenance=provenance):
            out.write(chunk.encode("utf-8"))
    return counted.count


def iter_text(fmt: str, rows: Iterable[object], columns: Sequence[str], *,
              provenance: Provenance | None = None) -> Iterator[str]:
    """Return the chunks of any text format, for ``Response(iter_text(...))``."""
    fmt = _check_format(fmt)
    if fmt == "xlsx":
        raise OptionError("xlsx is a binary format: write it with write_rows")
    if fmt == "table":
        return iter_table(rows, columns)
    if fmt in ("csv", "tsv"):
        delimiter = "," if fmt == "csv" else "\t"
        return iter_csv(rows, columns, provenance=provenance, delimiter=delimiter)
    if fmt == "json":
        return iter_json(rows, columns, provenance=provenance)
    return iter_jsonl(rows, columns, provenance=provenance)


def iter_csv(rows: Iterable[object], columns: Sequence[str], *,
             provenance: Provenance | None = None, delimiter: str = ",") -> Iterator[str]:
    """Yield CSV text (TSV with ``delimiter="\\t"``) in chunks, provenance as a trailer."""
    lines = _CsvLines(delimiter)
    yield lines.record(columns)
    count = 0
    chunks = _Chunks()
    for row in rows:
        count += 1
        if chunks.add(lines.record([_text(v) for v in _values(row, columns)])):
            yield chunks.take()
    if provenance is not None:
        chunks.add(_LINE_END)
        for key, value in _provenance_items(provenance, count):
            chunks.add(lines.comment(key, _text(value)))
    yield chunks.take()


def iter_json(rows: Iterable[object], columns: Sequence[str], *,
              provenance: Provenance | None = None, key: str = "rows") -> Iterator[str]:
    """Yield a JSON object ``{"provenance": {...}, key: [rows]}`` in chunks."""
    head = "{"
    if provenance is not None:
        head += f'"provenance": {_dumps(provenance.as_dict())},\n'
    yield f"{head}{_dumps(key)}: ["
    chunks = _Chunks()
    separator = "\n"
    for row in rows:
        if chunks.add(separator + _dumps(_json_row(row, columns))):
            yield chunks.take()
        separator = ",\n"
    chunks.add("\n]}\n")
    yield chunks.take()


def iter_jsonl(rows: Iterable[object], columns: Sequence[str], *,
               provenance: Provenance | None = None) -> Iterator[str]:
    """Yield JSON Lines in chunks: a provenance line, then one object per row."""
    if provenance is not None:
        yield _dumps({"provenance": provenance.as_dict()}) + "\n"
    chunks = _Chunks()
    for row in rows:
        if chunks.add(_dumps(_json_row(row, columns)) + "\n"):
            yield chunks.take()
    yield chunks.take()


def iter_table(rows: Iterable[object], columns: Sequence[str]) -> Iterator[str]:
    """Yield an aligned plain-text table, sized on the first rows, in chunks."""
    rows = iter(rows)
    sample = [list(_values(row, columns)) for row in islice(rows, TABLE_SAMPLE_ROWS)]
    numeric = [_is_numeric_column([r[i] for r in sample]) for i in range(len(columns))]
    sample_cells = [[_table_text(v) for v in r] for r in sample]
    widths = [max([_display_width(c)] + [_display_width(r[i]) for r in sample_cells])
              for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        padded = [_pad(cell, width, right) for cell, width, right
                  in zip(cells, widths, numeric, strict=True)]
        return "  ".join(padded).rstrip() + "\n"

    chunks = _Chunks()
    chunks.add(line(columns))
    chunks.add(line(["-" * w for w in widths]))
    rest = ([_table_text(v) for v in _values(row, columns)] for row in rows)
    for cells in chain(sample_cells, rest):
        if chunks.add(line(cells)):
            yield chunks.take()
    yield chunks.take()


def read_csv_export(source: str | os.PathLike[str] | TextIO, *,
                    delimiter: str = ",") -> CsvExport:
    """Read a CSV/TSV export back: header, data rows as text, provenance trailer if any.

    Raises ``ValueError`` if the trailer's row count disagrees with the rows read (a
    truncated file) or a row has the wrong number of cells.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8", newline="") as handle:
            return read_csv_export(handle, delimiter=delimiter)
    reader = csv.reader(source, delimiter=delimiter)
    columns = tuple(next(reader, ()))
    rows = []
    for record in reader:
        if not record:
            break
        rows.append(dict(zip(columns, record, strict=True)))
    trailer = [record for record in reader if record]
    if not trailer:
        return CsvExport(columns, rows, None)
    provenance: dict[str, object] = {}
    for key, value in trailer:
        provenance[key.removeprefix("# ")] = value
    for key in ("filters", "extra"):
        provenance[key] = json.loads(provenance[key] or "{}")
    for key in ("query", "expansion", "command"):
        provenance[key] = provenance[key] or None
    provenance["rows"] = int(provenance["rows"])
    if provenance["rows"] != len(rows):
        raise ValueError(f"export is incomplete: {len(rows)} of {provenance['rows']} rows")
    return CsvExport(columns, rows, provenance)


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise OptionError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


class _Counted:
    """An iterable that counts the items it hands out."""

    def __init__(self, items: Iterable[object]):
        self._items = items
        self.count = 0

    def __iter__(self) -> Iterator[object]:
        for item in self._items:
            self.count += 1
            yield item


class _Chunks:
    """Collect text until about one chunk's worth is ready to be yielded."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def add(self, text: str) -> bool:
        """Add ``text``; return True when a chunk is full."""
        self._parts.append(text)
        self._size += len(text)
        return self._size >= _CHUNK_CHARS

    def take(self) -> str:
        text = "".join(self._parts)
        self._parts, self._size = [], 0
        return text


def _values(row: object, columns: Sequence[str]) -> Iterator[object]:
    if isinstance(row, Mapping):
        return (row.get(column) for column in columns)
    return (getattr(row, column, None) for column in columns)


def _plain(value: object) -> object:
    """Return ``value`` as None, bool, int, float, str, list, dict or an ISO date string."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars that are not numbers: np.bool_
    if callable(item):
        return _plain(item())
    return str(value)


def _json_value(value: object) -> object:
    """Return ``value`` as JSON data, non-finite floats as None."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    value = _plain(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def _json_row(row: object, columns: Sequence[str]) -> dict[str, object]:
    return dict(zip(columns, (_json_value(v) for v in _values(row, columns)), strict=True))


# One encoder for every row: json.dumps with options builds a new encoder per call.
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _text(value: object) -> str:
    """Return a cell's text for csv/tsv."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return str(value)
    if kind is float:
        return float.__repr__(value)
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float.__repr__(value)
    return _dumps(_json_value(value))


class _CsvLines:
    """Format records in concord's CSV dialect for one delimiter."""

    def __init__(self, delimiter: str):
        self.delimiter = delimiter
        self._needs_quotes = re.compile(f'[{re.escape(delimiter)}"\r\n#]').search

    def field(self, text: str) -> str:
        if self._needs_quotes(text):
            return '"' + text.replace('"', '""') + '"'
        return text

    def record(self, cells: Sequence[str]) -> str:
        # A lone empty cell is written "" so a data row is never a blank line.
        return (self.delimiter.join(map(self.field, cells)) or '""') + _LINE_END

    def comment(self, key: str, value: str) -> str:
        # Unquoted "#" first, so comment-aware readers skip the line; one physical line, so
        # they skip all of it.
        one_line = _LINE_BREAKS.sub(" ", value)
        return f"# {key}{self.delimiter}{self.field(one_line)}{_LINE_END}"


def _provenance_items(provenance: Provenance, rows: int) -> list[tuple[str, object]]:
    items = [(key, _dumps(value) if isinstance(value, dict) else value)
             for key, value in provenance.as_dict().items()]
    return [*items, ("rows", rows)]


def _is_numeric(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_numeric_column(values: Sequence[object]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(_is_numeric(v) for v in present)


def _table_text(value: object) -> str:
    value = _plain(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return float.__repr__(value)
        text = f"{value:.4f}"
        # Keep tiny values visible rather than printing them as zero.
        if value != 0 and float(text) == 0:
            text = f"{value:.3e}"
        return text
    return _text(value).translate(_TABLE_ESCAPES)


def _display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pad(text: str, width: int, right: bool) -> str:
    padding = " " * max(0, width - _display_width(text))
    return padding + text if right else text + padding


def _write_xlsx(rows: Iterable[object], columns: Sequence[str], out: BinaryIO,
                provenance: Provenance | None) -> None:
    import xlsxwriter  # imported here: only xlsx exports pay for it

    with tempfile.TemporaryDirectory(prefix="concord-xlsx-", ignore_cleanup_errors=True) as tmp:
        workbook = xlsxwriter.Workbook(out, {
            "constant_memory": True,
            "tmpdir": tmp,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        })
        try:
            _fill_workbook(workbook, rows, columns, provenance)
        except BaseException:
            # Unclosed constant_memory sheets keep their temp files open.
            for sheet in workbook.worksheets():
                handle = getattr(sheet, "row_data_fh", None)
                if handle is not None:
                    handle.close()
            raise
        workbook.close()


def _fill_workbook(workbook, rows: Iterable[object], columns: Sequence[str],
                   provenance: Provenance | None) -> None:
    bold = workbook.add_format({"bold": True})
    rows_per_sheet = XLSX_MAX_ROWS - 1
    last_col = max(len(columns) - 1, 0)
    sheets = 1
    sheet = _header_sheet(workbook, "rows", columns, bold)
    written = count = 0
    for row in rows:
        if written == rows_per_sheet:
            # Excel's row limit: carry on in a new sheet rather than drop rows.
            sheet.autofilter(0, 0, written, last_col)
            sheets += 1
            sheet = _header_sheet(workbook, f"rows {sheets}", columns, bold)
            written = 0
        written += 1
        count += 1
        for col, value in enumerate(_values(row, columns)):
            _write_cell(sheet, written, col, value, count, columns[col])
    sheet.autofilter(0, 0, written, last_col)
    if provenance is not None:
        sheet = _header_sheet(workbook, "provenance", ("key", "value"), bold)
        for r, (key, value) in enumerate(_provenance_items(provenance, count), start=1):
            sheet.write_string(r, 0, key)
            _write_cell(sheet, r, 1, value, r, key)


def _header_sheet(workbook, name: str, columns: Sequence[str], bold):
    sheet = workbook.add_worksheet(name)
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column, bold)
        sheet.set_column(col, col, min(max(10, len(column) + 2), 60))
    sheet.freeze_panes(1, 0)
    return sheet


def _write_cell(sheet, row: int, col: int, value: object, row_number: int, column: str) -> None:
    value = _plain(value)
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int) and abs(value) <= _EXACT_FLOAT_INT:
        sheet.write_number(row, col, value)
    elif isinstance(value, float) and math.isfinite(value):
        sheet.write_number(row, col, value)
    else:
        text = _text(value)
        if len(text) > XLSX_MAX_CHARS // 2 and len(text.encode("utf-16-le")) // 2 > XLSX_MAX_CHARS:
            raise OptionError(
                f"row {row_number}, column {column!r} holds more than Excel's "
                f"{XLSX_MAX_CHARS:,} characters per cell; export csv, tsv, json or jsonl instead"
            )
        sheet.write_string(row, col, text)
