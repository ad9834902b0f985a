"""The course effect: recovers a planted effect, and says so honestly when it cannot."""

import random

from app.insights.effect import Completer, course_effect
from app.quality.periods import shift

START = "2025-01"
MONTHS = [shift(START, k) for k in range(24)]


def _company(
    n_people=80, n_completers=30, effect=3.0, seed=7, noise=1.0, trend=0.0, months=MONTHS[8:16]
):
    """Outcomes of one job role over two years; completers gain ``effect`` after completion."""
    rng = random.Random(seed)
    outcomes, roles, completers, completed_by = {}, {}, [], {}
    for user_id in range(n_people):
        base = rng.gauss(95, 1.5)
        t0 = rng.choice(months) if user_id < n_completers else None
        series = {}
        for index, month in enumerate(MONTHS):
            value = base + rng.gauss(0, noise) + trend * index
            if t0 is not None and month > t0:
                value += effect
            series[month] = value
        outcomes[user_id] = series
        roles[user_id] = dict.fromkeys(MONTHS, 1)
        if t0 is not None:
            completers.append(Completer(user_id, t0))
            completed_by[user_id] = t0
    return outcomes, roles, completers, completed_by


def test_a_planted_effect_is_recovered_with_an_interval_excluding_zero():
    outcomes, roles, completers, completed_by = _company()
    result = course_effect(outcomes, roles, completers, completed_by, window=3)
    # the 50 never trained, and those trained later than 3 months after the first completer
    later = [c for c in completers if c.month > shift(min(completed_by.values()), 3)]
    assert later and result.n_treated == 30 and result.n_control == 50 + len(later)
    assert result.plain.low < 3.0 < result.plain.high and result.plain.low > 0
    assert abs(result.plain.effect - 3.0) < 0.6
    assert result.matched.low < 3.0 < result.matched.high and result.matched.low > 0
    assert result.pre_trend_ok is True and result.warnings == []
    assert set(result.profile) == set(range(-3, 4))
    before, after = result.profile[-1], result.profile[1]
    assert after[0] - before[0] > 2 and abs(after[1] - before[1]) < 1


def test_lower_is_better_outcomes_count_a_fall_as_a_gain():
    outcomes, roles, completers, completed_by = _company(effect=-2.0)
    result = course_effect(
        outcomes, roles, completers, completed_by, window=3, higher_is_better=False
    )
    assert result.plain.low < 2.0 < result.plain.high and result.plain.low > 0


def test_no_effect_gives_an_interval_around_zero():
    outcomes, roles, completers, completed_by = _company(effect=0.0, seed=11)
    result = course_effect(outcomes, roles, completers, completed_by)
    assert result.plain.low < 0 < result.plain.high


def test_small_groups_are_warned_about():
    outcomes, roles, completers, completed_by = _company(n_people=14, n_completers=4)
    result = course_effect(outcomes, roles, completers, completed_by)
    assert "few_treated" in result.warnings and result.n_treated == 4


def test_one_sided_data_give_a_null_effect_not_zero():
    # everyone trained in the same month: nobody left to compare with
    outcomes, roles, completers, completed_by = _company(30, 30, months=[MONTHS[10]])
    result = course_effect(outcomes, roles, completers, completed_by)
    assert result.plain.effect is None and result.matched.effect is None
    assert "no_comparisons" in result.warnings
    nobody = course_effect(outcomes, roles, [], completed_by)
    assert nobody.plain.effect is None and "no_completers" in nobody.warnings


def test_constant_outcomes_have_no_interval():
    outcomes, roles, completers, completed_by = _company(effect=0.0, noise=0.0)
    for series in outcomes.values():
        for month in series:
            series[month] = 97.0
    result = course_effect(outcomes, roles, completers, completed_by)
    assert result.plain.effect == 0 and result.plain.low is None
    assert "constant" in result.warnings


def test_too_few_values_in_a_window_leave_a_person_out():
    outcomes, roles, completers, completed_by = _company()
    target = completers[0]
    for k in (1, 2):  # two of the three months after completion missing: fewer than ⌈3/2⌉
        outcomes[target.user_id].pop(shift(target.month, k))
    result = course_effect(outcomes, roles, completers, completed_by)
    assert result.n_treated == 29


def test_different_pre_trends_are_flagged():
    outcomes, roles, completers, completed_by = _company()
    for c in completers:  # completers were already improving fast before the course
        for index, month in enumerate(sorted(outcomes[c.user_id])):
            outcomes[c.user_id][month] += 0.8 * index
    result = course_effect(outcomes, roles, completers, completed_by)
    assert result.pre_trend_ok is False and "pre_trends_differ" in result.warnings


def test_comparisons_are_people_of_the_same_role_not_yet_trained():
    outcomes, roles, completers, completed_by = _company(60, 20, months=[MONTHS[10]])
    for user_id in range(40, 60):  # another job role: never a comparison
        roles[user_id] = dict.fromkeys(MONTHS, 2)
    result = course_effect(outcomes, roles, completers, completed_by)
    assert result.n_control == 20
