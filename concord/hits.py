"""Find every hit of a query: token positions from the store's postings, checked against its tokens.

For each phrase pattern (a leaf of the query tree) the rarest slot is looked up in the
store's CSR postings (restricted to the documents the filters allow); the other slots, the
surface forms (modes ``default`` and ``exact``), the paragraph language (concept forms,
``lang:`` filters) and document bounds are then checked with vectorised look-ups in the
token store. The operators (OR, AND, NOT, NEAR) combine the leaves' hits with numpy set and
search operations on paragraph (or document) numbers, never a Python loop per hit. A hit is
a run of token positions ``[start, start + length)`` in the store's global numbering.

Match modes (``MODES``, the one list the CLI and the web offer):

* ``default``: accent-aware. Case is ignored; a letter typed without a diacritic matches it
  with any diacritic (``etat`` finds État), a letter typed with one matches only that one
  (``Räte`` finds Räte and RÄTE, not rate). A capital written without its acute, grave or
  circumflex accent or cedilla matches a typed letter that has one (old French typography:
  ETAT and Etat for État). Concept forms are matched as in ``fold``.
* ``fold``: case and every diacritic ignored (``Räte`` finds rate).
* ``exact``: as written. ``stem``: Snowball stems of each paragraph's language.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import regex

from .analysis import fold, stem_words
from .compounds import compound_splits
from .errors import OptionError, QueryTimeout
from .hyphens import is_joined
from .index import CorpusIndex
from .lemmas import folded_of_surfaces, lemma_candidates, stem_candidates
from .query import (  # MODES: re-exported, the one list of match modes
    MODE_HELP,
    MODES,
    Alternative,
    And,
    Filters,
    Node,
    Not,
    Or,
    ParsedQuery,
    leaves,
    tree_lines,
)

MAX_EXPANSION = 5000
MAX_PAIRS = 20_000_000
EXPLAIN_FORMS = 20


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
    mask = np.ones(store.n_docs, dtype=bool)
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
        has = np.zeros(store.n_docs, dtype=bool)
        if lang_ids:
            para_ok = (store.para_lang == lang_ids[0] if len(lang_ids) == 1
                       else np.isin(store.para_lang, lang_ids))
            has[store.para_doc[para_ok]] = True        # a scatter: no sort of the paragraphs
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

    def folded_ids(self, pattern: str, lang: str | None = None, *,
                   concept: bool = False) -> np.ndarray:
        """Folded-form ids a slot may match (a superset in modes default, exact and lemma)."""
        store = self.store
        if self.mode == "lemma" and lang is not None and not _is_wild(pattern):
            # The folded ids of the forms whose lemma in ``lang`` is the pattern's anchor the
            # search; positions are then checked by surface form (:meth:`lemma_surface_ids`).
            return folded_of_surfaces(store, self.lemma_surface_ids(pattern, lang))
        if self.mode == "stem" and lang is not None and not _is_wild(pattern):
            ids = stem_candidates(store, lang, stem_words([fold(pattern)], lang)[0])
            if concept and ids.size:
                # A concept's form may vary only in its ending: Snowball also strips
                # derivational suffixes ("conseillisme" -> conseil, "councilism" -> council),
                # which would count the base noun as the concept.
                keep = concept_stem_prefix(fold(pattern))
                vocab = store.vocab
                ids = ids[[vocab[i].startswith(keep) for i in ids.tolist()]]
            return ids
        return _vocab_matches(fold(pattern), store.vocab)

    def lemma_surface_ids(self, pattern: str, lang: str) -> np.ndarray:
        """Surface ids of the forms whose lemma in ``lang`` is the pattern's (tables built at index time)."""
        return np.asarray(lemma_candidates(self.store, lang, pattern), dtype=np.int64)

    def surface_ids(self, pattern: str) -> np.ndarray:
        """Surface-form ids matching a slot as written (exact mode)."""
        store = self.store
        return _vocab_matches(pattern, store.surfaces)


# --- accent-aware comparison ------------------------------------------------------------------

_MARK_LO, _MARK_HI = 0x0300, 0x0370          # the marks folding strips (see concord.analysis)
_NO_MARK = "(?![\u0300-\u036f])"
# Marks old typography left off capitals (ETAT, Etat for État); umlauts and the like never.
_DROPPED_ON_CAPITALS = {"\u0301", "\u0300", "\u0302", "\u0327"}


def _is_mark(ch: str) -> bool:
    return _MARK_LO <= ord(ch) < _MARK_HI


def _is_special(ch: str) -> bool:
    """A letter that folding turns into another one (ł, đ, ĳ, ѣ, old-form kanji...)."""
    return ch not in "*?" and not ch.isascii() and fold(ch) != ch.casefold()


