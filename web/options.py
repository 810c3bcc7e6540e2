"""Request parameters, parsed and validated once into the library's option records.

Every page reads its state from the query string. This module turns ``request.args`` (any
mapping of strings, or a ``MultiDict`` for repeated ``q``) into the frozen records of
:mod:`concord.reports` and raises
:class:`~concord.errors.OptionError` with a message a user can act on; it never searches or
renders. Limits here are the web's caps on page size: downloads drop the paging instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from concord.errors import OptionError
from concord.export import FORMATS
from concord.hits import MODES
from concord.kwic import GROUP_FIELDS, MAX_WIDTH, parse_sort
from concord.linefilters import SIDES, context_filter, context_window
from concord.measures import MEASURES
from concord.query import Filters, parse_filter, parse_subcorpus
from concord.reports import (
    CollocateOptions,
    FreqOptions,
    KeywordOptions,
    KwicOptions,
    LineFilters,
    Paging,
    Scope,
    WordlistOptions,
)
from concord.stats import FORM_MODES, parse_by, parse_window

MAX_LIMIT = 1000
MAX_PAGE = 1_000_000
MAX_SAMPLE = 1_000_000
MAX_QUERIES = 8
MAX_CONTEXT_WORDS = 8
FILTER_PARAMS = ("lang", "year", "author", "group", "work", "doc", "category", "sub")
SCALES = ("pm", "abs")
#: The twin suffixes of every page: each export format but the terminal table.
# Every export format as a twin, and "zip": the CSV with its datapackage.json.
DATA_FORMATS = (*(f for f in FORMATS if f != "table"), "zip")


def _text(args: Mapping[str, str], name: str, default: str = "") -> str:
    value = args.get(name)
    return default if value is None else str(value).strip()


def integer(args: Mapping[str, str], name: str, default: int | None, lo: int, hi: int) -> int | None:
    """Read a whole-number parameter in ``[lo, hi]`` (raises OptionError)."""
    raw = _text(args, name)
    if raw == "":
        return default
    if not re.fullmatch(r"[+-]?\d{1,12}", raw):
        raise OptionError(f"{name} must be a whole number from {lo} to {hi}, not {raw[:40]!r}")
    value = int(raw)
    if not lo <= value <= hi:
        raise OptionError(f"{name} must be a whole number from {lo} to {hi}, not {value}")
    return value


def flag(args: Mapping[str, str], name: str, default: bool = False) -> bool:
    """Read a yes/no parameter: 1/0, true/false, yes/no, on/off."""
    raw = _text(args, name).lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise OptionError(f"{name} must be 1 or 0, not {raw[:40]!r}")


def choice(args: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = _text(args, name)
    if raw == "":
        return default
    if raw not in choices:
        raise OptionError(f"unknown {name} {raw[:40]!r}: use one of {', '.join(choices)}")
    return raw


@dataclass(frozen=True)
class Common:
    """The parameters every page shares: query, match mode and filters."""

    q: str = ""
    mode: str = "default"
    filters: Filters = field(default_factory=Filters)
    filter_args: tuple[tuple[str, str], ...] = ()

    def args(self) -> dict[str, str]:
        """The shared parameters as they go back into URLs (empty ones left out)."""
        out = {"q": self.q} if self.q else {}
        if self.mode != "default":
            out["mode"] = self.mode
        out.update(self.filter_args)
        return out

    @property
    def scope(self) -> Scope:
        """The library's record of the query, match mode and filters."""
        return Scope(q=self.q, mode=self.mode, filters=self.filters)


def common(args: Mapping[str, str]) -> Common:
    """Parse ``q``, ``mode`` and the filter parameters."""
    q = _text(args, "q")
    mode = choice(args, "mode", MODES, "default")
    filters = Filters()
    kept = []
    for name in FILTER_PARAMS:
        value = _text(args, name)
        if value:
            filters = filters.merge(_sub_filters(value) if name == "sub" else parse_filter(name, value))
            kept.append((name, value))
    return Common(q=q, mode=mode, filters=filters, filter_args=tuple(kept))


def _named():
    """Look up a named sub-corpus (``sub:NAME``) of the served index."""
    from flask import current_app

    from concord.categories import Workspace

    return Workspace(current_app.config["CONCORD_INDEX"]).subcorpus


def _sub_filters(value: str) -> Filters:
    """``sub=NAME``: the filters of a named sub-corpus of the served index."""
    from concord.query import subcorpus_filters

    return subcorpus_filters(value, _named())


def paging(args: Mapping[str, str], default_limit: int) -> Paging:
    """``page`` (from 1) and ``limit`` rows a page, or ``all``."""
    page = integer(args, "page", 1, 1, MAX_PAGE)
    limit = integer(args, "limit", default_limit, 1, MAX_LIMIT)
    return Paging(limit=limit, offset=(page - 1) * limit, all=flag(args, "all"))


