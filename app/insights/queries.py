"""What the insights read: completions of a course, the indicators linked to what it teaches, and
monthly outcomes per person (an indicator's raw values or the composite) with the job role the
score rows recorded. Every function runs a fixed number of queries, whatever the headcount."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import distinct, func, select

from app.bank.models import Category, Question, QuestionVersion
from app.competencies.models import Competency, CompetencyLevel
from app.core import clock
from app.courses.models import Course, CourseCompetency, Enrolment
from app.extensions import db
from app.quality import periods
from app.quality import queries as quality_queries
from app.quality.models import Indicator, IndicatorCompetency, Score
from app.quality.queries import ScoreRow
from app.quality.results import evaluate
from app.quizzes.models import Attempt, AttemptSlot

#: an indicator counts for a course when linked this strongly to one of its competencies
MIN_STRENGTH = 2

Outcomes = dict[int, dict[str, float]]
Roles = dict[int, dict[str, int]]


def first_completions(course_id: int) -> dict[int, str]:
    """User id -> the month (local time) they first completed the course (one query)."""
    rows = db.session.execute(
        select(Enrolment.user_id, func.min(Enrolment.completed_at))
        .where(Enrolment.course_id == course_id, Enrolment.completed_at.is_not(None))
        .group_by(Enrolment.user_id)
    ).all()
    return {user_id: periods.of_date(clock.to_local(at).date()) for user_id, at in rows}


def linked_indicators(course: Course) -> list[Indicator]:
    """The indicators linked with strength ≥ 2 to a competency the course develops, in the
    indicators' order (one query)."""
    codes = select(CourseCompetency.code).where(CourseCompetency.course_id == course.id)
    ids = (
        select(IndicatorCompetency.indicator_id)
        .join(Competency, Competency.id == IndicatorCompetency.competency_id)
        .where(Competency.code.in_(codes), IndicatorCompetency.strength >= MIN_STRENGTH)
    )
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.id.in_(ids))
            .order_by(Indicator.position, Indicator.code)
        )
    )


def courses_with_completions() -> list[tuple[Course, int]]:
    """Every course someone has completed, with how many people did (one query)."""
    count = func.count(distinct(Enrolment.user_id))
    rows = db.session.execute(
        select(Course, count)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.completed_at.is_not(None))
        .group_by(Course.id)
        .order_by(count.desc(), Course.title)
    ).all()
    return [(course, n) for course, n in rows]


def roles_by_month(first: str, last: str) -> Roles:
    """User id -> month -> the job role their score rows of that month recorded (one query)."""
    roles: Roles = defaultdict(dict)
    rows = db.session.execute(
        select(Score.user_id, Score.period, Score.job_role_id)
        .where(Score.period.between(first, last))
        .distinct()
    )
    for user_id, period, role_id in rows:
        roles[user_id][period] = role_id
    return dict(roles)


def indicator_outcomes(indicator_id: int, first: str, last: str) -> Outcomes:
    """User id -> month -> the indicator's raw value (one query)."""
    outcomes: Outcomes = defaultdict(dict)
    rows = db.session.execute(
        select(Score.user_id, Score.period, Score.value).where(
            Score.indicator_id == indicator_id, Score.period.between(first, last)
        )
    )
    for user_id, period, value in rows:
        outcomes[user_id][period] = value
    return dict(outcomes)


def composite_outcomes(first: str, last: str, job_role_ids: set[int]) -> Outcomes:
    """User id -> month -> composite (the gate caps applied) of the people whose score rows
    carry one of ``job_role_ids`` (two queries a month)."""
    outcomes: Outcomes = defaultdict(dict)
    if not job_role_ids:
        return {}
    codes = {i.id: i.code for i in quality_queries.indicators_by_id().values()}
    for period in periods.span(first, last):
        rows = [
            ScoreRow(*row)
            for row in db.session.execute(
                quality_queries.score_row_select(period)
                .where(Score.job_role_id.in_(job_role_ids))
                .order_by(Score.user_id, Score.indicator_id)
            )
        ]
        if not rows:
            continue
        in_force = quality_queries.parameters_in_force(period)
        for result in evaluate(period, rows, in_force, codes):
            if result.composite is not None and result.composite.value is not None:
                outcomes[result.user_id][period] = result.composite.value
    return dict(outcomes)


# --- which skills predict service ------------------------------------------------------------


def _role_people(job_role_id: int, first: str, last: str):
    """The people whose score rows of ``first`` … ``last`` carry the job role (a subquery)."""
    return (
        select(Score.user_id)
        .where(Score.job_role_id == job_role_id, Score.period.between(first, last))
        .distinct()
    )


def indicator_means(
    job_role_id: int, first: str, last: str, minimum: int
) -> dict[int, dict[int, float]]:
    """Indicator id -> user id -> mean raw value over the months, from the rows recorded with
    the job role, for people with at least ``minimum`` values (one query)."""
    count = func.count(Score.value)
    rows = db.session.execute(
        select(Score.indicator_id, Score.user_id, func.avg(Score.value), count)
        .where(Score.job_role_id == job_role_id, Score.period.between(first, last))
        .group_by(Score.indicator_id, Score.user_id)
        .having(count >= minimum)
    )
    means: dict[int, dict[int, float]] = defaultdict(dict)
    for indicator_id, user_id, mean, _n in rows:
        means[indicator_id][user_id] = float(mean)
    return dict(means)


def competency_levels(job_role_id: int, first: str, last: str) -> dict[str, dict[int, float]]:
    """Competency code -> user id -> current level, for the role's people with a level in an
    active competency (one query)."""
    rows = db.session.execute(
        select(Competency.code, CompetencyLevel.user_id, CompetencyLevel.level)
        .join(Competency, Competency.id == CompetencyLevel.competency_id)
        .where(
            CompetencyLevel.user_id.in_(_role_people(job_role_id, first, last)),
            CompetencyLevel.level.is_not(None),
            Competency.retired_at.is_(None),
        )
    )
    levels: dict[str, dict[int, float]] = defaultdict(dict)
    for code, user_id, level in rows:
        levels[code][user_id] = float(level)
    return dict(levels)


def category_results(
    job_role_id: int, first: str, last: str, since, until
) -> dict[str, dict[int, float]]:
    """Question category (full name) -> user id -> mean graded fraction (0–1) of the person's
    answers to its questions in finished real attempts between ``since`` and ``until`` (one
    query)."""
    rows = db.session.execute(
        select(Category.full_name, Attempt.user_id, func.avg(AttemptSlot.fraction))
        .join(Attempt, Attempt.id == AttemptSlot.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptSlot.question_version_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .join(Category, Category.id == Question.category_id)
        .where(
            Attempt.user_id.in_(_role_people(job_role_id, first, last)),
            Attempt.state == "finished",
            Attempt.is_preview.is_(False),
            Attempt.finished_at >= since,
            Attempt.finished_at < until,
            AttemptSlot.fraction.is_not(None),
        )
        .group_by(Category.full_name, Attempt.user_id)
    )
    results: dict[str, dict[int, float]] = defaultdict(dict)
    for name, user_id, mean in rows:
        results[name][user_id] = float(mean)
    return dict(results)
