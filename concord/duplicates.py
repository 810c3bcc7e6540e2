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

Only pairs where the later document shares ``CONTAINMENT`` of its sample with the earlier
one can decide a group. An index keeps every document's sample and those pairs beside its
store (:data:`SAMPLES_DIR`), so that an update computes the samples of its added and changed
documents alone, looks their hashes up in every sample, and takes the documents in turn again
over the pairs: the same groups as a computation from scratch, in a fraction of its time.

In an index the pairs are found in memory bounded whatever the corpus (:func:`blocked_pairs`):
the samples go to a file as they are made, and the documents, taken longest first, are cut
into tables of a few million hashes; every later document is looked up in each table in turn,
a group at a time. Neither step holds every document's sample (about a hash for every eight
tokens).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

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


#: Words of a vocabulary hashed at a time (:func:`vocabulary_hashes`).
HASH_WORDS = 1 << 16


def vocabulary_hashes(vocab) -> np.ndarray:
    """``word_hashes`` of every word of a store's vocabulary (``Store.vocab``), hashed from
    its file's UTF-8 bytes a slice of words at a time: never a list of the whole
    vocabulary's strings."""
    from hashlib import blake2b

    data, offsets = getattr(vocab, "_data", None), getattr(vocab, "_offsets", None)
    if data is None or not isinstance(offsets, np.ndarray):
        return word_hashes(vocab.tolist())
    out = np.empty(len(vocab), dtype=np.uint64)
    for a in range(0, len(vocab), HASH_WORDS):
        b = min(a + HASH_WORDS, len(vocab))
        words = bytes(data[int(offsets[a]):int(offsets[b])]).split(b"\n")[:-1]   # each ends a line
        out[a:b] = np.fromiter((int.from_bytes(blake2b(w, digest_size=8).digest(), "little")
                                for w in words), dtype=np.uint64, count=b - a)
    return out


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
    first kept of those tied), otherwise it is kept. Only the pairs where the later document
    shares that much with the earlier one can decide a group (:func:`deciding_pairs`);
    :func:`groups_from_pairs` takes the documents in turn over them.
    """
    if lengths is None:
        lengths = [len(tokens_of(i)) for i in range(len(doc_ids))]
    samples = [sample_of(i) if sample_of is not None else shingle_sample(tokens_of(i))
               for i in range(len(doc_ids))]
    ranks = rank_order(doc_ids, lengths)
    sizes = np.fromiter(map(len, samples), dtype=np.int64, count=len(samples))
    values = np.concatenate(samples) if samples else np.zeros(0, np.uint64)
    del samples                                      # held once, in ``values``
    pairs = deciding_pairs(values, np.concatenate(([0], np.cumsum(sizes))), ranks)
    return groups_from_pairs(doc_ids, sizes, ranks, pairs)


def rank_order(doc_ids: Sequence[str], lengths: Sequence[int]) -> np.ndarray:
    """Each document's rank when taken longest first (ties by doc id)."""
    order = sorted(range(len(doc_ids)), key=lambda i: (-lengths[i], doc_ids[i]))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks


