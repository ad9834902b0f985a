"""Quizzes and attempts: settings, slots, audiences, frozen attempts and append-only responses.

The shape follows Moodle's question engine, simplified: an ``Attempt`` freezes its
``AttemptSlot`` rows at start (which question version, what mark, which choice order); every save
appends a ``ResponseStep``; the current answer of a slot is its step with the highest sequence.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import clock
from app.core.models import Base, in_values

GRADING_METHODS = ("highest", "average", "first", "last")
REVIEW_TIMES = ("immediately", "open", "closed")
REVIEW_ITEMS = ("marks", "correct", "feedback")
ATTEMPT_STATES = ("in_progress", "finished", "abandoned")


def default_review_options() -> dict:
    """Moodle-like defaults: marks right away; answers and feedback once the quiz is closed."""
    return {"immediately": ["marks"], "open": ["marks"], "closed": list(REVIEW_ITEMS)}


class Quiz(Base):
    """A quiz: its settings, slots and audience."""

    __tablename__ = "quiz"
    __table_args__ = (
        CheckConstraint(in_values("grading_method", GRADING_METHODS), name="grading_method"),
        CheckConstraint("attempts_allowed >= 0", name="attempts_allowed"),
        CheckConstraint("questions_per_page >= 0", name="questions_per_page"),
        CheckConstraint("max_grade > 0", name="max_grade"),
        CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_minutes"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    #: staff see and start only published quizzes
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 0 = every question on one page
    questions_per_page: Mapped[int] = mapped_column(Integer, default=5)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_choices: Mapped[bool] = mapped_column(Boolean, default=True)
    open_at: Mapped[datetime | None] = mapped_column()
    close_at: Mapped[datetime | None] = mapped_column()
    #: None = no time limit
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    #: 0 = unlimited
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    grading_method: Mapped[str] = mapped_column(String(10), default="highest")
    #: attempt totals are scaled to this
    max_grade: Mapped[float] = mapped_column(Float, default=100.0)
    #: on the max_grade scale; an attempt at or above it passes
    pass_mark: Mapped[float] = mapped_column(Float, default=60.0)
    #: {"immediately"|"open"|"closed": ["marks", "correct", "feedback"]}
    review_options: Mapped[dict] = mapped_column(JSON, default=default_review_options)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    slots: Mapped[list["QuizSlot"]] = relationship(
        back_populates="quiz", cascade="all, delete-orphan", order_by="QuizSlot.number"
    )
    audience: Mapped[list["QuizAudience"]] = relationship(
        back_populates="quiz", cascade="all, delete-orphan"
    )


class QuizSlot(Base):
    """A place in a quiz: one fixed question, or N random questions drawn from a category."""

    __tablename__ = "quiz_slot"
    __table_args__ = (
        UniqueConstraint("quiz_id", "number"),
        CheckConstraint(in_values("kind", ("fixed", "random")), name="kind"),
        CheckConstraint(
            "(kind = 'fixed' AND question_id IS NOT NULL) OR "
            "(kind = 'random' AND category_id IS NOT NULL)",
            name="target",
        ),
        CheckConstraint("mark >= 0", name="mark"),
        CheckConstraint("draw_count >= 1", name="draw_count"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    #: fixed slot: the question (its latest version is frozen into each new attempt)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"))
    #: random slot: where to draw from, and the filters
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_category.id", ondelete="RESTRICT")
    )
    include_subcategories: Mapped[bool] = mapped_column(Boolean, default=True)
    #: random slot: how many questions to draw (each worth ``mark``)
    draw_count: Mapped[int] = mapped_column(Integer, default=1)
    competency: Mapped[str | None] = mapped_column(String(10))
    difficulty: Mapped[int | None] = mapped_column(SmallInteger)
    tag: Mapped[str | None] = mapped_column(String(100))
    #: the mark of each question of this slot
    mark: Mapped[float] = mapped_column(Float, default=1.0)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question = relationship("Question")
    category = relationship("Category")


class QuizAudience(Base):
    """Who may take a quiz: a department (with its subtree), a job role, or one person."""

    __tablename__ = "quiz_audience"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN department_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN job_role_id IS NULL THEN 0 ELSE 1 END) + "
            "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        UniqueConstraint("quiz_id", "department_id", "job_role_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE")
    )
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("job_role.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))

    quiz: Mapped[Quiz] = relationship(back_populates="audience")
    department = relationship("Department")
    job_role = relationship("JobRole")
    user = relationship("User")


class Attempt(Base):
    """One try at a quiz by one person; frozen at start, graded once at finish."""

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        CheckConstraint(in_values("state", ATTEMPT_STATES), name="state"),
        # At most one attempt in progress per person and quiz (partial index: SQLite and PG).
        Index(
            "uq_attempt_one_in_progress",
            "quiz_id",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'in_progress'"),
            postgresql_where=text("state = 'in_progress'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    #: 1, 2, ... for real attempts; 0 for the trainer's preview (never counts)
    number: Mapped[int] = mapped_column(Integer)
    is_preview: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: start + time limit, capped by the close time; None = no deadline
    deadline_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    last_saved_at: Mapped[datetime | None] = mapped_column()
    #: sum of the slot marks earned / available (before scaling)
    raw_mark: Mapped[float | None] = mapped_column(Float)
    raw_max: Mapped[float] = mapped_column(Float, default=0.0)
    #: the grade scaled to the quiz maximum; None while anything awaits manual grading
    mark: Mapped[float | None] = mapped_column(Float)
    max_mark: Mapped[float] = mapped_column(Float, default=100.0)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    needs_grading: Mapped[bool] = mapped_column(Boolean, default=False)

    quiz: Mapped[Quiz] = relationship()
    user = relationship("User")
    slots: Mapped[list["AttemptSlot"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AttemptSlot.number"
    )


class AttemptSlot(Base):
    """A question as frozen into an attempt, and later its grade."""

    __tablename__ = "attempt_slot"
    __table_args__ = (UniqueConstraint("attempt_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    #: position in the attempt as displayed (1..n)
    number: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer, default=1)
    quiz_slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_slot.id", ondelete="SET NULL")
    )
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id", ondelete="RESTRICT"), index=True
    )
    max_mark: Mapped[float] = mapped_column(Float)
    #: the choice order shown, frozen at start (opaque; owned by the qtype)
    choice_order: Mapped[list | dict | None] = mapped_column(JSON)
    fraction: Mapped[float | None] = mapped_column(Float)
    mark: Mapped[float | None] = mapped_column(Float)
    needs_grading: Mapped[bool] = mapped_column(Boolean, default=False)
    graded_at: Mapped[datetime | None] = mapped_column()
    grader_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    comment: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[Attempt] = relationship(back_populates="slots")
    version = relationship("QuestionVersion")


class ResponseStep(Base):
    """One saved answer (append-only); the highest sequence number of a slot is its answer."""

    __tablename__ = "response_step"
    __table_args__ = (UniqueConstraint("attempt_slot_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_slot_id: Mapped[int] = mapped_column(
        ForeignKey("attempt_slot.id", ondelete="CASCADE"), index=True
    )
    #: the client's per-attempt sequence number (milliseconds-based; never reused)
    seq: Mapped[int] = mapped_column(BigInteger)
    #: the normalised response, as the qtype stores it (None = cleared)
    value: Mapped[dict | list | str | float | bool | None] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=clock.now)


class AttemptCompetencyResult(Base):
    """Marks earned and available per competency and difficulty in one finished attempt."""

    __tablename__ = "attempt_competency_result"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)
    difficulty: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    earned: Mapped[float] = mapped_column(Float, default=0.0)
    available: Mapped[float] = mapped_column(Float, default=0.0)
    n_questions: Mapped[int] = mapped_column(Integer, default=0)


class QuizOverride(Base):
    """Different settings for one person or one department (with its subtree).

    A field left empty keeps the quiz's own setting. A person's override beats a department's,
    and the deepest department's beats its parents'.
    """

    __tablename__ = "quiz_override"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (department_id IS NULL)", name="one_target"),
        UniqueConstraint("quiz_id", "user_id", "department_id"),
        CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_minutes"
        ),
        CheckConstraint("attempts_allowed IS NULL OR attempts_allowed >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE")
    )
    open_at: Mapped[datetime | None] = mapped_column()
    close_at: Mapped[datetime | None] = mapped_column()
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    #: 0 = unlimited
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    quiz: Mapped[Quiz] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    department = relationship("Department")
