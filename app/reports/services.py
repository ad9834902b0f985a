"""Use cases of the reports: a quiz's statistics from the cache (computed again when its attempts
changed), marking them stale from the attempt hooks, and refreshing every stale one.

The cache row of a quiz and choice of attempts carries a ``generation`` that the hooks bump in
the transaction that finishes, grades or regrades an attempt. A computation first makes sure the
row exists and notes its generation, then reads the attempts, and stores the result as computed
at that generation: an attempt that changes while it runs leaves the row stale, never a stale
result marked fresh.
"""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy import delete, update

from app.core import clock
from app.core.errors import DomainError
from app.core.uow import transaction
from app.extensions import db
from app.quizzes.models import Quiz
from app.reports import item_analysis, queries
from app.reports.item_stats import ATTEMPT_CHOICES
from app.reports.models import QuestionStatisticsFlag, QuizStatistics


class _RowRace(DomainError):
    """Another request created the same cache row first."""


def default_choice(quiz: Quiz) -> str:
    """The choice of attempts that matches the quiz's grading method (average: every attempt)."""
    return "all" if quiz.grading_method == "average" else quiz.grading_method


def statistics_for(quiz: Quiz, choice: str | None = None) -> QuizStatistics:
    """The quiz's statistics for ``choice`` (default: its grading method's), computed again
    first if no attempt was counted yet or any changed since."""
    choice = choice if choice in ATTEMPT_CHOICES else default_choice(quiz)
    row = queries.cached_statistics(quiz.id, choice)
    if row is not None and row.is_fresh:
        return row
    if row is None:
        with suppress(_RowRace):  # another request made it first: use that one
            _create_row(quiz.id, choice)
        row = queries.cached_statistics(quiz.id, choice)
    generation = row.generation
    payload = item_analysis.build(quiz, choice)
    _store(row, generation, payload)
    return queries.cached_statistics(quiz.id, choice)


@transaction(expect=_RowRace)
def _create_row(quiz_id: int, choice: str) -> None:
    """An empty cache row, committed before the attempts are read (see the module's note)."""
    db.session.add(QuizStatistics(quiz_id=quiz_id, attempt_choice=choice, generation=0))


@transaction
def _store(row: QuizStatistics, generation: int, payload: dict) -> None:
    """Write the payload computed at ``generation`` and the flags it raised on questions."""
    db.session.execute(
        update(QuizStatistics)
        .where(
            QuizStatistics.quiz_id == row.quiz_id,
            QuizStatistics.attempt_choice == row.attempt_choice,
        )
        .values(
            payload=payload,
            computed_generation=generation,
            computed_at=clock.now(),
            n_attempts=payload["test"]["count"],
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(QuestionStatisticsFlag).where(
            QuestionStatisticsFlag.quiz_id == row.quiz_id,
            QuestionStatisticsFlag.attempt_choice == row.attempt_choice,
        )
    )
    db.session.add_all(
        QuestionStatisticsFlag(
            quiz_id=row.quiz_id,
            attempt_choice=row.attempt_choice,
            question_id=item["question_id"],
            row_key=item["key"],
            n_attempts=item["stats"]["count"],
            flags=item["flags"],
            facility=item["stats"]["facility"],
            discrimination_index=item["stats"]["discrimination_index"],
        )
        for item in payload["rows"]
        if item["question_id"] is not None and item["flags"]
    )


def attempt_changed(attempt) -> None:
    """Hook of ``attempt_finished``, ``attempt_graded`` and ``attempt_regraded``: the quiz's
    cached statistics are stale (one UPDATE, in the caller's unit of work)."""
    db.session.execute(
        update(QuizStatistics)
        .where(QuizStatistics.quiz_id == attempt.quiz_id)
        .values(generation=QuizStatistics.generation + 1)
        .execution_options(synchronize_session=False)
    )


def refresh_stale() -> int:
    """Compute again every cached statistics whose attempts changed (cron); returns how many."""
    done = 0
    for row in queries.stale_statistics():
        quiz = db.session.get(Quiz, row.quiz_id)
        if quiz is not None:
            statistics_for(quiz, row.attempt_choice)
            done += 1
    return done


def seed_statistics() -> str:
    """Demo seeder: the statistics of every quiz with attempts, so the bank shows its flags."""
    quizzes = queries.quizzes_with_finished_attempts()
    for quiz in quizzes:
        statistics_for(quiz)
    return f"statistics of {len(quizzes)} quizzes"
