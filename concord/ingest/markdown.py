"""Reader of Markdown (``.md``, ``.markdown``): YAML front matter as metadata, block markup
and inline markup removed, one paragraph per block.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from pathlib import Path

import frontmatter
import yaml

from ..langid import language_tag
from .decoding import WARNINGS_KEY, decode
from .normalise import keep_compound_hyphens, normalise_text

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


def read(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    text = decode(raw)
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
            text = language_tag(text)
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
    for line in keep_compound_hyphens(body).split("\n"):
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
