"""Numbering word forms given as code points, in bulk, exactly (the indexer's workers).

A :class:`FormTable` numbers distinct forms 0, 1, 2... in order of first occurrence, as a
``dict`` from string to number would, but takes a whole document's tokens at once as
arrays of code points and does its work with numpy: each form is hashed (64 bits) and looked
up in an open-addressing table, the forms it lacks are grouped by hash with one sort and
numbered, and then every token is compared, code point by code point, with the form its
number stands for. When two forms ever share a hash, :meth:`FormTable.number` says so
(None) and changes nothing, and the caller numbers that document another way: the numbers
are never a guess.
"""

from __future__ import annotations

import numpy as np

from .vocabulary import ranges

_EMPTY = np.uint64(0)
_weights = np.zeros(0, dtype=np.uint64)


def _place_weights(longest: int) -> np.ndarray:
    """Odd 64-bit weights for the places 0..longest-1 of a character in a form (and one
    for the length, first): splitmix64 of each place, the same whatever size it grows to."""
    global _weights
    if _weights.size < longest + 1:
        x = np.arange(1, max(longest + 1, 2 * _weights.size, 64) + 1, dtype=np.uint64)
        x *= np.uint64(0x9E3779B97F4A7C15)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
        _weights = x | np.uint64(1)
    return _weights


