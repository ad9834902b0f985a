"""The training-need formulas with hand-worked numbers (DOMAIN.md §3.3 steps 3–6)."""

import pytest

from app.needs.rule import IndicatorScore, average_scores, gap, primary_links, training_needs

K01 = {"CM1": 3, "CM2": 3, "SV2": 2, "SV1": 2, "BK1": 1}
REQUIRED = {"CM1": 4, "CM2": 4, "SV1": 4, "SV2": 4, "BK1": 4}


def test_gap_counts_missing_evidence_as_the_whole_requirement():
    assert gap(4, 2) == 2 and gap(4, None) == 4 and gap(3, 5) == 0 and gap(None, 1) == 0


def test_a_weak_indicator_makes_needs_weighted_by_strength():
    # K01 scored 62 with weight 25: 25 × (100 − 62)/100 = 9.5 per full strength
    needs, flags = training_needs(
        [IndicatorScore("K01", 62, 25, K01)],
        REQUIRED,
        {"CM1": 4, "CM2": 2, "SV1": 2, "SV2": 3, "BK1": 1},
    )
    assert flags == []
    by_code = {n.code: n for n in needs}
    # CM2: need 9.5 × 3/3 = 9.5, gap 2, priority 9.5 × 3 = 28.5
    assert by_code["CM2"].need == pytest.approx(9.5)
    assert (by_code["CM2"].gap, by_code["CM2"].priority) == (2, pytest.approx(28.5))
    # SV1: need 9.5 × 2/3 = 6.333, gap 2, priority 19.0; BK1: 3.167 × (1 + 3) = 12.667
    assert by_code["SV1"].priority == pytest.approx(19.0)
    assert by_code["BK1"].priority == pytest.approx(12.6667, rel=1e-4)
    # the top three, highest first: CM2 28.5, SV1 19.0, BK1 12.67 (CM1 9.5, SV2 6.33×2=12.67)
    assert [n.code for n in needs] == ["CM2", "SV1", "BK1"]
    assert by_code["CM2"].because == [("K01", 62)]


def test_an_indicator_at_80_or_more_is_not_weak():
    needs, flags = training_needs([IndicatorScore("K01", 80, 25, K01)], REQUIRED, {})
    assert needs == [] and flags == []


def test_needs_add_up_over_weak_indicators():
    # K01 62 (w 25) and K02 50 (w 15, CM2 strength 2): CM2 need 9.5 + 15 × 0.5 × 2/3 = 14.5
    k02 = {"SV1": 3, "SV4": 3, "CM3": 2, "CM2": 2, "LP3": 1}
    needs, _flags = training_needs(
        [IndicatorScore("K01", 62, 25, K01), IndicatorScore("K02", 50, 15, k02)],
        {**REQUIRED, "SV4": 4, "CM3": 3, "LP3": 3},
        {"CM1": 4, "CM2": 2},
        top=10,
    )
    cm2 = next(n for n in needs if n.code == "CM2")
    assert cm2.need == pytest.approx(14.5) and cm2.priority == pytest.approx(43.5)
    assert cm2.because == [("K02", 50), ("K01", 62)]


def test_met_primary_competencies_flag_the_indicator_instead_of_training():
    needs, flags = training_needs(
        [IndicatorScore("K01", 76, 25, K01)],
        REQUIRED,
        {"CM1": 4, "CM2": 5, "SV1": 1, "SV2": 1, "BK1": 1},
    )
    assert needs == []
    assert [(f.indicator, f.score, f.met) for f in flags] == [("K01", 76, ("CM1", "CM2"))]


def test_gates_without_weight_make_no_need():
    needs, flags = training_needs([IndicatorScore("K15", 0, None, {"SF1": 3})], {"SF1": 3}, {})
    assert needs == [] and flags == []


def test_an_indicator_without_strength_3_links_uses_its_strongest():
    assert primary_links({"IT2": 2, "SV1": 2, "SF2": 1}) == ("IT2", "SV1")
    _needs, flags = training_needs(
        [IndicatorScore("K13", 50, 15, {"IT2": 2, "SV1": 2, "SF2": 1})],
        {"IT2": 3, "SV1": 3, "SF2": 3},
        {"IT2": 3, "SV1": 4},
    )
    assert [f.indicator for f in flags] == ["K13"]


def test_no_more_than_three_needs_and_ties_by_code():
    links = {"A1": 3, "B1": 3, "C1": 3, "D1": 3}
    needs, _flags = training_needs(
        [IndicatorScore("K9", 40, 30, links)], dict.fromkeys(links, 2), {}
    )
    assert [n.code for n in needs] == ["A1", "B1", "C1"]


def test_the_three_month_average_averages_scores_per_indicator():
    months = [
        [IndicatorScore("K01", 60, 25, K01)],
        [IndicatorScore("K01", 70, 25, K01), IndicatorScore("K02", 90, 15, {})],
        [IndicatorScore("K01", 80, 20, K01)],
    ]
    averaged = {i.code: i for i in average_scores(months)}
    assert averaged["K01"].score == pytest.approx(70) and averaged["K01"].weight == 20
    assert averaged["K02"].score == 90
