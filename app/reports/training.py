"""Read side of the training figures of reports: who counts as staff, the assignments in force at
a report's moment and their status then, and the per-department aggregates the dashboard adds up.

Staff are the active people with a job role whom the viewer sees (HR and admins everyone, a
manager their subtrees), in a department subtree if one is chosen: the same people as the
competency matrix. An assignment is *in force* at a moment when its cycle had been assigned and
not yet replaced by a recertification cycle; its status then follows ``Enrolment.status_at``
with every date compared to that moment, so the current month (the moment is now) gives exactly
the statuses the course pages show. Every function runs one aggregate query whatever the number
of staff; rows are grouped by the person's department so the dashboard sums subtrees in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, or_, select

from app.courses.dates import soon_days
from app.courses.models import Enrolment, TrainingQuota
from app.extensions import db
from app.org.models import Department, User
from app.org.queries import visible_users
from app.reports.month import ReportMonth

#: statuses in which a mandatory course counts as valid (done and not expired)
VALID = ("completed", "expiring_soon")
#: the expiry windows of the dashboard, in days
WINDOWS = (30, 60, 90)


def staff(viewer, root: Department | None = None, *, job_role_id: int | None = None) -> Select:
    """Select (id, department_id, job_role_id) of the staff ``viewer`` sees under ``root``."""
    query = (
        visible_users(viewer)
        .with_only_columns(User.id, User.department_id, User.job_role_id)
        .where(User.is_active.is_(True), User.job_role_id.is_not(None))
        .order_by(None)
    )
    if root is not None:
        query = query.where(User.department_id.in_(root.subtree_ids()))
    if job_role_id:
        query = query.where(User.job_role_id == job_role_id)
    return query


def in_force(month: ReportMonth):
    """The condition of a cycle in force at the month's moment (assigned, not yet replaced)."""
    return and_(
        Enrolment.assigned_at <= month.as_of,
        or_(Enrolment.superseded_at.is_(None), Enrolment.superseded_at > month.as_of),
    )


def withdrawn_by(month: ReportMonth):
    """The condition of a cycle withdrawn by the month's moment."""
    return and_(Enrolment.withdrawn_at.is_not(None), Enrolment.withdrawn_at <= month.as_of)


def status_at(month: ReportMonth):
    """SQL CASE: an enrolment's status at the month's moment (``Enrolment.status_at`` rules)."""
    as_of = month.as_of
    done = and_(Enrolment.completed_at.is_not(None), Enrolment.completed_at <= as_of)
    expiring = Enrolment.expires_at.is_not(None)
    return case(
        (withdrawn_by(month), "withdrawn"),
        (and_(done, expiring, Enrolment.expires_at <= as_of), "expired"),
        (and_(done, expiring, Enrolment.expires_at <= month.after(soon_days())), "expiring_soon"),
        (done, "completed"),
        (and_(Enrolment.due_on.is_not(None), Enrolment.due_on < month.today), "overdue"),
        (and_(Enrolment.started_at.is_not(None), Enrolment.started_at <= as_of), "in_progress"),
        else_="not_started",
    )


def status_in_python(enrolment: Enrolment, month: ReportMonth) -> str:
    """The same status for a loaded enrolment (lists and exports of a page's rows)."""
    as_of = month.as_of
    if enrolment.withdrawn_at is not None and enrolment.withdrawn_at <= as_of:
        return "withdrawn"
    if enrolment.completed_at is not None and enrolment.completed_at <= as_of:
        if enrolment.expires_at is not None and enrolment.expires_at <= as_of:
            return "expired"
        if enrolment.expires_at is not None and enrolment.expires_at <= month.after(soon_days()):
            return "expiring_soon"
        return "completed"
    if enrolment.due_on is not None and enrolment.due_on < month.today:
        return "overdue"
    if enrolment.started_at is not None and enrolment.started_at <= as_of:
        return "in_progress"
    return "not_started"


def is_done(month: ReportMonth):
    """The condition of a cycle completed by the month's moment."""
    return and_(Enrolment.completed_at.is_not(None), Enrolment.completed_at <= month.as_of)


def not_valid(month: ReportMonth):
    """``status_at`` not in VALID nor withdrawn, without the CASE: not withdrawn, and not
    completed with a certificate still valid at the moment."""
    valid = and_(
        is_done(month),
        or_(Enrolment.expires_at.is_(None), Enrolment.expires_at > month.as_of),
    )
    return and_(~withdrawn_by(month), ~valid)


