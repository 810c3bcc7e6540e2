"""Document-level answers: ranked search with snippets and facets, one document, its family.

Plain functions over an open :class:`~concord.index.CorpusIndex` returning plain data; the
CLI and the web app format them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DocumentNotFound, OptionError
from .hits import find_hits
from .index import CorpusIndex
from .kwic import Concordance
from .query import Filters, ParsedQuery
from .ranking import rank

MAX_SEARCH_LIMIT = 1000


def search_documents(ix: CorpusIndex, parsed: ParsedQuery, *, mode: str = "default",
                     filters: Filters | None = None, limit: int = 20, offset: int = 0,
                     snippets: int = 3, width: int = 8, deadline: float | None = None
                     ) -> dict[str, Any]:
    """Rank the documents that hold hits of the query; give snippets and facet counts."""
    if not 0 <= limit <= MAX_SEARCH_LIMIT:
        raise OptionError(f"limit must be from 0 to {MAX_SEARCH_LIMIT}")
    if offset < 0:
        raise OptionError("offset must be 0 or more")
    store = ix.store
    hits = find_hits(ix, parsed, mode=mode, filters=filters, deadline=deadline)
    hit_docs = np.unique(hits.docs)
    alternatives = [_folded(a.slots) for a in parsed.alternatives
                    if not any(c in "*?" for c in "".join(a.slots))]
    order = rank(store, _occurrences(store, alternatives, hit_docs), hit_docs, offset + limit)
    ranked_set = set(order)
    # Documents whose hits come only from wildcards or stems still count: rank them by hits.
    counts = np.bincount(hits.docs, minlength=store.n_docs) if len(hits) else np.zeros(store.n_docs, int)
    rest = [d for d in sorted(hit_docs.tolist(), key=lambda d: -counts[d]) if d not in ranked_set]
    order = (order + rest)[offset:offset + limit]
    conc = Concordance(ix, hits)
    results = []
    for d in order:
        meta = store.docs[d]
        sel = np.nonzero(hits.docs == d)[0][:snippets]
        lines = list(conc.lines(hits.take(sel), width))
        results.append({
            "doc_id": meta["doc_id"], "title": meta["title"], "author": meta.get("author", ""),
            "year": meta.get("year"), "language": meta.get("language"),
            "group": meta.get("group", ""), "work": meta.get("work", ""),
            "hits": int(counts[d]),
            "snippets": [{"left": ln.left, "match": ln.match, "right": ln.right,
                          "position": ln.position} for ln in lines],
        })
    return {"hits": len(hits), "docs": int(hit_docs.size), "offset": offset,
            "results": results, "facets": facets(ix, hits)}


def _folded(slots) -> list[str]:
    from .analysis import fold

    return [fold(s) for s in slots]


def _occurrences(store, phrases: list[list[str]], docs: np.ndarray
                 ) -> list[tuple[list[int], np.ndarray]]:
    """For each phrase of folded forms: its folded ids and the documents (a mask over the
    store's) among ``docs`` where it occurs; phrases with a form absent from the corpus are
    left out, as they match nothing."""
    allowed = np.zeros(store.n_docs, dtype=bool)
    allowed[docs] = True
    out = []
    for phrase in phrases:
        ids = [store.vocab_id(w) for w in phrase]
        if not ids or any(i is None for i in ids):
            continue
        starts = store.positions([ids[0]], allowed)
        if len(ids) > 1 and starts.size:
            doc = store.doc_of(starts)
            starts = starts[starts + len(ids) <= store.doc_tok[doc + 1]]
            for j, term in enumerate(ids[1:], start=1):
                starts = starts[np.asarray(store.tok[starts + j]) == term]
        occurs = np.zeros(store.n_docs, dtype=bool)
        occurs[store.doc_of(starts)] = True
        out.append((ids, occurs))
    return out


def facets(ix: CorpusIndex, hits) -> dict[str, dict[str, int]]:
    """Count documents with hits per paragraph language, decade, author and group."""
    store = ix.store
    out: dict[str, dict[str, int]] = {"lang": {}, "decade": {}, "author": {}, "group": {}}
    if not len(hits):
        return out
    langs = store.lang_of(hits.starts)
    pairs = np.unique(np.stack([hits.docs, langs.astype(np.int64)]), axis=1)
    for lang_id in pairs[1].tolist():
        code = store.langs[lang_id]
        out["lang"][code] = out["lang"].get(code, 0) + 1
    for d in np.unique(hits.docs).tolist():
        meta = store.docs[d]
        year = meta.get("year")
        if year is not None:
            key = f"{year // 10 * 10}s"
            out["decade"][key] = out["decade"].get(key, 0) + 1
        for name in ("author", "group"):
            value = meta.get(name) or ""
            if value:
                out[name][value] = out[name].get(value, 0) + 1
    return {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in out.items()}


def document(ix: CorpusIndex, doc_id: str) -> dict[str, Any]:
    """Return one document's metadata and paragraphs (raises ConcordError if unknown)."""
    store = ix.store
    d = store.doc_index.get(doc_id)
    if d is None:
        raise DocumentNotFound(f"no document {doc_id!r} in the index")
    meta = store.docs[d]
    return {
        "doc_id": meta["doc_id"], "title": meta["title"], "author": meta.get("author", ""),
        "year": meta.get("year"), "year_start": meta.get("year_start"),
        "year_end": meta.get("year_end"), "language": meta.get("language"),
        "group": meta.get("group", ""), "work": meta.get("work", ""),
        "translator": meta.get("translator", ""),
        "original_language": meta.get("original_language", ""),
        "tokens": meta.get("tokens"), "tokens_by_lang": meta.get("tokens_by_lang", {}),
        "metadata": meta.get("metadata", {}),
        "paragraphs": store.doc_paragraphs(d),
        "duplicates": _duplicate_group(ix, doc_id),
    }


def _duplicate_group(ix: CorpusIndex, doc_id: str) -> dict[str, Any] | None:
    from .duplicates import duplicate_group

    return duplicate_group(ix, doc_id)


def translation_family(ix: CorpusIndex, doc_id: str) -> list[dict[str, Any]]:
    """Return the other versions of a document's work (same ``work_id``), by language."""
    store = ix.store
    d = store.doc_index.get(doc_id)
    if d is None:
        raise DocumentNotFound(f"no document {doc_id!r} in the index")
    work = store.docs[d].get("work")
    if not work:
        return []
    family = [m for m in store.docs if m.get("work") == work and m["doc_id"] != doc_id]
    return [{"doc_id": m["doc_id"], "title": m["title"], "language": m.get("language"),
             "year": m.get("year"), "translator": m.get("translator", ""),
             "tokens": m.get("tokens")}
            for m in sorted(family, key=lambda m: (m.get("language") or "", m["doc_id"]))]
