"""Service quality: indicators, their parameters per job role from a period on, raw scores and
the batches that brought them.

An ``Indicator`` (K01 客户满意率 …) has a stable code, bilingual wording, a unit, a direction and
links to the competencies it depends on. What it counts for in a job role (weight, floor,
target, ceiling, gate) lives in a ``ParameterSet`` per job role, in force from its period until
the next set of that role; a change is a new set, so the parameters of a past period never
change. A ``Score`` is one raw value per person × indicator × period, with the job role and
department the person had then and the ``ScoreBatch`` (import, correction) that set it. Indicator
scores and composites are computed from these by ``app.quality.scoring``, never stored.
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
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
from app.quality.periods import PERIOD_LIKE
from app.quality.units import DIRECTIONS, UNITS

#: where a batch of scores came from (ratings: customers' ratings into K01, app/kiosk)
BATCH_SOURCES = ("page", "cli", "api", "correction", "demo", "ratings")
STRENGTHS = (1, 2, 3)


def _localised(zh: str, en: str, locale) -> str:
    if str(locale).startswith("zh"):
        return zh or en
    return en or zh


def _period_check(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} LIKE '{PERIOD_LIKE}'", name=column)


class Indicator(Base):
    """A service indicator: code, wording, unit, direction and where its data comes from."""

    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint(in_values("unit", UNITS), name="unit"),
        CheckConstraint(in_values("direction", DIRECTIONS), name="direction"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: stable key (K01 …): never renamed or reused
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    definition_zh: Mapped[str] = mapped_column(Text, default="")
    definition_en: Mapped[str] = mapped_column(Text, default="")
    #: percent | points | count (app.quality.units.UNITS)
    unit: Mapped[str] = mapped_column(String(16))
    #: higher | lower: which way is better
    direction: Mapped[str] = mapped_column(String(8))
    #: the system or records the values come from
    source_zh: Mapped[str] = mapped_column(String(500), default="")
    source_en: Mapped[str] = mapped_column(String(500), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: counts the changes of wording, unit or direction (shown to staff with the definition)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    links: Mapped[list["IndicatorCompetency"]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan"
    )

    def name(self, locale) -> str:
        """The name in ``locale``."""
        return _localised(self.name_zh, self.name_en, locale)

    def label(self, locale) -> str:
        """Code and name, as users see an indicator everywhere: "K01 客户满意率"."""
        return f"{self.code} {self.name(locale)}"

    def definition(self, locale) -> str:
        """The definition or formula in ``locale``."""
        return _localised(self.definition_zh, self.definition_en, locale)

    def source(self, locale) -> str:
        """The data source in ``locale``."""
        return _localised(self.source_zh, self.source_en, locale)

    @property
    def strengths(self) -> dict[str, int]:
        """Competency code -> strength of the link (3 primary, 2 strong, 1 contributing)."""
        return {link.competency.code: link.strength for link in self.links}


class IndicatorCompetency(Base):
    """An indicator depends on a competency with a strength 1–3 (DOMAIN.md §3.1)."""

    __tablename__ = "indicator_competency"
    __table_args__ = (CheckConstraint("strength BETWEEN 1 AND 3", name="strength"),)

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    strength: Mapped[int] = mapped_column(SmallInteger)

    indicator: Mapped[Indicator] = relationship(back_populates="links")
    competency = relationship("Competency")


class ParameterSet(Base):
    """What the indicators count for in one job role, from ``valid_from`` until the next set."""

    __tablename__ = "indicator_parameter_set"
    __table_args__ = (
        UniqueConstraint("job_role_id", "valid_from"),
        _period_check("valid_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_role_id: Mapped[int] = mapped_column(
        ForeignKey("job_role.id", ondelete="CASCADE"), index=True
    )
    #: the first period (YYYY-MM) the set applies to
    valid_from: Mapped[str] = mapped_column(String(7))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: why the set was written (free text, or "import FILE")
    note: Mapped[str] = mapped_column(String(500), default="")

    job_role = relationship("JobRole")
    author = relationship("User")
    parameters: Mapped[list["IndicatorParameter"]] = relationship(
        back_populates="parameter_set", cascade="all, delete-orphan"
    )


class IndicatorParameter(Base):
    """One indicator's weight, floor, target and ceiling (or gate) in a parameter set.

    Higher is better: score 0 at the floor, 100 at the target (the ceiling is the best value
    possible, at or above the target). Lower is better: score 0 at the ceiling, 100 at the
    target (the floor is the best value possible, at or below the target). Gates carry no
    weight.
    """

    __tablename__ = "indicator_parameter"
    __table_args__ = (
        CheckConstraint(
            "(is_gate AND weight IS NULL) OR (NOT is_gate AND weight > 0 AND weight <= 100)",
            name="weight",
        ),
        CheckConstraint("floor <= target AND target <= ceiling AND floor < ceiling", name="bounds"),
    )

    set_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_parameter_set.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    #: points out of the role's 100 (None for a gate)
    weight: Mapped[float | None] = mapped_column(Float)
    floor: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    ceiling: Mapped[float] = mapped_column(Float)
    #: a gate caps the composite on a violation instead of counting in it
    is_gate: Mapped[bool] = mapped_column(Boolean, default=False)

    parameter_set: Mapped[ParameterSet] = relationship(back_populates="parameters")
    indicator: Mapped[Indicator] = relationship()


class ScoreBatch(Base):
    """One change of scores: an import (file, API call, demo) or a correction of one value."""

    __tablename__ = "score_batch"
    __table_args__ = (
        CheckConstraint(in_values("source", BATCH_SOURCES), name="source"),
        _period_check("period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    #: page | cli | api | correction | demo
    source: Mapped[str] = mapped_column(String(16))
    #: the uploaded file's name (None for API calls and corrections)
    filename: Mapped[str | None] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: the reason of a correction
    note: Mapped[str] = mapped_column(Text, default="")
    #: indicator codes whose month the batch replaced (a correction: the one corrected)
    indicators: Mapped[list] = mapped_column(JSON, default=list)
    n_created: Mapped[int] = mapped_column(Integer, default=0)
    n_updated: Mapped[int] = mapped_column(Integer, default=0)
    n_deleted: Mapped[int] = mapped_column(Integer, default=0)
    n_unchanged: Mapped[int] = mapped_column(Integer, default=0)

    actor = relationship("User")


class Score(Base):
    """A raw value of one person, indicator and period, as the latest batch or correction set it.

    ``job_role_id`` and ``department_id`` are the person's when their first value of the period
    arrived: later moves never rewrite history, and every value of a person's period shares them.
    """

    __tablename__ = "service_score"
    __table_args__ = (
        UniqueConstraint("user_id", "indicator_id", "period"),
        Index("ix_service_score_period_indicator", "period", "indicator_id"),
        _period_check("period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(7))
    #: as given: percentages 0–100, counts, points
    value: Mapped[float] = mapped_column(Float)
    job_role_id: Mapped[int] = mapped_column(
        ForeignKey("job_role.id", ondelete="RESTRICT"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    #: the import or correction that set the value
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("score_batch.id", ondelete="RESTRICT"), index=True
    )

    indicator: Mapped[Indicator] = relationship()
    batch: Mapped[ScoreBatch] = relationship()
    user = relationship("User")


# --- what follows from scores (issue 19): contests and the gate events that open training ----

CONTEST_STATUSES = ("open", "upheld", "rejected")


class ScoreContest(Base):
    """A person questions one of their values; HR upholds it (the value is corrected) or
    rejects it, each with the reason. Kept on record whatever happens to the value later."""

    __tablename__ = "score_contest"
    __table_args__ = (
        CheckConstraint(in_values("status", CONTEST_STATUSES), name="status"),
        CheckConstraint(
            "(status = 'open' AND resolved_at IS NULL)"
            " OR (status <> 'open' AND resolved_at IS NOT NULL)",
            name="resolved",
        ),
        _period_check("period"),
        # one open contest per value: a second one waits for HR's answer to the first
        Index(
            "uq_score_contest_open",
            "score_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_score_contest_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the value contested (None once an import has removed it: the contest stays on record)
    score_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_score.id", ondelete="SET NULL")
    )
    #: the person whose value it is (who contests it)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(7))
    #: the value as it was when contested
    value: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text)
    #: open | upheld | rejected
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: HR's reason, shown to the person (upheld or rejected)
    resolution: Mapped[str] = mapped_column(Text, default="")
    #: the value after an upheld contest
    corrected_value: Mapped[float | None] = mapped_column(Float)
    #: the correction batch an upheld contest wrote
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("score_batch.id", ondelete="SET NULL"))

    indicator: Mapped[Indicator] = relationship()
    score: Mapped[Score | None] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])

    @property
    def is_open(self) -> bool:
        """True until HR has answered."""
        return self.status == "open"


class GateEvent(Base):
    """A gate violation (K15, K16) of one person and period, and the mandatory course it
    assigned: at most one row per person, gate and period, so a repeated import never assigns
    the course twice. ``course_id`` None: no published course develops the gate's primary
    competencies (HR sees it flagged)."""

    __tablename__ = "quality_gate_event"
    __table_args__ = (
        UniqueConstraint("user_id", "indicator_id", "period"),
        _period_check("period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="RESTRICT"), index=True
    )
    period: Mapped[str] = mapped_column(String(7), index=True)
    #: the violations recorded (the latest value seen)
    value: Mapped[float] = mapped_column(Float)
    #: the course assigned (None: none was suitable)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    #: the assignment rule made for the person
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment_rule.id", ondelete="SET NULL")
    )
    #: the reason the person reads on My learning ("K15 安全违章 2026-11：1 次")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: set when a correction took the violation away (its unfinished assignment is stopped)
    cleared_at: Mapped[datetime | None] = mapped_column()

    indicator: Mapped[Indicator] = relationship()
    user = relationship("User")
    course = relationship("Course")
    rule = relationship("AssignmentRule")