def _typed_as_spelled(nfd: str) -> bool:
    """Whether folding drops something typed: a mark, a letter it changes, a final ъ."""
    return any(_is_mark(c) or _is_special(c) for c in nfd) or (
        len(nfd) > 1 and nfd[-1] in "ъЪ" and nfd[-2] not in "*?")


def has_diacritics(pattern: str) -> bool:
    """Whether a typed pattern has a diacritic, or a letter, that folding would change."""
    return _typed_as_spelled(unicodedata.normalize("NFD", _sharp_s(pattern)))


def _sharp_s(text: str) -> str:
    return text.replace("ß", "ss").replace("ẞ", "SS")


@lru_cache(maxsize=4096)
def accent_pattern(pattern: str) -> regex.Pattern | None:
    """A regex over NFD surface forms for an accent-aware slot (None: no diacritic typed).

    Each typed letter ignores case; without a mark it takes any marks, with marks it takes
    exactly those, or none on a capital when the marks are ones old typography dropped. A
    letter that folding turns into another (ł, đ, ĳ, pre-reform ѣ, old-form kanji) or drops
    (a word-final ъ) takes only itself, like a letter typed with its diacritic.
    """
    nfd = unicodedata.normalize("NFD", _sharp_s(pattern))
    if not _typed_as_spelled(nfd):
        return None
    parts = []
    i = 0
    while i < len(nfd):
        ch = nfd[i]
        i += 1
        marks = ""
        while i < len(nfd) and _is_mark(nfd[i]):
            marks += nfd[i]
            i += 1
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append("\\P{M}[\u0300-\u036f]*")
        elif not marks:
            parts.append(f"(?i:{regex.escape(ch)})[\u0300-\u036f]*")
        else:
            alt = f"(?i:{regex.escape(ch)}){regex.escape(marks)}{_NO_MARK}"
            capital = ch.upper()
            if set(marks) <= _DROPPED_ON_CAPITALS and len(capital) == 1 and capital != ch.lower():
                alt += f"|{regex.escape(capital)}{_NO_MARK}"
            parts.append(f"(?:{alt})")
    return regex.compile("".join(parts), regex.V0)


def accent_match(pattern: str, surface: str) -> bool:
    """Whether a surface form matches a typed pattern in the accent-aware (default) mode."""
    rx = accent_pattern(pattern)
    if rx is None:
        return fold(surface) == fold(pattern) if not _is_wild(pattern) else \
            _vocab_rx(fold(pattern)).fullmatch(fold(surface)) is not None
    return rx.fullmatch(unicodedata.normalize("NFD", _sharp_s(surface))) is not None


def _vocab_rx(pattern: str) -> regex.Pattern:
    return regex.compile(regex.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))


#: In stem mode a concept's one-word form matches the words of its stem that begin with the
#: form less this many final letters (its inflectional ending).
CONCEPT_STEM_ENDING = 2


def concept_stem_prefix(folded_form: str) -> str:
    """What every stem-mode match of a concept form must begin with."""
    return folded_form[:max(1, len(folded_form) - CONCEPT_STEM_ENDING)]


def _accent_aware(mode: str, alt: Alternative) -> bool:
    """Whether a leaf is matched accent-aware: typed words in the default mode, and the forms
    of a concept in exact mode (a concept's forms are dictionary forms: case is ignored, and a
    diacritic the registry writes is required; in the default mode they match folded)."""
    return (mode == "default" and not alt.source) or (mode == "exact" and bool(alt.source))


