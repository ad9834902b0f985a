"""Use cases of grading: mark a response by hand, regrade after a key fix, export results.

A manual mark or a regrade rewrites the slot, the attempt's total and its competency results in
one transaction, with an audit row saying who, when and why.
"""

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.bank.models import Question, QuestionVersion
from app.bank.qtypes import QTYPES
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.extensions import db
from app.quizzes.models import Attempt, AttemptSlot
from app.quizzes.services import latest_steps, total_attempt, write_competency_results


class GradingError(DomainError):
    """A grading use case refused."""


#: callbacks ``hook(attempt)`` run when an attempt's grade becomes final after manual grading
GRADED_HOOKS: list = []


def register_graded_hook(hook) -> None:
    """Register ``hook(attempt)``, called once the last awaited mark of an attempt is given."""
    if hook not in GRADED_HOOKS:
        GRADED_HOOKS.append(hook)


def _snapshot(attempt: Attempt) -> dict:
    return {"mark": attempt.mark, "raw_mark": attempt.raw_mark, "passed": attempt.passed}


def grade_slot(actor, slot: AttemptSlot, mark: float, comment: str = "") -> Attempt:
    """Give a manual mark (0..slot max) and a comment; the attempt is final when none await."""
    if slot.attempt.state != "finished":
        raise GradingError(_("Only submitted attempts can be graded."))
    if mark is None or not 0 <= mark <= slot.max_mark + 1e-9:
        raise GradingError(_("The mark must be between 0 and %(max)s.", max=f"{slot.max_mark:g}"))
    attempt = slot.attempt
    was_waiting = attempt.needs_grading
    before = {**_snapshot(attempt), "slot": slot.number, "slot_mark": slot.mark}
    slot.mark = float(mark)
    slot.fraction = slot.mark / slot.max_mark if slot.max_mark else 0.0
    slot.needs_grading = False
    slot.comment = (comment or "").strip()
    slot.grader_id = getattr(actor, "id", None)
    slot.graded_at = clock.now()
    total_attempt(attempt)
    write_competency_results(attempt)
    record_audit(
        actor,
        "attempt.grade",
        attempt,
        before,
        {
            **_snapshot(attempt),
            "slot": slot.number,
            "slot_mark": slot.mark,
            "comment": slot.comment,
        },
    )
    db.session.commit()
    if was_waiting and not attempt.needs_grading:
        for hook in GRADED_HOOKS:
            hook(attempt)
    return attempt


# --- regrade ------------------------------------------------------------------------------


@dataclass
class RegradeChange:
    """How one attempt's slot and total would change."""

    attempt: Attempt
    slot: AttemptSlot
    old_mark: float | None
    new_mark: float
    old_total: float | None
    new_total: float | None

    @property
    def delta(self) -> float:
        """The change of the attempt's grade (on the quiz scale)."""
        return (self.new_total or 0.0) - (self.old_total or 0.0)


def _structure(version: QuestionVersion) -> tuple:
    """What must stay the same for a regrade: the type and what the person saw and chose."""
    data = version.data or {}
    shown = (
        tuple(a.get("text") for a in data.get("answers", []))
        if version.qtype in ("single", "multiple")
        else tuple((s.get("text"), s.get("answer")) for s in data.get("subquestions", []))
        if version.qtype == "matching"
        else ()
    )
    matching = tuple(sorted(s.get("answer") for s in data.get("subquestions", [])))
    return (version.qtype, version.questiontext, shown if version.qtype != "matching" else matching)


def latest_version(question: Question) -> QuestionVersion:
    """The question's newest version."""
    return db.session.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question.id,
            QuestionVersion.number == question.latest_number,
        )
    )


def plan_regrade(question: Question) -> tuple[QuestionVersion, list[RegradeChange], int]:
    """Dry run: every finished attempt whose mark changes if graded with the latest version.

    Returns (latest version, changes, number of slots that move to it). Raises GradingError when
    the latest version differs in what people saw (text or choices): that is a new question,
    not a key fix.
    """
    new = latest_version(question)
    slots = db.session.scalars(
        select(AttemptSlot)
        .join(QuestionVersion, AttemptSlot.question_version_id == QuestionVersion.id)
        .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .where(
            QuestionVersion.question_id == question.id,
            AttemptSlot.question_version_id != new.id,
            Attempt.state == "finished",
        )
        .options(selectinload(AttemptSlot.version), selectinload(AttemptSlot.attempt))
    ).all()
    qtype = QTYPES[new.qtype]
    if not qtype.is_graded or qtype.is_manually_graded:
        raise GradingError(_("Only automatically graded questions can be regraded."))
    for slot in slots:
        if _structure(slot.version) != _structure(new):
            raise GradingError(
                _(
                    "Version %(new)d changes what people saw (text or choices), not only the "
                    "key; it cannot regrade attempts of version %(old)d.",
                    new=new.number,
                    old=slot.version.number,
                )
            )
    changes = []
    by_attempt: dict[int, list[AttemptSlot]] = {}
    for slot in slots:
        by_attempt.setdefault(slot.attempt_id, []).append(slot)
    for attempt_slots in by_attempt.values():
        attempt = attempt_slots[0].attempt
        steps = latest_steps(attempt)
        new_raw = attempt.raw_mark or 0.0
        for slot in attempt_slots:
            step = steps.get(slot.id)
            fraction = qtype.grade(new.data, step.value if step else None)
            new_mark = fraction * slot.max_mark
            new_raw += new_mark - (slot.mark or 0.0)
            if abs(new_mark - (slot.mark or 0.0)) > 1e-9:
                changes.append(
                    RegradeChange(attempt, slot, slot.mark, new_mark, attempt.mark, None)
                )
        scale = attempt.max_mark / attempt.raw_max if attempt.raw_max else 0.0
        for change in changes:
            if change.attempt is attempt:
                change.new_total = None if attempt.needs_grading else round(new_raw * scale, 5)
    return new, changes, len(slots)


