"""Use cases of the question bank: categories, versioned saves, import and export.

Import is the same for every format: parse every file (problems carry file and line), plan what
each question would do (create, new version, update of status/tags/category, unchanged), and
write nothing unless the whole run is clean; one commit for the whole run.
"""

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from app.bank.formats import FORMATS, detect_format
from app.bank.models import Category, Question, QuestionCompetency, QuestionVersion
from app.bank.qtypes import Problem, QuestionData
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.extensions import db

DEFAULT_CATEGORY = "Default"

#: the parts of a question that belong to its version (an edit of any makes a new version)
VERSION_FIELDS = (
    "qtype",
    "name",
    "questiontext",
    "questiontextformat",
    "generalfeedback",
    "generalfeedbackformat",
    "defaultmark",
    "penalty",
    "difficulty",
    "competencies",
    "source_version",
    "hints",
    "correctfeedback",
    "partiallycorrectfeedback",
    "incorrectfeedback",
    "data",
)


class BankImportRejected(DomainError):
    """An import or check found problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- categories ---------------------------------------------------------------------------


def split_category(path: str | None) -> list[str]:
    """Category names from a path of names joined by '/' (empty names dropped)."""
    return [part.strip() for part in (path or "").split("/") if part.strip()]


def join_category(*paths: str | None) -> str:
    """Join category paths: ``join_category("A", "B/C") == "A/B/C"``."""
    names = [name for path in paths for name in split_category(path)]
    return "/".join(names) or DEFAULT_CATEGORY


def ensure_category(full_name: str, description: str | None = None) -> Category:
    """The category with this path, created (with its parents) where missing; not committed."""
    parent = None
    names = split_category(full_name) or [DEFAULT_CATEGORY]
    for depth, name in enumerate(names, start=1):
        path_name = "/".join(names[:depth])
        category = db.session.scalar(select(Category).where(Category.full_name == path_name))
        if category is None:
            category = Category(name=name, parent=parent, full_name=path_name)
            db.session.add(category)
            db.session.flush()
            category.path = f"{parent.path if parent else '/'}{category.id}/"
        parent = category
    if description is not None:
        parent.description = description
    return parent


def category_by_path(full_name: str) -> Category | None:
    """The category named by its path, or None."""
    return db.session.scalar(select(Category).where(Category.full_name == join_category(full_name)))


# --- comparing and writing versions -------------------------------------------------------


def _normalised(value):
    """JSON-equal form, floats rounded, so stored and parsed content compare equal."""

    def fix(item):
        if isinstance(item, float):
            return round(item, 7)
        if isinstance(item, dict):
            return {k: fix(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [fix(v) for v in item]
        return item

    return fix(json.loads(json.dumps(value, sort_keys=True)))


def version_content(question: QuestionData) -> dict:
    """The versioned content of ``question``, normalised for comparison."""
    return _normalised({name: getattr(question, name) for name in VERSION_FIELDS})


def _new_version(question: Question, data: QuestionData, number: int, actor) -> QuestionVersion:
    version = QuestionVersion(
        question=question,
        number=number,
        author_id=getattr(actor, "id", None),
        competency_rows=[
            QuestionCompetency(code=code, position=i) for i, code in enumerate(data.competencies)
        ],
        **{name: getattr(data, name) for name in VERSION_FIELDS if name not in ("competencies",)},
    )
    db.session.add(version)
    question.latest_number = number
    question.updated_at = clock.now()
    return version


def new_question_key() -> str:
    """A fresh stable key for a question that came without one."""
    return "q-" + secrets.token_hex(6)


# --- import -------------------------------------------------------------------------------


@dataclass
class PlannedQuestion:
    """What importing one question does (or would do, on a dry run)."""

    file: str
    line: int | None
    data: QuestionData
    category: str
    action: str  # create | new_version | update | unchanged
    question: Question | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The question's stable key (assigned on planning for new unkeyed questions)."""
        return self.data.id or ""


@dataclass
class BankImportReport:
    """The outcome of an import, or what it would do."""

    items: list[PlannedQuestion]
    dry_run: bool

    def count(self, action: str) -> int:
        """How many questions have ``action``."""
        return sum(1 for item in self.items if item.action == action)

    @property
    def summary(self) -> str:
        """One line: created, new versions, updated, unchanged."""
        return (
            f"{self.count('create')} created, {self.count('new_version')} new versions, "
            f"{self.count('update')} updated, {self.count('unchanged')} unchanged"
        )


