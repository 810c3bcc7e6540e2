"""Tokens joined by one hyphen (concord.hyphens): found in a text, recorded in the store,
and the same as a brute-force reading of every stored text."""

from __future__ import annotations

import numpy as np
import pytest

from concord.analysis import fold, split_tokens
from concord.hyphens import HYPHENS, joined_in_text
from concord.index import open_index


@pytest.mark.parametrize(("text", "expected"), [
    ("Der Staats-kapitalismus", [1]),
    ("co-op-shop x", [0, 1]),
    ("x\u2010y x\u2011y", [0, 2]),         # hyphen, non-breaking hyphen
    ("x\u2012y x\u2013y x\u2014y", []),    # figure dash, en dash, em dash
    ("a - b a -b a- b a--b", []),          # not exactly one hyphen between two tokens
    ("ends with a-", []),
    ("-starts", []),
    ("no hyphen at all", []),
    ("Räte-Republik und Arbeiter-Räte", [0, 3]),
])
def test_joined_in_text(text, expected):
    _tokens, starts, ends = split_tokens(text)
    assert joined_in_text(text, starts, ends).tolist() == expected
    assert joined_in_text(text.encode("utf-8"), starts, ends).tolist() == expected


def brute_force(store) -> tuple[list[int], set[str]]:
    """Every position followed by exactly one hyphen and the next token, read from the text."""
    positions, forms = [], set()
    start, end, surf = np.asarray(store.start), np.asarray(store.end), np.asarray(store.surf)
    surfaces = store.surfaces.tolist()
    for doc in range(len(store.docs)):
        a, b = int(store.doc_tok[doc]), int(store.doc_tok[doc + 1])
        text = store.text(doc)
        for i in range(a, b - 1):
            if start[i + 1] == end[i] + 1 and text[end[i]] in HYPHENS:
                positions.append(i)
                forms.add(fold(surfaces[surf[i]]) + fold(surfaces[surf[i + 1]]))
    return positions, forms


@pytest.mark.parametrize("corpus", ["mini_index", "sample_index"])
def test_the_store_records_every_joined_pair(corpus, request):
    with open_index(request.getfixturevalue(corpus)) as ix:
        store = ix.store
        positions, forms = brute_force(store)
        assert np.asarray(store.joined_pos).tolist() == positions
        recorded = (store.path / "joined.txt").read_text("utf-8").split("\n")[:-1]
        assert recorded == sorted(forms)
    # The check compared something: the mini corpus writes "line-end" and
    # "state-capitalism" once each.
    assert len(positions) > 20 if corpus == "sample_index" else len(positions) == 2
