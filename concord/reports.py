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
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from . import __version__, categories
from .concepts import concept_rows, get_concept
from .duplicates import summary as duplicates_summary
from .errors import OptionError, QuerySyntaxError
from .export import Provenance
from .hits import HitSet, count_as_typed, explain, find_hits
from .index import CorpusIndex
from .kwic import (
    GROUP_COLUMNS,
    GROUP_FIELDS,
    KWIC_COLUMNS,
    Concordance,
    check_width,
    concordance,
    doc_value,
    group_counts,
    iter_lines,
    parse_sort,
)
from .linefilters import ContextFilter, Filtered, filter_lines
from .query import Filters, ParsedQuery, parse_query
from .search import document, search_documents, translation_family
from .stats import (
    KEYWORD_COLUMNS,
    NGRAM_COLUMNS,
    WORDLIST_COLUMNS,
    collocate_columns,
    collocates,
    collocates_per_language,
    form_labels,
    freq,
    freq_columns,
    keywords,
    ngrams,
    subcorpus_size,
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
class LineFilters:
    """Which hits become lines: context words within a window, and one matched written form."""

    context: tuple[ContextFilter, ...] = ()
    form: str | None = None

    def __bool__(self) -> bool:
        return bool(self.context) or self.form is not None

    def describe(self) -> list[str]:
        out = [c.describe() for c in self.context]
        if self.form is not None:
            out.append(f"matched form {self.form!r}")
        return out


@dataclass(frozen=True)
class KwicOptions:
    sort: tuple[str, ...] = ("position",)
    width: int = 8
    sample: int | None = None
    seed: int = 0
    paging: Paging = field(default_factory=Paging)
    lines: LineFilters = field(default_factory=LineFilters)
    group: str | None = None          # a metadata field of GROUP_FIELDS


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
    by_lang: bool | None = None      # None: per language for @concepts and mixed languages
    include_negative: bool = False   # also collocates seen less often than expected
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
    mode: str = "default"            # "exact": forms as written


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
    #: Hits of query leaves found while answering this context's question, shared by the
    #: hit search and the explanation (one question: one command or one web request).
    memo: dict = field(default_factory=dict, repr=False, compare=False)


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
                                       deadline=ctx.deadline, memo=ctx.memo),
                     len)


