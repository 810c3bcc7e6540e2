"""Geometry of the frequency line charts, as plain data for an SVG template.

Takes frequency rows (from :func:`concord.stats.freq`) and lays them out: one series per
combination of the non-time ``by`` fields (language, author...) and query, x over years or
decades, y per million or absolute, linear or logarithmic. A language keeps one colour and
marker on every chart (:data:`LANGUAGE_STYLES`); languages with fewer than
:data:`OTHER_BELOW` tokens are drawn together as "other"; languages whose tokens are single
characters (ja, zh) get their own panel unless the caller asks for a shared axis; series
without hits are left out (and named) unless asked for. Each chart is laid out twice, wide
and narrow (for phones). It computes coordinates, ticks, colours and marker shapes and
nothing else: the template draws, the view supplies each point's link and label.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Okabe & Ito's colour-blind-safe palette, without its yellow (too pale on white); every
# colour has at least 3:1 contrast against the white plot area.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
SHAPES = ("circle", "square", "triangle", "diamond")
OTHER_COLOUR = "#6B7280"
# One colour, marker and dash per language, the same on every page: a reader learns that
# French is the green triangle once. No two entries look alike.
LANGUAGE_STYLES: dict[str, tuple[str, str, str]] = {
    "en": ("#0072B2", "circle", ""),
    "de": ("#D55E00", "square", ""),
    "fr": ("#009E73", "triangle", ""),
    "nl": ("#CC79A7", "diamond", ""),
    "it": ("#E69F00", "circle", ""),
    "es": ("#56B4E9", "square", ""),
    "ru": ("#000000", "triangle", ""),
    "pl": ("#0072B2", "diamond", "6 3"),
    "ja": ("#D55E00", "circle", "6 3"),
    "zh": ("#009E73", "square", "6 3"),
    "pt": ("#CC79A7", "triangle", "6 3"),
    "sv": ("#E69F00", "diamond", "6 3"),
    "la": ("#56B4E9", "triangle", "6 3"),
    "other": (OTHER_COLOUR, "circle", "2 3"),
}
# Languages whose tokens are single characters: their rates per million "words" are not
# comparable with the others', so they are not drawn on the others' axis unless asked.
CHARACTER_LANGUAGES = frozenset({"ja", "zh"})
# A language with fewer tokens than this (over the whole chart) is drawn in "other".
OTHER_BELOW = 1000
TIME_FIELDS = ("year", "decade")
MAX_SERIES = 12
SPARSE_TOKENS = 10_000


@dataclass(frozen=True)
class Layout:
    """The size of one drawing of a chart and its margins, fonts and marker size."""
    name: str
    width: int
    height: int
    margin: tuple[int, int, int, int]     # left, top, right, bottom
    font: int
    marker: float
    x_ticks: int
    y_ticks: int


WIDE = Layout("wide", 1000, 380, (70, 16, 20, 46), 13, 5.5, 10, 5)
NARROW = Layout("narrow", 400, 330, (58, 12, 12, 30), 14, 4.5, 4, 4)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    row: Mapping[str, Any]
    href: str
    label: str
    gap_before: bool = False   # a year or decade without tokens lies between this point and the last


@dataclass(frozen=True)
class Series:
    key: tuple
    label: str
    colour: str
    shape: str
    dash: str
    points: tuple[Point, ...]
    total: int
    index: int = 0             # the same number in every drawing and the legend (for toggles)

    @property
    def path(self) -> str:
        """The line through the points, broken at gaps (a lone point is only a marker)."""
        return " ".join(("M" if i == 0 or p.gap_before else "L") + f"{p.x:.1f},{p.y:.1f}"
                        for i, p in enumerate(self.points))


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Drawing:
    """One chart laid out at one size."""
    layout: Layout
    series: tuple[Series, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    marker: float = 5.5        # radius; smaller when many years crowd the axis
    stroke: float = 2.5

    @property
    def plot(self) -> tuple[float, float, float, float]:
        left, top, right, bottom = self.layout.margin
        return left, top, self.layout.width - right, self.layout.height - bottom


@dataclass(frozen=True)
class Chart:
    """A chart (a panel): its series in a wide and a narrow drawing."""
    time_field: str
    scale: str
    log: bool
    wide: Drawing
    narrow: Drawing
    omitted: int = 0
    skipped_zeros: int = 0     # points not drawn because log scales have no zero

    @property
    def series(self) -> tuple[Series, ...]:
        return self.wide.series


@dataclass(frozen=True)
class SeriesInfo:
    key: tuple
    label: str
    total: int


@dataclass(frozen=True)
class ChartSet:
    """What a page draws: the main panel, the character-token panel, what was left out."""
    main: Chart | None
    characters: Chart | None
    zero_series: tuple[SeriesInfo, ...]
    other_languages: tuple[str, ...]
    character_languages: tuple[str, ...]
    shared_axis: bool


def time_field(by: Sequence[str]) -> str | None:
    """The ``by`` field the chart's x axis runs over, or None when there is none."""
    return next((f for f in by if f in TIME_FIELDS), None)


