"""Correlations and q-values: the planted correlation is found, tiny or constant inputs give
nulls without a warning, and the Benjamini–Hochberg q-values match statsmodels and hand-worked
numbers."""

import math
import random

import pytest
from statsmodels.stats.multitest import multipletests

from app.insights.correlation import (
    benjamini_hochberg,
    correlate,
    fitted_line,
    predictor_table,
    strength,
)


def _company(n=60, seed=3):
    """CM2 levels that drive K01 (planted), and ten predictors that are noise."""
    rng = random.Random(seed)
    levels = {u: rng.choice([1, 2, 2, 3, 3, 4, 5]) for u in range(n)}
    k01 = {u: 92 + 1.2 * levels[u] + rng.gauss(0, 1.5) for u in range(n)}
    complaints = {u: max(0.0, 1.5 - 0.3 * levels[u] + rng.gauss(0, 0.3)) for u in range(n)}
    predictors = {("competency", "CM2"): levels}
    for k in range(10):
        predictors[("category", f"噪声/{k}")] = {u: rng.random() for u in range(n)}
    return predictors, {"K01": k01, "K02": complaints}


def test_the_planted_correlation_comes_first_and_is_reliable():
    predictors, outcomes = _company()
    table = predictor_table(predictors, outcomes, {"K01": True, "K02": False})
    assert len(table) == 22
    top = {(p.predictor, p.indicator): p for p in table[:2]}
    assert set(top) == {("CM2", "K01"), ("CM2", "K02")}
    for pair in top.values():
        # fewer complaints with a higher level: oriented, it goes with better service too
        assert pair.correlation.spearman > 0.5 and pair.correlation.pearson > 0.5
        assert pair.q < 0.05 and pair.correlation.n == 60
    spearmans = [abs(p.correlation.spearman) for p in table]
    assert spearmans == sorted(spearmans, reverse=True)
    # the noise is not read as reliable
    assert all(p.q >= 0.05 for p in table if p.kind == "category")


def test_orientation_flips_the_sign_not_the_p_value():
    x = [1, 2, 3, 4, 5, 6]
    y = [3.0, 2.5, 2.7, 1.9, 1.0, 0.4]
    up, down = correlate(x, y), correlate(x, y, sign=-1.0)
    assert up.spearman < 0 and down.spearman == -up.spearman
    assert down.spearman_p == up.spearman_p and down.pearson == -up.pearson


def test_ties_get_average_ranks():
    # x ranks 1, 2.5, 2.5, 4; y ranks 1, 2, 3, 4: Pearson of the ranks
    result = correlate([1, 2, 2, 3], [10, 20, 30, 40])
    rx, ry = [1, 2.5, 2.5, 4], [1, 2, 3, 4]
    mx, my = sum(rx) / 4, sum(ry) / 4
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    expected = cov / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    assert result.spearman == pytest.approx(expected)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([1, 2], [3.0, 4.0]),  # n < 3
        ([], []),
        ([3, 3, 3, 3], [1.0, 2.0, 3.0, 4.0]),  # constant predictor
        ([1, 2, 3, 4], [97.0, 97.0, 97.0, 97.0]),  # constant outcome
    ],
)
def test_tiny_or_constant_inputs_give_nulls_without_a_warning(x, y):
    # pytest turns every warning into an error (pyproject filterwarnings)
    result = correlate(x, y)
    assert result.n == len(x)
    assert result.spearman is None and result.spearman_p is None
    assert result.pearson is None and result.pearson_p is None


def test_null_pairs_get_no_q_and_do_not_count_in_the_correction():
    predictors = {
        ("competency", "CM2"): {1: 1, 2: 2, 3: 3, 4: 4, 5: 5},
        ("competency", "SV1"): {1: 3, 2: 3, 3: 3, 4: 3, 5: 3},  # constant
        ("competency", "SV2"): {1: 1, 2: 2},  # two people
    }
    outcomes = {"K01": {1: 95.0, 2: 96.5, 3: 96.0, 4: 98.0, 5: 99.0}}
    table = predictor_table(predictors, outcomes, {"K01": True})
    assert [p.predictor for p in table][0] == "CM2"
    assert table[0].q == table[0].correlation.spearman_p
    assert all(p.q is None and p.correlation.spearman is None for p in table[1:])
    assert {p.correlation.n for p in table[1:]} == {5, 2}


def test_benjamini_hochberg_by_hand():
    # m = 5, sorted p: .01 .02 .03 .04 .5 -> p·m/rank: .05 .05 .05 .05 .5; running minimum
    assert benjamini_hochberg([0.04, 0.5, 0.01, 0.03, 0.02]) == pytest.approx(
        [0.05, 0.5, 0.05, 0.05, 0.05]
    )
    # a later smaller scaled value pulls earlier ones down; q is capped at 1
    assert benjamini_hochberg([0.01, 0.04, 0.045, 0.9]) == pytest.approx(
        [0.04, 0.06, 0.06, 0.9]
    )
    assert benjamini_hochberg([0.9, None, 0.95]) == pytest.approx([0.95, None, 0.95])
    assert benjamini_hochberg([]) == [] and benjamini_hochberg([None]) == [None]


@pytest.mark.parametrize("seed", range(5))
def test_benjamini_hochberg_matches_statsmodels(seed):
    rng = random.Random(seed)
    p = [rng.random() ** 3 for _ in range(rng.randint(1, 60))]
    p[0:2] = [p[0], p[0]]  # ties
    expected = multipletests(p, method="fdr_bh")[1]
    assert benjamini_hochberg(p) == pytest.approx(list(expected))


def test_the_fitted_line_is_least_squares():
    line = fitted_line([(1, 2.0), (2, 4.0), (3, 6.0)])
    assert line == [(1.0, pytest.approx(2.0)), (3.0, pytest.approx(6.0))]
    assert fitted_line([(2, 1.0), (2, 3.0)]) == [] and fitted_line([]) == []


def test_strength_words():
    assert [strength(v) for v in (0.05, -0.2, 0.35, -0.7, None)] == [
        "negligible", "weak", "moderate", "strong", None,
    ]  # fmt: skip
