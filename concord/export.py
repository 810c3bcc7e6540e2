"""Rows out: csv, tsv, json, jsonl, xlsx, parquet and aligned terminal tables, for CLI and web.

This module owns how result rows and their provenance are written; it never searches,
counts or decides which columns a command has. Rows are mappings (or objects with those
attributes, such as frozen dataclasses) and are consumed once, lazily: every format except
``table`` and ``xlsx`` holds one chunk of rows at a time, so an iterator of millions of rows
streams to a file or an HTTP response in bounded memory. Nothing is capped. The one entry
point for files is :func:`write_export`; the web streams :func:`iter_text` chunks.

Decisions:

* **CSV, TSV and JSON Lines hold rows only.** CSV/TSV are a header row and then the rows
  (RFC 4180), JSON Lines one object per row, so that ``pandas.read_csv(path)``,
  ``pandas.read_json(path, lines=True)``, R's ``read.csv`` and ``csv.DictReader`` read
  exactly the rows with no arguments. Their provenance goes into a Frictionless Data Package
  written beside the file (``t.csv`` -> ``t.datapackage.json``, :mod:`concord.datapackage`)
  with the table schema (types and descriptions from :mod:`concord.columns`), the row count,
  the byte count and the SHA-256 of the data file, which certify that a file is complete.
  Files written by earlier versions, with a ``# key,value`` provenance trailer after a blank
  line, still load with :func:`read_csv_export`.
* **Encoding and quoting.** UTF-8; a byte-order mark only on request (``bom=True``, for
  spreadsheets opened by double-click; R's ``read.csv`` would take it into the first column
  name). Lines end ``\\r\\n`` (RFC 4180), for TSV too; a field is quoted when it holds the
  delimiter, a quote, a line break or ``#`` (so ``comment="#"`` readers keep data intact),
  quotes doubled. TSV is this same dialect with a tab, so cells with tabs and newlines
  survive. A data row is never a blank line (a lone empty cell is written ``""``).
* **Values.** ``None`` is an empty cell (JSON ``null``); booleans are ``true``/``false`` in
  JSON and ``TRUE``/``FALSE`` in csv/tsv, the one spelling that pandas, R's ``read.csv``
  (which reads ``true`` as text), spreadsheets and Table Schema all read as a boolean;
  integers are plain digits; floats are written at ``repr`` precision (shortest text that
  reads back to the same double), never rounded or grouped here, since rounding belongs to
  whoever makes the row. Non-finite floats are ``NaN``, ``INF``, ``-INF`` in text formats
  (Table Schema's spelling, read by pandas and R alike) and ``null`` in JSON. Lists and
  mappings are JSON text in csv/tsv/xlsx/parquet cells and native in JSON. numpy scalars
  are written as Python numbers.
* **Formula injection.** CSV cells are written unchanged: prefixing ``=``, ``+``, ``-`` or
  ``@`` with an apostrophe would corrupt corpus text (``-ism``, ``@concept``) for every
  program that reads the data. In XLSX every string is written as a string cell, so no
  cell ever becomes a formula or a link.
* **JSON** is ``{"provenance": {...}, "rows": [...]}``, streamed one row per line
  (``pandas.json_normalize(json.load(f)["rows"])`` makes a DataFrame).
* **Parquet** (the optional extra ``concord[parquet]``, pyarrow) is typed from the column
  registry: integers int64 (nullable ones read by pandas as ``Int64``), numbers float64,
  booleans, strings; the provenance is JSON under the schema metadata key ``concord`` and
  each field carries its description. Rows are written in row groups of 65,536.
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
* **Download names** say what a file holds: ``concord-freq-state-capitalism-by-lang-decade-
  2026-12-01.csv``, from the provenance; :func:`content_disposition` gives an ASCII
  ``filename`` and an RFC 5987 ``filename*`` for queries in other scripts.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
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
from urllib.parse import quote

from concord import datapackage
from concord.columns import columns_of, export_kind
from concord.errors import OptionError

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "xlsx", "parquet")
#: Formats whose provenance goes into a data package beside the file.
PACKAGED_FORMATS = ("csv", "tsv", "jsonl", "parquet")
_PACKAGE_NOTE = {
    "table": "it is for terminals",
    "json": "its provenance is inside the file",
    "xlsx": "its provenance is the sheet 'provenance'",
}
#: Rows per Parquet row group.
PARQUET_ROW_GROUP = 65_536

#: Excel's rows per worksheet, header included.
XLSX_MAX_ROWS = 1_048_576
#: Excel's characters per cell, counted in UTF-16 code units.
XLSX_MAX_CHARS = 32_767
#: Rows read ahead to size the columns of the ``table`` format.
TABLE_SAMPLE_ROWS = 1_000

_CHUNK_CHARS = 64 * 1024
_EXACT_FLOAT_INT = 2**53
_LINE_END = "\r\n"
_TABLE_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})

_CONTENT_TYPES = {
    "table": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8; header=present",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
_SUFFIXES = {"table": ".txt", "csv": ".csv", "tsv": ".tsv", "json": ".json",
             "jsonl": ".jsonl", "xlsx": ".xlsx", "parquet": ".parquet"}


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


@dataclass(frozen=True)
class ExportResult:
    """What :func:`write_export` wrote: rows, bytes, the data's SHA-256, the package file."""

    rows: int
    bytes: int
    sha256: str
    package_path: str | None = None