def read_source(path: Path, label: str | None = None) -> tuple[str, str | None, Problem | None]:
    """Read a question file as UTF-8 text: (label, text, None) or (label, None, problem)."""
    label = label or str(path)
    raw = path.read_bytes()
    return decode_source(raw, label)


def decode_source(raw: bytes, label: str) -> tuple[str, str | None, Problem | None]:
    """Decode uploaded or read bytes as UTF-8 (with or without BOM)."""
    try:
        return label, raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = _("the file is not UTF-8 text (byte %(pos)d); save it as UTF-8", pos=exc.start)
        return label, None, Problem(label, line, message)


def collect_files(paths: list[Path]) -> list[Path]:
    """Expand folders into the question files they hold (recursively, sorted)."""
    extensions = {ext for spec in FORMATS.values() for ext in spec.extensions}
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in extensions)
            )
        else:
            files.append(path)
    return files


def parse_sources(
    sources: list[tuple[str, str | None, Problem | None]], fmt: str = "auto"
) -> tuple[list[tuple[str, QuestionData]], list[Problem]]:
    """Parse decoded sources with the named format (or by extension and content)."""
    questions: list[tuple[str, QuestionData]] = []
    problems: list[Problem] = []
    for label, text, problem in sources:
        if problem is not None:
            problems.append(problem)
            continue
        name = detect_format(label, text) if fmt == "auto" else fmt
        spec = FORMATS.get(name or "")
        if spec is None:
            problems.append(
                Problem(
                    label,
                    1,
                    _(
                        "cannot tell the format of this file; name it .yaml, .json, .gift, .xml "
                        "or .xlsx, or pass --format"
                    ),
                )
            )
            continue
        parsed, found = spec.parse(text, label)
        questions.extend((label, q) for q in parsed)
        problems.extend(found)
    return questions, problems


def plan_import(
    questions: list[tuple[str, QuestionData]], category: str | None = None
) -> tuple[list[PlannedQuestion], list[Problem]]:
    """Match each question by stable id, else by category + name; decide what it would do."""
    problems: list[Problem] = []
    keys = [q.id for _f, q in questions if q.id]
    existing = (
        {q.key: q for q in db.session.scalars(select(Question).where(Question.key.in_(keys)))}
        if keys
        else {}
    )
    unkeyed_names = [q.name for _f, q in questions if not q.id]
    by_name: dict[tuple[str, str], Question] = {}
    if unkeyed_names:
        rows = db.session.execute(
            select(Question, Category.full_name, QuestionVersion.name)
            .join(Category, Question.category_id == Category.id)
            .join(
                QuestionVersion,
                (QuestionVersion.question_id == Question.id)
                & (QuestionVersion.number == Question.latest_number),
            )
            .where(QuestionVersion.name.in_(unkeyed_names))
        )
        for question, category_name, name in rows:
            by_name.setdefault((category_name, name), question)
    latest = _latest_versions(list(existing.values()) + list(by_name.values()))

    items: list[PlannedQuestion] = []
    seen_keys: dict[str, str] = {}
    seen_names: dict[tuple[str, str], str] = {}
    for label, data in questions:
        target = join_category(category, data.category)
        where = f"{label}:{data.line}"
        if data.id:
            if data.id in seen_keys:
                problems.append(
                    Problem(
                        label,
                        data.line or 1,
                        _(
                            "id '%(id)s' is used twice (also at %(where)s)",
                            id=data.id,
                            where=seen_keys[data.id],
                        ),
                    )
                )
                continue
            seen_keys[data.id] = where
            question = existing.get(data.id)
        else:
            name_key = (target, data.name)
            if name_key in seen_names:
                problems.append(
                    Problem(
                        label,
                        data.line or 1,
                        _(
                            "two questions named '%(name)s' in category %(category)s have no "
                            "id (also at %(where)s); give them ids",
                            name=data.name,
                            category=target,
                            where=seen_names[name_key],
                        ),
                    )
                )
                continue
            seen_names[name_key] = where
            question = by_name.get(name_key)
            data.id = question.key if question is not None else new_question_key()
        data.category = target
        item = PlannedQuestion(label, data.line, data, target, "create", question)
        if question is not None:
            version = latest[question.id]
            item.changes = [
                name
                for name in VERSION_FIELDS
                if _normalised(getattr(data, name)) != _normalised(getattr(version.to_data(), name))
            ]
            labels = []
            if question.status != data.status:
                labels.append("status")
            if question.tags != data.tags:
                labels.append("tags")
            if question.category.full_name != target:
                labels.append("category")
            if item.changes:
                item.action = "new_version"
            elif labels:
                item.action = "update"
            else:
                item.action = "unchanged"
            item.changes += labels
        items.append(item)
    return items, problems


