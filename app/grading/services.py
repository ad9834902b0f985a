"""Use cases of grading: mark a response by hand, regrade after a key fix, export results.

A manual mark or a regrade rewrites the slot, the attempt's total and its competency results in
one transaction, with an audit row saying who, when and why.
"""

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _

from app.bank.models import Question, QuestionVersion
from app.bank.qtypes import QTYPES
from app.core import clock, hooks
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.limits import MAX_COMMENT_BYTES, too_big
from app.core.spreadsheet import csv_cell, workbook_bytes, write_table
from app.core.uow import refresh, transaction
from app.extensions import db
from app.grading import queries
from app.quizzes.models import Attempt, AttemptSlot
from app.quizzes.queries import latest_steps, latest_version
from app.quizzes.services import total_attempt, write_competency_results


class GradingError(DomainError):
    """A grading use case refused."""


def _snapshot(attempt: Attempt) -> dict:
    return {"mark": attempt.mark, "raw_mark": attempt.raw_mark, "passed": attempt.passed}


def _check_comment(text: str | None) -> None:
    """Refuse a comment or reason over MAX_COMMENT_BYTES, saying the limit."""
    problem = too_big(text, MAX_COMMENT_BYTES)
    if problem is not None:
        raise GradingError(_("The comment is too long. %(why)s", why=problem))


@transaction
def grade_slot(actor, slot: AttemptSlot, mark: float, comment: str = "") -> Attempt:
    """Give a manual mark (0..slot max) and a comment; the attempt is final when none await."""
    if slot.attempt.state != "finished":
        raise GradingError(_("Only submitted attempts can be graded."))
    if mark is None or not 0 <= mark <= slot.max_mark + 1e-9:
        raise GradingError(
            _("The mark must be between 0 and %(max)s.", max=format(slot.max_mark, "g"))
        )
    _check_comment(comment)
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
    if was_waiting and not attempt.needs_grading:
        hooks.fire("attempt_graded", attempt)
    elif not was_waiting:
        # a mark changed on an attempt already graded: its results are new evidence
        hooks.fire("attempt_regraded", attempt)
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
    """What must stay the same for a regrade: the question type says (``regrade_signature``)."""
    return version.qtype_impl.regrade_signature(version.data or {}, version.questiontext)


def plan_regrade(question: Question) -> tuple[QuestionVersion, list[RegradeChange], int]:
    """Dry run: every finished attempt whose mark changes if graded with the latest version.

    Returns (latest version, changes, number of slots that move to it). Raises GradingError when
    the latest version differs in what people saw (text or choices): that is a new question,
    not a key fix.
    """
    new = latest_version(question)
    slots = queries.slots_to_regrade(question, new)
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


@transaction
def apply_regrade(actor, question: Question, reason: str) -> int:
    """Regrade every finished attempt of older versions with the latest one, in one transaction.

    Returns the number of attempts whose grade changed; every regraded attempt gets an audit row.
    """
    if not (reason or "").strip():
        raise GradingError(_("Say why the question is regraded."))
    _check_comment(reason)
    new, changes, _n = plan_regrade(question)
    qtype = QTYPES[new.qtype]
    slots = queries.slots_to_regrade(question, new)
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
        refresh(attempt)
        total_attempt(attempt)
        write_competency_results(attempt)
        after = _snapshot(attempt)
        if after != before:
            changed += 1
        hooks.fire("attempt_regraded", attempt)
        record_audit(
            actor,
            "attempt.regrade",
            attempt,
            before,
            {**after, "question": question.key, "version": new.number, "reason": reason.strip()},
        )
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


def results_csv(rows: list[list]) -> bytes:
    """The results as CSV in UTF-8 with BOM (what Chinese Excel opens correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RESULT_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def results_xlsx(rows: list[list], title: str) -> bytes:
    """The results as an XLSX workbook (formula-injection safe)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "results"
    write_table(sheet, RESULT_COLUMNS, rows)
    workbook.properties.title = title[:250]
    return workbook_bytes(workbook)


# --- telling the person -------------------------------------------------------------------


def grade_is_final_subject(params: dict) -> str:
    """The subject of the "grade is ready" notice."""
    return _("Your grade for %(quiz)s is ready", quiz=params["quiz"])


def grade_is_final_body(params: dict) -> str:
    """The body of the "grade is ready" notice."""
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