def _texts(args: Mapping[str, str], name: str) -> list[str]:
    getlist = getattr(args, "getlist", None)
    raw = getlist(name) if getlist else [args.get(name, "")]
    return [str(v).strip() for v in raw if v and str(v).strip()]


def line_filters(args: Mapping[str, str]) -> LineFilters:
    """``has`` / ``lacks`` (context words, repeatable) within ``within`` words on ``side``,
    and ``form`` (a matched written form)."""
    has, lacks = _texts(args, "has"), _texts(args, "lacks")
    if len(has) + len(lacks) > MAX_CONTEXT_WORDS:
        raise OptionError(f"at most {MAX_CONTEXT_WORDS} context words at once")
    within, side = _text(args, "within"), choice(args, "side", SIDES, "both")
    context_window(within or None, side)       # a bad window is refused even without words
    contexts = tuple(context_filter(w, within, side) for w in has) + tuple(
        context_filter(w, within, side, lacks=True) for w in lacks)
    form = args.get("form")
    return LineFilters(context=contexts, form=str(form) if form not in (None, "") else None)


def kwic_options(args: Mapping[str, str]) -> KwicOptions:
    group = _text(args, "group_by")
    return KwicOptions(sort=parse_sort(_text(args, "sort") or None),
                       width=integer(args, "width", 8, 0, MAX_WIDTH),
                       sample=integer(args, "sample", None, 1, MAX_SAMPLE),
                       seed=integer(args, "seed", 0, 0, 2**31 - 1),
                       paging=paging(args, 50), lines=line_filters(args),
                       group=choice(args, "group_by", GROUP_FIELDS, "") or None if group else None)


def freq_options(args, default_by: str = "lang,year") -> FreqOptions:
    """Parse ``q`` (repeatable: one chart line per query), ``by`` and ``scale``."""
    getlist = getattr(args, "getlist", None)
    raw = getlist("q") if getlist else [args.get("q", "")]
    queries = tuple(dict.fromkeys(q.strip() for q in raw if q and q.strip()))
    if len(queries) > MAX_QUERIES:
        raise OptionError(f"at most {MAX_QUERIES} queries at once")
    return FreqOptions(queries=queries, by=parse_by(_text(args, "by") or default_by),
                       scale=choice(args, "scale", SCALES, "pm"))


def collocate_options(args: Mapping[str, str]) -> CollocateOptions:
    by_lang = _text(args, "by_lang")
    return CollocateOptions(window=parse_window(_text(args, "window") or "5"),
                            measure=choice(args, "measure", tuple(MEASURES), "ll"),
                            min_freq=integer(args, "min_freq", 3, 1, 10**9),
                            drop_stopwords=not flag(args, "stopwords"),
                            by_lang=None if by_lang == "" else flag(args, "by_lang"),
                            include_negative=flag(args, "negative"),
                            paging=paging(args, 100))


def wordlist_options(args: Mapping[str, str]) -> WordlistOptions:
    return WordlistOptions(min_freq=integer(args, "min_freq", 1, 1, 10**9),
                           drop_stopwords=flag(args, "drop_stopwords"),
                           paging=paging(args, 100))


def keyword_options(args: Mapping[str, str]) -> KeywordOptions:
    """Parse ``target`` and ``reference`` sub-corpora given as filters (``year:1920-1929``)."""
    target, reference = _text(args, "target"), _text(args, "reference")
    return KeywordOptions(
        target=target, reference=reference,
        target_filters=parse_subcorpus(target, _named()) if target else None,
        reference_filters=parse_subcorpus(reference, _named()) if reference else None,
        min_freq=integer(args, "min_freq", 5, 1, 10**9),
        drop_stopwords=flag(args, "drop_stopwords"),
        paging=paging(args, 100), mode=choice(args, "mode", FORM_MODES, "default"))


def split_suffix(name: str) -> tuple[str, str | None]:
    """``("kwic", "json")`` for ``kwic.json``; ``(name, None)`` without a twin suffix."""
    base, dot, ext = name.rpartition(".")
    if dot and ext in DATA_FORMATS and base:
        return base, ext
    return name, None


@dataclass(frozen=True)
class ChartView:
    """How a page's charts are drawn (presentation only: the counts never change)."""
    log: bool = False            # logarithmic y axis
    zeros: bool = False          # draw series without hits too
    shared_axis: bool = False    # character-token languages (ja, zh) on the others' axis


def chart_view(args: Mapping[str, str]) -> ChartView:
    """Parse the chart's presentation switches: ``log``, ``zeros`` and ``shared`` (1/0)."""
    return ChartView(log=flag(args, "log"), zeros=flag(args, "zeros"),
                     shared_axis=flag(args, "shared"))
