"""Helpers of the web tests: constants, CLI runs, JSON and HTML fetching, HTML parsing."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from concord.cli import main as cli

DATA = Path(__file__).parents[1] / "data"
WEB_CORPUS = DATA / "web"
MANIFESTO_EN = "en/1848-marx-engels-manifesto-of-the-communist-party-ch1-2.txt"
UNSAFE = "en/1920-unsafe.txt"


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def get_html(client, url: str, status: int = 200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


class Tags(HTMLParser):
    """Collect start tags with their attributes, and the text inside chosen elements."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.texts: list[tuple[str, dict[str, str], str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attrs))
        if tag not in ("br", "input", "col", "link", "meta", "img", "path", "rect", "circle",
                       "line"):
            self.stack.append((tag, attrs, []))

    def handle_endtag(self, tag):
        while self.stack:
            t, attrs, parts = self.stack.pop()
            text = "".join(parts)
            self.texts.append((t, attrs, text))
            if self.stack:
                self.stack[-1][2].append(text)
            if t == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def find(self, tag: str, cls: str | None = None) -> list[tuple[dict[str, str], str]]:
        return [(a, t) for name, a, t in self.texts
                if name == tag and (cls is None or cls in a.get("class", "").split())]


def parse_html(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def kwic_rows(html: str) -> list[dict[str, str]]:
    """The KWIC table of a page: left, match, right and the match's link per line."""
    body = html.split('<table class="kwic">', 1)[1].split("</table>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S):
        tags = parse_html(tr)
        cells = {a.get("class", "").split()[0]: t for a, t in tags.find("td")}
        link = next(a["href"] for tag, a in tags.tags if tag == "a")
        rows.append({"left": cells["left"], "match": cells["match"], "right": cells["right"],
                     "href": link})
    return rows


def unescape(text: str) -> str:
    import html

    return html.unescape(text)
