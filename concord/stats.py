"""Frequencies, collocates, word lists, n-grams and keywords, as rows of plain data.

Counts come from the token store with numpy; a hit belongs to the language of the paragraph
it starts in and to its document's counting year (the midpoint of the document's year range,
see :func:`concord.ingest.counting_year`). The denominator of every relative frequency is
the number of tokens of the same cell (language, year, author... inside the same filters),
never the whole corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .errors import OptionError
from .hits import HitSet, allowed_docs, find_hits
from .index import CorpusIndex
from .measures import MEASURES, contingency, keyness_log_likelihood, log_ratio
from .query import Filters, ParsedQuery

BY_FIELDS = ("year", "decade", "lang", "author", "group", "work", "doc", "form")
SPARSE_TOKENS = 10_000
MAX_NGRAM = 6
MAX_WINDOW = 20
#: How word lists, n-grams and keywords count forms: folded (each shown in its most frequent
#: spelling) or as written.
FORM_MODES = ("default", "exact")


def check_form_mode(mode: str) -> bool:
    """Whether forms are counted as written (raises OptionError for a mode that does not apply)."""
    if mode not in FORM_MODES:
        raise OptionError(f"mode {mode!r} does not apply to word lists, n-grams and keywords: "
                          f"use {' or '.join(FORM_MODES)}")
    return mode == "exact"


def parse_by(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Validate ``--by`` fields (raises OptionError)."""
    if not value:
        return ("lang",)
    fields = [f.strip() for f in (value.split(",") if isinstance(value, str) else value) if f.strip()]
    bad = [f for f in fields if f not in BY_FIELDS]
    if bad:
        raise OptionError(f"bad --by field {bad[0]!r}: use {', '.join(BY_FIELDS)}")
    if len(set(fields)) != len(fields):
        raise OptionError("a --by field is repeated")
    return tuple(fields)


def _column(field: str) -> str:
    return "doc_id" if field == "doc" else field


def hit_forms(ix: CorpusIndex, hits: HitSet) -> tuple[np.ndarray, list[str]]:
    """The matched written form of every hit: (form number per hit, the forms' texts).

    A form is the hit's words as written (case and accents kept, as in the KWIC ``match``
    column), separated by one space where the text separates them (not in Japanese or
    Chinese, written without spaces): hits that differ only in what separates their words (a
    space, a line end, a hyphen) are one form, as a phrase query cannot tell them apart.
    Hits are grouped by their tuple of surface ids, and each group's text is read once from
    the stored text of one example.
    """
    store = ix.store
    n = len(hits)
    if not n:
        return np.zeros(0, dtype=np.int64), []
    width = int(hits.lengths.max())
    starts = hits.starts.astype(np.int64)
    lengths = hits.lengths.astype(np.int64)
    surf = store.surf
    cols = []
    for j in range(width):
        inside = lengths > j
        pos = np.where(inside, starts + j, starts)
        cols.append(np.where(inside, np.asarray(surf[pos], dtype=np.int64), -1))
    _, first, inverse = np.unique(np.stack(cols, axis=1), axis=0, return_index=True,
                                  return_inverse=True)
    tok_start, tok_end = store.start, store.end
    texts: dict[str, int] = {}
    group_form = np.zeros(len(first), dtype=np.int64)
    for g, i in enumerate(first.tolist()):
        doc = int(hits.docs[i])
        a = int(starts[i])
        text = store.text(doc, int(tok_start[a]), int(tok_end[a]))
        for p in range(a + 1, a + int(lengths[i])):
            gap = " " if int(tok_start[p]) > int(tok_end[p - 1]) else ""
            text += gap + store.text(doc, int(tok_start[p]), int(tok_end[p]))
        group_form[g] = texts.setdefault(text, len(texts))
    return group_form[inverse.reshape(-1)], list(texts)