def write_export(rows: Iterable[object], columns: Sequence[str], fmt: str,
                 target: str | os.PathLike[str] | BinaryIO, provenance: Provenance | None = None,
                 *, bom: bool = False, package: bool = True,
                 package_path: str | os.PathLike[str] | None = None,
                 kind: str | None = None) -> ExportResult:
    """Write an export to a file path or a binary stream, with its data package.

    csv, tsv, jsonl and parquet written to a path get ``<stem>.datapackage.json`` beside
    them (unless ``package=False``); ``package_path`` names the package file instead, and is
    the only way to get one for a stream such as stdout. json and xlsx carry their provenance
    inside, so asking for their package is an error.
    ``kind`` names the column registry entry (``"kwic"``, ``"freq"``...); by default it
    comes from ``provenance.command``. Raises :class:`OptionError` for ``bom`` outside
    csv/tsv and for a package of a format that has none.
    """
    fmt = _check_format(fmt)
    if bom and fmt not in ("csv", "tsv"):
        raise OptionError(f"a byte-order mark is for csv and tsv, not {fmt}")
    if package_path is not None and fmt not in PACKAGED_FORMATS:
        raise OptionError(f"{fmt} has no data package: {_PACKAGE_NOTE[fmt]}")
    is_path = isinstance(target, str | os.PathLike)
    if package_path is None and package and is_path and fmt in PACKAGED_FORMATS:
        package_path = datapackage.package_path_for(target)
    if package_path is not None and os.path.exists(package_path):
        # A package left from an earlier run must not vouch for a file that fails now.
        os.remove(package_path)
    kind = kind or export_kind(provenance.command if provenance is not None else None)
    if is_path:
        with open(target, "wb") as handle:
            sink = _HashingWriter(handle)
            count = write_rows(rows, columns, fmt, sink, provenance=provenance, bom=bom, kind=kind)
    else:
        sink = _HashingWriter(target)
        count = write_rows(rows, columns, fmt, sink, provenance=provenance, bom=bom, kind=kind)
    result = ExportResult(count, sink.size, sink.hexdigest())
    if package_path is None:
        return result
    if is_path:
        data_name = datapackage.relative_path(target, package_path)
    else:
        data_name = _data_name_for(package_path, fmt)
    descriptor = package_descriptor(columns, fmt, result, data_name, provenance, bom=bom,
                                    kind=kind)
    datapackage.write_descriptor(descriptor, package_path)
    return ExportResult(count, result.bytes, result.sha256, os.fspath(package_path))


