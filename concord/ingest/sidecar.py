"""The corpus's ``metadata.csv``: one row of metadata per document id, which wins over
what a file says about itself. Reads, never writes.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from ..errors import CorpusError, ReaderError
from .decoding import decode

SIDECAR_NAME = "metadata.csv"
METADATA_KEYS = (
    "title", "author", "year", "language", "group", "translator", "original_language", "work_id",
)


def load_sidecar(
    corpus: str | Path, *, problems: list[tuple[str, str]] | None = None
) -> dict[str, dict[str, str]]:
    """Read ``metadata.csv`` at the corpus root: rows keyed by their ``path`` column.

    Each row keeps only its non-empty cells (stripped, NFC); ``path`` is a POSIX path
    relative to the root. A missing file gives ``{}``. When ``problems`` is given, a
    malformed row (or an unusable file) is left out and appended to it as
    ``("metadata.csv", reason)`` instead of raising, so that indexing can go on.

    Raises:
        CorpusError: the file cannot be read or is not a well-formed CSV with a ``path``
            column and one row per path.
    """
    if problems is None:
        return _load_sidecar(Path(corpus), None)
    try:
        return _load_sidecar(Path(corpus), problems)
    except CorpusError as exc:
        reason = str(exc).removeprefix(str(Path(corpus) / SIDECAR_NAME)).lstrip(":, ")
        problems.append((SIDECAR_NAME, f"{reason} (metadata.csv not used)"))
        return {}


def _load_sidecar(
    corpus: Path, problems: list[tuple[str, str]] | None
) -> dict[str, dict[str, str]]:
    path = corpus / SIDECAR_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = decode(raw)
    except ReaderError as exc:
        raise CorpusError(f"{path}: {exc}") from None
    if not text.strip():
        return {}
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: dict[str, dict[str, str]] = {}
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as exc:
        raise CorpusError(f"{path}, line {reader.line_num}: malformed CSV: {exc}") from None
    if "path" not in header:
        raise CorpusError(f"{path}: no 'path' column in the header line")

    def bad_row(message: str) -> None:
        if problems is None:
            raise CorpusError(f"{path}, {message}")
        problems.append((SIDECAR_NAME, f"{message} (row not used)"))

    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader resumes at the next line, so one bad row costs only itself.
            bad_row(f"line {reader.line_num}: malformed CSV: {exc}")
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            bad_row(f"line {line}: {len(cells)} fields but the header has {len(header)}")
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
        key = _sidecar_key(values.pop("path", ""))
        if not key:
            bad_row(f"line {line}: empty 'path'")
            continue
        if key in rows:
            bad_row(f"line {line}: path {key!r} is listed twice")
            continue
        rows[key] = {
            name: unicodedata.normalize("NFC", value)
            for name, value in values.items()
            if name and value
        }
    return rows


def _sidecar_key(value: str) -> str:
    key = unicodedata.normalize("NFC", value.strip().replace("\\", "/"))
    while key.startswith("./"):
        key = key[2:]
    return key
