"""Alignment of translation families: which paragraph and sentence of one version renders
which of another.

A family is the documents that share a ``work_id``. At index time every pair of versions in
different languages is aligned, paragraphs first, then sentences inside aligned paragraphs,
by one dynamic programme: Gale and Church's length cost (the priors, variance and cost
formula of :mod:`nltk.translate.gale_church`, computed for whole score matrices at once and
over a band around the diagonal, because nltk's own DP keeps a dict entry per cell and has
no place for anchors) lowered by anchors shared by the two sides: numbers, proper names,
identical words and the forms of one concept of the registry (``concepts.toml``), which are
known translation equivalents. Skipping a unit costs a constant, not its length, so an
excerpt aligns where it overlaps and the rest stays unaligned; a bead whose score is under
:data:`MIN_SCORE` is stored as unaligned, never forced. Partial versions: the band of the
paragraph DP follows the chain of paragraph pairs that anchors prove (:func:`anchor_path`;
chapter numbers of any script are anchors too), and a lopsided stretch before the first or
after the last such pair (a preface one version lacks) is left unaligned
(:func:`unanchored_excerpts`); one unaligned paragraph on each side in the same gap is
paired (:func:`pair_gaps`).

The result is written beside the token store as ``align.sqlite`` in the generation folder
(so it goes live, or not, with the generation), and a family whose versions did not change
is copied from the previous generation instead of aligned again (when no family changed,
the previous file is linked). Reading alignments for
reports (:class:`Alignments`) is here too; rendering them is not.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import os
import re
import shutil
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .vocabulary import ranges

ALIGN_FILE = "align.sqlite"
#: Bumped when anything that changes an alignment changes (reused alignments must match).
ALIGN_VERSION = 5
#: Beads scoring below this are stored as unaligned.
MIN_SCORE = 0.1
#: A pair with fewer aligned paragraphs than this share of the shorter version has no overlap.
MIN_OVERLAP = 0.1

class GaleChurch:
    """The parameters of :class:`nltk.translate.gale_church.LanguageIndependent` (a test checks
    that they are nltk's): importing nltk costs seconds (it loads scipy.stats)."""

    PRIORS = {(1, 0): 0.0099, (0, 1): 0.0099, (1, 1): 0.89, (2, 1): 0.089, (1, 2): 0.089,
              (2, 2): 0.011}
    AVERAGE_CHARACTERS = 1
    VARIANCE_CHARACTERS = 6.8


def gale_church() -> type[GaleChurch]:
    return GaleChurch


#: Cost of leaving one unit unaligned (1-0 or 0-1): -log of nltk's prior of a 1-0 bead
#: (0.0099), plus 2, whatever its length from SKIP_FULL characters; less for shorter units
#: (a heading that one version adds is left out, not glued to its neighbour).
SKIP_COST = -math.log(0.0099) + 2.0
SKIP_FULL = 200
#: Weight of the anchor similarity (0..1) in a bead's cost.
ANCHOR_WEIGHT = 10.0
BEADS = ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2))
#: Cells of the band whose step costs are computed at once (bounds the DP's memory).
BAND_CELLS = 1 << 16
#: Columns either side of the anchor path that the DP visits.
PATH_WIDTH = 40
#: Fewer anchor pairs than this make no path (the DP follows the diagonal).
MIN_PATH = 3
#: Units one side may have beyond three times the other's before the first anchor pair (after
#: the last) and still be aligned there (:func:`unanchored_excerpts`).
EXCERPT_SLACK = 5

NOTES = {
    "single": "one version only: nothing to align",
    "same-language": "versions in the same language ({langs}): not aligned with each other",
    "empty": "an empty version ({docs}): nothing to align",
    "no-overlap": "no overlap found between {a} and {b}: nothing aligned",
    "structure": "paragraphs too different to align ({a}: {n}, {b}: {m}): not aligned",
}
#: Versions whose numbers of paragraphs differ by more than this factor are not aligned
#: (a version that runs many paragraphs together cannot be aligned paragraph by paragraph).
MAX_PARAGRAPH_RATIO = 3.0


# --- sentences ------------------------------------------------------------------------------

_ABBREVIATIONS = {
    "mr", "mrs", "dr", "st", "vol", "no", "nr", "vgl", "bzw", "usw", "etc", "ca", "ch", "cf",
    "bd", "mm", "mme", "mlle", "p", "pp", "s", "z", "b", "d", "h", "i", "e", "u", "a", "art",
    "sq", "ff", "fig", "jahrh", "gen",
}
_CLOSERS = "\"'»”’)]」』）"
_BREAK_RE = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s+[\"'«„“‘(\[¿¡—–-]*[^\W\d_a-z]|\s+\d)")
_LAST_WORD = re.compile(r"(\w+)\W*$")
_LAST_WORD_REVERSED = re.compile(r"\W*(\w+)")
_CJK_BREAK_RE = re.compile(r"[。！？]+[」』）)]*")


def split_sentences(text: str, lang: str = "") -> list[tuple[int, int]]:
    """Split a paragraph into sentences: ``(start, end)`` offsets, spaces trimmed.

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` (and closing quotes or brackets) before
    a space and a capital letter or a digit, unless the word before the period is an
    abbreviation or an initial; in any language it also ends after ``。``, ``！``, ``？``.
    """
    cuts = {0, len(text)}
    for m in _BREAK_RE.finditer(text):
        if text[m.start()] == ".":
            # The last word of the 40 characters before: _LAST_WORD's match, found from the end.
            word = _LAST_WORD_REVERSED.match(text[max(0, m.start() - 40):m.start() + 1][::-1])
            if word and (word.group(1)[::-1].lower() in _ABBREVIATIONS or len(word.group(1)) == 1):
                continue
        cuts.add(m.end())
    for m in _CJK_BREAK_RE.finditer(text):
        cuts.add(m.end())
    return _trimmed_spans(text, cuts)


def _trimmed_spans(text: str, cuts: set[int]) -> list[tuple[int, int]]:
    """The stretches of ``text`` between consecutive cuts, spaces trimmed, empty ones dropped."""
    spans = []
    bounds = sorted(cuts)
    for s, e in zip(bounds, bounds[1:], strict=False):
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


# --- the cost of a bead -------------------------------------------------------------------

def length_cost(la: np.ndarray, lb: np.ndarray, bead: tuple[int, int], ratio: float = 1.0) -> np.ndarray:
    """Gale and Church's cost of aligning ``la`` characters with ``lb`` as ``bead``.

    The formula of :func:`nltk.translate.gale_church.align_log_prob` (whose ``l_s`` is in
    the denominator of the C implementation), for arrays, with the lengths of side B divided
    by ``ratio`` (B's characters per character of A).
    """
    params = gale_church()
    la = np.asarray(la, dtype=np.float64)
    lb = np.asarray(lb, dtype=np.float64) / ratio
    m = (la + lb / params.AVERAGE_CHARACTERS) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (la * params.AVERAGE_CHARACTERS - lb) / np.sqrt(m * params.VARIANCE_CHARACTERS)
    # log(2 * (1 - Phi(|delta|))) = log erfc(|delta| / sqrt 2), by the approximation nltk
    # uses without scipy (erfcc), taken in logs so that a large delta costs a large finite sum.
    z = np.nan_to_num(np.abs(delta), nan=1e6, posinf=1e6) / math.sqrt(2)
    cost = -(log_erfc(z) + math.log(params.PRIORS[bead]))
    return np.where(m > 0, cost, np.inf)


_ERFCC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
          -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def log_erfc(z: np.ndarray) -> np.ndarray:
    """log erfc(z) for z >= 0 (Numerical Recipes' erfcc, as in nltk.translate.gale_church)."""
    t = 1 / (1 + 0.5 * z)
    poly = np.zeros_like(z)
    for c in reversed(_ERFCC[1:]):
        poly = c + t * poly
    return np.log(t) - z * z + _ERFCC[0] + t * poly


def _length_costs(la: np.ndarray, lb: np.ndarray, bead: tuple[int, int],
                  ratio: float | np.ndarray) -> np.ndarray:
    """:func:`length_cost` of arrays of lengths, operation for operation (the same values),
    with fewer temporaries: the inner loop of the alignment DP."""
    params = gale_church()
    assert params.AVERAGE_CHARACTERS == 1          # x * 1 and x / 1 are x: left out
    with np.errstate(divide="ignore", invalid="ignore"):
        lb = lb / ratio
        m = la + lb
        m /= 2
        z = la - lb
        scale = m * params.VARIANCE_CHARACTERS
        np.sqrt(scale, out=scale)
        z /= scale                                 # delta; finite wherever m > 0
        np.abs(z, out=z)
        z /= math.sqrt(2)
        # log_erfc(z), the same operations in the same order
        t = 0.5 * z
        t += 1
        np.divide(1, t, out=t)
        poly = np.full_like(z, _ERFCC[-1])         # c + t * 0: c
        for c in reversed(_ERFCC[1:-1]):
            poly *= t
            poly += c
        cost = np.log(t)
        z *= z
        cost -= z
        cost += _ERFCC[0]
        poly *= t
        cost += poly
        cost += math.log(params.PRIORS[bead])
        np.negative(cost, out=cost)
    cost[~(m > 0)] = np.inf
    return cost


def length_score(la: float, lb: float, ratio: float = 1.0) -> float:
    """How well two lengths fit one 1-1 bead: 2·P(|Z| ≥ |δ|), 1 for equal lengths."""
    lb = lb / ratio
    m = (la + lb) / 2
    if m <= 0:
        return 0.0
    delta = abs(la - lb) / math.sqrt(m * gale_church().VARIANCE_CHARACTERS)
    return math.erfc(delta / math.sqrt(2))


@dataclass(frozen=True)
class Bead:
    """Units ``a0..a1`` of side A aligned with ``b0..b1`` of side B (an empty range: unaligned)."""

    a0: int
    a1: int
    b0: int
    b1: int
    score: float


