"""The competency framework: domains, competencies with versioned wording, the 1–5 scale and
the role profiles (required level per job role and competency, from a date on).

A competency's ``code`` is its stable identity: never renamed, never reused, referred to by
questions, courses, quiz slots, quiz results and evidence. Its names, description and level
descriptors live in immutable ``CompetencyVersion`` rows (an edit writes a new version), so the
history shows who changed what. A competency in use is retired, never deleted.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
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

#: a competency code: 1–4 capital letters then 1–3 digits (SV1, BK12, SAFE3)
CODE_PATTERN = r"^[A-Z]{1,4}[0-9]{1,3}$"
#: a domain code: 1–4 capital letters
DOMAIN_PATTERN = r"^[A-Z]{1,4}$"
LEVELS = (1, 2, 3, 4, 5)
#: how long evidence counts unless a competency says otherwise (DOMAIN.md §2.2)
DEFAULT_VALIDITY_MONTHS = 24


def _localised(zh: str, en: str, locale) -> str:
    """The Chinese or English text for ``locale`` (falling back to the other one when empty)."""
    if str(locale).startswith("zh"):
        return zh or en
    return en or zh


class ProficiencyLevel(Base):
    """One level of the 1–5 proficiency scale with its generic name and behavioural descriptor."""

    __tablename__ = "proficiency_level"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level"),)

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")

    @property
    def id(self) -> int:
        """The level is the key (audit rows name their target by id)."""
        return self.level

    def name(self, locale) -> str:
        """The level's name in ``locale`` (知晓 / Aware …)."""
        return _localised(self.name_zh, self.name_en, locale)

    def description(self, locale) -> str:
        """The generic descriptor in ``locale``."""
        return _localised(self.description_zh, self.description_en, locale)


class CompetencyDomain(Base):
    """A group of competencies (SV 服务理念与规范礼仪, BK 业务知识, …)."""

    __tablename__ = "competency_domain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: order on pages and in files
    position: Mapped[int] = mapped_column(Integer, default=0)

    competencies: Mapped[list["Competency"]] = relationship(
        back_populates="domain", order_by="Competency.position"
    )

    def name(self, locale) -> str:
        """The domain's name in ``locale``."""
        return _localised(self.name_zh, self.name_en, locale)


class Competency(Base):
    """A competency: a stable code in a domain; its wording is in its latest version."""

    __tablename__ = "competency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    domain_id: Mapped[int] = mapped_column(
        ForeignKey("competency_domain.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: months a piece of evidence for this competency stays valid
    validity_months: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_VALIDITY_MONTHS)
    #: number of the newest version (the wording shown)
    latest_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: set when retired: kept for history, hidden from pickers and the matrix
    retired_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("validity_months BETWEEN 1 AND 120", name="validity_months"),)

    domain: Mapped[CompetencyDomain] = relationship(back_populates="competencies")
    versions: Mapped[list["CompetencyVersion"]] = relationship(
        back_populates="competency",
        order_by="CompetencyVersion.number",
        cascade="all, delete-orphan",
    )
    latest: Mapped["CompetencyVersion"] = relationship(
        primaryjoin="and_(CompetencyVersion.competency_id == Competency.id, "
        "CompetencyVersion.number == Competency.latest_number)",
        viewonly=True,
        uselist=False,
    )

    @property
    def is_retired(self) -> bool:
        """True once retired."""
        return self.retired_at is not None

    def name(self, locale) -> str:
        """The competency's current name in ``locale``."""
        return self.latest.name(locale) if self.latest is not None else ""

    def label(self, locale) -> str:
        """Code and name, as users see a competency everywhere: "SV1 服务意识与承诺践行"."""
        name = self.name(locale)
        return f"{self.code} {name}" if name else self.code