def _deciding(later: np.ndarray, shared: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Which (later, earlier, shared) pairs can decide a group: the later document has enough
    samples to be judged and shares at least ``CONTAINMENT`` of them with the earlier one."""
    size = sizes[later]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (size >= MIN_SAMPLES) & (shared > 0) & (shared / np.maximum(size, 1) >= CONTAINMENT)


def deciding_pairs(values: np.ndarray, offsets: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Rows (later, earlier, shared hashes) of the document pairs that can decide a group,
    sorted; document ``i``'s sample is ``values[offsets[i]:offsets[i + 1]]`` and ``later`` is
    the document of higher rank.

    The shared counts come from one table of every document's sample sorted by hash: a
    document's hashes lead to the runs of the table that share them, read with numpy gathers
    (no search, no per-hash Python).
    """
    n_docs = len(offsets) - 1
    order = np.argsort(ranks)
    sizes = np.diff(offsets)
    # Every (hash, rank) pair, sorted by hash; for each pair where it went (``place``), and
    # for each hash the run of pairs sharing it.
    by_hash = np.argsort(values)
    index_type = np.int32 if by_hash.size < 2**31 else np.int64
    table = values[by_hash]
    rank_at = np.repeat(ranks.astype(np.int32), sizes)[by_hash]
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
    rows = []
    for rank, doc in enumerate(order.tolist()):
        size = int(sizes[doc])
        if size >= MIN_SAMPLES and rank:
            runs = run_of[place[offsets[doc]:offsets[doc + 1]]]
            runs = runs[run_size[runs] > 1]                 # hashes other documents have too
            counts = run_size[runs]
            at = np.repeat(run_start[runs] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
            # Hashes shared with each earlier document.
            shared = np.bincount(rank_at[at], minlength=n_docs)[:rank]
            earlier = np.flatnonzero(shared / size >= CONTAINMENT)
            if earlier.size:
                rows.append(np.stack([np.full(earlier.size, doc), order[earlier],
                                      shared[earlier]], axis=1))
    return _sorted_pairs(np.concatenate(rows) if rows else np.zeros((0, 3), np.int64))


#: Hashes of one table of :func:`blocked_pairs` at most (a document with more is a table
#: alone): the search holds about 30 bytes per hash of its table, whatever the corpus.
TABLE_HASHES = 1 << 21
#: Documents of one table at most, and of one group of documents looked up in it, whose
#: counts of shared hashes are one dense matrix.
TABLE_DOCS = 4096
PROBE_HASHES = 1 << 18
PROBE_DOCS = 256
#: Hash matches expanded into document pairs at a time.
EXPAND = 1 << 19


def blocked_pairs(sample_of: Callable[[int], np.ndarray], sizes: np.ndarray,
                  ranks: np.ndarray) -> np.ndarray:
    """:func:`deciding_pairs` in bounded memory, from ``sample_of(i)`` (document ``i``'s
    sample, sorted) read a block at a time: the same rows.

    The documents, in rank order, are cut into runs of consecutive ranks (tables: at most
    :data:`TABLE_HASHES` hashes and :data:`TABLE_DOCS` documents). For each table in turn,
    the documents of that rank and later are read a group at a time and their hashes looked
    up in the table's: every pair of documents is counted in the one table that holds the
    earlier, from all the later document's hashes, so a pair's count is complete where it
    is found. Memory: one table and one group, never every sample.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    order = np.argsort(ranks)
    runs = _runs(sizes[order], TABLE_HASHES, TABLE_DOCS)
    tables = [order[t0:t1] for t0, t1 in runs]

    def later_than(k: int) -> np.ndarray:
        # Documents of the table's rank and later, with enough samples to be judged.
        later = order[runs[k][0]:]
        return later[sizes[later] >= MIN_SAMPLES]

    rows = []
    for later, earlier, shared in _shared_blocks(sample_of, sizes, tables, later_than):
        if ranks[later[0]] <= ranks[earlier[-1]]:
            # Documents of the table's own run: only pairs whose earlier one comes first.
            shared[ranks[earlier][None, :] >= ranks[later][:, None]] = 0
        size = sizes[later][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            li, ek = np.nonzero((shared > 0) & (shared / size >= CONTAINMENT))
        if li.size:
            rows.append(np.stack([later[li], earlier[ek], shared[li, ek]], axis=1))
    return _sorted_pairs(np.concatenate(rows) if rows else np.zeros((0, 3), np.int64))


def _shared_blocks(sample_of: Callable[[int], np.ndarray], sizes: np.ndarray,
                   tables: Sequence[np.ndarray], probes_of: Callable[[int], np.ndarray]):
    """For each of ``tables`` (documents whose samples are held at once) and each group of its
    ``probes_of(k)`` (documents read a group at a time): the group, the table's documents
    and the hashes each document of the group shares with each of the table's (a matrix)."""
    for k, docs in enumerate(tables):
        values, owner = _read_samples(sample_of, docs, sizes)
        table = _HashTable(values, owner)
        del values, owner
        probes = probes_of(k)
        for p0, p1 in _runs(sizes[probes], PROBE_HASHES, PROBE_DOCS):
            group = probes[p0:p1]
            probe, probe_doc = _read_samples(sample_of, group, sizes)
            yield group, docs, _shared_counts(table, len(docs), probe, probe_doc, len(group))


def _read_samples(sample_of: Callable[[int], np.ndarray], docs: np.ndarray,
                  sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The samples of ``docs`` one after the other, and the position in ``docs`` of each
    hash's document."""
    values = np.empty(int(sizes[docs].sum()), dtype=np.uint64)
    at = 0
    for d in docs.tolist():
        sample = sample_of(d)
        values[at:at + len(sample)] = sample
        at += len(sample)
    return values, np.repeat(np.arange(len(docs), dtype=np.int32), sizes[docs])


def _runs(sizes: np.ndarray, max_hashes: int, max_docs: int) -> list[tuple[int, int]]:
    """Cut consecutive items of ``sizes`` into runs of at most ``max_docs`` items and
    ``max_hashes`` in all (an item larger than that is a run alone)."""
    runs, start, total = [], 0, 0
    for i, size in enumerate(np.asarray(sizes).tolist()):
        if i > start and (total + size > max_hashes or i - start >= max_docs):
            runs.append((start, i))
            start, total = i, 0
        total += size
    if start < len(sizes):
        runs.append((start, len(sizes)))
    return runs


class _HashTable:
    """Sorted hashes, each with its documents, looked up by the hash's top bits: a hash is
    found among the few of its bucket, not by a binary search of the whole table (random
    hashes spread evenly over the buckets)."""

    def __init__(self, values: np.ndarray, owner: np.ndarray):
        index_type = np.int32 if len(values) < 2**31 else np.int64
        by_hash = np.argsort(values)
        self.doc = owner[by_hash]
        values = values[by_hash]
        del by_hash
        new = np.empty(len(values), dtype=bool)
        new[:1] = True
        np.not_equal(values[1:], values[:-1], out=new[1:])
        self.start = np.flatnonzero(np.append(new, True)).astype(index_type)   # and the end
        del new
        self.hashes = values[self.start[:-1]]
        del values
        bits = max(1, len(self.hashes).bit_length() - 1)      # one or two hashes a bucket
        self.shift = np.uint64(64 - bits)
        self.bucket = np.zeros((1 << bits) + 1, dtype=index_type)
        np.cumsum(np.bincount((self.hashes >> self.shift).astype(np.intp), minlength=1 << bits),
                  out=self.bucket[1:])
        # Most hashes absent from the table are told by one look here.
        self.mark_shift = np.uint64(64 - bits - 2)
        self.marked = np.zeros(1 << (bits + 2), dtype=bool)
        self.marked[(self.hashes >> self.mark_shift).astype(np.intp)] = True

    def find(self, probe: np.ndarray) -> np.ndarray:
        """The index of each of ``probe`` in ``hashes``, or -1."""
        found = np.full(len(probe), -1, dtype=np.int64)
        maybe = np.flatnonzero(self.marked[(probe >> self.mark_shift).astype(np.intp)])
        found[maybe] = self._find(probe[maybe])
        return found

    def _find(self, probe: np.ndarray) -> np.ndarray:
        bucket = (probe >> self.shift).astype(np.intp)
        pos = self.bucket[bucket].astype(np.int64)
        end = self.bucket[bucket + 1]
        del bucket
        found = np.full(len(probe), -1, dtype=np.int64)
        active = np.flatnonzero(pos < end)
        while active.size:        # a bucket holds about one hash; rarely more than a few
            at = pos[active]
            value, wanted = self.hashes[at], probe[active]
            hit = value == wanted
            found[active[hit]] = at[hit]
            active = active[value < wanted]
            pos[active] += 1
            active = active[pos[active] < end[active]]
        return found


def _shared_counts(table: _HashTable, n_table: int, probe: np.ndarray, probe_doc: np.ndarray,
                   n_probe: int) -> np.ndarray:
    """Hashes shared by each probe document (rows) and table document (columns); each
    document's hashes are distinct."""
    run = table.find(probe)
    found = run >= 0
    run, probe_doc = run[found], probe_doc[found]
    lo = table.start[run].astype(np.int64)
    counts = table.start[run + 1] - lo
    del run, found
    out = np.zeros(n_probe * n_table, dtype=np.int64)
    ends = np.cumsum(counts)
    start = 0
    while start < len(counts):
        base = int(ends[start - 1]) if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + EXPAND, "right")))
        c = counts[start:stop]
        at = np.repeat(lo[start:stop] - np.cumsum(c) + c, c) + np.arange(int(ends[stop - 1]) - base)
        out += np.bincount(np.repeat(probe_doc[start:stop] * n_table, c) + table.doc[at],
                           minlength=n_probe * n_table)
        start = stop
    return out.reshape(n_probe, n_table)


