"""Use cases of the question bank: categories, versioned saves, import and export.

Import is the same for every format: parse every file (problems carry file and line), plan what
each question would do (create, new version, update of status/tags/category, unchanged), and
write nothing unless the whole run is clean; one commit for the whole run.
"""

import base64
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from app.bank.formats import FORMATS, detect_format, format_by_extension
from app.bank.formats.mapping import file_key
from app.bank.formats.xlsx import ZIP_MAGIC
from app.bank.models import (
    Category,
    Question,
    QuestionCompetency,
    QuestionFile,
    QuestionTag,
    QuestionVersion,
)
from app.bank.qtypes import Problem, QuestionData
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.models import AuditEvent
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
    "files",
)
#: versioned fields stored in rows of their own rather than columns of the version
_ROW_FIELDS = ("competencies", "files")


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


def ensure_category(
    full_name: str, description: str | None = None, *, known: dict[str, Category] | None = None
) -> Category:
    """The category with this path, created (with its parents) where missing; not committed.

    ``known`` maps paths to categories already loaded (an import loads them all once), so a
    run over thousands of questions does not ask the database once per question.
    """
    parent = None
    names = split_category(full_name) or [DEFAULT_CATEGORY]
    for depth, name in enumerate(names, start=1):
        path_name = "/".join(names[:depth])
        category = known.get(path_name) if known is not None else None
        if category is None:
            category = db.session.scalar(select(Category).where(Category.full_name == path_name))
        if category is None:
            category = Category(name=name, parent=parent, full_name=path_name)
            db.session.add(category)
            db.session.flush()
            category.path = f"{parent.path if parent else '/'}{category.id}/"
        if known is not None:
            known[path_name] = category
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
        file_rows=[
            QuestionFile(
                name=file_key(item),
                mimetype=item["mimetype"],
                content=base64.b64decode(item["content_base64"]),
            )
            for item in data.files
        ],
        **{name: getattr(data, name) for name in VERSION_FIELDS if name not in _ROW_FIELDS},
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


#: a source to import: (label, text or bytes or None, the problem that stopped reading it)
Source = tuple[str, str | bytes | None, Problem | None]


def read_source(path: Path, label: str | None = None) -> Source:
    """Read a question file: (label, content, None) or (label, None, problem)."""
    label = label or str(path)
    raw = path.read_bytes()
    return decode_source(raw, label)


def decode_source(raw: bytes, label: str) -> Source:
    """Decode uploaded or read bytes as UTF-8 (with or without BOM); a binary format's file
    (a workbook, by its name or its zip signature) keeps its bytes."""
    spec = format_by_extension(label)
    if spec is not None and spec.binary or spec is None and raw.startswith(ZIP_MAGIC):
        return label, raw, None
    text, problem = _decode_text(raw, label)
    return label, text, problem


def _decode_text(raw: bytes, label: str) -> tuple[str | None, Problem | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = _("the file is not UTF-8 text (byte %(pos)d); save it as UTF-8", pos=exc.start)
        return None, Problem(label, line, message)


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
    sources: list[Source], fmt: str = "auto"
) -> tuple[list[tuple[str, QuestionData]], list[Problem]]:
    """Parse decoded sources with the named format (or by extension and content)."""
    questions: list[tuple[str, QuestionData]] = []
    problems: list[Problem] = []
    for label, content, problem in sources:
        if problem is not None:
            problems.append(problem)
            continue
        name = detect_format(label, content) if fmt == "auto" else fmt
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
        if spec.binary and isinstance(content, str):
            content = content.encode("utf-8")
        elif not spec.binary and isinstance(content, bytes):
            content, problem = _decode_text(content, label)
            if problem is not None:
                problems.append(problem)
                continue
        parsed, found = spec.parse(content, label)
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
        {
            q.key: q
            for q in db.session.scalars(
                select(Question)
                .where(Question.key.in_(keys))
                .options(selectinload(Question.category))
            )
        }
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
            incoming = version_content(data)
            stored = version_content(latest[question.id].to_data())
            item.changes = [name for name in VERSION_FIELDS if incoming[name] != stored[name]]
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
        .options(selectinload(QuestionVersion.file_rows))
    )
    return {v.question_id: v for v in rows}


