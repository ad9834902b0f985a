"""Service results computed from stored raw values: each person's indicator scores, composite and
ranks for a period. Nothing here is stored: the scoring functions (``scoring.py``) run on the
score rows and the parameters in force for each person's job role in that period.

``evaluate`` is the pure core (rows and parameters in, results out); ``period_results`` loads a
period in a fixed number of queries and ranks everyone, within their department and within their
job role. A person's page over several months (``person_history``) reads the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.core.pagination import Page
from app.quality import queries, scoring
from app.quality.queries import InForce, ScoreRow


@dataclass(slots=True)
class IndicatorResult:
    """One indicator of one person and period: raw value, score, and what it counts for."""

    indicator_id: int
    code: str
    value: float
    #: 0–100; None when the job role has no parameters for the indicator in the period
    score: float | None
    weight: float | None
    is_gate: bool
    is_gate_event: bool
    score_id: int
    batch_id: int
    target: float | None = None

    @property
    def is_below_target(self) -> bool:
        """True when the score is under 100 (the value misses the target)."""
        return self.score is not None and self.score < 100


@dataclass
class PersonResult:
    """A person's results of a period: indicators, composite, ranks."""

    user_id: int
    employee_no: str
    name: str
    period: str
    department_id: int | None
    job_role_id: int
    indicators: list[IndicatorResult] = field(default_factory=list)
    composite: scoring.Composite | None = None
    rank_in_department: int | None = None
    rank_in_job_role: int | None = None

    @property
    def composite_value(self) -> float | None:
        """The composite as shown and sent (two decimals), or None."""
        return scoring.rounded(self.composite.value) if self.composite else None

    @property
    def gate_events(self) -> tuple[str, ...]:
        """Codes of the gates violated this period."""
        return self.composite.gate_events if self.composite else ()

    def indicator(self, code: str) -> IndicatorResult | None:
        """The result of one indicator, or None."""
        return next((r for r in self.indicators if r.code == code), None)


def evaluate(
    period: str,
    rows: Iterable[ScoreRow],
    in_force: Mapping[int, Mapping[int, InForce]],
    codes: Mapping[int, str],
) -> list[PersonResult]:
    """Results of every person in ``rows`` (one period), in the rows' order, without ranks."""
    people: dict[int, PersonResult] = {}
    for row in rows:
        person = people.get(row.user_id)
        if person is None:
            person = people[row.user_id] = PersonResult(
                row.user_id, row.employee_no, row.name, period, row.department_id, row.job_role_id
            )
        entry = in_force.get(person.job_role_id, {}).get(row.indicator_id)
        if entry is None:
            person.indicators.append(
                IndicatorResult(
                    row.indicator_id,
                    codes.get(row.indicator_id, "?"),
                    row.value,
                    None,
                    None,
                    False,
                    False,
                    row.score_id,
                    row.batch_id,
                )
            )
            continue
        p = entry.parameters
        person.indicators.append(
            IndicatorResult(
                row.indicator_id,
                entry.code,
                row.value,
                scoring.indicator_score(row.value, p),
                p.weight,
                p.is_gate,
                scoring.is_gate_event(row.value, p),
                row.score_id,
                row.batch_id,
                p.target,
            )
        )
    for person in people.values():
        role = in_force.get(person.job_role_id, {})
        total = sum(e.parameters.weight or 0 for e in role.values() if not e.parameters.is_gate)
        person.composite = scoring.composite(
            (
                scoring.Entry(r.code, r.value, r.score, r.weight, r.is_gate, r.is_gate_event)
                for r in person.indicators
            ),
            total,
        )
    return list(people.values())


def rank(results: list[PersonResult]) -> None:
    """Fill each result's rank within its department and within its job role."""
    values = {r.user_id: r.composite.value if r.composite else None for r in results}
    by_department = scoring.group_ranks(values, {r.user_id: r.department_id for r in results})
    by_role = scoring.group_ranks(values, {r.user_id: r.job_role_id for r in results})
    for result in results:
        result.rank_in_department = by_department[result.user_id]
        result.rank_in_job_role = by_role[result.user_id]


