"""Association and keyness measures: hand-worked tables, nltk agreement, zeros, vectors."""

import math

import numpy as np
import pytest
from nltk.metrics.association import BigramAssocMeasures

from concord import measures
from concord.measures import (
    MEASURES,
    contingency,
    dice,
    expected,
    keyness_log_likelihood,
    log_dice,
    log_likelihood,
    log_ratio,
    mutual_information,
    signed_log_likelihood,
    t_score,
)

# The worked table. A node with 100 window slots, a collocate seen 50 times, 10 of them in
# the node's windows, in a corpus of 1,000 tokens:
#   o11 = 10, o12 = 100 - 10 = 90, o21 = 50 - 10 = 40, o22 = 1000 - 100 - 50 + 10 = 860
# Row totals 100 / 900, column totals 50 / 950, N = 1000, so the expected counts are
#   e11 = 100·50/1000 = 5, e12 = 100·950/1000 = 95, e21 = 900·50/1000 = 45,
#   e22 = 900·950/1000 = 855
TABLE = (10, 90, 40, 860)


def test_contingency_from_frequencies():
    assert contingency(10, 100, 50, 1000) == TABLE
    assert expected(*TABLE) == (5.0, 95.0, 45.0, 855.0)


def test_contingency_vectorised_and_checked():
    cells = contingency(np.array([10, 3]), np.array([100, 100]), np.array([50, 7]), 1000)
    assert [list(c) for c in cells] == [[10, 3], [90, 97], [40, 4], [860, 896]]
    with pytest.raises(ValueError, match="o22"):
        contingency(10, 900, 500, 1000)


def test_log_likelihood_by_hand():
    # o·ln(o/e) per cell:
    #   10·ln(10/5)    = 10 ·  0.693147 =  6.931472
    #   90·ln(90/95)   = 90 · -0.054067 = -4.866050
    #   40·ln(40/45)   = 40 · -0.117783 = -4.711321
    #   860·ln(860/855) = 860 · 0.005831 =  5.014591
    # sum = 2.368692, G² = 2 · 2.368692 = 4.737384
    assert log_likelihood(*TABLE) == pytest.approx(4.737384, abs=1e-6)
    # o11 = 10 > e11 = 5: attraction, so the signed score keeps its sign.
    assert signed_log_likelihood(*TABLE) == pytest.approx(4.737384, abs=1e-6)


def test_signed_log_likelihood_by_hand_with_a_zero_cell():
    # o = (0, 10, 10, 80), N = 100, rows 10 / 90, columns 10 / 90:
    #   e11 = 1, e12 = 9, e21 = 9, e22 = 81
    #   0·ln(0/1) = 0 (by convention), 10·ln(10/9) = 1.053605 (twice),
    #   80·ln(80/81) = 80 · -0.012423 = -0.993802
    # G² = 2 · (0 + 1.053605 + 1.053605 - 0.993802) = 2 · 1.113409 = 2.226817
    assert log_likelihood(0, 10, 10, 80) == pytest.approx(2.226817, abs=1e-6)
    # o11 = 0 < e11 = 1: repulsion, so the signed score is negative.
    assert signed_log_likelihood(0, 10, 10, 80) == pytest.approx(-2.226817, abs=1e-6)


def test_mutual_information_by_hand():
    # log2(o11 / e11) = log2(10 / 5) = 1
    assert mutual_information(*TABLE) == pytest.approx(1.0)


def test_t_score_by_hand():
    # (o11 - e11) / √o11 = (10 - 5) / √10 = 5 / 3.162278 = 1.581139
    assert t_score(*TABLE) == pytest.approx(1.581139, abs=1e-6)


def test_dice_and_log_dice_by_hand():
    # Dice = 2·o11 / (f_n + f_c) = 20 / (100 + 50) = 0.133333
    # logDice = 14 + log2(0.133333) = 14 - 2.906891 = 11.093109
    assert dice(*TABLE) == pytest.approx(0.133333, abs=1e-6)
    assert log_dice(*TABLE) == pytest.approx(11.093109, abs=1e-6)


def test_keyness_log_likelihood_by_hand():
    # a = 10 in c = 1000 target tokens, b = 5 in d = 1000 reference tokens:
    #   E1 = 1000·15/2000 = 7.5, E2 = 1000·15/2000 = 7.5
    #   G² = 2·(10·ln(10/7.5) + 5·ln(5/7.5)) = 2·(10·0.287682 + 5·-0.405465)
    #      = 2·(2.876821 - 2.027326) = 2·0.849495 = 1.698990
    assert keyness_log_likelihood(10, 5, 1000, 1000) == pytest.approx(1.698990, abs=1e-6)
    assert keyness_log_likelihood(10, 5, 1000, 1000, signed=True) > 0
    # a = 0, b = 20, c = 1000, d = 3000: E1 = 1000·20/4000 = 5, E2 = 3000·20/4000 = 15
    #   G² = 2·(0 + 20·ln(20/15)) = 2·20·0.287682 = 11.507283, underused in the target
    assert keyness_log_likelihood(0, 20, 1000, 3000) == pytest.approx(11.507283, abs=1e-6)
    assert keyness_log_likelihood(0, 20, 1000, 3000, signed=True) == pytest.approx(-11.507283,
                                                                                 abs=1e-6)


def test_log_ratio_by_hand():
    # log2((10/1000) / (5/1000)) = log2(2) = 1
    assert log_ratio(10, 5, 1000, 1000) == pytest.approx(1.0)
    # b = 0 counts as 0.5: log2((10/1000) / (0.5/2000)) = log2(0.01 / 0.00025) = log2(40) = 5.321928
    assert log_ratio(10, 0, 1000, 2000) == pytest.approx(5.321928, abs=1e-6)
    # a = 0 counts as 0.5: log2((0.5/1000) / (20/3000)) = log2(0.075) = -3.736966
    assert log_ratio(0, 20, 1000, 3000) == pytest.approx(-3.736966, abs=1e-6)
    assert log_ratio(0, 0, 1000, 3000) == 0.0
    assert math.isnan(log_ratio(0, 3, 0, 3000))


