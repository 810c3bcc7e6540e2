"""The data of every page, computed once and rendered as HTML, JSON, CSV... by the views.

Each function takes an open index and parsed options and returns a :class:`PageData`: the
fields of the JSON twin (``head``), the rows of its table (``rows``, a list for pages and a
lazy iterator for complete downloads) and their provenance. Nothing here knows about HTML,
URLs or HTTP; everything comes from library functions, never from whoosh.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from concord import __version__
from concord.concepts import concept_rows, get_concept
from concord.errors import OptionError, QuerySyntaxError
from concord.export import Provenance
from concord.hits import HitSet, find_hits
from concord.index import CorpusIndex
from concord.kwic import KWIC_COLUMNS, concordance, iter_lines
from concord.query import Filters, ParsedQuery, parse_query
from concord.search import (
    corpus_overview,
    document,
    index_info,
    search_documents,
    translation_family,
)
from concord.stats import (
    KEYWORD_COLUMNS,
    WORDLIST_COLUMNS,
    collocate_columns,
    collocates,
    freq,
    freq_columns,
    keywords,
    wordlist,
)

from .cache import ResultCache
from .options import (
    CollocateOptions,
    Common,
    FreqOptions,
    KeywordOptions,
    KwicOptions,
    Paging,
    WordlistOptions,
)

SEARCH_COLUMNS = ("doc_id", "title", "author", "year", "language", "group", "work", "hits",
                  "snippet")
CONCEPT_COLUMNS = ("name", "label", "description", "languages", "forms")
PARAGRAPH_COLUMNS = ("paragraph", "start", "end", "lang", "hits", "text")
CORPUS_COLUMNS = ("lang", "decade", "documents", "tokens")
DOCUMENT_COLUMNS = ("doc_id", "title", "author", "year", "language", "group", "work", "tokens")


@dataclass
class PageData:
    """One page's data: JSON fields, table rows (with their columns) and provenance."""

    name: str
    head: dict[str, Any]
    rows: Iterable[Mapping[str, Any]]
    columns: Sequence[str]
    key: str = "rows"
    json_columns: Sequence[str] | None = None
    provenance: Provenance | None = None
    extra: dict[str, Any] = field(default_factory=dict)   # for the HTML view only


@dataclass(frozen=True)
class Context:
    """What every page function needs besides its options."""

    ix: CorpusIndex
    registry: Mapping[str, Any] | None = None
    deadline: float | None = None
    permalink: str = ""
    cache: ResultCache = field(default_factory=lambda: ResultCache(max_entries=0))


def key(ctx: Context, kind: str, *parts: Any) -> tuple:
    """A cache key: the index generation, the kind of result and what decides it."""
    return (str(ctx.ix.path), ctx.ix.generation, kind, *parts)


def query_key(parsed: ParsedQuery) -> tuple:
    """What decides a query's hits: its expansion, exclusions and in-query filters."""
    return (parsed.alternatives, parsed.exclude, parsed.filters)


def rows_weight(rows: Sequence[Any]) -> int:
    return 20 * len(rows) + 1


def find(ctx: Context, parsed: ParsedQuery, mode: str, filters: Filters) -> HitSet:
    """All hits of a query, from the cache when the same question was asked before."""
    return ctx.cache.get(
        key(ctx, "hits", query_key(parsed), mode, filters),
        lambda: find_hits(ctx.ix, parsed, mode=mode, filters=filters, deadline=ctx.deadline),
        len)


def parse(text: str, ctx: Context) -> ParsedQuery:
    if not text.strip():
        raise QuerySyntaxError("give a query with q=, e.g. q=class or q=@state-capitalism")
    return parse_query(text, registry=ctx.registry)


def provenance(ctx: Context, *, page: str, query: str | None = None,
               parsed: ParsedQuery | None = None, filters: Filters | None = None,
               mode: str = "default", extra: Mapping[str, Any] | None = None) -> Provenance:
    """Build the provenance record of a page; the index is named, never its server path."""
    if parsed is not None:
        filters = parsed.filters.merge(filters or Filters())
    return Provenance(
        query=query, expansion=parsed.expansion() if parsed is not None else None,
        filters=filters.as_dict() if filters is not None else {}, index=ctx.ix.name,
        corpus_fingerprint=ctx.ix.fingerprint, mode=mode, concord_version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"), command=f"web {page}",
        extra={"url": ctx.permalink, **(extra or {})})


