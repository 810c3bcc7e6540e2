"""The paragraph collector that the HTML and TEI readers feed while walking their trees.
"""

from __future__ import annotations

from .normalise import normalise_text
from .text import BLANK_LINE


class ParagraphCollector:
    """Gathers paragraphs from a markup tree: inline text accumulates, block edges flush it.

    Notes are held back and become paragraphs of their own after the paragraph they sit
    in, so that a footnote never splits a sentence of the main text.
    """

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self._parts: list[str] = []
        self._notes: list[str] = []

    def add(self, text: str) -> None:
        self._parts.append(text)

    def note(self, text: str) -> None:
        text = normalise_text(text)
        if len(text) > 1 and text[0] == "[" and text[-1] == "]":
            text = text[1:-1].strip()
        if text:
            self._notes.append(text)

    def flush(self, *, loose: bool = False) -> None:
        """End the current paragraph; ``loose`` text (outside any paragraph element, as
        in draft TEI) is split at blank lines instead."""
        if self._parts:
            text = "".join(self._parts)
            self._parts.clear()
            blocks = BLANK_LINE.split(text) if loose else (text,)
            self.paragraphs.extend(
                paragraph for block in blocks if (paragraph := normalise_text(block))
            )
        if self._notes:
            self.paragraphs.extend(self._notes)
            self._notes.clear()
