"""The compliance matrix: staff × mandatory courses, each cell the person's status in the course at
the report's moment, or "not assigned" when the course is mandatory for others but the person
has no assignment of it.

The columns are the courses that some of the chosen staff must take (a mandatory assignment in
force); the rows the staff, filtered by department subtree, job role, a cell status (people with
at least one cell in it) and compliance (every mandatory course valid, or not). A page costs a
fixed number of queries: the columns, the count, the page of people, their cells, their gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, select

from app.courses.models import Course, Enrolment
from app.extensions import db
from app.org.models import Department, User
from app.org.queries import visible_users
from app.reports import training
from app.reports.month import ReportMonth
from app.reports.words import NOT_ASSIGNED

PAGE_SIZE = 100


@dataclass
class Filters:
    """What the matrix shows."""

    department: Department | None = None
    job_role_id: int | None = None
    course_id: int | None = None
    #: an assignment status or "not_assigned": people with at least one such cell
    status: str | None = None
    #: True: people with every mandatory course valid; False: people missing one; None: all
    compliant: bool | None = None


@dataclass
class Cell:
    """One person × course cell."""

    status: str
    is_mandatory: bool = False
    due_on: date | None = None


@dataclass
class Row:
    """One person's row."""

    person: User
    is_compliant: bool
    cells: list[Cell] = field(default_factory=list)


def columns(viewer, month: ReportMonth, filters: Filters) -> list[Course]:
    """The courses mandatory for some of the chosen staff, by title (one query)."""
    people = training.staff(viewer, filters.department, job_role_id=filters.job_role_id)
    mandatory = select(Enrolment.course_id).where(
        Enrolment.user_id.in_(people.with_only_columns(User.id)),
        training.in_force(month),
        Enrolment.is_mandatory.is_(True),
        ~training.withdrawn_by(month),
    )
    query = select(Course).where(Course.id.in_(mandatory)).order_by(Course.title, Course.id)
    if filters.course_id:
        query = query.where(Course.id == filters.course_id)
    return list(db.session.scalars(query))


def _gaps(month: ReportMonth) -> Select:
    """Select the ids of people with a mandatory course in force that is not valid."""
    return select(Enrolment.user_id).where(training.not_valid_mandatory(month))


def people(viewer, month: ReportMonth, filters: Filters, course_ids: list[int]) -> Select:
    """The rows' people (department and job role loaded), by employee number."""
    query = visible_users(viewer).where(User.is_active.is_(True), User.job_role_id.is_not(None))
    if filters.department is not None:
        query = query.where(User.department_id.in_(filters.department.subtree_ids()))
    if filters.job_role_id:
        query = query.where(User.job_role_id == filters.job_role_id)
    if filters.status == NOT_ASSIGNED:
        complete = (
            select(Enrolment.user_id)
            .where(Enrolment.course_id.in_(course_ids), training.in_force(month))
            .group_by(Enrolment.user_id)
            .having(func.count(func.distinct(Enrolment.course_id)) >= len(course_ids))
        )
        query = query.where(User.id.not_in(complete))
    elif filters.status:
        having = select(Enrolment.user_id).where(
            Enrolment.course_id.in_(course_ids),
            training.in_force(month),
            training.status_at(month) == filters.status,
        )
        query = query.where(User.id.in_(having))
    if filters.compliant is not None:
        gaps = _gaps(month)
        query = query.where(User.id.not_in(gaps) if filters.compliant else User.id.in_(gaps))
    return query.order_by(User.employee_no)


def _cells(user_ids, course_ids: list[int], month: ReportMonth) -> dict[tuple[int, int], Cell]:
    """(user id, course id) -> Cell for these people (a list, or a select of ids): one query."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(
            Enrolment.user_id,
            Enrolment.course_id,
            training.status_at(month),
            Enrolment.is_mandatory,
            Enrolment.due_on,
        ).where(
            Enrolment.user_id.in_(user_ids),
            Enrolment.course_id.in_(course_ids),
            training.in_force(month),
        )
    )
    return {
        (user_id, course_id): Cell(status, bool(mandatory), due_on)
        for user_id, course_id, status, mandatory, due_on in rows
    }


def _rows(people_, cells, gaps: set[int], course_ids: list[int]) -> list[Row]:
    return [
        Row(
            person,
            person.id not in gaps,
            [cells.get((person.id, course_id), Cell(NOT_ASSIGNED)) for course_id in course_ids],
        )
        for person in people_
    ]


def rows(page_people: list[User], course_ids: list[int], month: ReportMonth) -> list[Row]:
    """The rows of a page of people (two queries: their cells, who of them has a gap)."""
    ids = [person.id for person in page_people]
    if not ids:
        return []
    gaps = set(db.session.scalars(_gaps(month).where(Enrolment.user_id.in_(ids))))
    return _rows(page_people, _cells(ids, course_ids, month), gaps, course_ids)


def all_rows(query: Select, course_ids: list[int], month: ReportMonth) -> list[Row]:
    """Every row of the filtered matrix, for an export (three queries whatever its size)."""
    everyone = list(db.session.scalars(query).unique())
    ids = query.with_only_columns(User.id).order_by(None)
    gaps = set(db.session.scalars(_gaps(month).where(Enrolment.user_id.in_(ids))))
    return _rows(everyone, _cells(ids, course_ids, month), gaps, course_ids)