def _pages(total: int, paging: Paging) -> int:
    return max(1, math.ceil(total / paging.limit))


# --- search and concordance -----------------------------------------------------------------

def search_page(ctx: Context, c: Common, paging: Paging) -> PageData:
    parsed = parse(c.q, ctx)
    result = ctx.cache.get(
        key(ctx, "search", query_key(parsed), c.mode, c.filters, paging.limit, paging.offset),
        lambda: search_documents(ctx.ix, parsed, mode=c.mode, filters=c.filters,
                                 limit=paging.limit, offset=paging.offset,
                                 deadline=ctx.deadline),
        lambda r: rows_weight(r["results"]) * 5)
    rows = [{**r, "snippet": " … ".join(f"{s['left']} [{s['match']}] {s['right']}"
                                         for s in r["snippets"])} for r in result["results"]]
    head = {"query": c.q, "expansion": parsed.expansion(), "hits": result["hits"],
            "docs": result["docs"], "offset": paging.offset, "limit": paging.limit,
            "page": paging.page, "pages": _pages(result["docs"], paging),
            "facets": result["facets"]}
    prov = provenance(ctx, page="search", query=c.q, parsed=parsed, filters=c.filters, mode=c.mode,
                      extra={"hits": result["hits"], "docs": result["docs"]})
    return PageData("search", head, rows, SEARCH_COLUMNS, key="results",
                    json_columns=SEARCH_COLUMNS[:-1] + ("snippets",), provenance=prov)


def kwic_page(ctx: Context, c: Common, k: KwicOptions) -> PageData:
    """One page of concordance lines, or every line (lazily) when ``k.paging.all``."""
    parsed = parse(c.q, ctx)
    hits = find(ctx, parsed, c.mode, c.filters)
    head: dict[str, Any] = {"query": c.q, "expansion": parsed.expansion(), "hits": len(hits),
                            "docs": 0, "sort": ",".join(k.sort), "width": k.width,
                            "sample": k.sample, "seed": k.seed if k.sample else None}
    if k.paging.all:
        rows: Iterable[Mapping[str, Any]] = (
            ln.as_dict() for ln in iter_lines(ctx.ix, hits, sort=k.sort, width=k.width,
                                              sample=k.sample, seed=k.seed))
        shown = len(hits) if k.sample is None else min(k.sample, len(hits))
        head.update(docs=hits.n_docs, shown=shown, offset=0, limit=None, page=1, pages=1)
    else:
        page = concordance(ctx.ix, hits, sort=k.sort, width=k.width, offset=k.paging.offset,
                           limit=k.paging.limit, sample=k.sample, seed=k.seed)
        rows = [ln.as_dict() for ln in page["lines"]]
        head.update(docs=page["docs"], shown=page["shown"], offset=k.paging.offset,
                    limit=k.paging.limit, page=k.paging.page,
                    pages=_pages(page["shown"], k.paging))
    prov = provenance(ctx, page="kwic", query=c.q, parsed=parsed, filters=c.filters, mode=c.mode,
                      extra={"hits": len(hits), "docs": head["docs"], "sort": head["sort"],
                             "width": k.width, "sample": k.sample, "seed": head["seed"],
                             "complete": k.paging.all})
    return PageData("kwic", head, rows, KWIC_COLUMNS, key="lines", provenance=prov)


# --- statistics -----------------------------------------------------------------------------

def freq_page(ctx: Context, c: Common, f: FreqOptions) -> PageData:
    if not f.queries:
        raise QuerySyntaxError("give a query with q=; repeat q= to compare several")
    queries = [(q, parse(q, ctx)) for q in f.queries]
    several = len(queries) > 1
    rows = ctx.cache.get(
        key(ctx, "freq", tuple((q, query_key(p)) for q, p in queries), f.by, c.mode, c.filters),
        lambda: freq(ctx.ix, queries, by=f.by, mode=c.mode, filters=c.filters,
                     deadline=ctx.deadline),
        rows_weight)
    total = sum(r["hits"] for r in rows)
    head = {"queries": list(f.queries), "expansions": {q: p.expansion() for q, p in queries},
            "by": list(f.by), "scale": f.scale, "hits": total}
    prov = provenance(ctx, page="freq", query=" ; ".join(f.queries),
                      parsed=queries[0][1] if not several else None, filters=c.filters,
                      mode=c.mode, extra={"by": ",".join(f.by), "hits": total,
                                          "expansions": head["expansions"],
                                          "year_rule": "a document counts in the midpoint of "
                                                       "its year range"})
    return PageData("freq", head, rows, freq_columns(f.by, several), provenance=prov,
                    extra={"several": several})


