"""Rank documents by BM25 over the token store's postings.

The score of a document is the BM25F of whoosh 2.7 (B = 0.75, K1 = 1.2, idf =
log(N / (df + 1)) + 1, the field length being the document's tokens): for each alternative
of the query (a word or a phrase of folded forms) that occurs in the document, the sum of
the scores of its words; alternatives add up. Unlike whoosh, which keeps a field length in
one byte, the length is exact. This module reads the store only and knows nothing of
queries' syntax, filters or pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import log

import numpy as np

B = 0.75
K1 = 1.2


def bm25_scores(store, alternatives: Sequence[tuple[Sequence[int], np.ndarray]],
                docs: np.ndarray) -> np.ndarray:
    """Score the store documents ``docs``.

    Each alternative is (folded ids of its words, a boolean mask over the store documents
    in which it occurs).
    """
    docs = np.asarray(docs, dtype=np.int64)
    scores = np.zeros(docs.size, dtype=np.float64)
    n_docs = store.n_docs
    if not docs.size or not n_docs:
        return scores
    lengths = store.doc_sizes
    avg = float(lengths.sum()) / n_docs or 1.0
    norm = K1 * ((1 - B) + B * lengths[docs] / avg)
    for term_ids, occurs in alternatives:
        inside = occurs[docs]
        if not inside.any():
            continue
        for term_id in term_ids:
            tf = store.doc_counts(int(term_id))[docs].astype(np.float64)
            idf = log(n_docs / (int(store.term_docs[int(term_id)]) + 1)) + 1
            scores += np.where(inside, idf * (tf * (K1 + 1)) / (tf + norm), 0.0)
    return scores


def rank(store, alternatives: Sequence[tuple[Sequence[int], np.ndarray]], docs: np.ndarray,
         limit: int) -> list[int]:
    """The ``limit`` best of ``docs`` that some alternative occurs in, best first (ties in
    store order)."""
    docs = np.asarray(docs, dtype=np.int64)
    if not alternatives or not docs.size:
        return []
    occurs = np.zeros(docs.size, dtype=bool)
    for _ids, mask in alternatives:
        occurs |= mask[docs]
    docs = docs[occurs]
    scores = bm25_scores(store, alternatives, docs)
    order = np.lexsort((docs, -scores))
    return docs[order][:limit].tolist()
