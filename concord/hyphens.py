"""Tokens joined by one hyphen, recorded when the store is written.

A closed compound is often written with a hyphen (``Staats-kapitalismus``, see
:mod:`concord.compounds`), which makes it two tokens. :func:`concord.store.write_store`
records, beside the store's other columns:

* ``joined_pos.npy``: the sorted positions of the tokens followed by exactly one hyphen
  character and then the next token of the same document;
* ``joined.txt`` (with ``joined.off.npy``): the sorted distinct folded forms such pairs
  spell when written closed (``staats`` + ``kapitalismus``: ``staatskapitalismus``).

The query layer checks a compound's two-token hits against the positions instead of reading
the text at each one, and ``concord kwic WORD --count``'s fast path
(:mod:`concord.quickcount`) knows from the forms whether a word can have hyphenated hits at
all. Both are functions of the documents alone, so an incremental build carries the
positions of unchanged documents over and writes the same bytes as a fresh one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

HYPHENS = frozenset("-\u2010\u2011")      # hyphen-minus, hyphen, non-breaking hyphen
_CODES = np.array(sorted(map(ord, HYPHENS)), dtype=np.uint32)
POSITIONS_FILE = "joined_pos.npy"
FORMS_FILE = "joined.txt"


def joined_in_text(text: str | bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The indexes ``i`` of the tokens of one document (character ``starts`` and ``ends``
    in ``text``) followed by exactly one hyphen character and then token ``i + 1``."""
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if starts.size < 2:
        return np.zeros(0, dtype=np.int64)
    gap = np.flatnonzero(starts[1:] - ends[:-1] == 1)
    if not gap.size:
        return gap
    if isinstance(text, bytes):
        if b"-" not in text and b"\xe2\x80\x90" not in text and b"\xe2\x80\x91" not in text:
            return np.zeros(0, dtype=np.int64)
        text = text.decode("utf-8")
    elif not any(h in text for h in HYPHENS):
        return np.zeros(0, dtype=np.int64)
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return gap[np.isin(points[ends[gap]], _CODES)]


def joined_forms(positions: np.ndarray, surf, surface_fold: np.ndarray,
                 vocab: Sequence[str]) -> list[str]:
    """The sorted distinct closed spellings (folded) of the hyphen-joined pairs at
    ``positions`` (``surf``: the surface id of every token)."""
    positions = np.asarray(positions, dtype=np.int64)
    if not positions.size:
        return []
    fold = np.asarray(surface_fold)
    pairs = np.stack([fold[np.asarray(surf[positions])], fold[np.asarray(surf[positions + 1])]], axis=1)
    pairs = np.unique(pairs, axis=0)
    return sorted({vocab[a] + vocab[b] for a, b in pairs.tolist()})


def is_joined(positions: np.ndarray | None, starts: np.ndarray) -> np.ndarray:
    """Which of ``starts`` are recorded ``positions`` (a token joined to the next by one hyphen)."""
    starts = np.asarray(starts, dtype=np.int64)
    if positions is None or not len(positions) or not starts.size:
        return np.zeros(starts.shape, dtype=bool)
    i = np.minimum(np.searchsorted(positions, starts), len(positions) - 1)
    return np.asarray(positions[i], dtype=np.int64) == starts


def save_positions(path: Path, parts: list[np.ndarray], n_tokens: int) -> np.ndarray:
    """Write the positions (parts in order) as ``joined_pos.npy``; return them."""
    positions = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    positions = positions.astype(np.uint32 if n_tokens < 2**32 else np.int64)
    np.save(path / POSITIONS_FILE, positions)
    return positions