def collocates_page(ctx: Context, c: Common, o: CollocateOptions) -> PageData:
    parsed = parse(c.q, ctx)
    by_lang = bool(parsed.concepts) if o.by_lang is None else o.by_lang
    limit = None if o.paging.all else o.paging.limit
    rows = ctx.cache.get(
        key(ctx, "collocates", query_key(parsed), o.window, o.measure, o.min_freq,
            o.drop_stopwords, by_lang, c.mode, c.filters, limit),
        lambda: collocates(ctx.ix, parsed, window=o.window, measure=o.measure,
                           min_freq=o.min_freq, drop_stopwords=o.drop_stopwords, by_lang=by_lang,
                           mode=c.mode, filters=c.filters, limit=limit, deadline=ctx.deadline),
        rows_weight)
    head = {"query": c.q, "expansion": parsed.expansion(), "window": list(o.window),
            "measure": o.measure, "min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords,
            "by_lang": by_lang, "limit": limit}
    prov = provenance(ctx, page="collocates", query=c.q, parsed=parsed, filters=c.filters,
                      mode=c.mode, extra={"window": f"{o.window[0]},{o.window[1]}",
                                          "measure": o.measure, "min_freq": o.min_freq,
                                          "stopwords_dropped": o.drop_stopwords})
    return PageData("collocates", head, rows, collocate_columns(o.measure, by_lang),
                    provenance=prov)


def wordlist_page(ctx: Context, c: Common, o: WordlistOptions) -> PageData:
    p = o.paging
    limit = None if p.all else p.offset + p.limit + 1
    rows = ctx.cache.get(
        key(ctx, "wordlist", c.filters, o.min_freq, o.drop_stopwords, limit),
        lambda: wordlist(ctx.ix, filters=c.filters, min_freq=o.min_freq,
                         drop_stopwords=o.drop_stopwords, limit=limit),
        rows_weight)
    more = False
    if not p.all:
        more = len(rows) > p.offset + p.limit
        rows = rows[p.offset:p.offset + p.limit]
    head = {"min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords,
            "offset": 0 if p.all else p.offset, "limit": None if p.all else p.limit,
            "page": p.page, "more": more}
    prov = provenance(ctx, page="wordlist", filters=c.filters,
                      extra={"min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords,
                             "complete": p.all})
    return PageData("wordlist", head, rows, WORDLIST_COLUMNS, provenance=prov)


def keywords_page(ctx: Context, o: KeywordOptions) -> PageData:
    if o.target_filters is None or o.reference_filters is None:
        raise OptionError("give a target and a reference sub-corpus, e.g. "
                          "target=year:1920-1929 and reference=year:1930-1939")
    p = o.paging
    limit = None if p.all else p.offset + p.limit + 1
    rows = ctx.cache.get(
        key(ctx, "keywords", o.target_filters, o.reference_filters, o.min_freq,
            o.drop_stopwords, limit),
        lambda: keywords(ctx.ix, o.target_filters, o.reference_filters, min_freq=o.min_freq,
                         limit=limit, drop_stopwords=o.drop_stopwords),
        rows_weight)
    more = False
    if not p.all:
        more = len(rows) > p.offset + p.limit
        rows = rows[p.offset:p.offset + p.limit]
    head = {"target": o.target, "reference": o.reference, "min_freq": o.min_freq,
            "stopwords_dropped": o.drop_stopwords, "offset": 0 if p.all else p.offset,
            "limit": None if p.all else p.limit, "page": p.page, "more": more}
    prov = provenance(ctx, page="keywords", extra={"target": o.target, "reference": o.reference,
                                                   "min_freq": o.min_freq, "complete": p.all})
    return PageData("keywords", head, rows, KEYWORD_COLUMNS, provenance=prov)


# --- concepts ---------------------------------------------------------------------------------