def _doc_keys(ix: CorpusIndex, field: str) -> list[Any]:
    """The value of a document-level ``--by`` field for every document."""
    docs = ix.store.docs
    if field == "year":
        return [d.get("year") for d in docs]
    if field == "decade":
        return [None if d.get("year") is None else d["year"] // 10 * 10 for d in docs]
    if field == "doc":
        return [d["doc_id"] for d in docs]
    return [d.get(field) or "" for d in docs]


def _doc_lang_tokens(ix: CorpusIndex) -> np.ndarray:
    """Tokens per (document, paragraph language), shape (docs, langs)."""
    return _doc_lang_table(ix.store.path.as_posix(), ix.store)


@lru_cache(maxsize=8)
def _doc_lang_table(_key: str, store) -> np.ndarray:
    lens = np.diff(store.para_tok)
    table = np.zeros((store.n_docs, max(1, len(store.langs))), dtype=np.int64)
    np.add.at(table, (store.para_doc, store.para_lang.astype(np.int64)), lens)
    return table


def freq(ix: CorpusIndex, queries: Sequence[tuple[str, ParsedQuery]], *, by: Sequence[str] = ("lang",),
         mode: str = "default", filters: Filters | None = None, deadline: float | None = None,
         sparse_tokens: int = SPARSE_TOKENS) -> list[dict[str, Any]]:
    """Count hits per cell of the ``by`` fields, with the cell's tokens and per-million rate.

    Every cell that has tokens inside the filters is present, with 0 hits if need be. With
    ``form`` among the fields, a row is a matched written form (see :func:`hit_forms`) of a
    cell of the other fields, present only with hits, most hits first inside its cell; its
    tokens are those of the cell (the whole filtered corpus when form is the only field).
    """
    by = parse_by(list(by))
    store = ix.store
    filters = filters or Filters()
    table = _doc_lang_tokens(ix)
    rows: list[dict[str, Any]] = []
    doc_fields = [f for f in by if f not in ("lang", "form")]
    cell_fields = doc_fields + (["lang"] if "lang" in by else [])
    doc_keys = {f: _doc_keys(ix, f) for f in doc_fields}
    for label, parsed in queries:
        merged = parsed.filters.merge(filters)
        mask = allowed_docs(ix, merged)
        lang_ok = np.ones(table.shape[1], dtype=bool)
        if merged.langs:
            lang_ok[:] = False
            for code in merged.langs:
                if code in store.lang_ids:
                    lang_ok[store.lang_ids[code]] = True
        # Denominators: tokens per cell.
        tokens: dict[tuple, int] = {}
        doc_idx = np.nonzero(mask)[0] if mask is not None else np.arange(store.n_docs)
        sub = table[doc_idx][:, lang_ok]
        lang_codes = [store.langs[i] for i in np.nonzero(lang_ok)[0]]
        for row_i, d in enumerate(doc_idx.tolist()):
            base = tuple(doc_keys[f][d] for f in doc_fields)
            if "lang" in by:
                for col, code in enumerate(lang_codes):
                    n = int(sub[row_i, col])
                    if n:
                        key = base + (code,)
                        tokens[key] = tokens.get(key, 0) + n
            else:
                n = int(sub[row_i].sum())
                if n:
                    tokens[base] = tokens.get(base, 0) + n
        # Numerators.
        hits = find_hits(ix, parsed, mode=mode, filters=filters, deadline=deadline)
        counts: dict[tuple, int] = {}
        doc_sets: dict[tuple, set[int]] = {}
        if len(hits):
            hit_langs = store.lang_of(hits.starts).astype(np.int64)
            stacked = [hits.docs.astype(np.int64), hit_langs]
            forms: list[str] = []
            if "form" in by:
                form_ids, forms = hit_forms(ix, hits)
                stacked.append(form_ids)
            triples, n_per = np.unique(np.stack(stacked), axis=1, return_counts=True)
            for cols, n in zip(triples.T.tolist(), n_per.tolist(), strict=True):
                d, lang_id = cols[0], cols[1]
                key = tuple(doc_keys[f][d] for f in doc_fields)
                if "lang" in by:
                    key = key + (store.langs[lang_id],)
                if "form" in by:
                    key = key + (forms[cols[2]],)
                counts[key] = counts.get(key, 0) + n
                doc_sets.setdefault(key, set()).add(d)
        if "form" in by:
            # A form exists only where it has hits; the denominator is its cell's tokens.
            keys = sorted(counts, key=lambda k: (_sort_key(k[:-1]), -counts[k], k[-1]))
        else:
            keys = sorted(set(tokens) | set(counts), key=_sort_key)
        names = cell_fields + (["form"] if "form" in by else [])
        for key in keys:
            n_tok = tokens.get(key[:len(cell_fields)], 0)
            n_hits = counts.get(key, 0)
            row: dict[str, Any] = {}
            values = dict(zip(names, key, strict=True))
            for f in by:
                row[_column(f)] = values[f]
            if len(queries) > 1:
                row = {"query": label, **row}
            row["hits"] = n_hits
            row["docs"] = len(doc_sets.get(key, ()))
            row["tokens"] = n_tok
            row["per_million"] = round(n_hits / n_tok * 1e6, 4) if n_tok else None
            row["sparse"] = n_tok < sparse_tokens
            rows.append(row)
    return rows


def freq_columns(by: Sequence[str], several: bool) -> list[str]:
    return (["query"] if several else []) + [_column(f) for f in by] + [
        "hits", "docs", "tokens", "per_million", "sparse"]


def _sort_key(key: tuple) -> tuple:
    return tuple((v is None, v if v is not None else 0) if isinstance(v, int) or v is None
                 else (False, str(v)) for v in key)


# --- sub-corpora ----------------------------------------------------------------------------

def _no_categories(filters: Filters) -> None:
    if filters.by_category:
        raise OptionError("category: keeps or drops the hits of a query; word lists and n-grams "
                          "count every token, so it does not apply to them")


def subcorpus_positions(ix: CorpusIndex, filters: Filters) -> np.ndarray | None:
    """Global token positions inside the filters (None when the filters allow everything)."""
    store = ix.store
    mask = allowed_docs(ix, filters)
    if mask is None and not filters.langs:
        return None
    para_ok = np.ones(len(store.para_lang), dtype=bool) if mask is None else mask[store.para_doc]
    if filters.langs:
        ids = [store.lang_ids[c] for c in filters.langs if c in store.lang_ids]
        para_ok &= np.isin(store.para_lang, ids)
    starts = store.para_tok[:-1][para_ok]
    lens = np.diff(store.para_tok)[para_ok]
    total = int(lens.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
    return offsets + np.arange(total, dtype=np.int64)


def term_counts(ix: CorpusIndex, positions: np.ndarray | None) -> np.ndarray:
    """Frequency of every folded form among ``positions`` (all tokens when None)."""
    store = ix.store
    if positions is None:       # every token: the postings' lengths
        return np.diff(np.asarray(store.post_off, dtype=np.int64))
    return np.bincount(np.asarray(store.tok[positions]), minlength=store.n_vocab)


def unit_counts(ix: CorpusIndex, positions: np.ndarray | None, exact: bool) -> np.ndarray:
    """Frequency of every form among ``positions``: folded forms, or as written (``exact``)."""
    if not exact:
        return term_counts(ix, positions)
    store = ix.store
    surf = store.surf if positions is None else store.surf[positions]
    return np.bincount(np.asarray(surf), minlength=len(store.surfaces))


@lru_cache(maxsize=8)
def _spelling_table(_key: str, store) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from .errors import IndexNotFound
    from .lemmas import tables

    surf = np.asarray(store.surf)
    n_surf = len(store.surfaces)
    counts = np.bincount(surf, minlength=n_surf)
    try:        # written at index time beside the lemma tables
        fold_of = np.asarray(tables(store).surface_fold, dtype=np.int64)
    except IndexNotFound:
        fold_of = np.zeros(n_surf, dtype=np.int64)
        fold_of[surf] = np.asarray(store.tok)
    # Most frequent spelling first within each folded form; ties go to the first in sort order.
    order = np.lexsort((np.arange(n_surf), -counts, fold_of))
    folds = fold_of[order]
    first = np.flatnonzero(np.concatenate([[True], folds[1:] != folds[:-1]])) if n_surf else order
    display = np.full(store.n_vocab, -1, dtype=np.int64)
    display[folds[first]] = order[first]
    return display, fold_of, counts


def _surface_counts(ix: CorpusIndex) -> np.ndarray:
    return _spelling_table(ix.store.path.as_posix(), ix.store)[2]


def spelling_ids(ix: CorpusIndex) -> np.ndarray:
    """The surface id of each folded form's most frequent written spelling in the corpus."""
    return _spelling_table(ix.store.path.as_posix(), ix.store)[0]


def folded_of_surface(ix: CorpusIndex) -> np.ndarray:
    """The folded id of each surface id."""
    return _spelling_table(ix.store.path.as_posix(), ix.store)[1]


def form_labels(ix: CorpusIndex, ids: Sequence[int], exact: bool,
                positions: np.ndarray | None = None) -> tuple[list[str], list[str]]:
    """(display spelling, key) of form ids: folded ids shown by their most frequent spelling
    among ``positions`` (the whole corpus when None), keyed by the folded form; surface ids
    (``exact``) shown and keyed as written."""
    store = ix.store
    if exact:
        words = [store.surfaces[int(i)] for i in ids]
        return words, words
    display = spelling_ids(ix) if positions is None else _spellings_among(ix, positions)
    return ([store.surfaces[int(display[i])] for i in ids], [store.vocab[int(i)] for i in ids])


def _spellings_among(ix: CorpusIndex, positions: np.ndarray) -> np.ndarray:
    """Like :func:`spelling_ids`, counting only the tokens at ``positions``."""
    store = ix.store
    counts = np.bincount(np.asarray(store.surf[positions]), minlength=len(store.surfaces))
    seen = np.flatnonzero(counts)
    fold_of = folded_of_surface(ix)
    # Ties go to the corpus's more frequent spelling, then to the first in sort order.
    overall = _surface_counts(ix)
    order = seen[np.lexsort((seen, -overall[seen], -counts[seen], fold_of[seen]))]
    folds = fold_of[order]
    first = np.flatnonzero(np.concatenate([[True], folds[1:] != folds[:-1]])) if order.size else order
    display = spelling_ids(ix).copy()
    display[folds[first]] = order[first]
    return display


def _folded_ids(ix: CorpusIndex, ids: np.ndarray, exact: bool) -> np.ndarray:
    return folded_of_surface(ix)[ids] if exact else ids


@lru_cache(maxsize=32)
def _stopword_ids(store_key: str, store, lang: str) -> np.ndarray:
    import stopwordsiso

    from .analysis import fold

    if not stopwordsiso.has_lang(lang):
        return np.zeros(0, dtype=np.int64)
    vocab = store.vocab
    ids = {i for i in (vocab.index(fold(w)) for w in stopwordsiso.stopwords(lang)) if i is not None}
    return np.asarray(sorted(ids), dtype=np.int64)


def stopword_ids(ix: CorpusIndex, langs: Sequence[str]) -> np.ndarray:
    """Folded-form ids of the stopwords of the given languages."""
    parts = [_stopword_ids(ix.store.path.as_posix(), ix.store, lang) for lang in langs]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


# --- collocates -----------------------------------------------------------------------------

def parse_window(value: str | int | Sequence[int]) -> tuple[int, int]:
    """Parse ``N`` or ``L,R`` (raises OptionError)."""
    try:
        if isinstance(value, int):
            left = right = value
        elif isinstance(value, str):
            parts = [int(p) for p in value.split(",")]
            left, right = (parts[0], parts[0]) if len(parts) == 1 else (parts[0], parts[1])
            if len(parts) > 2:
                raise ValueError
        else:
            left, right = int(value[0]), int(value[1])
    except (ValueError, TypeError, IndexError):
        raise OptionError(f"bad window {value!r}: use N or L,R, e.g. 5 or 3,5") from None
    if not (0 <= left <= MAX_WINDOW and 0 <= right <= MAX_WINDOW) or left + right == 0:
        raise OptionError(f"window sides must be 0..{MAX_WINDOW} and not both 0")
    return left, right


def collocates(ix: CorpusIndex, parsed: ParsedQuery, *, window: tuple[int, int] = (5, 5),
               measure: str = "ll", min_freq: int = 3, drop_stopwords: bool = True,
               by_lang: bool | None = None, mode: str = "default", filters: Filters | None = None,
               limit: int | None = 100, deadline: float | None = None,
               include_negative: bool = False) -> list[dict[str, Any]]:
    """Score the words around the hits of a query; per language when they span languages.

    Forms are folded (shown by their most frequent spelling) or, in ``exact`` mode, as
    written. ``cooccurrences`` counts the collocate's tokens in the windows (each position
    once), ``lines`` the hits with the collocate in their window. Only collocates seen more
    often than expected (positive association) are kept unless ``include_negative``.
    """
    if measure not in MEASURES:
        raise OptionError(f"unknown measure {measure!r}: use {', '.join(MEASURES)}")
    if min_freq < 1:
        raise OptionError("min-freq must be 1 or more")
    from .linefilters import window_pairs

    store = ix.store
    exact = mode == "exact"
    merged = parsed.filters.merge(filters or Filters())
    hits = find_hits(ix, parsed, mode=mode, filters=filters, deadline=deadline)
    hit_langs = store.lang_of(hits.starts) if len(hits) else np.zeros(0, dtype=np.int16)
    if by_lang is None:
        by_lang = collocates_per_language(ix, parsed, hits)
    groups: list[tuple[str | None, np.ndarray]]
    if by_lang:
        groups = [(store.langs[int(i)], np.nonzero(hit_langs == i)[0]) for i in np.unique(hit_langs)]
    else:
        groups = [(None, np.arange(len(hits)))]
    left, right = window
    units = store.surf if exact else store.tok
    n_units = len(store.surfaces) if exact else store.n_vocab
    rows: list[dict[str, Any]] = []
    for lang, idx in groups:
        sub_filters = merged if lang is None else Filters(langs=(lang,)).merge(
            Filters(year_from=merged.year_from, year_to=merged.year_to, authors=merged.authors,
                    groups=merged.groups, works=merged.works, doc_ids=merged.doc_ids))
        positions = subcorpus_positions(ix, sub_filters)
        corpus_counts = unit_counts(ix, positions, exact)
        n_corpus = int(corpus_counts.sum())
        h = hits.take(idx)
        pair_hit, pair_pos = window_pairs(ix, h, left, right)
        win = np.unique(pair_pos)
        f_n = int(win.size)
        co = np.bincount(np.asarray(units[win]), minlength=n_units)
        cand = np.nonzero(co >= min_freq)[0]
        if drop_stopwords and cand.size:
            langs = [lang] if lang else sorted({store.langs[int(i)] for i in np.unique(hit_langs[idx])})
            cand = cand[~np.isin(_folded_ids(ix, cand, exact), stopword_ids(ix, langs))]
        if cand.size:
            words = store.surfaces if exact else store.vocab
            cand = cand[np.array([not words[int(i)].isdigit() for i in cand.tolist()], dtype=bool)]
        if not cand.size:
            continue
        f_nc = co[cand].astype(np.float64)
        f_c = np.maximum(corpus_counts[cand], co[cand]).astype(np.float64)
        total = float(max(n_corpus, f_n))
        o11, o12, o21, o22 = contingency(f_nc, float(f_n), f_c, total)
        score = MEASURES[measure](o11, o12, o21, o22)
        if not include_negative:
            positive = f_nc > f_n * f_c / total        # observed above expected
            cand, f_nc, f_c, score = cand[positive], f_nc[positive], f_c[positive], score[positive]
        if not cand.size:
            continue
        order = np.lexsort((cand, -f_nc, -score))
        if limit is not None:
            order = order[:limit]
        shown = cand[order]
        # Lines: hits with the collocate somewhere in their window.
        pair_unit = np.asarray(units[pair_pos]).astype(np.int64)
        wanted = np.isin(pair_unit, shown)
        # One (collocate, hit) pair per line, as one integer key: unique on a flat array.
        pair_key = np.unique(pair_unit[wanted] * max(1, len(h)) + pair_hit[wanted])
        lines = np.bincount(pair_key // max(1, len(h)), minlength=n_units)
        display, keys = form_labels(ix, shown.tolist(), exact, win)
        for k, i in enumerate(order.tolist()):
            row = {"lang": lang} if by_lang else {}
            row.update({"collocate": display[k], "key": keys[k], "cooccurrences": int(f_nc[i]),
                        "lines": int(lines[int(cand[i])]), "frequency": int(f_c[i]),
                        measure: round(float(score[i]), 4)})
            rows.append(row)
    return rows


def collocates_per_language(ix: CorpusIndex, parsed: ParsedQuery, hits: HitSet) -> bool:
    """Per-language collocates for @concepts and for queries whose hits span languages."""
    if parsed is not None and getattr(parsed, "concepts", None):
        return True
    if not len(hits):
        return False
    return np.unique(ix.store.lang_of(hits.starts)).size > 1


def collocate_columns(measure: str, by_lang: bool) -> list[str]:
    return (["lang"] if by_lang else []) + ["collocate", "key", "cooccurrences", "lines",
                                            "frequency", measure]


# --- word lists, n-grams, keywords ----------------------------------------------------------

def _doc_counts(ix: CorpusIndex, positions: np.ndarray | None, exact: bool = False) -> np.ndarray:
    """Number of documents containing each form (folded, or as written with ``exact``)."""
    store = ix.store
    units = store.surf if exact else store.tok
    out = np.zeros(len(store.surfaces) if exact else store.n_vocab, dtype=np.int64)
    for d in range(store.n_docs):
        a, b = int(store.doc_tok[d]), int(store.doc_tok[d + 1])
        if positions is None:
            ids = np.unique(np.asarray(units[a:b]))
        else:
            lo, hi = np.searchsorted(positions, [a, b])
            if lo == hi:
                continue
            ids = np.unique(np.asarray(units[positions[lo:hi]]))
        out[ids] += 1
    return out


def wordlist(ix: CorpusIndex, *, filters: Filters | None = None, min_freq: int = 1,
             drop_stopwords: bool = False, limit: int | None = None,
             mode: str = "default") -> list[dict[str, Any]]:
    """Every form with frequency, per million and documents, most frequent first.

    Forms are folded and shown by their most frequent written spelling (``key`` is the
    folded form); in ``exact`` mode each form as written is its own row.
    """
    store = ix.store
    exact = check_form_mode(mode)
    filters = filters or Filters()
    _no_categories(filters)
    positions = subcorpus_positions(ix, filters)
    counts = unit_counts(ix, positions, exact)
    total = int(counts.sum())
    ids = np.nonzero(counts >= max(1, min_freq))[0]
    if drop_stopwords and ids.size:
        stop = stopword_ids(ix, filters.langs or store.langs)
        ids = ids[~np.isin(_folded_ids(ix, ids, exact), stop)]
    order = ids[np.lexsort((ids, -counts[ids]))]
    if limit is not None:
        order = order[:limit]
    docs = _doc_counts(ix, positions, exact)
    display, keys = form_labels(ix, order.tolist(), exact, positions)
    return [{"rank": r, "form": display[r - 1], "key": keys[r - 1], "frequency": int(counts[i]),
             "per_million": round(counts[i] / total * 1e6, 4) if total else None,
             "documents": int(docs[i])} for r, i in enumerate(order.tolist(), start=1)]


WORDLIST_COLUMNS = ("rank", "form", "key", "frequency", "per_million", "documents")


def ngrams(ix: CorpusIndex, n: int, *, filters: Filters | None = None, min_freq: int = 2,
           limit: int | None = 100, mode: str = "default") -> list[dict[str, Any]]:
    """The most frequent runs of ``n`` tokens that stay inside one paragraph.

    Words are folded (each shown by its most frequent spelling) or, in ``exact`` mode, as
    written.
    """
    if not 1 <= n <= MAX_NGRAM:
        raise OptionError(f"N must be from 1 to {MAX_NGRAM}")
    store = ix.store
    exact = check_form_mode(mode)
    units = store.surf if exact else store.tok
    filters = filters or Filters()
    _no_categories(filters)
    positions = subcorpus_positions(ix, filters)
    if positions is None:
        positions = np.arange(store.n_tokens, dtype=np.int64)
    if positions.size < n:
        return []
    para = store.para_of(positions)
    # A start qualifies when its n tokens are consecutive selected positions of one paragraph.
    ok = np.ones(positions.size - n + 1, dtype=bool)
    for j in range(1, n):
        ok &= (positions[j:positions.size - n + 1 + j] == positions[:positions.size - n + 1] + j)
        ok &= para[j:para.size - n + 1 + j] == para[:para.size - n + 1]
    starts = positions[:positions.size - n + 1][ok]
    cols = np.stack([np.asarray(units[starts + j], dtype=np.int64) for j in range(n)], axis=1)
    grams, counts = np.unique(cols, axis=0, return_counts=True)
    keep = np.nonzero(counts >= max(1, min_freq))[0]
    order = keep[np.argsort(-counts[keep], kind="stable")]
    if limit is not None:
        order = order[:limit]
    total = int(starts.size)
    words = np.unique(grams[order]) if order.size else np.zeros(0, dtype=np.int64)
    display, keys = form_labels(ix, words.tolist(), exact, positions)
    shown = dict(zip(words.tolist(), display, strict=True))
    keyed = dict(zip(words.tolist(), keys, strict=True))
    return [{"rank": r, "ngram": " ".join(shown[t] for t in grams[i].tolist()),
             "key": " ".join(keyed[t] for t in grams[i].tolist()),
             "frequency": int(counts[i]),
             "per_million": round(counts[i] / total * 1e6, 4) if total else None}
            for r, i in enumerate(order.tolist(), start=1)]


NGRAM_COLUMNS = ("rank", "ngram", "key", "frequency", "per_million")


def subcorpus_size(ix: CorpusIndex, filters: Filters) -> dict[str, int]:
    """Tokens and documents of a sub-corpus (documents with at least one token inside it)."""
    store = ix.store
    positions = subcorpus_positions(ix, filters)
    if positions is None:
        mask = allowed_docs(ix, filters)
        n_docs = store.n_docs if mask is None else int(mask.sum())
        tokens = store.n_tokens if mask is None else int(store.doc_sizes[mask].sum())
        return {"tokens": tokens, "documents": n_docs}
    docs = np.unique(store.doc_of(positions)) if positions.size else positions
    return {"tokens": int(positions.size), "documents": int(docs.size)}


def keywords(ix: CorpusIndex, target: Filters, reference: Filters, *, min_freq: int = 5,
             limit: int | None = 100, drop_stopwords: bool = False,
             mode: str = "default") -> list[dict[str, Any]]:
    """Words more frequent in the target sub-corpus than in the reference one.

    Forms are folded (shown by their most frequent spelling) or, in ``exact`` mode, as written.
    """
    store = ix.store
    exact = check_form_mode(mode)
    target_positions = subcorpus_positions(ix, target)
    a = unit_counts(ix, target_positions, exact)
    b = unit_counts(ix, subcorpus_positions(ix, reference), exact)
    c, d = int(a.sum()), int(b.sum())
    if not c or not d:
        raise OptionError(f"the {'target' if not c else 'reference'} sub-corpus is empty")
    ids = np.nonzero(a >= max(1, min_freq))[0]
    if drop_stopwords and ids.size:
        ids = ids[~np.isin(_folded_ids(ix, ids, exact), stopword_ids(ix, store.langs))]
    fa, fb = a[ids].astype(np.float64), b[ids].astype(np.float64)
    ll = keyness_log_likelihood(fa, fb, float(c), float(d))
    lr = log_ratio(fa, fb, float(c), float(d))
    over = fa / c > fb / d
    ids, fa, fb, ll, lr = ids[over], fa[over], fb[over], ll[over], lr[over]
    order = np.lexsort((ids, -ll))
    if limit is not None:
        order = order[:limit]
    display, keys = form_labels(ix, ids[order].tolist(), exact, target_positions)
    return [{"rank": r, "form": display[r - 1], "key": keys[r - 1], "target": int(fa[i]),
             "reference": int(fb[i]),
             "target_per_million": round(fa[i] / c * 1e6, 4),
             "reference_per_million": round(fb[i] / d * 1e6, 4),
             "log_likelihood": round(float(ll[i]), 4), "log_ratio": round(float(lr[i]), 4)}
            for r, i in enumerate(order.tolist(), start=1)]


KEYWORD_COLUMNS = ("rank", "form", "key", "target", "reference", "target_per_million",
                   "reference_per_million", "log_likelihood", "log_ratio")
