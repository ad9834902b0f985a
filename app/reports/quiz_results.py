"""Quiz results for HR, trainers and managers: every quiz with the results of the people the viewer
sees, and one quiz's attempts. HR, admins and trainers see everyone's results; a manager those of
the people in the subtrees they manage (and their own); nobody else's attempt reaches them.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import joinedload

from app.core.permissions import sees_all_quiz_results
from app.extensions import db
from app.org.models import Department, User
from app.org.queries import visible_users
from app.quizzes.models import Attempt, Quiz

PAGE_SIZE = 100


def _people(viewer, department: Department | None, job_role_id: int | None) -> Select:
    """Select the ids of the people whose results ``viewer`` sees, filtered."""
    if sees_all_quiz_results(viewer):
        query = select(User.id)
    else:
        query = visible_users(viewer).with_only_columns(User.id).order_by(None)
    if department is not None:
        query = query.where(User.department_id.in_(department.subtree_ids()))
    if job_role_id:
        query = query.where(User.job_role_id == job_role_id)
    return query


def _real_attempts(viewer, department, job_role_id):
    return and_(
        Attempt.is_preview.is_(False),
        Attempt.user_id.in_(_people(viewer, department, job_role_id)),
    )


def quizzes(
    viewer, *, department: Department | None = None, job_role_id: int | None = None
) -> Select:
    """Rows (quiz, people, attempts, graded, mean share of the maximum, passed, with a pass
    verdict) of every quiz someone the viewer sees has attempted, by title."""
    graded = and_(
        Attempt.state == "finished",
        Attempt.needs_grading.is_(False),
        Attempt.mark.is_not(None),
        Attempt.max_mark > 0,
    )
    return (
        select(
            Quiz,
            func.count(func.distinct(Attempt.user_id)).label("people"),
            func.count(Attempt.id).label("attempts"),
            func.sum(case((graded, 1), else_=0)).label("graded"),
            func.avg(case((graded, Attempt.mark / Attempt.max_mark))).label("mean"),
            func.sum(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
            func.sum(case((Attempt.passed.is_not(None), 1), else_=0)).label("judged"),
        )
        .join(Attempt, Attempt.quiz_id == Quiz.id)
        .where(_real_attempts(viewer, department, job_role_id))
        .group_by(Quiz.id)
        .order_by(Quiz.title, Quiz.id)
    )


def attempts(
    viewer,
    quiz: Quiz,
    *,
    department: Department | None = None,
    job_role_id: int | None = None,
) -> Select:
    """The quiz's real attempts by the people the viewer sees, by employee number and attempt."""
    return (
        select(Attempt)
        .join(User, User.id == Attempt.user_id)
        .where(Attempt.quiz_id == quiz.id, _real_attempts(viewer, department, job_role_id))
        .options(
            joinedload(Attempt.user).joinedload(User.department),
            joinedload(Attempt.user).joinedload(User.job_role),
        )
        .order_by(User.employee_no, Attempt.number)
    )


def minutes_taken(attempt: Attempt) -> float | None:
    """Minutes from start to finish (one decimal), None while in progress."""
    if attempt.finished_at is None:
        return None
    return round((attempt.finished_at - attempt.started_at).total_seconds() / 60, 1)


def attempts_of(person: User, limit: int = 50) -> list[Attempt]:
    """A person's latest real attempts with their quizzes, newest first (one query)."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.user_id == person.id, Attempt.is_preview.is_(False))
            .options(joinedload(Attempt.quiz))
            .order_by(Attempt.started_at.desc(), Attempt.id.desc())
            .limit(limit)
        )
    )


def all_quizzes(query: Select) -> list[tuple]:
    """Every row of a quizzes select, for an export (one query)."""
    return [tuple(row) for row in db.session.execute(query)]


def all_attempts(query: Select) -> list[Attempt]:
    """Every attempt of an attempts select, for an export (one query)."""
    return list(db.session.scalars(query).unique())
