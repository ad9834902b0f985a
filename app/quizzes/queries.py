"""Read-side queries of quizzes: what a person may take, and the authoring list."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.bank.models import QuestionVersion
from app.extensions import db
from app.quizzes.models import Attempt, AttemptSlot, Quiz, QuizSlot
from app.quizzes.services import (
    accessible_quiz_ids,
    attempts_left,
    effective_settings,
    overrides_for,
)


def available_quizzes(user, now) -> list[dict]:
    """Published quizzes open to ``user`` that have not closed for them, with attempts left.

    Overrides apply (a person's or department's extra time or later close); two queries.
    """
    used = (
        select(
            Attempt.quiz_id,
            func.count(Attempt.id).label("used"),
            func.max(Attempt.id).filter(Attempt.state == "in_progress").label("open_id"),
        )
        .where(Attempt.user_id == user.id, Attempt.is_preview.is_(False))
        .group_by(Attempt.quiz_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Quiz, func.coalesce(used.c.used, 0), used.c.open_id)
        .outerjoin(used, used.c.quiz_id == Quiz.id)
        .where(Quiz.id.in_(accessible_quiz_ids(user)), Quiz.is_published.is_(True))
        .order_by(Quiz.title)
    ).all()
    overrides = overrides_for(user, [quiz.id for quiz, _u, _o in rows]) if rows else {}
    found = []
    for quiz, n_used, open_id in rows:
        settings = effective_settings(quiz, user, overrides.get(quiz.id, []))
        if settings.close_at is not None and settings.close_at <= now:
            continue
        found.append(
            {
                "quiz": quiz,
                "settings": settings,
                "used": n_used,
                "left": attempts_left(quiz, n_used, settings),
                "in_progress_id": open_id,
                "not_yet_open": settings.open_at is not None and now < settings.open_at,
            }
        )
    far = now.replace(year=9999)
    return sorted(found, key=lambda row: (row["settings"].close_at or far, row["quiz"].title))


def authoring_list() -> list[tuple[Quiz, int, int]]:
    """Every quiz with its number of slots and of real attempts (one query)."""
    slots = (
        select(QuizSlot.quiz_id, func.count(QuizSlot.id).label("n"))
        .group_by(QuizSlot.quiz_id)
        .subquery()
    )
    attempts = (
        select(Attempt.quiz_id, func.count(Attempt.id).label("n"))
        .where(Attempt.is_preview.is_(False))
        .group_by(Attempt.quiz_id)
        .subquery()
    )
    return db.session.execute(
        select(Quiz, func.coalesce(slots.c.n, 0), func.coalesce(attempts.c.n, 0))
        .outerjoin(slots, slots.c.quiz_id == Quiz.id)
        .outerjoin(attempts, attempts.c.quiz_id == Quiz.id)
        .order_by(Quiz.updated_at.desc())
    ).all()


def my_attempts(user, quiz: Quiz) -> list[Attempt]:
    """The person's attempts at a quiz, newest first."""
    return db.session.scalars(
        select(Attempt)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
        .order_by(Attempt.is_preview, Attempt.number.desc())
    ).all()


def attempt_with_versions(attempt_id: int) -> Attempt | None:
    """An attempt with its slots and their question versions loaded (a fixed number of queries)."""
    return db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(
            selectinload(Attempt.slots)
            .selectinload(AttemptSlot.version)
            .selectinload(QuestionVersion.competency_rows)
        )
    )