# (o11, o12, o21, o22): small, large, asymmetric, rare, repelled, near-independent.
NLTK_TABLES = [
    TABLE,
    (1, 0, 0, 99),
    (3, 1, 2, 10_000),
    (120, 4_880, 2_300, 9_992_700),
    (1, 99, 999, 98_901),
    (7, 1_493, 46, 1_000_000),
    (2, 98, 48, 852),
    (50, 950, 950, 18_050),
]


def _nltk_marginals(o11, o12, o21, o22):
    # nltk's (n_ii, (n_ix, n_xi), n_xx): the pair, the node total, the collocate total, N.
    return o11, (o11 + o12, o11 + o21), o11 + o12 + o21 + o22


@pytest.mark.parametrize("table", NLTK_TABLES)
@pytest.mark.parametrize(("ours", "nltk_name"), [
    (log_likelihood, "likelihood_ratio"),
    (mutual_information, "pmi"),
    (t_score, "student_t"),
    (dice, "dice"),
])
def test_agrees_with_nltk(table, ours, nltk_name):
    theirs = getattr(BigramAssocMeasures, nltk_name)(*_nltk_marginals(*table))
    assert ours(*table) == pytest.approx(theirs, rel=1e-9, abs=1e-9)


def test_vectorised_agrees_with_nltk():
    columns = [np.array(c) for c in zip(*NLTK_TABLES, strict=True)]
    expected_ll = [BigramAssocMeasures.likelihood_ratio(*_nltk_marginals(*t)) for t in NLTK_TABLES]
    expected_pmi = [BigramAssocMeasures.pmi(*_nltk_marginals(*t)) for t in NLTK_TABLES]
    np.testing.assert_allclose(log_likelihood(*columns), expected_ll, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(mutual_information(*columns), expected_pmi, rtol=1e-9)


ZERO_TABLES = [(0, 0, 0, 0), (0, 5, 0, 10), (0, 5, 5, 10), (5, 0, 0, 0), (3, 0, 0, 7)]


@pytest.mark.parametrize("table", ZERO_TABLES)
def test_zeros_never_raise(table):
    for measure in MEASURES.values():
        score = measure(*table)
        assert isinstance(score, float)
        assert not math.isnan(score)
    assert math.isfinite(log_likelihood(*table))
    assert log_likelihood(*table) >= 0


def test_zero_conventions():
    assert log_likelihood(0, 0, 0, 0) == 0.0
    assert dice(0, 0, 0, 0) == 0.0
    assert mutual_information(0, 5, 5, 10) == -math.inf
    assert log_dice(0, 5, 5, 10) == -math.inf
    assert t_score(0, 5, 5, 10) == -math.inf
    assert t_score(0, 5, 0, 10) == 0.0
    # A pair that always co-occurs: all its mass in o11.
    assert log_dice(5, 0, 0, 0) == measures.LOG_DICE_MAX


def test_keyness_zeros_never_raise():
    for args in [(0, 0, 0, 0), (0, 0, 10, 10), (5, 0, 10, 0), (0, 5, 0, 10)]:
        assert math.isfinite(keyness_log_likelihood(*args))
        log_ratio(*args)


def test_independent_table_scores_zero():
    # o11 = e11 exactly: 10·20/100 = 2.
    assert log_likelihood(2, 8, 18, 72) == pytest.approx(0.0, abs=1e-12)
    assert mutual_information(2, 8, 18, 72) == pytest.approx(0.0, abs=1e-12)
    assert t_score(2, 8, 18, 72) == pytest.approx(0.0, abs=1e-12)


def _random_tables(size, seed=1917):
    rng = np.random.default_rng(seed)
    f_n = rng.integers(0, 2_000, size)
    f_c = rng.integers(0, 50_000, size)
    f_nc = np.minimum(rng.integers(0, 300, size), np.minimum(f_n, f_c))
    return contingency(f_nc, f_n, f_c, 1_000_000)


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_vector_matches_scalar(name):
    measure = MEASURES[name]
    tables = [np.concatenate([c, z]) for c, z in
              zip(_random_tables(300), np.array(ZERO_TABLES).T, strict=True)]
    vector = measure(*tables)
    assert isinstance(vector, np.ndarray)
    assert vector.shape == (305,)
    scalars = [measure(*(int(c[i]) for c in tables)) for i in range(305)]
    np.testing.assert_array_equal(vector, np.array(scalars))


def test_keyness_vector_matches_scalar():
    rng = np.random.default_rng(1871)
    a, b = rng.integers(0, 100, 200), rng.integers(0, 100, 200)
    c, d = 100_000, 250_000
    for fn in (keyness_log_likelihood, log_ratio):
        vector = fn(a, b, c, d)
        scalars = [fn(int(x), int(y), c, d) for x, y in zip(a, b, strict=True)]
        np.testing.assert_array_equal(vector, np.array(scalars))


def test_large_tables_are_fast_and_quiet():
    tables = _random_tables(100_000)
    for measure in MEASURES.values():
        scores = measure(*tables)
        assert scores.shape == (100_000,)
        assert not np.isnan(scores).any()


def test_registry_names():
    assert sorted(MEASURES) == ["dice", "ll", "logdice", "mi", "t"]
    assert sorted(measures.MEASURE_LABELS) == sorted(MEASURES)
    assert MEASURES["ll"] is signed_log_likelihood
