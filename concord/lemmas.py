"""Lemma and stem tables: written once per index generation, read by queries.

At index time :func:`write_tables` reads the finished token store and writes, into the
store's folder (before the generation goes live, so the tables are as atomic as the rest):

* ``lemma.txt`` the sorted vocabulary of lemmas, folded (a lemma query ignores case and
  diacritics); ``lemma-<lang>.npy`` a (2, n) int32 array: the ids of the surface forms that
  occur in paragraphs of ``lang`` (sorted) and the lemma id of each. A lemma comes from
  simplemma in the paragraph's language; each (language, surface form) type is lemmatised
  once. Languages simplemma does not cover keep the folded form as the lemma.
* ``stem.txt`` the sorted stems; ``stem-<lang>.npy`` the same (2, n) layout over folded
  ids (Snowball stems of the folded forms, as :func:`concord.analysis.stem_words`).
* ``tables.json`` what was used (``surface_fold.npy``, the folded id of every surface id,
  is the store's own, written by :func:`concord.store.write_store`).

The tables are a function of the store's content alone, so an incremental build writes the
same bytes as a fresh one. They are written without a pass over the tokens: the (language,
folded form) pairs are the store's statistics' (``tl_off``/``tl_lang``); the (language,
surface form) pairs those :class:`EarlyLemmas` found in the new pieces, plus the previous
generation's (renumbered with numpy, the pairs of removed documents checked in the postings);
only forms new to the index are lemmatised and stemmed, in background processes while the
store is written. Queries only read them (:func:`lemma_candidates`,
:func:`stem_candidates`); nothing here modifies a live store.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import SNOWBALL, fold, fold_many, stem_words
from .errors import IndexNotFound
from .vocabulary import distinct

LEMMATIZER = "simplemma 2.0.0"   # pinned in pyproject.toml; a new version forces a rebuild
# concord's language codes that simplemma names differently.
_SIMPLEMMA_CODES = {"no": "nb"}


def settings() -> dict[str, str]:
    """Describe the lemma chain (part of the settings recorded in every index)."""
    return {"lemma": f"{LEMMATIZER} (non-greedy) in the paragraph language, then folded; "
                     "uncovered languages: the folded form"}


def simplemma_code(lang: str) -> str | None:
    """The simplemma language code for a concord language code, or None if not covered."""
    from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

    code = _SIMPLEMMA_CODES.get(lang, lang)
    return code if code in SUPPORTED_LANGUAGES else None


@lru_cache(maxsize=1)
def _simplemma():
    """simplemma's default (non-greedy) lemmatizer over concord's cached dictionaries.

    The dictionaries are simplemma's own, decoded once into memory-mapped hash tables
    (:mod:`concord.lemma_dicts`): the same entries, so the same lemmas, loaded in
    milliseconds and looked up in one probe. The factory's cache holds every language
    (simplemma's default keeps 8 and would reload the others on every lemma query).
    """
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy

    from .lemma_dicts import CachedDictionaryFactory

    factory = CachedDictionaryFactory(cache_max_size=128)
    return (Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)),
            DictionaryLookupStrategy(factory))


def simplemma_knows(word: str, code: str) -> bool:
    """Tell whether simplemma's dictionary of ``code`` has the word."""
    from simplemma.utils import normalize_token

    return _simplemma()[1].get_lemma(normalize_token(word), code) is not None


@lru_cache(maxsize=200_000)
def lemma_of(word: str, lang: str) -> str:
    """Return the folded lemma of a word (as written) in a language."""
    code = simplemma_code(lang)
    if code is None:
        return fold(word)
    return fold(_simplemma()[0].lemmatize(word, code))


# --- index time -------------------------------------------------------------------------

TABLES_CHUNK = 1 << 22     # tokens read at a time when the tables are written

def _fold_all(words: list[str]) -> list[str]:
    """``[fold(w) for w in words]``, in one pass when no word holds a line break."""
    try:
        return fold_many(words)
    except ValueError:
        return [fold(w) for w in words]


def _lemmatise(code: str, words: list[str]) -> list[str]:
    """``[fold(lemmatize(w, code)) for w in words]`` (simplemma's non-greedy lemmatizer),
    its plain dictionary hits found in one batch (:func:`_dictionary_hits`)."""
    lemmatize = _simplemma()[0].lemmatize
    return _fold_all([lemmatize(w, code) if hit is None else hit
                      for w, hit in zip(words, _dictionary_hits(code, words), strict=True)])


def _dictionary_hits(code: str, words: list[str]) -> list[str | None]:
    """simplemma's lemma of each word that its dictionary look-up answers, None elsewhere.

    For these words ``lemmatize`` returns exactly this: it NFC-normalises the word (these
    are NFC already), returns a numeric word as it is (left out here), asks the apostrophe
    strategy (None outside its languages, left out here as the canonicalised ones are),
    then the dictionary: the word, else it with its first letter's case swapped; a non-empty
    answer ends the search (an empty one would not: left to simplemma).
    """
    from simplemma.strategies.apostrophe_boundary import APOSTROPHE_BOUNDARY_LANGS
    from simplemma.utils import CANON_LANGS

    from .lemma_dicts import HashedDictionary

    dictionary = _simplemma()[1]._dictionary_factory.get_dictionary(code)
    if (code in APOSTROPHE_BOUNDARY_LANGS or code in CANON_LANGS
            or not isinstance(dictionary, HashedDictionary)):
        return [None] * len(words)
    plain = [not w.isnumeric() and unicodedata.is_normalized("NFC", w) for w in words]
    first = dictionary.lookup_many(words)
    hits: list[str | None] = [v if ok and v else None for v, ok in zip(first, plain, strict=True)]
    again = [i for i, v in enumerate(first) if v is None and plain[i]]
    swapped = [w.lower() if w[:1].isupper() else w.capitalize() for w in map(words.__getitem__, again)]
    for i, v in zip(again, dictionary.lookup_many(swapped), strict=True):
        hits[i] = v or None
    return hits


STEM_SETTING = "Snowball (PyStemmer) of the folded form"


def _find(kind: str, lang: str, words: list[str]) -> list[str]:
    """The lemmas (folded) or the stems of ``words`` in ``lang``."""
    if kind == "lemma":
        code = simplemma_code(lang)
        return _fold_all(words) if code is None else _lemmatise(code, words)
    return stem_words(words, lang) if lang in SNOWBALL else list(words)


def _numbered(values: list[str]) -> tuple[list[str], np.ndarray]:
    """The sorted distinct ``values`` and the position of each value there."""
    distinct = sorted(set(values))
    number = {w: i for i, w in enumerate(distinct)}
    return distinct, np.fromiter(map(number.__getitem__, values), dtype=np.int32, count=len(values))


def _early_job(lang: str, blob: bytes) -> tuple[tuple[list[str], np.ndarray],
                                                 tuple[list[str], np.ndarray], int]:
    """Pool job of :class:`EarlyLemmas`: for surface forms seen in ``lang`` (``blob``: their
    UTF-8, newline-separated), their lemmas and the stems of their folded forms, each as
    :func:`_numbered` gives them, and the number of distinct folded forms."""
    words = blob.decode("utf-8").split("\n")
    folded = _fold_all(words)
    distinct = list(dict.fromkeys(folded))
    stem_of = dict(zip(distinct, _find("stem", lang, distinct), strict=True))
    try:
        return (_numbered(_find("lemma", lang, words)),
                _numbered(list(map(stem_of.__getitem__, folded))), len(distinct))
    finally:
        _release_dictionaries()


def _release_dictionaries() -> None:
    """Let go of the dictionaries (and cached lemmas) a job used: each job is one language,
    and a mapped dictionary read whole (its check reads every page) would otherwise stay in
    the process's resident memory, every language's, to the end of the build."""
    if _simplemma.cache_info().currsize:
        lemmatizer, lookup = _simplemma()
        lookup._dictionary_factory._get_dictionary.cache_clear()
        lemmatizer._cached_lemmatize.cache_clear()


def _merge_sorted(lists: list[list[str]]) -> tuple[list[str], list[np.ndarray]]:
    """The sorted union of sorted distinct lists, and each list's positions in it."""
    import heapq

    union: list[str] = []
    for w in heapq.merge(*lists):
        if not union or union[-1] != w:
            union.append(w)
    number = {w: i for i, w in enumerate(union)}
    return union, [np.fromiter(map(number.__getitem__, words), dtype=np.int64, count=len(words))
                   for words in lists]


def _outside_paragraphs(doc_tok: np.ndarray, doc_para: np.ndarray, para_tok: np.ndarray) -> bool:
    """Tell whether a document has tokens before its first paragraph (or no paragraph at
    all): their language is the paragraph before's, which depends on the document order."""
    doc_tok, doc_para = np.asarray(doc_tok, dtype=np.int64), np.asarray(doc_para, dtype=np.int64)
    para_tok = np.asarray(para_tok, dtype=np.int64)
    has = doc_para[1:] > doc_para[:-1]
    first = para_tok[np.minimum(doc_para[:-1], max(0, para_tok.size - 1))] if para_tok.size \
        else doc_tok[:-1]
    ok = np.where(has, first == doc_tok[:-1], doc_tok[1:] == doc_tok[:-1])
    return not bool(ok.all())


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array (numpy 2's np.unique hashes them:
    many times slower than a sort)."""
    return distinct(np.asarray(values, dtype=np.int64))


def _own(values: np.ndarray) -> np.ndarray:
    """``values``, copied if it is a view of another array (which it would keep alive)."""
    values = np.asarray(values)
    return values.copy() if values.base is not None else values


def _first_of_each(ids: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct ``ids`` and the slot given with the first of each."""
    order = np.argsort(ids, kind="stable")
    ids, slots = ids[order], slots[order]
    first = np.append(True, ids[1:] != ids[:-1]) if ids.size else np.zeros(0, dtype=bool)
    return ids[first], slots[first]


class FirstOfEach:
    """:func:`_first_of_each` of all the (ids, slots) chunks added, in the order added,
    found as they come: the chunks pending are merged into the distinct ids so far when
    they hold as many, so memory stays about twice the distinct ids, not the sum of the
    chunks (a build adds one per piece and language: each piece has most common forms)."""

    def __init__(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.slots = np.zeros(0, dtype=np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._n_pending = 0

    MIN_MERGE = 1 << 16     # ids pending at least before a merge

    def add(self, ids: np.ndarray, slots: np.ndarray) -> None:
        # Copies of views: a piece's ids and slots are slices of arrays holding every
        # language's, which a pending view would keep alive until the next merge. A language
        # with few forms merges rarely, so at 500M tokens views held 470 MB of 250 pieces.
        self._pending.append((_own(ids), _own(slots)))
        self._n_pending += len(ids)
        if self._n_pending >= max(self.ids.size, self.MIN_MERGE):
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        # The ids so far first: a stable sort keeps the slot of an id's first occurrence.
        ids = np.concatenate([self.ids, *(i for i, _s in self._pending)]).astype(np.int64, copy=False)
        slots = np.concatenate([self.slots, *(s for _i, s in self._pending)]).astype(np.int64, copy=False)
        self._pending, self._n_pending = [], 0
        self.ids, self.slots = _first_of_each(ids, slots)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """The sorted distinct ids and the slot given with the first of each."""
        self._merge()
        return self.ids, self.slots


def _surfaces_at(surf, doc_tok: np.ndarray, starts: np.ndarray, groups: list[np.ndarray]
                 ) -> list[np.ndarray]:
    """The store's surface ids (``surf``, a column read by slices) of tokens of a piece: for
    each array of ``groups``, at those piece positions (``doc_tok`` the piece's document
    bounds, ``starts`` where each of its documents starts in the store). The span of each
    document holding some is read once."""
    sizes = [g.size for g in groups]
    positions = np.concatenate([np.zeros(0, np.int64), *groups]).astype(np.int64)
    out = np.empty(positions.size, dtype=np.int32)
    order = np.argsort(positions, kind="stable")
    ordered = positions[order]
    doc_tok = np.asarray(doc_tok, dtype=np.int64)
    doc = np.searchsorted(doc_tok, ordered, side="right") - 1
    cuts = np.flatnonzero(np.diff(doc)) + 1
    for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), ordered.size], strict=True):
        if a == b:
            continue
        d = int(doc[a])
        lo, hi = int(ordered[a] - doc_tok[d]), int(ordered[b - 1] - doc_tok[d]) + 1
        span = np.asarray(surf[int(starts[d]) + lo:int(starts[d]) + hi])
        out[order[a:b]] = span[ordered[a:b] - doc_tok[d] - lo]
    return np.split(out, np.cumsum(sizes)[:-1].tolist()) if sizes else []


