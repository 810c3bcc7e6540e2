"""Discovery of corpus files and reading one file into a :class:`SourceDocument`.

Owns the document record, the content hash and the walk over a corpus folder; the format of
each file is the business of the reader that :data:`concord.ingest.readers.READERS` names
for its suffix. Raises ``ReaderError`` for a bad file and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError, ReaderError
from .decoding import WARNINGS_KEY
from .readers import READERS, SUPPORTED_SUFFIXES
from .sidecar import load_sidecar
from .years import parse_year


@dataclass(frozen=True)
class SourceDocument:
    """One corpus file as plain paragraphs plus its metadata."""

    doc_id: str
    path: str
    text: str
    paragraphs: tuple[tuple[int, int], ...]
    metadata: dict[str, str]
    year_start: int | None
    year_end: int | None
    content_hash: str
    warnings: tuple[str, ...] = ()   # problems read around, one line each (issue 15)

    def paragraph_texts(self) -> list[str]:
        """Return the text of each paragraph, in order."""
        return [self.text[start:end] for start, end in self.paragraphs]


def discover(corpus: str | Path, *, problems: list[tuple[str, str]] | None = None) -> list[Path]:
    """Return the readable files of ``corpus``, sorted by their document id.

    Hidden files and folders, ``README.md`` at the root and files of unsupported types are
    left out. Symbolic links to files are followed only when they point inside the corpus;
    linked folders are never entered (they point outside, or duplicate a folder inside).
    Files of a supported type that are left out all the same (links out of the corpus,
    broken links, pipes and other special files) and folders that cannot be listed are
    appended to ``problems``, when given, as ``(relative path, reason)``.
    """
    root = Path(corpus).absolute()
    if not root.is_dir():
        raise CorpusError(f"not a folder: {root}")
    real_root = root.resolve()
    found: list[tuple[str, Path]] = []
    left_out: list[tuple[str, str]] = []

    def unreadable_folder(error: OSError) -> None:
        folder = Path(error.filename or root)
        rel = folder.relative_to(root).as_posix() if folder.is_relative_to(root) else str(folder)
        left_out.append((rel, f"cannot read folder: {error.strerror or error}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable_folder):
        here = Path(dirpath)
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in dirnames:
            if (here / name).is_symlink() and not _links_inside(here / name, real_root):
                left_out.append(((here / name).relative_to(root).as_posix(),
                                 "symbolic link to a folder outside the corpus (not followed)"))
        for name in filenames:
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            if here == root and name.lower() in ("readme.md", "readme.markdown"):
                continue
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() and not path.exists():
                left_out.append((rel, "broken symbolic link"))
            elif path.is_symlink() and not _links_inside(path, real_root):
                left_out.append((rel, "symbolic link to outside the corpus (not followed)"))
            elif path.is_file():
                found.append((rel, path))
            else:
                left_out.append((rel, "not a regular file"))
    if problems is not None:
        problems.extend(sorted(left_out))
    return [path for _, path in sorted(found)]


def _links_inside(path: Path, real_root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(real_root)
    except (OSError, RuntimeError):  # a loop of links
        return False


def read_document(
    path: str | Path,
    corpus_root: str | Path,
    sidecar: dict[str, dict[str, str]] | None = None,
) -> SourceDocument:
    """Read one corpus file into a ``SourceDocument``.

    ``sidecar`` is the result of ``load_sidecar``; ``None`` loads it from ``corpus_root``
    (pass ``{}`` for none), so that a single file reads exactly as it does when indexed.

    Raises:
        ReaderError: the file cannot be read, is of an unsupported type, empty, binary,
            malformed or has no text. No other exception escapes.
    """
    path = Path(path).absolute()
    root = Path(corpus_root).absolute()
    doc_id = _doc_id(path, root)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ReaderError(f"unsupported file type {path.suffix or '(none)'!r}")
    if sidecar is None:
        try:
            sidecar = load_sidecar(root)
        except CorpusError as exc:
            raise ReaderError(str(exc)) from None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReaderError(f"cannot read file: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ReaderError("empty file")
    try:
        paragraphs, file_metadata = reader(raw, path)
    except ReaderError:
        raise
    except RecursionError:
        raise ReaderError("markup nested too deeply") from None
    except Exception as exc:  # third-party parsers raise anything; the contract is ReaderError
        raise ReaderError(f"cannot parse: {type(exc).__name__}: {exc}") from exc
    if not paragraphs:
        raise ReaderError("no text")

    row = sidecar.get(doc_id, {})
    notes = [line for line in file_metadata.pop(WARNINGS_KEY, "").split("\n") if line]
    metadata = {key: value for key, value in file_metadata.items() if value}
    metadata.update(row)
    year_start, year_end = parse_year(metadata.get("year", ""))
    if metadata.get("year") and year_start is None:
        where = "metadata.csv" if "year" in row else "the file"
        notes.append(f"year {metadata['year']!r} (from {where}) is not a year: counted as unknown")
    spans = []
    offset = 0
    for paragraph in paragraphs:
        spans.append((offset, offset + len(paragraph)))
        offset += len(paragraph) + 2
    return SourceDocument(
        doc_id=doc_id,
        path=str(path),
        text="\n\n".join(paragraphs),
        paragraphs=tuple(spans),
        metadata=metadata,
        year_start=year_start,
        year_end=year_end,
        content_hash=content_hash([raw], row),
        warnings=tuple(notes),
    )


def content_hash(chunks: Iterable[bytes], sidecar_row: dict[str, str] | None) -> str:
    """The one hash of a document's input: its file's bytes and its ``metadata.csv`` row.

    Indexing compares it to decide whether a file changed; ``SourceDocument.content_hash``
    is the same value.
    """
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    if sidecar_row:
        # The formula of the indexes already built: changing it would re-read every file once.
        digest.update(json.dumps(sidecar_row, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def file_hash(path: str | Path, sidecar_row: dict[str, str] | None) -> str:
    """:func:`content_hash` of a file on disk, read in chunks."""
    with open(path, "rb") as fh:
        return content_hash(iter(lambda: fh.read(1 << 20), b""), sidecar_row)


def _doc_id(path: Path, root: Path) -> str:
    for candidate, base in ((path, root), (path.resolve(), root.resolve())):
        if candidate.is_relative_to(base):
            return unicodedata.normalize("NFC", candidate.relative_to(base).as_posix())
    raise ReaderError(f"not inside the corpus folder {root}")