def _is_wild(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _vocab_matches(pattern: str, vocab) -> np.ndarray:
    """Ids of the words of a sorted vocabulary that match a pattern (with * and ?)."""
    if not _is_wild(pattern):
        i = vocab.index(pattern)
        return np.array([] if i is None else [i], dtype=np.int64)
    prefix = regex.split(r"[*?]", pattern, maxsplit=1)[0]
    lo, hi = vocab.range(prefix, prefix + "\U0010ffff") if prefix else (0, len(vocab))
    rx = _vocab_rx(pattern)
    ids = [i for i in range(lo, hi) if rx.fullmatch(vocab[i])]
    if len(ids) > MAX_EXPANSION:
        raise OptionError(f"{pattern!r} matches {len(ids)} different words (the limit is "
                          f"{MAX_EXPANSION}); make the pattern more specific")
    return np.asarray(ids, dtype=np.int64)


def find_hits(ix: CorpusIndex, parsed: ParsedQuery, *, mode: str = "default",
              filters: Filters | None = None, deadline: float | None = None,
              memo: dict | None = None) -> HitSet:
    """Return every hit of ``parsed`` that the filters allow, in corpus order.

    ``memo`` (a dict the caller keeps for one question) shares the hits of each leaf with a
    later :func:`explain` of the same query, which would otherwise find them again.
    """
    if not isinstance(parsed, ParsedQuery):
        from .cql import CqlQuery, find_cql_hits  # issue 10 part B

        if not isinstance(parsed, CqlQuery):
            raise TypeError(f"not a parsed query: {type(parsed).__name__}")
    merged = parsed.filters.merge(filters) if filters is not None else parsed.filters
    if not isinstance(parsed, ParsedQuery):
        found = find_cql_hits(ix, parsed, mode=mode, filters=filters, deadline=deadline)
    else:
        evaluator = Evaluator(ix, parsed, mode=mode, filters=filters, deadline=deadline, memo=memo)
        if deadline is not None and time.monotonic() > deadline:
            # Checked here too, so that answers read from statistics keep the time limit.
            raise QueryTimeout("the query took too long; make it more specific or add filters")
        # One form, no exclusion and no category: the hits (and their count) come from the
        # postings and statistics; a category filter needs every span, so it takes the
        # general path.
        term_id = (None if parsed.exclude or merged.by_category
                   else _one_form(evaluator, parsed.root))
        if term_id is not None:
            return _form_hits(evaluator, term_id)
        starts, lengths = evaluator.hits(parsed.root)
        found = HitSet(starts, lengths, ix.store.doc_of(starts))
    return by_category(ix, found, merged) if merged.by_category else found


def by_category(ix: CorpusIndex, hits: HitSet, filters: Filters) -> HitSet:
    """Keep the hits that are lines of ``filters.categories``, drop those of ``not_categories``.

    A hit is a category's line when its document and character span are the line's (see
    :mod:`concord.categories`; orphaned lines match nothing).
    """
    from .categories import category_keys, hit_keys

    keys = hit_keys(hits.starts, hits.lengths)
    keep = np.ones(keys.size, dtype=bool)
    if filters.categories:
        keep &= np.isin(keys, category_keys(ix, filters.categories))
    if filters.not_categories:
        keep &= ~np.isin(keys, category_keys(ix, filters.not_categories))
    return hits if keep.all() else hits.take(np.flatnonzero(keep))


def _form_hits(evaluator: Evaluator, term_id: int) -> FormHits:
    """The hits of one folded form inside the evaluator's filters and exclusions (one
    object per question: a later :func:`explain` shares it through the memo)."""
    key = (*evaluator.memo_key, "form", term_id)
    if evaluator.memo is not None and key in evaluator.memo:
        return evaluator.memo[key]
    found = _new_form_hits(evaluator, term_id)
    if evaluator.memo is not None:
        evaluator.memo[key] = found
    return found


def _new_form_hits(evaluator: Evaluator, term_id: int) -> FormHits:
    if evaluator.lang_ids is not None and not evaluator.excludes:
        # Each hit's paragraph language is checked, which implies the documents'.
        allowed = allowed_docs(evaluator.ix, replace(evaluator.filters, langs=()))
    else:
        allowed = evaluator.allowed
    return FormHits(evaluator.store, term_id, allowed, evaluator.lang_ids)


def _one_form(evaluator: Evaluator, alt: Node) -> int | None:
    """The folded id when a leaf's hits are exactly the occurrences of one folded form.

    That is one plain word (no wildcard, concept or hyphenated compound reading) in mode
    ``fold``, or in mode ``default`` typed without diacritics.
    """
    if (not isinstance(alt, Alternative) or len(alt.slots) != 1 or alt.lang or alt.source
            or evaluator.mode not in ("default", "fold")):
        return None
    slot = alt.slots[0]
    if _is_wild(slot) or (evaluator.mode == "default" and accent_pattern(slot) is not None):
        return None
    ids = evaluator.resolver.folded_ids(slot)
    if ids.size != 1 or evaluator.compounds(alt):
        return None
    return int(ids[0])


class FormHits(HitSet):
    """The hits of one folded form, read from the store's postings only as far as needed.

    The total and the number of documents come from the store's statistics (per form, per
    form and language, or per form and document under a document filter), and the first
    lines of a page in corpus order from the head of the postings: a concordance of the most
    frequent word does not collect every hit. Any other use reads every hit, once.
    """

    def __init__(self, store, term_id: int, allowed: np.ndarray | None,
                 lang_ids: np.ndarray | None):
        object.__setattr__(self, "_store", store)
        object.__setattr__(self, "_term", term_id)
        object.__setattr__(self, "_allowed", allowed)
        object.__setattr__(self, "_langs", lang_ids)
        counts = self._stored_counts()
        if counts is not None:
            object.__setattr__(self, "_total", counts[0])
            self.__dict__["n_docs"] = counts[1]

    def _stored_counts(self) -> tuple[int, int] | None:
        store, term = self._store, self._term
        if self._langs is None and self._allowed is None:
            return store.term_count(term), int(store.term_docs[term])
        if self._langs is None:
            per_doc = store.doc_counts(term)[self._allowed]
            return int(per_doc.sum()), int(np.count_nonzero(per_doc))
        if self._allowed is None and self._langs.size <= 1:
            langs, hits, docs = store.term_lang_counts(term)
            row = np.isin(langs, self._langs)
            return int(hits[row].sum()), int(docs[row].sum())
        return None     # several languages in a document filter: counted from the hits

    def _filter(self, pos: np.ndarray) -> np.ndarray:
        pos = np.asarray(pos)
        if self._allowed is not None and pos.size:
            pos = pos[self._store.in_docs(pos, self._allowed)]
        pos = pos.astype(np.int64, copy=False)
        if self._langs is not None and pos.size:
            pos = pos[np.isin(self._store.lang_of(pos), self._langs)]
        return pos

    @cached_property
    def starts(self) -> np.ndarray:  # type: ignore[override]
        return self._filter(self._store.postings(self._term))

    @cached_property
    def lengths(self) -> np.ndarray:  # type: ignore[override]
        return np.ones(self.starts.size, dtype=np.int32)

    @cached_property
    def docs(self) -> np.ndarray:  # type: ignore[override]
        return self._store.doc_of(self.starts)

    def __len__(self) -> int:
        total = getattr(self, "_total", None)
        return int(self.starts.size) if total is None else total

    def _head(self, k: int) -> np.ndarray:
        """The first ``k`` hits (or all, if fewer), walking the postings in corpus order."""
        if "starts" in self.__dict__:
            return self.starts[:k]
        postings = self._store.postings(self._term)
        parts, found, i, chunk = [], 0, 0, max(1024, 2 * k)
        while found < k and i < postings.size:
            part = self._filter(postings[i:i + chunk])
            parts.append(part)
            found += part.size
            i += chunk
            chunk *= 2
        return np.concatenate(parts)[:k] if parts else np.zeros(0, dtype=np.int64)

    def take(self, idx: np.ndarray) -> HitSet:
        idx = np.asarray(idx, dtype=np.int64)
        if "starts" in self.__dict__ or not idx.size or int(idx.max()) >= 4 * (int(idx.size) + 1024):
            return HitSet(self.starts[idx], self.lengths[idx], self.docs[idx])
        starts = self._head(int(idx.max()) + 1)[idx]
        return HitSet(starts, np.ones(starts.size, dtype=np.int32), self._store.doc_of(starts))


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))
Hits = tuple[np.ndarray, np.ndarray]       # (starts, lengths), sorted by start


