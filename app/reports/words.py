"""What the HR reports call things: statuses, attempt states, figures and formats, in words."""

from __future__ import annotations

from flask_babel import format_decimal, format_percent
from flask_babel import lazy_gettext as _l

from app.courses.blueprint import STATUS_LABELS
from app.courses.models import ENROLMENT_STATUSES
from app.reports import month
from app.reports.training import WINDOWS  # noqa: F401  (templates read rw.WINDOWS)

#: a cell of the compliance matrix whose person has no assignment of the course
NOT_ASSIGNED = "not_assigned"
#: the statuses a compliance cell may have, in the order filters offer them
COMPLIANCE_STATUSES = (*ENROLMENT_STATUSES, NOT_ASSIGNED)
#: Bootstrap colour of each status (the course pages' colours, grey for "not assigned")
STATUS_COLOURS = {status: colour for status, (_label, colour) in STATUS_LABELS.items()} | {
    NOT_ASSIGNED: "light"
}
#: fill colour of each status in workbooks (Excel's traffic-light palette)
STATUS_FILLS = {
    "completed": "#C6EFCE",
    "expiring_soon": "#FFEB9C",
    "overdue": "#FFC7CE",
    "expired": "#FFC7CE",
    "in_progress": "#DDEBF7",
    "not_started": "#F2F2F2",
    "withdrawn": "#FFFFFF",
    NOT_ASSIGNED: "#FFFFFF",
}

#: an attempt's state in words ("awaiting grading" is a finished attempt with essays to mark)
ATTEMPT_STATES = {
    "in_progress": _l("In progress"),
    "finished": _l("Finished"),
    "awaiting_grading": _l("Awaiting grading"),
    "abandoned": _l("Abandoned"),
}


def status_word(status: str) -> str:
    """An assignment status (or "not assigned") in the user's language."""
    if status == NOT_ASSIGNED:
        return str(_l("Not assigned"))
    label = STATUS_LABELS.get(status)
    return str(label[0]) if label else status


def attempt_state(attempt) -> str:
    """The attempt's state code, "awaiting_grading" when a finished attempt needs a mark."""
    return "awaiting_grading" if attempt.needs_grading else attempt.state


def share(value: float | None) -> str:
    """A fraction as a whole percentage in the user's locale ("—" when undefined)."""
    return "—" if value is None else format_percent(value, "#,##0%")


def share_precise(value: float | None) -> str:
    """A fraction as a percentage with one decimal ("—" when undefined)."""
    return "—" if value is None else format_percent(value, "#,##0.0%")


def hours(value: float | None) -> str:
    """Training hours with one decimal ("—" when undefined)."""
    return "—" if value is None else format_decimal(value, "#,##0.0")


def score(value: float | None) -> str:
    """A service score with two decimals ("—" when undefined)."""
    return "—" if value is None else format_decimal(value, "#,##0.00")


def yes_no(value: bool | None) -> str:
    """Yes, No or "—"."""
    if value is None:
        return "—"
    return str(_l("Yes")) if value else str(_l("No"))


def month_label(period: str) -> str:
    """A report month in words: "2026年11月", "November 2026"."""
    return month.label(period)
