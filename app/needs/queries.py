"""Read side of training needs: a person's or a department's needs for a period, computed from
the stored service results, competency levels and role profiles with the pure rule in ``rule.py``.

A page of a department costs a fixed number of queries whatever its size: one period's results
(or three for the average), the indicator links, the profiles in force, the stored levels of the
people shown and the courses that develop their needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.competencies import matrix as competency_matrix
from app.competencies import queries as competency_queries
from app.competencies.models import Competency
from app.competencies.services import current_levels
from app.core import clock
from app.extensions import db
from app.needs.rule import Flag, IndicatorScore, Need, average_scores, training_needs
from app.org.models import User
from app.org.queries import visible_users
from app.quality import periods, results
from app.quality import queries as quality_queries
from app.quality.models import Indicator, IndicatorCompetency

MODES = ("month", "average3")


def default_period() -> str:
    """The last complete month: the period needs are computed for unless one is chosen."""
    return periods.last_complete(clock.local_today())


def indicator_links() -> dict[str, dict[str, int]]:
    """Indicator code -> {competency code: strength} (one query)."""
    rows = db.session.execute(
        select(Indicator.code, Competency.code, IndicatorCompetency.strength)
        .join(IndicatorCompetency, IndicatorCompetency.indicator_id == Indicator.id)
        .join(Competency, Competency.id == IndicatorCompetency.competency_id)
    )
    links: dict[str, dict[str, int]] = {}
    for indicator, competency, strength in rows:
        links.setdefault(indicator, {})[competency] = strength
    return links


@dataclass
class PersonNeeds:
    """A person's training needs in a period, the flags, and the courses for each need."""

    person: User
    period: str
    mode: str
    needs: list[Need] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    #: competency code -> [(course, target level)] of published courses that develop it
    courses: dict[str, list] = field(default_factory=dict)
    #: indicator code -> score (0–100) used
    scores: dict[str, float] = field(default_factory=dict)
    has_results: bool = False

    @property
    def top_priority(self) -> float:
        """The highest priority (0 without needs): how the list is ranked."""
        return self.needs[0].priority if self.needs else 0.0


def _scores_by_person(user_ids: set[int] | None, period: str, mode: str, links) -> dict:
    """User id -> [IndicatorScore] for the period (or the mean of it and the two before)."""
    wanted = [period] if mode == "month" else [periods.shift(period, k) for k in (-2, -1, 0)]
    per_period: dict[int, list[list[IndicatorScore]]] = {}
    codes = {i.id: i.code for i in quality_queries.indicators_by_id().values()}
    for one in wanted:
        rows = quality_queries.score_rows(one, sorted(user_ids) if user_ids is not None else None)
        found = results.evaluate(one, rows, quality_queries.parameters_in_force(one), codes)
        for result in found:
            if user_ids is not None and result.user_id not in user_ids:
                continue
            per_period.setdefault(result.user_id, []).append(
                [
                    IndicatorScore(r.code, r.score, r.weight, links.get(r.code, {}))
                    for r in result.indicators
                    if r.score is not None
                ]
            )
    return {
        uid: (months[0] if len(months) == 1 else average_scores(months))
        for uid, months in per_period.items()
    }


def needs_of(people: list[User], period: str, mode: str = "month") -> list[PersonNeeds]:
    """The needs of these people (a fixed number of queries for any number of people)."""
    if not people:
        return []
    links = indicator_links()
    by_person = _scores_by_person({p.id for p in people}, period, mode, links)
    required = competency_queries.required_levels(periods.last_day(period))
    current = current_levels([p.id for p in people])
    found = []
    for person in people:
        scores = by_person.get(person.id, [])
        levels = {code: level for (uid, code), level in current.items() if uid == person.id}
        needs, flags = training_needs(scores, required.get(person.job_role_id, {}), levels)
        found.append(
            PersonNeeds(
                person,
                period,
                mode,
                needs,
                flags,
                scores={s.code: s.score for s in scores},
                has_results=bool(scores),
            )
        )
    codes = sorted({n.code for item in found for n in item.needs})
    developing: dict[str, list] = {}
    for course, targets in competency_matrix.courses_developing(codes):
        for code, level in targets.items():
            developing.setdefault(code, []).append((course, level))
    for item in found:
        item.courses = {n.code: developing.get(n.code, []) for n in item.needs}
    return found


def department_people(viewer, department) -> list[User]:
    """The assessed people ``viewer`` sees in ``department``'s subtree (or all they see)."""
    query = visible_users(viewer).where(User.is_active.is_(True), User.job_role_id.is_not(None))
    if department is not None:
        query = query.where(User.department_id.in_(department.subtree_ids()))
    return list(db.session.scalars(query.order_by(User.employee_no)))


def ranked_needs(viewer, department, period: str, mode: str = "month") -> list[PersonNeeds]:
    """The people of a department subtree with their needs, the most urgent first; people with
    flags but no needs next, then the rest."""
    found = needs_of(department_people(viewer, department), period, mode)
    return sorted(
        found,
        key=lambda item: (-item.top_priority, 0 if item.flags else 1, item.person.employee_no),
    )