def align_units(len_a: Sequence[float], len_b: Sequence[float], overlap: np.ndarray,
                mass_a: np.ndarray, mass_b: np.ndarray, *, ratio: float = 1.0,
                band: int | None = None, path: Sequence[tuple[int, int]] = ()) -> list[Bead]:
    """Align two sequences of units by length and anchors; return beads in order.

    ``overlap[i, j]`` is the anchor weight units ``i`` and ``j`` share, ``mass_*`` each
    unit's anchor weight; the similarity of a bead is the weighted Dice of its units.
    Cells further than ``band`` from the length diagonal are not visited; with a ``path``
    (pairs of units known to align, in order: :func:`anchor_path`), further than
    :data:`PATH_WIDTH` from the path.
    """
    n, m = len(len_a), len(len_b)
    la = np.asarray(len_a, dtype=np.float64)
    lb = np.asarray(len_b, dtype=np.float64)
    if n == 0 or m == 0:
        return [Bead(i, i + 1, 0, 0, 0.0) for i in range(n)] + [Bead(n, n, j, j + 1, 0.0) for j in range(m)]
    ca = np.concatenate([[0.0], np.cumsum(la)])
    cb = np.concatenate([[0.0], np.cumsum(lb)])
    ma = np.concatenate([[0.0], np.cumsum(mass_a)])
    mb = np.concatenate([[0.0], np.cumsum(mass_b)])
    ov = np.zeros((n + 1, m + 1))
    ov[1:, 1:] = overlap
    # Cumulative overlap over both axes: the overlap of any block of units in O(1).
    cov = ov.cumsum(0).cumsum(1)
    inf = math.inf
    skip_a = SKIP_COST * np.minimum(1.0, np.maximum(la, 1.0) / SKIP_FULL)
    skip_b = SKIP_COST * np.minimum(1.0, np.maximum(lb / ratio, 1.0) / SKIP_FULL)
    cskip_b = np.concatenate([[0.0], np.cumsum(skip_b)])
    cost = np.full((n + 1, m + 3), inf)
    back = np.zeros((n + 1, m + 1), dtype=np.int8)
    if band is None:
        band = max(n, m)
    rows = np.arange(n + 1)
    if path:
        lo, hi = path_band(n, m, path, min(band, PATH_WIDTH))
    else:
        lo = np.maximum(0, (rows * m // n) - band)
        hi = np.minimum(m, -(-rows * m // n) + band)
    skip_k = BEADS.index((0, 1))
    # The beads that come from a row above, as arrays: from row 2 on, every one of them is
    # read with one gather and the best taken with one argmin (its first minimum: the bead
    # that a test of each in turn, keeping a strictly better one, would keep).
    kinds = [k for k, (da, _db) in enumerate(BEADS) if da]
    kind_of = np.asarray(kinds, dtype=np.int8)
    stride = m + 3
    widths = (hi - lo + 1).astype(np.int64)
    # cost.ravel()[i * stride + j0 + reach[k, x]]: bead k's predecessor of cell (i, j0 + x)
    reach = (np.asarray([2 - BEADS[k][1] - BEADS[k][0] * stride for k in kinds])[:, None]
             + np.arange(int(widths.max()))[None, :])
    flat = cost.ravel()
    chained = np.empty(m + 1)
    # The cells of the band, row after row: step costs are computed for runs of rows at once
    # (numpy, over the band's cells only), the minimum row by row.
    first = np.concatenate([[0], np.cumsum(widths)])
    lo_list, hi_list, first_list = lo.tolist(), hi.tolist(), first.tolist()
    r0 = 0
    while r0 <= n:
        r1 = max(r0 + 1, int(np.searchsorted(first, first[r0] + BAND_CELLS, side="right")) - 1)
        r1 = min(r1, n + 1)
        ri = np.repeat(rows[r0:r1], widths[r0:r1])
        cj = ranges(lo[r0:r1].astype(np.int64), widths[r0:r1])
        stacked = _band_steps(ri, cj, ca, cb, ma, mb, cov, skip_a, ratio, kinds)
        base = first_list[r0]
        for i in range(r0, r1):
            j0, j1 = lo_list[i], hi_list[i] + 1
            w = j1 - j0
            c0, c1 = first_list[i] - base, first_list[i + 1] - base
            if i >= 2:
                # ``cost`` has two columns of padding on the left: j - db is never negative.
                total = flat[reach[:, :w] + (i * stride + j0)]
                total += stacked[:, c0:c1]
                pick = total.argmin(0)
                best = total.min(0)
                arg = kind_of[pick]
            else:
                best = np.full(w, inf)
                arg = np.zeros(w, dtype=np.int8)
                for k, (da, db) in enumerate(BEADS):
                    if da == 0 or i - da < 0:
                        continue
                    total = cost[i - da, j0 + 2 - db:j1 + 2 - db] + stacked[kinds.index(k), c0:c1]
                    better = total < best
                    best = np.where(better, total, best)
                    arg[better] = k
            if i == 0:
                best[0], arg[0] = 0.0, -1
            # 0-1 beads stay in this row: with the skip costs summed along the row, a running
            # minimum does them all (reaching j from any k < j by skipping k..j-1).
            ramp = cskip_b[j0:j1]
            run = np.minimum.accumulate(best - ramp)
            out = chained[:w]
            out[0] = inf
            np.add(run[:-1], ramp[1:], out=out[1:])
            skip = out < best
            np.minimum(best, out, out=best)
            arg[skip] = skip_k
            cost[i, j0 + 2:j1 + 2] = best
            back[i, j0:j1] = arg
        r0 = r1
    if not math.isfinite(cost[n, m + 2]):
        raise ValueError("alignment band too narrow")
    return _backtrack(back, ca, cb, ma, mb, cov, n, m, ratio)


#: Cells (units of A by units of B, over all problems) of one lockstep batch of alignments.
LOCKSTEP_CELLS = 1 << 18


def solve(problems: Sequence[_Problem]) -> None:
    """Align every problem, setting its ``beads``: as :func:`align_units` would one by one.

    The problems whose band covers the whole matrix (the sentences of a paragraph bead, nearly
    always) are solved in lockstep, many at once, grouped by size: one numpy operation per
    row of the largest in the group instead of some forty per row of each.
    """
    groups: dict[tuple[int, int], list[_Problem]] = {}
    for p in problems:
        n, m = len(p.len_a), len(p.len_b)
        if n and m and p.band >= max(n, m):
            groups.setdefault(((n - 1).bit_length(), (m - 1).bit_length()), []).append(p)
        else:
            p.beads = align_units(p.len_a, p.len_b, p.dense(), p.mass_a, p.mass_b,
                                  ratio=p.ratio, band=p.band)
    for _key, group in sorted(groups.items()):
        n = max(len(p.len_a) for p in group)
        m = max(len(p.len_b) for p in group)
        step = max(1, LOCKSTEP_CELLS // ((n + 1) * (m + 3)))
        for k in range(0, len(group), step):
            _align_lockstep(group[k:k + step])


def _align_lockstep(problems: Sequence[_Problem]) -> None:
    """:func:`align_units` of problems whose band is the whole matrix, all at once.

    Each problem is a lane of padded arrays; a lane's rows and columns beyond its own sizes
    hold padding that nothing of its own cells reads (a cell reads the rows above it and
    the columns to its left), so every lane's costs are, operation for operation, those that
    :func:`align_units` computes for it alone.
    """
    lanes = len(problems)
    sizes_a = [len(p.len_a) for p in problems]
    sizes_b = [len(p.len_b) for p in problems]
    n, m = max(sizes_a), max(sizes_b)
    la = np.zeros((lanes, n))
    lb = np.zeros((lanes, m))
    mass_a = np.zeros((lanes, n))
    mass_b = np.zeros((lanes, m))
    ov = np.zeros((lanes, n + 1, m + 1))
    ratio = np.zeros((lanes, 1))
    for x, p in enumerate(problems):
        na, nb = sizes_a[x], sizes_b[x]
        la[x, :na] = p.len_a
        lb[x, :nb] = p.len_b
        mass_a[x, :na] = p.mass_a
        mass_b[x, :nb] = p.mass_b
        ratio[x, 0] = p.ratio
        if isinstance(p.overlap, np.ndarray):
            ov[x, 1:na + 1, 1:nb + 1] = p.overlap
        else:
            rows, cols, counts = p.overlap
            ov[x, rows + 1, cols + 1] = counts
    ca = np.zeros((lanes, n + 1))
    cb = np.zeros((lanes, m + 1))
    ma = np.zeros((lanes, n + 1))
    mb = np.zeros((lanes, m + 1))
    np.cumsum(la, axis=1, out=ca[:, 1:])
    np.cumsum(lb, axis=1, out=cb[:, 1:])
    np.cumsum(mass_a, axis=1, out=ma[:, 1:])
    np.cumsum(mass_b, axis=1, out=mb[:, 1:])
    cov = ov.cumsum(1).cumsum(2)
    inf = math.inf
    skip_a = SKIP_COST * np.minimum(1.0, np.maximum(la, 1.0) / SKIP_FULL)
    skip_b = SKIP_COST * np.minimum(1.0, np.maximum(lb / ratio, 1.0) / SKIP_FULL)
    cskip_b = np.zeros((lanes, m + 1))
    np.cumsum(skip_b, axis=1, out=cskip_b[:, 1:])
    ri = np.arange(n + 1)
    cj = np.arange(m + 1)
    shape = (lanes, n + 1, m + 1)
    steps: list[np.ndarray | None] = []
    for da, db in BEADS:
        if da == 0:
            steps.append(None)
            continue
        ok = ((ri - da) >= 0)[:, None] & ((cj - db) >= 0)[None, :]
        pi, pj = np.maximum(ri - da, 0), np.maximum(cj - db, 0)
        if db == 0:
            first = skip_a[:, np.maximum(ri - 1, 0)] if n else np.zeros((lanes, 1))
            steps.append(np.where(ok[None], np.broadcast_to(first[:, :, None], shape), inf))
            continue
        sa = np.broadcast_to((ca[:, ri] - ca[:, pi])[:, :, None], shape)
        sb = np.broadcast_to((cb[:, cj] - cb[:, pj])[:, None, :], shape)
        block = cov - cov[:, pi, :] - cov[:, :, pj] + cov[:, pi][:, :, pj]
        ma_ = (ma[:, ri] - ma[:, pi])[:, :, None]
        mb_ = (mb[:, cj] - mb[:, pj])[:, None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = np.where(ma_ + mb_ > 0, 2 * block / (ma_ + mb_), 0.0)
        bonus = np.where((ma_ > 0) & (mb_ > 0), ANCHOR_WEIGHT * (sim - 0.15), 0.0)
        step = _length_costs(sa, sb, (da, db), ratio[:, :, None])
        step -= bonus
        steps.append(np.where(ok[None], step, inf))
    cost = np.full((lanes, n + 1, m + 3), inf)
    back = np.zeros((lanes, n + 1, m + 1), dtype=np.int8)
    skip_k = BEADS.index((0, 1))
    chained = np.empty((lanes, m + 1))
    for i in range(n + 1):
        best = np.full((lanes, m + 1), inf)
        arg = np.zeros((lanes, m + 1), dtype=np.int8)
        for k, (da, db) in enumerate(BEADS):
            if da == 0 or i - da < 0:
                continue
            total = cost[:, i - da, 2 - db:m + 3 - db] + steps[k][:, i]
            better = total < best
            best = np.where(better, total, best)
            arg[better] = k
        if i == 0:
            best[:, 0], arg[:, 0] = 0.0, -1
        run = np.minimum.accumulate(best - cskip_b, axis=1)
        chained[:, 0] = inf
        np.add(run[:, :-1], cskip_b[:, 1:], out=chained[:, 1:])
        skip = chained < best
        best = np.where(skip, chained, best)
        arg[skip] = skip_k
        cost[:, i, 2:] = best
        back[:, i] = arg
    for x, p in enumerate(problems):
        na, nb = sizes_a[x], sizes_b[x]
        if not math.isfinite(cost[x, na, nb + 2]):
            raise ValueError("alignment band too narrow")
        p.beads = _backtrack(back[x].tolist(), ca[x].tolist(), cb[x].tolist(), ma[x].tolist(),
                             mb[x].tolist(), cov[x], na, nb, p.ratio)


def _backtrack(back: list[list[int]], ca: list[float], cb: list[float], ma: list[float],
               mb: list[float], cov: np.ndarray, n: int, m: int, ratio: float) -> list[Bead]:
    """The beads of the best path to cell (n, m), as :func:`align_units` reads them."""
    beads: list[Bead] = []
    i, j = n, m
    while i > 0 or j > 0:
        da, db = BEADS[back[i][j]]
        pi, pj = i - da, j - db
        if da and db:
            sa, sb = ca[i] - ca[pi], cb[j] - cb[pj]
            mass_pair = (ma[i] - ma[pi]), (mb[j] - mb[pj])
            block = float(cov[i, j] - cov[pi, j] - cov[i, pj] + cov[pi, pj])
            # a numpy scalar, as align_units has it (bead_score rounds it the numpy way)
            sim = np.float64(2 * block / (mass_pair[0] + mass_pair[1])) \
                if mass_pair[0] > 0 and mass_pair[1] > 0 else None
            score = bead_score(length_score(sa, sb, ratio), sim)
            if score < MIN_SCORE:
                beads.extend(Bead(x, x + 1, pj, pj, 0.0) for x in reversed(range(pi, i)))
                beads.extend(Bead(i, i, y, y + 1, 0.0) for y in reversed(range(pj, j)))
            else:
                beads.append(Bead(pi, i, pj, j, score))
        else:
            beads.append(Bead(pi, i, pj, j, 0.0))
        i, j = pi, pj
    beads.reverse()
    return beads


def _band_steps(ri: np.ndarray, cj: np.ndarray, ca: np.ndarray, cb: np.ndarray, ma: np.ndarray,
                mb: np.ndarray, cov: np.ndarray, skip_a: np.ndarray, ratio: float,
                kinds: Sequence[int]) -> np.ndarray:
    """The cost of each bead of ``kinds`` that ends at each cell (``ri[x]``, ``cj[x]``) of the
    DP: the length cost less the anchor bonus, infinite where the bead does not fit.

    Whatever does not depend on both of a bead's sizes (the units it spans on one side, their
    anchors and cumulated overlaps) is gathered once for every bead with the same size there.
    """
    inf = math.inf
    rows = {da: np.maximum(ri - da, 0) for da in (1, 2)}
    cols = {db: np.maximum(cj - db, 0) for db in (1, 2)}
    ok_a = {da: ri >= da for da in (1, 2)}
    ok_b = {db: cj >= db for db in (1, 2)}
    # cov[i, j] as cov.ravel()[i * width + j]: one-dimensional gathers
    width = cov.shape[1]
    flat, here = cov.ravel(), ri * width
    up = {da: rows[da] * width for da in (1, 2)}
    at = flat.take(here + cj)
    above = {da: flat.take(up[da] + cj) for da in (1, 2)}
    before = {db: flat.take(here + cols[db]) for db in (1, 2)}
    ca_i, cb_j, ma_i, mb_j = ca[ri], cb[cj], ma[ri], mb[cj]
    span_a = {da: ca_i - ca[rows[da]] for da in (1, 2)}
    span_b = {db: cb_j - cb[cols[db]] for db in (1, 2)}
    mass_a = {da: ma_i - ma[rows[da]] for da in (1, 2)}
    mass_b = {db: mb_j - mb[cols[db]] for db in (1, 2)}
    out = np.empty((len(kinds), ri.size))
    for x, k in enumerate(kinds):
        da, db = BEADS[k]
        if db == 0:
            out[x] = np.where(ok_a[da], skip_a[np.maximum(ri - 1, 0)], inf)
            continue
        block = at - above[da] - before[db] + flat.take(up[da] + cols[db])
        ma_, mb_ = mass_a[da], mass_b[db]
        mass = ma_ + mb_
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = np.where(mass > 0, 2 * block / mass, 0.0)
        # Without anchors on either side, length alone decides; where both sides have
        # anchors and share none, that counts against the bead.
        bonus = np.where((ma_ > 0) & (mb_ > 0), ANCHOR_WEIGHT * (sim - 0.15), 0.0)
        step = _length_costs(span_a[da], span_b[db], (da, db), ratio)
        step -= bonus
        out[x] = np.where(ok_a[da] & ok_b[db], step, inf)
    return out


def anchor_path(overlap: np.ndarray, mass_a: np.ndarray, mass_b: np.ndarray,
                min_sim: float = 0.5) -> list[tuple[int, int]]:
    """Unit pairs that surely align: the heaviest chain, in order on both sides, of pairs that
    are each other's one best match by anchors (Dice >= ``min_sim``, no tie).

    A preface or an excerpt that one version lacks holds no such pair, so the chain starts
    and ends where the versions overlap; the length DP then runs along it
    (:func:`path_band`) instead of along the diagonal of the whole texts.
    """
    n, m = overlap.shape
    if n == 0 or m == 0:
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(overlap > 0, 2 * overlap / (mass_a[:, None] + mass_b[None, :]), 0.0)
    best_j = sim.argmax(1)
    best_i = sim.argmax(0)
    top = sim[np.arange(n), best_j]
    col_top = sim[best_i, np.arange(m)]
    # One best in its row and in its column: a repeated name or number anchors nothing.
    row_ties = (sim == top[:, None]).sum(1) > 1
    col_ties = (sim == col_top[None, :]).sum(0) > 1
    pts = [(i, int(best_j[i]), float(top[i])) for i in range(n)
           if top[i] >= min_sim and best_i[best_j[i]] == i and not row_ties[i]
           and not col_ties[best_j[i]]]
    if not pts:
        return []
    # The heaviest chain increasing on both sides (a weighted longest increasing subsequence).
    ii = np.array([p[0] for p in pts])
    jj = np.array([p[1] for p in pts])
    w = np.array([p[2] for p in pts])
    total = w.copy()
    prev = np.full(len(pts), -1)
    for k in range(1, len(pts)):
        cand = np.where((ii[:k] < ii[k]) & (jj[:k] < jj[k]), total[:k], -1.0)
        b = int(cand.argmax())
        if cand[b] > 0:
            total[k] = w[k] + cand[b]
            prev[k] = b
    k = int(total.argmax())
    chain = []
    while k >= 0:
        chain.append((int(ii[k]), int(jj[k])))
        k = int(prev[k])
    return chain[::-1]


def path_band(n: int, m: int, path: Sequence[tuple[int, int]], width: int) -> tuple[np.ndarray, np.ndarray]:
    """The first and last column each row of the DP visits, around an anchor path.

    Between two anchors, the columns they span widened by ``width``; before the first anchor
    and after the last, ``width`` either side of the line of one unit per unit through it
    (where no anchor says otherwise, paragraphs follow one another one by one), so that what
    lies outside the anchored region is left unaligned rather than stretched over.
    """
    rows = np.arange(n + 1)
    # The DP's cell (i + 1, j + 1) follows the aligned pair (i, j).
    cells = [(i + 1, j + 1) for i, j in path]
    (fi, fj), (li, lj) = cells[0], cells[-1]
    lo = np.where(rows <= fi, fj - (fi - rows), lj + (rows - li)) - width
    hi = lo + 2 * width
    for (i1, j1), (i2, j2) in zip(cells, cells[1:], strict=False):
        seg = (rows >= i1) & (rows <= i2)
        lo[seg] = j1 - width
        hi[seg] = j2 + width
    lo, hi = np.clip(lo, 0, m), np.clip(hi, 0, m)
    lo[0], hi[n] = 0, m
    # Monotone, so that every row is reached from the one before it.
    hi = np.maximum.accumulate(hi)
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    return np.minimum(lo, hi), hi


def unanchored_excerpts(beads: list[Bead], path: Sequence[tuple[int, int]], n: int,
                        m: int) -> list[Bead]:
    """Unalign the beads before the first anchor pair (after the last) where the two sides
    hold very different numbers of units there, but for those that continue the anchored
    region without a gap.

    Before the first pair that anchors prove, a version with a preface or notes the other
    lacks has many more paragraphs than the other (Hugo's French: 313 paragraphs of prefaces
    against the Japanese title's 4): whatever the lengths pair up there, apart from the
    paragraphs that run on one by one from the anchored text, is chance.
    """
    if not path:
        return beads
    (fi, fj), (li, lj) = path[0], path[-1]
    out = list(beads)
    if _lopsided(fi, fj):
        first = next(k for k, x in enumerate(out) if x.a0 <= fi < x.a1)
        out[:first] = [y for x in _cut_after_gap(out[:first][::-1])[::-1] for y in x]
    if _lopsided(n - 1 - li, m - 1 - lj):
        last = next(k for k, x in enumerate(out) if x.a0 <= li < x.a1)
        out[last + 1:] = [y for x in _cut_after_gap(out[last + 1:]) for y in x]
    return out


def _cut_after_gap(beads: list[Bead]) -> list[list[Bead]]:
    """Each bead, or the unaligned beads of its units where an unaligned bead comes before
    it (beads in walking order; the replacements in text order)."""
    out: list[list[Bead]] = []
    gap = False
    for x in beads:
        aligned = x.a1 > x.a0 and x.b1 > x.b0
        gap = gap or not aligned
        if aligned and gap:
            out.append([Bead(k, k + 1, x.b0, x.b0, 0.0) for k in range(x.a0, x.a1)]
                       + [Bead(x.a1, x.a1, k, k + 1, 0.0) for k in range(x.b0, x.b1)])
        else:
            out.append([x])
    return out


def pair_gaps(beads: list[Bead], len_a: np.ndarray, len_b: np.ndarray, overlap: np.ndarray,
              mass_a: np.ndarray, mass_b: np.ndarray, ratio: float) -> list[Bead]:
    """Pair one unaligned unit of each side left in the same gap between two aligned beads.

    A heading or a note that one version adds leaves a gap on its side only; a gap of one unit
    on both sides at the same place is one passage in both, which the DP left apart because
    very short units ("Condamné à mort !" and "死刑囚！") cost less to skip than their length
    fit. They are paired when their bead scores at least :data:`MIN_SCORE` and, where both
    have anchors, they share some.
    """
    out: list[Bead] = []
    k = 0
    while k < len(beads):
        x = beads[k]
        if k + 1 < len(beads) and _single_gap(beads, k):
            y = beads[k + 1]
            i = x.a0 if x.a1 > x.a0 else y.a0
            j = x.b0 if x.b1 > x.b0 else y.b0
            sim = (2 * overlap[i, j] / (mass_a[i] + mass_b[j])
                   if mass_a[i] > 0 and mass_b[j] > 0 else None)
            score = bead_score(length_score(float(len_a[i]), float(len_b[j]), ratio), sim)
            if (sim is None or sim > 0) and score >= MIN_SCORE:
                out.append(Bead(i, i + 1, j, j + 1, score))
                k += 2
                continue
        out.append(x)
        k += 1
    return out


def _single_gap(beads: list[Bead], k: int) -> bool:
    """Beads k and k+1 are a 1-0 and a 0-1 (either order) between aligned beads (or the ends)."""
    x, y = beads[k], beads[k + 1]
    kinds = {(x.a1 - x.a0, x.b1 - x.b0), (y.a1 - y.a0, y.b1 - y.b0)}
    if kinds != {(1, 0), (0, 1)}:
        return False

    def aligned(b: Bead) -> bool:
        return b.a1 > b.a0 and b.b1 > b.b0

    return (k == 0 or aligned(beads[k - 1])) and (k + 2 == len(beads) or aligned(beads[k + 2]))


def _lopsided(units_a: int, units_b: int) -> bool:
    return max(units_a, units_b) > MAX_PARAGRAPH_RATIO * max(1, min(units_a, units_b)) + EXCERPT_SLACK


def bead_score(length: float, sim: float | None) -> float:
    """A bead's score in 0..1: its length fit, and its anchor similarity where both sides had anchors."""
    if sim is None:
        return round(0.8 * length, 4)
    return round(0.4 * length + 0.6 * min(1.0, sim / 0.5), 4)


# --- versions as units with anchors --------------------------------------------------------

@dataclass
class Version:
    """One document of a family as the aligner sees it."""

    doc: int
    doc_id: str
    lang: str
    hash: str
    text: str
    tok0: int                      # global position of the first token
    starts: np.ndarray             # doc-relative char start of each token
    ends: np.ndarray
    fold: np.ndarray               # folded id of each token
    anchors: np.ndarray            # anchor id per token (-1: none); ids are shared by the pair
    paragraphs: list[tuple[int, int]]
    #: What the aligner derives from the version once, whatever the pair (its distinct folded
    #: ids and their words, concept and number marks, sentences of each paragraph...).
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)


def _folded_words(store, ids: np.ndarray) -> list[str]:
    """The folded words of ``ids``: one gather of their bytes and one decode, not a look-up
    per id (a store's vocabulary is a newline-separated file with an offset per word)."""
    ids = np.asarray(ids, dtype=np.int64)
    vocab = store.vocab
    data, offsets = getattr(vocab, "_data", None), getattr(vocab, "_offsets", None)
    if data is None or offsets is None or not isinstance(offsets, np.ndarray):
        return [vocab[int(i)] for i in ids.tolist()]
    if not ids.size:
        return []
    starts = np.asarray(offsets[ids], dtype=np.int64)
    lengths = np.asarray(offsets[ids + 1], dtype=np.int64) - starts   # each with its newline
    gather = ranges(starts, lengths)
    blob = np.frombuffer(data, dtype=np.uint8)[gather].tobytes()
    return blob.decode("utf-8").split("\n")[:-1]


def _distinct(store, v: Version) -> tuple[np.ndarray, list[str]]:
    """A version's distinct folded ids (sorted) and their words."""
    got = v.cache.get("distinct")
    if got is None:
        uniq = np.unique(v.fold)
        got = v.cache["distinct"] = (uniq, _folded_words(store, uniq))
    return got


@lru_cache(maxsize=32)
def _concept_patterns(registry_key: str, lang: str) -> tuple:
    """(concept, words) of each form of ``lang``; a word is ``(kind, text)``: exact, prefix, regex."""
    registry = _REGISTRIES[registry_key]
    from .concepts import form_key

    out = []
    for concept in registry.values():
        for form in concept.forms.get(lang, ()):
            words = form_key(form)
            if words:
                out.append((concept.name, tuple(_word_pattern(w) for w in words)))
    return tuple(out)


def _word_pattern(word: str) -> tuple[str, Any]:
    if "*" not in word and "?" not in word:
        return ("exact", word)
    if word.endswith("*") and "*" not in word[:-1] and "?" not in word:
        return ("prefix", word[:-1])
    return ("regex", re.compile(_glob(word)))


def _matches(pattern: tuple[str, Any], word: str) -> bool:
    kind, value = pattern
    if kind == "exact":
        return word == value
    if kind == "prefix":
        return word.startswith(value)
    return value.match(word) is not None


_REGISTRIES: dict[str, Mapping[str, Any]] = {}
_REGISTRY_LOCK = threading.Lock()


def registry_key(registry: Mapping[str, Any] | None) -> str:
    """A digest of a registry's forms (so a changed registry re-aligns)."""
    if registry is None:
        registry = _shipped()
    cached = _KEYS.get(id(registry))
    if cached is not None and cached[0] is registry:
        return cached[1]
    data = json.dumps({name: {lang: list(forms) for lang, forms in c.forms.items()}
                       for name, c in sorted(registry.items())}, ensure_ascii=False, sort_keys=True)
    key = hashlib.sha256(data.encode()).hexdigest()[:16]
    with _REGISTRY_LOCK:
        _REGISTRIES[key] = registry
        _KEYS[id(registry)] = (registry, key)
    return key


_KEYS: dict[int, tuple[Mapping[str, Any], str]] = {}


def _shipped() -> Mapping[str, Any]:
    from .concepts import _shipped_registry

    return _shipped_registry()


def _glob(word: str) -> str:
    return "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in word) + r"\Z"


def concept_spans(store, fold_ids: np.ndarray, lang: str, registry: Mapping[str, Any] | None,
                  only: str | None = None) -> list[tuple[int, int, str]]:
    """Where concept forms of ``lang`` occur in a run of folded token ids.

    Returns ``(first token, number of tokens, concept name)``, relative to the run, the
    longest form first where several start at one token; ``only`` keeps one concept.
    """
    patterns = _concept_patterns(registry_key(registry), lang)
    if only is not None:
        patterns = tuple(p for p in patterns if p[0] == only)
    if not patterns or not len(fold_ids):
        return []
    uniq = np.unique(fold_ids)
    return _concept_spans(uniq, _folded_words(store, uniq), np.asarray(fold_ids), patterns)


def _version_concepts(store, v: Version, registry: Mapping[str, Any] | None) -> list[tuple[int, int, str]]:
    """:func:`concept_spans` of a whole version, found once whatever the pair."""
    key = ("concepts", registry_key(registry))
    got = v.cache.get(key)
    if got is None:
        patterns = _concept_patterns(key[1], v.lang)
        if not patterns or not len(v.fold):
            got = []
        else:
            uniq, words = _distinct(store, v)
            got = _concept_spans(uniq, words, v.fold, patterns)
        v.cache[key] = got
    return got


def _concept_spans(uniq: np.ndarray, sorted_words: list[str], fold_ids: np.ndarray,
                   patterns: tuple) -> list[tuple[int, int, str]]:
    # Folded ids follow the sorted vocabulary: the words come sorted, a word is found by
    # bisection and a prefix is a range.
    firsts: dict[int, list[int]] = {}
    for k, (_name, pats) in enumerate(patterns):
        kind, value = pats[0]
        if kind == "exact":
            at = bisect.bisect_left(sorted_words, value)
            hits = [int(uniq[at])] if at < len(sorted_words) and sorted_words[at] == value else []
        elif kind == "prefix":
            lo = bisect.bisect_left(sorted_words, value)
            hi = bisect.bisect_left(sorted_words, value + "\U0010ffff")
            hits = uniq[lo:hi].tolist()
        else:
            hits = [int(f) for f, w in zip(uniq, sorted_words, strict=True) if value.match(w)]
        for fid in hits:
            firsts.setdefault(fid, []).append(k)
    if not firsts:
        return []
    for ks in firsts.values():
        ks.sort(key=lambda k: -len(patterns[k][1]))
    size = len(fold_ids)
    found = np.nonzero(np.isin(fold_ids, list(firsts)))[0]
    # The ids (and words) of the tokens after each candidate, as far as the longest form.
    longest = max(len(p[1]) for p in patterns)
    after = fold_ids[np.minimum(found[:, None] + np.arange(1, longest)[None, :], size - 1)]
    need = np.unique(after)
    words = dict(zip(need.tolist(), [sorted_words[k] for k in np.searchsorted(uniq, need).tolist()],
                     strict=True))
    out = []
    for pos, fid, nxt in zip(found.tolist(), fold_ids[found].tolist(), after.tolist(), strict=True):
        for k in firsts[fid]:
            name, pats = patterns[k]
            if pos + len(pats) <= size and all(_matches(pats[x], words[nxt[x - 1]])
                                               for x in range(1, len(pats))):
                out.append((pos, len(pats), name))
                break
    return out


class _TokenReads:
    """A store's token and paragraph columns read with file reads of the span asked for
    (``Store.tok``, ``start`` and ``end`` of a document's tokens, its paragraphs' character
    ranges): every family passes through a build's side process, and a page of a mapped
    column, once touched, stays in it (at 500M tokens, 183 MB of ``para_char``,
    ``start_wide`` and ``para_doc``)."""

    def __init__(self, store):
        from .store import NpyColumn, StartReader, column_file

        self.surf = column_file(store.path, "surf", np.int32)
        self.start = StartReader(store.start_base, NpyColumn(store.path / "start_rel.npy"),
                                 NpyColumn(store.path / "start_wide.npy"))
        self.fold, self.length = store.surface_fold, store.surf_len
        self.para_char = NpyColumn(store.path / "para_char.npy")
        # Paragraphs are stored in document order: a document's are one run of them.
        # (narrow_tables keeps the number of documents in para_doc's type: no copy of it)
        para_doc = np.asarray(NpyColumn(store.path / "para_doc.npy"))     # read once, not kept
        self.doc_para = np.searchsorted(para_doc, np.arange(store.n_docs + 1, dtype=para_doc.dtype),
                                        side="left").tolist()

    def columns(self, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The folded ids, starts and ends of the tokens from ``t0`` to ``t1``."""
        surf = np.asarray(self.surf[t0:t1])
        start = self.start(slice(t0, t1))
        return self.fold[surf], start, start + self.length[surf]


_TOKEN_READS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def load_version(store, doc: int, registry: Mapping[str, Any] | None) -> Version:
    """A store document with its tokens, paragraphs and concept marks."""
    meta = store.docs[doc]
    t0, t1 = int(store.doc_tok[doc]), int(store.doc_tok[doc + 1])
    reads = _TOKEN_READS.get(store)
    if reads is None:
        reads = _TOKEN_READS[store] = _TokenReads(store)
    p0, p1 = reads.doc_para[doc], reads.doc_para[doc + 1]
    paras = [(s, e) for s, e in reads.para_char[p0:p1].tolist()]
    fold, starts, ends = reads.columns(t0, t1)
    return Version(doc=doc, doc_id=meta["doc_id"], lang=meta.get("language") or "und",
                   hash=meta.get("hash", ""), text=store.text(doc), tok0=t0,
                   starts=np.asarray(starts, dtype=np.int64), ends=ends,
                   fold=np.asarray(fold, dtype=np.int64),
                   anchors=np.full(t1 - t0, -1, dtype=np.int64), paragraphs=paras)


def _anchor_ids(store, a: Version, b: Version, registry) -> tuple[np.ndarray, np.ndarray]:
    """Anchor id per token of both versions (every anchor weighs 1).

    Anchors are the folded words the two versions share (numbers of any length, other words
    of two letters or more when written with a capital inside a sentence, else of four or
    more) that are not common in either (in at most a fifth of its paragraphs), and the
    concepts whose forms occur in both.
    """
    uniq_a, words_a = _distinct(store, a)
    uniq_b, _words_b = _distinct(store, b)
    shared = np.intersect1d(uniq_a, uniq_b, assume_unique=True)
    at = np.searchsorted(uniq_a, shared).tolist()
    words = [words_a[k] for k in at]
    short = [fid for fid, w in zip(shared.tolist(), words, strict=True)
             if 2 <= len(w) < 4 and not w.isdigit()]
    capital = _capitalised_ids(a, short)
    keep = [fid for fid, w in zip(shared.tolist(), words, strict=True)
            if not w.isdigit() and (len(w) >= 4 or (len(w) >= 2 and fid in capital))]
    keep_arr = np.asarray(keep, dtype=np.int64)
    for v in (a, b):
        pos_para = np.searchsorted(np.asarray([s for s, _ in v.paragraphs] or [0]), v.starts, side="right")
        inside = np.isin(v.fold, keep_arr)
        pairs = np.unique(np.stack([v.fold[inside], pos_para[inside]]), axis=1) if inside.any() else np.zeros((2, 0), np.int64)
        fid, cnt = np.unique(pairs[0], return_counts=True)
        common = fid[cnt > max(2, len(v.paragraphs) // 5)]
        keep_arr = np.setdiff1d(keep_arr, common)
    ids_a = np.where(np.isin(a.fold, keep_arr), a.fold, -1)
    ids_b = np.where(np.isin(b.fold, keep_arr), b.fold, -1)
    # Concepts: an id above the vocabulary per concept, on the first token of each form.
    base = store.n_vocab
    marks_a = _version_concepts(store, a, registry)
    marks_b = _version_concepts(store, b, registry)
    names = sorted({n for _, _, n in marks_a} & {n for _, _, n in marks_b})
    cid = {n: base + i for i, n in enumerate(names)}
    for ids, marks in ((ids_a, marks_a), (ids_b, marks_b)):
        for pos, length, name in marks:
            if name in cid:
                ids[pos:pos + length] = -1
                ids[pos] = cid[name]
    # Numbers: by value, so that 1848, １８４８ and 一八四八 are one anchor.
    nums_a, nums_b = number_marks(store, a), number_marks(store, b)
    values = sorted({v for _, _, v in nums_a} & {v for _, _, v in nums_b})
    vid = {v: base + len(names) + i for i, v in enumerate(values)}
    for ids, marks in ((ids_a, nums_a), (ids_b, nums_b)):
        for pos, length, value in marks:
            if value in vid:
                ids[pos:pos + length] = -1
                ids[pos] = vid[value]
    # Chapter numbers: by value, apart from other numbers (chapter 12 is not the number 12).
    heads_a, heads_b = heading_marks(a), heading_marks(b)
    chapters = sorted({v for _, _, v in heads_a} & {v for _, _, v in heads_b})
    hid = {v: base + len(names) + len(values) + i for i, v in enumerate(chapters)}
    for ids, marks in ((ids_a, heads_a), (ids_b, heads_b)):
        for pos, length, value in marks:
            if value in hid:
                ids[pos:pos + length] = -1
                ids[pos] = hid[value]
    return ids_a, ids_b


_KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")
_KANJI_NUMBER = re.compile("[〇一二三四五六七八九]{2,}")


def number_marks(store, v: Version) -> list[tuple[int, int, str]]:
    """(first token, tokens, value) of each number of a version: digits of any script
    (NFKC), and runs of kanji digits read digit by digit (一八四八 is 1848)."""
    cached = getattr(v, "_numbers", None)
    if cached is not None:
        return cached
    import unicodedata

    ids, words = _distinct(store, v)
    digits = {int(i): unicodedata.normalize("NFKC", w)
              for i, w in zip(ids.tolist(), words, strict=True) if w.isdigit()}
    out = []
    if digits:
        found = np.nonzero(np.isin(v.fold, list(digits)))[0]
        for pos, fid in zip(found.tolist(), v.fold[found].tolist(), strict=True):
            out.append((pos, 1, digits[fid].lstrip("0") or "0"))
    kanji = any(ch in v.text for ch in "〇一二三四五六七八九")
    for m in _KANJI_NUMBER.finditer(v.text) if kanji else ():
        first = int(np.searchsorted(v.starts, m.start(), side="left"))
        last = int(np.searchsorted(v.starts, m.end(), side="left"))
        if last > first:
            out.append((first, last - first, m.group().translate(_KANJI_DIGITS).lstrip("0") or "0"))
    out.sort()
    v._numbers = out  # type: ignore[attr-defined]
    return out


_ROMAN = re.compile(r"(?=[IVXLC])(C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_KANJI_VALUES = {**{c: i for i, c in enumerate("〇一二三四五六七八九")}, "十": 10, "百": 100}
#: A chapter number as a paragraph's whole text, or before a period at its start ("I.
#: Bourgeois und Proletarier"): Roman (I to CCCXCIX), digits of any script, or kanji.
_HEADING = re.compile(r"\s*(?:(?:chapitre|chapter|kapitel|capitolo|cap[ií]tulo|hoofdstuk|"
                      r"rozdzia[łl]|глава)\s+)?(?:第\s*)?([IVXLC]+|\d+|[〇一二三四五六七八九十百]+)"
                      r"\s*(?:章|節)?(?:\s*$|\.\s)", re.IGNORECASE)


def numeral_value(text: str) -> int | None:
    """The value of a Roman (upper case), digit or kanji numeral; None for anything else."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    if text.isdigit():
        return int(text)
    if text[0] in "IVXLC":
        m = _ROMAN.fullmatch(text)
        if m is None:
            return None
        values = [_ROMAN_VALUES[c] for c in text]
        return sum(-v if k + 1 < len(values) and v < values[k + 1] else v
                   for k, v in enumerate(values))
    if not all(c in _KANJI_VALUES for c in text):
        return None
    if "十" not in text and "百" not in text:    # 一〇 is 10, digit by digit
        return int("".join(str(_KANJI_VALUES[c]) for c in text))
    total, digit = 0, 0
    for c in text:
        v = _KANJI_VALUES[c]
        if v in (10, 100):
            total += (digit or 1) * v
            digit = 0
        else:
            digit = v
    return total + digit


def heading_marks(v: Version) -> list[tuple[int, int, int]]:
    """(first token, tokens, value) of each chapter number that opens a paragraph.

    Chapters are numbered in every version of a work, whatever the script (XII, 12, 一二,
    十二): a paragraph that is a number, or opens with one and a period, anchors the
    versions where no word is shared.
    """
    cached = v.cache.get("headings")
    if cached is not None:
        return cached
    out = []
    for s, e in v.paragraphs:
        m = _HEADING.match(v.text, s, e)
        if m is None or (m.group(1).isupper() and len(m.group(1)) == 1 and m.group(1) != "I"
                         and m.end() < e):
            continue
        value = numeral_value(m.group(1))
        if value is None:
            continue
        first = int(np.searchsorted(v.starts, m.start(1), side="left"))
        last = int(np.searchsorted(v.starts, m.end(1), side="left"))
        if last > first:
            out.append((first, last - first, value))
    v.cache["headings"] = out
    return out


def _capitalised_ids(v: Version, fids: Sequence[int]) -> set[int]:
    """Those of ``fids`` written with a capital inside a sentence in one of their first five
    occurrences in ``v``."""
    if not fids:
        return set()
    if "order" not in v.cache:
        order = np.argsort(v.fold, kind="stable")      # the positions of each id, in order
        v.cache["order"] = order, v.fold[order]
    order, sorted_fold = v.cache["order"]
    arr = np.asarray(fids, dtype=np.int64)
    lo = np.searchsorted(sorted_fold, arr, side="left")
    hi = np.minimum(np.searchsorted(sorted_fold, arr, side="right"), lo + 5)
    out = set()
    text = v.text
    for fid, a, b in zip(fids, lo.tolist(), hi.tolist(), strict=True):
        for p in order[a:b].tolist():
            s = int(v.starts[p])
            if text[s:s + 1].isupper() and p > 0 and not re.search(r"[.!?。]\W*$", text[max(0, s - 4):s]):
                out.add(fid)
                break
    return out


def _nonspace(v: Version) -> np.ndarray:
    """Characters of the version's text that are not a space, cumulated (one more than chars)."""
    got = v.cache.get("nonspace")
    if got is None:
        codes = np.frombuffer(v.text.encode("utf-32-le"), dtype=np.uint32)
        got = np.zeros(codes.size + 1, dtype=np.int64)
        np.cumsum(codes != 32, out=got[1:])
        v.cache["nonspace"] = got
    return got


@dataclass
class _UnitSet:
    """Units of one side: each one's length (characters, spaces left out) and its distinct
    anchors as (unit, anchor id) pairs, sorted."""

    lengths: np.ndarray
    unit: np.ndarray
    anchor: np.ndarray

    @property
    def n(self) -> int:
        return len(self.lengths)


def _unit_set(v: Version, starts: Sequence[int] | np.ndarray, ends: Sequence[int] | np.ndarray,
              ids: np.ndarray, anchored: np.ndarray) -> _UnitSet:
    """The units ``starts[k]..ends[k]`` (characters) of a version whose tokens carry the anchor
    ids ``ids`` (-1: none; ``anchored``: the positions of the others)."""
    ns = _nonspace(v)
    size = len(ns) - 1
    s = np.clip(np.asarray(starts, dtype=np.int64), 0, size)
    e = np.clip(np.asarray(ends, dtype=np.int64), 0, size)
    lengths = np.maximum(ns[e] - ns[s], 0).astype(np.float64)
    first = np.searchsorted(v.starts, starts, side="left")
    last = np.searchsorted(v.starts, ends, side="left")
    lo = np.searchsorted(anchored, first)
    counts = np.maximum(np.searchsorted(anchored, last) - lo, 0)
    unit = np.repeat(np.arange(len(s), dtype=np.int64), counts)
    anchor = ids[anchored[ranges(lo, counts)]]
    width = int(anchor.max()) + 1 if anchor.size else 1
    key = np.unique(unit * width + anchor)
    return _UnitSet(lengths, key // width, key % width)


def _shared_anchors(ua: np.ndarray, ka: np.ndarray, ub: np.ndarray,
                    kb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (unit of A, unit of B) pair of entries with the same key, once per shared key."""
    order = np.argsort(kb, kind="stable")
    sorted_keys = kb[order]
    lo = np.searchsorted(sorted_keys, ka, side="left")
    counts = np.searchsorted(sorted_keys, ka, side="right") - lo
    return np.repeat(ua, counts), ub[order[ranges(lo, counts)]]


def _unit_overlap(a: _UnitSet, b: _UnitSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`_overlap` computes, from the units' (unit, anchor) pairs: no dense matrix
    of units by anchors, no loop over units."""
    n, m = a.n, b.n
    ra, rb = _shared_anchors(a.unit, a.anchor, b.unit, b.anchor)
    ov = np.bincount(ra * m + rb, minlength=n * m).reshape(n, m).astype(np.float64)
    return (ov, np.bincount(a.unit, minlength=n).astype(np.float64),
            np.bincount(b.unit, minlength=m).astype(np.float64))


def _band(n: int, m: int) -> int:
    return max(40, abs(n - m) + max(n, m) // 8)


@dataclass
class _Problem:
    """One alignment of two sequences of units (:func:`align_units`'s arguments); ``overlap``
    as (row, column, count) entries, or dense."""

    len_a: np.ndarray
    len_b: np.ndarray
    overlap: tuple[np.ndarray, np.ndarray, np.ndarray] | np.ndarray
    mass_a: np.ndarray
    mass_b: np.ndarray
    ratio: float
    band: int
    beads: list[Bead] | None = None

    def dense(self) -> np.ndarray:
        if isinstance(self.overlap, np.ndarray):
            return self.overlap
        ov = np.zeros((len(self.len_a), len(self.len_b)))
        rows, cols, counts = self.overlap
        ov[rows, cols] = counts
        return ov


@dataclass
class _PairPlan:
    """A pair's paragraph beads, and the sentence alignments inside the aligned ones to solve
    (with what is needed of the versions to store them: not the versions)."""

    paragraphs_a: list[tuple[int, int]]
    paragraphs_b: list[tuple[int, int]]
    # the first token at or after each paragraph's start and end (:func:`_tok` of its span)
    para_toks_a: list[tuple[int, int]]
    para_toks_b: list[tuple[int, int]]
    beads: list[Bead]
    # per paragraph bead: None (unaligned), or its sentences on each side, the problem that
    # aligns them (None: one sentence each) and each sentence's tokens as para_toks_*
    sentences: list[list | None]

    def problems(self) -> list[_Problem]:
        return [s[2] for s in self.sentences if s is not None and s[2] is not None]


def _sentences(v: Version, k: int) -> list[tuple[int, int]]:
    """The sentences of paragraph ``k`` (character offsets in the version), split once."""
    cache = v.cache.setdefault("sentences", {})
    got = cache.get(k)
    if got is None:
        ps, pe = v.paragraphs[k]
        got = cache[k] = [(ps + s0, ps + e0) for s0, e0 in split_sentences(v.text[ps:pe], v.lang)]
    return got


def _plan_pair(store, a: Version, b: Version, registry: Mapping[str, Any] | None) -> _PairPlan:
    """Paragraph beads of two versions, and the sentence alignments they call for."""
    ids_a, ids_b = _anchor_ids(store, a, b, registry)
    anchored_a, anchored_b = np.flatnonzero(ids_a >= 0), np.flatnonzero(ids_b >= 0)
    units_a = _unit_set(a, [s for s, _ in a.paragraphs], [e for _, e in a.paragraphs], ids_a, anchored_a)
    units_b = _unit_set(b, [s for s, _ in b.paragraphs], [e for _, e in b.paragraphs], ids_b, anchored_b)
    len_a, len_b = units_a.lengths, units_b.lengths
    ov, mass_a, mass_b = _unit_overlap(units_a, units_b)
    ratio = (len_b.sum() / len_a.sum()) if len_a.sum() and len_b.sum() else 1.0
    band = _band(len(len_a), len(len_b))
    path = anchor_path(ov, mass_a, mass_b)
    if len(path) < MIN_PATH:
        path = []
    beads = align_units(len_a, len_b, ov, mass_a, mass_b, ratio=ratio, band=band, path=path)
    # Second pass: the length ratio of the confident beads (an excerpt's ratio is not the
    # ratio of the whole texts).
    good = [x for x in beads if x.a1 > x.a0 and x.b1 > x.b0 and x.score >= 0.5]
    if len(good) >= 3:
        sa = sum(len_a[x.a0:x.a1].sum() for x in good)
        sb = sum(len_b[x.b0:x.b1].sum() for x in good)
        if sa and sb and abs(sb / sa - ratio) / ratio > 0.05:
            ratio = sb / sa
            beads = align_units(len_a, len_b, ov, mass_a, mass_b, ratio=ratio, band=band,
                                path=path)
    beads = pair_gaps(beads, len_a, len_b, ov, mass_a, mass_b, ratio)
    beads = unanchored_excerpts(beads, path, len(len_a), len(len_b))
    # The sentences of every aligned bead; the units of all of them on each side at once.
    sentences: list = []
    todo = []
    for x in beads:
        if not (x.a1 > x.a0 and x.b1 > x.b0):
            sentences.append(None)
            continue
        sent_a = [s for k in range(x.a0, x.a1) for s in _sentences(a, k)]
        sent_b = [s for k in range(x.b0, x.b1) for s in _sentences(b, k)]
        sentences.append([sent_a, sent_b, None])
        if not (len(sent_a) == 1 and len(sent_b) == 1):
            todo.append(len(sentences) - 1)
    if todo:
        spans_a = [s for k in todo for s in sentences[k][0]]
        spans_b = [s for k in todo for s in sentences[k][1]]
        sa_set = _unit_set(a, [s for s, _ in spans_a], [e for _, e in spans_a], ids_a, anchored_a)
        sb_set = _unit_set(b, [s for s, _ in spans_b], [e for _, e in spans_b], ids_b, anchored_b)
        na = np.array([len(sentences[k][0]) for k in todo], dtype=np.int64)
        nb = np.array([len(sentences[k][1]) for k in todo], dtype=np.int64)
        off_a, off_b = np.cumsum(na) - na, np.cumsum(nb) - nb
        # Each sentence's problem, and the anchors shared within one problem only.
        group_a = np.repeat(np.arange(len(todo)), na)
        group_b = np.repeat(np.arange(len(todo)), nb)
        width = int(max(sa_set.anchor.max(initial=0), sb_set.anchor.max(initial=0))) + 1
        ra, rb = _shared_anchors(sa_set.unit, group_a[sa_set.unit] * width + sa_set.anchor,
                                 sb_set.unit, group_b[sb_set.unit] * width + sb_set.anchor)
        g = group_a[ra]
        order = np.argsort(g, kind="stable")
        ra, rb, g = ra[order], rb[order], g[order]
        cut = np.searchsorted(g, np.arange(len(todo) + 1))
        mass_sa = np.bincount(sa_set.unit, minlength=sa_set.n).astype(np.float64)
        mass_sb = np.bincount(sb_set.unit, minlength=sb_set.n).astype(np.float64)
        for t, k in enumerate(todo):
            a0, a1 = int(off_a[t]), int(off_a[t] + na[t])
            b0, b1 = int(off_b[t]), int(off_b[t] + nb[t])
            c0, c1 = int(cut[t]), int(cut[t + 1])
            rows, cols = ra[c0:c1] - a0, rb[c0:c1] - b0
            flat = np.unique(rows * (b1 - b0) + cols, return_counts=True)
            entries = (flat[0] // (b1 - b0), flat[0] % (b1 - b0), flat[1].astype(np.float64))
            sentences[k][2] = _Problem(sa_set.lengths[a0:a1], sb_set.lengths[b0:b1], entries,
                                       mass_sa[a0:a1], mass_sb[b0:b1], ratio,
                                       _band(a1 - a0, b1 - b0))
    for v, at in ((a, 0), (b, 1)):
        spans = [s for sent in sentences if sent is not None for s in sent[at]]
        toks = iter(_span_toks(v, spans))
        for sent in sentences:
            if sent is not None:
                sent.append([next(toks) for _ in sent[at]])
    return _PairPlan(a.paragraphs, b.paragraphs, _paragraph_toks(a), _paragraph_toks(b), beads,
                     sentences)


def _span_toks(v: Version, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """:func:`_tok` of each span, with one search."""
    bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    found = np.searchsorted(v.starts, bounds.ravel(), side="left").reshape(-1, 2).tolist()
    return [(t0, t1) for t0, t1 in found]


def _paragraph_toks(v: Version) -> list[tuple[int, int]]:
    got = v.cache.get("paragraph_toks")
    if got is None:
        got = v.cache["paragraph_toks"] = _span_toks(v, v.paragraphs)
    return got


def _pair_rows(plan: _PairPlan) -> list[tuple]:
    """The stored beads of a planned pair whose sentence problems are solved, as rows:
    (level, a start, a end, b start, b end, a tok0, a tok1, b tok0, b tok1, score, para),
    None for a side a bead leaves unaligned."""
    none = (None, None)

    def span(units: list[tuple[int, int]], toks: list[tuple[int, int]], u0: int, u1: int) -> tuple:
        if u1 <= u0:
            return none + none
        return units[u0][0], units[u1 - 1][1], toks[u0][0], toks[u1 - 1][1]

    paras_a, paras_b, ptok_a, ptok_b = plan.paragraphs_a, plan.paragraphs_b, plan.para_toks_a, plan.para_toks_b
    rows: list[tuple] = []
    for x, sent in zip(plan.beads, plan.sentences, strict=True):
        sa = span(paras_a, ptok_a, x.a0, x.a1)
        sb = span(paras_b, ptok_b, x.b0, x.b1)
        if sent is None:
            rows.append((0, sa[0], sa[1], sb[0], sb[1], sa[2], sa[3], sb[2], sb[3], 0.0, None))
            continue
        para = len(rows)
        rows.append((0, sa[0], sa[1], sb[0], sb[1], sa[2], sa[3], sb[2], sb[3], x.score, None))
        sent_a, sent_b, problem, stok_a, stok_b = sent
        for y in problem.beads if problem is not None else (Bead(0, 1, 0, 1, x.score),):
            sa = span(sent_a, stok_a, y.a0, y.a1)
            sb = span(sent_b, stok_b, y.b0, y.b1)
            rows.append((1, sa[0], sa[1], sb[0], sb[1], sa[2], sa[3], sb[2], sb[3], y.score, para))
    return rows


# --- families and the stored file ----------------------------------------------------------

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE families (work TEXT PRIMARY KEY, key TEXT, status TEXT, note TEXT, members TEXT);
CREATE TABLE pairs (id INTEGER PRIMARY KEY, work TEXT, doc_a TEXT, doc_b TEXT, lang_a TEXT,
                    lang_b TEXT, status TEXT, note TEXT, paragraphs INTEGER, sentences INTEGER,
                    aligned_paragraphs INTEGER, aligned_sentences INTEGER);
CREATE TABLE beads (pair INTEGER, level INTEGER, a_start INTEGER, a_end INTEGER, b_start INTEGER,
                    b_end INTEGER, a_tok0 INTEGER, a_tok1 INTEGER, b_tok0 INTEGER, b_tok1 INTEGER,
                    score REAL, para INTEGER, n INTEGER);
"""
_INDEXES = """
CREATE INDEX beads_a ON beads (pair, level, a_start);
CREATE INDEX beads_b ON beads (pair, level, b_start);
CREATE INDEX pairs_docs ON pairs (doc_a, doc_b);
"""


def settings() -> dict[str, Any]:
    """What decides an alignment besides the texts (a change re-aligns every family)."""
    return {"version": ALIGN_VERSION, "min_score": MIN_SCORE, "min_overlap": MIN_OVERLAP,
            "max_paragraph_ratio": MAX_PARAGRAPH_RATIO, "skip_cost": SKIP_COST,
            "skip_full": SKIP_FULL, "anchor_weight": ANCHOR_WEIGHT, "path_width": PATH_WIDTH, "min_path": MIN_PATH, "excerpt_slack": EXCERPT_SLACK,
            "registry": registry_key(None)}


def is_current(gen_path: Path) -> bool:
    """Whether a generation holds alignments made with this version's settings."""
    path = Path(gen_path) / ALIGN_FILE
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return row is not None and json.loads(row[0]) == settings()


def families(store) -> dict[str, list[int]]:
    """Store document indexes of each work id, by doc id."""
    out: dict[str, list[int]] = {}
    for i, meta in enumerate(store.docs):
        if meta.get("work"):
            out.setdefault(meta["work"], []).append(i)
    return {w: sorted(ds, key=lambda d: store.docs[d]["doc_id"]) for w, ds in sorted(out.items())}


def family_key(store, docs: Sequence[int], setting: Mapping[str, Any] | str) -> str:
    """What decides a family's alignment: its versions' ids, hashes and languages, and settings
    (or their ``json.dumps(setting, sort_keys=True)``, made once for every family)."""
    parts = [setting if isinstance(setting, str) else json.dumps(setting, sort_keys=True)]
    for d in docs:
        meta = store.docs[d]
        parts.append(f"{meta['doc_id']}\0{meta.get('hash', '')}\0{meta.get('language', '')}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def write_alignments(gen_path: Path, previous: Path | None = None,
                     registry: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Align every family of the generation's store into ``align.sqlite``; summarise.

    Families whose key is unchanged are copied from ``previous`` (a generation folder); when
    none changed, its file is linked (:func:`_link_unchanged`).
    """
    from .store import Store

    setting = settings()
    store = Store(gen_path / "store")
    target = gen_path / ALIGN_FILE
    tmp = gen_path / (ALIGN_FILE + ".tmp")
    tmp.unlink(missing_ok=True)
    if previous is not None:
        try:
            linked = _link_unchanged(store, previous, tmp, setting)
        except BaseException:
            store.close()
            raise
        if linked is not None:
            store.close()
            os.replace(tmp, target)
            return linked
    con = sqlite3.connect(tmp)
    summary = {"families": 0, "aligned": 0, "reused": 0, "pairs": 0}
    try:
        con.executescript(_SCHEMA)
        con.execute("INSERT INTO meta VALUES ('settings', ?)", (json.dumps(setting),))
        old = _previous_keys(previous, con)
        # Families are written in order; the sentence alignments of the pairs are solved
        # together (:func:`solve`) for as many families as hold PENDING_PROBLEMS of them.
        pending: list[tuple[str, tuple | None]] = []
        problems: list[_Problem] = []
        setting_json = json.dumps(setting, sort_keys=True)
        reuse: _PairReuse | None = None
        for work, docs in families(store).items():
            key = family_key(store, docs, setting_json)
            summary["families"] += 1
            if old.get(work) == key:
                pending.append((work, None))
                summary["reused"] += 1
            else:
                if reuse is None and work in old and len(docs) > 1 and previous is not None:
                    reuse = _PairReuse(con, previous, setting)
                status, note, pairs = _align_family(store, docs, registry, work, reuse)
                members = [{"doc_id": store.docs[d]["doc_id"], "lang": store.docs[d].get("language")}
                           for d in docs]
                pending.append((work, (key, status, note, members, pairs)))
                problems.extend(q for pair in pairs if pair.get("plan") for q in pair["plan"].problems())
                summary["aligned"] += 1 if len(docs) > 1 else 0
            if len(problems) >= PENDING_PROBLEMS:
                _write_families(con, pending, problems)
                pending, problems = [], []
        _write_families(con, pending, problems)
        con.commit()
        if previous is not None and old:
            con.execute("DETACH DATABASE old")
        con.executescript(_INDEXES)
        summary["pairs"] = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
        con.commit()
    finally:
        con.close()
        store.close()
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return summary


def _link_unchanged(store, previous: Path, tmp: Path, setting: Mapping[str, Any]) -> dict[str, Any] | None:
    """When no family changed (the same works with the same keys, the same settings), the
    previous generation's file is the one this generation would write, family for family and
    page for page: it is linked to ``tmp`` (copied where a link cannot be made) and its summary
    returned; otherwise None."""
    old = previous / ALIGN_FILE
    if not old.exists():
        return None
    setting_json = json.dumps(setting, sort_keys=True)
    keys = {work: family_key(store, docs, setting_json) for work, docs in families(store).items()}
    try:
        con = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
            if row is None or row[0] != json.dumps(setting):
                return None
            if dict(con.execute("SELECT work, key FROM families")) != keys:
                return None
            pairs = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None
    try:
        os.link(old, tmp)
    except OSError:
        shutil.copyfile(old, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
    return {"families": len(keys), "aligned": 0, "reused": len(keys), "pairs": pairs}


#: Sentence alignments solved together at most (bounds what waits in memory for them).
PENDING_PROBLEMS = 4000


def _write_families(con: sqlite3.Connection, pending: list[tuple[str, tuple | None]],
                    problems: list[_Problem]) -> None:
    """Solve the pending problems, then write the pending families in order (None: copied)."""
    solve(problems)
    reused: list[str] = []
    for work, family in pending:
        if family is None:
            reused.append(work)
            continue
        _copy_families(con, reused)
        reused = []
        key, status, note, members, pairs = family
        con.execute("INSERT INTO families VALUES (?,?,?,?,?)",
                    (work, key, status, note, json.dumps(members, ensure_ascii=False)))
        for pair in pairs:
            if "copy" in pair:
                _copy_pair(con, pair["copy"])
                continue
            if pair.get("plan"):
                pair["rows"] = _pair_rows(pair.pop("plan"))
            _insert_pair(con, work, pair)
    _copy_families(con, reused)


def _previous_keys(previous: Path | None, con: sqlite3.Connection) -> dict[str, str]:
    if previous is None or not (previous / ALIGN_FILE).exists():
        return {}
    try:
        con.execute("ATTACH DATABASE ? AS old", (str(previous / ALIGN_FILE),))
    except sqlite3.Error:
        return {}
    try:
        return dict(con.execute("SELECT work, key FROM old.families"))
    except sqlite3.Error:
        con.execute("DETACH DATABASE old")
        return {}


def _copy_families(con: sqlite3.Connection, works: Sequence[str]) -> None:
    """:func:`_copy_family` of each of ``works`` in turn: the same statements, in the same
    order (so that the file is the one a fresh build writes, page for page), but for the
    families without pairs, which are one statement for a run of them."""
    if not works:
        return
    old_pairs = _old_pairs(con)
    run: list[str] = []
    for work in [*works, None]:
        if work is not None and work not in old_pairs:
            run.append(work)
            continue
        if run:
            con.executemany("INSERT INTO families SELECT * FROM old.families WHERE work = ?",
                            [(w,) for w in run])
            run = []
        if work is not None:
            _copy_family(con, work, old_pairs[work])


def _old_pairs(con: sqlite3.Connection) -> dict[str, list[int]]:
    """The pair ids of each family of the previous generation (attached as ``old``), in order."""
    out: dict[str, list[int]] = {}
    for work, pid in con.execute("SELECT work, id FROM old.pairs ORDER BY id"):
        out.setdefault(work, []).append(pid)
    return out


def _copy_pair(con: sqlite3.Connection, old_id: int) -> None:
    """A pair of the previous generation with its beads, as :func:`_insert_pair` writes it."""
    cur = con.execute("INSERT INTO pairs (work, doc_a, doc_b, lang_a, lang_b, status, note, "
                      "paragraphs, sentences, aligned_paragraphs, aligned_sentences) SELECT work, "
                      "doc_a, doc_b, lang_a, lang_b, status, note, paragraphs, sentences, "
                      "aligned_paragraphs, aligned_sentences FROM old.pairs WHERE id = ?", (old_id,))
    con.execute("INSERT INTO beads SELECT ?, level, a_start, a_end, b_start, b_end, a_tok0, a_tok1,"
                " b_tok0, b_tok1, score, para, n FROM old.beads WHERE pair = ? ORDER BY rowid",
                (cur.lastrowid, old_id))


def _copy_family(con: sqlite3.Connection, work: str, old_ids: list[int]) -> None:
    con.execute("INSERT INTO families SELECT * FROM old.families WHERE work = ?", (work,))
    for old_id in old_ids:
        _copy_pair(con, old_id)


def _align_family(store, docs: Sequence[int], registry, work: str = "",
                  reuse: _PairReuse | None = None) -> tuple[str, str | None, list[dict]]:
    """Status, note and pairs of a family; a pair that ``reuse`` holds unchanged from the
    previous generation is to be copied from it (``"copy"``: its id there), not aligned."""
    metas = [store.docs[d] for d in docs]
    if len(docs) < 2:
        return "single", NOTES["single"], []
    empty = [m["doc_id"] for d, m in zip(docs, metas, strict=False) if store.doc_tok[d + 1] == store.doc_tok[d]]
    langs = [m.get("language") or "und" for m in metas]
    notes = []
    if empty:
        notes.append(NOTES["empty"].format(docs=", ".join(empty)))
    same = sorted({lang for lang in langs if langs.count(lang) > 1})
    if same:
        notes.append(NOTES["same-language"].format(langs=", ".join(same)))
    versions: dict[int, Version] = {}
    pairs = []
    aligned_any = False
    for x in range(len(docs)):
        for y in range(x + 1, len(docs)):
            da, db = docs[x], docs[y]
            ma, mb = metas[x], metas[y]
            base = {"doc_a": ma["doc_id"], "doc_b": mb["doc_id"], "lang_a": langs[x],
                    "lang_b": langs[y], "rows": []}
            if ma["doc_id"] in empty or mb["doc_id"] in empty:
                pairs.append({**base, "status": "empty", "note": NOTES["empty"].format(
                    docs=", ".join(d for d in (ma["doc_id"], mb["doc_id"]) if d in empty))})
                continue
            if langs[x] == langs[y]:
                pairs.append({**base, "status": "same-language",
                              "note": NOTES["same-language"].format(langs=langs[x])})
                continue
            old = reuse.pair(work, ma, mb, langs[x], langs[y]) if reuse is not None else None
            if old is not None:
                old_id, status, note = old
                pairs.append({**base, "status": status, "note": note, "copy": old_id})
                if status in ("structure", "no-overlap"):
                    notes.append(note)
                aligned_any = aligned_any or status == "aligned"
                continue
            for d in (da, db):
                if d not in versions:
                    versions[d] = load_version(store, d, registry)
            n, m = len(versions[da].paragraphs), len(versions[db].paragraphs)
            if max(n, m) > MAX_PARAGRAPH_RATIO * max(1, min(n, m)):
                note = NOTES["structure"].format(a=ma["doc_id"], b=mb["doc_id"], n=n, m=m)
                pairs.append({**base, "status": "structure", "note": note})
                notes.append(note)
                continue
            if not _may_overlap(store, versions[da], versions[db]):
                note = NOTES["no-overlap"].format(a=ma["doc_id"], b=mb["doc_id"])
                pairs.append({**base, "status": "no-overlap", "note": note})
                notes.append(note)
                continue
            plan = _plan_pair(store, versions[da], versions[db], registry)
            aligned = sum(1 for x in plan.beads if x.a1 > x.a0 and x.b1 > x.b0)
            shorter = min(len(versions[da].paragraphs), len(versions[db].paragraphs))
            if aligned < max(1, MIN_OVERLAP * shorter):
                note = NOTES["no-overlap"].format(a=ma["doc_id"], b=mb["doc_id"])
                pairs.append({**base, "status": "no-overlap", "note": note})
                notes.append(note)
                continue
            aligned_any = True
            pairs.append({**base, "status": "aligned", "note": None, "plan": plan})
    status = "aligned" if aligned_any else "not-aligned"
    return status, "; ".join(notes) or None, pairs


class _PairReuse:
    """The pairs of the previous generation (attached as ``old``) whose two versions did not
    change (same doc ids, hashes and languages, same settings): a family that changed keeps
    them, as they are, and aligns only its new pairs. An alignment of two versions depends on
    those two alone."""

    def __init__(self, con: sqlite3.Connection, previous: Path, setting: Mapping[str, Any]):
        self.docs: dict[str, tuple[str, str]] = {}
        self.pairs: dict[tuple[str, str, str], tuple[int, str, str, str, str | None]] = {}
        try:
            row = con.execute("SELECT value FROM old.meta WHERE key = 'settings'").fetchone()
            if row is None or row[0] != json.dumps(setting):
                return
            rows = con.execute("SELECT work, doc_a, doc_b, id, lang_a, lang_b, status, note "
                               "FROM old.pairs").fetchall()
        except sqlite3.Error:
            return
        from .store import Store

        try:
            old_store = Store(previous / "store")
        except (OSError, ValueError, KeyError):
            return
        try:
            self.docs = {m["doc_id"]: (m.get("hash", ""), m.get("language", "")) for m in old_store.docs}
        finally:
            old_store.close()
        self.pairs = {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}  # type: ignore[misc]

    def pair(self, work: str, ma: Mapping[str, Any], mb: Mapping[str, Any], lang_a: str,
             lang_b: str) -> tuple[int, str, str | None] | None:
        """(id, status, note) of the previous pair of these two versions if neither changed."""
        old = self.pairs.get((work, ma["doc_id"], mb["doc_id"]))
        if old is None or (old[1], old[2]) != (lang_a, lang_b):
            return None
        for m in (ma, mb):
            if self.docs.get(m["doc_id"]) != (m.get("hash", ""), m.get("language", "")):
                return None
        return old[0], old[3], old[4]


def _may_overlap(store, a: Version, b: Version) -> bool:
    """False when both versions write three numbers or more and share none: translations
    keep their numbers (years, counts, dates), so such versions are not translations."""
    na = {value for _, _, value in number_marks(store, a)}
    nb = {value for _, _, value in number_marks(store, b)}
    return len(na) < 3 or len(nb) < 3 or bool(na & nb)


def _insert_pair(con: sqlite3.Connection, work: str, pair: dict) -> None:
    """Insert a pair and its beads (``pair["rows"]``, as :func:`_pair_rows` gives them)."""
    rows: list[tuple] = pair["rows"]
    paras = sum(1 for r in rows if r[0] == 0)
    aligned = [0, 0]
    for r in rows:
        if r[1] is not None and r[3] is not None:
            aligned[r[0]] += 1
    cur = con.execute(
        "INSERT INTO pairs (work, doc_a, doc_b, lang_a, lang_b, status, note, paragraphs, sentences,"
        " aligned_paragraphs, aligned_sentences) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (work, pair["doc_a"], pair["doc_b"], pair["lang_a"], pair["lang_b"], pair["status"],
         pair["note"], paras, len(rows) - paras, aligned[0], aligned[1]))
    pid = cur.lastrowid
    con.executemany("INSERT INTO beads VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(pid, *r, n) for n, r in enumerate(rows)])


# --- reading --------------------------------------------------------------------------------

class Alignments:
    """The alignments of one generation (read-only; one connection per thread)."""

    def __init__(self, gen_path: Path):
        self.path = Path(gen_path) / ALIGN_FILE
        self._local = threading.local()
        self._exists: bool | None = None
        self._pairs: dict[tuple[str, str], tuple[int, bool, str, str | None]] | None = None
        self._families: list[dict[str, Any]] | None = None

    @property
    def exists(self) -> bool:
        # A generation's files never change: looked at once.
        if self._exists is None:
            self._exists = self.path.exists()
        return self._exists

    @property
    def con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.con = con
        return con

    def families(self) -> list[dict[str, Any]]:
        """Every family (work id) with its versions, status, note and pairs."""
        if self._families is None:
            self._families = self._read_families()
        return self._families

    def _read_families(self) -> list[dict[str, Any]]:
        if not self.exists:
            return []
        pairs: dict[str, list[dict[str, Any]]] = {}
        for r in self.con.execute("SELECT work, doc_a, doc_b, lang_a, lang_b, status, note, "
                                  "paragraphs, sentences, aligned_paragraphs, aligned_sentences "
                                  "FROM pairs ORDER BY id"):
            pairs.setdefault(r[0], []).append(dict(zip(
                ("doc_a", "doc_b", "lang_a", "lang_b", "status", "note", "paragraph_beads",
                 "sentence_beads", "aligned_paragraphs", "aligned_sentences"), r[1:], strict=False)))
        return [{"work": w, "status": s, "note": n, "versions": json.loads(m),
                 "pairs": pairs.get(w, [])}
                for w, s, n, m in self.con.execute(
                    "SELECT work, status, note, members FROM families ORDER BY work")]

    def pair(self, doc: str, other: str) -> tuple[int, bool, str, str | None] | None:
        """(pair id, whether ``doc`` is side A, status, note) of two versions, or None."""
        if not self.exists:
            return None
        if self._pairs is None:
            pairs = {}
            for pid, a, b, status, note in self.con.execute(
                    "SELECT id, doc_a, doc_b, status, note FROM pairs"):
                pairs[(a, b)] = (pid, True, status, note)
                pairs[(b, a)] = (pid, False, status, note)
            self._pairs = pairs
        return self._pairs.get((doc, other))

    def beads(self, pair: int, side_a: bool, level: int | None = None) -> list[dict[str, Any]]:
        """Every bead of a pair, seen from one side (``start``/``end`` are that side's)."""
        me, other = ("a", "b") if side_a else ("b", "a")
        where = "" if level is None else " AND level = ?"
        args: tuple = (pair,) if level is None else (pair, level)
        rows = self.con.execute(
            f"SELECT level, {me}_start, {me}_end, {other}_start, {other}_end, {me}_tok0, {me}_tok1,"
            f" {other}_tok0, {other}_tok1, score, para, n FROM beads WHERE pair = ?{where} ORDER BY n",
            args)
        keys = ("level", "start", "end", "other_start", "other_end", "tok0", "tok1", "other_tok0",
                "other_tok1", "score", "para", "n")
        return [dict(zip(keys, r, strict=False)) for r in rows]

    def bead_at(self, pair: int, side_a: bool, char: int, level: int) -> dict[str, Any] | None:
        """The bead of ``level`` whose own side holds character ``char``."""
        me, other = ("a", "b") if side_a else ("b", "a")
        r = self.con.execute(
            f"SELECT {me}_start, {me}_end, {other}_start, {other}_end, {other}_tok0, {other}_tok1, score"
            f" FROM beads WHERE pair = ? AND level = ? AND {me}_start <= ? AND {me}_start IS NOT NULL"
            f" ORDER BY {me}_start DESC LIMIT 1", (pair, level, char)).fetchone()
        if r is None or r[1] <= char:
            return None
        return dict(zip(("start", "end", "other_start", "other_end", "other_tok0", "other_tok1",
                         "score"), r, strict=False))

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None


def iter_pairs(alignments: Alignments, doc_ids: Iterable[str]) -> Iterable[tuple[str, str]]:
    """Every (doc, other) pair of versions among ``doc_ids`` that the file holds."""
    ids = list(doc_ids)
    for a in ids:
        for b in ids:
            if a != b and alignments.pair(a, b):
                yield a, b


# --- questions over stored alignments (plain data for concord.reports) ----------------------

def family_of(ix, doc_id: str) -> list[dict[str, Any]]:
    """The versions of ``doc_id``'s work (itself included), as store records."""
    store = ix.store
    d = store.doc_index.get(doc_id)
    work = store.docs[d].get("work") if d is not None else None
    if not work:
        return [store.docs[d]] if d is not None else []
    return [m for m in store.docs if m.get("work") == work]


def passage(ix, doc_id: str, char: int, other: str) -> dict[str, Any]:
    """The passage of ``other`` aligned with the character ``char`` of ``doc_id``.

    The sentence bead holding ``char`` where it is aligned, else its paragraph bead; otherwise
    a record with ``text`` None and a ``note`` saying why.
    """
    store = ix.store
    meta = store.docs[store.doc_index[other]]
    row: dict[str, Any] = {"doc_id": other, "lang": meta.get("language"), "text": None,
                           "start": None, "end": None, "score": None, "level": None,
                           "tok0": None, "tok1": None, "note": None}
    al = ix.alignments
    found = al.pair(doc_id, other) if al.exists else None
    if found is None:
        row["note"] = "not aligned: the index has no alignment of these versions" if al.exists \
            else "not aligned: this index was built without alignments (run concord index again)"
        return row
    pair, side_a, status, note = found
    if status != "aligned":
        row["note"] = note or status
        return row
    for level in (1, 0):
        bead = al.bead_at(pair, side_a, char, level)
        if bead is not None and bead["other_start"] is not None:
            row.update(start=bead["other_start"], end=bead["other_end"], score=bead["score"],
                       level="sentence" if level == 1 else "paragraph",
                       tok0=bead["other_tok0"], tok1=bead["other_tok1"],
                       text=store.text(store.doc_index[other], bead["other_start"], bead["other_end"]))
            return row
    row["note"] = f"unaligned: this passage has no counterpart in {other}"
    return row


@dataclass
class PairUnits:
    """The aligned sentence pairs of two versions as sets of folded ids (one side each)."""

    src_doc: str
    tgt_doc: str
    src_ids: np.ndarray        # folded ids, unique within each unit, concatenated
    src_unit: np.ndarray       # unit number of each
    tgt_ids: np.ndarray
    tgt_unit: np.ndarray
    spans: list[tuple[int, int, int, int]]   # (src start, src end, tgt start, tgt end) per unit

    @property
    def n(self) -> int:
        return len(self.spans)

    @cached_property
    def frequencies(self) -> tuple[np.ndarray, np.ndarray]:
        """Each target word and the number of pairs whose target side holds it."""
        return np.unique(self.tgt_ids, return_counts=True)


_UNITS: dict[tuple, PairUnits] = {}
_UNITS_LOCK = threading.Lock()


def pair_units(ix, src: str, tgt: str) -> PairUnits | None:
    """The aligned sentence pairs of ``src`` and ``tgt`` (None: not aligned), cached per generation."""
    key = (str(ix.gen_path), src, tgt)
    with _UNITS_LOCK:
        if key in _UNITS:
            return _UNITS[key]
    al = ix.alignments
    found = al.pair(src, tgt) if al.exists else None
    if found is None or found[2] != "aligned":
        return None
    pair, side_a, _status, _note = found
    store = ix.store
    me, other = ("a", "b") if side_a else ("b", "a")
    rows = np.asarray(al.con.execute(
        f"SELECT {me}_start, {me}_end, {other}_start, {other}_end, {me}_tok0, {me}_tok1, "
        f"{other}_tok0, {other}_tok1 FROM beads WHERE pair = ? AND level = 1 AND a_start IS NOT "
        "NULL AND b_start IS NOT NULL ORDER BY n", (pair,)).fetchall(), dtype=np.int64).reshape(-1, 8)
    spans = [tuple(r) for r in rows[:, :4].tolist()]

    def side(doc: str, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # One read of the document's tokens; each token's unit by binary search (the units
        # of one side do not overlap), then one unique over (unit, id).
        d = store.doc_index[doc]
        toks = np.asarray(store.tok[int(store.doc_tok[d]):int(store.doc_tok[d + 1])], dtype=np.int64)
        order = np.argsort(t0, kind="stable")
        pos = np.arange(toks.size)
        k = np.searchsorted(t0[order], pos, side="right") - 1
        inside = k >= 0
        inside[inside] &= pos[inside] < t1[order][k[inside]]
        unit = order[k[inside]]
        key = np.unique(unit * (store.n_vocab + 1) + toks[inside])
        return key % (store.n_vocab + 1), key // (store.n_vocab + 1)

    src_ids, src_unit = side(src, rows[:, 4], rows[:, 5])
    tgt_ids, tgt_unit = side(tgt, rows[:, 6], rows[:, 7])
    units = PairUnits(src, tgt, src_ids, src_unit, tgt_ids, tgt_unit, spans)
    with _UNITS_LOCK:
        if len(_UNITS) > 256:
            _UNITS.clear()
        _UNITS[key] = units
    return units


@dataclass
class Association:
    """Counts of a word and its candidate equivalents over aligned sentence pairs."""

    pairs: int                      # N: aligned sentence pairs considered
    word_pairs: int                 # pairs whose source side holds the word
    candidates: np.ndarray          # folded ids of target words that co-occur with the word
    joint: np.ndarray               # pairs holding the word and the candidate
    cand_pairs: np.ndarray          # pairs whose target side holds the candidate
    marked: list[np.ndarray]        # per unit set: the pairs whose source side holds the word
    units: Sequence[PairUnits] = ()

    def references(self, candidate: int) -> list[tuple[str, str, tuple[int, int, int, int]]]:
        """The sentence pairs behind a candidate's count: (source doc, target doc, spans)."""
        out = []
        for u, has in zip(self.units, self.marked, strict=True):
            sel = np.isin(u.tgt_unit, has) & (u.tgt_ids == candidate)
            out.extend((u.src_doc, u.tgt_doc, u.spans[int(k)]) for k in u.tgt_unit[sel].tolist())
        return out


def associate(units: Sequence[PairUnits], word_ids: np.ndarray | None = None,
              marked: Sequence[np.ndarray] | None = None) -> Association:
    """Count, over every aligned sentence pair of ``units``, the word (any of ``word_ids`` on
    the source side; or, with ``marked``, the pairs it lists for each unit set) against every
    target word that shares a pair with it."""
    total = 0
    word_pairs = 0
    has_all = []
    joint_parts = []
    for x, u in enumerate(units):
        total += u.n
        has = np.unique(marked[x]) if marked is not None else \
            np.unique(u.src_unit[np.isin(u.src_ids, word_ids)])
        has_all.append(has)
        word_pairs += has.size
        joint_parts.append(u.tgt_ids[np.isin(u.tgt_unit, has)])
    joined = np.concatenate(joint_parts) if joint_parts else np.zeros(0, dtype=np.int64)
    cand, joint = np.unique(joined, return_counts=True)
    cand_pairs = np.zeros(cand.size, dtype=np.int64)
    for u in units:
        ids, counts = u.frequencies
        pos = np.searchsorted(ids, cand)
        pos = np.minimum(pos, max(ids.size - 1, 0))
        hit = ids[pos] == cand if ids.size else np.zeros(cand.size, dtype=bool)
        cand_pairs[hit] += counts[pos[hit]]
    return Association(pairs=total, word_pairs=word_pairs, candidates=cand.astype(np.int64),
                       joint=joint.astype(np.int64), cand_pairs=cand_pairs, marked=has_all,
                       units=units)


def concept_units(ix, units: PairUnits, concept: str, lang: str,
                  registry: Mapping[str, Any] | None) -> np.ndarray:
    """The sentence pairs of ``units`` whose source side holds a form of ``concept``."""
    store = ix.store
    d = store.doc_index[units.src_doc]
    g0, g1 = int(store.doc_tok[d]), int(store.doc_tok[d + 1])
    spans = concept_spans(store, np.asarray(store.tok[g0:g1]), lang, registry, only=concept)
    if not spans or not units.n:
        return np.zeros(0, dtype=np.int64)
    chars = np.asarray(store.start[g0:g1])[[pos for pos, _n, _c in spans]]
    starts = np.asarray([sp[0] for sp in units.spans])
    ends = np.asarray([sp[1] for sp in units.spans])
    unit = np.searchsorted(starts, chars, side="right") - 1
    ok = (unit >= 0) & (chars < ends[np.maximum(unit, 0)])
    return np.unique(unit[ok])


def _unit_of(t0: np.ndarray, t1: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The unit (row of ``t0``/``t1``) holding each position, and which positions have one."""
    order = np.argsort(t0, kind="stable")
    k = np.searchsorted(t0[order], positions, side="right") - 1
    inside = k >= 0
    inside[inside] &= positions[inside] < t1[order][k[inside]]
    return order[k[inside]], inside


def rank_equivalents(ix, src: str, tgt: str, word_ids: np.ndarray,
                     candidates: np.ndarray) -> np.ndarray:
    """``candidates`` (folded ids of ``tgt``) that share an aligned sentence pair with the
    word, best first by Dice over the pair's aligned sentences (ties by id).

    The same Dice as :func:`associate`, counted for the given candidates only: what a page of
    parallel rows needs to mark the likely equivalent in each passage.
    """
    al = ix.alignments
    found = al.pair(src, tgt) if al.exists else None
    if found is None or found[2] != "aligned" or not candidates.size:
        return np.zeros(0, dtype=np.int64)
    pair, side_a, _s, _n = found
    me, other = ("a", "b") if side_a else ("b", "a")
    rows = np.asarray(al.con.execute(
        f"SELECT {me}_tok0, {me}_tok1, {other}_tok0, {other}_tok1 FROM beads WHERE pair = ? AND "
        "level = 1 AND a_start IS NOT NULL AND b_start IS NOT NULL", (pair,)).fetchall(),
        dtype=np.int64).reshape(-1, 4)
    store = ix.store

    def tokens(doc: str) -> np.ndarray:
        d = store.doc_index[doc]
        return np.asarray(store.tok[int(store.doc_tok[d]):int(store.doc_tok[d + 1])], dtype=np.int64)

    toks = tokens(src)
    pos = np.nonzero(np.isin(toks, word_ids))[0]
    has = np.unique(_unit_of(rows[:, 0], rows[:, 1], pos)[0])
    toks = tokens(tgt)
    pos = np.nonzero(np.isin(toks, candidates))[0]
    unit, inside = _unit_of(rows[:, 2], rows[:, 3], pos)
    width = store.n_vocab + 1
    key = np.unique(unit * width + toks[pos[inside]])
    cand, unit = key % width, key // width
    ids, cand_pairs = np.unique(cand, return_counts=True)
    joint = np.bincount(np.searchsorted(ids, cand[np.isin(unit, has)]), minlength=ids.size)
    keep = joint > 0
    ids, joint, cand_pairs = ids[keep], joint[keep], cand_pairs[keep]
    dice = 2 * joint / (has.size + cand_pairs)
    return ids[np.lexsort((ids, -dice))]
