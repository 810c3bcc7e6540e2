"""Association and keyness measures over 2×2 contingency tables, as pure numpy functions.

This module owns the arithmetic of collocation and keyword statistics and nothing else: it
counts nothing, reads no index and does no I/O. Every function takes plain numbers or numpy
arrays (a collocation table of 100,000 candidates is scored in one call) and returns a float
for scalar input, an array for array input.

**Contingency table.** A collocate is counted against a node (the search hit) like this::

                      collocate      not collocate
    node window    |  o11          |  o12          |  = f_n   (window slots around node hits)
    elsewhere      |  o21          |  o22          |
                   = f_c (collocate corpus frequency)  N = o11 + o12 + o21 + o22 (corpus size)

* ``o11 = f_nc``: tokens of the collocate inside the window of a node hit;
* ``o12 = f_n - f_nc``: window slots holding any other token;
* ``o21 = f_c - f_nc``: tokens of the collocate outside every node window;
* ``o22 = N - f_n - f_c + f_nc``: every other token of the corpus.

``f_n`` is the number of window slots (each token position counted once, even where windows
of neighbouring hits overlap), so the four cells partition the corpus; :func:`contingency`
turns the frequency form into the four cells and refuses counts that do not fit together.
Expected counts under independence are ``e_ij = row_i × column_j / N``.

**Zeros** never raise and never warn: ``0 · log 0`` is 0, so G² is finite on every table;
with ``o11 = 0`` MI and logDice are ``-inf`` (the limit of a log of zero) and the t-score is
``-inf`` (``0`` when ``e11`` is 0 too: no collocate or no window); Dice is 0 whenever ``o11``
is 0; the empty table scores 0 on G² and Dice.

**Keyness** compares a word's frequency ``a`` in a target corpus of ``c`` tokens with its
frequency ``b`` in a reference corpus of ``d`` tokens: :func:`keyness_log_likelihood` is
Rayson and Garside's two-term G² (the formula of the UCREL log-likelihood wizard) and
:func:`log_ratio` is Hardie's effect size, ``log2((a/c) / (b/d))``, where a zero frequency is
replaced by 0.5 so a word absent from one corpus still gets a finite size.

The vectorised formulas are checked against nltk's ``BigramAssocMeasures`` in the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np

Counts: TypeAlias = "float | int | np.ndarray"
"""A count or an array of counts, one per table."""

#: logDice's constant: 14 is the theoretical maximum (Rychlý 2008).
LOG_DICE_MAX = 14.0

#: Hardie's replacement for a zero frequency in :func:`log_ratio`.
ZERO_FREQUENCY = 0.5


def contingency(f_nc: Counts, f_n: Counts, f_c: Counts, n: Counts) -> tuple[Counts, ...]:
    """Return ``(o11, o12, o21, o22)`` from co-occurrence, node-window, collocate and corpus counts.

    Raises ``ValueError`` if any cell would be negative: the counts cannot come from one corpus
    (typically window slots counted twice where windows overlap).
    """
    f_nc, f_n, f_c, n = (np.asarray(v) for v in (f_nc, f_n, f_c, n))
    cells = np.broadcast_arrays(f_nc, f_n - f_nc, f_c - f_nc, n - f_n - f_c + f_nc)
    for name, cell in zip(("o11", "o12", "o21", "o22"), cells, strict=True):
        if np.any(cell < 0):
            raise ValueError(f"inconsistent counts: {name} would be negative")
    if cells[0].ndim == 0:
        return tuple(cell.item() for cell in cells)
    return tuple(cells)


def expected(o11: Counts, o12: Counts, o21: Counts, o22: Counts) -> tuple[Counts, ...]:
    """Return the expected counts ``(e11, e12, e21, e22)`` under independence."""
    return _like_input(_expected(*_floats(o11, o12, o21, o22)), o11, o12, o21, o22)


def log_likelihood(o11: Counts, o12: Counts, o21: Counts, o22: Counts) -> Counts:
    """Return Dunning's log-likelihood G² = 2 Σ o_ij ln(o_ij / e_ij), always ≥ 0."""
    return _like_input(_g2(*_floats(o11, o12, o21, o22)), o11, o12, o21, o22)


def signed_log_likelihood(o11: Counts, o12: Counts, o21: Counts, o22: Counts) -> Counts:
    """Return G², negated where the pair co-occurs less often than expected (o11 < e11)."""
    cells = _floats(o11, o12, o21, o22)
    g2 = _g2(*cells)
    e11 = _expected(*cells)[0]
    return _like_input(np.where(cells[0] < e11, -g2, g2), o11, o12, o21, o22)


def mutual_information(o11: Counts, o12: Counts, o21: Counts, o22: Counts) -> Counts:
    """Return pointwise mutual information log2(o11 / e11); ``-inf`` when o11 is 0."""
    cells = _floats(o11, o12, o21, o22)
    e11 = _expected(*cells)[0]
    with np.errstate(all="ignore"):
        mi = np.where(cells[0] > 0, np.log2(cells[0] / e11), -np.inf)
    return _like_input(mi, o11, o12, o21, o22)


def t_score(o11: Counts, o12: Counts, o21: Counts, o22: Counts) -> Counts:
    """Return the t-score (o11 - e11) / √o11."""
    cells = _floats(o11, o12, o21, o22)
    o, e11 = cells[0], _expected(*cells)[0]
    with np.errstate(all="ignore"):
        t = np.where(o > 0, (o - e11) / np.sqrt(o), np.where(e11 > 0, -np.inf, 0.0))
    return _like_input(t, o11, o12, o21, o22)