def write_package_zip(rows: Iterable[object], columns: Sequence[str], out: BinaryIO, *,
                      provenance: Provenance | None, csv_name: str, bom: bool = False,
                      kind: str | None = None) -> ExportResult:
    """Write a zip of the CSV (``csv_name``) and its ``datapackage.json`` to ``out``.

    The CSV is spooled to a temporary file first: its hash and row count go into the
    package, which is the zip's second member.
    """
    import zipfile

    with tempfile.TemporaryFile(prefix="concord-zip-") as spool:
        result = write_export(rows, columns, "csv", spool, provenance, bom=bom, package=False,
                              kind=kind)
        spool.seek(0)
        descriptor = package_descriptor(columns, "csv", result, csv_name, provenance, bom=bom,
                                        kind=kind)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with archive.open(csv_name, "w", force_zip64=True) as member:
                while block := spool.read(1 << 20):
                    member.write(block)
            archive.writestr("datapackage.json",
                             json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n")
    return result


def package_descriptor(columns: Sequence[str], fmt: str, result: ExportResult, data_name: str,
                       provenance: Provenance | None, *, bom: bool = False,
                       kind: str | None = None) -> dict[str, object]:
    """Return the Frictionless data package of a written export (see :mod:`concord.datapackage`)."""
    kind = kind or export_kind(provenance.command if provenance is not None else None)
    title = None
    if provenance is not None:
        title = f"concord {provenance.command or ''}: {provenance.query or ''}".strip(" :")
    return datapackage.descriptor(
        fmt=fmt, path=data_name, columns=columns_of(kind, columns), rows=result.rows,
        size=result.bytes, sha256=result.sha256,
        provenance=provenance.as_dict() if provenance is not None else None, bom=bom, title=title)


def _data_name_for(package_path: str | os.PathLike[str], fmt: str) -> str:
    """Name the data of a streamed export after its package: p.datapackage.json -> p.csv."""
    name = os.path.basename(package_path)
    for suffix in (datapackage.SUFFIX, ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + file_suffix(fmt)
    return name + file_suffix(fmt)


def write_rows(rows: Iterable[object], columns: Sequence[str], fmt: str, out: BinaryIO, *,
               provenance: Provenance | None = None, bom: bool = False,
               kind: str | None = None) -> int:
    """Write ``rows`` to the binary stream ``out`` as ``fmt`` and return how many were written.

    Only json, xlsx and parquet hold ``provenance``; csv, tsv and jsonl are rows only.
    """
    counted = _Counted(rows)
    fmt = _check_format(fmt)
    if fmt == "xlsx":
        _write_xlsx(counted, columns, out, provenance)
    elif fmt == "parquet":
        kind = kind or export_kind(provenance.command if provenance is not None else None)
        _write_parquet(counted, columns_of(kind, columns), out, provenance)
    else:
        for chunk in iter_text(fmt, counted, columns, provenance=provenance, bom=bom):
            out.write(chunk.encode("utf-8"))
    return counted.count


def iter_text(fmt: str, rows: Iterable[object], columns: Sequence[str], *,
              provenance: Provenance | None = None, bom: bool = False) -> Iterator[str]:
    """Return the chunks of any text format, for ``Response(iter_text(...))``.

    ``provenance`` goes into json only; ``bom`` is for csv and tsv.
    """
    fmt = _check_format(fmt)
    if fmt in ("xlsx", "parquet"):
        raise OptionError(f"{fmt} is a binary format: write it with write_rows")
    if bom and fmt not in ("csv", "tsv"):
        raise OptionError(f"a byte-order mark is for csv and tsv, not {fmt}")
    if fmt == "table":
        return iter_table(rows, columns)
    if fmt in ("csv", "tsv"):
        delimiter = "," if fmt == "csv" else "\t"
        return iter_csv(rows, columns, delimiter=delimiter, bom=bom)
    if fmt == "json":
        return iter_json(rows, columns, provenance=provenance)
    return iter_jsonl(rows, columns)


def iter_csv(rows: Iterable[object], columns: Sequence[str], *, delimiter: str = ",",
             bom: bool = False) -> Iterator[str]:
    """Yield CSV text (TSV with ``delimiter="\\t"``) in chunks: a header, then the rows."""
    lines = _CsvLines(delimiter)
    yield ("\ufeff" if bom else "") + lines.record(columns)
    chunks = _Chunks()
    for row in rows:
        if chunks.add(lines.record([_csv_text(v) for v in _values(row, columns)])):
            yield chunks.take()
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


def iter_jsonl(rows: Iterable[object], columns: Sequence[str]) -> Iterator[str]:
    """Yield JSON Lines in chunks: one object per row, nothing else."""
    yield ""
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
    """Read a CSV/TSV export back: header, data rows as text, and provenance if any.

    Reads both layouts: the current one (rows only; provenance from the data package
    ``<stem>.datapackage.json`` beside a file path, when it is there) and the older one with
    a ``# key,value`` trailer after a blank line. A leading byte-order mark is skipped.
    Raises ``ValueError`` if the provenance's row count disagrees with the rows read (a
    truncated file) or a row has the wrong number of cells.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            exported = read_csv_export(handle, delimiter=delimiter)
        package_path = datapackage.package_path_for(source)
        if exported.provenance is not None or not package_path.exists():
            return exported
        provenance = datapackage.provenance_of(datapackage.read_descriptor(package_path))
        if provenance is not None:
            _check_row_count(provenance, exported.rows)
        return CsvExport(exported.columns, exported.rows, provenance)
    reader = csv.reader(source, delimiter=delimiter)
    columns = tuple(next(reader, ()))
    if columns and columns[0].startswith("\ufeff"):
        columns = (columns[0][1:], *columns[1:])
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
    _check_row_count(provenance, rows)
    return CsvExport(columns, rows, provenance)


def _check_row_count(provenance: dict[str, object], rows: list) -> None:
    provenance["rows"] = int(provenance["rows"])  # type: ignore[call-overload]
    if provenance["rows"] != len(rows):
        raise ValueError(f"export is incomplete: {len(rows)} of {provenance['rows']} rows")


# --- download names -------------------------------------------------------------------------

_SLUG_MAX = 60


def download_name(provenance: Provenance | None, fmt: str, *, name: str | None = None) -> str:
    """Return a file name that says what an export holds: command, query, grouping, date.

    E.g. ``concord-freq-state-capitalism-by-lang-decade-2026-12-01.csv``. Letters of any
    script are kept (see :func:`content_disposition` for the ASCII fallback).
    """
    suffix = ".zip" if fmt == "zip" else file_suffix(fmt)
    parts = ["concord"]
    if provenance is None:
        parts.append(name or "rows")
    else:
        command = (provenance.command or name or "rows").removeprefix("web ")
        parts.append(command.replace("--", ""))
        extra = provenance.extra or {}
        if extra.get("doc_id"):
            parts.append(str(extra["doc_id"]).rsplit("/", 1)[-1].rsplit(".", 1)[0])
        if provenance.query:
            parts.append(provenance.query)
        if extra.get("target") and extra.get("reference"):
            parts += [str(extra["target"]), "vs", str(extra["reference"])]
        for description in extra.get("line_filters") or ():
            parts.append(str(description))
        if extra.get("group"):
            parts += ["by", str(extra["group"])]
        if extra.get("by"):
            parts += ["by", str(extra["by"])]
        if extra.get("measure"):
            parts.append(str(extra["measure"]))
        parts.append(provenance.created[:10])
    slugs = [_slug(p) for p in parts]
    return "-".join(s for s in slugs if s) + suffix


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """Return a Content-Disposition header: ASCII ``filename`` plus RFC 5987 ``filename*``."""
    disposition = "inline" if inline else "attachment"
    stem, dot, suffix = filename.rpartition(".")
    ascii_stem = "-".join(s for s in (_slug(p, ascii_only=True) for p in stem.split("-")) if s)
    fallback = (ascii_stem or "concord") + (dot + _slug(suffix, ascii_only=True) if dot else "")
    header = f'{disposition}; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def _slug(text: str, *, ascii_only: bool = False) -> str:
    """Lower-case words of ``text`` joined by ``-``: no quotes, slashes or control characters."""
    text = unicodedata.normalize("NFKD" if ascii_only else "NFC", text).lower()
    if ascii_only:
        text = text.encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[^\W_]+", text)
    slug = "-".join(words)
    return slug[:_SLUG_MAX].rstrip("-")


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
        return float.__repr__(value) if math.isfinite(value) else _NON_FINITE[repr(value)]
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
        return float.__repr__(value) if math.isfinite(value) else _NON_FINITE[repr(value)]
    return _dumps(_json_value(value))


def _csv_text(value: object) -> str:
    """Return a csv/tsv cell: as :func:`_text`, but booleans are ``TRUE``/``FALSE``."""
    kind = type(value)
    if kind is str or kind is int or kind is float:
        return _text(value)
    value = _plain(value)  # numpy's bool is no bool
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return _text(value)


# Table Schema's spelling of non-finite numbers; pandas, R and frictionless all read it.
_NON_FINITE = {"nan": "NaN", "inf": "INF", "-inf": "-INF"}


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


class _HashingWriter:
    """A binary stream wrapper that counts and hashes the bytes written through it."""

    def __init__(self, out: BinaryIO):
        self._out = out
        self._sha = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data) -> int:
        data = bytes(data)
        self._out.write(data)
        self._sha.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self._out.flush()

    def tell(self) -> int:
        return self.size

    def writable(self) -> bool:
        return True

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


_ARROW_TYPES = {"integer": "int64", "number": "float64", "boolean": "bool_"}


def _write_parquet(rows: Iterable[object], columns: Sequence, out: BinaryIO,
                   provenance: Provenance | None) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ModuleNotFoundError:
        raise OptionError('parquet needs pyarrow: pip install "concord[parquet]"') from None

    names = [c.name for c in columns]
    rows = iter(rows)
    first = next(rows, None)
    if first is not None:
        columns = _typed_by_value(columns, first)
        rows = chain([first], rows)
    fields = [pa.field(c.name, getattr(pa, _ARROW_TYPES.get(c.type, "string"))(),
                       metadata={"description": c.description}) for c in columns]
    metadata = {"pandas": json.dumps(_pandas_metadata(columns))}
    if provenance is not None:
        metadata["concord"] = _dumps(provenance.as_dict())
    schema = pa.schema(fields, metadata=metadata)
    convert = [_parquet_value(c.type) for c in columns]
    writer = pq.ParquetWriter(out, schema)
    try:
        batch: list[list[object]] = [[] for _ in names]
        groups = 0
        for row in rows:
            for cells, value, conv in zip(batch, _values(row, names), convert, strict=True):
                cells.append(conv(value))
            if len(batch[0]) == PARQUET_ROW_GROUP:
                writer.write_table(pa.Table.from_arrays(batch, schema=schema))
                batch = [[] for _ in names]
                groups += 1
        if batch[0] or not groups:
            writer.write_table(pa.Table.from_arrays(batch, schema=schema))
    finally:
        writer.close()


def _typed_by_value(columns: Sequence, row: object) -> list:
    """Type the columns the registry does not describe by their value in the first row."""
    from concord.columns import Column

    typed = []
    for column, value in zip(columns, _values(row, [c.name for c in columns]), strict=True):
        if column.description or value is None:
            typed.append(column)
            continue
        value = _plain(value)
        if isinstance(value, bool):
            kind = "boolean"
        elif isinstance(value, int):
            kind = "integer"
        elif isinstance(value, float):
            kind = "number"
        else:
            kind = "string"
        typed.append(Column(column.name, kind, "", nullable=kind == "integer"))
    return typed


def _pandas_metadata(columns: Sequence) -> dict[str, object]:
    """pandas' own schema note, so that ``read_parquet`` gives nullable ints as ``Int64``."""
    numpy_types = {"integer": "int64", "number": "float64", "boolean": "bool", "string": "object"}
    pandas_types = {"integer": "int64", "number": "float64", "boolean": "bool",
                    "string": "unicode"}
    return {
        "index_columns": [], "column_indexes": [],
        "columns": [{"name": c.name, "field_name": c.name,
                     "pandas_type": pandas_types.get(c.type, "unicode"),
                     "numpy_type": "Int64" if c.type == "integer" and c.nullable
                     else numpy_types.get(c.type, "object"),
                     "metadata": None} for c in columns],
        "creator": {"library": "concord"},
    }


def _parquet_value(kind: str):
    """Return the converter of one cell to what an Arrow column of ``kind`` takes."""
    if kind == "integer":
        # No int(): Arrow refuses a non-integral value rather than truncate it silently.
        return lambda v: None if v is None else _plain(v)
    if kind == "number":
        return lambda v: None if v is None else float(_plain(v))  # type: ignore[arg-type]
    if kind == "boolean":
        return lambda v: None if v is None else bool(_plain(v))
    return lambda v: None if v is None else _text(v)
