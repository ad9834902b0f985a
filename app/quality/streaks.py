"""When service results become competency evidence (DOMAIN.md §2.2, level 3: "linked KPIs at
target for 2 periods"): pure functions over plain data.

An indicator value is **at target** when it is at or better than the target in force for the
person's job role that period (higher is better: ``value ≥ target``; lower: ``value ≤ target``).
Two **consecutive** periods at target (months that follow each other: a month without a value in
between breaks the run) make one piece of evidence, keyed by the later period's score; a run of
N months gives N − 1 pieces, each observed at the end of its later month. Gates count like the
other indicators (no violation for two months is the safety or conduct result at target).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.quality import periods as months
from app.quality.scoring import Parameters
from app.quality.units import HIGHER


def at_target(value: float, p: Parameters) -> bool:
    """True when ``value`` is at or better than the target of ``p``."""
    return value >= p.target if p.direction == HIGHER else value <= p.target


@dataclass(frozen=True, slots=True)
class Observation:
    """One stored value of a person and indicator in a period, judged against its target."""

    user_id: int
    indicator_id: int
    period: str
    score_id: int
    #: None when the person's job role had no parameters for the indicator that period
    is_at_target: bool | None


@dataclass(frozen=True, slots=True)
class Streak:
    """Two consecutive periods at target: the evidence it makes is keyed by ``score_id``."""

    user_id: int
    indicator_id: int
    first_period: str
    period: str
    #: the later period's score id
    score_id: int


def streaks(
    observations: Iterable[Observation], later_periods: set[str] | None = None
) -> list[Streak]:
    """Every pair of consecutive periods at target, optionally only those whose later period
    is in ``later_periods``; sorted by person, indicator and period."""
    by_series: dict[tuple[int, int], dict[str, Observation]] = {}
    for item in observations:
        by_series.setdefault((item.user_id, item.indicator_id), {})[item.period] = item
    found = []
    for (user_id, indicator_id), series in sorted(by_series.items()):
        for period, item in sorted(series.items()):
            if later_periods is not None and period not in later_periods:
                continue
            before = series.get(months.shift(period, -1))
            if item.is_at_target and before is not None and before.is_at_target:
                found.append(Streak(user_id, indicator_id, before.period, period, item.score_id))
    return found


def judge(
    rows: Iterable[tuple[int, int, int, str, float, int]],
    in_force: Mapping[str, Mapping[int, Mapping[int, Parameters]]],
) -> list[Observation]:
    """Observations from (score id, user id, indicator id, period, value, job role id) rows and
    the parameters in force: period -> job role id -> indicator id -> parameters."""
    found = []
    for score_id, user_id, indicator_id, period, value, role_id in rows:
        p = in_force.get(period, {}).get(role_id, {}).get(indicator_id)
        found.append(
            Observation(
                user_id, indicator_id, period, score_id, None if p is None else at_target(value, p)
            )
        )
    return found