class _SpilledSeen(Mapping[str, tuple[np.ndarray, np.ndarray]]):
    """:class:`_PieceForms`' ``seen`` written to a file, read back when asked for."""

    def __init__(self, path: str, langs: list[str], sizes: list[int]):
        self.path, self.langs, self.sizes = path, langs, sizes

    @classmethod
    def save(cls, path: str, seen: dict[str, tuple[np.ndarray, np.ndarray]]) -> _SpilledSeen:
        parts = [np.asarray(part) for pair in seen.values() for part in pair]
        wide = any(part.dtype.itemsize > 4 for part in parts)
        np.save(path, np.concatenate([np.zeros(0, np.int64 if wide else np.int32), *parts]))
        return cls(path, list(seen), [positions.size for positions, _slots in seen.values()])

    def _load(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        values = np.load(self.path)
        out, at = {}, 0
        for lang, n in zip(self.langs, self.sizes, strict=True):
            out[lang] = (values[at:at + n], values[at + n:at + 2 * n])
            at += 2 * n
        return out

    def __getitem__(self, lang: str) -> tuple[np.ndarray, np.ndarray]:
        return self._load()[lang]

    def __iter__(self):
        return iter(self.langs)

    def __len__(self) -> int:
        return len(self.langs)

    def items(self):  # type: ignore[override]
        return self._load().items()

    def values(self):  # type: ignore[override]
        return self._load().values()


@dataclass
class _PieceForms:
    """The forms of one new piece: its documents (id, hash, tokens) and their token bounds
    in the piece; per language, for each surface form seen in it, the position of one of its
    tokens in the piece and the slot of the form in :class:`NewForms`' lists (int32 both
    while they fit: a build holds these for every piece until the store is written)."""

    docs: list[tuple[str, Any, int]]
    doc_tok: np.ndarray
    seen: Mapping[str, tuple[np.ndarray, np.ndarray]]


@dataclass
class NewForms:
    """What :class:`EarlyLemmas` found in the new pieces: per language the number of distinct
    surface forms seen in it (``n_surfaces``) and the number of their distinct folded forms
    (``n_folded``); ``values`` per kind ("lemma", "stem") the sorted distinct lemmas or stems
    (of the folded forms) of them all, and ``numbers`` per kind and language the position
    there of each surface form's. ``pieces`` find the store ids of those forms without
    reading the store's tokens. ``exact`` is False when a piece has tokens outside
    paragraphs or forms without tokens (then the store's tokens are read)."""

    pieces: list[_PieceForms] = field(default_factory=list)
    n_surfaces: dict[str, int] = field(default_factory=dict)
    n_folded: dict[str, int] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)
    numbers: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    exact: bool = True


