"""Word lists as numpy data: the sorted union of several vocabularies and each one's ids in it.

The store numbers its forms in sorted order (code point order, which is the byte order of
their UTF-8). When a store is written from pieces, each with its own vocabulary, the global
vocabulary is the sorted union of theirs and every piece needs the global id of each of its
forms. Done with Python strings (sets, ``sorted``, a dict look-up per form and piece) that
is most of the cost of writing a store; here words are fixed-width byte keys (their first
``WIDTH`` bytes of UTF-8) that numpy sorts, deduplicates and searches in C. The rare longer
words are handled whole in Python and slotted in where their keys say. This module knows
nothing of stores or pieces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

WIDTH = 24                 # UTF-8 bytes of a word compared by numpy
MERGE_BYTES = 16 << 20     # keys gathered before they are merged into the union so far
CHUNK = 1 << 16            # words turned into keys at a time


def _key() -> np.dtype:
    return np.dtype(f"S{WIDTH}")


@dataclass
class Words:
    """Distinct words: ``keys`` (first WIDTH bytes), ``lengths`` (bytes) and ``long``
    (index -> whole UTF-8) for the words longer than WIDTH bytes."""

    keys: np.ndarray
    lengths: np.ndarray
    long: dict[int, bytes]

    def __len__(self) -> int:
        return int(self.keys.size)

    @classmethod
    def from_blob(cls, blob: bytes) -> Words:
        """Words from their UTF-8, separated (or ended) by newlines."""
        data = np.frombuffer(blob, dtype=np.uint8)
        if not data.size:
            return cls(np.zeros(0, _key()), np.zeros(0, np.int64), {})
        ends = np.flatnonzero(data == 10)
        if not ends.size or ends[-1] != data.size - 1:
            ends = np.append(ends, data.size)
        starts = np.concatenate(([0], ends[:-1] + 1))
        lengths = ends - starts
        keys = np.zeros((lengths.size, WIDTH), dtype=np.uint8)
        columns = np.arange(WIDTH)
        for a in range(0, lengths.size, CHUNK):       # bounded temporaries
            b = min(lengths.size, a + CHUNK)
            take = np.minimum(starts[a:b, None] + columns, data.size - 1)
            keys[a:b] = np.where(columns < lengths[a:b, None], data[take], 0)
        long = {int(i): blob[int(starts[i]):int(ends[i])] for i in np.flatnonzero(lengths > WIDTH)}
        return cls(keys.view(_key()).reshape(-1), lengths, long)

    @classmethod
    def from_list(cls, words: Sequence[str]) -> Words:
        return cls.from_blob("\n".join(words).encode("utf-8")) if len(words) else cls.from_blob(b"")

    def take(self, ids: np.ndarray) -> Words:
        """The words ``ids`` (sorted), renumbered from 0."""
        ids = np.asarray(ids, dtype=np.int64)
        lengths = self.lengths[ids]
        long = {k: self.long[int(i)] for k, i in enumerate(ids.tolist()) if lengths[k] > WIDTH}
        return Words(self.keys[ids], lengths, long)

    def sorted_keys(self) -> SortedKeys:
        """The same words as :class:`SortedKeys` (their keys sorted once)."""
        short = np.flatnonzero(self.lengths <= WIDTH)
        keys = self.keys[short]
        order = np.argsort(keys, kind="stable")    # a word list in order: one linear pass
        return SortedKeys(keys[order], short[order].astype(np.int64), dict(self.long), len(self))


@dataclass
class SortedKeys:
    """A word list ready to merge: the keys of its short words sorted (``keys``), the
    index in the list of each (``ids``), and its long words whole (``long``: index ->
    UTF-8). Sorted keys merge as sorted runs and find their ids in a union by one search
    of sorted needles, without sorting again."""

    keys: np.ndarray
    ids: np.ndarray
    long: dict[int, bytes]
    n: int

    def __len__(self) -> int:
        return self.n

    def take(self, mask: np.ndarray) -> SortedKeys:
        """The words where ``mask`` (over the list) is set, keeping their indexes."""
        mask = np.asarray(mask, dtype=bool)
        keep = mask[self.ids]
        return SortedKeys(self.keys[keep], self.ids[keep],
                          {i: w for i, w in self.long.items() if mask[i]}, self.n)

    FILES = ("keys", "ids", "long")

    def save(self, path: str) -> None:
        """Write ``<path>.keys.npy``, ``<path>.ids.npy`` and ``<path>.long.npy`` (the long
        words in index order)."""
        np.save(f"{path}.keys.npy", self.keys)
        np.save(f"{path}.ids.npy", self.ids.astype(np.int32))
        np.save(f"{path}.long.npy", np.array([self.long[i] for i in sorted(self.long)], dtype=bytes))

    @classmethod
    def load(cls, path: str, n: int) -> SortedKeys | None:
        """Read what :meth:`save` wrote for a list of ``n`` words (None if it is missing or
        of another key width)."""
        try:
            keys = np.load(f"{path}.keys.npy")
            ids = np.load(f"{path}.ids.npy").astype(np.int64)
            long_words = np.load(f"{path}.long.npy")
        except FileNotFoundError:
            return None
        if keys.dtype != _key() or ids.size + long_words.size != n:
            return None
        long: dict[int, bytes] = {}
        if long_words.size:
            is_long = np.ones(n, dtype=bool)
            is_long[ids] = False
            long = dict(zip(np.flatnonzero(is_long).tolist(), long_words.tolist(), strict=True))
        return cls(keys, ids, long, n)


@dataclass
class Union:
    """The sorted union of several word lists: short words (``short``, sorted keys) and long
    ones (``long``, sorted), long word j standing just before short word ``slot[j]``."""

    short: np.ndarray
    long: list[bytes]
    slot: np.ndarray

    def __len__(self) -> int:
        return int(self.short.size) + len(self.long)

    def ids(self, words: Words | SortedKeys) -> np.ndarray:
        """The id in the union of each of ``words`` (each must be in it; for
        :class:`SortedKeys`, -1 for the words a :meth:`SortedKeys.take` left out)."""
        if isinstance(words, SortedKeys):
            out = np.full(words.n, -1, dtype=np.int64)
            i = np.searchsorted(self.short, words.keys)     # sorted needles: one pass
            out[words.ids] = i + np.searchsorted(self.slot, i, side="right")
            if words.long:
                where = {w: int(self.slot[j]) + j for j, w in enumerate(self.long)}
                for k, w in words.long.items():
                    out[k] = where[w]
            return out
        out = np.empty(len(words), dtype=np.int64)
        is_short = words.lengths <= WIDTH
        keys = words.keys[is_short]
        order = np.argsort(keys)                  # sorted needles: a cache-friendly search
        i = np.empty(keys.size, dtype=np.int64)
        i[order] = np.searchsorted(self.short, keys[order])
        out[is_short] = i + np.searchsorted(self.slot, i, side="right")
        if words.long:
            where = {w: int(self.slot[j]) + j for j, w in enumerate(self.long)}
            for k, w in words.long.items():
                out[k] = where[w]
        return out

    def blob(self) -> bytes:
        """The words in order, each followed by a newline, as UTF-8."""
        short = self.short.tolist()            # bytes, without the padding
        if self.long:
            merged: list[bytes] = []
            last = 0
            for j, w in enumerate(self.long):
                merged.extend(short[last:int(self.slot[j])])
                merged.append(w)
                last = int(self.slot[j])
            merged.extend(short[last:])
            short = merged
        return b"\n".join(short) + b"\n" if short else b""


def ranges(lo: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``lo[k], lo[k] + 1, ..., lo[k] + counts[k] - 1`` for every k, concatenated."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) + np.repeat(lo - (np.cumsum(counts) - counts), counts)


def distinct(keys: np.ndarray, runs: bool = False) -> np.ndarray:
    """The sorted distinct keys (np.unique would hash byte strings: slower than a sort).
    With ``runs`` the keys are sorted runs, which a stable sort (timsort) merges."""
    keys = np.sort(keys, kind="stable" if runs else None)
    return keys[np.append(True, keys[1:] != keys[:-1])] if keys.size else keys


def union(lists: Iterable[Words | SortedKeys]) -> Union:
    """The sorted union of word lists, merged a few lists at a time (bounded memory)."""
    short = np.zeros(0, _key())
    pending: list[np.ndarray] = []
    n_pending = 0
    long: set[bytes] = set()
    runs = True
    for words in lists:
        if isinstance(words, SortedKeys):
            pending.append(words.keys)
        else:
            runs = False
            pending.append(words.keys[words.lengths <= WIDTH])
        n_pending += pending[-1].size
        long.update(words.long.values())
        if n_pending * WIDTH >= max(MERGE_BYTES, short.nbytes):
            short = _merged(short, pending, runs)
            pending, n_pending = [], 0
    if pending:
        short = _merged(short, pending, runs)
    long_sorted = sorted(long)
    prefixes = np.array([w[:WIDTH] for w in long_sorted], dtype=_key())
    # A long word follows every short word its first WIDTH bytes are equal to or above.
    slot = np.searchsorted(short, prefixes, side="right") if long_sorted else np.zeros(0, np.int64)
    return Union(short, long_sorted, slot)


def _merged(short: np.ndarray, pending: list[np.ndarray], runs: bool) -> np.ndarray:
    """:func:`distinct` of the keys ``short`` and ``pending``, sorted in place (one copy of
    them all at a time, not three)."""
    keys = np.concatenate([short, *pending])
    keys.sort(kind="stable" if runs else None)
    return keys[np.append(True, keys[1:] != keys[:-1])] if keys.size else keys


def char_lengths(blob: bytes) -> np.ndarray:
    """The length in characters of each newline-ended word of a UTF-8 blob."""
    data = np.frombuffer(blob, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    chars = np.cumsum((data & 0xC0) != 0x80)      # newlines count as one character each
    before = np.concatenate(([0], chars[ends[:-1]])) if ends.size else np.zeros(0, np.int64)
    return chars[ends] - before - 1 if ends.size else np.zeros(0, np.int64)
