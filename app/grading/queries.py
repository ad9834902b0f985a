"""Read-side queries of grading: the queue, results per quiz, responses per question."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.bank.models import QuestionVersion
from app.extensions import db
from app.org.models import Department, User
from app.quizzes.models import Attempt, AttemptSlot, Quiz


def queue_by_quiz() -> list[tuple[Quiz, int]]:
    """Quizzes with responses awaiting a manual mark, and how many (one query)."""
    waiting = (
        select(Attempt.quiz_id, func.count(AttemptSlot.id).label("n"))
        .join(AttemptSlot, AttemptSlot.attempt_id == Attempt.id)
        .where(
            Attempt.state == "finished",
            Attempt.is_preview.is_(False),
            AttemptSlot.needs_grading.is_(True),
        )
        .group_by(Attempt.quiz_id)
        .subquery()
    )
    return db.session.execute(
        select(Quiz, waiting.c.n).join(waiting, waiting.c.quiz_id == Quiz.id).order_by(Quiz.title)
    ).all()


def waiting_slots(quiz: Quiz, question_id: int | None = None) -> list[AttemptSlot]:
    """Responses of a quiz awaiting a mark, oldest first, optionally for one question."""
    query = (
        select(AttemptSlot)
        .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .join(QuestionVersion, AttemptSlot.question_version_id == QuestionVersion.id)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.state == "finished",
            Attempt.is_preview.is_(False),
            AttemptSlot.needs_grading.is_(True),
        )
        .options(
            joinedload(AttemptSlot.attempt).joinedload(Attempt.user),
            joinedload(AttemptSlot.version),
        )
        .order_by(Attempt.finished_at, AttemptSlot.number)
    )
    if question_id:
        query = query.where(QuestionVersion.question_id == question_id)
    return db.session.scalars(query).all()


def quiz_attempts(quiz: Quiz, *, department: Department | None = None, job_role_id=None):
    """Real attempts of a quiz with their people (filters: department subtree, job role)."""
    query = (
        select(Attempt)
        .join(User, Attempt.user_id == User.id)
        .where(Attempt.quiz_id == quiz.id, Attempt.is_preview.is_(False))
        .options(
            joinedload(Attempt.user).joinedload(User.department),
            joinedload(Attempt.user).joinedload(User.job_role),
        )
        .order_by(User.employee_no, Attempt.number)
    )
    if department is not None:
        query = query.where(User.department_id.in_(department.subtree_ids()))
    if job_role_id:
        query = query.where(User.job_role_id == job_role_id)
    return db.session.scalars(query).unique().all()


def slots_of(attempts) -> list[AttemptSlot]:
    """Every slot of these attempts with its version (one query)."""
    if not attempts:
        return []
    return db.session.scalars(
        select(AttemptSlot)
        .where(AttemptSlot.attempt_id.in_([a.id for a in attempts]))
        .options(selectinload(AttemptSlot.version))
        .order_by(AttemptSlot.attempt_id, AttemptSlot.number)
    ).all()
