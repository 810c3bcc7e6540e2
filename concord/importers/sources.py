"""Read the sources of an import as ``Page`` objects: a folder of saved pages, a WARC file,
a ZIP, or a file listing URLs (fetched by the polite crawler's fetcher).

Each reader yields pages and reports what it cannot use as ``(where, reason)`` problems;
nothing here extracts text or writes files.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..errors import CorpusError
from .base import Page

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx"})
CONTENT_TYPES = {
    ".txt": "text/plain", ".pdf": "application/pdf", ".epub": "application/epub+zip",
}
MAX_MEMBER_BYTES = 64 * 1024 * 1024

_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.IGNORECASE)
_CANONICAL = re.compile(rb"""<link[^>]+rel=["']canonical["'][^>]*>""", re.IGNORECASE)
_OG_URL = re.compile(rb"""<meta[^>]+property=["']og:url["'][^>]*>""", re.IGNORECASE)
_HREF = re.compile(rb"""(?:href|content)=["']([^"']+)["']""", re.IGNORECASE)
_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?$", re.IGNORECASE)


def content_type_for(name: str) -> str | None:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "text/html"
    return CONTENT_TYPES.get(suffix)


def url_in_page(body: bytes) -> str:
    """The page's own URL as it states it: canonical link, og:url, or "saved from url"."""
    head = body[:65536]
    for pattern in (_CANONICAL, _OG_URL):
        if (tag := pattern.search(head)) and (href := _HREF.search(tag[0])):
            url = href[1].decode("utf-8", errors="replace").strip()
            if url.startswith(("http://", "https://")):
                return url
    if match := _SAVED_FROM.search(head):
        return match[1].decode("utf-8", errors="replace")
    return ""


def url_from_mirror_path(relative: str) -> str:
    """A URL from a ``wget --mirror`` path ("www.marxists.org/archive/x.htm"), or ""."""
    parts = PurePosixPath(relative).parts
    if len(parts) >= 2 and _HOST.match(parts[0]):
        return "https://" + "/".join(parts)
    return ""


def is_url_list(path: Path) -> bool:
    """A text file whose non-empty, non-comment lines are all http(s) URLs."""
    if not path.is_file() or path.suffix.lower() in HTML_SUFFIXES | {".pdf", ".epub", ".zip",
                                                                        ".warc", ".gz"}:
        return False
    try:
        lines = [line.strip() for line in path.read_text("utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        return False
    urls = [line for line in lines if line and not line.startswith("#")]
    return bool(urls) and all(re.match(r"https?://\S+$", url) for url in urls)


def read_url_list(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text("utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _date(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).date().isoformat()


def folder_pages(root: Path, problems: list[tuple[str, str]]) -> Iterator[Page]:
    """Saved pages under ``root``; a browser's ``NAME_files/`` asset folders are skipped."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") or part.endswith("_files") for part in path.relative_to(root).parts[:-1]):
            continue
        if path.name.startswith(".") or not path.is_file() or path.name == "metadata.csv":
            continue
        kind = content_type_for(path.name)
        if kind is None:
            continue
        try:
            body = path.read_bytes()
            mtime = path.stat().st_mtime
        except OSError as exc:
            problems.append((rel, f"cannot read: {exc.strerror or exc}"))
            continue
        url = (url_in_page(body) if kind == "text/html" else "") or url_from_mirror_path(rel)
        yield Page(url=url, body=body, content_type=kind, retrieved=_date(mtime),
                   origin=f"{root.name}/{rel}")


def zip_pages(path: Path, problems: list[tuple[str, str]]) -> Iterator[Page]:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CorpusError(f"{path}: not a readable ZIP file ({exc})") from None
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            name = info.filename
            parts = PurePosixPath(name).parts
            if info.is_dir() or any(p.startswith(".") or p.endswith("_files") for p in parts[:-1]):
                continue
            kind = content_type_for(name)
            if kind is None or PurePosixPath(name).name.startswith("."):
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                problems.append((f"{path.name}:{name}", f"larger than {MAX_MEMBER_BYTES} bytes (skipped)"))
                continue
            try:
                body = archive.read(info)
            except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
                problems.append((f"{path.name}:{name}", f"cannot read: {exc}"))
                continue
            url = (url_in_page(body) if kind == "text/html" else "") or url_from_mirror_path(name)
            year, month, day = info.date_time[:3]
            yield Page(url=url, body=body, content_type=kind,
                       retrieved=f"{year:04d}-{month:02d}-{day:02d}", origin=f"{path.name}:{name}")


def warc_pages(path: Path, problems: list[tuple[str, str]]) -> Iterator[Page]:
    """The successful HTTP responses of a WARC (or .warc.gz) file."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with stream:
        try:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                status = record.http_headers.get_statuscode()
                if status != "200":
                    problems.append((url, f"HTTP {status} in the WARC (skipped)"))
                    continue
                kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
                kind = kind or content_type_for(url) or ""
                if kind not in ("text/html", "application/xhtml+xml", "text/plain",
                                "application/pdf", "application/epub+zip"):
                    continue
                body = record.content_stream().read(MAX_MEMBER_BYTES + 1)
                if len(body) > MAX_MEMBER_BYTES:
                    problems.append((url, f"larger than {MAX_MEMBER_BYTES} bytes (skipped)"))
                    continue
                date = (record.rec_headers.get_header("WARC-Date") or "")[:10]
                yield Page(url=url, body=body, content_type=kind, retrieved=date,
                           origin=f"{path.name}:{url}")
        except ArchiveLoadFailed as exc:
            raise CorpusError(f"{path}: not a readable WARC file ({exc})") from None
