"""Read side of what follows from scores: a person's history and peers, department trends, the
parameters of many periods at once, the inputs of the evidence and gate rules, contests and gate
events.

Every function runs a fixed number of statements (one per 900 people where a list of people is
given), whatever the number of values.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.competencies.models import Competency, Evidence
from app.courses.models import Course, CourseCompetency
from app.extensions import db
from app.org.models import User
from app.quality.models import (
    GateEvent,
    Indicator,
    IndicatorCompetency,
    IndicatorParameter,
    ParameterSet,
    Score,
    ScoreContest,
)
from app.quality.queries import InForce, ScoreRow
from app.quality.scoring import Parameters

#: how many ids one IN list holds
CHUNK = 900


def _chunks(ids: Iterable[int]):
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


# --- parameters of many periods --------------------------------------------------------------


def parameters_by_period(periods: Iterable[str]) -> dict[str, dict[int, dict[int, InForce]]]:
    """Period -> job role id -> indicator id -> parameters in force that period (one query)."""
    wanted = sorted(set(periods))
    if not wanted:
        return {}
    rows = db.session.execute(
        select(
            ParameterSet.job_role_id,
            ParameterSet.valid_from,
            Indicator.id,
            Indicator.code,
            Indicator.direction,
            IndicatorParameter.floor,
            IndicatorParameter.target,
            IndicatorParameter.ceiling,
            IndicatorParameter.weight,
            IndicatorParameter.is_gate,
        )
        .join(IndicatorParameter, IndicatorParameter.set_id == ParameterSet.id)
        .join(Indicator, Indicator.id == IndicatorParameter.indicator_id)
        .where(ParameterSet.valid_from <= wanted[-1])
    ).all()
    sets: dict[int, dict[str, dict[int, InForce]]] = {}
    for role_id, valid_from, indicator_id, code, direction, floor, target, ceiling, w, gate in rows:
        sets.setdefault(role_id, {}).setdefault(valid_from, {})[indicator_id] = InForce(
            indicator_id, code, Parameters(direction, floor, target, ceiling, w, bool(gate))
        )
    result: dict[str, dict[int, dict[int, InForce]]] = {}
    for period in wanted:
        result[period] = {}
        for role_id, by_start in sets.items():
            started = [start for start in by_start if start <= period]
            if started:
                result[period][role_id] = by_start[max(started)]
    return result


def plain_parameters(
    in_force: dict[str, dict[int, dict[int, InForce]]],
) -> dict[str, dict[int, dict[int, Parameters]]]:
    """The same mapping with bare ``Parameters`` (what the pure rules read)."""
    return {
        period: {
            role: {i: entry.parameters for i, entry in entries.items()}
            for role, entries in roles.items()
        }
        for period, roles in in_force.items()
    }


# --- score rows ------------------------------------------------------------------------------


def observation_rows(
    user_ids: Iterable[int], periods: Iterable[str] | None = None
) -> list[tuple[int, int, int, str, float, int]]:
    """(score id, user id, indicator id, period, value, job role id) of these people, in these
    periods (all periods when None): one query per 900 people."""
    found = []
    query = select(
        Score.id, Score.user_id, Score.indicator_id, Score.period, Score.value, Score.job_role_id
    )
    if periods is not None:
        query = query.where(Score.period.in_(sorted(set(periods))))
    for chunk in _chunks(user_ids):
        found += [tuple(row) for row in db.session.execute(query.where(Score.user_id.in_(chunk)))]
    return found


def people_with_scores() -> list[int]:
    """Everyone with at least one stored value (one query)."""
    return list(db.session.scalars(select(Score.user_id).distinct().order_by(Score.user_id)))


def rows_of_person(user_id: int, periods: list[str]) -> dict[str, list[ScoreRow]]:
    """Period -> one person's values of ``periods`` with their person (one query)."""
    found: dict[str, list[ScoreRow]] = {}
    for row in db.session.execute(
        _score_row_query()
        .where(Score.user_id == user_id, Score.period.in_(periods))
        .order_by(Score.period, Score.indicator_id)
    ):
        found.setdefault(row.period, []).append(ScoreRow(*row[:9]))
    return found


