"""The questions users ask, one function each, answered as a :class:`Report`.

This is the one use-case layer under the CLI (:mod:`concord.cli`) and the web app
(:mod:`web`): each function takes an open index (inside a :class:`Context`) and typed frozen
option records, calls the library (hits, kwic, stats, search, concepts) and returns a report:
its name, columns, rows (a list for pages, a lazy iterator for complete downloads), a
``head`` of summary fields and the provenance record. Both front ends only render reports,
so a question asked on the command line and on the web gives the same rows. Nothing here
knows about click, Flask, HTML, URLs or terminals; caching is the caller's, passed in as a
callable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from . import __version__, categories
from .concepts import concept_rows, get_concept
from .duplicates import summary as duplicates_summary
from .errors import OptionError, QuerySyntaxError
from .export import Provenance
from .hits import HitSet, count_as_typed, explain, find_hits
from .index import CorpusIndex
from .kwic import KWIC_COLUMNS, Concordance, check_width, concordance, iter_lines, parse_sort
from .query import Filters, ParsedQuery, parse_query
from .search import document, search_documents, translation_family
from .stats import (
    KEYWORD_COLUMNS,
    NGRAM_COLUMNS,
    WORDLIST_COLUMNS,
    collocate_columns,
    collocates,
    freq,
    freq_columns,
    keywords,
    ngrams,
    wordlist,
)

SEARCH_COLUMNS = ("doc_id", "title", "author", "year", "language", "group", "work", "hits",
                  "snippet")
SEARCH_JSON_COLUMNS = SEARCH_COLUMNS[:-1] + ("snippets",)
CONCEPT_COLUMNS = ("name", "label", "description", "languages", "forms")
CONCEPT_JSON_COLUMNS = ("name", "label", "description", "forms")
PARAGRAPH_COLUMNS = ("paragraph", "start", "end", "lang", "hits", "text")
CORPUS_COLUMNS = ("lang", "decade", "documents", "tokens")
DOCUMENT_COLUMNS = ("doc_id", "title", "author", "year", "language", "group", "work", "tokens")
COUNT_COLUMNS = ("hits", "docs")
#: Pages of at most this many KWIC lines are cut at once; longer ones stream.
EAGER_LINES = 10_000

#: How a document with a year range (``1917-1923``) is counted by year and decade.
YEAR_RULE = "a document counts in the midpoint of its year range"

#: ``cache(key, compute, weight)``: the cached result for ``key`` or ``compute()``'s.
Cache = Callable[[Hashable, Callable[[], Any], Callable[[Any], int]], Any]


def _no_cache(key: Hashable, compute: Callable[[], Any], weight: Callable[[Any], int]) -> Any:
    return compute()


# --- option records ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What every question shares: the query text, the match mode and the filters."""

    q: str = ""
    mode: str = "default"
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class Paging:
    """Which rows: ``limit`` rows from ``offset``, or every row (``all``)."""

    limit: int = 50
    offset: int = 0
    all: bool = False

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1


@dataclass(frozen=True)
class KwicOptions:
    sort: tuple[str, ...] = ("position",)
    width: int = 8
    sample: int | None = None
    seed: int = 0
    paging: Paging = field(default_factory=Paging)


@dataclass(frozen=True)
class FreqOptions:
    queries: tuple[str, ...] = ()
    by: tuple[str, ...] = ("lang", "year")
    scale: str = "pm"


@dataclass(frozen=True)
class CollocateOptions:
    window: tuple[int, int] = (5, 5)
    measure: str = "ll"
    min_freq: int = 3
    drop_stopwords: bool = True
    by_lang: bool | None = None      # None: per language for @concepts, pooled otherwise
    paging: Paging = field(default_factory=Paging)


@dataclass(frozen=True)
class WordlistOptions:
    min_freq: int = 1
    drop_stopwords: bool = False
    paging: Paging = field(default_factory=Paging)


@dataclass(frozen=True)
class NgramOptions:
    n: int = 2
    min_freq: int = 2
    paging: Paging = field(default_factory=lambda: Paging(limit=100))


@dataclass(frozen=True)
class KeywordOptions:
    target: str = ""
    reference: str = ""
    target_filters: Filters | None = None
    reference_filters: Filters | None = None
    min_freq: int = 5
    drop_stopwords: bool = False
    paging: Paging = field(default_factory=Paging)


