"""Courses and what learners do with them: activities, files, assignment rules, enrolments,
activity progress, certificates and the yearly training-hour quotas."""

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.core import clock
from app.core.models import Base, in_values

COURSE_STATUSES = ("draft", "published", "archived")
ACTIVITY_KINDS = ("lesson", "quiz", "session")
#: the progress status that counts an activity of each kind as done
DONE_STATUS = {"lesson": "viewed", "quiz": "passed", "session": "attended"}
PROGRESS_STATUSES = ("viewed", "passed", "failed", "attended", "absent")
COMPLETION_RULES = ("all", "selected")
TARGET_KINDS = ("user", "department", "job_role")
DUE_KINDS = ("none", "fixed", "after_assignment", "after_hire")
ENROLMENT_SOURCES = ("rule", "self")
#: statuses of an enrolment, derived from its dates (see Enrolment.status_at)
ENROLMENT_STATUSES = (
    "not_started",
    "in_progress",
    "overdue",
    "completed",
    "expiring_soon",
    "expired",
    "withdrawn",
)


class Course(Base):
    """A course: what it teaches (competencies and level), its credit hours and its activities."""

    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint(in_values("status", COURSE_STATUSES), name="status"),
        CheckConstraint(in_values("completion_rule", COMPLETION_RULES), name="completion_rule"),
        CheckConstraint("credit_hours >= 0", name="credit_hours"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(100), default="", index=True)
    #: 学时 credited to a learner who completes the course
    credit_hours: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    #: staff may enrol themselves (published courses only)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "all" active activities complete the course, or only those marked ``is_required``
    completion_rule: Mapped[str] = mapped_column(String(10), default="all")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    published_at: Mapped[datetime | None] = mapped_column()

    competency_rows: Mapped[list["CourseCompetency"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CourseCompetency.code"
    )
    activities: Mapped[list["Activity"]] = relationship(
        back_populates="course",
        cascade="all, delete-orphan",
        order_by=lambda: [Activity.position, Activity.id],
    )
    created_by = relationship("User")

    @property
    def is_published(self) -> bool:
        """True once published (and not archived)."""
        return self.status == "published"

    @property
    def live_activities(self) -> list["Activity"]:
        """Activities in order, without the retired ones."""
        return [a for a in self.activities if a.retired_at is None]

    def counts_for_completion(self, activity: "Activity") -> bool:
        """Whether ``activity`` must be done to complete the course."""
        return activity.retired_at is None and (
            self.completion_rule == "all" or activity.is_required
        )

    @property
    def competencies(self) -> dict[str, int]:
        """Competency code → the level the course brings it to."""
        return {row.code: row.level for row in self.competency_rows}


class CourseCompetency(Base):
    """A competency (DOMAIN.md §2.1 code) a course develops, and the level it brings it to."""

    __tablename__ = "course_competency"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level"),)

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)
    level: Mapped[int] = mapped_column(SmallInteger)