def _sorted_pairs(pairs: np.ndarray) -> np.ndarray:
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 3)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def groups_from_pairs(doc_ids: Sequence[str], sizes: np.ndarray, ranks: np.ndarray,
                      pairs: np.ndarray) -> list[DuplicateGroup]:
    """The groups the rule gives, from the deciding pairs alone: documents in rank order; one
    with a kept earlier document among its pairs joins the one sharing most (the first kept
    of those tied), any other is kept (a document without pairs always is)."""
    kept = np.ones(len(doc_ids), dtype=bool)
    members: dict[int, list[tuple[str, float]]] = {}
    if len(pairs):
        pairs = pairs[np.lexsort((ranks[pairs[:, 1]], ranks[pairs[:, 0]]))]
        bounds = np.flatnonzero(np.diff(pairs[:, 0])) + 1
        for group in np.split(pairs, bounds):
            later = int(group[0, 0])
            best, best_shared = -1, 0
            for earlier, shared in group[:, 1:].tolist():
                if kept[earlier] and shared > best_shared:
                    best, best_shared = earlier, shared
            if best >= 0:
                kept[later] = False
                members.setdefault(best, []).append((doc_ids[later], best_shared / int(sizes[later])))
    groups = [DuplicateGroup(doc_ids[k], tuple(sorted(found))) for k, found in members.items()]
    return sorted(groups, key=lambda g: g.kept)