# --- reports and their context ------------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    """One answer: summary fields, rows with their columns, and provenance.

    ``key`` names the rows in JSON (``rows``, ``lines``, ``results``...); ``json_columns``
    are the columns of the JSON and JSONL rows when they differ from the table's.
    """

    name: str
    head: dict[str, Any]
    rows: Iterable[Mapping[str, Any]]
    columns: Sequence[str]
    provenance: Provenance
    key: str = "rows"
    json_columns: Sequence[str] | None = None


@dataclass(frozen=True)
class Context:
    """What every question needs besides its options.

    ``index_label`` chooses how provenance names the index: ``"path"`` (the CLI: the
    directory the user gave) or ``"name"`` (the web: never the server's paths).
    ``command_prefix`` goes before each report name in provenance (``"web "``), and
    ``permalink``, when given, is recorded as ``extra.url``.
    """

    ix: CorpusIndex
    registry: Mapping[str, Any] | None = None
    deadline: float | None = None
    cache: Cache = _no_cache
    index_label: Literal["path", "name"] = "path"
    command_prefix: str = ""
    permalink: str | None = None


def provenance(ctx: Context, command: str, *, query: str | None = None,
               parsed: ParsedQuery | None = None, filters: Filters | None = None,
               mode: str = "default", extra: Mapping[str, Any] | None = None) -> Provenance:
    """The provenance record of a report: the one builder for every front end."""
    if parsed is not None:
        filters = parsed.filters.merge(filters or Filters())
    recorded: dict[str, Any] = {"url": ctx.permalink} if ctx.permalink is not None else {}
    if filters is not None and filters.by_category:
        # What the category filter held when the rows were made (they change by hand).
        named = set(filters.categories + filters.not_categories)
        recorded["categories"] = {c.name: c.lines for c in categories.Workspace(ctx.ix.path).categories()
                             if categories.ANY in named or c.name in named}
    return Provenance(
        query=query, expansion=parsed.expansion() if parsed is not None else None,
        filters=filters.as_dict() if filters is not None else {},
        index=ctx.ix.name if ctx.index_label == "name" else str(ctx.ix.path),
        corpus_fingerprint=ctx.ix.fingerprint, mode=mode, concord_version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        command=ctx.command_prefix + command, extra={**recorded, **(extra or {})})


def cache_key(ctx: Context, kind: str, *parts: Any) -> tuple:
    """A cache key: the index generation, the workspace revision (categories change the hits
    of ``category:`` filters), the kind of result and what decides it."""
    return (str(ctx.ix.path), ctx.ix.generation, categories.revision(ctx.ix.path), kind, *parts)


def query_key(parsed: ParsedQuery) -> tuple:
    """What decides a query's hits: its tree, exclusions, in-query filters and scope."""
    if not isinstance(parsed, ParsedQuery):     # CQL (concord.cql): the object itself
        return (type(parsed).__name__, parsed)
    return (parsed.root, parsed.exclude, parsed.filters, parsed.within)


def _weight(rows: Sequence[Any]) -> int:
    return 20 * len(rows) + 1


def parse(text: str, ctx: Context) -> ParsedQuery:
    """Parse a query with the context's concept registry (raises QuerySyntaxError)."""
    if not text.strip():
        raise QuerySyntaxError("give a query, e.g. class or @state-capitalism")
    return parse_query(text, registry=ctx.registry,
                       subcorpora=categories.Workspace(ctx.ix.path).subcorpus)


def find(ctx: Context, parsed: ParsedQuery, mode: str, filters: Filters) -> HitSet:
    """All hits of a query, from the cache when the same question was asked before."""
    return ctx.cache(cache_key(ctx, "hits", query_key(parsed), mode, filters),
                     lambda: find_hits(ctx.ix, parsed, mode=mode, filters=filters,
                                       deadline=ctx.deadline),
                     len)


def explained(ctx: Context, parsed: ParsedQuery, scope: Scope) -> dict[str, Any]:
    """How a query was read: tree, rules, matched forms with counts (``--explain``, web panel)."""
    return ctx.cache(cache_key(ctx, "explain", query_key(parsed), scope.mode, scope.filters),
                     lambda: explain(ctx.ix, parsed, mode=scope.mode, filters=scope.filters,
                                     deadline=ctx.deadline),
                     lambda r: 20 * len(r["leaves"]) + 1)


def explain_report(ctx: Context, scope: Scope) -> dict[str, Any]:
    """How the query of ``scope`` was read, with the forms it matched in the index."""
    return explained(ctx, parse(scope.q, ctx), scope)


def as_typed(ctx: Context, parsed: ParsedQuery, hits: HitSet, scope: Scope) -> int | None:
    """How many hits are spelled exactly as typed (None unless diacritics were typed)."""
    return ctx.cache(cache_key(ctx, "as_typed", query_key(parsed), scope.mode, scope.filters),
                     lambda: count_as_typed(ctx.ix, parsed, hits, mode=scope.mode,
                                            filters=scope.filters, deadline=ctx.deadline),
                     lambda _: 1)


def _pages(total: int, paging: Paging) -> int:
    return max(1, math.ceil(total / paging.limit)) if paging.limit else 1


def _window(rows: list, paging: Paging) -> tuple[list, bool]:
    """Cut one page from rows computed up to ``offset + limit + 1``; say if more follow."""
    if paging.all:
        return rows, False
    return rows[paging.offset:paging.offset + paging.limit], len(rows) > paging.offset + paging.limit


def _ahead(paging: Paging) -> int | None:
    return None if paging.all else paging.offset + paging.limit + 1


# --- search and concordance -------------------------------------------------------------------

def snippet_text(snippets: Iterable[Mapping[str, Any]]) -> str:
    """A search result's snippets as one cell: ``left [match] right … left [match] right``."""
    return " … ".join(f"{s['left']} [{s['match']}] {s['right']}" for s in snippets)


def search_report(ctx: Context, scope: Scope, paging: Paging) -> Report:
    """Documents ranked by the query, with snippets and facet counts."""
    parsed = parse(scope.q, ctx)
    result = ctx.cache(
        cache_key(ctx, "search", query_key(parsed), scope.mode, scope.filters, paging.limit,
                  paging.offset),
        lambda: search_documents(ctx.ix, parsed, mode=scope.mode, filters=scope.filters,
                                 limit=paging.limit, offset=paging.offset,
                                 deadline=ctx.deadline),
        lambda r: _weight(r["results"]) * 5)
    rows = [{**r, "snippet": snippet_text(r["snippets"])} for r in result["results"]]
    head = {"query": scope.q, "expansion": parsed.expansion(), "hits": result["hits"],
            "docs": result["docs"], "offset": paging.offset, "limit": paging.limit,
            "page": paging.page, "pages": _pages(result["docs"], paging),
            "facets": result["facets"], "explain": explained(ctx, parsed, scope)}
    prov = provenance(ctx, "search", query=scope.q, parsed=parsed, filters=scope.filters,
                      mode=scope.mode, extra={"hits": result["hits"], "docs": result["docs"]})
    return Report("search", head, rows, SEARCH_COLUMNS, prov, key="results",
                  json_columns=SEARCH_JSON_COLUMNS)


def kwic_count_report(ctx: Context, scope: Scope) -> Report:
    """How many hits the query has, in how many documents."""
    parsed = parse(scope.q, ctx)
    hits = find(ctx, parsed, scope.mode, scope.filters)
    counts = {"hits": len(hits), "docs": hits.n_docs}
    typed = as_typed(ctx, parsed, hits, scope)
    if typed is not None:
        counts["as_typed"] = typed
    prov = provenance(ctx, "kwic --count", query=scope.q, parsed=parsed, filters=scope.filters,
                      mode=scope.mode)
    columns = COUNT_COLUMNS + (("as_typed",) if typed is not None else ())
    return Report("kwic-count", dict(counts), [counts], columns, prov)


def kwic_report(ctx: Context, scope: Scope, k: KwicOptions) -> Report:
    """One page of concordance lines, or every line (lazily) when ``k.paging.all``."""
    parsed = parse(scope.q, ctx)
    sort = parse_sort(k.sort)
    check_width(k.width)
    hits = find(ctx, parsed, scope.mode, scope.filters)
    shown = len(hits) if k.sample is None else min(k.sample, len(hits))
    head: dict[str, Any] = {"query": scope.q, "expansion": parsed.expansion(), "hits": len(hits),
                            "as_typed": as_typed(ctx, parsed, hits, scope),
                            "docs": hits.n_docs, "sort": ",".join(sort), "width": k.width,
                            "sample": k.sample, "seed": k.seed if k.sample else None,
                            "shown": shown, "explain": explained(ctx, parsed, scope)}
    rows: Iterable[Mapping[str, Any]]
    if k.paging.all:
        rows = (ln.as_dict() for ln in iter_lines(ctx.ix, hits, sort=sort, width=k.width,
                                                  sample=k.sample, seed=k.seed))
        head.update(offset=0, limit=None, page=1, pages=1)
    elif k.paging.limit > EAGER_LINES:
        rows = (ln.as_dict() for ln in iter_lines(ctx.ix, hits, sort=sort, width=k.width,
                                                  sample=k.sample, seed=k.seed,
                                                  offset=k.paging.offset, limit=k.paging.limit))
        head.update(offset=k.paging.offset, limit=k.paging.limit, page=k.paging.page,
                    pages=_pages(shown, k.paging))
    else:
        page = concordance(ctx.ix, hits, sort=sort, width=k.width, offset=k.paging.offset,
                           limit=k.paging.limit, sample=k.sample, seed=k.seed)
        rows = [ln.as_dict() for ln in page["lines"]]
        head.update(offset=k.paging.offset, limit=k.paging.limit, page=k.paging.page,
                    pages=_pages(shown, k.paging))
    prov = provenance(ctx, "kwic", query=scope.q, parsed=parsed, filters=scope.filters,
                      mode=scope.mode,
                      extra={"hits": len(hits), "docs": head["docs"], "sort": head["sort"],
                             "width": k.width, "sample": k.sample, "seed": head["seed"],
                             "complete": k.paging.all})
    return Report("kwic", head, rows, KWIC_COLUMNS, prov, key="lines")


# --- statistics -------------------------------------------------------------------------------

def freq_report(ctx: Context, scope: Scope, f: FreqOptions) -> Report:
    """Hits per million tokens of each cell (language, year, decade...) of each query."""
    if not f.queries:
        raise QuerySyntaxError("give a query; repeat it to compare several")
    queries = [(q, parse(q, ctx)) for q in f.queries]
    several = len(queries) > 1
    rows = ctx.cache(
        cache_key(ctx, "freq", tuple((q, query_key(p)) for q, p in queries), f.by, scope.mode,
                  scope.filters),
        lambda: freq(ctx.ix, queries, by=f.by, mode=scope.mode, filters=scope.filters,
                     deadline=ctx.deadline),
        _weight)
    total = sum(r["hits"] for r in rows)
    head = {"queries": list(f.queries), "expansions": {q: p.expansion() for q, p in queries},
            "by": list(f.by), "scale": f.scale, "hits": total}
    prov = provenance(ctx, "freq", query=" ; ".join(f.queries),
                      parsed=queries[0][1] if not several else None, filters=scope.filters,
                      mode=scope.mode, extra={"by": ",".join(f.by), "hits": total,
                                              "expansions": head["expansions"],
                                              "year_rule": YEAR_RULE})
    return Report("freq", head, rows, freq_columns(f.by, several), prov)


def collocates_by_lang(parsed: ParsedQuery, by_lang: bool | None) -> bool:
    """Per-language collocates by default for @concepts (whose forms differ by language)."""
    return bool(parsed.concepts) if by_lang is None else by_lang


def collocates_report(ctx: Context, scope: Scope, o: CollocateOptions) -> Report:
    """Words that keep company with the query, scored by an association measure."""
    parsed = parse(scope.q, ctx)
    by_lang = collocates_by_lang(parsed, o.by_lang)
    limit = None if o.paging.all else o.paging.limit
    rows = ctx.cache(
        cache_key(ctx, "collocates", query_key(parsed), o.window, o.measure, o.min_freq,
                  o.drop_stopwords, by_lang, scope.mode, scope.filters, limit),
        lambda: collocates(ctx.ix, parsed, window=o.window, measure=o.measure,
                           min_freq=o.min_freq, drop_stopwords=o.drop_stopwords, by_lang=by_lang,
                           mode=scope.mode, filters=scope.filters, limit=limit,
                           deadline=ctx.deadline),
        _weight)
    head = {"query": scope.q, "expansion": parsed.expansion(), "window": list(o.window),
            "measure": o.measure, "min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords,
            "by_lang": by_lang, "limit": limit}
    prov = provenance(ctx, "collocates", query=scope.q, parsed=parsed, filters=scope.filters,
                      mode=scope.mode, extra={"window": f"{o.window[0]},{o.window[1]}",
                                              "measure": o.measure, "min_freq": o.min_freq,
                                              "stopwords_dropped": o.drop_stopwords})
    return Report("collocates", head, rows, collocate_columns(o.measure, by_lang), prov)


def wordlist_report(ctx: Context, scope: Scope, o: WordlistOptions) -> Report:
    """Every word form of the sub-corpus with its frequency, per million and documents."""
    p = o.paging
    limit = _ahead(p)
    computed = ctx.cache(
        cache_key(ctx, "wordlist", scope.filters, o.min_freq, o.drop_stopwords, limit),
        lambda: wordlist(ctx.ix, filters=scope.filters, min_freq=o.min_freq,
                         drop_stopwords=o.drop_stopwords, limit=limit),
        _weight)
    rows, more = _window(computed, p)
    head = {"min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords,
            "offset": 0 if p.all else p.offset, "limit": None if p.all else p.limit,
            "page": p.page, "more": more}
    prov = provenance(ctx, "wordlist", filters=scope.filters,
                      extra={"min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords,
                             "rows": len(rows), "complete": p.all})
    return Report("wordlist", head, rows, WORDLIST_COLUMNS, prov)


def ngrams_report(ctx: Context, scope: Scope, o: NgramOptions) -> Report:
    """The most frequent runs of ``o.n`` words within paragraphs."""
    p = o.paging
    limit = _ahead(p)
    computed = ctx.cache(
        cache_key(ctx, "ngrams", o.n, scope.filters, o.min_freq, limit),
        lambda: ngrams(ctx.ix, o.n, filters=scope.filters, min_freq=o.min_freq, limit=limit),
        _weight)
    rows, more = _window(computed, p)
    head = {"n": o.n, "min_freq": o.min_freq, "offset": 0 if p.all else p.offset,
            "limit": None if p.all else p.limit, "page": p.page, "more": more}
    prov = provenance(ctx, f"ngrams {o.n}", filters=scope.filters,
                      extra={"min_freq": o.min_freq, "complete": p.all})
    return Report("ngrams", head, rows, NGRAM_COLUMNS, prov)


def keywords_report(ctx: Context, o: KeywordOptions) -> Report:
    """Words of the target sub-corpus that stand out against the reference."""
    if o.target_filters is None or o.reference_filters is None:
        raise OptionError("give a target and a reference sub-corpus, e.g. "
                          "target=year:1920-1929 and reference=year:1930-1939")
    p = o.paging
    limit = _ahead(p)
    computed = ctx.cache(
        cache_key(ctx, "keywords", o.target_filters, o.reference_filters, o.min_freq,
                  o.drop_stopwords, limit),
        lambda: keywords(ctx.ix, o.target_filters, o.reference_filters, min_freq=o.min_freq,
                         limit=limit, drop_stopwords=o.drop_stopwords),
        _weight)
    rows, more = _window(computed, p)
    head = {"target": o.target, "reference": o.reference, "min_freq": o.min_freq,
            "stopwords_dropped": o.drop_stopwords, "offset": 0 if p.all else p.offset,
            "limit": None if p.all else p.limit, "page": p.page, "more": more}
    prov = provenance(ctx, "keywords", extra={"target": o.target, "reference": o.reference,
                                              "min_freq": o.min_freq, "complete": p.all})
    return Report("keywords", head, rows, KEYWORD_COLUMNS, prov)


# --- concepts ---------------------------------------------------------------------------------

def concepts_report(ctx: Context) -> Report:
    """The named cross-language concepts with their forms per language."""
    rows = [{**r, "languages": ",".join(r["forms"])} for r in concept_rows(ctx.registry)]
    prov = provenance(ctx, "concepts", extra={"concepts": len(rows)})
    return Report("concepts", {"concepts": len(rows)}, rows, CONCEPT_COLUMNS, prov,
                  key="concepts", json_columns=CONCEPT_JSON_COLUMNS)


def concept_report(ctx: Context, name: str, scope: Scope, f: FreqOptions) -> Report:
    """A concept's forms per language and its frequency trajectory (raises UnknownConcept)."""
    concept = get_concept(name.lstrip("@"), ctx.registry)
    query = f"@{concept.name}"
    parsed = parse(query, ctx)
    rows = ctx.cache(
        cache_key(ctx, "freq", ((query, query_key(parsed)),), f.by, scope.mode, scope.filters),
        lambda: freq(ctx.ix, [(query, parsed)], by=f.by, mode=scope.mode, filters=scope.filters,
                     deadline=ctx.deadline),
        _weight)
    form_rows = ctx.cache(
        cache_key(ctx, "freq", ((query, query_key(parsed)),), ("lang", "form"), scope.mode,
                  scope.filters),
        lambda: freq(ctx.ix, [(query, parsed)], by=("lang", "form"), mode=scope.mode,
                     filters=scope.filters, deadline=ctx.deadline),
        _weight)
    matched: dict[str, list[dict[str, Any]]] = {}
    for r in form_rows:
        matched.setdefault(r["lang"], []).append({"form": r["form"], "hits": r["hits"]})
    row = next(r for r in concept_rows(ctx.registry) if r["name"] == concept.name)
    total = sum(r["hits"] for r in rows)
    head = {"concept": row, "query": query, "by": list(f.by), "scale": f.scale, "hits": total,
            "matched_forms": matched}
    prov = provenance(ctx, "concept", query=query, parsed=parsed, filters=scope.filters,
                      mode=scope.mode, extra={"by": ",".join(f.by), "hits": total})
    return Report("concept-" + concept.name, head, rows, freq_columns(f.by, False), prov)


# --- documents and the corpus -----------------------------------------------------------------

DOCUMENT_HEAD = ("doc_id", "title", "author", "year", "year_start", "year_end", "language",
                 "group", "work", "translator", "original_language", "tokens", "tokens_by_lang",
                 "metadata")


def document_report(ctx: Context, doc_id: str, scope: Scope) -> Report:
    """A document with its paragraphs, translation family and the hits of ``scope.q`` in it."""
    doc = document(ctx.ix, doc_id)
    family = translation_family(ctx.ix, doc_id)
    hits: list[dict[str, Any]] = []
    parsed = None
    if scope.q:
        parsed = parse(scope.q, ctx)
        found = find(ctx, parsed, scope.mode, scope.filters.merge(Filters(doc_ids=(doc_id,))))
        hits = [{"position": ln.position, "char_start": ln.char_start, "char_end": ln.char_end,
                 "match": ln.match} for ln in Concordance(ctx.ix, found).lines(found, 0)]
    paragraphs = []
    h = 0
    for i, p in enumerate(doc["paragraphs"], start=1):
        marks = []
        while h < len(hits) and hits[h]["char_start"] < p["end"]:
            marks.append(hits[h])
            if hits[h]["char_end"] <= p["end"]:
                h += 1
            else:
                break
        paragraphs.append({"paragraph": i, "start": p["start"], "end": p["end"], "lang": p["lang"],
                           "first_token": p["first_token"], "hits": len(marks), "text": p["text"],
                           "marks": marks})
    head = {k: doc[k] for k in DOCUMENT_HEAD}
    head.update(family=family, duplicates=doc["duplicates"], query=scope.q or None, hits=hits)
    prov = provenance(ctx, "doc", query=scope.q or None, parsed=parsed, mode=scope.mode,
                      extra={"doc_id": doc_id, "hits": len(hits)})
    return Report("doc", head, paragraphs, PARAGRAPH_COLUMNS, prov, key="paragraphs",
                  json_columns=("paragraph", "start", "end", "lang", "hits", "text"))


def index_info(ix: CorpusIndex) -> dict[str, Any]:
    """The facts ``concord info`` shows: what the index holds and how it was built."""
    man = ix.manifest
    store = ix.store
    tokens_by_lang = {lang: sum(cells.values()) for lang, cells in store.info["totals"].items()}
    docs_by_lang: dict[str, int] = {}
    for meta in store.docs:
        code = meta.get("language") or "und"
        docs_by_lang[code] = docs_by_lang.get(code, 0) + 1
    return {
        "index": str(ix.path),
        "generation": ix.generation,
        "schema_version": man["settings"]["schema_version"],
        "analysis": man["settings"]["analysis"],
        "concord_version": man["concord_version"],
        "corpus": man["corpus"],
        "fingerprint": man["fingerprint"],
        "documents": man["documents"],
        "paragraphs": man["paragraphs"],
        "tokens": man["tokens"],
        "vocabulary": man["vocabulary"],
        "tokens_by_lang": dict(sorted(tokens_by_lang.items(), key=lambda kv: -kv[1])),
        "documents_by_lang": dict(sorted(docs_by_lang.items(), key=lambda kv: -kv[1])),
        "built": man["build"]["finished"],
        "build": man["build"],
        "duplicates": duplicates_summary(ix),
        "categories": categories.summary(ix),
    }


def corpus_overview(ix: CorpusIndex) -> dict[str, Any]:
    """Documents (by declared language) and tokens (by paragraph language) per decade."""
    store = ix.store
    cells: dict[tuple[str, int | None], dict[str, int]] = {}
    for meta in store.docs:
        year = meta.get("year")
        key = (meta.get("language") or "und", None if year is None else year // 10 * 10)
        cells.setdefault(key, {"documents": 0, "tokens": 0})["documents"] += 1
    for lang, by_year in store.info["totals"].items():
        for year, n in by_year.items():
            decade = int(year) // 10 * 10 if str(year).lstrip("-").isdigit() else None
            cells.setdefault((lang, decade), {"documents": 0, "tokens": 0})["tokens"] += int(n)
    rows = [{"lang": lang, "decade": decade, **counts} for (lang, decade), counts
            in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or 0))]
    documents = sorted(store.docs, key=lambda m: (m.get("year") or 0, m["doc_id"]))
    return {"cells": rows, "documents": documents}


