"""Corpus files to plain documents: discovery, sidecar metadata and one reader per format.

This module owns everything between a file on disk and a ``SourceDocument``: decoding,
markup removal (Markdown, HTML, TEI, PDF, EPUB), paragraph splitting, display-text
normalisation and metadata (taken from the file, then from the corpus's ``metadata.csv``,
which wins). Readers raise ``ReaderError`` and nothing else, so that indexing can skip a
bad file and go on. It must not detect languages, tokenise or touch an index.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import json
import logging
import os
import re
import unicodedata
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import frontmatter
import yaml
from selectolax.lexbor import LexborHTMLParser, LexborNode

from .errors import CorpusError, ReaderError

SUPPORTED_SUFFIXES = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".xml", ".pdf", ".epub"}
)
SIDECAR_NAME = "metadata.csv"
METADATA_KEYS = (
    "title", "author", "year", "language", "group", "translator", "original_language", "work_id",
)


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


# ---------------------------------------------------------------------------- discovery

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


# ---------------------------------------------------------------------------- sidecar

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
        text = _decode(raw)
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


# ---------------------------------------------------------------------------- documents

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
    reader = _READERS.get(path.suffix.lower())
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
    warnings = file_metadata.pop(WARNINGS_KEY, "")
    notes = [line for line in warnings.split("\n") if line]
    metadata = {key: value for key, value in file_metadata.items() if value}
    metadata.update(row)
    year_start, year_end = parse_year(metadata.get("year", ""))
    if metadata.get("year") and year_start is None:
        where = "metadata.csv" if "year" in row else "the file"
        notes.append(f"year {metadata['year']!r} (from {where}) is not a year: counted as unknown")
    digest = hashlib.sha256(raw)
    if row:
        digest.update(b"\0" + json.dumps(row, sort_keys=True, ensure_ascii=False).encode())
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
        content_hash=digest.hexdigest(),
        warnings=tuple(notes),
    )


def _doc_id(path: Path, root: Path) -> str:
    for candidate, base in ((path, root), (path.resolve(), root.resolve())):
        if candidate.is_relative_to(base):
            return unicodedata.normalize("NFC", candidate.relative_to(base).as_posix())
    raise ReaderError(f"not inside the corpus folder {root}")


# ---------------------------------------------------------------------------- years

_YEAR_QUALIFIER = re.compile(r"^(?:circa|ca\.?|c\.|approx\.?|~)\s*", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})")
_YEAR_ISO_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2})(?:[T ].*)?)?")
_YEAR_RANGE = re.compile(r"(\d{4})\s*[-–—/]\s*(\d{4}|\d{2}|\d)")
_YEAR_DECADE = re.compile(r"(\d{3})0'?s")
_YEAR_CENTURY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)\s+(?:century|cent\.?|c\.)", re.IGNORECASE)


def parse_year(value: str | None) -> tuple[int | None, int | None]:
    """Read a year or a range of years from a metadata value: ``(start, end)``.

    "1921", "c. 1921", "ca. 1921", "circa 1921", "~1921", "1921?" and "[1921]" give
    (1921, 1921); "1920s" gives (1920, 1929); "1917-1923", "1917–1923", "1917/1923" and
    "1917/23" give (1917, 1923); an ISO date "1917-03-12" (or "1917-03") gives
    (1917, 1917); "19th century" gives (1800, 1899). A short range end counts within the
    start's century and must not precede the start ("1911-12" is 1911-1912, while
    "1917-03" reads as March 1917). Anything else, an empty value, a reversed range, or
    a year outside 1000..2100 gives (None, None).
    """
    text = (value or "").strip()
    while len(text) > 1 and text[0] in "[(" and text[-1] in "])":
        text = text[1:-1].strip()
    text = _YEAR_QUALIFIER.sub("", text).rstrip("?").strip()
    start = end = None
    if _YEAR.fullmatch(text):
        start = end = int(text)
    elif match := _YEAR_DECADE.fullmatch(text):
        start = int(match[1]) * 10
        end = start + 9
    elif match := _YEAR_CENTURY.fullmatch(text):
        start = (int(match[1]) - 1) * 100
        end = start + 99
    elif match := _YEAR_RANGE.fullmatch(text):
        start, tail = int(match[1]), match[2]
        scale = 10 ** len(tail)
        end = start - start % scale + int(tail)
        if end < start and len(tail) == 2 and _YEAR_ISO_DATE.fullmatch(text):
            end = start
    elif match := _YEAR_ISO_DATE.fullmatch(text):
        start = end = int(match[1])
    if start is None or end is None or end < start or not (1000 <= start and end <= 2100):
        return None, None
    return start, end


def counting_year(year_start: int | None, year_end: int | None) -> int | None:
    """Return the one year a document counts under in per-year statistics.

    The rule: the midpoint of the document's year range, rounded down, i.e.
    ``(year_start + year_end) // 2``; a single year counts as itself, "1917-1923" counts as
    1920, "1920s" (1920-1929) as 1924. No start year gives ``None`` (the document is left
    out of per-year counts); a missing end counts as the start.
    """
    if year_start is None:
        return None
    if year_end is None:
        return year_start
    return (year_start + year_end) // 2


# ---------------------------------------------------------------------------- text

# A letter, a hyphen (or ¬) ending a line, then a letter: a word broken across lines. The
# patterns start with a literal or a character set, which the regex engine scans for fast.
_HYPHENS = "-\u00ac\u2010"
_LINE_BREAK_HYPHEN = re.compile(
    rf"([{_HYPHENS}])(?<=[^\W\d_][{_HYPHENS}])[ \t]*\n\s*(?=([^\W\d_]))"
)
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[ \t]*\n\s*")
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_LINE_BREAK = re.compile(rf"\n(?<=[{_CJK}]\n)(?=[{_CJK}])")
# Runs of whitespace, and any single whitespace that is not a plain or no-break space.
_SPACE_RUN = re.compile(r"\s{2,}|[^\S \u00a0\u202f]")


def normalise_text(raw: str) -> str:
    """Return the display form of one paragraph's text.

    Unicode NFC; ``\\r\\n``/``\\r`` become ``\\n``; soft hyphens are removed; a word broken
    at a line end is rejoined ("Arbeiter-\\nklasse" → "Arbeiterklasse"; before a capital
    the hyphen stays: "Marx-\\nEngels" → "Marx-Engels"); a line break between two CJK
    characters is dropped; other runs of whitespace become one space (a lone no-break space
    is kept); the result is stripped. Case, diacritics and punctuation are kept.
    """
    text = unicodedata.normalize("NFC", raw)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if "\u00ad" in text:
        text = _SOFT_HYPHEN_BREAK.sub("", text).replace("\u00ad", "")
    if "\n" in text:
        text = _LINE_BREAK_HYPHEN.sub(_rejoin_broken_word, text)
        text = _CJK_LINE_BREAK.sub("", text)
    if "\u00a0" in text or "\u202f" in text:
        return _SPACE_RUN.sub(" ", text).strip()
    return " ".join(text.split())


def _rejoin_broken_word(match: re.Match[str]) -> str:
    if match[2].islower():
        return ""
    return "-" if match[1] == "\u00ac" else match[1]


_LINE_END_COMPOUND = re.compile(r"([^\W\d_]+)-[ \t]*\n[ \t]*([^\W\d_]+)")
_INLINE_COMPOUND = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")


def _keep_compound_hyphens(text: str) -> str:
    """Join lines at hyphens that belong to the word, so ``normalise_text`` keeps them.

    A line-end "well-\\nfed" keeps its hyphen when "well-fed" occurs inside a line
    elsewhere in the document. When most line-end hyphens are of that kind, the text does
    not break words at line ends at all (Project Gutenberg does this), and every one stays.
    """
    breaks = _LINE_END_COMPOUND.findall(text)
    if not breaks:
        return text
    known = set()
    for compound in _INLINE_COMPOUND.findall(text):
        parts = compound.lower().split("-")
        known.update(f"{left}-{right}" for left, right in zip(parts, parts[1:], strict=False))
    found = sum(f"{left}-{right}".lower() in known for left, right in breaks)
    keep_all = len(breaks) >= 5 and found * 2 >= len(breaks)

    def join(match: re.Match[str]) -> str:
        compound = f"{match[1]}-{match[2]}"
        return compound if keep_all or compound.lower() in known else match[0]

    return _LINE_END_COMPOUND.sub(join, text)


# ---------------------------------------------------------------------------- decoding

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_NOT_ASCII_LETTERS = bytes(b for b in range(0x100) if not chr(b).isascii() or not chr(b).isalpha())
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(raw: bytes, *, declared: str | None = None) -> str:
    """Decode text bytes: UTF-8, a declared charset, cp1252, then charset-normalizer's guess.

    Newlines come back as ``\\n``; a UTF-8 BOM is dropped.
    """
    text = None
    for bom, codec in _UNICODE_BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                raise ReaderError(f"invalid {codec.upper()} text") from None
            break
    if text is None:
        if b"\0" in raw[:8192]:
            raise ReaderError("binary file")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_legacy(raw, declared)
    sample = text[:8192]
    if len(_CONTROL_CHARS.findall(sample)) > len(sample) / 20:
        raise ReaderError("binary file")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _decode_legacy(raw: bytes, declared: str | None) -> str:
    if declared:
        try:
            return raw.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    if (mixed := _decode_mostly_utf8(raw)) is not None:
        return mixed
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_western(raw):
            return text
    if codec := _cyrillic_codec(raw):
        return raw.decode(codec)
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise ReaderError("unknown text encoding")
    return str(best)


def _looks_western(raw: bytes) -> bool:
    # cp1252 decodes almost any bytes; Cyrillic or Greek read as cp1252 turns nearly
    # every letter into a Latin-1 one, while real Western text has few of those.
    high = len(raw) - len(raw.translate(None, _HIGH_BYTES))
    letters = len(raw.translate(None, _NOT_ASCII_LETTERS))
    return high <= 0.3 * (high + letters)


_STRAY_BYTES = re.compile("[\udc80-\udcff]+")
_ASCII = bytes(range(0x80))


def _decode_mostly_utf8(raw: bytes) -> str | None:
    """Decode UTF-8 text holding stray cp1252 bytes (a file pasted together from two
    sources), each byte as cp1252; None when the text has no UTF-8, or mostly bytes of a
    non-Western legacy encoding."""
    text = raw.decode("utf-8", errors="surrogateescape")
    stray = sum(len(run) for run in _STRAY_BYTES.findall(text))
    ascii_chars = len(raw) - len(raw.translate(None, _ASCII))
    valid = len(text) - ascii_chars - stray
    if valid == 0 or (valid < stray and not _looks_western(raw)):
        return None

    def legacy(match: re.Match[str]) -> str:
        chunk = match[0].encode("utf-8", errors="surrogateescape")
        return chunk.decode("cp1252", errors="replace")

    return _STRAY_BYTES.sub(legacy, text)


_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _cyrillic_codec(raw: bytes) -> str | None:
    """Tell cp1251 from KOI8-R text by which one reads as Cyrillic words in plausible case.

    charset-normalizer takes short cp1251 text for MacCyrillic (turning "Р" into "–"), and
    KOI8-R for Shift JIS; the two codecs put capitals and small letters in swapped halves.
    """
    sample = raw[:65536]
    best, best_score = None, 0.9
    for codec in ("cp1251", "koi8_r"):
        try:
            words = [w for w in _LETTER_RUN.findall(sample.decode(codec)) if not w.isascii()]
        except UnicodeDecodeError:
            continue
        good = sum(
            all("\u0400" <= c <= "\u04ff" for c in w)
            and (w.islower() or w.isupper() or w.istitle())
            for w in words
        )
        if words and good / len(words) > best_score:
            best, best_score = codec, good / len(words)
    return best


# ---------------------------------------------------------------------------- plain text

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_AOZORA_HEADER = re.compile(r"^-{10,}\n【テキスト中に現れる記号について】.*?^-{10,}\n", re.M | re.S)
_AOZORA_NOTE = re.compile(r"［＃[^］\n]*］")
_AOZORA_RUBY = re.compile(r"《[^》\n]*》")


def _read_txt(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    text = _decode(raw)
    if _is_aozora(text):
        return _plain_paragraphs(_strip_aozora(text), line_per_paragraph=True), {}
    return _plain_paragraphs(text, line_per_paragraph=_is_unwrapped(text)), {}


def _plain_paragraphs(text: str, *, line_per_paragraph: bool) -> list[str]:
    """Split plain text into paragraphs: blank-line blocks, or single lines."""
    if line_per_paragraph:
        blocks: Iterable[str] = text.split("\n")
    else:
        blocks = _BLANK_LINE.split(_keep_compound_hyphens(text))
    return [paragraph for block in blocks if (paragraph := normalise_text(block))]


def _is_unwrapped(text: str) -> bool:
    """Tell whether each line holds a whole paragraph (many long lines) or is hard-wrapped."""
    lines = [line for line in text.split("\n") if line.strip()]
    blocks = [block for block in _BLANK_LINE.split(text) if block.strip()]
    if len(blocks) - 1 >= len(lines) / 10:
        # Blank lines are common: they, not line ends, separate the paragraphs.
        return False
    return sum(len(line) > 100 for line in lines) > len(lines) / 20


def _is_aozora(text: str) -> bool:
    return "［＃" in text or "【テキスト中に現れる記号について】" in text or (
        "底本：" in text and "青空文庫" in text
    )


def _strip_aozora(text: str) -> str:
    """Drop Aozora Bunko's notation key, ［＃…］ notes, 《ruby》 readings and colophon."""
    text = _AOZORA_HEADER.sub("", text, count=1)
    colophon = text.rfind("\n底本：")
    if colophon >= 0:
        text = text[:colophon]
    text = _AOZORA_NOTE.sub("", text)
    return _AOZORA_RUBY.sub("", text).replace("｜", "")