# --- in an index: samples and pairs kept beside the store for the next update ---------------

#: Folder beside the store with each document's sample and the deciding pairs, so that an
#: update computes the samples of its added and changed documents only.
SAMPLES_DIR = "duplicates.samples"
#: The samples are kept for the next update from this many tokens on. They take about one
#: byte a token (a sixth of the text's size); below this, computing them again in an update
#: costs about a second, and a small index stays small.
KEEP_SAMPLES_TOKENS = 20_000_000
#: Above this share of the hashes coming from added and changed documents, an update
#: computes the pairs of all documents at once (a table of every hash) instead.
UPDATE_SHARE = 0.25
#: Below this share of the tokens (or with fewer forms), an update hashes only the forms of
#: the documents it samples, not the whole vocabulary.
HASH_ALL_SHARE = 0.25
HASH_ALL_FORMS = 4096
_FORMAT = 1
_SAMPLES_HEADER = 128     # bytes of samples.npy's header (numpy's for a 1-d array of any length)


class _StoreSamples:
    """The samples of a store's documents, computed from its tokens on demand."""

    def __init__(self, store):
        from .store import column_file

        self.store = store
        self.bounds = np.asarray(store.doc_tok, dtype=np.int64)
        self.surf = column_file(store.path, "surf", np.int32)
        self._hashes: np.ndarray | None = None

    def hashes_of(self, docs: Sequence[int]) -> np.ndarray:
        """Word hashes per surface id; exact for the surfaces of ``docs`` (all of them when
        more than a few documents are asked for: hashing the whole vocabulary is cheaper then
        than finding the forms used)."""
        if self._hashes is not None:
            return self._hashes
        fold = np.asarray(self.store.surface_fold)
        tokens = int(sum(int(self.bounds[i + 1] - self.bounds[i]) for i in docs))
        if tokens >= HASH_ALL_SHARE * int(self.bounds[-1]) or len(fold) < HASH_ALL_FORMS:
            self._hashes = vocabulary_hashes(self.store.vocab)[fold]
            return self._hashes
        used = [distinct(np.asarray(self.surf[int(self.bounds[i]):int(self.bounds[i + 1])]))
                for i in docs]
        surfaces = distinct(np.concatenate(used)) if used else np.zeros(0, np.int32)
        folds = distinct(fold[surfaces])
        vocab = self.store.vocab
        hashes = np.zeros(len(fold), dtype=np.uint64)
        by_fold = dict(zip(folds.tolist(), word_hashes(vocab[int(f)] for f in folds).tolist(),
                           strict=True))
        hashes[surfaces] = np.fromiter((by_fold[f] for f in fold[surfaces].tolist()),
                                       dtype=np.uint64, count=len(surfaces))
        return hashes

    def sample(self, i: int, hashes: np.ndarray) -> np.ndarray:
        # Chunk by chunk: a huge document never becomes one array.
        start, end = int(self.bounds[i]), int(self.bounds[i + 1])
        surf = self.surf
        parts = [_sample_chunk(hashes[surf[a:min(a + CHUNK, end - SHINGLE + 1) + SHINGLE - 1]])
                 for a in range(start, end - SHINGLE + 1, CHUNK)]
        if not parts:
            return np.zeros(0, dtype=np.uint64)
        return distinct(np.concatenate(parts)) if len(parts) > 1 else parts[0]