class Activity(Base):
    """One step of a course: a lesson to read, a quiz to pass or an offline session to attend."""

    __tablename__ = "course_activity"
    __table_args__ = (
        CheckConstraint(in_values("kind", ACTIVITY_KINDS), name="kind"),
        CheckConstraint(
            "(kind = 'quiz' AND quiz_id IS NOT NULL) OR (kind <> 'quiz' AND quiz_id IS NULL)",
            name="quiz_ref",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    #: order within the course (ties broken by id)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown: the lesson's text, or what an offline session covers
    body: Mapped[str] = mapped_column(Text, default="")
    #: the quiz (issue 5) whose pass completes a quiz activity; a plain id until the quiz
    #: the quiz whose pass completes this activity (a quiz belongs to at most one course)
    quiz_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz.id", ondelete="RESTRICT"), index=True
    )
    #: offline session: when and where
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    place: Mapped[str | None] = mapped_column(String(200))
    #: counts for completion when the course's completion rule is "selected"
    is_required: Mapped[bool] = mapped_column(Boolean, default=True)
    #: removed from the course; the row stays so learners' progress on it is kept
    retired_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    course: Mapped[Course] = relationship(back_populates="activities")
    files: Mapped[list["CourseFile"]] = relationship(
        back_populates="activity", order_by="CourseFile.id"
    )

    @property
    def done_status(self) -> str:
        """The progress status that counts this activity as done."""
        return DONE_STATUS[self.kind]


class CourseFile(Base):
    """An uploaded image, PDF or video of a course, stored in the database or a shared folder."""

    __tablename__ = "course_file"
    __table_args__ = (
        CheckConstraint("data IS NOT NULL OR stored_name IS NOT NULL", name="stored"),
        CheckConstraint("size >= 0", name="size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    #: the activity that shows the file as an attachment; None = only embedded in text
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_activity.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    #: the content, when stored in the database (the default)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    #: file name under COURSE_FILES_FOLDER, when stored in a shared folder
    stored_name: Mapped[str | None] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=clock.now)

    activity: Mapped[Activity | None] = relationship(back_populates="files")

    @property
    def is_image(self) -> bool:
        """True for images that lessons can embed."""
        return self.content_type.startswith("image/")

    @property
    def is_video(self) -> bool:
        """True for videos played in the page."""
        return self.content_type.startswith("video/")


class AssignmentRule(Base):
    """Assigns a course to a person, a department subtree or a job role, now and in future."""

    __tablename__ = "assignment_rule"
    __table_args__ = (
        CheckConstraint(in_values("target_kind", TARGET_KINDS), name="target_kind"),
        CheckConstraint(
            "(target_kind = 'user' AND user_id IS NOT NULL AND department_id IS NULL"
            " AND job_role_id IS NULL)"
            " OR (target_kind = 'department' AND department_id IS NOT NULL AND user_id IS NULL"
            " AND job_role_id IS NULL)"
            " OR (target_kind = 'job_role' AND job_role_id IS NOT NULL AND user_id IS NULL"
            " AND department_id IS NULL)",
            name="target",
        ),
        CheckConstraint(in_values("due_kind", DUE_KINDS), name="due_kind"),
        CheckConstraint(
            "(due_kind <> 'fixed' OR due_on IS NOT NULL)"
            " AND (due_kind NOT IN ('after_assignment', 'after_hire')"
            " OR (due_days IS NOT NULL AND due_days >= 0))",
            name="due",
        ),
        CheckConstraint("recert_months IS NULL OR recert_months > 0", name="recert_months"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: the department and its whole subtree (by materialised path)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True
    )
    job_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_role.id", ondelete="CASCADE"), index=True
    )
    #: how the due date is set: none, a fixed date, or N days after assignment / hire date
    due_kind: Mapped[str] = mapped_column(String(20), default="none")
    due_on: Mapped[date | None] = mapped_column(Date)
    due_days: Mapped[int | None] = mapped_column(Integer)
    is_mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    #: a certificate expires this many months after completion and the course re-opens;
    #: None = never expires
    recert_months: Mapped[int | None] = mapped_column(Integer)
    #: False once deleted: the rule stops applying, past enrolments stay
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: why the course is assigned, shown to the person ("CM2 情绪安抚与冲突化解差 2 级")
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    course: Mapped[Course] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    department = relationship("Department")
    job_role = relationship("JobRole")


class Enrolment(Base):
    """One learner's pass through a course: a cycle, re-opened as a new cycle on recertification."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "cycle"),
        CheckConstraint(in_values("source", ENROLMENT_SOURCES), name="source"),
        CheckConstraint("cycle >= 1", name="cycle"),
        CheckConstraint("recert_months IS NULL OR recert_months > 0", name="recert_months"),
        Index("ix_enrolment_course_current", "course_id", "superseded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    #: 1 for the first pass; each recertification adds one
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    #: the rule that assigned it; None = self-enrolled (or the rule was removed)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment_rule.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(10), default="rule")
    is_mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    #: copied from the rule: months until the certificate of this cycle expires
    recert_months: Mapped[int | None] = mapped_column(Integer)
    assigned_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: last day to complete (in the company's time zone); None = no deadline
    due_on: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    #: the course's credit hours when completed (later edits of the course do not change it)
    hours_earned: Mapped[float | None] = mapped_column(Float)
    #: the rule stopped applying before completion; progress is kept if it applies again
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    #: a later cycle (recertification) replaced this one; None = the current cycle
    superseded_at: Mapped[datetime | None] = mapped_column()

    user = relationship("User")
    course: Mapped[Course] = relationship()
    rule: Mapped[AssignmentRule | None] = relationship()
    progress: Mapped[list["ActivityProgress"]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan"
    )
    certificate: Mapped["Certificate | None"] = relationship(
        back_populates="enrolment", uselist=False
    )

    def status_at(self, now: datetime, today: date, soon_days: int) -> str:
        """The status on ``now`` (``today`` = its local date); mirrors queries.status_expression."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.completed_at is not None:
            if self.expires_at is not None and self.expires_at <= now:
                return "expired"
            if self.expires_at is not None and self.expires_at <= now + timedelta(days=soon_days):
                return "expiring_soon"
            return "completed"
        if self.due_on is not None and self.due_on < today:
            return "overdue"
        if self.started_at is not None:
            return "in_progress"
        return "not_started"


class ActivityProgress(Base):
    """Where a learner stands on one activity of one enrolment cycle."""

    __tablename__ = "activity_progress"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "activity_id"),
        CheckConstraint(in_values("status", PROGRESS_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("course_activity.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10))
    #: when the activity counted as done (viewed, passed, attended); None = not done
    done_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: the trainer who recorded attendance; None = the learner's own action
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    enrolment: Mapped[Enrolment] = relationship(back_populates="progress")
    activity: Mapped[Activity] = relationship()


class Certificate(Base):
    """Proof of completion, verifiable by its public code; kept after expiry as history."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    #: unguessable public verification code (secrets.token_urlsafe)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    #: what the certificate says, frozen at issue (later renames do not change it)
    holder_name: Mapped[str] = mapped_column(String(100))
    employee_no: Mapped[str] = mapped_column(String(32))
    course_title: Mapped[str] = mapped_column(String(200))
    credit_hours: Mapped[float] = mapped_column(Float, default=0.0)
    issued_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    enrolment: Mapped[Enrolment] = relationship(back_populates="certificate")
    user = relationship("User")

    def is_valid_at(self, now: datetime) -> bool:
        """Not revoked and not expired on ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class TrainingQuota(Base):
    """The 学时 a job role must earn in a calendar year (set by HR)."""

    __tablename__ = "training_quota"
    __table_args__ = (
        UniqueConstraint("job_role_id", "year"),
        CheckConstraint("hours >= 0", name="hours"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_role_id: Mapped[int] = mapped_column(ForeignKey("job_role.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)

    job_role = relationship("JobRole")
