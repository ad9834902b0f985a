"""Service results of a department subtree over time, for managers and HR: the mean composite and
each indicator's mean score per month, who misses a target this month, and whose composite fell
most since the month before. Computed from the raw values (``results.evaluate``) in a fixed
number of queries whatever the number of people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup

from app.core import charts
from app.org.models import Department
from app.quality import periods as months
from app.quality import queries, queries_follow, results, scoring
from app.quality.models import Indicator
from app.quality.results import IndicatorResult, PersonResult

TREND_MONTHS = 12
#: how many people each list shows
LIST_SIZE = 50
FALLEN_SIZE = 10


@dataclass
class Fall:
    """A person whose composite fell since the month before."""

    result: PersonResult
    before: float
    change: float


@dataclass
class Trends:
    """What the trends page shows for one subtree and month."""

    department: Department | None
    period: str
    periods: list[str]
    indicators: list[Indicator]
    selected: Indicator | None
    #: per month: the mean composite and how many people have one
    composite_means: list[float | None] = field(default_factory=list)
    n_people: list[int] = field(default_factory=list)
    #: indicator id -> per month the mean score of the people with one
    indicator_means: dict[int, list[float | None]] = field(default_factory=dict)
    #: indicator id -> the share of the month's values at or better than target
    at_target: dict[int, float | None] = field(default_factory=dict)
    below: list[tuple[PersonResult, list[IndicatorResult]]] = field(default_factory=list)
    n_below: int = 0
    fallen: list[Fall] = field(default_factory=list)
    departments: dict[int, Department] = field(default_factory=dict)
    job_roles: dict = field(default_factory=dict)


def _mean(values: list[float]) -> float | None:
    return scoring.rounded(sum(values) / len(values)) if values else None


def trends(
    viewer, department: Department | None, period: str, indicator_code: str | None = None
) -> Trends:
    """The trends of ``department``'s subtree (everything the viewer sees when None)."""
    periods = months.ending(period, TREND_MONTHS)
    subtree = queries.subtree_ids(department) if department is not None else None
    rows = queries_follow.rows_in_subtree(periods, subtree, queries.visible_user_ids(viewer))
    in_force = queries_follow.parameters_by_period(periods)
    by_id = queries.indicators_by_id()
    codes = {i.id: i.code for i in by_id.values()}
    evaluated = {p: results.evaluate(p, rows[p], in_force.get(p, {}), codes) for p in periods}
    shown = {r.indicator_id for people in evaluated.values() for p in people for r in p.indicators}
    indicators = sorted((by_id[i] for i in shown if i in by_id), key=lambda i: (i.position, i.code))
    selected = next((i for i in indicators if i.code == indicator_code), None)
    found = Trends(department, period, periods, indicators, selected)
    for p in periods:
        values = [
            r.composite.value for r in evaluated[p] if r.composite and r.composite.value is not None
        ]
        found.composite_means.append(_mean(values))
        found.n_people.append(len(values))
    for indicator in indicators:
        found.indicator_means[indicator.id] = [
            _mean(
                [
                    x.score
                    for r in evaluated[p]
                    if (x := r.indicator(indicator.code)) and x.score is not None
                ]
            )
            for p in periods
        ]
        judged = [
            x.score >= 100
            for r in evaluated[period]
            if (x := r.indicator(indicator.code)) and x.score is not None
        ]
        found.at_target[indicator.id] = sum(judged) / len(judged) if judged else None
    _people(found, evaluated[period], evaluated.get(months.shift(period, -1), []))
    found.departments = queries.departments_by_id(r.department_id for r in evaluated[period])
    found.job_roles = queries.job_roles_by_id()
    return found


def _people(found: Trends, now: list[PersonResult], before: list[PersonResult]) -> None:
    """Who misses a target this month; whose composite fell most since the month before."""
    below = []
    for result in now:
        missed = [
            x
            for x in result.indicators
            if x.score is not None
            and x.score < 100
            and (found.selected is None or x.code == found.selected.code)
        ]
        if missed:
            below.append((result, missed))
    below.sort(
        key=lambda item: (
            item[0].composite_value is None,
            item[0].composite_value if item[0].composite_value is not None else 0,
            item[0].employee_no,
        )
    )
    found.n_below = len(below)
    found.below = below[:LIST_SIZE]
    previous = {r.user_id: r.composite_value for r in before}
    falls = []
    for result in now:
        then = previous.get(result.user_id)
        if then is None or result.composite_value is None:
            continue
        change = scoring.rounded(result.composite_value - then)
        if change < 0:
            falls.append(Fall(result, then, change))
    falls.sort(key=lambda f: (f.change, f.result.employee_no))
    found.fallen = falls[:FALLEN_SIZE]


def composite_chart(found: Trends) -> Markup:
    """The mean composite of the subtree over the months."""
    return charts.line(
        _("Mean composite, last %(n)d months", n=len(found.periods)),
        found.periods,
        [(_("Mean composite"), found.composite_means)],
        minimum=0,
        maximum=100,
    )


def indicator_charts(found: Trends, locale) -> list[tuple[Indicator, Markup]]:
    """Each indicator's mean score over the months."""
    return [
        (
            indicator,
            charts.line(
                _("%(indicator)s: mean score", indicator=indicator.label(locale)),
                found.periods,
                # scaled to the data: a mean moving between 82 and 86 is the story here
                [(_("Mean score"), found.indicator_means.get(indicator.id, []))],
            ),
        )
        for indicator in found.indicators
    ]
