"""Find every hit of a query: token positions from the engine, checked against the token store.

For each alternative the rarest slot is looked up in the engine's postings (restricted to
the documents the filters allow); the other slots, the exact surface forms (mode
``exact``), the paragraph language (concept forms, ``lang:`` filters) and document bounds
are then checked with vectorised look-ups in the token store. A hit is a run of adjacent
token positions ``[start, start + length)`` in the store's global numbering.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import regex

from .analysis import SNOWBALL, fold, stem_words
from .errors import OptionError, QueryTimeout
from .index import CorpusIndex
from .query import Alternative, Filters, ParsedQuery

MODES = ("default", "exact", "stem")
MAX_EXPANSION = 5000


@dataclass(frozen=True)
class HitSet:
    """All hits of a query, in corpus order: global start positions and lengths."""

    starts: np.ndarray
    lengths: np.ndarray
    docs: np.ndarray           # store document index of each hit

    def __len__(self) -> int:
        return int(self.starts.size)

    @cached_property
    def n_docs(self) -> int:
        docs = self.docs
        if docs.size and np.all(docs[1:] >= docs[:-1]):   # hits in corpus order
            return int(np.count_nonzero(np.diff(docs))) + 1
        return int(np.unique(docs).size)

    def take(self, idx: np.ndarray) -> HitSet:
        return HitSet(self.starts[idx], self.lengths[idx], self.docs[idx])


def allowed_docs(ix: CorpusIndex, filters: Filters) -> np.ndarray | None:
    """Return a boolean mask of the store documents the filters allow, or None for all."""
    store = ix.store
    mask = np.ones(len(store.docs), dtype=bool)
    restricted = False
    duplicates = ix.duplicate_mask()
    if duplicates is not None and not filters.doc_ids:  # near-duplicates count once (issue 15)
        mask &= ~duplicates
        restricted = True
    if filters.year_from is not None or filters.year_to is not None:
        years = store.doc_year
        lo = filters.year_from if filters.year_from is not None else -10**9
        hi = filters.year_to if filters.year_to is not None else 10**9
        mask &= (years >= lo) & (years <= hi) & (years >= 0)
        restricted = True
    for key, values, how in (("author", filters.authors, "contains"), ("group", filters.groups, "equals"),
                             ("work", filters.works, "equals"), ("doc_id", filters.doc_ids, "equals")):
        if not values:
            continue
        wanted = [fold(v) for v in values]
        ok = np.array([_matches(fold(d.get(key) or ""), wanted, how) for d in store.docs], dtype=bool)
        mask &= ok
        restricted = True
    if filters.langs:
        lang_ids = [store.lang_ids[c] for c in filters.langs if c in store.lang_ids]
        has = np.zeros(len(store.docs), dtype=bool)
        if lang_ids:
            para_ok = np.isin(store.para_lang, lang_ids)
            has[np.unique(store.para_doc[para_ok])] = True
        mask &= has
        restricted = True
    return mask if restricted else None


def _matches(value: str, wanted: list[str], how: str) -> bool:
    if how == "contains":
        return any(w in value for w in wanted)
    return value in wanted


class Resolver:
    """Turn token patterns into sets of folded-form ids, per match mode."""

    def __init__(self, ix: CorpusIndex, mode: str):
        if mode not in MODES:
            raise OptionError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        self.ix = ix
        self.store = ix.store
        self.mode = mode

    def folded_ids(self, pattern: str, lang: str | None = None) -> np.ndarray:
        """Folded-form ids a slot may match (a superset in exact mode)."""
        store = self.store
        if self.mode == "stem" and lang is not None and not _is_wild(pattern):
            return _stem_candidates(store, lang, stem_words([fold(pattern)], lang)[0])
        return _vocab_matches(fold(pattern), store.vocab)

    def surface_ids(self, pattern: str) -> np.ndarray:
        """Surface-form ids matching a slot as written (exact mode)."""
        store = self.store
        return _vocab_matches(pattern, store.surfaces)


def _is_wild(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _vocab_matches(pattern: str, vocab) -> np.ndarray:
    """Ids of the words of a sorted vocabulary that match a pattern (with * and ?)."""
    if not _is_wild(pattern):
        i = vocab.index(pattern)
        return np.array([] if i is None else [i], dtype=np.int64)
    prefix = regex.split(r"[*?]", pattern, maxsplit=1)[0]
    lo, hi = vocab.range(prefix, prefix + "\U0010ffff") if prefix else (0, len(vocab))
    rx = regex.compile(regex.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))
    ids = [i for i in range(lo, hi) if rx.fullmatch(vocab[i])]
    if len(ids) > MAX_EXPANSION:
        raise OptionError(f"{pattern!r} matches {len(ids)} different words (the limit is "
                          f"{MAX_EXPANSION}); make the pattern more specific")
    return np.asarray(ids, dtype=np.int64)


_STEM_TABLES: dict[tuple[str, str], tuple[object, np.ndarray]] = {}


def _stem_table(store, lang: str):
    """Return (sorted stems, stem number of every folded form) for one language.

    Computed once per store and language from the whole vocabulary, then kept on disk in
    the store's folder (written atomically: the store is otherwise immutable, and two
    processes computing the same table write the same bytes).
    """
    from .store import SortedWords, load_npy, write_words

    cache_key = (str(store.path), lang)
    table = _STEM_TABLES.get(cache_key)
    if table is not None:
        return table
    words_path = store.path / f"stems-{lang}.txt"
    groups_path = store.path / f"stems-{lang}.npy"
    if not (words_path.exists() and groups_path.exists()):
        # Only the forms used in paragraphs of this language are stemmed (-1 for the rest).
        ids = _language_vocabulary(store, lang)
        vocab = store.vocab
        words = [vocab[i] for i in ids.tolist()]
        stems = stem_words(words, lang) if lang in SNOWBALL else words
        unique = sorted(set(stems))
        number = {stem: i for i, stem in enumerate(unique)}
        groups = np.full(len(vocab), -1, dtype=np.int32)
        groups[ids] = np.fromiter((number[stem] for stem in stems), dtype=np.int32, count=len(stems))
        tmp = f".{os.getpid()}-{threading.get_ident()}.tmp"
        write_words(store.path / f"stems-{lang}{tmp}.txt", unique)
        np.save(store.path / f"stems-{lang}{tmp}.npy", groups)
        os.replace(store.path / f"stems-{lang}{tmp}.off.npy", store.path / f"stems-{lang}.off.npy")
        os.replace(store.path / f"stems-{lang}{tmp}.npy", groups_path)
        os.replace(store.path / f"stems-{lang}{tmp}.txt", words_path)
    table = (SortedWords(words_path), load_npy(groups_path))
    if len(_STEM_TABLES) > 64:
        _STEM_TABLES.clear()
    _STEM_TABLES[cache_key] = table
    return table


def _language_vocabulary(store, lang: str) -> np.ndarray:
    """Ids of the folded forms that occur in paragraphs of ``lang``."""
    paras = np.flatnonzero(store.para_lang == store.lang_ids[lang])
    seen = np.zeros(len(store.vocab), dtype=bool)
    tok = store.tok
    for p in paras.tolist():
        seen[tok[int(store.para_tok[p]):int(store.para_tok[p + 1])]] = True
    return np.flatnonzero(seen)


def _stem_candidates(store, lang: str, key: str) -> np.ndarray:
    """Folded-form ids whose stem in ``lang`` is ``key`` (the stem of a folded form)."""
    stems, groups = _stem_table(store, lang)
    number = stems.index(key)
    if number is None:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.asarray(groups) == number).astype(np.int64)


def find_hits(ix: CorpusIndex, parsed: ParsedQuery, *, mode: str = "default",
              filters: Filters | None = None, deadline: float | None = None) -> HitSet:
    """Return every hit of ``parsed`` that the filters allow, in corpus order."""
    store = ix.store
    filters = parsed.filters.merge(filters) if filters is not None else parsed.filters
    resolver = Resolver(ix, mode)
    mask = allowed_docs(ix, filters)
    if parsed.exclude:
        excluded = _docs_with(ix, resolver, parsed.exclude, _docnum_set(store, mask), deadline)
        mask = (mask if mask is not None else np.ones(len(store.docs), bool)) & ~excluded
    lang_ids = None
    if filters.langs:
        lang_ids = np.array([store.lang_ids[c] for c in filters.langs if c in store.lang_ids], dtype=np.int64)
    allowed_docnums = _docnum_set(store, mask)   # once, not per alternative and language
    langs_needed = [None]
    if mode == "stem":
        langs_needed = list(store.langs)
    starts_parts, lengths_parts = [], []
    for alt in parsed.alternatives:
        alt_langs = [alt.lang] if alt.lang else langs_needed
        for lang in alt_langs:
            if lang is not None and lang not in store.lang_ids:
                continue
            s = _alternative_hits(ix, resolver, alt, lang, allowed_docnums, deadline)
            if lang_ids is not None and s.size:
                s = s[np.isin(store.lang_of(s), lang_ids)]
            starts_parts.append(s)
            lengths_parts.append(np.full(s.size, len(alt.slots), dtype=np.int32))
    if not starts_parts:
        empty = np.zeros(0, dtype=np.int64)
        return HitSet(empty, np.zeros(0, dtype=np.int32), empty)
    starts = np.concatenate(starts_parts)
    lengths = np.concatenate(lengths_parts)
    if len(starts_parts) > 1 and starts.size:
        # One hit per start position: the longest alternative that matches there.
        order = np.lexsort((-lengths, starts))
        starts, lengths = starts[order], lengths[order]
        first = np.ones(starts.size, dtype=bool)
        first[1:] = starts[1:] != starts[:-1]
        starts, lengths = starts[first], lengths[first]
    return HitSet(starts, lengths, store.doc_of(starts))


def _docs_with(ix, resolver, alternatives, allowed_docnums, deadline) -> np.ndarray:
    out = np.zeros(len(ix.store.docs), dtype=bool)
    for alt in alternatives:
        s = _alternative_hits(ix, resolver, alt, None, allowed_docnums, deadline)
        out[np.unique(ix.store.doc_of(s))] = True
    return out


def _docnum_set(store, mask: np.ndarray | None) -> set[int] | None:
    """The whoosh docnums of the store documents a mask allows (None: all)."""
    if mask is None:
        return None
    live = store.docnum >= 0
    live[live] = mask[store.docnum[live]]
    return set(np.flatnonzero(live).tolist())


def _alternative_hits(ix: CorpusIndex, resolver: Resolver, alt: Alternative, lang: str | None,
                      allowed_docnums: set[int] | None, deadline: float | None) -> np.ndarray:
    """Global start positions of one alternative (in one language when ``lang`` is set)."""
    store = ix.store
    engine = ix.engine
    slot_ids = [resolver.folded_ids(slot, lang) for slot in alt.slots]
    if any(ids.size == 0 for ids in slot_ids):
        return np.zeros(0, dtype=np.int64)
    vocab = store.vocab
    freqs = [sum(engine.term_frequency(vocab[i])[0] for i in ids.tolist()) for ids in slot_ids]
    anchor = int(np.argmin(freqs))
    if allowed_docnums is not None and not allowed_docnums:
        return np.zeros(0, dtype=np.int64)
    parts = []
    doc_tok = store.doc_tok
    docnum_to_doc = store.docnum
    for term_id in slot_ids[anchor].tolist():
        for docnum, positions in engine.postings(vocab[term_id], allowed_docnums):
            doc = docnum_to_doc[docnum]
            if doc >= 0:
                parts.append(positions + doc_tok[doc])
        if deadline is not None and time.monotonic() > deadline:
            raise QueryTimeout("the query took too long; make it more specific or add filters")
    if not parts:
        return np.zeros(0, dtype=np.int64)
    anchor_pos = np.concatenate(parts)
    anchor_pos.sort()
    starts = anchor_pos - anchor
    n_slots = len(alt.slots)
    if n_slots > 1:
        docs = store.doc_of(anchor_pos)
        ok = (starts >= doc_tok[docs]) & (starts + n_slots <= doc_tok[docs + 1])
        starts = starts[ok]
        for j, ids in enumerate(slot_ids):
            if j == anchor or not starts.size:
                continue
            starts = starts[np.isin(store.tok[starts + j], ids)]
    if resolver.mode == "exact" and starts.size:
        for j, slot in enumerate(alt.slots):
            surf_ids = resolver.surface_ids(slot)
            starts = starts[np.isin(store.surf[starts + j], surf_ids)]
    if lang is not None and starts.size:
        starts = starts[store.lang_of(starts) == store.lang_ids[lang]]
    return starts