def form_hashes(chars: np.ndarray, lengths: np.ndarray, begin: np.ndarray,
                place: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each form: its length and code points, each times a weight for its
    place (wrapping arithmetic), never 0. Form ``i`` is ``chars[begin[i]:begin[i] +
    lengths[i]]`` (every length at least 1); ``place`` is each character's place in its form."""
    weights = _place_weights(int(lengths.max()))
    keys = np.add.reduceat(chars * weights[1:][place], begin)
    keys += lengths.astype(np.uint64) * weights[0]
    keys[keys == _EMPTY] = 1     # 0 marks an empty slot
    return keys


def _places(lengths: np.ndarray, begin: np.ndarray, total: int) -> np.ndarray:
    """The place of each character in its run, for runs of ``lengths`` (each at least 1)
    starting at ``begin`` and filling ``total`` characters (a cumulative sum: np.repeat
    is slow on short runs)."""
    steps = np.ones(total, dtype=np.int64)
    steps[0] = 0
    steps[begin[1:]] = 1 - lengths[:-1]
    return np.cumsum(steps, out=steps)


def _spread(values: np.ndarray, begin: np.ndarray, total: int) -> np.ndarray:
    """``np.repeat(values, lengths)`` for the runs of :func:`_places`."""
    steps = np.zeros(total, dtype=np.int64)
    steps[begin] = np.diff(values, prepend=0)
    return np.cumsum(steps, out=steps)


class FormTable:
    """Forms numbered in order of first occurrence; see the module's documentation."""

    def __init__(self) -> None:
        self.count = 0
        self._keys = np.zeros(1 << 12, dtype=np.uint64)        # hash of each slot, 0: empty
        self._values = np.zeros(1 << 12, dtype=np.int64)       # form number of each slot
        self._filled = 0
        self._points = np.zeros(1 << 16, dtype=np.uint32)      # code points of every form
        self._offsets = np.zeros(1 << 12, dtype=np.int64)      # where form i starts, ends

    def number(self, chars: np.ndarray, lengths: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray] | None:
        """Number the forms ``chars`` holds one after the other (``lengths`` code points
        each, at least 1), forms not seen before taking the next numbers.

        Returns the number of each form (int64) and the indexes of the forms that were
        new, in order; or None, with nothing changed, when a hash is shared by two forms.
        """
        n = lengths.size
        if not n:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        begin = np.cumsum(lengths) - lengths
        keys = form_hashes(chars, lengths, begin, _places(lengths, begin, chars.size))
        numbers = self._find(keys)
        # Forms the table lacks are new: grouped by hash (a stable sort keeps each group's
        # first form first) and numbered in order of first occurrence.
        unknown = np.flatnonzero(numbers < 0)
        order = np.argsort(keys[unknown], kind="stable")
        sorted_keys = keys[unknown][order]
        heads = np.ones(order.size, dtype=bool)
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=heads[1:])
        firsts = unknown[order[heads]]
        rank = np.argsort(firsts)
        new = firsts[rank]
        group_number = np.empty(new.size, dtype=np.int64)
        group_number[rank] = np.arange(self.count, self.count + new.size)
        numbers[unknown[order]] = group_number[np.cumsum(heads) - 1]
        # Exact before the table changes: every form has the length and code points of
        # the form its number stands for (the new ones appended to the points first).
        count = self.count
        self._append(chars[ranges(begin[new], lengths[new])], lengths[new])
        if not (np.array_equal(self.lengths(numbers), lengths) and np.array_equal(
                self._points[_spread(self._offsets[numbers] - begin, begin, chars.size)
                             + np.arange(chars.size)], chars)):
            self.count = count      # what was appended lies beyond the end, unused
            return None
        self._insert(sorted_keys[heads][rank], np.arange(count, count + new.size))
        return numbers, new

    def add(self, chars: np.ndarray, lengths: np.ndarray) -> None:
        """Append forms known by other means to be new, distinct and not in the table.

        Each hash no other form holds yet goes into the table, so that the table never
        takes a form it holds for a new one: a form is found by its hash, or its hash
        stands for another form and :meth:`number` declines.
        """
        if lengths.size:
            begin = np.cumsum(lengths) - lengths
            keys = form_hashes(chars, lengths, begin, _places(lengths, begin, chars.size))
            free = self._find(keys) < 0
            _unique, first = np.unique(keys, return_index=True)
            once = np.zeros(keys.size, dtype=bool)
            once[first] = True
            take = np.flatnonzero(free & once)
            self._insert(keys[take], self.count + take)
        self._append(chars, lengths)

    def lengths(self, ids: np.ndarray) -> np.ndarray:
        """The number of code points of each form of ``ids``."""
        return self._offsets[ids + 1] - self._offsets[ids]

    def _append(self, points: np.ndarray, lengths: np.ndarray) -> None:
        first, k = self.count, lengths.size
        end = int(self._offsets[first])
        need = end + points.size
        if need > self._points.size:
            grown = np.zeros(max(need, 2 * self._points.size), dtype=np.uint32)
            grown[:end] = self._points[:end]
            self._points = grown
        self._points[end:need] = points
        if first + k + 1 > self._offsets.size:
            grown = np.zeros(max(first + k + 1, 2 * self._offsets.size), dtype=np.int64)
            grown[:first + 1] = self._offsets[:first + 1]
            self._offsets = grown
        self._offsets[first + 1:first + k + 1] = end + np.cumsum(lengths)
        self.count += k

    # --- the open-addressing table (linear probing, at most half full) -----------------

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        bits = self._keys.size.bit_length() - 1
        return (keys >> np.uint64(64 - bits)).astype(np.int64)

    def _find(self, keys: np.ndarray) -> np.ndarray:
        """The number of each hash, -1 where the table lacks it."""
        slot = self._slots(keys)
        at = self._keys[slot]
        hit = at == keys
        found = np.where(hit, self._values[slot], -1)
        # The few keys not in their first slot, nor missing from it: probe on.
        pending = np.flatnonzero(~hit & (at != _EMPTY))
        mask = self._keys.size - 1
        slot = (slot[pending] + 1) & mask
        while pending.size:
            at = self._keys[slot]
            hit = at == keys[pending]
            found[pending[hit]] = self._values[slot[hit]]
            going = ~hit & (at != _EMPTY)
            pending, slot = pending[going], (slot[going] + 1) & mask
        return found

    def _insert(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Insert distinct hashes that the table lacks."""
        if not keys.size:
            return
        if 2 * (self._filled + keys.size) > self._keys.size:
            old = self._keys != _EMPTY
            old_keys, old_values = self._keys[old], self._values[old]
            size = self._keys.size
            while 2 * (self._filled + keys.size) > size:
                size *= 2
            self._keys = np.zeros(size, dtype=np.uint64)
            self._values = np.zeros(size, dtype=np.int64)
            self._filled = 0
            self._insert(old_keys, old_values)
        mask = self._keys.size - 1
        slot = self._slots(keys)
        while keys.size:
            free = self._keys[slot] == _EMPTY
            self._keys[slot[free]] = keys[free]       # of keys meeting in a slot, one wins
            won = free.copy()
            won[free] = self._keys[slot[free]] == keys[free]
            self._values[slot[won]] = values[won]
            self._filled += int(won.sum())
            going = ~won
            keys, values, slot = keys[going], values[going], (slot[going] + 1) & mask
