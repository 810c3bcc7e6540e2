"""Geometry of the frequency line chart, as plain data for an SVG template.

Takes frequency rows (from :func:`concord.stats.freq`) and lays them out: one series per
combination of the non-time ``by`` fields (language, author...) and query, x over years or
decades, y per million or absolute. It computes coordinates, ticks, colours and marker shapes
and nothing else: the template draws, the view supplies each point's link.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Okabe & Ito's colour-blind-safe palette, without its yellow (too pale on white); every
# colour has at least 3:1 contrast against the white plot area.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
# Marker shapes repeat on a different cycle from the colours, so no two of the first 21
# series look alike and each stays distinguishable without colour.
SHAPES = ("circle", "square", "triangle")
TIME_FIELDS = ("year", "decade")
MAX_SERIES = 12

WIDTH, HEIGHT = 1000, 380
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 20, 16, 46


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    row: Mapping[str, Any]
    href: str
    label: str
    gap_before: bool = False   # a decade without tokens lies between this point and the last


@dataclass(frozen=True)
class Series:
    key: tuple
    label: str
    colour: str
    shape: str
    dash: str
    points: tuple[Point, ...]
    total: int

    @property
    def path(self) -> str:
        return " ".join(("M" if i == 0 or p.gap_before else "L") + f"{p.x:.1f},{p.y:.1f}"
                        for i, p in enumerate(self.points))


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Chart:
    time_field: str
    scale: str
    series: tuple[Series, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    omitted: int = 0
    width: int = WIDTH
    height: int = HEIGHT
    plot: tuple[float, float, float, float] = field(
        default=(MARGIN_LEFT, MARGIN_TOP, WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM))


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


def line_chart(rows: Sequence[Mapping[str, Any]], by: Sequence[str], *, scale: str = "pm",
               several: bool = False, href: Callable[[Mapping[str, Any]], str],
               describe: Callable[[Mapping[str, Any], float], str],
               series_label: Callable[[tuple, Sequence[str]], str] | None = None,
               number: Callable[[float], str] | None = None) -> Chart | None:
    """Lay out the rows as a line chart; None when ``by`` has no year or decade."""
    tfield = time_field(by)
    if tfield is None:
        return None
    keys = series_fields(by, several)
    groups: dict[tuple, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get(tfield) is None or value_of(row, scale) is None:
            continue
        groups.setdefault(tuple(row.get(k) for k in keys), []).append(row)
    if not groups:
        return None
    ranked = sorted(groups, key=lambda k: (-sum(r["hits"] for r in groups[k]), _key_text(k)))
    shown = ranked[:MAX_SERIES]
    xs = [r[tfield] for k in shown for r in groups[k]]
    ys = [value_of(r, scale) for k in shown for r in groups[k]]
    x_lo, x_hi = min(xs), max(xs)
    if tfield == "decade":
        x_hi = max(x_hi, x_lo + 10)
    elif x_hi == x_lo:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    y_ticks_values = nice_ticks(0.0, max(ys) if ys else 1.0)
    y_hi = y_ticks_values[-1] or 1.0
    left, top, right, bottom = MARGIN_LEFT, MARGIN_TOP, WIDTH - MARGIN_RIGHT, HEIGHT - MARGIN_BOTTOM
    pad = 12

    def sx(x: float) -> float:
        return left + pad + (x - x_lo) / (x_hi - x_lo) * (right - left - 2 * pad)

    def sy(y: float) -> float:
        return bottom - y / y_hi * (bottom - top)

    series = []
    for i, key in enumerate(shown):
        points = []
        previous = None
        for row in sorted(groups[key], key=lambda r: r[tfield]):
            v = value_of(row, scale)
            # Decades with no tokens at all are gaps, not zeros: the line breaks there.
            gap = tfield == "decade" and previous is not None and row[tfield] - previous > 10
            points.append(Point(x=sx(row[tfield]), y=sy(v), value=v, row=row, href=href(row),
                                label=describe(row, v), gap_before=gap))
            previous = row[tfield]
        label = series_label(key, keys) if series_label else _key_text(key)
        series.append(Series(key=key, label=label, colour=PALETTE[i % len(PALETTE)],
                             shape=SHAPES[i % len(SHAPES)],
                             dash="" if i < len(PALETTE) else "6 3",
                             points=tuple(points), total=sum(r["hits"] for r in groups[key])))
    x_ticks = tuple(Tick(sx(x), f"{x}s" if tfield == "decade" else str(x))
                    for x in year_ticks(x_lo, x_hi, step_min=10 if tfield == "decade" else 1))
    y_ticks = tuple(Tick(sy(y), (number or _number)(y)) for y in y_ticks_values)
    return Chart(time_field=tfield, scale=scale, series=tuple(series), x_ticks=x_ticks,
                 y_ticks=y_ticks, omitted=len(ranked) - len(shown))


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