def _word_list(words) -> list[str]:
    """A piece's word list as a list (a store's read at once, not word by word)."""
    return words.tolist() if hasattr(words, "tolist") else list(words)


def _slots(index: dict[str, int], words: list[str], ids: np.ndarray) -> np.ndarray:
    """The slot of each word ``ids`` in ``index`` (word -> slot; a defaultdict giving a new
    word the next slot), adding the new ones: one pass in C."""
    return np.fromiter(map(index.__getitem__, map(words.__getitem__, ids.tolist())),
                       dtype=np.int64, count=ids.size)


def _new_index() -> dict[str, int]:
    from collections import defaultdict

    index: defaultdict[str, int] = defaultdict()
    index.default_factory = index.__len__           # a new word takes the next slot
    return index


class EarlyLemmas:
    """Find the (language, form) pairs of the new pieces, and lemmatise and stem them in
    background processes while the parent writes the store (a single-threaded step that
    leaves the other core idle); with ``procs`` 1, in :meth:`result`.

    ``result()`` gives a :class:`NewForms` for :func:`write_tables`, which takes the
    previous generation's tables for the other forms. Lemmas and stems depend only on the
    language and the form, so finding them early, late or not again gives the same tables.
    """

    def __init__(self, pieces, *, procs: int = 1):
        self.pool = None
        if procs > 1 and pieces:
            # Forked first, before the forms below are gathered: the pool's processes
            # need only their jobs, not a copy of what the parent holds for every piece.
            import gc
            import multiprocessing

            from .procs import die_with_parent  # a killed build leaves no pool child

            gc.freeze()     # nor do their collections touch (and so copy) the parent's objects
            try:
                self.pool = multiprocessing.get_context("fork").Pool(procs, initializer=die_with_parent)
            finally:
                gc.unfreeze()
        forms = self.forms = NewForms()
        surface_index: dict[str, dict[str, int]] = {}
        for piece in pieces:
            doc_tok = np.asarray(piece.doc_tok, dtype=np.int64)
            n = int(doc_tok[-1]) if doc_tok.size else 0
            if _outside_paragraphs(doc_tok, piece.doc_para, piece.para_tok):
                forms.exact = False
            codes = sorted(set(piece.para_lang))
            docs = [(d["doc_id"], d.get("hash"), int(b - a)) for d, a, b
                    in zip(piece.docs, doc_tok[:-1].tolist(), doc_tok[1:].tolist(), strict=True)]
            if not codes or not n:
                forms.pieces.append(_PieceForms(docs, doc_tok, {}))
                continue
            number = {c: i for i, c in enumerate(codes)}
            para_lang = np.fromiter((number[c] for c in piece.para_lang), dtype=np.int16,
                                    count=len(piece.para_lang))
            bounds = np.append(np.asarray(piece.para_tok, dtype=np.int64), n)
            tok_lang = np.empty(n, dtype=np.int16)
            tok_lang[:bounds[0]] = para_lang[-1]           # as Store.lang_of
            tok_lang[bounds[0]:] = np.repeat(para_lang, np.diff(bounds))
            surf = np.asarray(piece.surf)
            n_surfaces = len(piece.surfaces)
            seen = np.zeros((len(codes), n_surfaces), dtype=bool)
            seen[tok_lang, surf] = True
            occ = np.full(n_surfaces, -1, dtype=np.int64 if n >= 2**31 else np.int32)
            occ[surf] = np.arange(n, dtype=occ.dtype)    # one occurrence of each form
            if n_surfaces and int(occ.min()) < 0:
                forms.exact = False                      # a form no token has
            surfaces = _word_list(piece.surfaces)      # read once (a saved piece's: a file)
            by_lang = {}
            for i, lang in enumerate(codes):
                ids = np.flatnonzero(seen[i])
                if lang not in surface_index:
                    surface_index[lang] = _new_index()
                slots = _slots(surface_index[lang], surfaces, ids)
                by_lang[lang] = (occ[ids], slots.astype(np.int32) if len(surface_index[lang]) < 2**31
                                 else slots)
            saved = str(getattr(piece.surfaces, "path", ""))
            if saved.endswith(".surfaces") and piece.store is None:
                # A saved piece: its pairs wait beside it, not in memory (they add up to
                # about one a word of every piece's vocabulary in each of its languages).
                by_lang = _SpilledSeen.save(saved[:-len(".surfaces")] + ".seen.npy", by_lang)
            forms.pieces.append(_PieceForms(docs, doc_tok, by_lang))
        forms.n_surfaces = {lang: len(index) for lang, index in surface_index.items()}
        # The jobs' words as UTF-8 blobs (a few bytes a word, not a Python string each):
        # they wait in this process until a pool process takes them.
        self.jobs = sorted(((lang, "\n".join(index).encode("utf-8"))
                            for lang, index in surface_index.items() if index),
                           key=lambda job: (-forms.n_surfaces[job[0]], job[0]))
        for index in surface_index.values():
            index.default_factory = None    # (its own __len__: a cycle, freed only by a collection)
        del surface_index
        from .store import release_free_memory

        release_free_memory()       # the forms' index and the pieces' arrays read above
        if not self.jobs:
            self._stop_pool()
        elif self.pool is not None:
            self.pending = self.pool.starmap_async(_early_job, self.jobs, chunksize=1)

    def result(self) -> NewForms:
        forms = self.forms
        if self.jobs is not None:
            found = self.pending.get() if self.pool is not None else \
                [_early_job(*job) for job in self.jobs]
            langs = [lang for lang, _words in self.jobs]
            for k, kind in enumerate(("lemma", "stem")):
                forms.values[kind], places = _merge_sorted([got[k][0] for got in found])
                forms.numbers[kind] = {lang: place[got[k][1]] for lang, got, place
                                       in zip(langs, found, places, strict=True)}
            forms.n_folded = {lang: got[2] for lang, got in zip(langs, found, strict=True)}
            self.jobs = None
            self._stop_pool()
        return forms

    def _stop_pool(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def close(self) -> None:
        """Stop the pool and let go of what was found (the build goes on without it)."""
        from .store import release_free_memory

        self._stop_pool()
        self.forms = None       # type: ignore[assignment]
        release_free_memory()


def _token_langs(store, a: int, b: int) -> np.ndarray:
    """``store.lang_of(np.arange(a, b))``, by repeating each paragraph's language over its
    tokens instead of searching every position."""
    para_tok = store.para_tok
    first, last = np.searchsorted(para_tok, [a, b - 1], side="right") - 1
    paragraphs = np.arange(first, last + 1)      # -1 (before the first paragraph) as lang_of
    bounds = np.clip(para_tok[np.maximum(paragraphs, 0)], a, b) - a
    bounds[0] = 0
    return np.repeat(store.para_lang[paragraphs], np.diff(np.append(bounds, b - a)))


def _scan_surfaces(store) -> list[np.ndarray]:
    """The surface ids seen in each language of the store, from every token."""
    from .store import column_file

    seen = np.zeros((max(1, len(store.langs)), len(store.surfaces)), dtype=bool)
    # Surface ids read from the file, not its map: a pass over the whole store would
    # otherwise stay in the build's resident memory.
    surf_file = column_file(store.path, "surf", np.int32)
    for a in range(0, store.n_tokens, TABLES_CHUNK):    # bounded memory
        b = min(store.n_tokens, a + TABLES_CHUNK)
        seen[_token_langs(store, a, b), np.asarray(surf_file[a:b])] = True
    return [np.flatnonzero(row) for row in seen[:len(store.langs)]]


def _renumber(old_words, new_words, inserted: np.ndarray, vanished: np.ndarray) -> np.ndarray | None:
    """Map the ids of a previous sorted word list to a new one's (-1 where gone), knowing
    the new ids of the words it lacked (``inserted``) and the old ids of those the new
    one lacks (``vanished``); None if these do not account for every word."""
    kept = np.ones(len(old_words), dtype=bool)
    kept[vanished] = False
    rest = np.ones(len(new_words), dtype=bool)
    rest[inserted] = False
    if int(kept.sum()) != int(rest.sum()):
        return None
    out = np.full(len(old_words), -1, dtype=np.int64)
    out[kept] = np.flatnonzero(rest)
    return out


class _Previous:
    """A previous generation's tables, renumbered into the new store's ids."""

    GONE_PAIRS = 20_000   # pairs of removed documents checked one by one, at most

    def __init__(self, path: Path, store, forms: NewForms | None,
                 new_surf: dict[str, tuple[np.ndarray, np.ndarray]], doc_keys: list[tuple[str, Any]]):
        from .store import SortedWords, Store, column_file, load_npy

        self.ok = False
        self.complete = False           # its pairs, plus the new pieces', are all the pairs
        try:
            info = json.loads((path / "tables.json").read_text("utf-8"))
        except (OSError, ValueError):
            return
        if info.get("lemma") != settings()["lemma"] or info.get("stem") != STEM_SETTING:
            return
        old = Store(path)
        try:
            ours = {d for piece in (forms.pieces if forms is not None else []) for d, _h, _n in piece.docs}
            carried = {doc_id: h for doc_id, h in doc_keys if doc_id not in ours}
            gone = [i for i, d in enumerate(old.docs) if carried.get(d["doc_id"], ...) != d.get("hash")
                    or d["doc_id"] in ours]
            if len(old.docs) - len(gone) != len(carried):
                return                      # a carried document the previous store lacks
            surf = column_file(old.path, "surf", np.int32)
            doc_tok = np.asarray(old.doc_tok)
            gone_surf = _distinct(np.concatenate(
                [np.zeros(0, np.int64)] + [np.asarray(surf[int(doc_tok[i]):int(doc_tok[i + 1])], dtype=np.int64)
                                           for i in gone]))
            old_fold = np.asarray(old.surface_fold, dtype=np.int64)
            gone_fold = _distinct(old_fold[gone_surf])
            piece_surfaces = _distinct(np.concatenate([np.zeros(0, np.int64)]
                                                      + [ids for ids, _slots in new_surf.values()]))
            new_fold = _distinct(np.asarray(store.surface_fold, dtype=np.int64)[piece_surfaces])
            maps = []
            for old_words, new_words, gone_ids, new_ids in (
                    (old.surfaces, store.surfaces, gone_surf, piece_surfaces),
                    (old.vocab, store.vocab, gone_fold, new_fold)):
                # Both id lists are sorted, so their words are too (what _search needs).
                vanished = gone_ids[~_search(new_words, [old_words[i] for i in gone_ids.tolist()])[1]]
                inserted = new_ids[~_search(old_words, [new_words[i] for i in new_ids.tolist()])[1]]
                maps.append(_renumber(old_words, new_words, inserted, vanished))
            if maps[0] is None or maps[1] is None:
                return
            self.complete = not _outside_paragraphs(doc_tok, np.searchsorted(
                old.para_doc, np.arange(len(old.docs) + 1)), old.para_tok[:-1])
            self.words = {kind: SortedWords(path / f"{kind}.txt") for kind in ("lemma", "stem")}
            self.tables: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {"lemma": {}, "stem": {}}
            for kind, remap in (("lemma", maps[0]), ("stem", maps[1])):
                for lang in info.get("lemma_sources", {}):
                    file = path / f"{kind}-{lang}.npy"
                    if file.exists():
                        table = np.asarray(load_npy(file, None), dtype=np.int64)
                        ids = remap[table[0]]
                        live = ids >= 0          # remap keeps the order: still sorted
                        self.tables[kind][lang] = (ids[live], table[1][live])
            if gone and self.complete:
                self.complete = self._drop_gone_pairs(old, gone, maps[0], store, new_surf)
            self.ok = True
        finally:
            old.close()


    def _drop_gone_pairs(self, old, gone: list[int], remap: np.ndarray, store,
                         new_surf: dict[str, tuple[np.ndarray, np.ndarray]]) -> bool:
        """Drop from the lemma tables the (language, surface) pairs of removed or changed
        documents that no other document has any more; False if there are too many to check
        one by one (then the store's tokens are read)."""
        from .store import column_file

        surf = column_file(old.path, "surf", np.int32)
        doc_tok = np.asarray(old.doc_tok, dtype=np.int64)
        pairs = []
        for i in gone:
            a, b = int(doc_tok[i]), int(doc_tok[i + 1])
            if b > a:
                pairs.append(_token_langs(old, a, b).astype(np.int64) * remap.size
                             + np.asarray(surf[a:b], dtype=np.int64))
        pairs = _distinct(np.concatenate([np.zeros(0, np.int64), *pairs]))
        if pairs.size > self.GONE_PAIRS:
            return False
        new_lang = {code: i for i, code in enumerate(store.langs)}
        fold_of, new_surf_col = np.asarray(store.surface_fold), store.surf
        drop: dict[str, list[int]] = {}
        for old_lang, sid in zip((pairs // remap.size).tolist(), remap[pairs % remap.size].tolist(),
                                 strict=True):
            lang = old.langs[old_lang]
            if sid < 0:
                continue                        # the form is gone from the store
            found = new_surf.get(lang)
            if found is not None and found[0].size:
                k = min(int(np.searchsorted(found[0], sid)), found[0].size - 1)
                if found[0][k] == sid:
                    continue                    # a new document has the pair
            if lang not in new_lang or not self._occurs(store, new_surf_col, fold_of, sid, new_lang[lang]):
                drop.setdefault(lang, []).append(sid)
        for lang, sids in drop.items():
            if lang in self.tables["lemma"]:
                ids, numbers = self.tables["lemma"][lang]
                keep = ~np.isin(ids, np.array(sids, dtype=np.int64))
                self.tables["lemma"][lang] = (ids[keep], numbers[keep])
        return True

    @staticmethod
    def _occurs(store, surf, fold_of: np.ndarray, sid: int, lang: int) -> bool:
        """Whether a token of the store has surface ``sid`` in language ``lang`` (its folded
        form's postings read a growing chunk at a time: frequent forms are found at once)."""
        postings = store.postings(int(fold_of[sid]))
        a, step = 0, 256
        while a < len(postings):
            positions = np.asarray(postings[a:a + step], dtype=np.int64)
            if np.any((np.asarray(surf[positions]) == sid) & (store.lang_of(positions) == lang)):
                return True
            a, step = a + step, step * 4
        return False


def _values(kind: str, lang: str, ids: np.ndarray, previous: _Previous | None,
            new: tuple[np.ndarray, np.ndarray] | None, n_pool: int,
            words: Callable[[np.ndarray], list[str]], extras: list[str]) -> np.ndarray:
    """The lemma or stem of each of ``ids`` (sorted) in ``lang``, coded as: an entry number
    of the previous table; else ``n_old`` + a position in the new forms' values, ``new``
    giving the ids of the new pieces' forms (sorted) and those positions; else ``n_old`` +
    ``n_pool`` + the position of its value, found here, appended to ``extras``."""
    n_old = len(previous.words[kind]) if previous is not None else 0
    out = np.full(ids.size, -1, dtype=np.int64)
    if previous is not None and lang in previous.tables[kind]:
        old_ids, old_numbers = previous.tables[kind][lang]
        if old_ids.size:
            i = np.minimum(np.searchsorted(old_ids, ids), old_ids.size - 1)
            hit = old_ids[i] == ids
            out[hit] = old_numbers[i[hit]]
    if new is not None and new[0].size:
        new_ids, numbers = new
        i = np.minimum(np.searchsorted(new_ids, ids), new_ids.size - 1)
        use = (out < 0) & (new_ids[i] == ids)
        out[use] = n_old + numbers[i[use]]
    missing = np.flatnonzero(out < 0)
    if missing.size:                    # neither table nor new pieces: found here
        out[missing] = n_old + n_pool + len(extras) + np.arange(missing.size)
        extras.extend(_find(kind, lang, words(ids[missing])))
    return out


def _doc_keys(store) -> list[tuple[str, Any]]:
    """(doc id, content hash) of each document of a store: its records read, not kept (they
    grow with the corpus, and the tables need only these)."""
    from .store import DOCS_FILE

    if "docs" not in store.__dict__ and (store.path / DOCS_FILE).exists():
        docs = json.loads((store.path / DOCS_FILE).read_text("utf-8"))
    else:
        docs = store.docs
    return [(d["doc_id"], d.get("hash")) for d in docs]


def _search(words, wanted: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``wanted`` (sorted) its insertion point in the sorted list ``words`` and
    whether it is there."""
    import bisect

    seq = words if len(wanted) * 64 < len(words) else words.tolist()   # few: bisect the file
    at = np.zeros(len(wanted), dtype=np.int64)
    there = np.zeros(len(wanted), dtype=bool)
    lo = 0
    for k, w in enumerate(wanted):
        lo = bisect.bisect_left(seq, w, lo)
        at[k] = lo
        there[k] = lo < len(seq) and seq[lo] == w
    return at, there


def _write_kind(path: Path, kind: str, tables: dict[str, tuple[np.ndarray, np.ndarray]],
                previous: _Previous | None, pool: list[str], extras: list[str]) -> None:
    """Write ``<kind>.txt`` (the sorted distinct entries used) and ``<kind>-<lang>.npy``
    (ids, entry numbers) from the values coded by :func:`_values` (``pool`` sorted and
    distinct).

    The previous list's entries keep their bytes: only the entries no longer used are
    dropped and the new ones inserted, so an update costs no sort of the whole list.
    """
    from .store import write_word_blob

    n_old = len(previous.words[kind]) if previous is not None else 0
    codes = {lang: values for lang, (_ids, values) in tables.items()}
    if extras:                          # rare: merge them into the pool
        merged, place = _numbered(pool + extras)
        codes = {lang: np.where(v < n_old, v, n_old + place[np.maximum(v - n_old, 0)])
                 for lang, v in codes.items()}
        pool = merged
    every = np.concatenate([np.zeros(0, np.int64), *codes.values()])
    used = np.zeros(n_old + len(pool), dtype=bool)
    used[every] = True
    added = np.flatnonzero(used[n_old:])              # pool entries in use
    words = list(map(pool.__getitem__, added.tolist()))
    if previous is not None:
        at, there = _search(previous.words[kind], words)
    else:
        at, there = np.zeros(len(words), dtype=np.int64), np.zeros(len(words), dtype=bool)
    # Pool entries the old list has take its numbers; the others are new entries.
    recode = np.arange(n_old + len(pool), dtype=np.int64)
    recode[n_old + added] = np.where(there, at, n_old + np.cumsum(~there) - 1)
    codes = {lang: recode[v] for lang, v in codes.items()}
    used = np.zeros(n_old, dtype=bool)
    for v in codes.values():
        used[v[v < n_old]] = True
    old_used = np.flatnonzero(used)
    ins = at[~there]                    # each new entry goes before old entry ``ins``
    news = [w for w, t in zip(words, there.tolist(), strict=True) if not t]
    n_new = len(news)
    final = np.zeros(n_old + n_new, dtype=np.int64)
    # An old entry moves up by the new entries before it; a new one by the old ones.
    final[old_used] = np.arange(old_used.size) + np.searchsorted(ins, old_used, side="right")
    final[n_old:] = np.arange(n_new) + np.searchsorted(old_used, ins, side="left")
    new_blob = ("\n".join(news) + "\n").encode("utf-8") if news else b""
    if not old_used.size:
        blob = new_blob
    else:
        old_blob = np.frombuffer(previous.words[kind].path.read_bytes(), dtype=np.uint8)
        old_off = np.asarray(previous.words[kind]._offsets, dtype=np.int64)
        new_data = np.frombuffer(new_blob, dtype=np.uint8)
        new_off = np.concatenate([[0], np.flatnonzero(new_data == 10) + 1]).astype(np.int64)
        # Entries in their final order, as (start, length) in old blob + new blob.
        order = np.empty(old_used.size + n_new, dtype=np.int64)
        order[final[old_used]] = old_used
        order[final[n_old:]] = n_old + np.arange(n_new)
        starts = np.concatenate([old_off[:-1], old_blob.size + new_off[:-1]])[order]
        lengths = np.concatenate([np.diff(old_off), np.diff(new_off)])[order]
        source = np.concatenate([old_blob, new_data])
        first = np.cumsum(lengths) - lengths
        blob = source[np.repeat(starts - first, lengths) + np.arange(int(lengths.sum()))].tobytes()
    write_word_blob(path / f"{kind}.txt", blob, old_used.size + n_new)
    for lang, (ids, _values) in tables.items():
        table = np.empty((2, ids.size), dtype=np.int32)
        table[0] = ids
        table[1] = final[codes[lang]]
        np.save(path / f"{kind}-{lang}.npy", table)


def write_tables(store_path: str | Path, *, previous: str | Path | None = None,
                 known: NewForms | Callable[[], NewForms] | None = None,
                 doc_keys: list[tuple[str, Any]] | None = None) -> dict[str, float]:
    """Write the lemma and stem tables of the store at ``store_path``; return phase seconds.

    ``known`` (or the function giving it) is what :class:`EarlyLemmas` found in the pieces
    new to this store; the ``previous`` generation's tables give the rest (lemmas and stems
    depend only on the language and the form, so the result is the same as finding them
    again). The (language, folded form) pairs come from the store's statistics; the
    (language, surface form) pairs from the new pieces and the previous tables (the pairs
    of removed or changed documents checked in the postings of their folded forms), or,
    when these cannot tell (tokens outside paragraphs, no ``known``, more pairs of removed
    documents than ``_Previous.GONE_PAIRS``), from a pass over every token. Forms found
    nowhere are lemmatised here.

    ``doc_keys``: (doc id, content hash) of each document in store order, as
    :func:`~concord.store.write_store` returns them; when not given, read from the store's
    records (at 40k documents 25 MB of JSON: 0.6 s, and 150 MB while it is parsed).
    """
    import time

    from .store import Store, column_file

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    path = Path(store_path)
    store = Store(path)
    try:
        langs = list(store.langs)
        if callable(known):
            known = known()
        timings["tables_wait"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        # The store ids of the new pieces' forms in each language, found from one token of
        # each form (the same document at another place), and the slot of their lemma/stem.
        surface_fold = np.asarray(store.surface_fold, dtype=np.int64)
        new_surf: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        new_fold: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        exact = known is not None and known.exact
        if exact:
            # Per language: the surface ids and folded ids found, each once (piece by piece).
            parts: dict[str, tuple[FirstOfEach, FirstOfEach]] = {}
            if doc_keys is None:
                doc_keys = _doc_keys(store)
            doc_tok = np.asarray(store.doc_tok, dtype=np.int64)
            # Surface ids read from the file, document by document: a map would keep resident
            # the pages of most of the column that these scattered tokens touch.
            surf_file = column_file(path, "surf", np.int32)
            for piece in known.pieces:
                starts = np.empty(len(piece.docs), dtype=np.int64)
                for k, (doc_id, content_hash, n) in enumerate(piece.docs):
                    i = store.doc_index.get(doc_id)
                    if (i is None or doc_keys[i][1] != content_hash
                            or int(doc_tok[i + 1] - doc_tok[i]) != n):
                        exact = False           # not this piece's document in the store
                        break
                    starts[k] = doc_tok[i]
                if not exact:
                    break
                seen = dict(piece.seen.items())        # (a saved piece's: read from its file)
                found = _surfaces_at(surf_file, piece.doc_tok, starts,
                                     [positions for positions, _slots in seen.values()])
                for (lang, (_positions, slots)), ids in zip(seen.items(), found, strict=True):
                    if lang not in parts:
                        parts[lang] = (FirstOfEach(), FirstOfEach())
                    parts[lang][0].add(ids, slots)
                    # (every surface form of a folded form has its stem: that of its folded form)
                    parts[lang][1].add(surface_fold[ids], slots)
                del seen, found
            for lang, (surf_found, fold_found) in parts.items() if exact else ():
                new_surf[lang] = surf_found.result()
                new_fold[lang] = fold_found.result()
                # One store id per form, and one form per store id.
                if (new_surf[lang][0].size != known.n_surfaces.get(lang, 0)
                        or new_fold[lang][0].size != known.n_folded.get(lang, 0)):
                    exact = False
        if not exact:
            new_surf, new_fold = {}, {}
        old = None
        if previous is not None and Path(previous).exists():
            old = _Previous(Path(previous), store, known if exact else None, new_surf,
                            doc_keys if doc_keys is not None else _doc_keys(store))
            if not old.ok:
                old = None
        # The (language, form) pairs: folded forms from the statistics, surfaces from the
        # pieces and previous tables when these hold every document's, else from the tokens.
        tl_off = np.asarray(store.tl_off, dtype=np.int64)
        term = np.repeat(np.arange(tl_off.size - 1, dtype=np.int64), np.diff(tl_off))
        tl_lang = np.asarray(store.tl_lang)
        fold_ids = [term[tl_lang == li] for li in range(len(langs))]
        covered = exact and (old.complete if old is not None else
                             previous is None and sum(len(p.docs) for p in known.pieces) == store.n_docs)
        if covered:
            surface_ids = []
            for lang in langs:
                chunks = [new_surf[lang][0] if lang in new_surf else np.zeros(0, np.int64)]
                if old is not None and lang in old.tables["lemma"]:
                    chunks.append(old.tables["lemma"][lang][0])
                surface_ids.append(_distinct(np.concatenate(chunks)))
        else:
            t1 = time.perf_counter()
            surface_ids = _scan_surfaces(store)
            timings["tables_scan"] = time.perf_counter() - t1
        timings["tables_pairs"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        vocab, surfaces = store.vocab, store.surfaces

        def words_of(source):
            return lambda ids: [source[i] for i in ids.tolist()]

        def pool(kind: str) -> list[str]:
            return known.values.get(kind, []) if exact else []

        def new(kind: str, found: dict[str, tuple[np.ndarray, np.ndarray]], lang: str):
            if lang not in found:
                return None
            ids, slots = found[lang]
            return ids, known.numbers[kind][lang][slots]

        stems: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        extras: list[str] = []
        for li, lang in enumerate(langs):
            stems[lang] = (fold_ids[li], _values("stem", lang, fold_ids[li], old, new("stem", new_fold, lang),
                                                 len(pool("stem")), words_of(vocab), extras))
        _write_kind(path, "stem", stems, old, pool("stem"), extras)
        timings["tables_stem"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        lemmas: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        extras = []
        sources: dict[str, str] = {}
        for li, lang in enumerate(langs):
            code = simplemma_code(lang)
            sources[lang] = "folded form" if code is None else f"simplemma:{code}"
            ids = np.asarray(surface_ids[li], dtype=np.int64)
            lemmas[lang] = (ids, _values("lemma", lang, ids, old, new("lemma", new_surf, lang),
                                         len(pool("lemma")), words_of(surfaces), extras))
        timings["tables_lemmatise"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        _write_kind(path, "lemma", lemmas, old, pool("lemma"), extras)
        record = {**settings(), "stem": STEM_SETTING,
                  "lemma_sources": sources}
        (path / "tables.json").write_text(json.dumps(record, ensure_ascii=False, sort_keys=True),
                                          encoding="utf-8")
        timings["tables_write"] = time.perf_counter() - t0
    finally:
        store.close()
    return timings


# --- query time -------------------------------------------------------------------------

class Tables:
    """The lemma and stem tables of one store (opened lazily, memory-mapped)."""

    def __init__(self, store):
        path = store.path
        if not (path / "tables.json").exists():
            raise IndexNotFound(f"the index at {path.parent.parent} has no lemma and stem tables "
                                "(it was built by an older concord); rebuild it: concord index "
                                "CORPUS --index ... --rebuild")
        from .store import SortedWords, load_npy

        self.store = store
        self.info: dict[str, Any] = json.loads((path / "tables.json").read_text("utf-8"))
        self.words = {kind: SortedWords(path / f"{kind}.txt") for kind in ("lemma", "stem")}
        self.surface_fold = load_npy(path / "surface_fold.npy")
        self._tables: dict[tuple[str, str], np.ndarray] = {}
        self.candidates: dict[tuple[str, str], np.ndarray] = {}   # lemma_candidates, memoised
        self._load = load_npy

    def table(self, kind: str, lang: str) -> np.ndarray:
        """The (2, n) table of ``kind`` ("lemma" or "stem") for ``lang`` (empty if absent)."""
        key = (kind, lang)
        t = self._tables.get(key)
        if t is None:
            p = self.store.path / f"{kind}-{lang}.npy"
            t = self._load(p) if p.exists() else np.zeros((2, 0), dtype=np.int32)
            self._tables[key] = t
        return t

    def ids_with(self, kind: str, lang: str, numbers: np.ndarray) -> np.ndarray:
        """Ids (surface ids for lemmas, folded ids for stems) whose entry is in ``numbers``."""
        t = self.table(kind, lang)
        if not numbers.size or not t.shape[1]:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(t[0][np.isin(t[1], numbers)], dtype=np.int64)

    def entry_of(self, kind: str, lang: str, ids: np.ndarray) -> np.ndarray:
        """The lemma/stem number of each id in ``lang`` (-1 where the id does not occur)."""
        t = self.table(kind, lang)
        ids = np.asarray(ids)
        if not t.shape[1] or not ids.size:
            return np.full(ids.shape, -1, dtype=np.int64)
        i = np.minimum(np.searchsorted(t[0], ids), t.shape[1] - 1)
        return np.where(t[0][i] == ids, t[1][i], -1).astype(np.int64)


_TABLES: dict[str, Tables] = {}
_TABLES_LOCK = threading.Lock()


def tables(store) -> Tables:
    """The tables of a store, opened once per process and generation."""
    key = str(store.path)
    with _TABLES_LOCK:
        t = _TABLES.get(key)
        if t is None or t.store is not store:
            if len(_TABLES) > 32:
                _TABLES.clear()
            t = _TABLES[key] = Tables(store)
        return t


def word_lemma(store, lang: str, word: str) -> str | None:
    """The folded lemma of ``word`` in ``lang``: from the tables when the form occurs there
    (no dictionary to load), else from simplemma (same function, so the same answer).

    None when the form does not occur in ``lang`` and simplemma does not know it in that
    language: "Räte" has no English lemma, and folding it would make it English "rate".
    """
    t = tables(store)
    sid = store.surfaces.index(word)
    if sid is not None:
        n = int(t.entry_of("lemma", lang, np.array([sid]))[0])
        if n >= 0:
            return t.words["lemma"][n]
    code = simplemma_code(lang)
    if code is not None and not simplemma_knows(word, code):
        return None
    return lemma_of(word, lang)


def lemma_candidates(store, lang: str, word: str) -> np.ndarray:
    """Surface ids occurring in ``lang`` paragraphs whose lemma is the lemma of ``word``."""
    if lang not in store.lang_ids:
        return np.zeros(0, dtype=np.int64)
    t = tables(store)
    found = t.candidates.get((lang, word))
    if found is None:
        lemma = word_lemma(store, lang, word)
        n = t.words["lemma"].index(lemma) if lemma is not None else None
        found = np.zeros(0, dtype=np.int64) if n is None else t.ids_with("lemma", lang, np.array([n]))
        if len(t.candidates) > 4096:
            t.candidates.clear()
        t.candidates[(lang, word)] = found
    return found


def folded_of_surfaces(store, surface_ids: np.ndarray) -> np.ndarray:
    """The distinct folded ids of some surface ids."""
    if not np.asarray(surface_ids).size:
        return np.zeros(0, dtype=np.int64)
    return _distinct(np.asarray(tables(store).surface_fold)[surface_ids])


def stem_candidates(store, lang: str, key: str) -> np.ndarray:
    """Folded-form ids whose stem in ``lang`` is ``key`` (the stem of a folded form)."""
    t = tables(store)
    n = t.words["stem"].index(key)
    if n is None:
        return np.zeros(0, dtype=np.int64)
    return t.ids_with("stem", lang, np.array([n]))