def import_questions(
    actor,
    sources: list[Source],
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
        # Categories first, while nothing else waits to be flushed: creating one needs its id,
        # and a flush then would write every question added so far in small pieces.
        known = {c.full_name: c for c in db.session.scalars(select(Category))}
        described: dict[str, str | None] = {}
        for item in items:
            if item.action != "unchanged" or item.data.category_description is not None:
                described.setdefault(item.category, item.data.category_description)
                if described[item.category] is None:
                    described[item.category] = item.data.category_description
        for path, description in described.items():
            ensure_category(path, description, known=known)
        for item in items:
            if item.action not in ("create", "unchanged"):
                _apply(actor, item, known)
        _create_questions(actor, [item for item in items if item.action == "create"], known)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _create_questions(actor, items: list[PlannedQuestion], known: dict[str, Category]) -> None:
    """Write new questions with their first versions in bulk: one multi-row INSERT per table
    instead of the unit of work's bookkeeping per object (an import may bring thousands).

    Writes exactly the rows `_new_version` and `Question.set_tags` would, and an audit row
    per question."""
    if not items:
        return
    now = clock.now()
    author_id = getattr(actor, "id", None)
    question_ids = db.session.scalars(
        insert(Question).returning(Question.id, sort_by_parameter_order=True),
        [
            {
                "key": item.data.id,
                "category_id": known[item.category].id,
                "status": item.data.status,
                "latest_number": 1,
                "created_at": now,
                "updated_at": now,
            }
            for item in items
        ],
    ).all()
    version_ids = db.session.scalars(
        insert(QuestionVersion).returning(QuestionVersion.id, sort_by_parameter_order=True),
        [
            {
                "question_id": question_id,
                "number": 1,
                "author_id": author_id,
                "created_at": now,
                **{
                    name: getattr(item.data, name)
                    for name in VERSION_FIELDS
                    if name not in _ROW_FIELDS
                },
            }  # fmt: skip
            for question_id, item in zip(question_ids, items, strict=True)
        ],
    ).all()
    tags = [
        {"question_id": question_id, "tag": tag, "position": position}
        for question_id, item in zip(question_ids, items, strict=True)
        for position, tag in enumerate(item.data.tags)
    ]
    codes = [
        {"version_id": version_id, "code": code, "position": position}
        for version_id, item in zip(version_ids, items, strict=True)
        for position, code in enumerate(item.data.competencies)
    ]
    files = [
        {
            "version_id": version_id,
            "name": file_key(entry),
            "mimetype": entry["mimetype"],
            "content": base64.b64decode(entry["content_base64"]),
        }
        for version_id, item in zip(version_ids, items, strict=True)
        for entry in item.data.files
    ]
    for model, rows in ((QuestionTag, tags), (QuestionCompetency, codes), (QuestionFile, files)):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "actor_id": author_id,
                "action": "question.create",
                "target_type": "Question",
                "target_id": str(question_id),
                "before": None,
                "after": {"key": item.data.id},
            }
            for question_id, item in zip(question_ids, items, strict=True)
        ],
    )


def _apply(actor, item: PlannedQuestion, known: dict[str, Category]) -> None:
    """Write one planned new version or update of an existing question."""
    data = item.data
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
        question.category = ensure_category(item.category, known=known)
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
    versions = db.session.scalars(
        latest_versions_select(category).options(
            selectinload(QuestionVersion.question).selectinload(Question.category),
            selectinload(QuestionVersion.file_rows),
        )
    ).all()
    return [v.to_data() for v in versions]