# ---------------------------------------------------------------------------- markdown

_FRONT_MATTER_KEYS = {
    "title": "title", "author": "author", "authors": "author", "creator": "author",
    "year": "year", "date": "year", "language": "language", "lang": "language",
    "group": "group", "translator": "translator", "original_language": "original_language",
    "work_id": "work_id", "work": "work_id",
}
_MD_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_MD_RULE = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|=+\s*)$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$")
_MD_TITLE = re.compile(r"^\s{0,3}#\s+(.+?)(?:\s+#+)?\s*$", re.M)
_MD_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_MD_BULLET = re.compile(r"^\s{0,3}[-*+]\s+")
_MD_NUMBERED = re.compile(r"^\s{0,3}\d{1,9}[.)]\s+")
_MD_FOOTNOTE = re.compile(r"^\s{0,3}\[\^[^\]]+\]:\s*")
_MD_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+\s*$")
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[\^[^\]\s]+\]"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.S), r"\2"),
    (re.compile(r"(?<![\w*\\])\*(?=[^\s*])(.+?)(?<=[^\s*\\])\*(?![\w*])", re.S), r"\1"),
    (re.compile(r"(?<![\w\\])_(?=[^\s_])(.+?)(?<=[^\s_\\])_(?!\w)", re.S), r"\1"),
)