def periods_of_person(user_id: int) -> list[str]:
    """The periods holding a value of this person, newest first (one query)."""
    return list(
        db.session.scalars(
            select(Score.period)
            .where(Score.user_id == user_id)
            .distinct()
            .order_by(Score.period.desc())
        )
    )


def _score_row_query() -> Select:
    return select(
        Score.id,
        Score.user_id,
        User.employee_no,
        User.name,
        Score.department_id,
        Score.job_role_id,
        Score.indicator_id,
        Score.value,
        Score.batch_id,
        Score.period,
    ).join(User, User.id == Score.user_id)


def peer_rows(period: str, department_id: int | None, job_role_id: int) -> list[ScoreRow]:
    """The values of ``period`` of everyone recorded in this department or this job role: the
    people a person is ranked among (one query)."""
    condition = Score.job_role_id == job_role_id
    if department_id is not None:
        condition = or_(condition, Score.department_id == department_id)
    rows = db.session.execute(
        _score_row_query().where(Score.period == period, condition).order_by(User.employee_no)
    )
    return [ScoreRow(*row[:9]) for row in rows]


def rows_in_subtree(
    periods: list[str], department_ids: set[int] | None, visible: Select | None
) -> dict[str, list[ScoreRow]]:
    """Period -> the values recorded in these departments (all when None) of the people
    ``visible`` selects (everyone when None), over ``periods`` (one query)."""
    query = _score_row_query().where(Score.period.in_(periods))
    if department_ids is not None:
        query = query.where(Score.department_id.in_(sorted(department_ids)))
    if visible is not None:
        query = query.where(Score.user_id.in_(visible))
    found: dict[str, list[ScoreRow]] = {period: [] for period in periods}
    for row in db.session.execute(query.order_by(User.employee_no, Score.indicator_id)):
        found[row.period].append(ScoreRow(*row[:9]))
    return found


# --- the evidence rule's inputs --------------------------------------------------------------


def primary_competencies() -> dict[int, list[tuple[int, str, int]]]:
    """Indicator id -> [(competency id, code, validity months)] of its strength-3 links (one
    query; retired competencies left out)."""
    rows = db.session.execute(
        select(
            IndicatorCompetency.indicator_id,
            Competency.id,
            Competency.code,
            Competency.validity_months,
        )
        .join(Competency, Competency.id == IndicatorCompetency.competency_id)
        .where(IndicatorCompetency.strength == 3, Competency.retired_at.is_(None))
        .order_by(Competency.code)
    )
    found: dict[int, list[tuple[int, str, int]]] = {}
    for indicator_id, competency_id, code, months in rows:
        found.setdefault(indicator_id, []).append((competency_id, code, months))
    return found


def service_evidence(user_ids: list[int], periods: Iterable[str] | None) -> list[Evidence]:
    """The ``service_quality`` evidence of these people whose score lies in ``periods`` (all
    when None) or no longer exists (one query per 900 people)."""
    found: list[Evidence] = []
    for chunk in _chunks(user_ids):
        query = (
            select(Evidence)
            .outerjoin(Score, Score.id == Evidence.source_id)
            .where(Evidence.source == "service_quality", Evidence.user_id.in_(chunk))
        )
        if periods is not None:
            query = query.where(or_(Score.id.is_(None), Score.period.in_(sorted(set(periods)))))
        found += db.session.scalars(query)
    return found


