"""write_tables' scan: the language of every token of a chunk, as Store.lang_of gives it."""

from __future__ import annotations

import numpy as np

from concord.lemmas import _token_langs


class _Paragraphs:
    """A store's paragraphs only: empty ones, and tokens before the first one."""

    para_tok = np.array([2, 2, 5, 5, 5, 9])
    para_lang = np.array([0, 1, 2, 3, 4, 5])

    def lang_of(self, positions):   # as concord.store.Store.lang_of
        return self.para_lang[np.searchsorted(self.para_tok, positions, side="right") - 1]


def test_token_langs_equal_lang_of_for_every_chunk():
    store = _Paragraphs()
    for a in range(12):
        for b in range(a + 1, 13):
            assert _token_langs(store, a, b).tolist() == store.lang_of(np.arange(a, b)).tolist()
    # by hand: tokens 0-1 precede the first paragraph (lang_of wraps to the last language)
    assert _token_langs(store, 0, 12).tolist() == [5, 5, 1, 1, 1, 4, 4, 4, 4, 5, 5, 5]