def store_groups(store, cache: Path | None = None,
                 previous: Path | None = None) -> list[DuplicateGroup]:
    """Find the groups of a token store (``concord.store.Store``).

    With ``cache`` (a folder, :data:`SAMPLES_DIR` of a generation) each document's sample and
    the deciding pairs are written there. With ``previous`` (the previous generation's
    folder of them) the documents whose doc id, hash and length did not change keep their
    samples and their pairs with each other; only the others' samples are computed and
    compared with every document's. The groups, and the files written, are those of a
    computation from scratch.
    """
    doc_ids = [d["doc_id"] for d in store.docs]
    samples = _StoreSamples(store)
    lengths = np.diff(samples.bounds)
    ranks = rank_order(doc_ids, lengths.tolist())
    keys = [[d["doc_id"], d.get("hash"), int(n)] for d, n in zip(store.docs, lengths.tolist(), strict=True)]
    old = _load_cache(previous) if previous is not None and cache is not None else None
    if old is not None:
        done = _update(samples, keys, ranks, old, cache)
        if done is not None:
            sizes, pairs = done
            return groups_from_pairs(doc_ids, sizes, ranks, pairs)
    import tempfile

    sizes = np.zeros(len(doc_ids), dtype=np.int64)

    def computed(hashes: np.ndarray):
        for i in range(len(doc_ids)):
            sample = samples.sample(i, hashes)
            sizes[i] = len(sample)
            yield sample

    # The samples go to a file as they are made (the kept one, or a scratch one) and are read
    # back a block at a time: no step holds every document's.
    with tempfile.TemporaryDirectory(prefix="concord-samples-") as scratch:
        folder = cache if cache is not None else Path(scratch)
        _write_samples(folder, computed(samples.hashes_of(range(len(doc_ids)))), None, streamed=True)
        offsets = np.concatenate(([0], np.cumsum(sizes)))
        with open(folder / "samples.npy", "rb") as fh:
            pairs = blocked_pairs(_reader(fh, offsets), sizes, ranks)
    if cache is not None:
        _write_index(cache, keys, sizes, pairs)
    return groups_from_pairs(doc_ids, sizes, ranks, pairs)


