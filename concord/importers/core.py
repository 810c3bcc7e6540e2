"""Import pages into a corpus folder: pick each page's archive profile, extract its text and
metadata, write one text file per document and its ``metadata.csv`` row, and report per
field how many documents got a value and from where.

``metadata.csv`` keeps concord's columns (path, title, author, year, language, group,
translator, original_language, work_id) and adds ``source_url``, ``retrieved``,
``archive``, ``license``, ``uploaded`` (a date the archive gives for its upload, never
the year of the text) and ``guessed`` (the fields whose value is a heuristic guess);
rows of files that were not imported stay as they are.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from ..analysis import SPLIT_RE
from ..errors import ConcordError, CorpusError
from .base import FIELDS, HTML_TYPES, ORIGINS, Extracted, Page, parse_html, plain_paragraphs
from .profiles import GENERIC, PROFILES

SIDECAR = "metadata.csv"
COLUMNS = (
    "path", "title", "author", "year", "language", "group", "translator", "original_language",
    "work_id", "source_url", "retrieved", "archive", "license", "uploaded", "guessed",
)
MIN_WORDS = 20


@dataclass(frozen=True)
class ImportedDoc:
    path: str
    archive: str
    source_url: str
    origin: str
    fields: dict[str, tuple[str, str]]
    words: int


@dataclass
class ImportReport:
    """What an import wrote, field by field, and what it could not use."""

    into: str
    documents: list[ImportedDoc] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def field_counts(self) -> dict[str, dict[str, int]]:
        """{field: {"page": n, "profile": n, "guess": n, "none": n}} over the documents."""
        counts: dict[str, dict[str, int]] = {}
        for name in FIELDS:
            tally = Counter(doc.fields[name][1] if name in doc.fields else "none"
                            for doc in self.documents)
            counts[name] = {origin: tally.get(origin, 0) for origin in (*ORIGINS, "none")}
        return counts

    def archives(self) -> dict[str, int]:
        return dict(sorted(Counter(doc.archive for doc in self.documents).items()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "into": self.into,
            "documents": len(self.documents),
            "archives": self.archives(),
            "fields": self.field_counts(),
            "files": [{"path": d.path, "archive": d.archive, "source_url": d.source_url,
                       "origin": d.origin, "words": d.words,
                       "fields": {k: {"value": v, "from": o} for k, (v, o) in d.fields.items()}}
                      for d in self.documents],
            "problems": [{"source": s, "reason": r} for s, r in self.problems],
        }


def extract_page(page: Page) -> Extracted:
    """Extract one page with the first profile that recognises it (generic otherwise).

    Raises:
        ConcordError: the page is of a type that is not extracted (PDF, EPUB).
    """
    from ..langid import document_language

    if page.content_type in HTML_TYPES:
        tree = parse_html(page.body)
        profile = next((p for p in PROFILES if p.detect(page, tree)), GENERIC)
        doc = profile.extract(page, tree)
    elif page.content_type == "text/plain":
        from .profiles import gutenberg

        if gutenberg.detect(page, None):
            doc = gutenberg.extract(page, None)
        else:
            from .base import decode_html

            doc = Extracted(archive=page.host.removeprefix("www.") or "file",
                            paragraphs=plain_paragraphs(decode_html(page.body)))
    else:
        raise ConcordError(f"{page.content_type} is not extracted")
    if "language" not in doc.fields and doc.paragraphs:
        doc.set("language", document_language(doc.paragraphs, None) or "", "guess")
    return doc


class CorpusWriter:
    """Writes documents into a corpus folder and keeps its ``metadata.csv`` rows."""

    def __init__(self, into: str | os.PathLike) -> None:
        self.root = Path(into)
        self.root.mkdir(parents=True, exist_ok=True)
        self.rows, self.columns = _read_rows(self.root / SIDECAR)
        self.by_url = {row.get("source_url", ""): key for key, row in self.rows.items()
                       if row.get("source_url")}
        self.taken = set(self.rows)

    def target(self, page: Page, archive: str, suffix: str) -> str:
        """The corpus path for a page: its URL's host and path, or its origin's name."""
        if page.url and page.url in self.by_url:
            return self.by_url[page.url]
        if page.url:
            parts = urlsplit(page.url)
            pieces = [parts.hostname or archive] + [unquote(p) for p in parts.path.split("/") if p]
            if parts.query:
                pieces[-1] = pieces[-1] + "_" + parts.query
        else:
            pieces = [archive] + list(PurePosixPath(page.origin.replace(":", "/")).parts[1:])
        safe = [_safe(piece) for piece in pieces if _safe(piece)] or ["page"]
        stem = PurePosixPath(*safe)
        if stem.suffix.lower() in {".htm", ".html", ".xhtml", ".shtml", ".php", ".txt", ".pdf",
                                   ".epub", ".asp", ".aspx"}:
            stem = stem.with_suffix("")
        candidate = f"{stem}{suffix}"
        n = 2
        while candidate in self.taken:
            candidate = f"{stem}-{n}{suffix}"
            n += 1
        self.taken.add(candidate)
        return candidate

    def write_text(self, path: str, paragraphs: list[str]) -> None:
        self._write(path, ("\n\n".join(paragraphs) + "\n").encode("utf-8"))

    def write_bytes(self, path: str, body: bytes) -> None:
        self._write(path, body)

    def _write(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)

    def set_row(self, path: str, row: dict[str, str]) -> None:
        self.rows[path] = {key: value for key, value in row.items() if value}
        if row.get("source_url"):
            self.by_url[row["source_url"]] = path

    def save(self) -> None:
        extra = [c for c in self.columns if c not in COLUMNS]
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*COLUMNS, *extra])
        for key in sorted(self.rows):
            row = self.rows[key]
            writer.writerow([key, *(row.get(c, "") for c in COLUMNS[1:]), *(row.get(c, "") for c in extra)])
        self._write(SIDECAR, out.getvalue().encode("utf-8"))


def _read_rows(path: Path) -> tuple[dict[str, dict[str, str]], list[str]]:
    if not path.exists():
        return {}, list(COLUMNS)
    try:
        text = path.read_text("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        if "path" not in columns:
            raise CorpusError(f"{path}: no 'path' column in the header line")
        rows = {}
        for raw in reader:
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            if row.get("path"):
                rows[row.pop("path")] = row
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CorpusError(f"{path}: cannot be read ({exc}); fix or move it first") from None
    return rows, columns


def _safe(piece: str) -> str:
    piece = unicodedata.normalize("NFC", piece)
    piece = re.sub(r"[^\w.\-]+", "-", piece).strip("-.")
    return piece[:80]


ProgressFn = Callable[[int, str], None]


def import_pages(pages: Iterable[Page], writer: CorpusWriter, report: ImportReport,
                 progress: ProgressFn | None = None) -> None:
    """Extract and write each page; pages with no text are reported, not written.

    ``progress(pages_seen, where)`` is called after each page.
    """
    for seen, page in enumerate(pages, start=1):
        if progress is not None:
            progress(seen, page.url or page.origin)
        where = page.url or page.origin
        if page.content_type in ("application/pdf", "application/epub+zip"):
            suffix = ".pdf" if page.content_type == "application/pdf" else ".epub"
            archive = page.host.removeprefix("www.") or "file"
            path = writer.target(page, archive, suffix)
            writer.write_bytes(path, page.body)
            writer.set_row(path, {"source_url": page.url, "retrieved": page.retrieved,
                                  "archive": archive})
            report.documents.append(ImportedDoc(path, archive, page.url, page.origin, {}, 0))
            continue
        try:
            doc = extract_page(page)
        except ConcordError as exc:
            report.problems.append((where, str(exc)))
            continue
        except Exception as exc:  # a parser bug costs one page, never the import
            report.problems.append((where, f"cannot extract: {type(exc).__name__}: {exc}"))
            continue
        words = sum(len(SPLIT_RE.split(p)) // 2 for p in doc.paragraphs)   # CJK: per character
        if words < MIN_WORDS:
            report.problems.append((where, f"{words} words of text found, fewer than {MIN_WORDS} (not imported)"))
            continue
        path = writer.target(page, doc.archive, ".txt")
        writer.write_text(path, doc.paragraphs)
        row = {name: value for name, (value, _origin) in doc.fields.items()}
        row.update(source_url=page.url, retrieved=page.retrieved, archive=doc.archive,
                   license=doc.extra.get("license", ""), uploaded=doc.extra.get("uploaded", ""),
                   guessed=";".join(n for n, (_v, o) in doc.fields.items() if o == "guess"))
        writer.set_row(path, row)
        report.documents.append(ImportedDoc(path, doc.archive, page.url, page.origin,
                                            dict(doc.fields), words))


def import_sources(sources: Iterable[str], into: str | os.PathLike, *, crawl: bool = False,
                   crawl_options: dict[str, Any] | None = None,
                   progress: ProgressFn | None = None) -> ImportReport:
    """Import every source (folder, WARC, ZIP, URL list, or start URLs with ``crawl``).

    Raises:
        CorpusError: a source does not exist or is of no known kind; nothing is written then.
    """
    from . import sources as src

    into = Path(into)
    plan: list[tuple[str, str]] = []
    for source in sources:
        path = Path(source)
        if re.match(r"https?://", source):
            if not crawl:
                raise CorpusError(f"{source}: a URL source needs --crawl (or list URLs in a file)")
            plan.append(("crawl", source))
        elif path.is_dir():
            if path.resolve() == into.resolve():
                raise CorpusError(f"{source}: the source is the target folder")
            plan.append(("folder", source))
        elif not path.exists():
            raise CorpusError(f"{source}: no such file or folder")
        elif path.name.lower().endswith((".warc", ".warc.gz")):
            plan.append(("warc", source))
        elif path.suffix.lower() == ".zip":
            plan.append(("zip", source))
        elif src.is_url_list(path):
            plan.append(("urls", source))
        else:
            raise CorpusError(f"{source}: not a folder, WARC, ZIP or list of URLs")
    writer = CorpusWriter(into)
    report = ImportReport(into=str(into))
    try:
        for kind, source in plan:
            path = Path(source)
            if kind == "folder":
                pages: Iterator[Page] = src.folder_pages(path, report.problems)
            elif kind == "warc":
                pages = src.warc_pages(path, report.problems)
            elif kind == "zip":
                pages = src.zip_pages(path, report.problems)
            else:
                from .crawler import Crawler

                options = dict(crawl_options or {})
                options.setdefault("state_dir", into)
                with Crawler(**options) as crawler:
                    if kind == "urls":
                        pages = crawler.fetch_list(src.read_url_list(path), report.problems)
                    else:
                        pages = crawler.crawl(source, report.problems)
                    import_pages(pages, writer, report, progress)
                continue
            import_pages(pages, writer, report, progress)
    finally:
        writer.save()
    return report
