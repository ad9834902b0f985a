"""The item-analysis formulas against values computed independently: by hand for a small test,
and with scipy / numpy's covariance matrix for random ones; every Moodle edge case."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from app.reports.item_stats import (
    Candidate,
    analyse,
    choose_attempts,
    drawn_question_statistics,
    flags,
    histogram,
    item_statistics,
    overall_statistics,
)

#: five people, three questions marked 0/1 (worked by hand below)
SMALL = [
    [1, 1, 1],
    [1, 1, 0],
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 0],
]


def approx(value, rel=1e-9, abs=1e-12):
    return pytest.approx(value, rel=rel, abs=abs)


# --- by hand --------------------------------------------------------------------------------


def test_test_statistics_of_a_small_test_worked_by_hand():
    # totals 3 2 1 1 0: mean 1.4, deviations 1.6 .6 -.4 -.4 -1.4, sum of squares 5.2
    test = analyse(SMALL, [1, 1, 1]).test
    assert test.count == 5
    assert test.mean == approx(1.4)
    assert test.median == approx(1.0)
    assert test.sd == approx(math.sqrt(5.2 / 4))
    # m2 = 1.04, m3 = 1.44 / 5, k2 = 1.3, k3 = 25 m3 / 12 = 0.6
    assert test.skewness == approx(0.6 / 1.3**1.5)
    # m4 = 10.576 / 5, k4 = 25 (6 m4 - 12 m2²) / 24 = -0.3
    assert test.kurtosis == approx(-0.3 / 1.3**2)
    # item variances .3 + .3 + .2 = .8: alpha = 3/2 (1 - .8/1.3) = 0.576923...
    assert test.cic == approx(100 * 1.5 * (1 - 0.8 / 1.3))
    assert test.error_ratio == approx(100 * math.sqrt(1 - 1.5 * 0.5 / 1.3))
    # SE = sqrt(1 - alpha) x sd = sqrt(5.5/13 x 1.3) = sqrt(0.55)
    assert test.standard_error == approx(math.sqrt(0.55))
    assert test.max_total == 3


def test_item_statistics_of_a_small_test_worked_by_hand():
    first, second, third = item_statistics(SMALL, [1, 1, 1])
    assert first.facility == approx(0.6)
    assert first.sd == approx(math.sqrt(0.3))
    assert first.intended_weight == approx(1 / 3)
    # x = 1 1 1 0 0, rest of test = 2 1 0 1 0: cov .15, var .3 and .7
    assert first.discrimination_index == approx(100 * 0.15 / math.sqrt(0.3 * 0.7))
    # sorted separately the covariance reaches .4
    assert first.discriminative_efficiency == approx(100 * 0.15 / 0.4)
    # covariances with the total: .45, .45, .4
    assert first.covariance_with_total == approx(0.45)
    assert third.covariance_with_total == approx(0.4)
    root_sum = 2 * math.sqrt(0.45) + math.sqrt(0.4)
    assert first.effective_weight == approx(100 * math.sqrt(0.45) / root_sum)
    assert second.effective_weight == approx(100 * math.sqrt(0.45) / root_sum)
    assert third.effective_weight == approx(100 * math.sqrt(0.4) / root_sum)
    assert third.facility == approx(0.2)
    assert not any(item.negative_covariance for item in (first, second, third))


# --- against scipy and numpy -------------------------------------------------------------------


def _random_test(seed, attempts=60, items=8):
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(attempts, 1))
    difficulty = rng.normal(size=(1, items))
    maxima = rng.choice([1.0, 2.0, 5.0], size=items)
    probability = 1 / (1 + np.exp(-(ability - difficulty) * 1.7))
    marks = np.round(probability * maxima * rng.uniform(0.6, 1.0, size=(attempts, items)), 1)
    return marks, maxima


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_against_scipy_and_a_covariance_matrix(seed):
    marks, maxima = _random_test(seed)
    result = analyse(marks, maxima)
    totals = marks.sum(axis=1)
    assert result.test.mean == approx(np.mean(totals))
    assert result.test.median == approx(np.median(totals))
    assert result.test.sd == approx(np.std(totals, ddof=1))
    assert result.test.skewness == approx(scipy_stats.skew(totals, bias=False), rel=1e-7)
    assert result.test.kurtosis == approx(scipy_stats.kurtosis(totals, bias=False), rel=1e-7)
    # Cronbach's alpha from the items' covariance matrix: p/(p-1) (1 - trace / sum)
    cov = np.cov(marks, rowvar=False)
    p = marks.shape[1]
    alpha = p / (p - 1) * (1 - np.trace(cov) / cov.sum())
    assert result.test.cic == approx(100 * alpha, rel=1e-7)
    for j, item in enumerate(result.items):
        rest = totals - marks[:, j]
        r = scipy_stats.pearsonr(marks[:, j], rest).statistic
        assert item.discrimination_index == approx(100 * r, rel=1e-7)
        best = np.cov(np.sort(marks[:, j]), np.sort(rest))[0, 1]
        assert item.discriminative_efficiency == approx(
            100 * np.cov(marks[:, j], rest)[0, 1] / best, rel=1e-7
        )
        assert item.facility == approx(marks[:, j].mean() / maxima[j])
        assert item.sd == approx(np.std(marks[:, j], ddof=1))
        assert item.intended_weight == approx(maxima[j] / maxima.sum())
    assert sum(item.effective_weight for item in result.items) == approx(100.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=4), min_size=3, max_size=3),
        min_size=0,
        max_size=12,
    )
)
def test_any_matrix_gives_finite_values_or_null(rows):
    result = analyse(rows, [4, 4, 4])
    for value in (*result.test.to_dict().values(),):
        assert value is None or math.isfinite(value)
    for item in result.items:
        for value in item.to_dict().values():
            assert value is None or isinstance(value, bool) or math.isfinite(value)
        if item.discrimination_index is not None:
            assert -100 - 1e-6 <= item.discrimination_index <= 100 + 1e-6
    weights = [i.effective_weight for i in result.items if i.effective_weight is not None]
    if weights and not any(i.negative_covariance for i in result.items):
        assert sum(weights) == approx(100.0, rel=1e-6)


# --- Moodle's edge cases ----------------------------------------------------------------------


def test_no_attempt_gives_no_statistics():
    result = analyse([], [1, 2])
    assert result.test.count == 0
    assert result.test.to_dict() == {
        "count": 0, "mean": None, "median": None, "sd": None, "skewness": None,
        "kurtosis": None, "cic": None, "error_ratio": None, "standard_error": None,
        "max_total": 3.0,
    }  # fmt: skip
    assert [i.facility for i in result.items] == [None, None]
    assert [i.intended_weight for i in result.items] == [approx(1 / 3), approx(2 / 3)]


def test_one_attempt_gives_the_averages_and_median_only():
    result = analyse([[1, 2]], [2, 2])
    assert result.test.mean == 3 and result.test.median == 3
    assert result.test.sd is None and result.test.skewness is None and result.test.cic is None
    first = result.items[0]
    assert first.facility == 0.5
    assert first.sd is None and first.discrimination_index is None
    assert first.effective_weight is None and not first.negative_covariance


def test_sd_needs_two_attempts_skewness_three_kurtosis_four():
    two = analyse([[1, 0], [0, 0]], [1, 1]).test
    assert two.sd == approx(math.sqrt(0.5)) and two.skewness is None
    three = analyse([[1, 0], [0, 0], [1, 1]], [1, 1]).test
    assert three.skewness is not None and three.kurtosis is None and three.cic is not None
    four = analyse([[1, 0], [0, 0], [1, 1], [0, 1]], [1, 1]).test
    assert four.kurtosis is not None


def test_even_count_median_is_the_mean_of_the_middle_two():
    assert analyse([[1], [2], [4], [10]], [10]).test.median == 3


def test_totals_without_variance_leave_the_shape_and_consistency_undefined():
    test = analyse([[1, 0], [0, 1], [1, 0], [0, 1]], [1, 1]).test
    assert test.sd == 0
    assert (test.skewness, test.kurtosis, test.cic, test.error_ratio, test.standard_error) == (
        None, None, None, None, None,
    )  # fmt: skip


def test_a_variance_below_1e_12_is_zero():
    tiny = overall_statistics([1.0, 1.0 + 1e-7, 1.0], 3, [1e-15, 1e-15])  # k2 = 3.3e-15
    assert tiny.sd is not None
    assert (tiny.skewness, tiny.kurtosis, tiny.cic) == (None, None, None)
    small = overall_statistics([1.0, 1.0 + 1e-5, 1.0], 3, [1e-11, 1e-11])  # k2 = 3.3e-11
    assert small.skewness is not None and small.cic is not None


def test_an_item_without_variance_has_no_discrimination_and_zero_effective_weight():
    marks = [[0.1, 1, 0], [0.1, 0, 1], [0.1, 1, 1], [0.1, 0, 0]]
    constant, *_rest = item_statistics(marks, [1, 1, 1])
    assert constant.sd == 0
    assert constant.discrimination_index is None
    assert constant.discriminative_efficiency is None
    assert constant.covariance_with_total == 0
    assert not constant.negative_covariance
    assert constant.effective_weight == 0  # not null: the others covary with the total
    assert flags(constant) == []  # fewer than 20 attempts


def test_everyone_full_marks_is_not_enough_variance_not_low_discrimination():
    item = item_statistics([[1, 1]] * 10 + [[1, 0]] * 10, [1, 1])[0]
    assert item.facility == 1 and item.discrimination_index is None
    assert flags(item) == ["too_easy", "not_enough_variance"]


def test_maximum_mark_zero_has_no_facility_but_counts_as_an_item():
    result = analyse([[0, 1, 1], [0, 0, 1], [0, 1, 0], [0, 0, 0]], [0, 1, 1])
    zero = result.items[0]
    assert zero.facility is None and zero.sd == 0 and zero.intended_weight == 0
    assert len(result.items) == 3
    # CIC counts p = 3 items, the zero one with variance 0
    variances = [0.0, 1 / 3, 1 / 3]
    k2 = np.var([2, 1, 1, 0], ddof=1)
    assert result.test.cic == approx(100 * 3 / 2 * (1 - sum(variances) / k2))


def test_all_maxima_zero_leaves_intended_weights_undefined():
    items = item_statistics([[0, 0], [0, 0]], [0, 0])
    assert [i.intended_weight for i in items] == [None, None]
    assert [i.effective_weight for i in items] == [None, None]


def test_a_negative_covariance_has_no_effective_weight_and_leaves_the_sum():
    # the third item is answered right by the weakest only
    marks = [[1, 1, 0], [1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]
    items = item_statistics(marks, [1, 1, 1])
    assert items[2].negative_covariance
    assert items[2].effective_weight is None
    assert items[2].discrimination_index < 0
    assert items[0].effective_weight + items[1].effective_weight == approx(100.0)


def test_a_negative_cic_is_kept_and_its_error_ratio_is_above_100():
    test = analyse([[1, 0], [0, 1], [1, 0], [0, 1], [1, 1]], [1, 1]).test
    assert test.cic < 0
    assert test.error_ratio == approx(100 * math.sqrt(1 - test.cic / 100))
    assert test.error_ratio > 100


def test_cic_above_100_has_no_error_ratio():
    # impossible from real items; Moodle stores the NaN of sqrt(negative) as null
    test = overall_statistics([0, 1, 2, 3], 4, [0.0, 0.0])
    assert test.cic == approx(200.0)
    assert test.error_ratio is None and test.standard_error is None


def test_a_drawn_question_is_correlated_with_the_whole_total():
    x = [1, 0, 1, 0, 1]
    totals = [5, 2, 4, 3, 3]
    item = drawn_question_statistics(x, totals, 1, 10)
    r = scipy_stats.pearsonr(x, totals).statistic
    assert item.discrimination_index == approx(100 * r)
    assert item.effective_weight is None
    assert item.intended_weight == approx(0.1)
    assert item.facility == approx(0.6)


# --- which attempts ---------------------------------------------------------------------------


def _candidates():
    return [
        Candidate(1, 10, 1, 3.0, False),
        Candidate(2, 10, 2, 5.0, False),
        Candidate(3, 10, 3, 5.0, False),
        Candidate(4, 20, 1, 1.0, False),
        Candidate(5, 20, 2, 9.0, True),  # awaiting grading: counts as 0 for "highest"
        Candidate(6, 30, 1, 2.0, True),
        Candidate(7, 30, 2, 4.0, False),
    ]


def test_first_attempt_of_each_person_unless_it_awaits_grading():
    assert choose_attempts(_candidates(), "first") == [1, 4]


def test_last_attempt_of_each_person_unless_it_awaits_grading():
    assert choose_attempts(_candidates(), "last") == [3, 7]


def test_highest_attempt_ties_go_to_the_lowest_number():
    assert choose_attempts(_candidates(), "highest") == [2, 4, 7]


def test_all_graded_attempts():
    assert choose_attempts(_candidates(), "all") == [1, 2, 3, 4, 7]


def test_an_unknown_choice_is_refused():
    with pytest.raises(ValueError):
        choose_attempts([], "average")


# --- flags and histogram ----------------------------------------------------------------------


def _item_with(facility, discrimination, count=20):
    base = item_statistics([[1, 0], [0, 1], [1, 1]], [1, 1])[0]
    from dataclasses import replace

    return replace(base, count=count, facility=facility, discrimination_index=discrimination)


@pytest.mark.parametrize(
    ("facility", "discrimination", "count", "expected"),
    [
        (0.5, 35.0, 20, []),
        (0.19, 35.0, 20, ["too_hard"]),
        (0.2, 35.0, 20, []),
        (0.95, 35.0, 20, []),
        (0.96, 35.0, 20, ["too_easy"]),
        (0.5, 19.9, 20, ["low_discrimination"]),
        (0.5, 20.0, 20, []),
        (0.5, -5.0, 20, ["low_discrimination"]),
        (0.5, None, 20, ["not_enough_variance"]),
        (0.1, 5.0, 19, []),
        (None, 5.0, 30, ["low_discrimination"]),
    ],
)
def test_flags(facility, discrimination, count, expected):
    assert flags(_item_with(facility, discrimination, count)) == expected


def test_histogram_bands_hold_the_maximum_in_the_last_one():
    bands = histogram([0, 1, 4.99, 5, 10, 10], 10, bins=2)
    assert bands == [(0.0, 5.0, 3), (5.0, 10.0, 3)]
    assert histogram([1, 2], 0) == []
