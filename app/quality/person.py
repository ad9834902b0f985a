"""One person's service results as their page shows them: a month's indicators (raw value,
target, score, weight, share), the composite step by step, the ranks in department and job role,
and twelve months of trends. Read only; a fixed number of queries whatever the company's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup

from app.core import charts
from app.org.models import Department, JobRole
from app.quality import periods as months
from app.quality import queries, queries_follow, results, scoring
from app.quality.models import Indicator, ScoreContest
from app.quality.queries import InForce
from app.quality.results import IndicatorResult, PersonResult
from app.quality.units import UNITS

#: how many months the trend charts cover
TREND_MONTHS = 12


@dataclass
class Line:
    """One indicator of the month: what it counts for and what the person got."""

    indicator: Indicator
    parameters: scoring.Parameters | None
    result: IndicatorResult | None
    share: scoring.Share | None = None
    #: the latest contest of this value
    contest: ScoreContest | None = None

    @property
    def is_weighted(self) -> bool:
        """True for an indicator with a weight in the role (not a gate, not outside the set)."""
        return self.parameters is not None and not self.parameters.is_gate


@dataclass
class Month:
    """A person's month with everything the explanation needs."""

    period: str
    #: periods holding a value of the person, newest first
    available: list[str]
    result: PersonResult | None
    job_role: JobRole | None
    department: Department | None
    lines: list[Line] = field(default_factory=list)
    #: weighted indicators of the role without a value this month (their weight is shared out)
    missing: list[Line] = field(default_factory=list)
    rank_in_department: int | None = None
    n_department: int = 0
    rank_in_job_role: int | None = None
    n_job_role: int = 0
    trend_periods: list[str] = field(default_factory=list)
    history: dict[str, PersonResult] = field(default_factory=dict)
    #: period -> job role id -> indicator id -> parameters of the trend months
    in_force: dict = field(default_factory=dict)

    @property
    def composite(self) -> scoring.Composite | None:
        """The month's composite with its steps, or None without values."""
        return self.result.composite if self.result else None

    @property
    def points_text(self) -> str:
        """The sum of the points as written out: "15.50 + 25.00 + …"."""
        shares = self.composite.shares if self.composite else ()
        return " + ".join(f"{s.points:.2f}" for s in shares)

    @property
    def gate_lines(self) -> list[Line]:
        """The role's gates present this month."""
        return [
            line
            for line in self.lines
            if line.parameters is not None and line.parameters.is_gate and line.result
        ]


def _ordered(indicators: dict[int, Indicator], ids) -> list[Indicator]:
    return sorted(
        (indicators[i] for i in ids if i in indicators), key=lambda i: (i.position, i.code)
    )


def month_of(person, period: str | None = None) -> Month:
    """``person``'s month (default: their latest with values) with ranks and trends."""
    available = queries_follow.periods_of_person(person.id)
    if period is None or not months.is_period(period):
        period = available[0] if available else None
    if period is None:
        return Month(period="", available=[], result=None, job_role=None, department=None)
    trend = months.ending(period, TREND_MONTHS)
    in_force = queries_follow.parameters_by_period(trend)
    indicators = queries.indicators_by_id()
    codes = {i.id: i.code for i in indicators.values()}
    rows = queries_follow.rows_of_person(person.id, trend)
    history = {
        p: results.evaluate(p, rows[p], in_force.get(p, {}), codes)[0] for p in trend if rows.get(p)
    }
    result = history.get(period)
    roles = queries.job_roles_by_id()
    role_id = result.job_role_id if result else person.job_role_id
    department_id = result.department_id if result else person.department_id
    month = Month(
        period=period,
        available=available,
        result=result,
        job_role=roles.get(role_id),
        department=queries.departments_by_id([department_id]).get(department_id),
        trend_periods=trend,
        history=history,
        in_force=in_force,
    )
    role_params: dict[int, InForce] = in_force.get(period, {}).get(role_id, {})
    latest = {}
    for contest in queries_follow.contests_of(person.id):
        latest.setdefault(contest.score_id, contest)
    found = {r.indicator_id: r for r in result.indicators} if result else {}
    shares = {s.code: s for s in result.composite.shares} if result and result.composite else {}
    for indicator in _ordered(indicators, set(role_params) | set(found)):
        entry = role_params.get(indicator.id)
        value = found.get(indicator.id)
        line = Line(
            indicator,
            entry.parameters if entry else None,
            value,
            shares.get(indicator.code),
            latest.get(value.score_id) if value else None,
        )
        if value is None and line.is_weighted:
            month.missing.append(line)
        month.lines.append(line)
    if result is not None:
        _rank(month, result, in_force.get(period, {}), codes)
    return month


def _rank(month: Month, result: PersonResult, in_force, codes) -> None:
    """Rank the person among everyone of their department and job role that month."""
    peers = results.evaluate(
        month.period,
        queries_follow.peer_rows(month.period, result.department_id, result.job_role_id),
        in_force,
        codes,
    )
    results.rank(peers)
    me = next((p for p in peers if p.user_id == result.user_id), None)
    if me is None:
        return
    ranked = [p for p in peers if p.composite and p.composite.value is not None]
    month.rank_in_department = me.rank_in_department
    month.n_department = sum(1 for p in ranked if p.department_id == result.department_id)
    month.rank_in_job_role = me.rank_in_job_role
    month.n_job_role = sum(1 for p in ranked if p.job_role_id == result.job_role_id)


# --- trend charts ----------------------------------------------------------------------------


def composite_chart(month: Month) -> Markup:
    """The composite over the trend months (gaps where there was none)."""
    values = [
        scoring.rounded(month.history[p].composite.value)
        if p in month.history and month.history[p].composite
        else None
        for p in month.trend_periods
    ]
    return charts.line(
        _("Composite, last %(n)d months", n=len(month.trend_periods)),
        month.trend_periods,
        [(_("Composite"), values)],
        minimum=0,
        maximum=100,
    )


def indicator_charts(month: Month, locale) -> list[tuple[Indicator, Markup]]:
    """One chart per indicator of the month: the raw value and the target over the months."""
    made = []
    role_of = {p: r.job_role_id for p, r in month.history.items()}
    for line in month.lines:
        indicator = line.indicator
        values, targets = [], []
        for p in month.trend_periods:
            result = month.history.get(p)
            found = result.indicator(indicator.code) if result else None
            values.append(found.value if found else None)
            entry = month.in_force.get(p, {}).get(role_of.get(p), {}).get(indicator.id)
            targets.append(entry.parameters.target if entry else None)
        if not any(v is not None for v in values):
            continue
        unit = UNITS[indicator.unit]
        title = f"{indicator.label(locale)} ({unit.label})"
        made.append(
            (
                indicator,
                charts.line(
                    title, month.trend_periods, [(_("Value"), values), (_("Target"), targets)]
                ),
            )
        )
    return made
