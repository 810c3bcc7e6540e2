"""Compare generic main-text extractors (jusText, trafilatura) on the importer fixtures.

For every fixture page of every profile (the archive layouts are hard cases for a generic
extractor) and for the generic pages, print the boilerplate tokens left, the share of the
true text kept, and the time per page. trafilatura is not a dependency of concord: install
it (and lxml_html_clean) to run its half. Usage: ``python benchmarks/bench_extractors.py``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from concord.importers.base import decode_html, html_language, parse_html
from concord.importers.evaluate import Score
from concord.importers.extractors import EXTRACTORS

ROOT = Path(__file__).resolve().parent.parent / "tests" / "data" / "import"


def main() -> None:
    expected = json.loads((ROOT / "expected.json").read_text("utf-8"))
    for name, extract in EXTRACTORS.items():
        for group in ("generic", "all"):
            score, seconds, pages = Score(), 0.0, 0
            for profile, files in expected.items():
                if group == "generic" and profile != "generic":
                    continue
                for filename, want in files.items():
                    raw = (ROOT / profile / filename).read_bytes()
                    if not filename.endswith((".htm", ".html")):
                        continue
                    html = decode_html(raw)
                    language = html_language(parse_html(raw)) or want["language"]
                    try:
                        t0 = time.perf_counter()
                        got = extract(html, language)
                        seconds += time.perf_counter() - t0
                    except ImportError:
                        print(f"{name}: not installed")
                        return
                    score.add_text(got, list(want["text"]))
                    pages += 1
            print(f"{name:12} {group:8} pages {pages:2}  boilerplate left {score.boilerplate:6.2%}  "
                  f"text kept {score.recall:6.2%}  {1000 * seconds / max(pages, 1):6.1f} ms/page")


if __name__ == "__main__":
    main()