def is_overdue(month: ReportMonth):
    """``status_at`` == "overdue", without the CASE: not withdrawn, not done, past due."""
    return and_(
        ~withdrawn_by(month),
        ~is_done(month),
        Enrolment.due_on.is_not(None),
        Enrolment.due_on < month.today,
    )


def not_valid_mandatory(month: ReportMonth):
    """The condition of a mandatory cycle in force that is not valid (a gap in coverage)."""
    return and_(in_force(month), Enrolment.is_mandatory.is_(True), not_valid(month))


# --- aggregates per department ---------------------------------------------------------------


@dataclass
class DepartmentRow:
    """What one department's own staff (not its subtree) add to the dashboard."""

    staff: int = 0
    quota: float = 0.0
    not_covered: int = 0
    overdue: int = 0
    due: int = 0
    due_done: int = 0
    hours: float = 0.0
    expiring: tuple[int, int, int] = (0, 0, 0)


def department_rows(viewer, root: Department | None, month: ReportMonth) -> dict:
    """Department id -> DepartmentRow for the staff of ``root``'s subtree (two queries: the
    staff with their quotas, and one pass over their assignments)."""
    people = staff(viewer, root).subquery()
    rows: dict[int | None, DepartmentRow] = {}

    def row(dept):
        return rows.setdefault(dept, DepartmentRow())

    quota = (
        select(
            people.c.department_id,
            func.count(),
            func.sum(func.coalesce(TrainingQuota.hours, 0)),
        )
        .select_from(people)
        .outerjoin(
            TrainingQuota,
            and_(
                TrainingQuota.job_role_id == people.c.job_role_id,
                TrainingQuota.year == month.year,
            ),
        )
        .group_by(people.c.department_id)
    )
    for dept, n, hours in db.session.execute(quota):
        row(dept).staff, row(dept).quota = int(n), float(hours or 0.0)

    # one pass over the staff's assignments for every other counter (conditional sums)
    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    mandatory = and_(in_force(month), Enrolment.is_mandatory.is_(True))
    done = is_done(month)
    counters = (
        select(
            people.c.department_id,
            func.count(func.distinct(case((and_(mandatory, not_valid(month)), people.c.id)))),
            count_if(and_(mandatory, is_overdue(month))),
            count_if(and_(*due_in(month))),
            count_if(and_(*due_in(month), done)),
            *(count_if(and_(*expiring_within(month, days))) for days in WINDOWS),
            func.sum(case((and_(*hours_in(month)), Enrolment.hours_earned), else_=0)),
        )
        .join(Enrolment, Enrolment.user_id == people.c.id)
        .group_by(people.c.department_id)
    )
    for dept, not_covered, overdue, due, due_done, *rest in db.session.execute(counters):
        found = row(dept)
        found.not_covered, found.overdue = int(not_covered or 0), int(overdue or 0)
        found.due, found.due_done = int(due or 0), int(due_done or 0)
        found.expiring = tuple(int(n or 0) for n in rest[: len(WINDOWS)])
        found.hours = float(rest[len(WINDOWS)] or 0.0)
    return rows


def due_in(month: ReportMonth) -> tuple:
    """Conditions of the cycles due in the month (any cycle, not withdrawn by the moment)."""
    return (
        Enrolment.due_on >= month.first_day,
        Enrolment.due_on <= month.last_day,
        Enrolment.assigned_at <= month.as_of,
        ~withdrawn_by(month),
    )


def expiring_within(month: ReportMonth, days: int) -> tuple:
    """Conditions of the valid certificates (cycles in force) expiring within ``days``."""
    return (
        in_force(month),
        ~withdrawn_by(month),
        Enrolment.completed_at.is_not(None),
        Enrolment.completed_at <= month.as_of,
        Enrolment.expires_at > month.as_of,
        Enrolment.expires_at <= month.after(days),
    )


def hours_in(month: ReportMonth) -> tuple:
    """Conditions of the completions that earned hours in the month's year up to its moment."""
    return (
        Enrolment.completed_at.is_not(None),
        Enrolment.completed_at >= month.year_start(),
        Enrolment.completed_at <= month.as_of,
    )