def write_export(questions: list[QuestionData], out: Path, fmt: str) -> list[Path]:
    """Write ``questions`` to ``out``: a folder of one file per category for YAML, else a file."""
    spec = FORMATS[fmt]
    if fmt != "yaml":
        out.parent.mkdir(parents=True, exist_ok=True)
        if spec.binary:
            out.write_bytes(spec.dump(questions))
        else:
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


# --- authoring (bank pages) ---------------------------------------------------------------
# Used by the trainers' pages: saving a form-authored question, bulk changes from the list,
# importing an uploaded file, downloading an export and comparing two versions.

BULK_ACTIONS = ("move", "retire", "tag", "untag")
MAX_TAG_LENGTH = 100  # question_tag.tag


class QuestionSaveRefused(DomainError):
    """A form-authored question could not be saved (taken id, concurrent edit, bad bulk input)."""


@dataclass
class SaveOutcome:
    """What saving a question did: create, new_version, update (status/tags/category) or
    unchanged; ``changes`` names the fields that differ from the version before."""

    question: Question
    action: str
    changes: list[str] = field(default_factory=list)


def _commit_or_refuse() -> None:
    """Commit; a unique-key race with another trainer becomes a message, not a 500."""
    from sqlalchemy.exc import IntegrityError

    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise QuestionSaveRefused(
            _(
                "Someone else saved this question at the same moment. Open it again and redo "
                "your change."
            )
        ) from None


def save_question(
    actor, question: Question | None, data: QuestionData, *, base_version: int | None = None
) -> SaveOutcome:
    """Create a question (version 1) or save an edit of ``question``; one commit.

    Content changes make a new version authored by ``actor`` (versions are immutable); a change
    of only status, tags or category updates the question. ``base_version`` is the version the
    edit started from: if another save came in between, nothing is written.
    """
    category_path = join_category(data.category)
    if question is None:
        key = data.id or new_question_key()
        if db.session.scalar(select(Question.id).where(Question.key == key)) is not None:
            raise QuestionSaveRefused(
                _(
                    "The id '%(key)s' is already used by another question; choose another or "
                    "leave it empty.",
                    key=key,
                )
            )
        data.id = key
        question = Question(key=key, category=ensure_category(category_path), status=data.status)
        question.set_tags(data.tags)
        db.session.add(question)
        _new_version(question, data, 1, actor)
        db.session.flush()
        record_audit(
            actor,
            "question.create",
            question,
            None,
            {"key": key, "version": 1, "category": category_path},
        )
        _commit_or_refuse()
        return SaveOutcome(question, "create")
    if base_version is not None and base_version != question.latest_number:
        raise QuestionSaveRefused(
            _(
                "Someone saved version %(n)d of this question while you were editing. Open it "
                "again and redo your change.",
                n=question.latest_number,
            )
        )
    latest = _latest_versions([question])[question.id]
    current = latest.to_data()
    data.id = question.key
    if getattr(current, "files", None) and not getattr(data, "files", None):
        data.files = list(current.files)  # the form does not edit embedded files: keep them
    changes = [
        name
        for name in VERSION_FIELDS
        if _normalised(getattr(data, name)) != _normalised(getattr(current, name))
    ]
    labels = [
        label
        for label, differs in (
            ("status", question.status != data.status),
            ("tags", question.tags != data.tags),
            ("category", question.category.full_name != category_path),
        )
        if differs
    ]
    if not changes and not labels:
        return SaveOutcome(question, "unchanged")
    before = {
        "status": question.status,
        "tags": question.tags,
        "category": question.category.full_name,
        "version": question.latest_number,
    }
    if changes:
        _new_version(question, data, question.latest_number + 1, actor)
    question.status = data.status
    question.set_tags(data.tags)
    if "category" in labels:
        question.category = ensure_category(category_path)
    question.updated_at = clock.now()
    record_audit(
        actor,
        "question.edit",
        question,
        before,
        {
            "status": data.status,
            "tags": data.tags,
            "category": category_path,
            "version": question.latest_number,
            "changes": changes + labels,
        },
    )
    _commit_or_refuse()
    return SaveOutcome(question, "new_version" if changes else "update", changes + labels)