_FRONT_MATTER_BLOCK = re.compile(r"\A\ufeff?---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
WARNINGS_KEY = "\0warnings"   # a reader's warnings ride in its metadata, one per line


def _read_markdown(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    text = _decode(raw)
    warning = ""
    try:
        front, body = frontmatter.parse(text)
    except (yaml.YAMLError, ValueError) as exc:
        # Malformed front matter: the file is still a text. The block between the "---"
        # lines is metadata that could not be read, not text: it is left out, and said so.
        front, body = {}, text
        block = _FRONT_MATTER_BLOCK.match(text)
        if block:
            body = text[block.end():]
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        mark = getattr(exc, "problem_mark", None)
        # The mark counts from the file's first line (the YAML keeps the "---" line break).
        where = f"line {mark.line + 1}: " if mark is not None else ""
        warning = (f"front matter is not valid YAML ({where}{problem}); its fields were not "
                   f"read{' and it is left out of the text' if block else ''}")
    if not isinstance(front, dict):
        front = {}
    metadata = _front_matter_metadata(front)
    if warning:
        metadata[WARNINGS_KEY] = warning
    if "title" not in metadata and (heading := _MD_TITLE.search(body)):
        metadata["title"] = _markdown_inline(heading[1])
    return _markdown_paragraphs(body), metadata


def _front_matter_metadata(front: dict[str, object]) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for name, value in front.items():
        key = _FRONT_MATTER_KEYS.get(str(name).strip().lower())
        if key is None or key in metadata or value is None or isinstance(value, bool):
            continue
        if isinstance(value, dict):
            continue
        if isinstance(value, list | tuple):
            # Scalars only: nested YAML aliases can expand exponentially when printed.
            text = "; ".join(str(item).strip() for item in value
                             if isinstance(item, str | int | float | datetime.date))
        elif isinstance(value, datetime.date):
            text = value.isoformat()
        else:
            text = str(value).strip()
        if key == "language":
            text = _language_code(text)
        if text:
            metadata[key] = unicodedata.normalize("NFC", text)
    return metadata


def _markdown_paragraphs(body: str) -> list[str]:
    """Split Markdown into paragraphs, dropping its markup (not a full CommonMark parser)."""
    paragraphs: list[str] = []
    block: list[str] = []

    def end_block() -> None:
        if block:
            paragraphs.append(_markdown_inline("\n".join(block)))
            block.clear()

    fence = None
    for line in _keep_compound_hyphens(body).split("\n"):
        if fence:
            if line.strip().startswith(fence):
                fence = None
                end_block()
            else:
                block.append(line)
            continue
        if match := _MD_FENCE.match(line):
            end_block()
            fence = match[1]
            continue
        line = _MD_QUOTE.sub("", line)
        if not line.strip() or _MD_RULE.match(line) or _MD_LINK_DEFINITION.match(line):
            end_block()
        elif match := _MD_HEADING.match(line):
            end_block()
            paragraphs.append(_markdown_inline(match[1] or ""))
        elif match := _MD_FOOTNOTE.match(line) or _MD_BULLET.match(line):
            end_block()
            block.append(line[match.end():])
        elif _MD_NUMBERED.match(line):
            end_block()
            block.append(line.strip())
        else:
            block.append(line)
    end_block()
    return [paragraph for paragraph in paragraphs if paragraph]


def _markdown_inline(text: str) -> str:
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return normalise_text(text)


# ---------------------------------------------------------------------------- markup walk

class _ParagraphCollector:
    """Gathers paragraphs from a markup tree: inline text accumulates, block edges flush it.

    Notes are held back and become paragraphs of their own after the paragraph they sit
    in, so that a footnote never splits a sentence of the main text.
    """

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self._parts: list[str] = []
        self._notes: list[str] = []

    def add(self, text: str) -> None:
        self._parts.append(text)

    def note(self, text: str) -> None:
        text = normalise_text(text)
        if len(text) > 1 and text[0] == "[" and text[-1] == "]":
            text = text[1:-1].strip()
        if text:
            self._notes.append(text)

    def flush(self, *, loose: bool = False) -> None:
        """End the current paragraph; ``loose`` text (outside any paragraph element, as
        in draft TEI) is split at blank lines instead."""
        if self._parts:
            text = "".join(self._parts)
            self._parts.clear()
            blocks = _BLANK_LINE.split(text) if loose else (text,)
            self.paragraphs.extend(
                paragraph for block in blocks if (paragraph := normalise_text(block))
            )
        if self._notes:
            self.paragraphs.extend(self._notes)
            self._notes.clear()


# ---------------------------------------------------------------------------- html

_HTML_SKIP = frozenset({
    "head", "script", "style", "nav", "noscript", "template", "iframe", "object", "embed",
    "svg", "math", "canvas", "audio", "video", "map", "select", "button", "textarea", "input",
})
_HTML_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
_HTML_NOTE_CLASSES = frozenset({"note", "footnote", "endnote"})
_HTML_PAGE_CLASSES = frozenset({"pb", "pagenum", "page-number", "pagebreak"})
_PAGE_NUMBER = re.compile(r"[\[(]?\s*(?:p\.?\s*)?(?:\d+|[ivxlcdm]+)\s*[\])]?", re.IGNORECASE)
_HTML_META = {
    "author": "author", "dc.creator": "author", "dcterms.creator": "author",
    "date": "year", "dc.date": "year", "dcterms.date": "year", "dcterms.created": "year",
    "language": "language", "dc.language": "language", "dcterms.language": "language",
    "dc.title": "title", "dcterms.title": "title", "keywords": "keywords",
    **{key: key for key in METADATA_KEYS},
}
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
# A <p> inside a <span> (as in <span class="note">[<p>…</p>]</span>) is invalid HTML that
# the HTML5 parser repairs by closing the outer paragraph, splitting its sentence in two.
_HTML_SPAN_OR_P = re.compile(
    r"<(/?)(span|p|div|section|article|aside|blockquote|li|td|th|body|h[1-6])\b([^>]*)>",
    re.IGNORECASE,
)


def _read_html(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    declared = _HTML_CHARSET.search(raw[:4096])
    text = _decode(raw, declared=declared[1].decode("ascii") if declared else None)
    tree = LexborHTMLParser(_inline_paragraphs_in_spans(text))
    return _html_paragraphs(tree), _html_metadata(tree)


def _inline_paragraphs_in_spans(markup: str) -> str:
    """Turn each ``<p>`` inside a ``<span>`` into a span, so the parser keeps it inline."""
    if "<span" not in markup and "<SPAN" not in markup:
        return markup
    depth = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal depth
        closing, tag = match[1], match[2].lower()
        if tag not in ("span", "p"):
            if closing:
                depth = 0  # no span outlives its block, even when left unclosed
        elif tag == "span" or depth:
            depth = max(depth - 1, 0) if closing else depth + 1
            if tag == "p":  # spaced, as the paragraphs it stood for were apart
                return f" <{closing}span{match[3]}> "
        return match[0]

    return _HTML_SPAN_OR_P.sub(rewrite, markup)


def _html_paragraphs(tree: LexborHTMLParser) -> list[str]:
    collector = _ParagraphCollector()
    if tree.body is not None:
        _html_walk(tree.body, collector, top=True)
        collector.flush()
    return collector.paragraphs


def _html_walk(node: LexborNode, out: _ParagraphCollector, *, top: bool = False) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.add(child.text_content or "")
            continue
        if tag.startswith("-") or tag in _HTML_SKIP:
            continue
        if tag == "br":
            out.add("\n")
            continue
        attributes = child.attributes
        if "hidden" in attributes or attributes.get("role") == "navigation":
            continue
        if top and tag in ("header", "footer"):
            continue  # page chrome of the site, not the text
        classes = set((attributes.get("class") or "").split())
        if classes & _HTML_NOTE_CLASSES:
            out.note(child.text(deep=True))
        elif classes & _HTML_PAGE_CLASSES and _is_page_number(child.text()):
            continue
        elif tag in _HTML_BLOCKS:
            out.flush()
            _html_walk(child, out)
            out.flush()
        else:
            _html_walk(child, out)


def _is_page_number(text: str) -> bool:
    text = text.strip()
    return not text or _PAGE_NUMBER.fullmatch(text) is not None


def _html_metadata(tree: LexborHTMLParser) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for scope, selector in ((tree.head, "title"), (tree.body, "h1")):
        title = scope.css_first(selector) if scope is not None else None
        if title is not None and (text := normalise_text(title.text())):
            metadata["title"] = text
            break
    root_attributes = tree.root.attributes if tree.root is not None else {}
    language = root_attributes.get("lang") or root_attributes.get("xml:lang")
    if language:
        metadata["language"] = _language_code(language)
    for meta in tree.css("meta"):
        attributes = meta.attributes
        name = (attributes.get("name") or attributes.get("property") or "").strip().lower()
        key = _HTML_META.get(name)
        content = normalise_text(attributes.get("content") or "")
        if key and content and not metadata.get(key):
            metadata[key] = _language_code(content) if key == "language" else content
    return metadata


# ---------------------------------------------------------------------------- TEI

_TEI_SKIP = frozenset({
    "teiHeader", "pb", "fw", "milestone", "gap", "facsimile", "standOff", "sourceDoc",
    "del", "figDesc", "interpGrp", "link", "linkGrp", "anchor", "cb",
})
_TEI_BLOCKS = frozenset({
    "TEI", "teiCorpus", "text", "group", "front", "body", "back", "div", "div1", "div2",
    "div3", "div4", "div5", "div6", "div7", "p", "ab", "head", "l", "lg", "item", "list",
    "label", "quote", "cit", "epigraph", "argument", "trailer", "byline", "dateline",
    "salute", "signed", "opener", "closer", "postscript", "sp", "speaker", "stage",
    "castList", "castGroup", "castItem", "role", "roleDesc", "table", "row", "cell",
    "figure", "titlePage", "docTitle", "titlePart", "docAuthor", "docImprint", "docDate",
    "docEdition", "floatingText", "address", "addrLine", "listBibl", "bibl",
})
# Blocks whose whole content, nested blocks included, is one paragraph.
_TEI_LEAVES = frozenset({
    "p", "ab", "head", "l", "item", "label", "trailer", "byline", "dateline", "salute",
    "signed", "speaker", "stage", "castItem", "role", "roleDesc", "cell", "titlePart",
    "docAuthor", "docImprint", "docDate", "docEdition", "addrLine", "bibl",
})
_TEI_CHOICE_PREFERENCE = ("corr", "reg", "expan")
_ELTEC_TITLE_SUFFIX = re.compile(r"\s*:[^:]*\beltec\b[^:]*$", re.IGNORECASE)
_LIFE_DATES = re.compile(r"\s*\(\s*\d{3,4}\s*[-–—]\s*\d{0,4}\s*\)\s*\.?\s*$")
_ANY_YEAR = re.compile(r"\b(1\d{3}|20\d{2})\b")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _read_tei(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    if b"\0" in raw[:8192] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReaderError("binary file")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise ReaderError(f"malformed XML: {exc}") from None
    if _local(root.tag) not in ("TEI", "teiCorpus"):
        raise ReaderError(f"not a TEI document (root element <{_local(root.tag)}>)")
    collector = _ParagraphCollector()
    _tei_walk(root, collector, in_paragraph=False)
    collector.flush(loose=True)
    return collector.paragraphs, _tei_metadata(root)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _tei_walk(element: ET.Element, out: _ParagraphCollector, *, in_paragraph: bool) -> None:
    if element.text:
        out.add(element.text)
    for child in element:
        tag = _local(child.tag)
        if tag in _TEI_SKIP:
            pass
        elif tag == "note":
            out.note(_tei_plain_text(child))
        elif tag == "lb":
            out.add("" if child.get("break") == "no" else "\n")
        elif tag == "choice":
            chosen = _tei_choice(child)
            if chosen is not None:
                _tei_walk(chosen, out, in_paragraph=in_paragraph)
        elif tag in _TEI_BLOCKS and not in_paragraph:
            out.flush(loose=True)  # what came before belongs to the enclosing container
            leaf = tag in _TEI_LEAVES
            _tei_walk(child, out, in_paragraph=leaf)
            out.flush(loose=not leaf)
        else:
            _tei_walk(child, out, in_paragraph=in_paragraph)
        if child.tail:
            out.add(child.tail)


def _tei_choice(choice: ET.Element) -> ET.Element | None:
    options = {_local(option.tag): option for option in choice}
    for name in _TEI_CHOICE_PREFERENCE:
        if name in options:
            return options[name]
    return next(iter(choice), None)


def _tei_plain_text(element: ET.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = _local(child.tag)
        if tag == "lb":
            parts.append(" ")
        elif tag not in _TEI_SKIP:
            parts.append(_tei_plain_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _tei_metadata(root: ET.Element) -> dict[str, str]:
    namespace = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""

    def path(*names: str) -> str:
        return "/".join(namespace + name for name in names)

    def text_of(element: ET.Element) -> str:
        return normalise_text(_tei_plain_text(element))

    header = root.find(".//" + namespace + "teiHeader")
    if header is None:
        return {}
    metadata: dict[str, str] = {}
    titles = header.findall(path("fileDesc", "titleStmt", "title"))
    titles.sort(key=lambda title: title.get("type") not in (None, "main"))
    for title in titles:
        text = text_of(title)
        while _ELTEC_TITLE_SUFFIX.search(text):
            text = _ELTEC_TITLE_SUFFIX.sub("", text)
        if text:
            metadata["title"] = text
            break
    authors = [
        _LIFE_DATES.sub("", text_of(author))
        for author in header.findall(path("fileDesc", "titleStmt", "author"))
    ]
    if authors := [author for author in authors if author]:
        metadata["author"] = "; ".join(authors)
    if year := _tei_year(header, namespace):
        metadata["year"] = year
    languages = header.findall(path("profileDesc", "langUsage", "language"))
    languages.sort(key=lambda language: -_usage(language.get("usage")))
    language = next((item.get("ident") for item in languages if item.get("ident")), None)
    language = language or root.get(_XML_LANG) or ""
    if code := _language_code(language):
        metadata["language"] = code
    return metadata


def _usage(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _tei_year(header: ET.Element, namespace: str) -> str:
    """Return the date of first publication (or creation) from a TEI header, as written.

    Looked for in order: the first edition's ``bibl`` (its ``date``, else a year in its
    prose), ``profileDesc/creation``, any other date of ``sourceDesc`` (the printed source
    used), ``publicationStmt`` (the electronic edition). ``@when`` wins over a date's text.
    """
    date = namespace + "date"
    sources = list(header.iter(namespace + "sourceDesc"))
    first_editions = [
        bibl for source in sources for bibl in source.iter(namespace + "bibl")
        if bibl.get("type") == "firstEdition"
    ]

    def dated(elements: Iterable[ET.Element]) -> Iterator[str | None]:
        for element in elements:
            yield element.get("when")
            yield _tei_plain_text(element)

    def candidates() -> Iterator[str | None]:
        for bibl in first_editions:
            dates = list(bibl.iter(date))
            yield from dated(dates) if dates else (_tei_plain_text(bibl),)
        for creation in header.iter(namespace + "creation"):
            yield from dated(creation.iter(date))
        for source in sources:
            yield from dated(source.iter(date))
        for statement in header.iter(namespace + "publicationStmt"):
            yield from dated(statement.iter(date))

    for value in candidates():
        value = normalise_text(value or "")
        if parse_year(value)[0] is not None:
            return value
        if match := _ANY_YEAR.search(value):
            return match[1]
    return ""


# ---------------------------------------------------------------------------- pdf, epub

def _read_pdf(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    from pypdf import PdfReader  # imported here: heavy, and only PDF corpora need it
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs; without a handler Python would print each to stderr,
    # around the one line that indexing reports per bad file.
    pypdf_log = logging.getLogger("pypdf")
    if not pypdf_log.handlers:
        pypdf_log.addHandler(logging.NullHandler())

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ReaderError("encrypted PDF")
            pages = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata
        except PdfReadError as exc:
            raise ReaderError(f"malformed PDF: {exc}") from None
    metadata = {}
    if info is not None:
        metadata = {"title": normalise_text(info.title or ""),
                    "author": normalise_text(info.author or "")}
    return _plain_paragraphs("\n\n".join(pages), line_per_paragraph=False), metadata


def _read_epub(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    import ebooklib  # imported here: heavy, and only EPUB corpora need it
    from ebooklib import epub

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
    items = [book.get_item_with_id(idref) for idref, _linear in book.spine]
    documents = [item for item in items if item is not None
                 and item.get_type() == ebooklib.ITEM_DOCUMENT]
    if not documents:
        documents = list(book.get_items_of_type(ebooklib.ITEM_DOCUMENT))
    paragraphs: list[str] = []
    for item in documents:
        content = item.get_content()
        if content.strip():
            paragraphs.extend(_html_paragraphs(LexborHTMLParser(
                _inline_paragraphs_in_spans(_decode(content)))))

    def dublin_core(name: str) -> list[str]:
        values = (normalise_text(str(value)) for value, _ in book.get_metadata("DC", name))
        return [value for value in values if value]

    metadata = {
        "title": next(iter(dublin_core("title")), ""),
        "author": "; ".join(dublin_core("creator")),
        "year": next(iter(dublin_core("date")), ""),
        "language": _language_code(next(iter(dublin_core("language")), "")),
    }
    return paragraphs, metadata


# ---------------------------------------------------------------------------- languages

_LANGUAGE_CODES = {
    "ces": "cs", "cze": "cs", "dan": "da", "deu": "de", "ger": "de", "ell": "el", "gre": "el",
    "eng": "en", "spa": "es", "fin": "fi", "fra": "fr", "fre": "fr", "hrv": "hr", "hun": "hu",
    "ita": "it", "jpn": "ja", "lat": "la", "nld": "nl", "dut": "nl", "nor": "no", "pol": "pl",
    "por": "pt", "ron": "ro", "rum": "ro", "rus": "ru", "srp": "sr", "swe": "sv", "tur": "tr",
    "ukr": "uk", "zho": "zh", "chi": "zh",
}


def _language_code(value: str) -> str:
    """Reduce a language tag to its primary subtag, as ISO 639-1 where one is known."""
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    if not (2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha()):
        return ""
    return _LANGUAGE_CODES.get(primary, primary)


_Reader = Callable[[bytes, Path], tuple[list[str], dict[str, str]]]
_READERS: dict[str, _Reader] = {
    ".txt": _read_txt, ".md": _read_markdown, ".markdown": _read_markdown,
    ".html": _read_html, ".htm": _read_html, ".xml": _read_tei,
    ".pdf": _read_pdf, ".epub": _read_epub,
}