INFO_HEAD = ("generation", "schema_version", "concord_version", "fingerprint", "documents",
             "paragraphs", "tokens", "vocabulary", "tokens_by_lang", "documents_by_lang", "built")


def info_report(ctx: Context) -> Report:
    """What the index holds and how it was built (no rows)."""
    info = index_info(ctx.ix)
    return Report("info", info, [], (), provenance(ctx, "info"))


def corpus_report(ctx: Context) -> Report:
    """Documents and tokens per language and decade, and the list of documents."""
    info = index_info(ctx.ix)
    overview = corpus_overview(ctx.ix)
    documents = [{k: meta.get(k) for k in DOCUMENT_COLUMNS} for meta in overview["documents"]]
    label = ctx.ix.name if ctx.index_label == "name" else str(ctx.ix.path)
    head = {"index": label, **{k: info[k] for k in INFO_HEAD}, "document_list": documents}
    return Report("corpus", head, overview["cells"], CORPUS_COLUMNS, provenance(ctx, "corpus"))


# --- categories (concord.categories) ----------------------------------------------------------

def category_lines_report(ctx: Context, *, category: str | None = None, orphans: bool = False,
                          width: int = 8) -> Report:
    """The categorised lines (of one category, or only the orphans) with their context."""
    check_width(width)
    if category is not None:
        categories.Workspace(ctx.ix.path).require(category)
    summary = categories.summary(ctx.ix)
    rows = list(categories.line_rows(ctx.ix, category=category, orphans_only=orphans, width=width))
    head = {"category": category, "orphans_only": orphans, "lines": len(rows),
            "orphaned": sum(1 for r in rows if r["orphaned"]),
            "categories": summary["categories"]}
    filters = Filters(categories=(category,)) if category is not None else Filters()
    prov = provenance(ctx, "categorise export", filters=filters,
                      extra={"categories": {c["name"]: c["lines"] for c in summary["categories"]
                                            if category is None or c["name"] == category},
                             "orphans_only": orphans, "lines": len(rows),
                             "orphaned": head["orphaned"], "width": width})
    return Report("categories", head, rows, categories.LINE_COLUMNS, prov)