def concepts_page(ctx: Context) -> PageData:
    rows = [{**r, "languages": ",".join(r["forms"])} for r in concept_rows(ctx.registry)]
    prov = provenance(ctx, page="concepts", extra={"concepts": len(rows)})
    return PageData("concepts", {"concepts": len(rows)}, rows, CONCEPT_COLUMNS, key="concepts",
                    json_columns=("name", "label", "description", "forms"), provenance=prov)


def concept_page(ctx: Context, name: str, c: Common, f: FreqOptions) -> PageData:
    """A concept's forms per language and its frequency trajectory (raises UnknownConcept)."""
    concept = get_concept(name, ctx.registry)
    query = f"@{concept.name}"
    parsed = parse(query, ctx)
    rows = ctx.cache.get(
        key(ctx, "freq", ((query, query_key(parsed)),), f.by, c.mode, c.filters),
        lambda: freq(ctx.ix, [(query, parsed)], by=f.by, mode=c.mode, filters=c.filters,
                     deadline=ctx.deadline),
        rows_weight)
    row = next(r for r in concept_rows(ctx.registry) if r["name"] == concept.name)
    total = sum(r["hits"] for r in rows)
    head = {"concept": row, "query": query, "by": list(f.by), "scale": f.scale, "hits": total}
    prov = provenance(ctx, page="concept", query=query, parsed=parsed, filters=c.filters,
                      mode=c.mode, extra={"by": ",".join(f.by), "hits": total})
    return PageData("concept-" + concept.name, head, rows, freq_columns(f.by, False),
                    provenance=prov)


# --- documents and the corpus -------------------------------------------------------------

def doc_page(ctx: Context, doc_id: str, c: Common) -> PageData:
    """A document with its paragraphs, translation family and the hits of ``c.q`` in it."""
    doc = document(ctx.ix, doc_id)
    family = translation_family(ctx.ix, doc_id)
    hits: list[dict[str, Any]] = []
    parsed = None
    if c.q:
        parsed = parse(c.q, ctx)
        found = find(ctx, parsed, c.mode, c.filters.merge(Filters(doc_ids=(doc_id,))))
        lines = concordance(ctx.ix, found, width=0, limit=None)["lines"]
        hits = [{"position": ln.position, "start": ln.start, "end": ln.end, "match": ln.match}
                for ln in lines]
    paragraphs = []
    h = 0
    for i, p in enumerate(doc["paragraphs"], start=1):
        marks = []
        while h < len(hits) and hits[h]["start"] < p["end"]:
            marks.append(hits[h])
            if hits[h]["end"] <= p["end"]:
                h += 1
            else:
                break
        paragraphs.append({"paragraph": i, "start": p["start"], "end": p["end"], "lang": p["lang"],
                           "first_token": p["first_token"], "hits": len(marks), "text": p["text"],
                           "marks": marks})
    keys = ("doc_id", "title", "author", "year", "year_start", "year_end", "language", "group",
            "work", "translator", "original_language", "tokens", "tokens_by_lang", "metadata")
    head = {k: doc[k] for k in keys}
    from concord.duplicates import duplicate_group

    head.update(family=family, duplicates=duplicate_group(ctx.ix, doc_id), query=c.q or None,
                hits=hits)
    prov = provenance(ctx, page="doc", query=c.q or None, parsed=parsed, mode=c.mode,
                      extra={"doc_id": doc_id, "hits": len(hits)})
    return PageData("doc", head, paragraphs, PARAGRAPH_COLUMNS, key="paragraphs",
                    json_columns=("paragraph", "start", "end", "lang", "hits", "text"),
                    provenance=prov)


def corpus_page(ctx: Context) -> PageData:
    """Documents and tokens per language and decade, and the list of documents."""
    info = index_info(ctx.ix)
    overview = corpus_overview(ctx.ix)
    rows = overview["cells"]
    documents = [{k: meta.get(k) for k in DOCUMENT_COLUMNS} for meta in overview["documents"]]
    keys = ("generation", "schema_version", "concord_version", "fingerprint", "documents",
            "paragraphs", "tokens", "vocabulary", "tokens_by_lang", "documents_by_lang", "built")
    head = {"index": ctx.ix.name, **{k: info[k] for k in keys}, "document_list": documents}
    prov = provenance(ctx, page="corpus")
    return PageData("corpus", head, rows, CORPUS_COLUMNS, provenance=prov)