def _load_cache(folder: Path) -> dict | None:
    """The previous generation's samples (mapped) and pairs, or None when absent or made with
    other settings (then everything is computed again)."""
    import json

    from .store import NpyColumn

    try:
        meta = json.loads((folder / "docs.json").read_text("utf-8"))
        if meta.get("format") != _FORMAT or meta.get("settings") != settings():
            return None
        offsets = np.load(folder / "offsets.npy")
        values = NpyColumn(folder / "samples.npy")      # read with file reads, not mapped
        pairs = np.load(folder / "pairs.npy")
    except (OSError, ValueError, KeyError, IndexError):
        return None
    if len(offsets) != len(meta["docs"]) + 1 or len(values) != offsets[-1] or pairs.ndim != 2:
        return None
    return {"docs": meta["docs"], "offsets": offsets, "values": values, "pairs": pairs}


def _update(samples: _StoreSamples, keys: list[list], ranks: np.ndarray, old: dict,
            cache: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Sizes and deciding pairs from the previous generation's samples and pairs plus the
    changed documents' (written to ``cache``); None when too much changed to be worth it."""
    was = {tuple(k): j for j, k in enumerate(old["docs"]) if k[1] is not None}
    old_of = np.array([was.get(tuple(k), -1) for k in keys], dtype=np.int64)
    fresh = np.flatnonzero(old_of < 0)
    hashes = samples.hashes_of(fresh.tolist())
    new_samples = {int(i): samples.sample(int(i), hashes) for i in fresh}
    old_offsets = old["offsets"]
    sizes = np.where(old_of >= 0, old_offsets[old_of + 1] - old_offsets[np.maximum(old_of, 0)], 0)
    for i, sample in new_samples.items():
        sizes[i] = len(sample)
    total = int(sizes.sum())
    if sum(map(len, new_samples.values())) > UPDATE_SHARE * total:
        return None
    # The new samples file: runs of unchanged documents copied from the old one.
    old_values = old["values"]

    def pieces():
        i, n = 0, len(keys)
        while i < n:
            if old_of[i] < 0:
                yield new_samples[i]
                i += 1
                continue
            j = i
            while j + 1 < n and old_of[j + 1] == old_of[j] + 1:
                j += 1
            for a in range(int(old_offsets[old_of[i]]), int(old_offsets[old_of[j] + 1]), CHUNK):
                yield old_values[a:min(a + CHUNK, int(old_offsets[old_of[j] + 1]))]
            i = j + 1

    _write_samples(cache, pieces(), total)
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    # Pairs of two unchanged documents stand; those of a changed one are found again.
    old_pairs = old["pairs"]
    new_of = np.full(len(old["docs"]) + 1, -1, dtype=np.int64)
    new_of[old_of[old_of >= 0]] = np.flatnonzero(old_of >= 0)
    kept_pairs = np.stack([new_of[old_pairs[:, 0]], new_of[old_pairs[:, 1]], old_pairs[:, 2]], axis=1) \
        if len(old_pairs) else np.zeros((0, 3), np.int64)
    kept_pairs = kept_pairs[(kept_pairs[:, 0] >= 0) & (kept_pairs[:, 1] >= 0)]
    with open(cache / "samples.npy", "rb") as fh:
        found = _pairs_with(_reader(fh, offsets), fresh, ranks, sizes)
    pairs = _sorted_pairs(np.concatenate([kept_pairs, found]))
    _write_index(cache, keys, sizes, pairs)
    return sizes, pairs


def _pairs_with(sample_of: Callable[[int], np.ndarray], fresh: np.ndarray, ranks: np.ndarray,
                sizes: np.ndarray) -> np.ndarray:
    """The deciding pairs that involve a document of ``fresh``: the fresh documents' samples
    are the tables (:func:`_shared_blocks`) in which every document's are looked up."""
    if not fresh.size:
        return np.zeros((0, 3), np.int64)
    sizes = np.asarray(sizes, dtype=np.int64)
    tables = [fresh[t0:t1] for t0, t1 in _runs(sizes[fresh], TABLE_HASHES, TABLE_DOCS)]
    everyone = np.flatnonzero(sizes > 0)
    is_fresh = np.zeros(len(sizes), dtype=bool)
    is_fresh[fresh] = True
    rows = []
    for docs, owners, shared in _shared_blocks(sample_of, sizes, tables, lambda _k: everyone):
        # A pair of two fresh documents is found from both sides: counted once, from the
        # higher index; a document shares nothing with itself.
        shared[(docs[:, None] <= owners[None, :]) & is_fresh[docs][:, None]] = 0
        a, b = np.nonzero(shared)
        a, b, count = docs[a], owners[b], shared[a, b]
        later = np.where(ranks[a] > ranks[b], a, b)
        earlier = np.where(ranks[a] > ranks[b], b, a)
        deciding = _deciding(later, count, sizes)
        rows.append(np.stack([later[deciding], earlier[deciding], count[deciding]], axis=1))
    return np.concatenate(rows).astype(np.int64) if rows else np.zeros((0, 3), np.int64)


def _reader(fh, offsets: np.ndarray) -> Callable[[int], np.ndarray]:
    """Document ``i``'s sample read from an open ``samples.npy`` (file reads, not a map)."""
    import os

    def sample_of(i: int) -> np.ndarray:
        a, b = int(offsets[i]), int(offsets[i + 1])
        return np.frombuffer(os.pread(fh.fileno(), 8 * (b - a), _SAMPLES_HEADER + 8 * a), dtype="<u8")

    return sample_of


def _write_samples(folder: Path, parts, total: int | None = None, *, streamed: bool = False) -> None:
    """``samples.npy``: the documents' samples one after the other, written part by part.

    ``streamed``: ``parts`` is consumed once, as it is written, and the header's length is
    written last (numpy leaves room in a header for its length to grow, so the file is the
    one written with the total known)."""
    from numpy.lib import format as npy

    def header(fh, n: int) -> None:
        npy.write_array_header_1_0(fh, {"descr": npy.dtype_to_descr(np.dtype("<u8")),
                                        "fortran_order": False, "shape": (int(n),)})

    if total is None and not streamed:
        parts = list(parts)
        total = sum(len(p) for p in parts)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "samples.npy", "wb") as fh:
        header(fh, total or 0)
        start, written = fh.tell(), 0
        for part in parts:
            written += len(part)
            for a in range(0, len(part), CHUNK):      # a memory-mapped run: bounded copies
                fh.write(np.ascontiguousarray(part[a:a + CHUNK], dtype="<u8").tobytes())
        if streamed:
            fh.seek(0)
            header(fh, written)
            if fh.tell() != start:
                raise AssertionError("the samples' header changed length")
    if start != _SAMPLES_HEADER:
        raise AssertionError(f"the samples' header takes {start} bytes, not {_SAMPLES_HEADER}")


def _write_index(folder: Path, keys: list[list], sizes: np.ndarray, pairs: np.ndarray) -> None:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "offsets.npy", np.concatenate(([0], np.cumsum(sizes))).astype(np.int64))
    np.save(folder / "pairs.npy", np.ascontiguousarray(pairs, dtype=np.int64))
    (folder / "docs.json").write_text(json.dumps({"format": _FORMAT, "settings": settings(),
                                                  "docs": keys}, ensure_ascii=False), "utf-8")


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
