"""Frictionless Data Package descriptors: an export's schema and provenance beside its data.

This module owns the ``datapackage.json`` that describes one exported file (CSV, TSV, JSON
Lines or Parquet): a single tabular resource with its dialect, encoding, byte count, SHA-256
hash and Table Schema (field names, types and descriptions from :mod:`concord.columns`),
and concord's provenance under the ``concord`` key (query, expansion, filters, mode, index,
corpus fingerprint, version, date, command, row count). It builds and reads descriptors; it
never writes rows (that is :mod:`concord.export`).

Decisions: Data Package v2 (``$schema`` of datapackage.org, which ``frictionless``
validates offline); ``missingValues`` is ``[""]`` because an empty cell is concord's only
null; the hash and byte count let ``frictionless validate`` prove that the data file is
the complete one the package describes, the job the CSV trailer's row count used to do.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .columns import Column

PACKAGE_SCHEMA = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_SCHEMA = "https://datapackage.org/profiles/2.0/dataresource.json"
SUFFIX = ".datapackage.json"

_FORMATS = {
    "csv": ("csv", "text/csv"),
    "tsv": ("tsv", "text/tab-separated-values"),
    "jsonl": ("jsonl", "application/jsonl"),
    "parquet": ("parquet", "application/vnd.apache.parquet"),
}
_NAME_RE = re.compile(r"[^a-z0-9._-]+")


def package_path_for(data_path: str | os.PathLike[str]) -> Path:
    """Return where the package of ``data_path`` goes: ``t.csv`` -> ``t.datapackage.json``."""
    path = Path(data_path)
    return path.with_name(path.stem + SUFFIX) if path.suffix else path.with_name(path.name + SUFFIX)


def resource_name(path: str) -> str:
    """Return a Data Package name (lower-case letters, digits, ``-._``) for a file name."""
    stem = Path(path).name.split(".")[0] or "rows"
    return _NAME_RE.sub("-", stem.lower()).strip("-._") or "rows"


def descriptor(*, fmt: str, path: str, columns: Sequence[Column], rows: int, size: int,
               sha256: str, provenance: Mapping[str, object] | None, bom: bool = False,
               title: str | None = None) -> dict[str, object]:
    """Return the package descriptor of one exported file.

    ``path`` is the data file's path as the package should name it (relative to the
    package file, with ``/`` separators).
    """
    fmt_name, mediatype = _FORMATS[fmt]
    resource: dict[str, object] = {
        "name": resource_name(path),
        "type": "table",
        "path": path,
        "format": fmt_name,
        "mediatype": mediatype,
    }
    if fmt in ("csv", "tsv", "jsonl"):
        # The BOM is part of the file; Python's utf-8-sig (and frictionless) skip it.
        resource["encoding"] = "utf-8-sig" if bom else "utf-8"
    if fmt in ("csv", "tsv"):
        resource["dialect"] = {"delimiter": "," if fmt == "csv" else "\t", "lineTerminator": "\r\n",
                               "quoteChar": '"', "doubleQuote": True, "header": True}
    if fmt != "parquet":
        # frictionless counts the bytes of text formats only; for Parquet it would report a
        # mismatch on a good file.
        resource["bytes"] = size
        resource["hash"] = f"sha256:{sha256}"
    resource["schema"] = {"fields": [c.as_field() for c in columns], "missingValues": [""]}
    package: dict[str, object] = {
        "$schema": PACKAGE_SCHEMA,
        "name": resource_name(path),
    }
    if title:
        package["title"] = title
    if provenance is not None:
        created = provenance.get("created")
        if created:
            package["created"] = created
        package["concord"] = {**provenance, "rows": rows}
    package["resources"] = [resource]
    return package


def write_descriptor(package: Mapping[str, object], path: str | os.PathLike[str]) -> None:
    """Write ``package`` as pretty UTF-8 JSON to ``path``."""
    text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def read_descriptor(path: str | os.PathLike[str]) -> dict[str, object]:
    """Read a package descriptor (raises ``ValueError`` if it is not one)."""
    try:
        package = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable data package ({exc})") from None
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        raise ValueError(f"{path}: not a data package (no resources)")
    return package


def provenance_of(package: Mapping[str, object]) -> dict[str, object] | None:
    """Return concord's provenance (with ``rows``) from a package, or None."""
    concord = package.get("concord")
    return dict(concord) if isinstance(concord, Mapping) else None


def relative_path(data_path: str | os.PathLike[str], package_path: str | os.PathLike[str]) -> str:
    """Return ``data_path`` relative to the package's folder, ``/``-separated."""
    base = os.path.dirname(os.path.abspath(package_path))
    return Path(os.path.relpath(os.path.abspath(data_path), base)).as_posix()
