"""Near-duplicate documents: the same text saved twice, with other boilerplate, or as an
excerpt of a longer document, found at index time so that it is counted once.

Each document's folded tokens are cut into overlapping shingles of ``SHINGLE`` tokens; a
shingle is kept in the document's sample when its hash is divisible by ``SAMPLE``. The
sample depends only on the shingle, so when text A is inside text B, A's sample is inside
B's sample: the share of A's sample found in B estimates the containment of A in B, which
finds excerpts (their Jaccard similarity with the whole is small, so MinHash's Jaccard
estimate would miss them). Documents are taken longest first; one whose containment in an
already kept document reaches ``CONTAINMENT`` joins that document's group, otherwise it is
kept. Translations share no shingles of words and are never grouped. This module only
computes groups; the indexer writes them and ``concord.hits`` leaves the members out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .vocabulary import distinct

SHINGLE = 5
SAMPLE = 8
MIN_SAMPLES = 8
CONTAINMENT = 0.8
DUPLICATES_FILE = "duplicates.json"


@dataclass(frozen=True)
class DuplicateGroup:
    """A kept document and the documents whose text it contains."""

    kept: str
    members: tuple[tuple[str, float], ...]   # (doc_id, containment in the kept document)

    def as_dict(self) -> dict:
        return {"kept": self.kept,
                "duplicates": [{"doc_id": d, "containment": round(c, 3)} for d, c in self.members]}


def settings() -> dict:
    return {"shingle": SHINGLE, "sample": SAMPLE, "min_samples": MIN_SAMPLES,
            "containment": CONTAINMENT}


def word_hashes(words) -> np.ndarray:
    """A 64-bit hash of each folded word, the same in every index and corpus check."""
    from hashlib import blake2b

    return np.fromiter((int.from_bytes(blake2b(w.encode("utf-8"), digest_size=8).digest(), "little")
                        for w in words), dtype=np.uint64)


CHUNK = 1 << 20   # shingles hashed at a time: memory stays bounded on a huge document


def shingle_sample(token_hashes: np.ndarray) -> np.ndarray:
    """The sorted distinct hashes of the sampled shingles of a sequence of word hashes."""
    ids = np.asarray(token_hashes)
    n = len(ids) - SHINGLE + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    parts = [_sample_chunk(ids[start:min(start + CHUNK, n) + SHINGLE - 1])
             for start in range(0, n, CHUNK)]
    return distinct(np.concatenate(parts)) if len(parts) > 1 else parts[0]


def _sample_chunk(ids: np.ndarray) -> np.ndarray:
    ids = ids.astype(np.uint64, copy=False)
    n = len(ids) - SHINGLE + 1
    with np.errstate(over="ignore"):
        # h = ((x0 + 1) * P + x1 + 1) * P + ... : the first step starts from x0 + 1.
        plus_one = ids + np.uint64(1)
        h = plus_one[:n].copy()
        for k in range(1, SHINGLE):
            h *= np.uint64(0x100000001B3)
            h += plus_one[k:k + n]
        del plus_one
        # A 64-bit finaliser (splitmix64), so that "divisible by SAMPLE" samples evenly.
        shifted = np.empty_like(h)
        for shift, factor in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB), (31, None)):
            np.right_shift(h, np.uint64(shift), out=shifted)
            h ^= shifted
            if factor is not None:
                h *= np.uint64(factor)
        if SAMPLE & (SAMPLE - 1) == 0:       # a power of two: a mask, not a division
            np.bitwise_and(h, np.uint64(SAMPLE - 1), out=shifted)
        else:
            np.remainder(h, np.uint64(SAMPLE), out=shifted)
    return distinct(h[shifted == 0])


def find_groups(doc_ids: Sequence[str], tokens_of: Callable[[int], np.ndarray],
                lengths: Sequence[int] | None = None,
                sample_of: Callable[[int], np.ndarray] | None = None) -> list[DuplicateGroup]:
    """Group documents whose text is (mostly) inside a longer document.

    ``tokens_of(i)`` gives the word hashes (``word_hashes``) of document ``i``'s folded
    tokens (any integer ids work, but only hashes give the same sample in every index). Groups come sorted by
    their kept document; members by doc id.

    Documents are taken longest first; one whose sample shares at least ``CONTAINMENT`` of
    its hashes with a document kept before it joins the kept document sharing most (the
    first kept of those tied), otherwise it is kept. The shared counts come from one table
    of every document's sample sorted by hash: a document's hashes lead to the runs of the
    table that share them, read with numpy gathers (no search, no per-hash Python).
    """
    if lengths is None:
        lengths = [len(tokens_of(i)) for i in range(len(doc_ids))]
    order = sorted(range(len(doc_ids)), key=lambda i: (-lengths[i], doc_ids[i]))
    samples = [sample_of(i) if sample_of is not None else shingle_sample(tokens_of(i)) for i in order]
    n_docs = len(samples)
    sizes = np.fromiter(map(len, samples), dtype=np.int64, count=n_docs)
    first = np.concatenate(([0], np.cumsum(sizes)))
    values = np.concatenate(samples) if samples else np.zeros(0, np.uint64)
    del samples                                      # held once, in ``values``
    # Every (hash, rank in ``order``) pair, sorted by hash; for each pair where it went
    # (``place``), and for each hash the run of pairs sharing it.
    by_hash = np.argsort(values)
    index_type = np.int32 if by_hash.size < 2**31 else np.int64
    table = values[by_hash]
    del values
    ranks = np.repeat(np.arange(n_docs, dtype=np.int32), sizes)[by_hash]
    place = np.empty(by_hash.size, dtype=index_type)
    place[by_hash] = np.arange(by_hash.size, dtype=index_type)
    del by_hash
    new = np.append(True, table[1:] != table[:-1]) if table.size else np.zeros(0, bool)
    del table
    run_of = np.cumsum(new, dtype=index_type)
    run_of -= 1
    run_start = np.flatnonzero(new).astype(index_type)
    del new
    run_size = np.diff(np.append(run_start, index_type(place.size)))
    kept = np.zeros(n_docs, dtype=bool)
    members: dict[int, list[tuple[str, float]]] = {}
    for rank, size in enumerate(sizes.tolist()):
        if size >= MIN_SAMPLES and rank:
            runs = run_of[place[first[rank]:first[rank + 1]]]
            runs = runs[run_size[runs] > 1]                 # hashes other documents have too
            counts = run_size[runs]
            at = np.repeat(run_start[runs] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
            # Hashes shared with each earlier document, counted for the kept ones only.
            shared = np.bincount(ranks[at], minlength=n_docs)[:rank]
            shared[~kept[:rank]] = 0
            best = int(np.argmax(shared))              # the first (earliest kept) of the best
            if shared[best]:
                containment = int(shared[best]) / size
                if containment >= CONTAINMENT:
                    members.setdefault(best, []).append((doc_ids[order[rank]], containment))
                    continue
        kept[rank] = True
    groups = [DuplicateGroup(doc_ids[order[k]], tuple(sorted(found)))
              for k, found in members.items()]
    return sorted(groups, key=lambda g: g.kept)


def store_groups(store) -> list[DuplicateGroup]:
    """Find the groups of a token store (``concord.store.Store``)."""
    from .store import column_file

    doc_ids = [d["doc_id"] for d in store.docs]
    bounds = store.doc_tok
    # The hash of each surface form's folded form; tokens read from the file, not its map
    # (a pass over the whole store would otherwise stay resident).
    hashes = word_hashes(store.vocab.tolist())[store.surface_fold]
    surf = column_file(store.path, "surf", np.int32)

    def tokens_of(i: int) -> np.ndarray:
        return hashes[surf[int(bounds[i]):int(bounds[i + 1])]]

    def sample_of(i: int) -> np.ndarray:
        # Chunk by chunk: a huge document never becomes one array.
        start, end = int(bounds[i]), int(bounds[i + 1])
        parts = [_sample_chunk(hashes[surf[a:min(a + CHUNK, end - SHINGLE + 1) + SHINGLE - 1]])
                 for a in range(start, end - SHINGLE + 1, CHUNK)]
        if not parts:
            return np.zeros(0, dtype=np.uint64)
        return distinct(np.concatenate(parts)) if len(parts) > 1 else parts[0]

    return find_groups(doc_ids, tokens_of, np.diff(bounds).tolist(), sample_of)


def duplicate_group(ix, doc_id: str) -> dict | None:
    """The near-duplicate group of a document in an open index, or None.

    ``{"kept": doc_id, "duplicates": [{"doc_id", "containment"}], "counted_once": bool}``:
    with ``counted_once`` the duplicates are left out of hits and totals.
    """
    for group in ix.duplicates["groups"]:
        if group["kept"] == doc_id or any(m["doc_id"] == doc_id for m in group["duplicates"]):
            return {**group, "counted_once": not ix.duplicates.get("keep_all")}
    return None


def summary(ix) -> dict:
    """How many groups and duplicates an index has, and whether they are counted once."""
    groups = ix.duplicates["groups"]
    return {"groups": len(groups), "documents": sum(len(g["duplicates"]) for g in groups),
            "counted_once": not ix.duplicates.get("keep_all"), "list": groups}