class Evaluator:
    """Evaluate a query tree over one index: each node gives (starts, lengths) arrays."""

    def __init__(self, ix: CorpusIndex, parsed: ParsedQuery, *, mode: str = "default",
                 filters: Filters | None = None, deadline: float | None = None,
                 memo: dict | None = None):
        store = ix.store
        self.memo = memo
        self.ix, self.store, self.deadline, self.mode = ix, store, deadline, mode
        self.within = parsed.within
        self.filters = parsed.filters.merge(filters) if filters is not None else parsed.filters
        self.resolver = Resolver(ix, mode)
        self.exclude = parsed.exclude
        self.excludes = bool(parsed.exclude)
        # What a leaf's hits depend on besides the leaf (the documents allowed follow from
        # the filters and the exclusions).
        self.memo_key = (ix.generation, mode, self.filters, parsed.exclude)
        self.lang_ids = None
        if self.filters.langs:
            self.lang_ids = np.array([store.lang_ids[c] for c in self.filters.langs
                                      if c in store.lang_ids], dtype=np.int64)

    @cached_property
    def allowed(self) -> np.ndarray | None:
        """The store documents the filters and exclusions allow (None: all); found when first
        needed, so that a count read from stored statistics does not scan the paragraphs."""
        mask = allowed_docs(self.ix, self.filters)
        if self.exclude:
            excluded = _docs_with(self.ix, self.resolver, self.exclude, mask, self.deadline)
            mask = (mask if mask is not None else np.ones(self.store.n_docs, bool)) & ~excluded
        return mask

    def hits(self, node: Node) -> Hits:
        if isinstance(node, Alternative):
            return self.leaf(node)
        if isinstance(node, Or):
            found = merge_longest([self.hits(c) for c in node.children])
            if node.cancel and found[0].size:
                found = _take(found, ~_overlapping(found, merge_longest([self.leaf(c) for c in node.cancel])))
            return found
        if isinstance(node, And):
            parts = [self.hits(c) for c in node.children]
            units = [self.units(starts) + 1 for starts, _ in parts]
            common = self.unit_mask(units[0])
            for more in units[1:]:
                common &= self.unit_mask(more)
            return merge_longest([_take(part, common[u]) for part, u in zip(parts, units, strict=True)])
        if isinstance(node, Not):
            left = self.hits(node.left)
            if not left[0].size:
                return left
            right = self.unit_mask(self.units(self.hits(node.right)[0]) + 1)
            return _take(left, ~right[self.units(left[0]) + 1])
        return self.near(self.hits(node.left), self.hits(node.right), node.distance)

    def units(self, starts: np.ndarray) -> np.ndarray:
        """Paragraph numbers of positions (document numbers with ``within:doc``)."""
        return self.store.doc_of(starts) if self.within == "doc" else self.store.para_of(starts)

    def unit_mask(self, keys: np.ndarray) -> np.ndarray:
        """A mask over every paragraph (document with ``within:doc``) and the unit -1 of a
        position before the first, indexed by unit + 1 (``keys``): True where ``keys`` has one.
        A scatter, not a sort: the AND and NOT of two frequent words at 500M tokens."""
        n = self.store.n_docs if self.within == "doc" else len(self.store.para_doc)
        mask = np.zeros(n + 1, dtype=bool)
        mask[keys] = True
        return mask

    def leaf(self, alt: Alternative) -> Hits:
        key = (*self.memo_key, alt)
        if self.memo is not None and key in self.memo:
            return self.memo[key]
        found = self._leaf(alt)
        if self.memo is not None:
            self.memo[key] = found
        return found

    def _leaf(self, alt: Alternative) -> Hits:
        store = self.store
        langs_needed: list[str | None] = [None]
        if self.mode in ("stem", "lemma"):
            # Only the languages a lang: filter leaves (no table to read for the others).
            langs_needed = [c for c in store.langs
                            if self.lang_ids is None or store.lang_ids[c] in self.lang_ids]
        splits = self.compounds(alt)          # the vocabulary is read once, not per language
        parts = []
        for lang in [alt.lang] if alt.lang else langs_needed:
            if lang is not None and lang not in store.lang_ids:
                continue
            parts.append(self.pattern_hits(alt, lang))
            for split in splits:
                s, n = self.pattern_hits(split, lang)
                keep = is_joined(store.joined_pos, s)
                parts.append((s[keep], n[keep]))
        return merge_longest(parts)

    def pattern_hits(self, alt: Alternative, lang: str | None) -> Hits:
        """Hits of one phrase pattern in one language (None: any), inside the lang: filter."""
        s = _alternative_hits(self.ix, self.resolver, alt, lang, self.allowed, self.deadline)
        if self.lang_ids is not None and s.size:
            s = s[np.isin(self.store.lang_of(s), self.lang_ids)]
        return s, np.full(s.size, len(alt.slots), dtype=np.int32)

    def compounds(self, alt: Alternative) -> list[Alternative]:
        """A one-word leaf read as two hyphen-joined words (Staatskapitalismus: Staats-kapitalismus).

        Default and fold modes only: exact mode matches a spelling as written, and stems and
        lemmas are of whole words. The typed word is cut where its folded form is, so that
        each part keeps the diacritics typed in it.
        """
        if self.mode not in ("default", "fold") or len(alt.slots) != 1:
            return []
        typed = alt.slots[0]
        out = []
        for head, _tail in compound_splits(fold(typed), self.store.vocab, self.store.joined_forms):
            cut = next((k for k in range(1, len(typed)) if fold(typed[:k]) == head), None)
            if cut is not None:
                out.append(Alternative((typed[:cut], typed[cut:]), alt.lang, alt.source))
        return out

    def near(self, left: Hits, right: Hits, distance: int) -> Hits:
        """Pairs of hits with at most ``distance`` tokens between them, in one paragraph."""
        sa, la = left
        sb, lb = right
        if not sa.size or not sb.size:
            return _EMPTY
        ea, eb = sa + la, sb + lb
        # right after left: ea <= sb <= ea + distance (sb is sorted)
        ia1, ib1 = _pairs(np.searchsorted(sb, ea, "left"), np.searchsorted(sb, ea + distance, "right"))
        # right before left: sa - distance <= eb <= sa
        by_end = np.argsort(eb, kind="stable")
        eb_sorted = eb[by_end]
        ia2, jb2 = _pairs(np.searchsorted(eb_sorted, sa - distance, "left"),
                          np.searchsorted(eb_sorted, sa, "right"))
        ia = np.concatenate([ia1, ia2])
        ib = np.concatenate([ib1, by_end[jb2]])
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout("the query took too long; make it more specific or add filters")
        start = np.minimum(sa[ia], sb[ib])
        end = np.maximum(ea[ia], eb[ib])
        para_of = self.store.para_of
        same = para_of(start) == para_of(end - 1)
        start, end = start[same], end[same]
        # One hit per pair of token spans: a pair found from both sides counts once.
        order = np.lexsort((end, start))
        start, end = start[order], end[order]
        keep = np.ones(start.size, dtype=bool)
        keep[1:] = (start[1:] != start[:-1]) | (end[1:] != end[:-1])
        return start[keep].astype(np.int64), (end[keep] - start[keep]).astype(np.int32)


