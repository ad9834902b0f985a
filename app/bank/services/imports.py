"""Importing question files: the same for every format and for the CLI, the pages and the API.

Parse every file (problems carry file and line), plan what each question would do (create, new
version, update of status/tags/category, unchanged), and write nothing unless the whole run is
clean: the import is one unit of work.
"""

import base64
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import insert

from app.bank import queries
from app.bank.formats import FORMATS, detect_format, format_by_extension
from app.bank.formats.mapping import file_key, known_competencies
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
from app.bank.services.categories import ensure_category, join_category
from app.bank.services.versions import (
    ASSIGNED_KEY,
    ROW_FIELDS,
    VERSION_FIELDS,
    changed_labels,
    changed_version_fields,
    new_question_key,
    new_version,
    question_state,
)
from app.competencies.queries import known_codes
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.models import AuditEvent
from app.core.uow import transaction
from app.extensions import db


class BankImportRejected(DomainError):
    """An import or check found problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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
    #: the file gave no id: the key was assigned here (a preview hands it on to the import)
    is_assigned_key: bool = False

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
    def assigned_keys(self) -> list[str]:
        """The keys given to new questions that came without an id, in file order: a preview
        hands them to the real import so the questions get exactly the ids it showed."""
        return [item.key for item in self.items if item.is_assigned_key]

    @property
    def summary(self) -> str:
        """One line: created, new versions, updated, unchanged."""
        return (
            f"{self.count('create')} created, {self.count('new_version')} new versions, "
            f"{self.count('update')} updated, {self.count('unchanged')} unchanged"
        )


#: the audit action of one import run
IMPORT_ACTION = "bank.import"

#: a source to import: (label, text or bytes or None, the problem that stopped reading it)
Source = tuple[str, str | bytes | None, Problem | None]


# --- reading sources ----------------------------------------------------------------------


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


def upload_source(raw: bytes, filename: str, fmt: str = "auto") -> tuple[str, Source]:
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


def parse_sources(
    sources: list[Source], fmt: str = "auto"
) -> tuple[list[tuple[str, QuestionData]], list[Problem]]:
    """Parse decoded sources with the named format (or by extension and content)."""
    with known_competencies(known_codes()):
        return _parse_sources(sources, fmt)


def _parse_sources(sources: list[Source], fmt: str) -> tuple[list, list[Problem]]:
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


# --- planning -----------------------------------------------------------------------------


def plan_import(
    questions: list[tuple[str, QuestionData]],
    category: str | None = None,
    assigned_keys: list[str] | None = None,
) -> tuple[list[PlannedQuestion], list[Problem]]:
    """Match each question by stable id, else by category + name; decide what it would do.

    A new question without an id gets the next of ``assigned_keys`` (the keys its preview
    showed) when that key is well formed and still free, else a fresh one.
    """
    problems: list[Problem] = []
    existing = queries.questions_by_keys([q.id for _f, q in questions if q.id])
    offered = _free_keys(assigned_keys or [], {q.id for _f, q in questions if q.id})
    by_name = queries.questions_by_category_and_name([q.name for _f, q in questions if not q.id])
    latest = queries.latest_versions(list(existing.values()) + list(by_name.values()))

    items: list[PlannedQuestion] = []
    seen_keys: dict[str, str] = {}
    seen_names: dict[tuple[str, str], str] = {}
    for label, data in questions:
        target = join_category(category, data.category)
        where = f"{label}:{data.line}"
        assigned = False
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
            assigned = question is None
            data.id = question.key if question is not None else next(offered, new_question_key())
        data.category = target
        item = PlannedQuestion(label, data.line, data, target, "create", question)
        item.is_assigned_key = assigned
        if question is not None:
            item.changes = changed_version_fields(latest[question.id].to_data(), data)
            labels = changed_labels(question, data, target)
            if item.changes:
                item.action = "new_version"
            elif labels:
                item.action = "update"
            else:
                item.action = "unchanged"
            item.changes += labels
        items.append(item)
    return items, problems


def _free_keys(keys: list[str], in_file: set[str]):
    """Yield the offered keys that are well formed, not in the file and not taken in the bank."""
    wanted = [k for k in dict.fromkeys(keys) if ASSIGNED_KEY.fullmatch(k) and k not in in_file]
    taken = set(queries.questions_by_keys(wanted)) if wanted else set()
    yield from (key for key in wanted if key not in taken)


# --- writing ------------------------------------------------------------------------------


@transaction
def import_questions(
    actor,
    sources: list[Source],
    *,
    fmt: str = "auto",
    category: str | None = None,
    dry_run: bool = False,
    assigned_keys: list[str] | None = None,
) -> BankImportReport:
    """Import question files: every question or none (BankImportRejected lists the problems).

    A dry run plans and writes nothing. ``assigned_keys``: the keys a preview gave the new
    questions without an id (``BankImportReport.assigned_keys``), so they are stored as shown.
    """
    questions, problems = parse_sources(sources, fmt)
    items, plan_problems = (
        plan_import(questions, category, assigned_keys) if not problems else ([], [])
    )
    problems += plan_problems
    if problems:
        raise BankImportRejected(problems)
    report = BankImportReport(items=items, dry_run=dry_run)
    if dry_run:
        return report
    # Categories first, while nothing else waits to be flushed: creating one needs its id,
    # and a flush then would write every question added so far in small pieces.
    known = queries.categories_by_full_name()
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
    _record_import(actor, [label for label, _content, _problem in sources], report)
    return report


def _record_import(actor, labels: list[str], report: BankImportReport) -> None:
    """One audit row per import run: who imported which files and what it did (the trainers'
    home page lists the recent ones)."""
    names = [Path(label).name for label in labels]
    db.session.add(
        AuditEvent(
            actor_id=getattr(actor, "id", None),
            action=IMPORT_ACTION,
            target_type="QuestionImport",
            target_id=(names[0] if names else "")[:64],
            before=None,
            after={
                "files": names,
                "created": report.count("create"),
                "new_versions": report.count("new_version"),
                "updated": report.count("update"),
                "unchanged": report.count("unchanged"),
            },
        )
    )


@transaction
def import_upload(
    actor,
    raw: bytes,
    filename: str,
    *,
    fmt: str = "auto",
    category: str | None = None,
    dry_run: bool = False,
    assigned_keys: list[str] | None = None,
) -> BankImportReport:
    """Import one uploaded file (every question or none), or report what it would do."""
    name, source = upload_source(raw, filename, fmt)
    return import_questions(
        actor,
        [source],
        fmt=name,
        category=category or None,
        dry_run=dry_run,
        assigned_keys=assigned_keys,
    )


def check_sources(sources, *, fmt: str = "auto", category: str | None = None) -> list[Problem]:
    """Every problem an import of ``sources`` would meet; writes nothing."""
    try:
        import_questions(None, sources, fmt=fmt, category=category, dry_run=True)
    except BankImportRejected as exc:
        return exc.problems
    return []


def _create_questions(actor, items: list[PlannedQuestion], known: dict[str, Category]) -> None:
    """Write new questions with their first versions in bulk: one multi-row INSERT per table
    instead of the session's bookkeeping per object (an import may bring thousands).

    Writes exactly the rows `new_version` and `Question.set_tags` would, and an audit row
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
                    if name not in ROW_FIELDS
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
    before = question_state(question)
    if item.action == "new_version":
        new_version(question, data, question.latest_number + 1, actor)
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
