"""The question bank: a category tree, questions (stable identity) and their immutable versions."""

import base64
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bank.qtypes import QTYPES, STATUSES, TEXT_FORMATS, QuestionData
from app.core import clock
from app.core.models import Base, in_values


class Category(Base):
    """A folder of the bank; categories nest (names joined by '/' name a path)."""

    __tablename__ = "question_category"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("question_category.id"), index=True)
    #: materialised ids from the root, "/1/4/": a subtree is ``path LIKE '/1/%'``
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    #: names from the root joined by "/"
    full_name: Mapped[str] = mapped_column(String(1000), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")

    parent: Mapped["Category | None"] = relationship(remote_side=[id])

    @property
    def depth(self) -> int:
        """0 for a top-level category."""
        return self.path.count("/") - 2


class Question(Base):
    """The stable identity of a question: key, category, status and tags (never versioned)."""

    __tablename__ = "question"
    __table_args__ = (CheckConstraint(in_values("status", STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the stable id: YAML ``id`` = GIFT ``[id:]`` = Moodle XML ``idnumber``
    key: Mapped[str] = mapped_column(String(100), unique=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("question_category.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: number of the newest version, the one the bank shows
    latest_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    category: Mapped[Category] = relationship()
    tag_rows: Mapped[list["QuestionTag"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="QuestionTag.position"
    )
    versions: Mapped[list["QuestionVersion"]] = relationship(
        back_populates="question", order_by="QuestionVersion.number"
    )

    @property
    def tags(self) -> list[str]:
        """The question's tags in their given order."""
        return [t.tag for t in self.tag_rows]

    def set_tags(self, tags: list[str]) -> None:
        """Replace the tags (keeping their order)."""
        current = {t.tag: t for t in self.tag_rows}
        rows = []
        for position, tag in enumerate(tags):
            row = current.get(tag) or QuestionTag(tag=tag)
            row.position = position
            rows.append(row)
        self.tag_rows = rows


class QuestionTag(Base):
    """A label for finding questions; tags belong to the question, not to a version."""

    __tablename__ = "question_tag"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class QuestionVersion(Base):
    """One immutable version of a question's content; an edit makes a new one."""

    __tablename__ = "question_version"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        CheckConstraint(in_values("qtype", QTYPES), name="qtype"),
        CheckConstraint(in_values("questiontextformat", TEXT_FORMATS), name="textformat"),
        CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty"),
        CheckConstraint("defaultmark >= 0", name="defaultmark"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # RESTRICT: a version that attempts use must outlive any clean-up of its question.
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    qtype: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(255))
    questiontext: Mapped[str] = mapped_column(Text)
    questiontextformat: Mapped[str] = mapped_column(String(10), default="markdown")
    generalfeedback: Mapped[str] = mapped_column(Text, default="")
    #: None = same format as the question text
    generalfeedbackformat: Mapped[str | None] = mapped_column(String(10))
    defaultmark: Mapped[float] = mapped_column(Float, default=1.0)
    penalty: Mapped[float] = mapped_column(Float, default=0.3333333)
    difficulty: Mapped[int] = mapped_column(SmallInteger, default=2, index=True)
    #: the version of the rule the question tests (DOMAIN.md §1.5), e.g. 供电营业规则(2024)
    source_version: Mapped[str | None] = mapped_column(String(255))
    hints: Mapped[list] = mapped_column(JSON, default=list)
    correctfeedback: Mapped[str] = mapped_column(Text, default="")
    partiallycorrectfeedback: Mapped[str] = mapped_column(Text, default="")
    incorrectfeedback: Mapped[str] = mapped_column(Text, default="")
    #: the type-specific part, owned and validated by the qtype module
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    question: Mapped[Question] = relationship(back_populates="versions")
    competency_rows: Mapped[list["QuestionCompetency"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="QuestionCompetency.position"
    )
    author = relationship("User")
    #: loaded on access only: the list pages never need the bytes
    file_rows: Mapped[list["QuestionFile"]] = relationship(
        cascade="all, delete-orphan", order_by="QuestionFile.name"
    )

    @property
    def competencies(self) -> list[str]:
        """Competency codes (DOMAIN.md §2.1) this version tests, in their given order."""
        return [row.code for row in self.competency_rows]

    @property
    def qtype_impl(self):
        """The question-type object that owns ``data``."""
        return QTYPES[self.qtype]

    def to_data(self) -> QuestionData:
        """This version with its question's identity, as the formats and graders see it."""
        question = self.question
        return QuestionData(
            qtype=self.qtype,
            name=self.name,
            questiontext=self.questiontext,
            id=question.key,
            category=question.category.full_name,
            questiontextformat=self.questiontextformat,
            generalfeedback=self.generalfeedback,
            generalfeedbackformat=self.generalfeedbackformat,
            defaultmark=self.defaultmark,
            penalty=self.penalty,
            difficulty=self.difficulty,
            competencies=self.competencies,
            tags=question.tags,
            status=question.status,
            source_version=self.source_version,
            hints=list(self.hints or []),
            correctfeedback=self.correctfeedback,
            partiallycorrectfeedback=self.partiallycorrectfeedback,
            incorrectfeedback=self.incorrectfeedback,
            data=dict(self.data or {}),
            files=sorted(
                (row.to_data() for row in self.file_rows),
                key=lambda item: (item["path"], item["name"]),
            ),
            category_description=question.category.description or None,
        )


class QuestionCompetency(Base):
    """A competency code a version tests; a table, so draws can filter by competency in SQL."""

    __tablename__ = "question_competency"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class QuestionFile(Base):
    """A file embedded in a version's texts (Moodle's @@PLUGINFILE@@), kept with the version."""

    __tablename__ = "question_file"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_version.id", ondelete="CASCADE"), index=True
    )
    #: the path inside the question and the file name, "images/meter.png"; texts refer to it
    #: as @@PLUGINFILE@@/images/meter.png
    name: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    content: Mapped[bytes] = mapped_column(LargeBinary)

    def to_data(self) -> dict:
        """The file as QuestionData.files holds it: name, path, mimetype, content_base64."""
        folder, _sep, name = self.name.rpartition("/")
        return {
            "name": name,
            "path": "/" + folder + "/" if folder else "/",
            "mimetype": self.mimetype,
            "content_base64": base64.b64encode(self.content).decode("ascii"),
        }