def bulk_update(
    actor,
    questions: list[Question],
    action: str,
    *,
    category: str | None = None,
    tag: str | None = None,
) -> int:
    """Move, retire, tag or untag many questions at once (no new versions); one commit.

    Returns how many questions changed; each change writes an audit row.
    """
    from app.bank.formats.mapping import normalise_category

    if action not in BULK_ACTIONS:
        raise QuestionSaveRefused(_("Choose what to do with the selected questions."))
    if not questions:
        raise QuestionSaveRefused(_("Select at least one question."))
    target = None
    if action == "move":
        path = normalise_category(category) if category and category.strip() else None
        if path is None:
            raise QuestionSaveRefused(
                _("Give the category to move them to: names joined by '/', none of them empty.")
            )
        target = ensure_category(path)
    label = (tag or "").strip()
    if action in ("tag", "untag") and not 0 < len(label) <= MAX_TAG_LENGTH:
        raise QuestionSaveRefused(_("Give a tag of 1 to 100 characters."))
    changed = 0
    for question in questions:
        if action == "move":
            if question.category_id == target.id:
                continue
            before = {"category": question.category.full_name}
            after = {"category": target.full_name}
            question.category = target
        elif action == "retire":
            if question.status == "retired":
                continue
            before, after = {"status": question.status}, {"status": "retired"}
            question.status = "retired"
        else:
            tags = question.tags
            if (label in tags) == (action == "tag"):
                continue
            new_tags = tags + [label] if action == "tag" else [t for t in tags if t != label]
            before, after = {"tags": tags}, {"tags": new_tags}
            question.set_tags(new_tags)
        question.updated_at = clock.now()
        record_audit(actor, f"question.{action}", question, before, after)
        changed += 1
    db.session.commit()
    return changed


def upload_source(raw: bytes, filename: str, fmt: str = "auto") -> tuple[str, tuple]:
    """Name the format of an uploaded file and turn it into a source for ``import_questions``.

    Binary formats (a ``binary`` FormatSpec) get the bytes; text formats get UTF-8 text. An
    unknown format comes back as "auto", so the import reports it on the file.
    """
    name = fmt if fmt in FORMATS else detect_format(filename)
    spec = FORMATS.get(name or "")
    if spec is not None and getattr(spec, "binary", False):
        return spec.name, (filename, raw, None)
    source = decode_source(raw, filename)
    if name is None and source[1] is not None:
        name = detect_format(filename, source[1])
    return name or "auto", source


def import_upload(
    actor,
    raw: bytes,
    filename: str,
    *,
    fmt: str = "auto",
    category: str | None = None,
    dry_run: bool = False,
) -> BankImportReport:
    """Import one uploaded file (every question or none), or report what it would do."""
    name, source = upload_source(raw, filename, fmt)
    return import_questions(actor, [source], fmt=name, category=category or None, dry_run=dry_run)


def writable_formats() -> list[str]:
    """Names of the formats that can be exported (they have a writer), in registry order."""
    return [name for name, spec in FORMATS.items() if spec.dump is not None]


@dataclass
class ExportFile:
    """A download: its bytes, file name and media type."""

    payload: bytes
    filename: str
    mimetype: str


def export_file(category: Category | None, fmt: str) -> ExportFile:
    """The latest versions of a category subtree (or the whole bank) as one file in ``fmt``.

    A writer that takes a ``category`` (YAML) gets the chosen one: questions of subcategories
    then carry their own category, so the single file imports back to the same places.
    """
    import inspect
    import mimetypes

    spec = FORMATS.get(fmt)
    if spec is None or spec.dump is None:
        raise DomainError(_("Questions cannot be exported as %(name)s.", name=fmt))
    path = category.full_name if category is not None else None
    questions = export_questions(path)
    options = {}
    if "category" in inspect.signature(spec.dump).parameters:
        options["category"] = path
    written = spec.dump(questions, **options)
    stem = path.replace("/", "-") if path else "question-bank"
    filename = stem + spec.extensions[0]
    guessed = mimetypes.guess_type(filename)[0]
    if isinstance(written, bytes):
        return ExportFile(written, filename, guessed or "application/octet-stream")
    return ExportFile(
        written.encode("utf-8"), filename, f"{guessed or 'text/plain'}; charset=utf-8"
    )


