"""Scoring against hand-worked numbers (DOMAIN.md §3.3): indicator scores, composites with
renormalised weights, the 50 % coverage rule, the gate cap at 60, and ranks with ties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quality import periods, scoring
from app.quality.scoring import Entry, Parameters, composite, indicator_score, ranks

K01 = Parameters("higher", floor=90, target=99, ceiling=100, weight=25)
K07 = Parameters("lower", floor=0, target=5, ceiling=15, weight=10)
K15 = Parameters("lower", floor=0, target=0, ceiling=2, is_gate=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (90, 0.0),  # at the floor
        (85, 0.0),  # below the floor: clamped
        (99, 100.0),  # at the target
        (99.6, 100.0),  # better than the target: clamped
        (95.58, 62.0),  # (95.58 − 90) / (99 − 90) = 5.58 / 9 = 0.62
        (94.5, 50.0),  # 4.5 / 9
    ],
)
def test_higher_is_better_scores_from_floor_to_target(value, expected):
    assert indicator_score(value, K01) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (15, 0.0),  # at the ceiling
        (20, 0.0),  # worse than the ceiling: clamped
        (5, 100.0),  # at the target
        (2, 100.0),  # better than the target
        (8, 70.0),  # (15 − 8) / (15 − 5) = 0.7
        (12.5, 25.0),  # 2.5 / 10
    ],
)
def test_lower_is_better_scores_from_ceiling_to_target(value, expected):
    assert indicator_score(value, K07) == pytest.approx(expected)


def test_a_gate_event_is_a_value_worse_than_the_target():
    assert scoring.is_gate_event(1, K15) and not scoring.is_gate_event(0, K15)
    assert not scoring.is_gate_event(3, K07), "only gates have events"
    assert indicator_score(1, K15) == pytest.approx(50.0)


def _counter_clerk(**values):
    """Entries of a counter clerk (CTR weights 25/15/15/15/10/10/10) from indicator scores."""
    weights = {"K01": 25, "K02": 15, "K04": 15, "K05": 15, "K07": 10, "K08": 10, "K17": 10}
    entries = [Entry(code, 0.0, score, weights[code]) for code, score in values.items()]
    return entries


def test_the_composite_is_the_weighted_mean_when_every_indicator_is_present():
    entries = _counter_clerk(K01=62, K02=100, K04=100, K05=100, K07=100, K08=100, K17=100)
    result = composite(entries, 100)
    # (25·62 + 75·100) / 100 = (1550 + 7500) / 100 = 90.5
    assert result.value == pytest.approx(90.5)
    assert result.coverage == pytest.approx(1.0) and not result.is_capped


def test_missing_indicators_renormalise_the_weights_present():
    # K05 (15) and K17 (10) missing: present weight 75
    entries = _counter_clerk(K01=80, K02=100, K04=60, K07=50, K08=100)
    result = composite(entries, 100)
    # (25·80 + 15·100 + 15·60 + 10·50 + 10·100) / 75 = (2000+1500+900+500+1000)/75 = 5900/75
    assert result.value == pytest.approx(78.6666667)
    assert result.coverage == pytest.approx(0.75)
    shares = {s.code: s.share for s in result.shares}
    assert shares["K01"] == pytest.approx(25 / 75) and sum(shares.values()) == pytest.approx(1)


def test_below_half_of_the_weights_there_is_no_composite():
    # K01 25 + K02 15 = 40 of 100: below 50 %
    result = composite(_counter_clerk(K01=100, K02=100), 100)
    assert result.value is None and result.has_too_little_data
    assert result.coverage == pytest.approx(0.4)


def test_exactly_half_of_the_weights_is_enough():
    # K01 25 + K02 15 + K07 10 = 50 of 100
    result = composite(_counter_clerk(K01=40, K02=100, K07=70), 100)
    # (25·40 + 15·100 + 10·70) / 50 = (1000 + 1500 + 700) / 50 = 64
    assert result.value == pytest.approx(64.0)


def test_an_indicator_without_parameters_counts_for_nothing():
    entries = [*_counter_clerk(K01=100, K02=100, K04=100), Entry("K06", 80.0, None, None)]
    result = composite(entries, 100)
    assert result.value == pytest.approx(100.0) and result.present_weight == 55


def test_a_gate_event_caps_the_composite_at_exactly_60():
    entries = [
        *_counter_clerk(K01=100, K02=100, K04=100, K05=100, K07=100, K08=100, K17=80),
        Entry("K15", 1.0, 50.0, None, is_gate=True, is_gate_event=True),
    ]
    result = composite(entries, 100)
    assert result.uncapped == pytest.approx(98.0)  # (90·100 + 10·80) / 100
    assert result.value == 60.0 and result.is_capped and result.gate_events == ("K15",)


def test_a_gate_event_leaves_a_composite_under_60_alone():
    entries = [
        *_counter_clerk(K01=40, K02=40, K04=40, K05=40, K07=40, K08=40, K17=40),
        Entry("K16", 1.0, 0.0, None, is_gate=True, is_gate_event=True),
    ]
    result = composite(entries, 100)
    assert result.value == pytest.approx(40.0) and not result.is_capped
    assert result.gate_events == ("K16",)


def test_a_gate_without_an_event_changes_nothing():
    entries = [
        *_counter_clerk(K01=100, K02=100, K04=100, K05=100, K07=100, K08=100, K17=100),
        Entry("K15", 0.0, 100.0, None, is_gate=True, is_gate_event=False),
    ]
    assert composite(entries, 100).value == pytest.approx(100.0)


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert ranks({"a": 90.0, "b": 85.0, "c": 85.0, "d": 70.0}) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_composites_equal_to_two_decimals_tie_and_none_has_no_rank():
    found = ranks({"a": 80.004, "b": 79.996, "c": None, "d": 81.0})
    assert found == {"d": 1, "a": 2, "b": 2, "c": None}


def test_ranks_are_counted_within_each_group():
    values = {"a": 90.0, "b": 80.0, "c": 85.0, "d": 85.0}
    groups = {"a": "hall", "b": "hall", "c": "call", "d": "call"}
    assert scoring.group_ranks(values, groups) == {"a": 1, "b": 2, "c": 1, "d": 1}


@given(
    value=st.floats(min_value=-1e6, max_value=1e6),
    floor=st.floats(min_value=0, max_value=50),
    gap=st.floats(min_value=0.01, max_value=50),
)
def test_an_indicator_score_always_lies_in_0_to_100(value, floor, gap):
    for p in (
        Parameters("higher", floor, floor + gap, floor + gap + 1),
        Parameters("lower", floor, floor + gap, floor + 2 * gap),
    ):
        assert 0.0 <= indicator_score(value, p) <= 100.0


def test_periods_are_months_that_sort_and_shift():
    assert periods.shift("2026-01", -1) == "2025-12" and periods.shift("2025-12", 13) == "2027-01"
    assert periods.ending("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    from datetime import date

    assert periods.last_complete(date(2026, 1, 15)) == "2025-12"
    assert not periods.is_period("2026-13") and not periods.is_period("2026-1")


def test_units_refuse_impossible_values():
    from app.quality.units import UNITS

    assert UNITS["percent"].problem(100.5) and UNITS["percent"].problem(-1)
    assert UNITS["percent"].problem(99.5) is None
    assert UNITS["count"].problem(1.5) and UNITS["count"].problem(-1)
    assert UNITS["count"].problem(3) is None and UNITS["points"].problem(101)
    assert UNITS["percent"].show(98.5) == "98.5 %" and UNITS["count"].show(2.0) == "2"


def test_the_pure_modules_import_without_flask_views():
    import json
    import subprocess
    import sys

    code = (
        "import sys, json\nimport app.quality.scoring, app.quality.files, app.core.tabular\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('app.'))))"
    )
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert not [m for m in loaded if ".views" in m or m.endswith(".blueprint")]