class CompetencyVersion(Base):
    """The wording of a competency at one time: names, description, a descriptor per level."""

    __tablename__ = "competency_version"
    __table_args__ = (UniqueConstraint("competency_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: {"1": {"zh": "…", "en": "…"}, …, "5": {…}}: what a person at that level does
    levels: Mapped[dict] = mapped_column(JSON, default=dict)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: why this version was written (free text from the editor or "import FILE")
    note: Mapped[str] = mapped_column(String(500), default="")

    competency: Mapped[Competency] = relationship(back_populates="versions")
    author = relationship("User")

    def name(self, locale) -> str:
        """The name in ``locale``."""
        return _localised(self.name_zh, self.name_en, locale)

    def description(self, locale) -> str:
        """The description in ``locale``."""
        return _localised(self.description_zh, self.description_en, locale)

    def descriptor(self, level: int, locale) -> str:
        """What a person at ``level`` does, in ``locale``."""
        entry = (self.levels or {}).get(str(level)) or {}
        return _localised(entry.get("zh", ""), entry.get("en", ""), locale)


class RoleProfile(Base):
    """The levels a job role requires, in force from ``valid_from`` until the next profile."""

    __tablename__ = "role_profile"
    __table_args__ = (UniqueConstraint("job_role_id", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_role_id: Mapped[int] = mapped_column(
        ForeignKey("job_role.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    note: Mapped[str] = mapped_column(String(500), default="")

    job_role = relationship("JobRole")
    author = relationship("User")
    requirements: Mapped[list["RoleRequirement"]] = relationship(
        back_populates="profile", cascade="all, delete-orphan"
    )

    @property
    def levels(self) -> dict[str, int]:
        """Competency code -> required level."""
        return {row.competency.code: row.level for row in self.requirements}


class RoleRequirement(Base):
    """The level a profile requires of one competency (1–5; 1 where the role barely needs it)."""

    __tablename__ = "role_requirement"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level"),)

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("role_profile.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    level: Mapped[int] = mapped_column(SmallInteger)

    profile: Mapped[RoleProfile] = relationship(back_populates="requirements")
    competency: Mapped[Competency] = relationship()


#: where a piece of evidence comes from (quiz results are read from the quiz engine's
#: attempt_competency_result rows, never copied here)
EVIDENCE_SOURCES = ("course_completion", "rating", "service_quality")
RATER_ROLES = ("trainer", "hr", "manager")


class Evidence(Base):
    """A piece of evidence of a person's level in a competency, other than a quiz result."""

    __tablename__ = "competency_evidence"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level"),
        CheckConstraint(in_values("source", EVIDENCE_SOURCES), name="source"),
        # a completion or a service result is evidence once per competency (ratings are
        # their own source: many per person)
        Index(
            "uq_competency_evidence_source",
            "source",
            "source_id",
            "competency_id",
            unique=True,
            sqlite_where=text("source != 'rating'"),
            postgresql_where=text("source != 'rating'"),
        ),
        Index("ix_competency_evidence_person", "user_id", "competency_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str] = mapped_column(String(32))
    #: the record behind it: the enrolment completed, the rating itself (0), the score row
    source_id: Mapped[int] = mapped_column(Integer, default=0)
    #: the level this evidence supports
    level: Mapped[int] = mapped_column(SmallInteger)
    observed_at: Mapped[datetime]
    valid_until: Mapped[datetime]
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: for ratings: as what the author rated (trainer | hr | manager)
    rater_role: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: set when the condition behind it no longer holds (e.g. a corrected score): kept, unused
    withdrawn_at: Mapped[datetime | None]

    competency: Mapped[Competency] = relationship()
    author = relationship("User", foreign_keys=[author_id])


class CompetencyLevel(Base):
    """A person's current level in a competency, as the level rule last computed it.

    Kept current when evidence arrives and by the daily refresh when evidence expires, so the
    matrix and reports read levels instead of recomputing thousands of people.
    """

    __tablename__ = "competency_level"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[int] = mapped_column(
        ForeignKey("competency.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: None: there is evidence, but it reaches no level
    level: Mapped[int | None] = mapped_column(SmallInteger)
    computed_at: Mapped[datetime] = mapped_column(default=clock.now)
    #: when a piece of the evidence expires or starts to count (the refresh recomputes then)
    next_change_at: Mapped[datetime | None] = mapped_column(index=True)
