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
same bytes as a fresh one. Queries only read them (:func:`lemma_candidates`,
:func:`stem_candidates`); nothing here modifies a live store.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import SNOWBALL, fold, stem_words
from .errors import IndexNotFound

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

def _lemmatise(code: str, words: list[str]) -> list[str]:
    """``[fold(lemmatize(w, code)) for w in words]`` (simplemma's non-greedy lemmatizer),
    its plain dictionary hits found in one batch (:func:`_dictionary_hits`)."""
    lemmatize = _simplemma()[0].lemmatize
    return [fold(lemmatize(w, code) if hit is None else hit)
            for w, hit in zip(words, _dictionary_hits(code, words), strict=True)]


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


def _previous_table(previous: Path | None, kind: str, keys: str, setting: str
                    ) -> dict[str, dict[str, str]]:
    """{lang: {key: value}} of one kind of table of a previous generation's store: ``lemma``
    (surface form -> lemma, keys from ``surfaces.txt``) or ``stem`` (folded form -> stem, keys
    from ``vocab.txt``); empty when it has none or made them with other settings."""
    if previous is None:
        return {}
    from .store import SortedWords, load_npy

    try:
        info = json.loads((previous / "tables.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if info.get(kind) != setting:
        return {}
    words = SortedWords(previous / keys).tolist()
    values = SortedWords(previous / f"{kind}.txt").tolist()
    out = {}
    for lang in info.get("lemma_sources", {}):
        path = previous / f"{kind}-{lang}.npy"
        if path.exists():           # every language has lemmas; only Snowball's have stems
            table = load_npy(path, None)
            out[lang] = {words[a]: values[b] for a, b in zip(table[0].tolist(), table[1].tolist(), strict=True)}
    return out


def _previous_lemmas(previous: Path | None) -> dict[str, dict[str, str]]:
    """{lang: {surface: lemma}} of a previous generation's store (empty if it has none)."""
    return _previous_table(previous, "lemma", "surfaces.txt", settings()["lemma"])


def _previous_stems(previous: Path | None) -> dict[str, dict[str, str]]:
    """{lang: {folded form: stem}} of a previous generation's store (empty if it has none)."""
    return _previous_table(previous, "stem", "vocab.txt", STEM_SETTING)


@dataclass
class KnownForms:
    """Lemmas and stems found before :func:`write_tables` runs (they depend only on the
    language and the form): {lang: {surface form: lemma}} and {lang: {folded form: stem}}."""

    lemmas: dict[str, dict[str, str]] = field(default_factory=dict)
    stems: dict[str, dict[str, str]] = field(default_factory=dict)


def _early_job(kind: str, lang: str, words: list[str]) -> list[str]:
    """Pool job of :class:`EarlyLemmas`: the lemmas or the stems of ``words`` in ``lang``."""
    if kind == "lemma":
        return _lemmatise(simplemma_code(lang), words)
    return stem_words(words, lang)


def _die_with_parent() -> None:
    """Pool initializer: end with the build process (a killed build must not leave a child
    holding the index lock it inherited; see concord.indexer._forked_worker)."""
    import signal

    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class EarlyLemmas:
    """Lemmatise the forms of new pieces, and stem their folded forms, in background
    processes while the parent writes the store (a single-threaded step that leaves the
    other core idle).

    ``result()`` gives a :class:`KnownForms`, the previous generation's included;
    :func:`write_tables` then only looks them up. Lemmas and stems depend only on the
    language and the form, so finding them early, late or not again gives the same tables.
    """

    def __init__(self, pieces, previous: str | Path | None, *, procs: int = 1):
        import multiprocessing

        previous = Path(previous) if previous else None
        self.known = KnownForms(_previous_lemmas(previous), _previous_stems(previous))
        wanted: dict[tuple[str, str], set[str]] = {}
        for piece in pieces:
            codes = sorted(set(piece.para_lang))
            if not codes or not len(piece.surf):
                continue
            number = {c: i for i, c in enumerate(codes)}
            para_lang = np.fromiter((number[c] for c in piece.para_lang), dtype=np.int16,
                                    count=len(piece.para_lang))
            n = len(piece.surf)
            bounds = np.append(np.asarray(piece.para_tok, dtype=np.int64), n)
            tok_lang = np.empty(n, dtype=np.int16)
            tok_lang[:bounds[0]] = para_lang[-1]           # as Store.lang_of
            tok_lang[bounds[0]:] = np.repeat(para_lang, np.diff(bounds))
            seen = np.zeros((len(codes), len(piece.surfaces)), dtype=bool)
            seen[tok_lang, np.asarray(piece.surf)] = True
            surface_fold = np.asarray(piece.surface_fold)
            # Each word list read once (a saved piece's is a file read on access).
            surfaces, vocab = list(piece.surfaces), list(piece.vocab)
            for i, lang in enumerate(codes):
                forms = np.flatnonzero(seen[i])
                if simplemma_code(lang) is not None:
                    old = self.known.lemmas.get(lang, {})
                    new = set(map(surfaces.__getitem__, forms.tolist()))
                    wanted.setdefault(("lemma", lang), set()).update(w for w in new if w not in old)
                if lang in SNOWBALL:
                    old = self.known.stems.get(lang, {})
                    new = set(map(vocab.__getitem__, np.unique(surface_fold[forms]).tolist()))
                    wanted.setdefault(("stem", lang), set()).update(w for w in new if w not in old)
        self.jobs = sorted(((kind, lang, sorted(words)) for (kind, lang), words in wanted.items()
                            if words), key=lambda job: (-len(job[2]), job[0], job[1]))
        self.pool = None
        if self.jobs:
            self.pool = multiprocessing.get_context("fork").Pool(max(1, min(procs, len(self.jobs))),
                                                                 initializer=_die_with_parent)
            self.pending = self.pool.starmap_async(_early_job, self.jobs, chunksize=1)

    def result(self) -> KnownForms:
        if self.pool is not None:
            for (kind, lang, words), found in zip(self.jobs, self.pending.get(), strict=True):
                known = self.known.lemmas if kind == "lemma" else self.known.stems
                known.setdefault(lang, {}).update(zip(words, found, strict=True))
            self.close()
        return self.known

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


def _token_langs(store, a: int, b: int) -> np.ndarray:
    """``store.lang_of(np.arange(a, b))``, by repeating each paragraph's language over its
    tokens instead of searching every position."""
    para_tok = store.para_tok
    first, last = np.searchsorted(para_tok, [a, b - 1], side="right") - 1
    paragraphs = np.arange(first, last + 1)      # -1 (before the first paragraph) as lang_of
    bounds = np.clip(para_tok[np.maximum(paragraphs, 0)], a, b) - a
    bounds[0] = 0
    return np.repeat(store.para_lang[paragraphs], np.diff(np.append(bounds, b - a)))


def _write_table(kind: str, path: Path, lists) -> None:
    """Write ``<kind>.txt`` (sorted entries) and ``<kind>-<lang>.npy`` (ids, entry numbers)."""
    unique = sorted(set().union(*(words for _ids, words in lists.values())))
    number = dict(zip(unique, range(len(unique)), strict=True))
    from .store import write_words

    write_words(path / f"{kind}.txt", unique)
    for lang, (ids, words) in lists.items():
        table = np.empty((2, ids.size), dtype=np.int32)
        table[0] = ids
        table[1] = np.fromiter(map(number.__getitem__, words), dtype=np.int32, count=ids.size)
        np.save(path / f"{kind}-{lang}.npy", table)


def write_tables(store_path: str | Path, *, procs: int = 1, previous: str | Path | None = None,
                 known: KnownForms | dict[str, dict[str, str]]
                 | Callable[[], KnownForms | dict[str, dict[str, str]]] | None = None
                 ) -> dict[str, float]:
    """Write the lemma and stem tables of the store at ``store_path``; return phase seconds.

    Lemmas and stems in ``known`` (a :class:`KnownForms`, a {lang: {surface: lemma}} dict,
    or a function giving either: see :class:`EarlyLemmas`) or else in the ``previous``
    generation's tables are reused (they depend only on the language and the form, so the
    result is the same as finding them again); the other lemmas are found in up to
    ``procs`` processes, one language each, the other stems here.
    """
    import time

    from .store import Store, column_file

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    path = Path(store_path)
    store = Store(path)
    try:
        langs = list(store.langs)
        n_langs = max(1, len(langs))
        seen_surf = np.zeros((n_langs, len(store.surfaces)), dtype=bool)
        seen_fold = np.zeros((n_langs, len(store.vocab)), dtype=bool)
        # Surface ids read from the file, not its map: a pass over the whole store would
        # otherwise stay in the build's resident memory.
        surf_file = column_file(path, "surf", np.int32)
        fold_of = np.asarray(store.surface_fold)
        for a in range(0, store.n_tokens, TABLES_CHUNK):    # bounded memory
            b = min(store.n_tokens, a + TABLES_CHUNK)
            tok_lang = _token_langs(store, a, b)
            surf = np.asarray(surf_file[a:b])
            tok = fold_of[surf]
            seen_surf[tok_lang, surf] = True
            seen_fold[tok_lang, tok] = True
        surfaces = store.surfaces.tolist()
        vocab = store.vocab.tolist()
        timings["tables_scan"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        if callable(known):
            known = known()
        if known is None:
            previous = Path(previous) if previous else None
            known = KnownForms(_previous_lemmas(previous), _previous_stems(previous))
        elif not isinstance(known, KnownForms):
            known = KnownForms(lemmas=known)
        timings["tables_wait"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        stem_lists: dict[str, tuple[np.ndarray, list[str]]] = {}
        for li, lang in enumerate(langs):
            ids = np.flatnonzero(seen_fold[li])
            words = list(map(vocab.__getitem__, ids.tolist()))
            stems = words
            if lang in SNOWBALL:
                stems = list(map(known.stems.get(lang, {}).get, words))
                missing = [i for i, stem in enumerate(stems) if stem is None]
                if missing:
                    for i, stem in zip(missing, stem_words([words[i] for i in missing], lang),
                                       strict=True):
                        stems[i] = stem
            stem_lists[lang] = (ids, stems)
        _write_table("stem", path, stem_lists)
        timings["tables_stem"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        lemmas_known = known.lemmas
        lemma_lists: dict[str, tuple[np.ndarray, list[str | None]]] = {}
        sources: dict[str, str] = {}
        jobs: list[tuple[str, str, list[int], list[str]]] = []   # (lang, code, slots, words)
        for li, lang in enumerate(langs):
            ids = np.flatnonzero(seen_surf[li])
            words = list(map(surfaces.__getitem__, ids.tolist()))
            code = simplemma_code(lang)
            if code is None:
                lemma_lists[lang] = (ids, [fold(w) for w in words])
                sources[lang] = "folded form"
                continue
            sources[lang] = f"simplemma:{code}"
            lemmas: list[str | None] = list(map(lemmas_known.get(lang, {}).get, words))
            missing = [i for i, lemma in enumerate(lemmas) if lemma is None]
            if missing:
                jobs.append((lang, code, missing, [words[i] for i in missing]))
            lemma_lists[lang] = (ids, lemmas)
        # The costliest dictionaries first, so that the processes finish together.
        jobs.sort(key=lambda job: -len(job[3]))
        if procs > 1 and len(jobs) > 1:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(min(procs, len(jobs)),
                                                          initializer=_die_with_parent) as pool:
                results = pool.starmap(_lemmatise, [(code, words) for _l, code, _m, words in jobs],
                                       chunksize=1)
        else:
            results = [_lemmatise(code, words) for _l, code, _m, words in jobs]
        for (lang, _code, missing, _words), lemmas_found in zip(jobs, results, strict=True):
            lemmas = lemma_lists[lang][1]
            for i, lemma in zip(missing, lemmas_found, strict=True):
                lemmas[i] = lemma
        timings["tables_lemmatise"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        _write_table("lemma", path, lemma_lists)
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
    return np.unique(np.asarray(tables(store).surface_fold)[surface_ids]).astype(np.int64)


def stem_candidates(store, lang: str, key: str) -> np.ndarray:
    """Folded-form ids whose stem in ``lang`` is ``key`` (the stem of a folded form)."""
    t = tables(store)
    n = t.words["stem"].index(key)
    if n is None:
        return np.zeros(0, dtype=np.int64)
    return t.ids_with("stem", lang, np.array([n]))