def _overlapping(hits: Hits, others: Hits) -> np.ndarray:
    """Which hits share a token with any of ``others`` (both sorted by start), vectorised."""
    if not others[0].size:
        return np.zeros(hits[0].size, dtype=bool)
    reach = np.maximum.accumulate(others[0] + others[1])     # furthest end among others so far
    before_end = np.searchsorted(others[0], hits[0] + hits[1], "left")   # others starting inside
    ok = before_end > 0
    out = np.zeros(hits[0].size, dtype=bool)
    out[ok] = reach[before_end[ok] - 1] > hits[0][ok]
    return out


def _pairs(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand ranges [lo[i], hi[i]) into (i, j) index pairs, vectorised."""
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if total > MAX_PAIRS:
        raise OptionError(f"the proximity query gives {total:,} pairs (the limit is {MAX_PAIRS:,}); "
                          "make it more specific or add filters")
    i = np.repeat(np.arange(lo.size), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return i, np.repeat(lo, counts) + offsets


def _take(hits: Hits, keep: np.ndarray) -> Hits:
    return hits[0][keep], hits[1][keep]


def merge_longest(parts: list[Hits]) -> Hits:
    """Hits of several parts together, in corpus order.

    Where parts have hits at the same start, the part with the longest one there wins and
    the others' hits at that start are dropped (for phrase patterns: one hit per start, the
    longest). Hits of one part are all kept (a proximity part may hold several pairs that
    start at one token).
    """
    parts = [p for p in parts if p[0].size]
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    starts = np.concatenate([p[0] for p in parts])
    lengths = np.concatenate([p[1] for p in parts])
    part = np.repeat(np.arange(len(parts)), [p[0].size for p in parts])
    order = np.lexsort((lengths, part, -lengths, starts))
    starts, lengths, part = starts[order], lengths[order], part[order]
    first = np.ones(starts.size, dtype=bool)
    first[1:] = starts[1:] != starts[:-1]
    group = np.cumsum(first) - 1                  # which start each row belongs to
    winner = part[first][group]                   # the part of the longest hit at that start
    keep = part == winner
    starts, lengths = starts[keep], lengths[keep]
    order = np.lexsort((lengths, starts))          # corpus order; at one start, shorter first
    return starts[order], lengths[order]


def count_as_typed(ix: CorpusIndex, parsed: ParsedQuery, hits: HitSet, *, mode: str = "default",
                   filters: Filters | None = None, deadline: float | None = None) -> int | None:
    """How many hits are spelled exactly as typed, for a query with diacritics in mode default.

    None when the question does not arise (another mode, or no diacritic typed). A hit
    counts when it is also a hit of the query in mode ``exact`` (same start and length).
    """
    if mode != "default" or not isinstance(parsed, ParsedQuery):
        return None
    if not any(has_diacritics(slot) for alt in leaves(parsed.root) if not alt.source
               for slot in alt.slots):
        return None
    exact = find_hits(ix, parsed, mode="exact", filters=filters, deadline=deadline)
    key = hits.starts.astype(np.int64) * 4096 + hits.lengths
    exact_key = exact.starts.astype(np.int64) * 4096 + exact.lengths
    return int(np.count_nonzero(np.isin(key, exact_key)))


def explain(ix: CorpusIndex, parsed: ParsedQuery, *, mode: str = "default",
            filters: Filters | None = None, deadline: float | None = None,
            max_forms: int = EXPLAIN_FORMS, memo: dict | None = None) -> dict[str, Any]:
    """How a query was read: its tree, its rules, and per leaf the forms it matched.

    Form counts are occurrences in the whole corpus (before filters); ``hits`` of a leaf
    are its hits inside the filters.
    """
    if not isinstance(parsed, ParsedQuery):     # CQL (concord.cql) explains itself
        from .cql import explain_cql

        return explain_cql(ix, parsed, mode=mode, filters=filters, deadline=deadline,
                           max_forms=max_forms)
    evaluator = Evaluator(ix, parsed, mode=mode, filters=filters, deadline=deadline, memo=memo)
    out_leaves = []
    for alt in dict.fromkeys(leaves(parsed.root)):
        slots = [{"slot": slot, **_slot_forms(ix, evaluator.resolver, alt, slot, max_forms)}
                 for slot in alt.slots]
        term_id = _one_form(evaluator, alt)
        n_hits = len(_form_hits(evaluator, term_id)) if term_id is not None else \
            int(evaluator.leaf(alt)[0].size)
        out_leaves.append({"leaf": alt.text(), "lang": alt.lang, "source": alt.source,
                           "hits": n_hits, "slots": slots})
    rules = parsed.rules()
    if mode == "default" and any(has_diacritics(s) for alt in leaves(parsed.root) if not alt.source
                                 for s in alt.slots):
        rules.append("accent-aware: a letter typed with an accent matches only that accent "
                     "(and a capital written without it); one typed without matches any")
    return {"query": parsed.text, "mode": mode, "mode_rule": MODE_HELP.get(mode, mode),
            "tree": tree_lines(parsed.root), "expansion": parsed.expansion(),
            "exclude": [a.text() for a in parsed.exclude], "filters": evaluator.filters.as_dict(),
            "within": parsed.within, "rules": rules, "leaves": out_leaves}


def explain_text(report: dict[str, Any]) -> str:
    """The explanation as plain text lines (CLI)."""
    lines = ["parse tree:"] + [f"  {line}" for line in report["tree"]]
    for text in report["exclude"]:
        lines.append(f"exclude documents with: {text}")
    if report["filters"]:
        lines.append("filters: " + " ".join(f"{k}:{v}" for k, v in report["filters"].items()))
    if report["within"] == "doc":
        lines.append("within: doc")
    lines.append(f"mode: {report['mode']} ({report['mode_rule']})")
    if report["rules"]:
        lines.append("rules:")
        lines.extend(f"  {rule}" for rule in report["rules"])
    lines.append("matched forms (corpus counts):")
    for leaf in report["leaves"]:
        lang = f" [{leaf['lang']}]" if leaf["lang"] else ""
        lines.append(f"  {leaf['leaf']}{lang}: {leaf['hits']} hits")
        for slot in leaf["slots"]:
            forms = ", ".join(f"{f} {n}" for f, n in slot["forms"]) or "no form in the corpus"
            more = f", and {slot['more']} more" if slot["more"] else ""
            lines.append(f"    {slot['slot']} -> {forms}{more}")
    return "\n".join(lines)


def _slot_forms(ix: CorpusIndex, resolver: Resolver, alt: Alternative, slot: str,
                max_forms: int) -> dict[str, Any]:
    """The vocabulary forms one slot matches, most frequent first, with corpus counts."""
    store = ix.store
    langs = [alt.lang] if alt.lang else ([None] if resolver.mode not in ("stem", "lemma")
                                         else list(store.langs))
    ids = np.unique(np.concatenate([resolver.folded_ids(slot, lang, concept=bool(alt.source))
                                    for lang in langs]
                                   or [np.zeros(0, np.int64)]))
    surface_check = None
    if resolver.mode == "exact" and not alt.source:
        surface_check = set(resolver.surface_ids(slot).tolist())
    elif _accent_aware(resolver.mode, alt) and accent_pattern(slot) is not None:
        surface_check = "accent"
    if surface_check is None:
        counts = [(store.vocab[i], store.term_count(i)) for i in ids.tolist()]
    else:
        # Surface forms at the positions of the folded forms (from the postings, not a scan).
        positions = store.positions(ids)
        surf = store.surf[positions] if positions.size else np.zeros(0, np.int32)
        sids, n = np.unique(surf, return_counts=True)
        counts = []
        for sid, c in zip(sids.tolist(), n.tolist(), strict=True):
            form = store.surfaces[sid]
            ok = sid in surface_check if surface_check != "accent" else accent_match(slot, form)
            if ok:
                counts.append((form, c))
    counts.sort(key=lambda fc: (-fc[1], fc[0]))
    return {"forms": [[f, int(c)] for f, c in counts[:max_forms]],
            "more": max(0, len(counts) - max_forms), "n_forms": len(counts)}


def _docs_with(ix, resolver, alternatives, allowed, deadline) -> np.ndarray:
    out = np.zeros(ix.store.n_docs, dtype=bool)
    for alt in alternatives:
        s = _alternative_hits(ix, resolver, alt, None, allowed, deadline)
        out[np.unique(ix.store.doc_of(s))] = True
    return out


def _with_token(store, starts: np.ndarray, j: int, ids: np.ndarray, n_positions: int) -> np.ndarray:
    """The sorted ``starts`` whose token ``j`` places on has one of the folded ``ids``
    (``n_positions``: how many tokens have them).

    When those tokens are not many more than the starts, their sorted positions are merged
    with the starts (a sort of two sorted runs, linear): that reads the postings, which are
    few pages, and not the token column at every start, which at 500M tokens is 1.5 GB of
    pages read at random, and twice as slow. Otherwise the token column is read at each start.
    """
    if ids.size <= 4 and n_positions <= 4 * starts.size:
        wanted = [np.asarray(store.postings(term_id)) for term_id in np.unique(ids).tolist()]
        dtype = wanted[0].dtype if starts.size and int(starts[-1]) + j <= np.iinfo(wanted[0].dtype).max \
            else np.int64
        # One array, filled in place: no temporaries of the starts moved or converted.
        both = np.empty(starts.size + sum(w.size for w in wanted), dtype=dtype)
        np.add(starts, j, out=both[:starts.size], casting="unsafe")
        at = starts.size
        for w in wanted:
            both[at:at + w.size] = w
            at += w.size
        both.sort(kind="stable")           # a few sorted runs of distinct positions: merges
        return both[np.flatnonzero(both[1:] == both[:-1])].astype(np.int64) - j
    return starts[np.isin(store.tok[starts + j], ids)]


def _alternative_hits(ix: CorpusIndex, resolver: Resolver, alt: Alternative, lang: str | None,
                      allowed: np.ndarray | None, deadline: float | None) -> np.ndarray:
    """Global start positions of one alternative (in one language when ``lang`` is set),
    in the store documents ``allowed`` (a mask; None: all)."""
    store = ix.store
    slot_ids = [resolver.folded_ids(slot, lang, concept=bool(alt.source)) for slot in alt.slots]
    if any(ids.size == 0 for ids in slot_ids):
        return np.zeros(0, dtype=np.int64)
    post_off = store.post_off
    freqs = [int((post_off[ids + 1] - post_off[ids]).sum()) for ids in slot_ids]
    anchor = int(np.argmin(freqs))
    if allowed is not None and not allowed.any():
        return np.zeros(0, dtype=np.int64)
    n_slots = len(alt.slots)
    # A phrase in documents that hold most of the tokens (say every one but the near-
    # duplicates): its few matches are placed in their documents, not every anchor position.
    late = (allowed is not None and n_slots > 1
            and int(np.dot(allowed, store.doc_sizes)) * 2 > store.n_tokens)
    anchor_pos = store.positions(slot_ids[anchor], None if late else allowed)
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeout("the query took too long; make it more specific or add filters")
    if not anchor_pos.size:
        return np.zeros(0, dtype=np.int64)
    doc_tok = store.doc_tok
    starts = anchor_pos - anchor
    if n_slots > 1:
        if starts[0] < 0 or starts[-1] + n_slots > store.n_tokens:   # sorted: check the ends
            starts = starts[(starts >= 0) & (starts + n_slots <= store.n_tokens)]
        for j, ids in enumerate(slot_ids):
            if j == anchor or not starts.size:
                continue
            starts = _with_token(store, starts, j, ids, freqs[j])
        # A phrase lies in one document and one paragraph, as a NEAR pair does: "thought
        # of." ending one paragraph and "The candle" opening the next are not "of the".
        # (Checked on the few starts whose every slot matched.)
        # One search: the next document's first token must come after the phrase's last.
        next_doc = np.searchsorted(doc_tok, starts, side="right")
        ok = starts + n_slots <= doc_tok[next_doc]
        if late:
            ok &= allowed[next_doc - 1]
        starts = starts[ok]
        if starts.size:
            starts = starts[store.in_one_paragraph(starts, n_slots)]
    if resolver.mode == "exact" and not alt.source and starts.size:
        for j, slot in enumerate(alt.slots):
            surf_ids = resolver.surface_ids(slot)
            starts = starts[np.isin(store.surf[starts + j], surf_ids)]
    elif _accent_aware(resolver.mode, alt) and starts.size:
        # Accent-aware: keep the spellings each slot with a typed diacritic allows, checked
        # once per distinct surface form (typed words in the default mode, a concept's forms
        # in exact mode; see _accent_aware).
        for j, slot in enumerate(alt.slots):
            if accent_pattern(slot) is None or not starts.size:
                continue
            surf = store.surf[starts + j]
            distinct = np.unique(surf)
            surfaces = store.surfaces
            ok = [sid for sid in distinct.tolist() if accent_match(slot, surfaces[sid])]
            starts = starts[np.isin(surf, ok)]
    elif resolver.mode == "lemma" and lang is not None and starts.size:
        for j, slot in enumerate(alt.slots):
            if not _is_wild(slot):
                starts = starts[np.isin(store.surf[starts + j], resolver.lemma_surface_ids(slot, lang))]
    if lang is not None and starts.size:
        starts = starts[store.lang_of(starts) == store.lang_ids[lang]]
    return starts