def apply_regrade(actor, question: Question, reason: str) -> int:
    """Regrade every finished attempt of older versions with the latest one, in one transaction.

    Returns the number of attempts whose grade changed; every regraded attempt gets an audit row.
    """
    if not (reason or "").strip():
        raise GradingError(_("Say why the question is regraded."))
    new, changes, _n = plan_regrade(question)
    qtype = QTYPES[new.qtype]
    slots = db.session.scalars(
        select(AttemptSlot)
        .join(QuestionVersion, AttemptSlot.question_version_id == QuestionVersion.id)
        .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .where(
            QuestionVersion.question_id == question.id,
            AttemptSlot.question_version_id != new.id,
            Attempt.state == "finished",
        )
    ).all()
    touched: dict[int, tuple[Attempt, dict]] = {}
    for slot in slots:
        attempt = slot.attempt
        if attempt.id not in touched:
            touched[attempt.id] = (attempt, _snapshot(attempt))
        step = latest_steps(attempt).get(slot.id)
        slot.question_version_id = new.id
        slot.fraction = qtype.grade(new.data, step.value if step else None)
        slot.mark = slot.fraction * slot.max_mark
    db.session.flush()
    changed = 0
    for attempt, before in touched.values():
        db.session.refresh(attempt)
        total_attempt(attempt)
        write_competency_results(attempt)
        after = _snapshot(attempt)
        if after != before:
            changed += 1
        record_audit(
            actor,
            "attempt.regrade",
            attempt,
            before,
            {**after, "question": question.key, "version": new.number, "reason": reason.strip()},
        )
    db.session.commit()
    return changed


# --- exports ------------------------------------------------------------------------------

RESULT_COLUMNS = (
    "employee_no",
    "name",
    "department",
    "job_role",
    "attempt",
    "state",
    "started_at",
    "finished_at",
    "minutes_taken",
    "mark",
    "max_mark",
    "passed",
)


def result_rows(attempts) -> list[list]:
    """One row per attempt, in RESULT_COLUMNS order."""
    rows = []
    for attempt in attempts:
        user = attempt.user
        taken = (
            round((attempt.finished_at - attempt.started_at).total_seconds() / 60, 1)
            if attempt.finished_at
            else None
        )
        rows.append(
            [
                user.employee_no,
                user.name,
                user.department.full_name if user.department else "",
                user.job_role.code if user.job_role else "",
                attempt.number,
                "awaiting_grading" if attempt.needs_grading else attempt.state,
                attempt.started_at.isoformat(),
                attempt.finished_at.isoformat() if attempt.finished_at else "",
                taken,
                attempt.mark,
                attempt.max_mark,
                attempt.passed,
            ]
        )
    return rows


def _safe_cell(value):
    """Neutralise spreadsheet formulas: text starting with = + - @ (or tab/CR) gets a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def results_csv(rows: list[list]) -> bytes:
    """The results as CSV in UTF-8 with BOM (what Chinese Excel opens correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RESULT_COLUMNS)
    for row in rows:
        writer.writerow(["" if v is None else _safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def results_xlsx(rows: list[list], title: str) -> bytes:
    """The results as an XLSX workbook (formula-injection safe)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "results"
    sheet.append(list(RESULT_COLUMNS))
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    workbook.properties.title = title[:250]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- telling the person -------------------------------------------------------------------


def _grade_is_final_subject(params: dict) -> str:
    return _("Your grade for %(quiz)s is ready", quiz=params["quiz"])


def _grade_is_final_body(params: dict) -> str:
    return _(
        "%(quiz)s has been graded: %(mark)s / %(max)s.",
        quiz=params["quiz"],
        mark=params["mark"],
        max=params["max"],
    )


def notify_grade_is_final(attempt: Attempt) -> None:
    """An in-app notice (and email, when configured) once a manual mark completes the grade."""
    from app.notify.services import Notice, add_notices

    add_notices(
        [
            Notice(
                user_id=attempt.user_id,
                kind="quiz.graded",
                subject_id=attempt.id,
                params={
                    "quiz": attempt.quiz.title,
                    "mark": f"{attempt.mark:.2f}",
                    "max": f"{attempt.max_mark:g}",
                },
                link=f"/attempts/{attempt.id}/review",
            )
        ]
    )
    db.session.commit()


def _register_notice() -> None:
    from app.notify.services import register_kind

    register_kind("quiz.graded", _grade_is_final_subject, _grade_is_final_body)
    register_graded_hook(notify_grade_is_final)


_register_notice()
