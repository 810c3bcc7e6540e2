"""What the browser tests share besides their fixtures (those are in tests/conftest.py).

The web app runs in a thread on 127.0.0.1 with a free port; Chromium is Debian's
(/usr/bin/chromium), driven by Playwright; screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]
#: What a page that is meant to answer 4xx logs to the console (not a problem).
EXPECTED_4XX = "Failed to load resource: the server responded with a status of 4"
MANIFESTO_FR = "fr/1848-marx-engels-manifeste-du-parti-communiste-ch1-2.txt"


def live_server(config: dict):
    """Serve the web app with ``config`` in a thread on a free port; yield its URL, then stop."""
    from web.app import create_app
    from web.server import make_server

    app = create_app(config)
    srv = make_server(app, "127.0.0.1", 0, workers=4, quiet=True)
    thread = srv.start_background()
    yield srv.url
    srv.shutdown()
    thread.join(10)
    srv.server_close()
    app.extensions["concord_index"].close()


def watch(page) -> list[str]:
    """The console errors and script errors of ``page``, collected as they happen (CSP
    violations show up there too)."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def shot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 5000
    return path


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)
