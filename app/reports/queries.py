"""Read-side queries of the reports: the attempts, marks and responses a quiz's statistics are
computed from, the cached statistics, and the flags they raised on questions; the HR dashboard's
latest month with service scores.

Each function is one statement whatever the number of attempts; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.bank.models import Question, QuestionVersion
from app.extensions import db
from app.quality.models import Score
from app.quizzes.models import Attempt, AttemptSlot, Quiz, QuizSlot, ResponseStep
from app.reports.item_stats import Candidate
from app.reports.models import QuestionStatisticsFlag, QuizStatistics

# --- what the statistics are computed from --------------------------------------------------


def _finished(quiz_id: int):
    """Conditions of a quiz's finished, real (non-preview) attempts."""
    return (
        Attempt.quiz_id == quiz_id,
        Attempt.state == "finished",
        Attempt.is_preview.is_(False),
    )


def finished_attempts(quiz_id: int) -> list[Candidate]:
    """Every finished real attempt of the quiz, as the choice of attempts needs them."""
    rows = db.session.execute(
        select(
            Attempt.id, Attempt.user_id, Attempt.number, Attempt.raw_mark, Attempt.needs_grading
        ).where(*_finished(quiz_id))
    )
    return [
        Candidate(attempt_id, user_id, number, total, bool(waiting))
        for attempt_id, user_id, number, total, waiting in rows
    ]


#: the columns of ``graded_slot_marks``, in order
SLOT_MARK_COLUMNS = (
    "attempt_id", "number", "quiz_slot_id", "version_id", "max_mark", "mark", "response",
)  # fmt: skip


def graded_slot_marks(quiz_id: int) -> list[tuple]:
    """One plain row (SLOT_MARK_COLUMNS) per question of every finished, fully graded real
    attempt of the quiz, in display order: where it sat, which version, its mark and the saved
    response as JSON text (None: never answered).

    One statement, read as the driver's plain tuples and without decoding the JSON: a quiz of
    10,000 attempts has 500,000 rows here, and the response analysis decodes each distinct
    answer once.
    """
    newest = (
        select(ResponseStep.attempt_slot_id, func.max(ResponseStep.seq).label("seq"))
        .join(AttemptSlot, ResponseStep.attempt_slot_id == AttemptSlot.id)
        .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .where(*_finished(quiz_id), Attempt.needs_grading.is_(False))
        .group_by(ResponseStep.attempt_slot_id)
        .subquery()
    )
    query = (
        select(
            AttemptSlot.attempt_id,
            AttemptSlot.number,
            AttemptSlot.quiz_slot_id,
            AttemptSlot.question_version_id,
            AttemptSlot.max_mark,
            AttemptSlot.mark,
            cast(ResponseStep.value, Text),
        )
        .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .outerjoin(newest, newest.c.attempt_slot_id == AttemptSlot.id)
        .outerjoin(
            ResponseStep,
            (ResponseStep.attempt_slot_id == newest.c.attempt_slot_id)
            & (ResponseStep.seq == newest.c.seq),
        )
        .where(*_finished(quiz_id), Attempt.needs_grading.is_(False))
        .order_by(AttemptSlot.attempt_id, AttemptSlot.number)
    )
    result = db.session.connection().execute(query)
    try:
        # the driver's own tuples: these columns need no conversion (numbers, text, ints)
        return result.cursor.fetchall()
    finally:
        result.close()


def slots_of(quiz_id: int) -> list[QuizSlot]:
    """The quiz's slots with the categories of random ones (one query)."""
    return db.session.scalars(
        select(QuizSlot)
        .where(QuizSlot.quiz_id == quiz_id)
        .options(selectinload(QuizSlot.category))
        .order_by(QuizSlot.number)
    ).all()


