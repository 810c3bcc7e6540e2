"""The polite crawler against a fixture site served on loopback by the test itself:
robots.txt, scope and depth, redirects and a redirect loop, a 500, a slow page, a huge
page, a PDF, conditional requests, and resuming after an interruption."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from concord.cli import main
from concord.importers import import_sources
from concord.importers.crawler import STATE_FILE, Crawler

WORDS = ("The council of the district met again on Sunday and every delegate reported on the "
         "decisions of the assemblies in the workshops, the docks and the railway yards. ")


def page(title: str, links: list[str], words: int = 2) -> bytes:
    anchors = " ".join(f'<a href="{href}">{href}</a>' for href in links)
    return (f"<html lang='en'><head><title>{title}</title></head><body>"
            f"<nav>{anchors}</nav><h1>{title}</h1>"
            + "".join(f"<p>{title}: {WORDS}</p>" for _ in range(words))
            + "</body></html>").encode()


SITE = {
    "/site/index.html": page("Index", [
        "a.html", "b.html", "private/secret.html", "loop1", "e500", "slow.html", "huge.html",
        "doc.pdf", "../outside.html", "http://other.invalid/x.html", "style.css", "moved",
        "a.html#section", "mailto:someone@example.org"]),
    "/site/a.html": page("Page A", ["c.html", "b.html"]),
    "/site/b.html": page("Page B", []),
    "/site/c.html": page("Page C", ["d.html"]),
    "/site/d.html": page("Page D", []),
    "/site/new-place.html": page("Moved page", []),
    "/site/private/secret.html": page("Secret", []),
    "/outside.html": page("Outside", []),
    "/site/huge.html": page("Huge", [], words=2000),
    "/site/style.css": b"body { color: red }",
}
REDIRECTS = {"/site/loop1": "/site/loop2", "/site/loop2": "/site/loop1",
             "/site/moved": "/site/new-place.html"}


class Site:
    """A threaded HTTP server on 127.0.0.1 (port 0) that logs every request."""

    def __init__(self) -> None:
        self.log: list[tuple[str, dict[str, str], float]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                site.log.append((self.path, dict(self.headers), time.monotonic()))
                path = self.path
                if path == "/robots.txt":
                    return self.send(200, b"User-agent: *\nDisallow: /site/private/\n", "text/plain")
                if path in REDIRECTS:
                    self.send_response(302)
                    self.send_header("Location", REDIRECTS[path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if path == "/site/e500":
                    return self.send(500, b"boom", "text/plain")
                if path == "/site/slow.html":
                    time.sleep(1.5)
                    return self.send(200, page("Slow", []), "text/html")
                if path == "/site/doc.pdf":
                    return self.send(200, b"%PDF-1.4 fixture", "application/pdf")
                body = SITE.get(path)
                if body is None:
                    return self.send(404, b"not found", "text/plain")
                etag = f'"{hash(body) & 0xffff:x}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return None
                kind = "text/css" if path.endswith(".css") else "text/html; charset=utf-8"
                return self.send(200, body, kind, etag=etag)

            def send(self, status, body, kind, etag=None):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> Counter[str]:
        return Counter(path for path, _h, _t in self.log)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def site():
    server = Site()
    yield server
    server.close()


FAST = {"delay": 0.02, "timeout": 0.5, "retries": 1, "backoff": 0.01, "max_bytes": 50_000,
        "contact": "https://example.org/concord-tests"}


def test_crawl_is_polite_and_stays_in_scope(site, tmp_path):
    target = tmp_path / "corpus"
    report = import_sources([f"{site.base}/site/index.html"], target, crawl=True,
                            crawl_options={**FAST, "depth": 2})
    paths = site.paths()
    imported = sorted(d.source_url.removeprefix(site.base) for d in report.documents)
    assert imported == ["/site/a.html", "/site/b.html", "/site/c.html", "/site/doc.pdf",
                        "/site/index.html", "/site/new-place.html"]
    # robots.txt read once; the forbidden path, the other host, the parent folder, the CSS
    # and the page beyond the depth limit (d.html is 3 links away) are never requested.
    assert paths["/robots.txt"] == 1
    for never in ("/site/private/secret.html", "/outside.html", "/site/style.css", "/site/d.html"):
        assert paths[never] == 0, never
    assert paths["/site/a.html"] == 1                  # "a.html#section" is the same page
    assert paths["/site/e500"] == 2                    # one retry, then given up
    assert paths["/site/slow.html"] == 2               # timed out twice
    problems = {url.removeprefix(site.base): reason for url, reason in report.problems}
    assert problems == {
        "/site/private/secret.html": "forbidden by robots.txt",
        "/site/loop1": f"redirect loop: {site.base}/site/loop1 -> {site.base}/site/loop2 -> "
                       f"{site.base}/site/loop1",
        "/site/e500": "HTTP 500 (after 2 attempts)",
        "/site/slow.html": "timed out after 0.5 s (after 2 attempts)",
        "/site/huge.html": "larger than 50000 bytes (not saved)",
    }
    for _path, headers, _t in site.log:
        assert headers["User-Agent"].startswith("concord/")
        assert headers["User-Agent"].endswith("(corpus research crawler; +https://example.org/concord-tests)")
    # One request at a time per host, the delay apart. The server stamps a request when it
    # arrives, which a loaded machine delays by a few milliseconds more or less than the
    # one before: the median gap is checked here, each wait in the test below.
    times = [t for _p, _h, t in site.log]
    gaps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
    assert gaps[len(gaps) // 2] >= FAST["delay"]
    assert (target / "127.0.0.1/site/doc.pdf").read_bytes() == b"%PDF-1.4 fixture"
    assert (target / STATE_FILE).is_file()


def test_politeness_delay_between_requests(site, tmp_path):
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with Crawler(state_dir=tmp_path, delay=0.2, depth=0, sleep=sleep,
                 contact="tests@example.org") as crawler:
        pages = list(crawler.crawl(f"{site.base}/site/b.html", []))
    assert len(pages) == 1
    # robots.txt, then the page: the second request waited for most of the delay.
    assert [p for p, _h, _t in site.log] == ["/robots.txt", "/site/b.html"]
    assert len(waits) == 1 and 0.1 < waits[0] <= 0.2
    first, second = (t for _p, _h, t in site.log)
    assert second - first >= 0.15


def test_resume_after_interruption_fetches_nothing_twice(site, tmp_path):
    target = tmp_path / "corpus"
    start = f"{site.base}/site/a.html"
    options = {**FAST, "depth": 5}
    # Interrupted after the first page was taken (as a KeyboardInterrupt would).
    with Crawler(state_dir=target, **options) as crawler:
        pages = crawler.crawl(start, [])
        first = next(pages)
        assert first.url == start
        second = next(pages)                       # fetched, but the interruption comes now
        assert second.url.endswith("/site/c.html")   # breadth first, in link order
        pages.close()
    before = site.paths()
    report = import_sources([start], target, crawl=True, crawl_options=options)
    after = site.paths() - before
    # The page that was taken is not fetched again; the one being written when the crawl
    # stopped is; the rest are fetched once.
    assert after["/site/a.html"] == 0
    assert after["/site/c.html"] == 1
    assert after["/site/b.html"] == 1 and after["/site/d.html"] == 1
    assert sum(after.values()) == 4                # robots.txt, c, b, d
    assert "/site/a.html" not in [d.source_url.removeprefix(site.base) for d in report.documents]
    # A finished crawl run again asks with If-None-Match and gets 304s: nothing re-imported.
    before = site.paths()
    again = import_sources([start], target, crawl=True, crawl_options=options)
    assert again.documents == []
    assert site.paths() - before == Counter({"/robots.txt": 1, "/site/a.html": 1, "/site/b.html": 1,
                                             "/site/c.html": 1, "/site/d.html": 1})
    last_c = [h for p, h, _t in site.log if p == "/site/c.html"][-1]
    assert last_c["If-None-Match"].startswith('"')


def test_max_pages_stops_and_says_so(site, tmp_path):
    report = import_sources([f"{site.base}/site/a.html"], tmp_path / "c", crawl=True,
                            crawl_options={**FAST, "max_pages": 2})
    assert len(report.documents) == 2
    assert report.problems[-1][1] == "stopped after 2 pages (--max-pages); run again to go on"


def test_url_list_and_cli(site, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# two pages\n{site.base}/site/b.html\n\n{site.base}/site/private/secret.html\n")
    result = CliRunner().invoke(main, ["import", str(urls), "--into", str(tmp_path / "c"),
                                       "--delay", "0.02", "--contact", "me@example.org"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{tmp_path / 'c'}: 1 document imported"
    assert f"not imported: {site.base}/site/private/secret.html: forbidden by robots.txt" in result.output
    assert site.paths()["/site/b.html"] == 1


def test_cli_crawl(site, tmp_path):
    args = ["import", f"{site.base}/site/b.html", "--crawl", "--into", str(tmp_path / "c"),
            "--delay", "0.02", "--depth", "0"]
    refused = CliRunner(env={"CONCORD_CONTACT": ""}).invoke(main, args, catch_exceptions=False)
    assert refused.exit_code == 1
    assert "fetching pages needs a contact that site owners can reach" in refused.output
    assert site.paths().get("/site/b.html", 0) == 0
    result = CliRunner(env={"CONCORD_CONTACT": "me@example.org"}).invoke(main, args,
                                                                          catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c" / "127.0.0.1/site/b.txt").read_text("utf-8").startswith("Page B")
    assert Path(tmp_path / "c" / "metadata.csv").read_text("utf-8").count(f"{site.base}/site/b.html") == 1
