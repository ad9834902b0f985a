"""The lists behind the dashboard's training figures: assignments of the staff a viewer sees,
filtered as each figure counts them (overdue mandatory ones, the ones due in the month, the
certificates expiring within 30/60/90 days), with their status at the report's moment.

Filters compose: ``status=overdue&mandatory=1`` is the overdue figure's list, ``due=1`` the
completion rate's, ``expiring=30`` a certificate window's. Without ``due`` the list holds the
cycles in force at the moment (withdrawn ones only when asked for by status).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.courses.models import ENROLMENT_STATUSES, Course, Enrolment
from app.extensions import db
from app.org.models import Department, User
from app.reports import training
from app.reports.month import ReportMonth

PAGE_SIZE = 100


@dataclass
class Filters:
    """Which assignments the list holds."""

    department: Department | None = None
    job_role_id: int | None = None
    course_id: int | None = None
    status: str | None = None
    is_mandatory: bool = False
    #: the assignments due in the month (any cycle), not those in force
    is_due: bool = False
    #: valid certificates expiring within this many days (30, 60 or 90)
    expiring: int | None = None

    def as_args(self) -> dict:
        """The filters as query-string arguments (for links and the export)."""
        args = {
            "department": self.department.id if self.department else None,
            "job_role": self.job_role_id,
            "course": self.course_id,
            "status": self.status,
            "mandatory": 1 if self.is_mandatory else None,
            "due": 1 if self.is_due else None,
            "expiring": self.expiring,
        }
        return {key: value for key, value in args.items() if value}


def enrolments(viewer, month: ReportMonth, filters: Filters) -> Select:
    """The assignments of the filtered staff, with their person and course loaded."""
    people = training.staff(viewer, filters.department, job_role_id=filters.job_role_id)
    query = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.user_id.in_(people.with_only_columns(User.id)))
        .options(
            joinedload(Enrolment.user).joinedload(User.department),
            joinedload(Enrolment.user).joinedload(User.job_role),
            joinedload(Enrolment.course),
        )
    )
    if filters.is_due:
        query = query.where(*training.due_in(month))
    else:
        query = query.where(training.in_force(month))
    if filters.expiring:
        query = query.where(*training.expiring_within(month, filters.expiring))
    if filters.status in ENROLMENT_STATUSES:
        query = query.where(training.status_at(month) == filters.status)
    elif not filters.is_due:
        query = query.where(~training.withdrawn_by(month))
    if filters.is_mandatory:
        query = query.where(Enrolment.is_mandatory.is_(True))
    if filters.course_id:
        query = query.where(Enrolment.course_id == filters.course_id)
    if filters.expiring:
        return query.order_by(Enrolment.expires_at, User.employee_no, Enrolment.id)
    return query.order_by(
        Enrolment.due_on.is_(None), Enrolment.due_on, User.employee_no, Enrolment.id
    )


def rows(items, month: ReportMonth) -> list[tuple[Enrolment, str]]:
    """(enrolment, status at the moment) for loaded enrolments."""
    return [(enrolment, training.status_in_python(enrolment, month)) for enrolment in items]


def everything(query: Select) -> list[Enrolment]:
    """Every assignment of the list, for an export (one query)."""
    return list(db.session.scalars(query).unique())


def course_choices() -> list[Course]:
    """Courses for the list's filter, by title (one query)."""
    return list(db.session.scalars(select(Course).order_by(Course.title, Course.id)))
