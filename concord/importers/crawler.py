"""A polite crawler: robots.txt, one request per second per host, scope, conditional
requests, redirects, retries with backoff, a size limit, and a resumable state in SQLite.

``Crawler.crawl(start)`` walks the links of HTML pages that stay on the start URL's host
and under its path prefix, up to ``depth`` links away; ``Crawler.fetch_list(urls)`` fetches
the given URLs only. Both yield ``Page`` objects (HTML, plain text, PDF, EPUB) and report
what they could not fetch as ``(url, reason)``. The state file (``.concord-crawl.sqlite``
in the target folder) records every URL's state, validators (ETag, Last-Modified) and
links: an interrupted crawl resumes without fetching again what it already has, and a
finished one, run again, asks the server only for pages that changed. Uses only urllib.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import socket
import sqlite3
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urldefrag, urljoin, urlsplit

from .. import __version__
from ..errors import CorpusError
from .base import Page, parse_html

CONTACT_ENV = "CONCORD_CONTACT"


def user_agent(contact: str) -> str:
    """The User-Agent: concord, its version, and where the person crawling can be reached."""
    return f"concord/{__version__} (corpus research crawler; +{contact})"


def crawl_contact(contact: str | None) -> str:
    """The crawler's contact (--contact or $CONCORD_CONTACT); site owners must be able to ask."""
    import os

    contact = (contact or os.environ.get(CONTACT_ENV, "")).strip()
    if not contact:
        raise CorpusError("fetching pages needs a contact that site owners can reach (a URL or an "
                          f"e-mail address): give --contact or set {CONTACT_ENV}")
    if any(c in contact for c in "\r\n()") or len(contact) > 200:
        raise CorpusError(f"bad --contact {contact[:60]!r}: one URL or e-mail address, "
                          "without parentheses or line breaks")
    return contact
ROBOTS_AGENT = "concord"
STATE_FILE = ".concord-crawl.sqlite"
KEPT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/pdf",
              "application/epub+zip")
SKIPPED_SUFFIXES = frozenset({
    ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".mp3", ".mp4",
    ".avi", ".zip", ".gz", ".tar", ".woff", ".woff2", ".ttf", ".doc", ".docx", ".xls",
})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None  # redirects are followed by the crawler, which checks scope and loops


class FetchError(Exception):
    """A URL that could not be fetched; the message is the reason."""