def dice(o11: Counts, o12: Counts, o21: Counts, o22: Counts) -> Counts:
    """Return Dice's coefficient 2·o11 / (f_n + f_c)."""
    cells = _floats(o11, o12, o21, o22)
    return _like_input(_dice(*cells), o11, o12, o21, o22)


def log_dice(o11: Counts, o12: Counts, o21: Counts, o22: Counts) -> Counts:
    """Return Rychlý's logDice 14 + log2(Dice); ``-inf`` when o11 is 0."""
    d = _dice(*_floats(o11, o12, o21, o22))
    with np.errstate(all="ignore"):
        score = np.where(d > 0, LOG_DICE_MAX + np.log2(d), -np.inf)
    return _like_input(score, o11, o12, o21, o22)


def keyness_log_likelihood(a: Counts, b: Counts, c: Counts, d: Counts, *,
                           signed: bool = False) -> Counts:
    """Return Rayson's keyness G² for frequency ``a`` in ``c`` tokens against ``b`` in ``d``.

    G² = 2 (a ln(a/E1) + b ln(b/E2)), with E1 = c(a+b)/(c+d) and E2 = d(a+b)/(c+d). With
    ``signed=True`` the score is negative where the word is relatively rarer in the target.
    """
    fa, fb, fc, fd = _floats(a, b, c, d)
    total = fa + fb
    e1 = _ratio(fc * total, fc + fd)
    e2 = _ratio(fd * total, fc + fd)
    g2 = np.maximum(2.0 * (_x_log_x_over(fa, e1) + _x_log_x_over(fb, e2)), 0.0)
    if signed:
        g2 = np.where(fa * fd < fb * fc, -g2, g2)
    return _like_input(g2, a, b, c, d)


def log_ratio(a: Counts, b: Counts, c: Counts, d: Counts) -> Counts:
    """Return Hardie's Log Ratio log2((a/c) / (b/d)), a zero frequency counted as 0.5.

    A word absent from both corpora scores 0; an empty corpus (``c`` or ``d`` of 0) gives NaN.
    """
    fa, fb, fc, fd = _floats(a, b, c, d)
    both_zero = (fa == 0) & (fb == 0)
    fa = np.where(fa > 0, fa, ZERO_FREQUENCY)
    fb = np.where(fb > 0, fb, ZERO_FREQUENCY)
    with np.errstate(all="ignore"):
        ratio = np.log2((fa * fd) / (fb * fc))
    ratio = np.where((fc > 0) & (fd > 0), np.where(both_zero, 0.0, ratio), np.nan)
    return _like_input(ratio, a, b, c, d)


#: Collocation measures by the name the CLI and web accept. ``ll`` is the *signed* G², so a
#: collocate seen less often than chance ranks last rather than among the strongest.
MEASURES: dict[str, Callable[..., Counts]] = {
    "ll": signed_log_likelihood,
    "mi": mutual_information,
    "t": t_score,
    "dice": dice,
    "logdice": log_dice,
}

#: Labels of :data:`MEASURES`, the one list read by the CLI's help, the web form and table
#: headers (the web translates them: each is a message id of its catalogues).
MEASURE_LABELS: dict[str, str] = {
    "ll": "log-likelihood",
    "mi": "mutual information",
    "t": "t-score",
    "dice": "Dice",
    "logdice": "logDice",
}


def _floats(*values: Counts) -> tuple[np.ndarray, ...]:
    # float64 before any product: int64 marginals multiply past 2**63 on large corpora.
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def _like_input(result, *inputs: Counts):
    """Return plain floats when every input was a scalar, arrays otherwise."""
    if all(np.ndim(v) == 0 for v in inputs):
        if isinstance(result, tuple):
            return tuple(float(r) for r in result)
        return float(result)
    return result


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Return num / den, 0 where den is 0."""
    num, den = np.broadcast_arrays(num, den)
    return np.divide(num, den, out=np.zeros(num.shape), where=den != 0)


def _expected(o11, o12, o21, o22) -> tuple[np.ndarray, ...]:
    r1, r2 = o11 + o12, o21 + o22
    c1, c2 = o11 + o21, o12 + o22
    n = r1 + r2
    return _ratio(r1 * c1, n), _ratio(r1 * c2, n), _ratio(r2 * c1, n), _ratio(r2 * c2, n)


def _x_log_x_over(o: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Return o · ln(o / e), taking 0 · ln 0 as 0."""
    with np.errstate(all="ignore"):
        return np.where(o > 0, o * np.log(o / e), 0.0)


def _g2(o11, o12, o21, o22) -> np.ndarray:
    e11, e12, e21, e22 = _expected(o11, o12, o21, o22)
    total = (_x_log_x_over(o11, e11) + _x_log_x_over(o12, e12)
             + _x_log_x_over(o21, e21) + _x_log_x_over(o22, e22))
    # Rounding can leave -1e-13 on independent tables; G² is never negative.
    return np.maximum(2.0 * total, 0.0)


def _dice(o11, o12, o21, o22) -> np.ndarray:
    return _ratio(2.0 * o11, (o11 + o12) + (o11 + o21))
