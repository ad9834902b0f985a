"""The cache of quiz statistics: computed once per quiz and choice of attempts, stale when the
attempts change (the ``attempt_*`` hooks bump ``generation``), and the flags it raised on
questions, so the bank finds them by question without reading every quiz's statistics."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, in_values
from app.reports.item_stats import ATTEMPT_CHOICES


class QuizStatistics(Base):
    """The statistics of one quiz for one choice of attempts (test, questions, responses)."""

    __tablename__ = "quiz_statistics"
    __table_args__ = (
        CheckConstraint(in_values("attempt_choice", ATTEMPT_CHOICES), name="attempt_choice"),
    )

    quiz_id: Mapped[int] = mapped_column(
        ForeignKey("quiz.id", ondelete="CASCADE"), primary_key=True
    )
    #: first, highest, last or all (Moodle's "which attempts")
    attempt_choice: Mapped[str] = mapped_column(String(10), primary_key=True)
    #: bumped whenever an attempt of the quiz is finished, graded or regraded
    generation: Mapped[int] = mapped_column(Integer, default=0)
    #: the generation the payload was computed at; stale when it differs from ``generation``
    computed_generation: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime | None] = mapped_column()
    n_attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: {"test": {...}, "histogram": [...], "rows": [...]} (app/reports/services.py)
    payload: Mapped[dict | None] = mapped_column(JSON)

    @property
    def is_fresh(self) -> bool:
        """Computed, and no attempt changed since."""
        return self.payload is not None and self.computed_generation == self.generation


class QuestionStatisticsFlag(Base):
    """The flags the statistics of a quiz raised on one question (for the bank's pages)."""

    __tablename__ = "question_statistics_flag"
    __table_args__ = (
        ForeignKeyConstraint(
            ["quiz_id", "attempt_choice"],
            ["quiz_statistics.quiz_id", "quiz_statistics.attempt_choice"],
            ondelete="CASCADE",
            name="fk_question_statistics_flag_quiz_statistics",
        ),
        UniqueConstraint(
            "quiz_id",
            "attempt_choice",
            "row_key",
            "question_id",
            name="uq_question_statistics_flag_row",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(Integer)
    attempt_choice: Mapped[str] = mapped_column(String(10))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    #: the row of the statistics table it comes from, e.g. "3" or "4.2" (a drawn question)
    row_key: Mapped[str] = mapped_column(String(20))
    n_attempts: Mapped[int] = mapped_column(Integer)
    #: codes of app.reports.item_stats.FLAGS
    flags: Mapped[list] = mapped_column(JSON, default=list)
    facility: Mapped[float | None] = mapped_column(Float)
    #: percent
    discrimination_index: Mapped[float | None] = mapped_column(Float)