class Crawler:
    """Fetches politely and remembers what it fetched (see the module docstring)."""

    def __init__(self, *, state_dir: str | Path, depth: int = 3, max_pages: int = 500,
                 delay: float = 1.0, max_bytes: int = 20_000_000, timeout: float = 20.0,
                 retries: int = 3, backoff: float = 1.0, contact: str | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.depth = depth
        self.max_pages = max_pages
        self.delay = delay
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent(crawl_contact(contact))
        self.sleep = sleep
        self.opener = urllib.request.build_opener(_NoRedirects)
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        Path(state_dir).mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(Path(state_dir) / STATE_FILE)
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS urls (
                url TEXT PRIMARY KEY, depth INTEGER NOT NULL, state TEXT NOT NULL,
                etag TEXT, last_modified TEXT, content_type TEXT, links TEXT,
                reason TEXT, fetched TEXT);
            CREATE TABLE IF NOT EXISTS crawls (start TEXT PRIMARY KEY, finished INTEGER);
        """)
        self.db.commit()
        self.requests = 0   # HTTP requests made (robots.txt included), for reports and tests

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Crawler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- public

    def crawl(self, start: str, problems: list[tuple[str, str]]) -> Iterator[Page]:
        """Crawl from ``start`` inside its scope; yield the pages fetched in this run."""
        start = _normalise(start)
        prefix = _scope_prefix(start)
        row = self.db.execute("SELECT finished FROM crawls WHERE start = ?", (start,)).fetchone()
        if row is None:
            self.db.execute("INSERT INTO crawls VALUES (?, 0)", (start,))
        elif row[0]:
            # A finished crawl, run again: check every page with a conditional request.
            self.db.execute("UPDATE urls SET state = 'todo' WHERE state IN ('done', 'failed') "
                            "AND url LIKE ? ESCAPE '\\'", (_like_prefix(prefix),))
            self.db.execute("UPDATE crawls SET finished = 0 WHERE start = ?", (start,))
        self._enqueue(start, 0)
        self.db.commit()
        fetched = 0
        while fetched < self.max_pages:
            item = self.db.execute(
                "SELECT url, depth FROM urls WHERE state = 'todo' AND url LIKE ? ESCAPE '\\' "
                "ORDER BY depth, rowid LIMIT 1", (_like_prefix(prefix),)).fetchone()
            if item is None:
                self.db.execute("UPDATE crawls SET finished = 1 WHERE start = ?", (start,))
                self.db.commit()
                return
            url, depth = item
            page, links = self._visit(url, problems, prefix=prefix)
            fetched += 1
            if depth < self.depth:
                for link in links:
                    if _in_scope(link, prefix):
                        self._enqueue(link, depth + 1)
            if page is not None:
                yield page
            # Committed only once the page was taken: a crawl interrupted while the page
            # was being written leaves it to fetch again.
            self.db.commit()
        problems.append((start, f"stopped after {self.max_pages} pages (--max-pages); "
                                "run again to go on"))

    def fetch_list(self, urls: list[str], problems: list[tuple[str, str]]) -> Iterator[Page]:
        """Fetch each URL (conditionally when fetched before); no links are followed."""
        for url in urls:
            url = _normalise(url)
            self._enqueue(url, 0)
            self.db.execute("UPDATE urls SET state = 'todo' WHERE url = ?", (url,))
            self.db.commit()
            page, _links = self._visit(url, problems, prefix=None)
            if page is not None:
                yield page
            self.db.commit()

    # ----------------------------------------------------------------- one URL

    def _enqueue(self, url: str, depth: int) -> None:
        self.db.execute("INSERT OR IGNORE INTO urls (url, depth, state) VALUES (?, ?, 'todo')",
                        (url, depth))

    def _mark(self, url: str, state: str, reason: str | None = None, **values) -> None:
        columns = ", ".join(f"{name} = ?" for name in values)
        sql = f"UPDATE urls SET state = ?, reason = ?, fetched = ?{', ' if columns else ''}{columns} WHERE url = ?"
        self.db.execute(sql, (state, reason, _now(), *values.values(), url))

    def _visit(self, url: str, problems: list[tuple[str, str]], *,
               prefix: str | None) -> tuple[Page | None, list[str]]:
        known = self.db.execute("SELECT etag, last_modified, links FROM urls WHERE url = ?",
                                (url,)).fetchone()
        etag, last_modified, old_links = known if known else (None, None, None)
        if PurePosixPath(urlsplit(url).path).suffix.lower() in SKIPPED_SUFFIXES:
            self._mark(url, "skipped", "not a text type")
            return None, []
        try:
            status, final_url, headers, body = self._get_following(url, etag, last_modified,
                                                                   prefix)
        except FetchError as exc:
            problems.append((url, str(exc)))
            self._mark(url, "failed", str(exc))
            return None, []
        if status == 304:
            self._mark(url, "done", "not modified")
            return None, json.loads(old_links or "[]")
        kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not kind:
            kind = _type_from_suffix(final_url)
        if kind not in KEPT_TYPES:
            self._mark(url, "skipped", f"content type {kind or 'unknown'} (not kept)")
            return None, []
        links = _links(body, final_url) if kind in KEPT_TYPES[:2] else []
        self._mark(url, "done", None, etag=headers.get("ETag"),
                   last_modified=headers.get("Last-Modified"), content_type=kind,
                   links=json.dumps(links))
        page = Page(url=final_url, body=body, content_type=kind,
                    retrieved=datetime.datetime.now(datetime.UTC).date().isoformat(),
                    origin=url)
        return page, links

    def _get_following(self, url: str, etag: str | None, last_modified: str | None,
                       prefix: str | None) -> tuple[int, str, dict[str, str], bytes]:
        chain = [url]
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            if not self._allowed(current):
                raise FetchError("forbidden by robots.txt")
            # Validators were stored for the final response: sent on every hop.
            status, headers, body = self._get(current, etag, last_modified)
            if status in (301, 302, 303, 307, 308):
                location = headers.get("Location")
                if not location:
                    raise FetchError(f"HTTP {status} without a Location")
                target = _normalise(urljoin(current, location))
                if target in chain:
                    raise FetchError("redirect loop: " + " -> ".join([*chain, target]))
                if prefix is not None and not _in_scope(target, prefix):
                    raise FetchError(f"redirected out of scope to {target}")
                chain.append(target)
                current = target
                continue
            if status == 304 or 200 <= status < 300:
                return status, current, headers, body
            raise FetchError(f"HTTP {status}")
        raise FetchError(f"more than {MAX_REDIRECTS} redirects: " + " -> ".join(chain))

    def _get(self, url: str, etag: str | None = None, last_modified: str | None = None
             ) -> tuple[int, dict[str, str], bytes]:
        """One GET with politeness and retries: (status, headers, body)."""
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                       "Accept-Encoding": "identity"})
        if etag:
            request.add_header("If-None-Match", etag)
        if last_modified:
            request.add_header("If-Modified-Since", last_modified)
        attempt = 0
        while True:
            attempt += 1
            self._wait_turn(url)
            try:
                status, headers, body = self._open(request)
            except _TooLarge:
                raise
            except FetchError as exc:
                self._done_turn(url)
                if attempt > self.retries:
                    raise FetchError(f"{exc} (after {attempt} attempts)") from None
                self.sleep(self.backoff * 2 ** (attempt - 1))
                continue
            self._done_turn(url)
            if status in RETRY_STATUSES and attempt <= self.retries:
                wait = self.backoff * 2 ** (attempt - 1)
                retry_after = headers.get("Retry-After", "")
                if retry_after.isdigit():
                    wait = max(wait, min(float(retry_after), 60.0))
                self.sleep(wait)
                continue
            if status in RETRY_STATUSES:
                raise FetchError(f"HTTP {status} (after {attempt} attempts)")
            return status, headers, body

    def _open(self, request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
        self.requests += 1
        try:
            response = self.opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            with exc:
                headers = {k: v for k, v in exc.headers.items()} if exc.headers else {}
                return exc.code, headers, b""
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError | socket.timeout):
                raise FetchError(f"timed out after {self.timeout:g} s") from None
            raise FetchError(f"cannot connect: {reason}") from None
        with response:
            headers = {k: v for k, v in response.headers.items()}
            length = headers.get("Content-Length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise _TooLarge(f"larger than {self.max_bytes} bytes (not saved)")
            try:
                body = response.read(self.max_bytes + 1)
            except TimeoutError:
                raise FetchError(f"timed out after {self.timeout:g} s") from None
            except OSError as exc:
                raise FetchError(f"connection broken: {exc}") from None
            if len(body) > self.max_bytes:
                raise _TooLarge(f"larger than {self.max_bytes} bytes (not saved)")
            return response.status, headers, body

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        robots = self._robots.get(host)
        delay = self.delay
        if robots is not None:
            crawl_delay = robots.crawl_delay(ROBOTS_AGENT)
            if crawl_delay:
                delay = max(delay, float(crawl_delay))
        last = self._last_request.get(host)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last_request[host] = time.monotonic()

    def _done_turn(self, url: str) -> None:
        # The delay runs from the end of a response, so a slow server gets slower requests.
        self._last_request[urlsplit(url).netloc.lower()] = time.monotonic()

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        host = parts.netloc.lower()
        robots = self._robots.get(host)
        if robots is None:
            robots = urllib.robotparser.RobotFileParser()
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            try:
                status, _headers, body = self._get(robots_url)
            except FetchError:
                status, body = 503, b""
            if status in (401, 403) or status >= 500:
                robots.disallow_all = True       # the site is not saying: do not crawl it
            elif 200 <= status < 300:
                robots.parse(body.decode("utf-8", errors="replace").splitlines())
            else:
                robots.allow_all = True          # no robots.txt: everything is allowed
            self._robots[host] = robots
        return robots.can_fetch(ROBOTS_AGENT, url)


class _TooLarge(FetchError):
    pass


# --------------------------------------------------------------------------- helpers

def _now() -> str:
    return email.utils.format_datetime(datetime.datetime.now(datetime.UTC), usegmt=True)


def _normalise(url: str) -> str:
    url = urldefrag(url.strip())[0]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CorpusError(f"{url}: not an http(s) URL")
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc.lower()}{path}{query}"


def _scope_prefix(start: str) -> str:
    """The start URL up to the last "/" of its path: the crawl stays under it."""
    return start[:start.rfind("/") + 1] if urlsplit(start).path.count("/") else start + "/"


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _in_scope(url: str, prefix: str) -> bool:
    return url.startswith(prefix)


def _type_from_suffix(url: str) -> str:
    from .sources import content_type_for

    return content_type_for(urlsplit(url).path) or ""


def _links(body: bytes, base: str) -> list[str]:
    tree = parse_html(body)
    base_tag = tree.css_first("base[href]")
    if base_tag is not None:
        base = urljoin(base, base_tag.attributes.get("href") or "")
    links: list[str] = []
    seen = set()
    for anchor in tree.css("a[href], frame[src], iframe[src]"):
        href = anchor.attributes.get("href") or anchor.attributes.get("src") or ""
        if not href or href.startswith(("mailto:", "javascript:", "#", "tel:")):
            continue
        try:
            url = _normalise(urljoin(base, href))
        except (CorpusError, ValueError):
            continue
        if url not in seen:
            seen.add(url)
            links.append(url)
    return links
