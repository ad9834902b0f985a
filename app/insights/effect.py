"""Did the training work: a course's effect on a service outcome by difference in differences.

Pure: monthly outcomes per person in, estimates out (scipy for the t distribution). The person
is the unit. Each completer is anchored at the month they completed the course (t₀):

- *before* = t₀−N … t₀−1 and *after* = t₀+1 … t₀+N (the month itself is left out); a person
  counts only with at least ⌈N/2⌉ values in each window; their *change* is mean(after) −
  mean(before);
- the *comparison group* of a completer's month t₀: people in the same job role at t₀ (as the
  score rows recorded it) who had not completed the course by t₀+N, over the same calendar
  months; comparisons are stacked over the completers' months;
- *effect* = mean change of completers − mean change of comparisons, with a Welch 95 %
  confidence interval; positive means better whatever the outcome's direction;
- *matched effect*: each completer against the comparison of its month nearest in pre-period
  level (mean of *before*; nearest neighbour, with replacement), a 95 % interval of the mean
  paired difference — training goes to the weakest, so the plain comparison may flatter it;
- *pre-trend check*: each group's change between the two windows before t₀ (t₀−2N … t₀−N−1 and
  t₀−N … t₀−1); the check fails when the groups' pre-changes differ (their Welch interval
  excludes 0).

Estimates are ``None`` (never 0) where they cannot be computed; warnings say why in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

from app.quality.periods import shift

MIN_GROUP = 10


@dataclass(frozen=True)
class Completer:
    """A person who completed the course, the month of completion, their job role then."""

    user_id: int
    month: str


@dataclass
class Estimate:
    """An effect with its 95 % interval (all None when it cannot be computed)."""

    effect: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class EffectResult:
    """What the course-effect report shows and the API sends."""

    window: int
    plain: Estimate = field(default_factory=Estimate)
    matched: Estimate = field(default_factory=Estimate)
    n_treated: int = 0
    n_control: int = 0
    pre_trend_ok: bool | None = None
    warnings: list[str] = field(default_factory=list)
    #: event time k (−N … N) -> (completers' mean, comparisons' mean) of the outcome
    profile: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)


def _window(series: Mapping[str, float], months: Sequence[str], minimum: int) -> float | None:
    values = [series[m] for m in months if m in series]
    return fmean(values) if len(values) >= minimum else None


def _months(t0: str, start: int, stop: int) -> list[str]:
    return [shift(t0, k) for k in range(start, stop + 1)]


def _welch(a: Sequence[float], b: Sequence[float]) -> Estimate:
    """mean(a) − mean(b) with a Welch 95 % interval (None with fewer than 2 in a group)."""
    if len(a) < 2 or len(b) < 2:
        return Estimate(fmean(a) - fmean(b) if a and b else None)
    from scipy import stats

    difference = fmean(a) - fmean(b)
    var_a, var_b = _var(a) / len(a), _var(b) / len(b)
    se = math.sqrt(var_a + var_b)
    if se < 1e-12:  # no variation at all: a difference, but no interval to give
        return Estimate(difference)
    dof = (var_a + var_b) ** 2 / (var_a**2 / (len(a) - 1) + var_b**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.975, dof)) * se
    return Estimate(difference, difference - half, difference + half)


def _mean_interval(values: Sequence[float]) -> Estimate:
    """mean(values) with a one-sample 95 % t interval."""
    if not values:
        return Estimate()
    mean = fmean(values)
    if len(values) < 2:
        return Estimate(mean)
    from scipy import stats

    se = math.sqrt(_var(values) / len(values))
    if se < 1e-12:
        return Estimate(mean)
    half = float(stats.t.ppf(0.975, len(values) - 1)) * se
    return Estimate(mean, mean - half, mean + half)


def _var(values: Sequence[float]) -> float:
    mean = fmean(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def course_effect(
    outcomes: Mapping[int, Mapping[str, float]],
    roles: Mapping[int, Mapping[str, int]],
    completers: Sequence[Completer],
    completed_by: Mapping[int, str],
    *,
    window: int = 3,
    higher_is_better: bool = True,
) -> EffectResult:
    """The course's effect on an outcome.

    ``outcomes``: user id -> month -> value; ``roles``: user id -> month -> job role id (from
    the score rows); ``completed_by``: user id -> first month of completion, for everyone who
    completed the course.
    """
    n = window
    minimum = math.ceil(n / 2)
    sign = 1.0 if higher_is_better else -1.0
    result = EffectResult(window=n)
    treated: list[tuple[Completer, float, float]] = []  # (completer, change, pre level)
    for c in completers:
        series = outcomes.get(c.user_id, {})
        before = _window(series, _months(c.month, -n, -1), minimum)
        after = _window(series, _months(c.month, 1, n), minimum)
        if before is not None and after is not None and c.month in roles.get(c.user_id, {}):
            treated.append((c, sign * (after - before), before))
    cohorts: dict[tuple[str, int], list[tuple[int, float, float]]] = {}
    for c, _change, _level in treated:
        role = roles[c.user_id][c.month]
        key = (c.month, role)
        if key in cohorts:
            continue
        pool = []
        for user_id, series in outcomes.items():
            if roles.get(user_id, {}).get(c.month) != role:
                continue
            done = completed_by.get(user_id)
            if done is not None and done <= shift(c.month, n):
                continue
            before = _window(series, _months(c.month, -n, -1), minimum)
            after = _window(series, _months(c.month, 1, n), minimum)
            if before is not None and after is not None:
                pool.append((user_id, sign * (after - before), before))
        cohorts[key] = pool
    treated_changes = [change for _c, change, _level in treated]
    control_changes = [change for pool in cohorts.values() for _u, change, _l in pool]
    result.n_treated = len(treated)
    result.n_control = len({u for pool in cohorts.values() for u, _c, _l in pool})
    if not treated:
        result.warnings.append("no_completers")
        return result
    if not control_changes:
        result.warnings.append("no_comparisons")
        return result
    result.plain = _welch(treated_changes, control_changes)
    differences = []
    for c, change, level in treated:
        pool = cohorts[(c.month, roles[c.user_id][c.month])]
        if pool:
            _u, match_change, _l = min(pool, key=lambda item: (abs(item[2] - level), item[0]))
            differences.append(change - match_change)
    result.matched = _mean_interval(differences)
    if result.n_treated < MIN_GROUP:
        result.warnings.append("few_treated")
    if result.n_control < MIN_GROUP:
        result.warnings.append("few_controls")
    result.pre_trend_ok = _pre_trend(outcomes, roles, treated, cohorts, n, minimum, sign, result)
    if result.plain.effect is not None and result.plain.low is None:
        result.warnings.append("no_interval")
    if all(abs(x - treated_changes[0]) < 1e-12 for x in treated_changes + control_changes):
        result.warnings.append("constant")
    _profile(outcomes, roles, treated, cohorts, n, result)
    return result


def _pre_trend(outcomes, roles, treated, cohorts, n, minimum, sign, result) -> bool | None:
    """Whether the groups moved alike before the course (None when it cannot be told)."""

    def pre_change(series, t0):
        early = _window(series, _months(t0, -2 * n, -n - 1), minimum)
        late = _window(series, _months(t0, -n, -1), minimum)
        return None if early is None or late is None else sign * (late - early)

    treated_pre = [
        x for c, _ch, _l in treated if (x := pre_change(outcomes[c.user_id], c.month)) is not None
    ]
    control_pre = [
        x
        for (t0, _role), pool in cohorts.items()
        for user_id, _ch, _l in pool
        if (x := pre_change(outcomes[user_id], t0)) is not None
    ]
    if len(treated_pre) < 2 or len(control_pre) < 2:
        result.warnings.append("no_pre_trend")
        return None
    check = _welch(treated_pre, control_pre)
    ok = bool(check.low is None or check.low <= 0 <= check.high)
    if not ok:
        result.warnings.append("pre_trends_differ")
    return ok


def _profile(outcomes, roles, treated, cohorts, n, result) -> None:
    """Mean outcome of each group by months from completion (for the chart)."""
    for k in range(-n, n + 1):
        ours = [
            outcomes[c.user_id][shift(c.month, k)]
            for c, _ch, _l in treated
            if shift(c.month, k) in outcomes[c.user_id]
        ]
        theirs = [
            outcomes[u][shift(t0, k)]
            for (t0, _role), pool in cohorts.items()
            for u, _ch, _l in pool
            if shift(t0, k) in outcomes[u]
        ]
        result.profile[k] = (fmean(ours) if ours else None, fmean(theirs) if theirs else None)