def period_results(period: str) -> list[PersonResult]:
    """Everyone's results of ``period``, ranked, by employee number (three queries)."""
    rows = queries.score_rows(period)
    codes = {i.id: i.code for i in queries.indicators_by_id().values()}
    results = evaluate(period, rows, queries.parameters_in_force(period), codes)
    rank(results)
    return results


def person_history(user_id: int, periods: list[str]) -> dict[str, PersonResult]:
    """One person's results over ``periods`` (without ranks): period -> result, where any."""
    codes = {i.id: i.code for i in queries.indicators_by_id().values()}
    found = {}
    for period in periods:
        rows = queries.score_rows(period, [user_id])
        if rows:
            found[period] = evaluate(period, rows, queries.parameters_in_force(period), codes)[0]
    return found


# --- the scores page -------------------------------------------------------------------------

#: how the scores page may be sorted: name -> key of a result (None sorts last)
SORTS = ("employee_no", "composite_desc", "composite_asc", "department")


@dataclass
class Board:
    """One page of a period's results as the scores page shows it."""

    period: str
    page: Page
    #: the indicators with a column, in order
    columns: list
    departments: dict
    job_roles: dict
    n_people: int
    n_gate_events: int
    mean_composite: float | None


def _sorted(results: list[PersonResult], sort: str, departments: dict) -> list[PersonResult]:
    if sort in ("composite_desc", "composite_asc"):
        sign = -1 if sort == "composite_desc" else 1
        return sorted(
            results,
            key=lambda r: (
                r.composite_value is None,
                sign * (r.composite_value or 0),
                r.employee_no,
            ),
        )
    if sort == "department":
        return sorted(
            results,
            key=lambda r: (
                departments[r.department_id].full_name if r.department_id in departments else "",
                r.employee_no,
            ),
        )
    return sorted(results, key=lambda r: r.employee_no)


def visible_results(
    viewer, period: str, *, department=None, job_role_id: int | None = None
) -> list[PersonResult]:
    """The ranked results of ``period`` that ``viewer`` may see, filtered by the department
    subtree the values were recorded in and by job role (ranks count everyone)."""
    results = period_results(period)
    visible = queries.ids_of(queries.visible_user_ids(viewer))
    if visible is not None:
        results = [r for r in results if r.user_id in visible]
    if department is not None:
        subtree = queries.subtree_ids(department)
        results = [r for r in results if r.department_id in subtree]
    if job_role_id:
        results = [r for r in results if r.job_role_id == job_role_id]
    return results


def board(
    viewer,
    period: str,
    *,
    department=None,
    job_role_id: int | None = None,
    sort: str = "employee_no",
    page: int = 1,
    per_page: int = 50,
) -> Board:
    """A page of the scores page: filtered, sorted results with what the table needs."""
    results = visible_results(viewer, period, department=department, job_role_id=job_role_id)
    departments = queries.departments_by_id(r.department_id for r in results)
    ordered = _sorted(results, sort if sort in SORTS else "employee_no", departments)
    pages = max(1, -(-len(ordered) // per_page))
    number = min(max(1, page), pages)
    items = ordered[(number - 1) * per_page : number * per_page]
    indicators = queries.indicators_by_id()
    shown = {r.indicator_id for result in results for r in result.indicators}
    columns = sorted(
        (indicators[i] for i in shown if i in indicators), key=lambda i: (i.position, i.code)
    )
    composites = [r.composite_value for r in results if r.composite_value is not None]
    return Board(
        period=period,
        page=Page(items=items, page=number, per_page=per_page, total=len(ordered)),
        columns=columns,
        departments=departments,
        job_roles=queries.job_roles_by_id(),
        n_people=len(results),
        n_gate_events=sum(len(r.gate_events) for r in results),
        mean_composite=scoring.rounded(sum(composites) / len(composites)) if composites else None,
    )
