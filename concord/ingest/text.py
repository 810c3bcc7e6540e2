"""Reader of plain text (``.txt``): paragraphs at blank lines (or at each line of an
unwrapped file), Aozora Bunko markup removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .decoding import decode
from .normalise import keep_compound_hyphens, normalise_text

BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_AOZORA_HEADER = re.compile(r"^-{10,}\n【テキスト中に現れる記号について】.*?^-{10,}\n", re.M | re.S)
_AOZORA_NOTE = re.compile(r"［＃[^］\n]*］")
_AOZORA_RUBY = re.compile(r"《[^》\n]*》")


def read(raw: bytes, path: Path) -> tuple[list[str], dict[str, str]]:
    text = decode(raw)
    if _is_aozora(text):
        return plain_paragraphs(_strip_aozora(text), line_per_paragraph=True), {}
    return plain_paragraphs(text, line_per_paragraph=_is_unwrapped(text)), {}


def plain_paragraphs(text: str, *, line_per_paragraph: bool) -> list[str]:
    """Split plain text into paragraphs: blank-line blocks, or single lines."""
    if line_per_paragraph:
        blocks: Iterable[str] = text.split("\n")
    else:
        blocks = BLANK_LINE.split(keep_compound_hyphens(text))
    return [paragraph for block in blocks if (paragraph := normalise_text(block))]


def _is_unwrapped(text: str) -> bool:
    """Tell whether each line holds a whole paragraph (many long lines) or is hard-wrapped."""
    lines = [line for line in text.split("\n") if line.strip()]
    blocks = [block for block in BLANK_LINE.split(text) if block.strip()]
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
