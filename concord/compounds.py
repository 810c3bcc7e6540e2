"""Closed compounds written with a hyphen: ``Staatskapitalismus`` also finds ``Staats-kapitalismus``.

German, Dutch and the Scandinavian languages write a compound closed or, especially in older
print, with a hyphen (Arbeiterräte / Arbeiter-Räte, klassestrijd / klasse-strijd). A hyphen
separates tokens, so the hyphenated spelling is two tokens. A one-word pattern therefore
also matches two adjacent tokens whose folded forms, concatenated, give the pattern, when
exactly one hyphen stands between them in the text. Both parts must be words of the corpus
(at least :data:`MIN_PART` letters each); a wildcard stays in the second part.

This module only reads the vocabulary and the stored text; the query layer decides when to
use it (default and fold modes; never in exact mode, where a spelling is matched as written).
"""

from __future__ import annotations

import numpy as np
import regex

HYPHENS = frozenset("-\u2010\u2011")
MIN_PART = 2
_WILD = regex.compile(r"[*?]")


def compound_splits(pattern: str, vocab) -> list[tuple[str, str]]:
    """Ways to read a folded one-word pattern as two words of the vocabulary.

    ``vocab`` is a sorted vocabulary with ``index(word)`` (None when absent) and
    ``range(lo, hi)``. The head is always a plain word; the tail keeps any wildcard.
    """
    wild = _WILD.search(pattern)
    literal = pattern[:wild.start()] if wild else pattern
    out: list[tuple[str, str]] = []
    for i in range(MIN_PART, len(literal) - MIN_PART + 1):
        head, tail = pattern[:i], pattern[i:]
        if vocab.index(head) is None:
            continue
        if wild:
            tail_literal = tail[:_WILD.search(tail).start()]
            lo, hi = vocab.range(tail_literal, tail_literal + "\U0010ffff")
            if lo == hi:
                continue
        elif vocab.index(tail) is None:
            continue
        out.append((head, tail))
    return out


def hyphen_joined(store, starts: np.ndarray) -> np.ndarray:
    """Which two-token hits at ``starts`` are written with exactly one hyphen between them."""
    starts = np.asarray(starts, dtype=np.int64)
    if not starts.size:
        return np.zeros(0, dtype=bool)
    gap_at = np.asarray(store.end[starts], dtype=np.int64)
    ok = (np.asarray(store.start[starts + 1], dtype=np.int64) - gap_at) == 1
    docs = store.doc_of(starts)
    for k in np.flatnonzero(ok).tolist():
        char = store.text(int(docs[k]), int(gap_at[k]), int(gap_at[k]) + 1)
        ok[k] = char in HYPHENS
    return ok