def explained(ctx: Context, parsed: ParsedQuery, scope: Scope) -> dict[str, Any]:
    """How a query was read: tree, rules, matched forms with counts (``--explain``, web panel)."""
    return ctx.cache(cache_key(ctx, "explain", query_key(parsed), scope.mode, scope.filters),
                     lambda: explain(ctx.ix, parsed, mode=scope.mode, filters=scope.filters,
                                     deadline=ctx.deadline, memo=ctx.memo),
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


def lines_of(ctx: Context, parsed: ParsedQuery, hits: HitSet, scope: Scope,
             lines: LineFilters) -> Filtered:
    """The hits that the line filters keep, with the context words they found."""
    if not lines:
        return Filtered(hits, np.zeros(0, dtype=np.int64), 0)
    return ctx.cache(cache_key(ctx, "lines", query_key(parsed), scope.mode, scope.filters, lines),
                     lambda: filter_lines(ctx.ix, hits, lines.context, form=lines.form,
                                          exact=scope.mode == "exact"),
                     lambda r: len(r.hits) + r.marks.size // 2 + 1)


def kwic_count_report(ctx: Context, scope: Scope, lines: LineFilters | None = None) -> Report:
    """How many hits the query has, in how many documents (of those the line filters keep)."""
    lines = lines or LineFilters()
    parsed = parse(scope.q, ctx)
    found = find(ctx, parsed, scope.mode, scope.filters)
    hits = lines_of(ctx, parsed, found, scope, lines).hits
    counts = {"hits": len(hits), "docs": hits.n_docs}
    typed = as_typed(ctx, parsed, hits, scope) if not lines else None
    if typed is not None:
        counts["as_typed"] = typed
    prov = provenance(ctx, "kwic --count", query=scope.q, parsed=parsed, filters=scope.filters,
                      mode=scope.mode, extra={"line_filters": lines.describe()} if lines else None)
    columns = COUNT_COLUMNS + (("as_typed",) if typed is not None else ())
    return Report("kwic-count", dict(counts), [counts], columns, prov)


def _group_sort(group: str | None, sort: tuple[str, ...]) -> tuple[str, ...]:
    if group is None:
        return sort
    if group not in GROUP_FIELDS:
        raise OptionError(f"cannot group lines by {group!r}: use {', '.join(GROUP_FIELDS)}")
    # The group keeps the direction the sort gives it (-year: newest group first).
    first = next((k for k in sort if k.lstrip("-") == group), group)
    rest = tuple(k for k in sort if k.lstrip("-") != group and k != "position")
    return parse_sort((first, *rest))


def _with_group(ctx: Context, group: str | None, rows: Iterable[dict[str, Any]]
                ) -> Iterable[dict[str, Any]]:
    """Add the grouping field to each line when it is not a KWIC column already."""
    if group not in GROUP_COLUMNS:
        return rows
    store = ctx.ix.store

    def value(row: dict[str, Any]) -> Any:
        if group == "decade":
            return None if row["year"] is None else row["year"] // 10 * 10
        return doc_value(store.docs[store.doc_index[row["doc_id"]]], group)

    return ({**row, group: value(row)} for row in rows)


def kwic_report(ctx: Context, scope: Scope, k: KwicOptions) -> Report:
    """One page of concordance lines, or every line (lazily) when ``k.paging.all``."""
    parsed = parse(scope.q, ctx)
    sort = _group_sort(k.group, parse_sort(k.sort))
    check_width(k.width)
    found = find(ctx, parsed, scope.mode, scope.filters)
    kept = lines_of(ctx, parsed, found, scope, k.lines)
    hits = kept.hits
    marks = kept.marks if kept.marks.size else None
    shown = len(hits) if k.sample is None else min(k.sample, len(hits))
    head: dict[str, Any] = {"query": scope.q, "expansion": parsed.expansion(), "hits": len(hits),
                            "as_typed": as_typed(ctx, parsed, hits, scope) if not k.lines else None,
                            "docs": hits.n_docs, "sort": ",".join(sort), "width": k.width,
                            "sample": k.sample, "seed": k.seed if k.sample else None,
                            "shown": shown, "explain": explained(ctx, parsed, scope)}
    if k.lines:
        head.update(line_filters=k.lines.describe(), query_hits=len(found),
                    context_hits=kept.context_hits if any(not c.lacks for c in k.lines.context)
                    else None)
    if k.group is not None:
        # A sample's groups count the sampled lines: the ones shown.
        grouped = hits if k.sample is None else Concordance(ctx.ix, hits).order(
            sample=k.sample, seed=k.seed)
        head.update(group=k.group, groups=ctx.cache(
            cache_key(ctx, "groups", query_key(parsed), scope.mode, scope.filters, k.lines,
                      sort[0], k.sample, k.seed if k.sample else None),
            lambda: group_counts(ctx.ix, grouped, sort[0]), _weight))
    rows: Iterable[Mapping[str, Any]]
    if k.paging.all:
        rows = (ln.as_dict() for ln in iter_lines(ctx.ix, hits, sort=sort, width=k.width,
                                                  sample=k.sample, seed=k.seed, marks=marks))
        head.update(offset=0, limit=None, page=1, pages=1)
    elif k.paging.limit > EAGER_LINES:
        rows = (ln.as_dict() for ln in iter_lines(ctx.ix, hits, sort=sort, width=k.width,
                                                  sample=k.sample, seed=k.seed,
                                                  offset=k.paging.offset, limit=k.paging.limit,
                                                  marks=marks))
        head.update(offset=k.paging.offset, limit=k.paging.limit, page=k.paging.page,
                    pages=_pages(shown, k.paging))
    else:
        page = concordance(ctx.ix, hits, sort=sort, width=k.width, offset=k.paging.offset,
                           limit=k.paging.limit, sample=k.sample, seed=k.seed, marks=marks)
        rows = [ln.as_dict() for ln in page["lines"]]
        head.update(offset=k.paging.offset, limit=k.paging.limit, page=k.paging.page,
                    pages=_pages(shown, k.paging))
    rows = _with_group(ctx, k.group, rows)
    if isinstance(rows, Iterator) and not k.paging.all and k.paging.limit <= EAGER_LINES:
        rows = list(rows)
    extra: dict[str, Any] = {"hits": len(hits), "docs": head["docs"], "sort": head["sort"],
                             "width": k.width, "sample": k.sample, "seed": head["seed"],
                             "complete": k.paging.all}
    if k.lines:
        extra["line_filters"] = k.lines.describe()
    if k.group is not None:
        extra["group"] = k.group
    prov = provenance(ctx, "kwic", query=scope.q, parsed=parsed, filters=scope.filters,
                      mode=scope.mode, extra=extra)
    columns = KWIC_COLUMNS + ((k.group,) if k.group in GROUP_COLUMNS else ())
    return Report("kwic", head, rows, columns, prov, key="lines")


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


def collocates_by_lang(ctx: Context, parsed: ParsedQuery, scope: Scope,
                       by_lang: bool | None) -> bool:
    """Per-language collocates by default for @concepts and for hits in several languages."""
    if by_lang is not None:
        return by_lang
    return collocates_per_language(ctx.ix, parsed, find(ctx, parsed, scope.mode, scope.filters))


def collocates_report(ctx: Context, scope: Scope, o: CollocateOptions) -> Report:
    """Words that keep company with the query, scored by an association measure."""
    parsed = parse(scope.q, ctx)
    by_lang = collocates_by_lang(ctx, parsed, scope, o.by_lang)
    limit = None if o.paging.all else o.paging.limit
    rows = ctx.cache(
        cache_key(ctx, "collocates", query_key(parsed), o.window, o.measure, o.min_freq,
                  o.drop_stopwords, by_lang, o.include_negative, scope.mode, scope.filters,
                  limit),
        lambda: collocates(ctx.ix, parsed, window=o.window, measure=o.measure,
                           min_freq=o.min_freq, drop_stopwords=o.drop_stopwords, by_lang=by_lang,
                           mode=scope.mode, filters=scope.filters, limit=limit,
                           deadline=ctx.deadline, include_negative=o.include_negative),
        _weight)
    head = {"query": scope.q, "expansion": parsed.expansion(), "window": list(o.window),
            "measure": o.measure, "min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords,
            "by_lang": by_lang, "include_negative": o.include_negative, "limit": limit}
    prov = provenance(ctx, "collocates", query=scope.q, parsed=parsed, filters=scope.filters,
                      mode=scope.mode, extra={"window": f"{o.window[0]},{o.window[1]}",
                                              "measure": o.measure, "min_freq": o.min_freq,
                                              "stopwords_dropped": o.drop_stopwords,
                                              "by_lang": by_lang,
                                              "include_negative": o.include_negative})
    return Report("collocates", head, rows, collocate_columns(o.measure, by_lang), prov)


def wordlist_report(ctx: Context, scope: Scope, o: WordlistOptions) -> Report:
    """Every word form of the sub-corpus with its frequency, per million and documents."""
    p = o.paging
    limit = _ahead(p)
    computed = ctx.cache(
        cache_key(ctx, "wordlist", scope.filters, o.min_freq, o.drop_stopwords, limit,
                  scope.mode == "exact"),
        lambda: wordlist(ctx.ix, filters=scope.filters, min_freq=o.min_freq,
                         drop_stopwords=o.drop_stopwords, limit=limit, mode=scope.mode),
        _weight)
    rows, more = _window(computed, p)
    head = {"min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords, "mode": scope.mode,
            "offset": 0 if p.all else p.offset, "limit": None if p.all else p.limit,
            "page": p.page, "more": more}
    prov = provenance(ctx, "wordlist", filters=scope.filters, mode=scope.mode,
                      extra={"min_freq": o.min_freq, "stopwords_dropped": o.drop_stopwords,
                             "rows": len(rows), "complete": p.all})
    return Report("wordlist", head, rows, WORDLIST_COLUMNS, prov)


def ngrams_report(ctx: Context, scope: Scope, o: NgramOptions) -> Report:
    """The most frequent runs of ``o.n`` words within paragraphs."""
    p = o.paging
    limit = _ahead(p)
    computed = ctx.cache(
        cache_key(ctx, "ngrams", o.n, scope.filters, o.min_freq, limit, scope.mode == "exact"),
        lambda: ngrams(ctx.ix, o.n, filters=scope.filters, min_freq=o.min_freq, limit=limit,
                       mode=scope.mode),
        _weight)
    rows, more = _window(computed, p)
    head = {"n": o.n, "min_freq": o.min_freq, "mode": scope.mode,
            "offset": 0 if p.all else p.offset,
            "limit": None if p.all else p.limit, "page": p.page, "more": more}
    prov = provenance(ctx, f"ngrams {o.n}", filters=scope.filters, mode=scope.mode,
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
                  o.drop_stopwords, limit, o.mode == "exact"),
        lambda: keywords(ctx.ix, o.target_filters, o.reference_filters, min_freq=o.min_freq,
                         limit=limit, drop_stopwords=o.drop_stopwords, mode=o.mode),
        _weight)
    rows, more = _window(computed, p)
    sizes = ctx.cache(cache_key(ctx, "subcorpus-sizes", o.target_filters, o.reference_filters),
                      lambda: (subcorpus_size(ctx.ix, o.target_filters),
                               subcorpus_size(ctx.ix, o.reference_filters)),
                      lambda _: 1)
    head = {"target": o.target, "reference": o.reference, "target_size": sizes[0],
            "reference_size": sizes[1], "min_freq": o.min_freq, "mode": o.mode,
            "stopwords_dropped": o.drop_stopwords, "offset": 0 if p.all else p.offset,
            "limit": None if p.all else p.limit, "page": p.page, "more": more}
    prov = provenance(ctx, "keywords", mode=o.mode,
                      extra={"target": o.target, "reference": o.reference,
                             "target_tokens": sizes[0]["tokens"],
                             "target_documents": sizes[0]["documents"],
                             "reference_tokens": sizes[1]["tokens"],
                             "reference_documents": sizes[1]["documents"],
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


def cell_documents(ctx: Context, cell: Mapping[str, Any]) -> list[str]:
    """Ids of the counted documents (near-duplicates left out) of a frequency cell's
    document fields: ``author`` compared whole (a filter only says "contains"), an empty
    ``group`` or ``work`` and an unknown ``year`` or ``decade`` (which no filter can say)."""
    store = ctx.ix.store
    duplicates = ctx.ix.duplicate_mask()
    out = []
    for i, meta in enumerate(store.docs):
        if duplicates is not None and duplicates[i]:
            continue
        year = meta.get("year")
        values = {"author": meta.get("author") or "", "group": meta.get("group") or "",
                  "work": meta.get("work") or "", "year": year,
                  "decade": None if year is None else year // 10 * 10}
        if all(values[k] == v for k, v in cell.items()):
            out.append(meta["doc_id"])
    return out


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
        "families": families_info(ix),
        "categories": categories.summary(ix),
    }


def families_info(ix: CorpusIndex) -> dict[str, Any]:
    """Translation families (work ids with two versions or more), their alignment status
    and notes, and how many works have one version only."""
    stored = {f["work"]: f for f in ix.alignments.families()}
    listed = []
    single = 0
    for work, members in _family_members(ix).items():
        if len(members) < 2:
            single += 1
            continue
        f = stored.get(work)
        pairs = f["pairs"] if f else []
        listed.append({
            "work": work, "versions": [{"doc_id": m["doc_id"], "lang": m.get("language")}
                                       for m in members],
            "status": f["status"] if f else "not-aligned",
            "note": f["note"] if f else ("not aligned: this index was built without alignments "
                                         "(run concord index again)"),
            "pairs": pairs})
    return {"families": listed, "single_version_works": single, "aligned": ix.alignments.exists}


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


# --- translation families ---------------------------------------------------------------------

#: The columns of ``concord parallel`` in flat formats: one row per hit and aligned version.
PARALLEL_COLUMNS = ("doc_id", "lang", "left", "match", "right", "char_start", "char_end",
                    "to_doc_id", "to_lang", "to_text", "to_start", "to_end", "score", "level",
                    "to_match", "to_match_start", "to_match_end", "note")
#: The JSON rows of ``concord parallel``: the hit, then ``aligned`` (a list of passages).
PARALLEL_JSON_COLUMNS = ("doc_id", "title", "year", "lang", "left", "match", "right", "position",
                         "char_start", "char_end", "aligned")
#: ``equivalent`` is its most frequent written spelling, ``key`` the folded form counted.
EQUIVALENT_COLUMNS = ("rank", "lang", "equivalent", "key", "cooccurrences", "word_pairs",
                      "equivalent_pairs", "pairs", "dice", "ll")
EQUIVALENT_JSON_COLUMNS = EQUIVALENT_COLUMNS + ("references",)
ALIGNED_COLUMNS = ("doc_id", "lang", "unit", "level", "start", "end", "text", "links")


@dataclass(frozen=True)
class ParallelOptions:
    """Which versions to show beside each hit (``to_langs``: all other versions when empty)."""

    to_langs: tuple[str, ...] = ()
    width: int = 8
    paging: Paging = field(default_factory=Paging)


@dataclass(frozen=True)
class EquivalentOptions:
    """``work``: one family's id, or None for every family; ``to_lang`` the target language."""

    work: str | None = None
    to_lang: str = ""
    from_langs: tuple[str, ...] = ()
    min_count: int = 2
    drop_stopwords: bool = True
    limit: int = 20


def _family_members(ix: CorpusIndex, works: Sequence[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """Work id -> its versions (store records), for works with two versions or more."""
    out: dict[str, list[dict[str, Any]]] = {}
    for meta in ix.store.docs:
        if meta.get("work") and (not works or meta["work"] in works):
            out.setdefault(meta["work"], []).append(meta)
    return {w: sorted(ms, key=lambda m: m["doc_id"]) for w, ms in sorted(out.items())}


def family_notes(ctx: Context, works: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Each family's alignment status and note (one version, one language, empty, no overlap)."""
    stored = {f["work"]: f for f in ctx.ix.alignments.families()}
    notes = []
    for work, members in _family_members(ctx.ix, works).items():
        f = stored.get(work)
        if f is None:
            note = ("one version only: nothing to align" if len(members) < 2 else
                    "not aligned: this index was built without alignments (run concord index again)")
            notes.append({"work": work, "versions": len(members), "status": "not-aligned",
                          "note": note, "pairs": []})
        else:
            notes.append({"work": work, "versions": len(f["versions"]), "status": f["status"],
                          "note": f["note"], "pairs": f["pairs"]})
    return notes


def _check_work(ctx: Context, works: Sequence[str]) -> None:
    known = {m.get("work") for m in ctx.ix.store.docs}
    for w in works:
        if w not in known:
            raise OptionError(f"no work {w!r} in the index (concord info lists the families)")


def _check_langs(families: Mapping[str, list[dict[str, Any]]], langs: Sequence[str]) -> None:
    have = {m.get("language") for ms in families.values() for m in ms}
    missing = [lang for lang in langs if lang not in have]
    if missing:
        raise OptionError(f"no version in {', '.join(missing)} among the translation families "
                          f"(they have {', '.join(sorted(x for x in have if x)) or 'no versions'})")


def parallel_report(ctx: Context, scope: Scope, o: ParallelOptions) -> Report:
    """Each hit in a version of a family with the aligned passage of every other version.

    Hits are those of the KWIC (every query form and filter), limited to documents that have
    another version; ``o.to_langs`` chooses the versions shown (their own hits are left out).
    Where the query names concepts, their forms are highlighted in each passage; otherwise
    the passage's word most associated with the matched word (Dice over the pair's aligned
    sentences) is.
    """
    parsed = parse(scope.q, ctx)
    check_width(o.width)
    _check_work(ctx, scope.filters.works)
    families = {w: ms for w, ms in _family_members(ctx.ix, scope.filters.works).items()
                if len(ms) > 1}
    _check_langs(families, o.to_langs)
    sources = tuple(m["doc_id"] for ms in families.values() for m in ms
                    if m.get("language") not in o.to_langs)
    notes = [n for n in family_notes(ctx, tuple(families) or scope.filters.works) if n["note"]]
    store = ctx.ix.store
    if not sources:
        hits = None
        rows: list[dict[str, Any]] = []
        total = docs = 0
    else:
        narrowed = scope.filters.merge(Filters(doc_ids=sources)) if not scope.filters.doc_ids \
            else scope.filters
        hits = find(ctx, parsed, scope.mode, narrowed)
        if scope.filters.doc_ids:
            keep = np.isin(hits.docs, [store.doc_index[d] for d in sources if d in store.doc_index])
            hits = hits.take(np.nonzero(keep)[0])
        total, docs = len(hits), hits.n_docs
        page = concordance(ctx.ix, hits, width=o.width, offset=0 if o.paging.all else o.paging.offset,
                           limit=None if o.paging.all else o.paging.limit)
        lines = [{k: getattr(ln, k) for k in ("doc_id", "title", "year", "lang", "left", "match",
                                              "right", "position", "char_start", "char_end")}
                 for ln in page["lines"]]
        passages = aligned_translations(ctx, lines, concepts=tuple(parsed.concepts),
                                        to_langs=o.to_langs)
        rows = []
        for row, aligned in zip(lines, passages, strict=True):
            row["work"] = store.docs[store.doc_index[row["doc_id"]]]["work"]
            row["aligned"] = aligned
            rows.append(row)
    if rows:    # the notes of the families on this page
        notes = [n for n in notes if n["work"] in {r["work"] for r in rows}]
    head = {"query": scope.q, "expansion": parsed.expansion(), "hits": total, "docs": docs,
            "to_langs": list(o.to_langs), "families": sorted(families), "notes": notes,
            "offset": 0 if o.paging.all else o.paging.offset,
            "limit": None if o.paging.all else o.paging.limit,
            "page": o.paging.page, "pages": 1 if o.paging.all else _pages(total, o.paging)}
    prov = provenance(ctx, "parallel", query=scope.q, parsed=parsed, filters=scope.filters,
                      mode=scope.mode, extra={"hits": total, "to": ",".join(o.to_langs)})
    return Report("parallel", head, rows, PARALLEL_COLUMNS, prov, json_columns=PARALLEL_JSON_COLUMNS)


def query_concepts(ctx: Context, q: str) -> tuple[str, ...]:
    """The concepts a query names (their forms are highlighted in aligned passages)."""
    return tuple(parse(q, ctx).concepts)


def aligned_translations(ctx: Context, lines: Sequence[Mapping[str, Any]], *,
                         concepts: Sequence[str] = (),
                         to_langs: Sequence[str] = ()) -> list[list[dict[str, Any]]]:
    """For each concordance line, the aligned passage of every other version of its work,
    with the translation of the hit highlighted.

    ``lines`` are KWIC rows (``doc_id``, ``position``, ``char_start``, ``char_end``). Where
    ``concepts`` (the query's) are given, their forms are highlighted in each passage;
    otherwise the passage's word most associated with the matched words (Dice over the
    pair's aligned sentences: :func:`concord.align.rank_equivalents`) is, and named as
    ``equivalent`` as the passage writes it. ``concord parallel`` and the web
    concordance's "show translations" both call this, so they cannot differ.
    """
    from .align import concept_spans, passage, rank_equivalents

    store = ctx.ix.store
    families = {w: ms for w, ms in _family_members(ctx.ix).items() if len(ms) > 1}
    out: list[list[dict[str, Any]]] = []
    pending: list[tuple] = []
    candidates: dict[tuple, list[np.ndarray]] = {}
    for ln in lines:
        src = store.doc_index[ln["doc_id"]]
        members = families.get(store.docs[src].get("work") or "", [])
        g = int(store.doc_tok[src])
        matched = np.unique(store.tok[g + ln["position"]:g + int(np.searchsorted(
            store.start[g:int(store.doc_tok[src + 1])], ln["char_end"], side="left"))])
        aligned = []
        for m in members:
            if m["doc_id"] == ln["doc_id"] or (to_langs and m.get("language") not in to_langs):
                continue
            p = passage(ctx.ix, ln["doc_id"], ln["char_start"], m["doc_id"])
            p["highlights"], p["equivalent"] = [], None
            if p["text"] is not None:
                d = store.doc_index[m["doc_id"]]
                g0 = int(store.doc_tok[d])
                toks = np.asarray(store.tok[g0 + p["tok0"]:g0 + p["tok1"]])
                starts = store.start[g0 + p["tok0"]:g0 + p["tok1"]]
                ends = store.end[g0 + p["tok0"]:g0 + p["tok1"]]
                spans: list[tuple[int, int]] = []
                if concepts:
                    for pos, length, name in concept_spans(store, toks, p["lang"] or "",
                                                           ctx.registry):
                        if name in concepts:
                            spans.append((pos, pos + length))
                else:
                    # Marked once every passage is known (see below).
                    key = (ln["doc_id"], m["doc_id"], tuple(matched.tolist()))
                    pending.append((key, p, toks, starts, ends))
                    candidates.setdefault(key, []).append(toks)
                _mark(p, spans, starts, ends)
            for k in ("tok0", "tok1"):
                p.pop(k)
            aligned.append(p)
        out.append(aligned)
    # The likely equivalent: of each passage's words but its language's stopwords (an article
    # is in nearly every aligned sentence, so it would win on Dice), the one with the best
    # Dice with the matched words over the aligned sentences of the two versions.
    from .stats import stopword_ids

    key_lang = {key: p["lang"] or "" for key, p, *_ in pending}
    stops = {lang: stopword_ids(ctx.ix, [lang]) if lang else np.zeros(0, dtype=np.int64)
             for lang in set(key_lang.values())}
    ranked = {key: rank_equivalents(ctx.ix, key[0], key[1], np.asarray(key[2], dtype=np.int64),
                                    np.setdiff1d(np.unique(np.concatenate(parts)),
                                                 stops[key_lang[key]]))
              for key, parts in candidates.items()}
    for key, p, toks, starts, ends in pending:
        present = ranked[key][np.isin(ranked[key], toks)]
        if present.size:
            best = int(present[0])
            _mark(p, [(int(i), int(i) + 1) for i in np.nonzero(toks == best)[0]], starts, ends)
            # Named as this passage writes it (most often, the first on a tie).
            written = [h["text"] for h in p["highlights"]]
            p["equivalent"] = max(written, key=lambda w: (written.count(w), -written.index(w)))
    return out


def passage_pieces(p: Mapping[str, Any], limit: int | None = None) -> list[tuple[str, bool]]:
    """An aligned passage's text as ``(text, highlighted)`` pieces in order, cut after
    ``limit`` characters (at a space, with " …") when given."""
    text, start = p["text"] or "", p["start"] or 0
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for h in sorted(p.get("highlights") or (), key=lambda h: h["start"]):
        a, b = h["start"] - start, h["end"] - start
        if a < pos:         # overlapping forms: the first one wins
            continue
        if a > pos:
            pieces.append((text[pos:a], False))
        pieces.append((text[a:b], True))
        pos = b
    if pos < len(text):
        pieces.append((text[pos:], False))
    if limit is None or len(text) <= limit:
        return pieces
    out: list[tuple[str, bool]] = []
    used = 0
    for piece, marked in pieces:
        if used + len(piece) <= limit:
            out.append((piece, marked))
            used += len(piece)
            continue
        rest = piece[:limit - used]
        if not marked:
            rest = rest.rsplit(" ", 1)[0] if " " in rest else ""
        if rest:
            out.append((rest, marked))
        break
    out.append((" …", False))
    return out


def _mark(p: dict[str, Any], spans: Sequence[tuple[int, int]], starts: np.ndarray,
          ends: np.ndarray) -> None:
    """Add highlights (character offsets and text) for token spans of a passage."""
    for a, b in spans:
        cs, ce = int(starts[a]), int(ends[b - 1])
        p["highlights"].append({"start": cs, "end": ce,
                                "text": p["text"][cs - p["start"]:ce - p["start"]]})


def parallel_table(report: Report) -> list[dict[str, Any]]:
    """The flat rows of a parallel report: one per hit and aligned version (CSV, XLSX...)."""
    out = []
    for row in report.rows:
        for a in row["aligned"] or [{}]:
            first = (a.get("highlights") or [{}])[0]
            out.append({**{k: row[k] for k in ("doc_id", "lang", "left", "match", "right",
                                                "char_start", "char_end")},
                        "to_doc_id": a.get("doc_id"), "to_lang": a.get("lang"),
                        "to_text": a.get("text"), "to_start": a.get("start"),
                        "to_end": a.get("end"), "score": a.get("score"), "level": a.get("level"),
                        "to_match": first.get("text"), "to_match_start": first.get("start"),
                        "to_match_end": first.get("end"), "note": a.get("note")})
    return out


def equivalents_report(ctx: Context, word: str, o: EquivalentOptions) -> Report:
    """Words of ``o.to_lang`` most associated with ``word`` over aligned sentence pairs.

    A pair is an aligned sentence bead between a version not in ``o.to_lang`` (or in
    ``o.from_langs``) and one in ``o.to_lang``; the word is its folded form. Dice is
    2·o11 / (word pairs + equivalent pairs) and ll the signed log-likelihood of the 2×2 table
    over all pairs; each row lists the pairs behind it.
    """
    from .align import associate, pair_units
    from .analysis import fold, token_spans
    from .measures import dice, signed_log_likelihood
    from .stats import stopword_ids

    if not o.to_lang:
        raise OptionError("give the language of the equivalents, e.g. --to fr")
    words = token_spans(word)
    if len(words) != 1:
        raise OptionError(f"give one word, not {word!r}")
    if o.min_count < 1 or o.limit < 0:
        raise OptionError("min-count must be 1 or more and limit 0 or more")
    works = (o.work,) if o.work else ()
    _check_work(ctx, works)
    store = ctx.ix.store
    wid = store.vocab_id(fold(words[0][0]))
    families = {w: ms for w, ms in _family_members(ctx.ix, works).items() if len(ms) > 1}
    _check_langs(families, (o.to_lang,))
    units = []
    for ms in families.values():
        for src in ms:
            if src.get("language") == o.to_lang or (o.from_langs and src.get("language") not in o.from_langs):
                continue
            for tgt in ms:
                if tgt.get("language") == o.to_lang:
                    u = pair_units(ctx.ix, src["doc_id"], tgt["doc_id"])
                    if u is not None:
                        units.append(u)
    ids = np.asarray([wid] if wid is not None else [], dtype=np.int64)
    assoc = associate(units, ids)
    keep = assoc.joint >= o.min_count
    if o.drop_stopwords and keep.any():
        keep &= ~np.isin(assoc.candidates, stopword_ids(ctx.ix, [o.to_lang]))
    cand, o11, f_c = assoc.candidates[keep], assoc.joint[keep], assoc.cand_pairs[keep]
    n, f_w = assoc.pairs, assoc.word_pairs
    d = dice(o11, f_w - o11, f_c - o11, n - f_w - f_c + o11) if cand.size else np.zeros(0)
    ll = signed_log_likelihood(o11, f_w - o11, f_c - o11, n - f_w - f_c + o11) if cand.size \
        else np.zeros(0)
    order = np.lexsort((cand, -ll, -d))
    if o.limit:
        order = order[:o.limit]
    rows = []
    spellings, keys = form_labels(ctx.ix, cand[order].tolist(), exact=False)
    for rank, k in enumerate(order.tolist(), start=1):
        cid = int(cand[k])
        rows.append({"rank": rank, "lang": o.to_lang, "equivalent": spellings[rank - 1],
                     "key": keys[rank - 1],
                     "cooccurrences": int(o11[k]), "word_pairs": f_w, "equivalent_pairs": int(f_c[k]),
                     "pairs": n, "dice": round(float(d[k]), 4), "ll": round(float(ll[k]), 4),
                     "references": [{"doc_id": s, "start": sp[0], "end": sp[1], "to_doc_id": t,
                                     "to_start": sp[2], "to_end": sp[3]}
                                    for s, t, sp in assoc.references(cid)]})
    notes = [n_ for n_ in family_notes(ctx, tuple(families) or works) if n_["note"]]
    head = {"word": word, "folded": fold(words[0][0]), "work": o.work, "to_lang": o.to_lang,
            "pairs": n, "word_pairs": f_w, "families": sorted(families), "notes": notes,
            "min_count": o.min_count, "stopwords_dropped": o.drop_stopwords}
    prov = provenance(ctx, "equivalents", query=word,
                      extra={"work": o.work or "all families", "to": o.to_lang, "pairs": n,
                             "word_pairs": f_w, "min_count": o.min_count})
    return Report("equivalents", head, rows, EQUIVALENT_COLUMNS, prov,
                  json_columns=EQUIVALENT_JSON_COLUMNS)


def aligned_document_report(ctx: Context, work: str, langs: Sequence[str] = ()) -> Report:
    """A family's versions side by side: each version's paragraphs and sentences, and for
    each sentence its aligned sentences in the other versions (``links``)."""
    from .align import split_sentences

    _check_work(ctx, (work,))
    members = _family_members(ctx.ix, (work,)).get(work, [])
    if langs:
        members = [m for m in members if m.get("language") in langs]
    store = ctx.ix.store
    al = ctx.ix.alignments
    links: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for x, a in enumerate(members):
        for b in members[x + 1:]:
            found = al.pair(a["doc_id"], b["doc_id"]) if al.exists else None
            if found is None or found[2] != "aligned":
                continue
            pair, side_a, _s, _n = found
            for bead in al.beads(pair, side_a, level=1):
                if bead["start"] is None or bead["other_start"] is None:
                    continue
                links.setdefault((a["doc_id"], bead["start"]), []).append(
                    {"doc_id": b["doc_id"], "start": bead["other_start"], "end": bead["other_end"],
                     "score": bead["score"]})
                links.setdefault((b["doc_id"], bead["other_start"]), []).append(
                    {"doc_id": a["doc_id"], "start": bead["start"], "end": bead["end"],
                     "score": bead["score"]})
    rows = []
    for m in members:
        d = store.doc_index[m["doc_id"]]
        paragraphs = []
        for i, p in enumerate(store.doc_paragraphs(d), start=1):
            sentences = []
            for s, e in split_sentences(p["text"], p["lang"]):
                sentences.append({"start": p["start"] + s, "end": p["start"] + e,
                                  "text": p["text"][s:e], "links": []})
            # A stored sentence bead may join sentences: its links go to the first of them.
            for sent in sentences:
                sent["links"] = links.get((m["doc_id"], sent["start"]), [])
            paragraphs.append({"paragraph": i, "start": p["start"], "end": p["end"],
                               "lang": p["lang"], "sentences": sentences})
        rows.append({"doc_id": m["doc_id"], "title": m["title"], "lang": m.get("language"),
                     "translator": m.get("translator", ""), "year": m.get("year"),
                     "paragraphs": paragraphs})
    notes = [n for n in family_notes(ctx, (work,)) if n["note"]]
    head = {"work": work, "langs": list(langs), "versions": len(rows), "notes": notes}
    prov = provenance(ctx, "aligned", extra={"work": work, "langs": ",".join(langs)})
    return Report("aligned", head, rows, ("doc_id", "title", "lang", "paragraphs"), prov,
                  key="versions")


SUGGEST_COLUMNS = ("lang", "candidate", "known", "cooccurrences", "concept_pairs",
                   "candidate_pairs", "pairs", "dice", "ll")


def concept_suggestions_report(ctx: Context, name: str, *, min_count: int = 2,
                               limit: int = 10, drop_stopwords: bool = True) -> Report:
    """Candidate forms of a concept in each language, from aligned families.

    For each pair of versions whose source language has forms of the concept, the aligned
    sentence pairs whose source side holds a form are counted against every word of the
    other side; per target language the words with the highest Dice are candidates, and
    ``known`` says whether one of the concept's forms there already matches the word.
    """
    from .align import associate, concept_spans, concept_units, pair_units
    from .measures import dice, signed_log_likelihood
    from .stats import stopword_ids

    concept = get_concept(name.lstrip("@"), ctx.registry)
    if min_count < 1 or limit < 1:
        raise OptionError("min-count and limit must be 1 or more")
    store = ctx.ix.store
    by_lang: dict[str, tuple[list, list]] = {}
    for ms in _family_members(ctx.ix).values():
        for src in ms:
            if src.get("language") not in concept.forms:
                continue
            for tgt in ms:
                if tgt.get("language") == src.get("language"):
                    continue
                u = pair_units(ctx.ix, src["doc_id"], tgt["doc_id"])
                if u is None:
                    continue
                units, marked = by_lang.setdefault(tgt["language"], ([], []))
                units.append(u)
                marked.append(concept_units(ctx.ix, u, concept.name, src["language"], ctx.registry))
    rows = []
    for lang, (units, marked) in sorted(by_lang.items()):
        assoc = associate(units, marked=marked)
        keep = assoc.joint >= min_count
        if drop_stopwords and keep.any():
            keep &= ~np.isin(assoc.candidates, stopword_ids(ctx.ix, [lang]))
        cand, o11, f_c = assoc.candidates[keep], assoc.joint[keep], assoc.cand_pairs[keep]
        if not cand.size:
            continue
        n, f_w = assoc.pairs, assoc.word_pairs
        cells = (o11, f_w - o11, f_c - o11, n - f_w - f_c + o11)
        d, ll = dice(*cells), signed_log_likelihood(*cells)
        # Each candidate alone: a one-word form that matches it makes it known.
        known = {int(cand[pos]) for pos, length, _c in concept_spans(
            store, cand, lang, ctx.registry, only=concept.name) if length == 1}
        for k in np.lexsort((cand, -ll, -d))[:limit].tolist():
            rows.append({"lang": lang, "candidate": store.vocab[int(cand[k])],
                         "known": int(cand[k]) in known, "cooccurrences": int(o11[k]),
                         "concept_pairs": f_w, "candidate_pairs": int(f_c[k]), "pairs": n,
                         "dice": round(float(d[k]), 4), "ll": round(float(ll[k]), 4)})
    head = {"concept": concept.name, "forms": {k: list(v) for k, v in concept.forms.items()},
            "min_count": min_count, "limit": limit, "languages": sorted(by_lang)}
    prov = provenance(ctx, "concepts --suggest", query=f"@{concept.name}",
                      extra={"min_count": min_count, "limit": limit})
    return Report("concept-suggestions", head, rows, SUGGEST_COLUMNS, prov)
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