def series_fields(by: Sequence[str], several: bool) -> list[str]:
    """The row keys that tell the chart's lines apart."""
    fields = (["query"] if several else []) + [
        "doc_id" if f == "doc" else f for f in by if f not in TIME_FIELDS]
    return fields


def value_of(row: Mapping[str, Any], scale: str) -> float | None:
    if scale == "abs":
        return float(row["hits"])
    return row.get("per_million")


def style_for(key: tuple, fields: Sequence[str], rank: int,
              queries: Sequence[Any] = ()) -> tuple[str, str, str]:
    """Colour, marker and dash of a series: fixed per language, else by rank."""
    if "lang" in fields:
        lang = key[fields.index("lang")]
        colour, shape, dash = LANGUAGE_STYLES.get(lang) or _hashed_style(str(lang))
        if "query" in fields and queries:
            # Several queries: the language keeps its colour, the query takes the dash.
            q = queries.index(key[fields.index("query")]) if key[fields.index("query")] in queries else 0
            dash = ("", "6 3", "2 3")[q % 3]
        return colour, shape, dash
    return (PALETTE[rank % len(PALETTE)], SHAPES[rank % len(SHAPES)],
            "" if rank < len(PALETTE) else "6 3")


def _hashed_style(code: str) -> tuple[str, str, str]:
    """A stable style for a language outside the table (the same code, the same look)."""
    n = zlib.crc32(code.encode("utf-8"))
    return PALETTE[n % len(PALETTE)], SHAPES[(n // 7) % len(SHAPES)], "2 3"


def group_rows(rows: Sequence[Mapping[str, Any]], by: Sequence[str], several: bool, *,
               other_below: int = OTHER_BELOW) -> tuple[dict[tuple, list[dict[str, Any]]], list[str]]:
    """Rows per series key; languages under ``other_below`` tokens merged into "other"."""
    tfield = time_field(by)
    keys = series_fields(by, several)
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        if tfield is None or row.get(tfield) is None:
            continue
        groups.setdefault(tuple(row.get(k) for k in keys), []).append(dict(row))
    if "lang" not in keys:
        return groups, []
    li = keys.index("lang")
    if any(r.get("tokens") is None for rs in groups.values() for r in rs):
        return groups, []      # without token counts nothing is known to be small
    small = [k for k, rs in groups.items()
             if k[li] not in CHARACTER_LANGUAGES and sum(r["tokens"] for r in rs) < other_below]
    small_langs = sorted({k[li] for k in small if k[li]})
    if len(small) < 2 or len(small) == len(groups):
        # One small language is drawn as itself ("other" would hide its name); when every
        # language is small there is nothing to set them apart from.
        return groups, []
    merged: dict[tuple, dict[Any, dict[str, Any]]] = {}
    for key in small:
        okey = key[:li] + ("other",) + key[li + 1:]
        cells = merged.setdefault(okey, {})
        for r in groups.pop(key):
            cell = cells.setdefault(r[tfield], {**r, "lang": ",".join(small_langs), "hits": 0,
                                                "docs": 0, "tokens": 0})
            cell["hits"] += r["hits"]
            cell["docs"] += r.get("docs") or 0
            cell["tokens"] += r.get("tokens") or 0
    for okey, cells in merged.items():
        rs = []
        for cell in cells.values():
            cell["per_million"] = cell["hits"] / cell["tokens"] * 1e6 if cell["tokens"] else None
            cell["sparse"] = cell["tokens"] < SPARSE_TOKENS
            rs.append(cell)
        groups[okey] = rs
    return groups, small_langs


def compare_charts(rows: Sequence[Mapping[str, Any]], by: Sequence[str], *, scale: str = "pm",
                   log: bool = False, several: bool = False, zeros: bool = False,
                   shared_axis: bool = False, queries: Sequence[Any] = (),
                   href: Callable[[Mapping[str, Any]], str],
                   describe: Callable[[Mapping[str, Any], float], str],
                   series_label: Callable[[tuple, Sequence[str]], str] | None = None,
                   number: Callable[[float], str] | None = None) -> ChartSet | None:
    """Lay out the rows as charts that compare; None when ``by`` has no year or decade."""
    tfield = time_field(by)
    if tfield is None:
        return None
    keys = series_fields(by, several)
    groups, other_langs = group_rows(rows, by, several)
    groups = {k: [r for r in rs if value_of(r, scale) is not None] for k, rs in groups.items()}
    groups = {k: rs for k, rs in groups.items() if rs}
    if not groups:
        return None
    base_label = series_label or (lambda key, fields: _key_text(key))

    def label(key: tuple, fields: Sequence[str]) -> str:
        text = base_label(key, fields)
        if other_langs and "lang" in fields and key[fields.index("lang")] == "other":
            text += f" ({', '.join(other_langs)})"
        return text
    totals = {k: sum(r["hits"] for r in rs) for k, rs in groups.items()}
    zero = [k for k in groups if totals[k] == 0]
    zero_info = tuple(SeriesInfo(k, label(k, keys), 0) for k in sorted(zero, key=_key_text))
    if not zeros:
        groups = {k: rs for k, rs in groups.items() if totals[k] > 0 or len(groups) == len(zero)}
    char_keys: list[tuple] = []
    if "lang" in keys and not shared_axis:
        li = keys.index("lang")
        char_keys = [k for k in groups if k[li] in CHARACTER_LANGUAGES]
    if len(char_keys) == len(groups):
        char_keys = []          # only character languages: they share an axis with nobody
    ranked = sorted(groups, key=lambda k: (-totals[k], _key_text(k)))
    index = {k: i for i, k in enumerate(ranked)}
    all_x = [r[tfield] for rs in groups.values() for r in rs]
    x_range = (min(all_x), max(all_x))

    def panel(panel_keys: list[tuple]) -> Chart | None:
        if not panel_keys:
            return None
        shown = panel_keys[:MAX_SERIES]
        styles = {k: style_for(k, keys, index[k], queries) for k in shown}
        wide, skipped = _drawing(WIDE, tfield, scale, log, shown, groups, x_range, styles,
                                 index, totals, href, describe, label, keys, number)
        narrow, _ = _drawing(NARROW, tfield, scale, log, shown, groups, x_range, styles,
                             index, totals, href, describe, label, keys, number)
        return Chart(time_field=tfield, scale=scale, log=log, wide=wide, narrow=narrow,
                     omitted=len(panel_keys) - len(shown), skipped_zeros=skipped)

    main_keys = [k for k in ranked if k not in char_keys]
    chars = [k for k in ranked if k in char_keys]
    char_langs = tuple(sorted({k[keys.index("lang")] for k in groups if "lang" in keys
                               and k[keys.index("lang")] in CHARACTER_LANGUAGES}))
    drawn_other = any("lang" in keys and k[keys.index("lang")] == "other" for k in groups)
    return ChartSet(main=panel(main_keys), characters=panel(chars), zero_series=zero_info,
                    other_languages=tuple(other_langs) if drawn_other else (), character_languages=char_langs,
                    shared_axis=shared_axis or not chars)


def _drawing(layout: Layout, tfield: str, scale: str, log: bool, shown: list[tuple],
             groups: Mapping[tuple, list[dict[str, Any]]], x_range: tuple[int, int],
             styles: Mapping[tuple, tuple[str, str, str]], index: Mapping[tuple, int],
             totals: Mapping[tuple, int], href, describe, label, keys,
             number) -> tuple[Drawing, int]:
    x_lo, x_hi = x_range
    step = 10 if tfield == "decade" else 1
    if x_hi - x_lo < step:
        x_lo, x_hi = x_lo - step, x_hi + step
    ys = [value_of(r, scale) for k in shown for r in groups[k]]
    left, top, right, bottom = (layout.margin[0], layout.margin[1],
                                layout.width - layout.margin[2], layout.height - layout.margin[3])
    if log:
        positive = [y for y in ys if y and y > 0]
        lo_exp = math.floor(math.log10(min(positive))) if positive else 0
        hi_exp = math.ceil(math.log10(max(positive))) if positive else 1
        if hi_exp <= lo_exp:
            hi_exp = lo_exp + 1
        tick_values = [10.0 ** e for e in range(lo_exp, hi_exp + 1)]

        def sy(y: float) -> float:
            return bottom - (math.log10(y) - lo_exp) / (hi_exp - lo_exp) * (bottom - top)
    else:
        tick_values = nice_ticks(0.0, max(ys) if ys else 1.0, layout.y_ticks)
        y_hi = tick_values[-1] or 1.0

        def sy(y: float) -> float:
            return bottom - y / y_hi * (bottom - top)
    pad = 12

    def sx(x: float) -> float:
        return left + pad + (x - x_lo) / (x_hi - x_lo) * (right - left - 2 * pad)

    series = []
    skipped = 0
    for key in shown:
        points = []
        previous = None
        broken = False
        for row in sorted(groups[key], key=lambda r: r[tfield]):
            v = value_of(row, scale)
            if log and not v:
                skipped += 1
                broken = True   # a zero has no place on a log axis: the line breaks there
                continue
            # Years or decades without tokens are gaps, not zeros: the line breaks there.
            gap = broken or (previous is not None and row[tfield] - previous > step)
            points.append(Point(x=sx(row[tfield]), y=sy(v), value=v, row=row, href=href(row),
                                label=describe(row, v), gap_before=gap))
            previous = row[tfield]
            broken = False
        colour, shape, dash = styles[key]
        series.append(Series(key=key, label=label(key, keys), colour=colour, shape=shape,
                             dash=dash, points=tuple(points), total=totals[key],
                             index=index[key]))
    x_ticks = tuple(Tick(sx(x), f"{x}s" if tfield == "decade" else str(x))
                    for x in year_ticks(x_lo, x_hi, step_min=step, count=layout.x_ticks))
    y_ticks = tuple(Tick(sy(y), (number or _number)(y)) for y in tick_values)
    # Decluttering: many points per line get smaller markers and thinner lines (a zero is
    # drawn smaller still by the template), so that the lines' shapes stay readable.
    crowded = len({r[tfield] for k in shown for r in groups[k]}) > (40 if layout is WIDE else 15)
    marker = layout.marker * (0.65 if crowded else 1.0)
    stroke = 1.5 if crowded or len(shown) > 4 else 2.5
    return Drawing(layout=layout, series=tuple(series), x_ticks=x_ticks, y_ticks=y_ticks,
                   marker=round(marker, 2), stroke=stroke), skipped


def line_chart(rows: Sequence[Mapping[str, Any]], by: Sequence[str], *, scale: str = "pm",
               several: bool = False, href: Callable[[Mapping[str, Any]], str],
               describe: Callable[[Mapping[str, Any], float], str],
               series_label: Callable[[tuple, Sequence[str]], str] | None = None,
               number: Callable[[float], str] | None = None) -> Chart | None:
    """One panel with every series on a shared axis (zero series included)."""
    charts = compare_charts(rows, by, scale=scale, several=several, zeros=True,
                            shared_axis=True, href=href, describe=describe,
                            series_label=series_label, number=number)
    return charts.main if charts else None


def summary_cells(rows: Sequence[Mapping[str, Any]], by: Sequence[str],
                  limit: int = 3) -> tuple[int, list[Mapping[str, Any]]] | None:
    """The total hits and, when at most ``limit`` cells have hits, those cells (for a sentence)."""
    total = sum(r["hits"] for r in rows)
    cells = [r for r in rows if r["hits"]]
    if len(cells) > limit:
        return total, []
    return total, sorted(cells, key=lambda r: -r["hits"])


def _key_text(key: tuple) -> str:
    return " · ".join("—" if v in (None, "") else str(v) for v in key) or "all"


def _number(y: float) -> str:
    if y == int(y):
        return f"{int(y):,}".replace(",", " ")
    return f"{y:g}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values from ``lo`` up to at least ``hi``."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    n = math.ceil((hi - lo) / step - 1e-9)
    return [round(lo + i * step, 10) for i in range(n + 1)]


def year_ticks(lo: int, hi: int, *, step_min: int = 1, count: int = 10) -> list[int]:
    """Whole years (or decades) for x labels, at a round step, about ``count`` of them."""
    span = max(hi - lo, 1)
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500)
                 if s >= step_min and span / s <= count), 1000)
    first = math.ceil(lo / step) * step
    return list(range(first, hi + 1, step))