@dataclass
class FieldDiff:
    """One field of two versions side by side: (op, text) pieces, op = same | del | ins."""

    name: str
    changed: bool
    left: list[tuple[str, str]]
    right: list[tuple[str, str]]


def changed_fields(older: QuestionVersion, newer: QuestionVersion) -> list[str]:
    """The versioned fields that differ between two versions of a question; a change of the
    type-specific ``data`` is named by the type's keys that changed (answers, units…)."""
    a, b = older.to_data(), newer.to_data()
    names = [
        name
        for name in VERSION_FIELDS
        if _normalised(getattr(a, name)) != _normalised(getattr(b, name))
    ]
    if "data" in names and older.qtype == newer.qtype:
        qtype = newer.qtype_impl
        old, new = qtype.to_dict(a.data), qtype.to_dict(b.data)
        keys = [
            key
            for key in dict.fromkeys([*old, *new])
            if _normalised(old.get(key)) != _normalised(new.get(key))
        ]
        position = names.index("data")
        names[position : position + 1] = keys
    return names


def compare_versions(left: QuestionVersion, right: QuestionVersion) -> list[FieldDiff]:
    """Every versioned field of two versions as text, the type's data key by key, with the
    characters (or, for long texts, lines) that differ marked by difflib."""
    a, b = _display_fields(left), _display_fields(right)
    diffs = []
    for name in list(dict.fromkeys([*a, *b])):
        old, new = a.get(name, ""), b.get(name, "")
        if old == new:
            diffs.append(FieldDiff(name, False, [("same", old)], [("same", new)]))
        else:
            pieces_old, pieces_new = _marked(old, new)
            diffs.append(FieldDiff(name, True, pieces_old, pieces_new))
    return diffs


def _display_fields(version: QuestionVersion) -> dict[str, str]:
    """A version's fields as plain text, the ``data`` part expanded into the type's keys."""
    import hashlib

    from app.bank.formats.mapping import tidy_numbers

    data = version.to_data()
    out = {}
    for name in VERSION_FIELDS:
        if name == "data":
            qtype = version.qtype_impl
            for key, value in qtype.to_dict(data.data or {}).items():
                out[key] = _as_text(tidy_numbers(value))
        elif name == "files":
            # A file as its name, type and a short digest of its content, never its bytes.
            out[name] = "\n".join(
                f"{item['path']}{item['name']} ({item['mimetype']}, "
                + hashlib.sha256(item["content_base64"].encode("ascii")).hexdigest()[:12]
                + ")"
                for item in getattr(data, name) or []
            )
        else:
            out[name] = _as_text(tidy_numbers(getattr(data, name)))
    return out


def _as_text(value) -> str:
    """A field value as readable text: lists one item per line, mappings as ``a | b``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return " | ".join(f"{k}: {_as_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return ", ".join(value)
        return "\n".join(_as_text(item) for item in value)
    return str(value)


def _marked(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """difflib opcodes as pieces for each side; characters for short texts, lines beyond."""
    import difflib

    by_lines = len(old) + len(new) > 20_000
    a = old.splitlines(keepends=True) if by_lines else old
    b = new.splitlines(keepends=True) if by_lines else new
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        piece_a, piece_b = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append(("same", piece_a))
            right.append(("same", piece_b))
            continue
        if piece_a:
            left.append(("del", piece_a))
        if piece_b:
            right.append(("ins", piece_b))
    return left, right