def versions_with_questions(version_ids) -> dict[int, QuestionVersion]:
    """Version id -> the version with its question (key, id); nothing else loaded."""
    ids = list(version_ids)
    if not ids:
        return {}
    versions = db.session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.id.in_(ids))
        .options(
            joinedload(QuestionVersion.question).options(lazyload(Question.tag_rows)),
            lazyload(QuestionVersion.competency_rows),
        )
    ).all()
    return {version.id: version for version in versions}


def quizzes_with_finished_attempts() -> list[Quiz]:
    """Every quiz that has a finished real attempt, by id."""
    return db.session.scalars(
        select(Quiz)
        .where(
            Quiz.id.in_(
                select(Attempt.quiz_id).where(
                    Attempt.state == "finished", Attempt.is_preview.is_(False)
                )
            )
        )
        .order_by(Quiz.id)
    ).all()


# --- the cache ------------------------------------------------------------------------------


def cached_statistics(quiz_id: int, choice: str) -> QuizStatistics | None:
    """The cached statistics of a quiz for a choice of attempts, if any were computed."""
    return db.session.get(QuizStatistics, (quiz_id, choice), populate_existing=True)


def stale_statistics() -> list[QuizStatistics]:
    """Every cached statistics whose attempts changed since it was computed."""
    return db.session.scalars(
        select(QuizStatistics)
        .where(
            (QuizStatistics.computed_generation.is_(None))
            | (QuizStatistics.computed_generation != QuizStatistics.generation)
        )
        .order_by(QuizStatistics.quiz_id, QuizStatistics.attempt_choice)
    ).all()


def default_choice_of(grading_method_column):
    """SQL for the choice of attempts that matches a quiz's grading method (average: all)."""
    return case((grading_method_column == "average", "all"), else_=grading_method_column)


@dataclass(frozen=True)
class FlagRow:
    """Flags a quiz's statistics raised on a question, with the quiz they come from."""

    question_id: int
    quiz_id: int
    quiz_title: str
    attempt_choice: str
    row_key: str
    n_attempts: int
    flags: list
    facility: float | None
    discrimination_index: float | None
    computed_at: datetime | None
    is_stale: bool


def flags_of_questions(question_ids) -> list[FlagRow]:
    """The flags on these questions, from every quiz's statistics for its own grading method
    (the choice the statistics page opens with), quizzes by title (one query)."""
    ids = list(question_ids)
    if not ids:
        return []
    rows = db.session.execute(
        select(
            QuestionStatisticsFlag,
            Quiz.title,
            QuizStatistics.computed_at,
            QuizStatistics.generation != QuizStatistics.computed_generation,
        )
        .join(Quiz, QuestionStatisticsFlag.quiz_id == Quiz.id)
        .join(
            QuizStatistics,
            (QuizStatistics.quiz_id == QuestionStatisticsFlag.quiz_id)
            & (QuizStatistics.attempt_choice == QuestionStatisticsFlag.attempt_choice),
        )
        .where(
            QuestionStatisticsFlag.question_id.in_(ids),
            QuestionStatisticsFlag.attempt_choice == default_choice_of(Quiz.grading_method),
        )
        .order_by(Quiz.title, Quiz.id, QuestionStatisticsFlag.row_key)
    ).all()
    return [
        FlagRow(
            question_id=flag.question_id,
            quiz_id=flag.quiz_id,
            quiz_title=title,
            attempt_choice=flag.attempt_choice,
            row_key=flag.row_key,
            n_attempts=flag.n_attempts,
            flags=list(flag.flags or []),
            facility=flag.facility,
            discrimination_index=flag.discrimination_index,
            computed_at=computed_at,
            is_stale=bool(stale),
        )
        for flag, title, computed_at, stale in rows
    ]


# --- the HR dashboard ------------------------------------------------------------------------


def latest_scored_period(upto: str) -> str | None:
    """The newest month up to ``upto`` holding service scores (one indexed lookup), for the
    dashboard's hint when its month has no results yet."""
    return db.session.scalar(select(func.max(Score.period)).where(Score.period <= upto))
