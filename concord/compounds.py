"""Closed compounds written with a hyphen: ``Staatskapitalismus`` also finds ``Staats-kapitalismus``.

German, Dutch and the Scandinavian languages write a compound closed or, especially in older
print, with a hyphen (Arbeiterräte / Arbeiter-Räte, klassestrijd / klasse-strijd). A hyphen
separates tokens, so the hyphenated spelling is two tokens. A one-word pattern therefore
also matches two adjacent tokens whose folded forms, concatenated, give the pattern, when
exactly one hyphen stands between them in the text. Both parts must be words of the corpus
(at least :data:`MIN_PART` letters each); a wildcard stays in the second part, after at
least :data:`MIN_WILD_TAIL` letters, and a tail whose literal letters begin more than
:data:`MAX_TAIL_FORMS` words of the vocabulary is not tried (it would expand to thousands
of forms).

This module only reads the vocabulary and the stored text; the query layer decides when to
use it (default and fold modes; never in exact mode, where a spelling is matched as written).
"""

from __future__ import annotations

import regex

MIN_PART = 2
MIN_WILD_TAIL = 3
MAX_TAIL_FORMS = 2000
_WILD = regex.compile(r"[*?]")


def compound_splits(pattern: str, vocab, joined=None) -> list[tuple[str, str]]:
    """Ways to read a folded one-word pattern as two words of the vocabulary.

    ``vocab`` is a sorted vocabulary with ``index(word)`` (None when absent) and
    ``range(lo, hi)``. The head is always a plain word; the tail keeps any wildcard.
    ``joined``, the same kind of list of the closed spellings of the corpus's hyphen-joined
    pairs (:mod:`concord.hyphens`), rules out at once a plain word that is not one of them:
    none of its splits could have a hit.
    """
    wild = _WILD.search(pattern)
    if joined is not None and not wild and joined.index(pattern) is None:
        return []
    literal = pattern[:wild.start()] if wild else pattern
    out: list[tuple[str, str]] = []
    for i in range(MIN_PART, len(literal) - MIN_PART + 1):
        head, tail = pattern[:i], pattern[i:]
        if vocab.index(head) is None:
            continue
        if wild:
            tail_literal = tail[:_WILD.search(tail).start()]
            if len(tail_literal) < MIN_WILD_TAIL:
                continue
            lo, hi = vocab.range(tail_literal, tail_literal + "\U0010ffff")
            if lo == hi or hi - lo > MAX_TAIL_FORMS:
                continue
        elif vocab.index(tail) is None:
            continue
        out.append((head, tail))
    return out
