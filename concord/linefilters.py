"""Filters on a query's hits by what surrounds them, and the window they share with collocates.

A :class:`ContextFilter` keeps the hits whose context holds (or lacks) a word within ``left``
tokens before and ``right`` tokens after the match, as KonText's positive and negative
filters do; a matched ``form`` keeps the hits written exactly so (the rows of ``freq --by
form``). The window is the collocates' window (:func:`window_pairs`, used by
:func:`concord.stats.collocates` too): it stays inside the hit's document, may cross
paragraphs, and never counts a token that is itself part of a hit of the query. A context
word is one token: matched on folded forms (case and diacritics ignored, ``*`` and ``?``
wildcards) or, in ``exact`` mode, as written. So the concordance behind a collocate (its
node query with the collocate as context word, in the same window, language and filters)
holds exactly the lines the collocate's ``lines`` count, and its context words are exactly
the ``cooccurrences``. Nothing here parses queries or renders lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import regex

from .analysis import fold
from .errors import OptionError
from .hits import HitSet, _vocab_matches
from .index import CorpusIndex

#: The widest context window a filter may look at, each side.
MAX_WITHIN = 50
SIDES = ("both", "left", "right")
_WORD = regex.compile(r"[\p{L}\p{N}\p{M}*?]+")


@dataclass(frozen=True)
class ContextFilter:
    """Keep hits with ``word`` (or, with ``lacks``, without it) in the window around them."""

    word: str
    left: int = 5
    right: int = 5
    lacks: bool = False

    def describe(self) -> str:
        side = (f"within {self.left}" if self.left == self.right else
                f"within {self.left} left" if not self.right else
                f"within {self.right} right" if not self.left else
                f"within {self.left} left, {self.right} right")
        return f"context {'lacks' if self.lacks else 'has'} {self.word!r} {side}"


def context_window(within: str | int | None, side: str = "both") -> tuple[int, int]:
    """``(left, right)`` from ``N`` and a side, or from ``L,R`` (raises OptionError)."""
    if side not in SIDES:
        raise OptionError(f"unknown side {side!r}: use {', '.join(SIDES)}")
    text = "5" if within in (None, "") else str(within).strip()
    m = regex.fullmatch(r"(\d{1,3})(?:\s*,\s*(\d{1,3}))?", text)
    if not m:
        raise OptionError(f"bad window {text[:40]!r}: use N or L,R, e.g. 5 or 3,0")
    left = int(m.group(1))
    right = int(m.group(2)) if m.group(2) is not None else left
    if m.group(2) is not None and side != "both":
        raise OptionError("give the window as N with a side, or as L,R without one")
    if side == "left":
        right = 0
    elif side == "right":
        left = 0
    if left > MAX_WITHIN or right > MAX_WITHIN or left + right == 0:
        raise OptionError(f"the window must be 0..{MAX_WITHIN} words each side, not both 0")
    return left, right


def context_filter(word: str, within: str | int | None = None, side: str = "both", *,
                   lacks: bool = False) -> ContextFilter:
    """Check a context word and its window (raises OptionError)."""
    word = word.strip()
    if not _WORD.fullmatch(word):
        raise OptionError(f"a context word is one word (letters and digits, * and ? as "
                          f"wildcards), not {word[:40]!r}")
    left, right = context_window(within, side)
    return ContextFilter(word, left, right, lacks)


def node_positions(hits: HitSet) -> np.ndarray:
    """Every token position inside a hit, sorted and unique."""
    if not len(hits):
        return np.zeros(0, dtype=np.int64)
    starts = hits.starts.astype(np.int64)
    return np.unique(np.concatenate([(starts + j)[hits.lengths > j]
                                     for j in range(int(hits.lengths.max()))]))


def window_pairs(ix: CorpusIndex, hits: HitSet, left: int, right: int,
                 node: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(hit number, token position) of every context slot: ``left`` tokens before each hit
    and ``right`` after it, inside its document, leaving out positions inside any hit."""
    store = ix.store
    if not len(hits):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = hits.starts.astype(np.int64)
    ends = starts + hits.lengths
    doc_lo, doc_hi = store.doc_tok[hits.docs], store.doc_tok[hits.docs + 1]
    number = np.arange(len(hits), dtype=np.int64)
    idx_parts, pos_parts = [], []
    for k in range(1, left + 1):
        p = starts - k
        ok = p >= doc_lo
        idx_parts.append(number[ok])
        pos_parts.append(p[ok])
    for k in range(right):
        p = ends + k
        ok = p < doc_hi
        idx_parts.append(number[ok])
        pos_parts.append(p[ok])
    if not pos_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    idx, pos = np.concatenate(idx_parts), np.concatenate(pos_parts)
    node = node_positions(hits) if node is None else node
    outside = ~np.isin(pos, node)
    return idx[outside], pos[outside]


def word_units(ix: CorpusIndex, word: str, exact: bool) -> tuple[np.ndarray, np.ndarray]:
    """The ids a context word matches, and the per-token id array they index."""
    store = ix.store
    if exact:
        return _vocab_matches(word, store.surfaces), store.surf
    return _vocab_matches(fold(word), store.vocab), store.tok


@dataclass(frozen=True)
class Filtered:
    """Hits kept by line filters, with the context positions that matched a wanted word."""

    hits: HitSet
    marks: np.ndarray          # sorted global positions of matched context words
    context_hits: int          # how many distinct context tokens matched (each counted once)


def filter_lines(ix: CorpusIndex, hits: HitSet, contexts: Sequence[ContextFilter] = (), *,
                 form: str | None = None, exact: bool = False) -> Filtered:
    """Keep the hits that every context filter and the matched form allow."""
    marks = np.zeros(0, dtype=np.int64)
    if form is not None and len(hits):
        from .stats import hit_forms

        ids, forms = hit_forms(ix, hits)
        wanted = forms.index(form) if form in forms else -1
        hits = hits.take(np.flatnonzero(ids == wanted))
    if contexts and len(hits):
        node = node_positions(hits)
        keep = np.ones(len(hits), dtype=bool)
        found = []
        for c in contexts:
            idx, pos = window_pairs(ix, hits, c.left, c.right, node)
            ids, units = word_units(ix, c.word, exact)
            match = np.isin(np.asarray(units[pos]), ids) if pos.size else np.zeros(0, bool)
            has = np.zeros(len(hits), dtype=bool)
            has[idx[match]] = True
            keep &= ~has if c.lacks else has
            if not c.lacks:
                found.append((idx[match], pos[match]))
        chosen = np.flatnonzero(keep)
        if found:
            marks = np.unique(np.concatenate([p[keep[i]] for i, p in found]))
        hits = hits.take(chosen)
    return Filtered(hits, marks, int(marks.size))