def _latest_versions(questions: list[Question]) -> dict[int, QuestionVersion]:
    if not questions:
        return {}
    rows = db.session.scalars(
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(
            QuestionVersion.question_id.in_([q.id for q in questions]),
            QuestionVersion.number == Question.latest_number,
        )
    )
    return {v.question_id: v for v in rows}


def import_questions(
    actor,
    sources: list[tuple[str, str | None, Problem | None]],
    *,
    fmt: str = "auto",
    category: str | None = None,
    dry_run: bool = False,
) -> BankImportReport:
    """Import question files: every question or none (BankImportRejected lists the problems)."""
    questions, problems = parse_sources(sources, fmt)
    items, plan_problems = plan_import(questions, category) if not problems else ([], [])
    problems += plan_problems
    if problems:
        db.session.rollback()
        raise BankImportRejected(problems)
    report = BankImportReport(items=items, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        return report
    try:
        for item in items:
            _apply(actor, item)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _apply(actor, item: PlannedQuestion) -> None:
    data = item.data
    if item.action == "unchanged":
        return
    if item.action == "create":
        question = Question(
            key=data.id, category=ensure_category(item.category), status=data.status
        )
        question.set_tags(data.tags)
        db.session.add(question)
        _new_version(question, data, 1, actor)
        db.session.flush()
        record_audit(actor, "question.create", question, None, {"key": question.key})
        return
    question = item.question
    before = {
        "status": question.status,
        "tags": question.tags,
        "category": question.category.full_name,
        "version": question.latest_number,
    }
    if item.action == "new_version":
        _new_version(question, data, question.latest_number + 1, actor)
    question.status = data.status
    question.set_tags(data.tags)
    if question.category.full_name != item.category:
        question.category = ensure_category(item.category)
    question.updated_at = clock.now()
    record_audit(
        actor,
        "question.import",
        question,
        before,
        {
            "status": data.status,
            "tags": data.tags,
            "category": item.category,
            "version": question.latest_number,
            "changes": item.changes,
        },
    )


def check_sources(sources, *, fmt: str = "auto", category: str | None = None) -> list[Problem]:
    """Every problem an import of ``sources`` would meet; writes nothing."""
    try:
        import_questions(None, sources, fmt=fmt, category=category, dry_run=True)
    except BankImportRejected as exc:
        return exc.problems
    return []


# --- export -------------------------------------------------------------------------------


def latest_versions_select(category: Category | None = None):
    """Select the latest version of every question (of a category subtree if given)."""
    query = (
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .join(Category, Question.category_id == Category.id)
        .where(QuestionVersion.number == Question.latest_number)
    )
    if category is not None:
        query = query.where(Category.path.startswith(category.path))
    return query.order_by(Category.full_name, Question.key)


def export_questions(category_path: str | None = None) -> list[QuestionData]:
    """The latest version of every question (in a category subtree) as QuestionData."""
    category = None
    if category_path:
        category = category_by_path(category_path)
        if category is None:
            raise DomainError(_("Unknown category %(path)s.", path=category_path))
    from sqlalchemy.orm import selectinload

    versions = db.session.scalars(
        latest_versions_select(category).options(
            selectinload(QuestionVersion.question).selectinload(Question.category)
        )
    ).all()
    return [v.to_data() for v in versions]


def write_export(questions: list[QuestionData], out: Path, fmt: str) -> list[Path]:
    """Write ``questions`` to ``out``: a folder of one file per category for YAML, else a file."""
    spec = FORMATS[fmt]
    if fmt != "yaml":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(spec.dump(questions), encoding="utf-8")
        return [out]
    written = []
    by_category: dict[str, list[QuestionData]] = {}
    for question in questions:
        by_category.setdefault(question.category or DEFAULT_CATEGORY, []).append(question)
    for category, group in sorted(by_category.items()):
        *folders, leaf = split_category(category)
        path = out.joinpath(*folders, f"{leaf}.yaml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec.dump(group, category), encoding="utf-8")
        written.append(path)
    return written
