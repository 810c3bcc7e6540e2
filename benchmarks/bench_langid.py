"""Benchmark per-paragraph language identification on whole files of the shared corpus.

Prints, for one file per language (the one with the median word count), paragraphs/s and
tokens/s of ``paragraph_languages``, the fractions of paragraphs that reached langdetect and
py3langid (the second opinion) and the share labelled with the declared language; then the
same figures for calling langdetect on every paragraph, measured on a subset in the same run.
Both detectors are loaded before timing.

    python benchmarks/bench_langid.py [CORPUS_DIR]
"""

from __future__ import annotations

import csv
import html
import random
import re
import sys
import time
from pathlib import Path

from concord import langid
from concord.analysis import TOKEN_RE

LANGUAGES = ("de", "en", "fr", "it", "es", "pt", "sv", "pl", "ru", "ja")
BASELINE_PARAGRAPHS = 400

_BLOCK_TAG = re.compile(
    r"</?(?:p|l|lg|head|div|h[1-6]|blockquote|li|ul|ol|br|section|article|front|body|back"
    r"|note|quote|trailer|closer|opener|sp|speaker|stage)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]+>")
_BLANK_LINE = re.compile(r"\n\s*\n")


def file_paragraphs(path: Path, language: str) -> list[str]:
    """Split a corpus file into paragraphs crudely: block tags and blank lines end them."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".xml", ".html"):
        body = re.search(r"<text\b|<body\b", text)
        text = text[body.start() :] if body else text
        text = html.unescape(_TAG.sub("", _BLOCK_TAG.sub("\n\n", text)))
    elif language == "ja":
        # Aozora Bunko texts put one paragraph on each line.
        return [line.strip() for line in text.splitlines() if line.strip()]
    return [p.strip() for p in _BLANK_LINE.split(text) if p.strip()]


def pick_files(corpus: Path) -> list[tuple[Path, str]]:
    """Choose, for each language, the file with the median word count."""
    with open(corpus / "metadata.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    picked = []
    for language in LANGUAGES:
        files = sorted((int(r["words"]), r["path"]) for r in rows if r["language"] == language)
        if files:
            picked.append((corpus / files[len(files) // 2][1], language))
    return picked


def langdetect_calls() -> int:
    info = langid._ranked.cache_info()
    return info.hits + info.misses


def second_opinion_calls() -> int:
    info = langid._second_ranking.cache_info()
    return info.hits + info.misses


def main(corpus: Path) -> None:
    start = time.perf_counter()
    langid.detect_language("warm up the detector profiles")
    print(f"langdetect profiles loaded in {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    langid._second_opinion("warm up the second opinion")
    print(f"py3langid model loaded in {time.perf_counter() - start:.2f} s\n")

    header = (
        f"{'file':54} {'paras':>6} {'tokens':>8} {'para/s':>8} {'tok/s':>9} {'langdet':>7}"
        f" {'py3lang':>7} {'decl.':>6}"
    )
    print(header)
    all_paragraphs: list[str] = []
    total_paragraphs = total_tokens = total_calls = total_second = 0
    total_seconds = 0.0
    for path, language in pick_files(corpus):
        paragraphs = file_paragraphs(path, language)
        tokens = sum(len(TOKEN_RE.findall(p)) for p in paragraphs)
        langid._ranked.cache_clear()
        langid._second_ranking.cache_clear()
        calls = langdetect_calls()
        second = second_opinion_calls()
        start = time.perf_counter()
        labels = langid.paragraph_languages(paragraphs, language)
        seconds = time.perf_counter() - start
        calls = langdetect_calls() - calls
        second = second_opinion_calls() - second
        declared = sum(label == language for label in labels) / len(labels)
        print(
            f"{path.name[:54]:54} {len(paragraphs):6} {tokens:8} {len(paragraphs) / seconds:8.0f}"
            f" {tokens / seconds:9.0f} {calls / len(paragraphs):7.2%}"
            f" {second / len(paragraphs):7.2%} {declared:6.1%}"
        )
        all_paragraphs.extend(paragraphs)
        total_paragraphs += len(paragraphs)
        total_tokens += tokens
        total_calls += calls
        total_second += second
        total_seconds += seconds
    fast = total_tokens / total_seconds
    print(
        f"{'all':54} {total_paragraphs:6} {total_tokens:8} {total_paragraphs / total_seconds:8.0f}"
        f" {fast:9.0f} {total_calls / total_paragraphs:7.2%} {total_second / total_paragraphs:7.2%}"
    )

    subset = random.Random(0).sample(all_paragraphs, min(BASELINE_PARAGRAPHS, len(all_paragraphs)))
    subset_tokens = sum(len(TOKEN_RE.findall(p)) for p in subset)
    langid._ranked.cache_clear()
    start = time.perf_counter()
    for paragraph in subset:
        langid.detect_language(paragraph)
    seconds = time.perf_counter() - start
    slow = subset_tokens / seconds
    print(
        f"\nlangdetect on every paragraph ({len(subset)} sampled): "
        f"{len(subset) / seconds:.0f} paragraphs/s, {slow:.0f} tokens/s"
    )
    print(f"paragraph_languages is {fast / slow:.0f}x faster in tokens/s")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    corpus_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if not (corpus_dir / "metadata.csv").exists():
        sys.exit(f"no corpus at {corpus_dir}")
    main(corpus_dir)