def describe_scores(ids: list[int]) -> list[tuple[int, int, str, str]]:
    """(score id, user id, indicator code, period) of these scores (one query)."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Score.id, Score.user_id, Indicator.code, Score.period)
            .join(Indicator, Indicator.id == Score.indicator_id)
            .where(Score.id.in_(ids))
        )
    ]


# --- gates -----------------------------------------------------------------------------------


def gate_events_of(user_ids: list[int], period: str) -> dict[tuple[int, int], GateEvent]:
    """(user id, indicator id) -> the gate event of ``period`` (one query per 900 people)."""
    found = {}
    for chunk in _chunks(user_ids):
        for event in db.session.scalars(
            select(GateEvent)
            .where(GateEvent.period == period, GateEvent.user_id.in_(chunk))
            .options(joinedload(GateEvent.rule))
        ):
            found[(event.user_id, event.indicator_id)] = event
    return found


def course_coverage(codes: list[str]) -> list[tuple[int, str, int]]:
    """(course id, code, level) of the published courses developing any of ``codes`` (one
    query), for choosing the course a gate event assigns."""
    if not codes:
        return []
    return [
        tuple(row)
        for row in db.session.execute(
            select(Course.id, CourseCompetency.code, CourseCompetency.level)
            .join(CourseCompetency, CourseCompetency.course_id == Course.id)
            .where(Course.status == "published", CourseCompetency.code.in_(codes))
        )
    ]


def gate_events(*, without_course: bool = False, limit: int = 500) -> list[GateEvent]:
    """The newest gate events with person, indicator, course and rule (one query)."""
    query = select(GateEvent).options(
        joinedload(GateEvent.user).joinedload(User.department),
        joinedload(GateEvent.indicator),
        joinedload(GateEvent.course),
        joinedload(GateEvent.rule),
    )
    if without_course:
        query = query.where(GateEvent.course_id.is_(None), GateEvent.cleared_at.is_(None))
    return list(
        db.session.scalars(
            query.order_by(GateEvent.period.desc(), GateEvent.id.desc()).limit(limit)
        ).unique()
    )


def gate_events_waiting() -> list[GateEvent]:
    """Gate events still in force that found no course (one query)."""
    return list(
        db.session.scalars(
            select(GateEvent)
            .where(GateEvent.course_id.is_(None), GateEvent.cleared_at.is_(None))
            .options(joinedload(GateEvent.user), joinedload(GateEvent.indicator))
            .order_by(GateEvent.id)
        ).unique()
    )


def count_gate_events_waiting() -> int:
    """How many gate events still in force found no course (one query)."""
    return db.session.scalar(
        select(func.count(GateEvent.id)).where(
            GateEvent.course_id.is_(None), GateEvent.cleared_at.is_(None)
        )
    )


def gate_events_of_person(user_id: int) -> list[GateEvent]:
    """One person's gate events, newest first, with course and rule (one query)."""
    return list(
        db.session.scalars(
            select(GateEvent)
            .where(GateEvent.user_id == user_id)
            .options(joinedload(GateEvent.course), joinedload(GateEvent.indicator))
            .order_by(GateEvent.period.desc())
        ).unique()
    )


# --- contests --------------------------------------------------------------------------------


def _contest_query() -> Select:
    return select(ScoreContest).options(
        joinedload(ScoreContest.user).joinedload(User.department),
        joinedload(ScoreContest.indicator),
        joinedload(ScoreContest.resolved_by),
        joinedload(ScoreContest.score),
    )


def contests(status: str | None = None, limit: int = 500) -> list[ScoreContest]:
    """Contests (of one status when given): open ones oldest first, others newest first."""
    query = _contest_query()
    if status is not None:
        query = query.where(ScoreContest.status == status)
    order = (
        (ScoreContest.created_at, ScoreContest.id)
        if status == "open"
        else (ScoreContest.created_at.desc(), ScoreContest.id.desc())
    )
    return list(db.session.scalars(query.order_by(*order).limit(limit)).unique())


def answered_contests(limit: int = 200) -> list[ScoreContest]:
    """The contests HR has answered, the latest answer first (one query)."""
    return list(
        db.session.scalars(
            _contest_query()
            .where(ScoreContest.status != "open")
            .order_by(ScoreContest.resolved_at.desc(), ScoreContest.id.desc())
            .limit(limit)
        ).unique()
    )


def contests_of(user_id: int) -> list[ScoreContest]:
    """One person's contests, newest first (one query)."""
    return list(
        db.session.scalars(
            _contest_query()
            .where(ScoreContest.user_id == user_id)
            .order_by(ScoreContest.created_at.desc(), ScoreContest.id.desc())
        ).unique()
    )


def contest_by_id(contest_id: int) -> ScoreContest | None:
    """A contest with its person, indicator, value and resolver, or None."""
    return db.session.scalar(_contest_query().where(ScoreContest.id == contest_id))


def open_contest_for(score_id: int) -> ScoreContest | None:
    """The open contest of a value, or None."""
    return db.session.scalar(
        select(ScoreContest).where(ScoreContest.score_id == score_id, ScoreContest.status == "open")
    )
