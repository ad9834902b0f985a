"""The report tables as sheets: their columns (headings in the user's language) and rows, shared
by the XLSX and CSV exports of the dashboard, the compliance matrix, the assignment lists and
the quiz results."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.i18n import select_locale
from app.reports import quiz_results
from app.reports.exports import Column, Sheet
from app.reports.words import ATTEMPT_STATES, attempt_state, yes_no

PERSON_COLUMNS = (
    Column(_l("Employee number"), width=12),
    Column(_l("Name"), width=12),
    Column(_l("Department"), width=36),
    Column(_l("Job role"), width=14),
)


def _person(person, locale: str) -> list:
    return [
        person.employee_no,
        person.name,
        person.department.full_name if person.department else "",
        person.job_role.display_name(locale) if person.job_role else "",
    ]


def dashboard_sheets(board) -> list[Sheet]:
    """The dashboard's department table (children and the total) and its largest gaps."""
    locale = select_locale()
    columns = [
        Column(_l("Department"), width=36),
        Column(_l("Staff"), "int"),
        Column(_l("Training coverage"), "percent"),
        Column(_l("Completion rate"), "percent"),
        Column(_l("Assignments due in the month"), "int"),
        Column(_l("Overdue mandatory assignments"), "int"),
        Column(_l("Certificates expiring within 30 days"), "int"),
        Column(_l("Certificates expiring within 60 days"), "int"),
        Column(_l("Certificates expiring within 90 days"), "int"),
        Column(_l("Training hours earned"), "hours"),
        Column(_l("Training hours quota"), "hours"),
        Column(_l("Competency attainment"), "percent"),
        Column(_l("Service composite"), "number"),
    ]

    def line(name, f):
        return [
            name,
            f.staff,
            f.coverage,
            f.completion_rate,
            f.due,
            f.overdue,
            *f.expiring,
            f.hours,
            f.quota,
            f.attainment,
            f.service_composite,
        ]

    whole = board.root.full_name if board.root is not None else _("Everyone I see")
    rows = [line(dept.full_name, figures) for dept, figures in board.children]
    rows.append(line(whole, board.total))
    gaps = Sheet(
        _("Largest gaps"),
        [
            Column(_l("Competency"), width=36),
            Column(_l("Staff below the requirement"), "int"),
            Column(_l("Staff assessed"), "int"),
        ],
        [[c.label(locale), below, total] for c, below, total in board.gaps],
    )
    return [Sheet(_("Departments"), columns, rows), gaps]


def compliance_sheet(courses, rows) -> Sheet:
    """The compliance matrix: a person per row, a mandatory course per column."""
    locale = select_locale()
    columns = [
        *PERSON_COLUMNS,
        Column(_l("Every mandatory course valid"), width=10),
        *(Column(course.title, "status", width=14) for course in courses),
    ]
    return Sheet(
        _("Compliance"),
        columns,
        (
            [*_person(row.person, locale), yes_no(row.is_compliant)]
            + [cell.status for cell in row.cells]
            for row in rows
        ),
    )


def assignments_sheet(rows) -> Sheet:
    """Assignments with their status at the report's moment."""
    locale = select_locale()
    columns = [
        *PERSON_COLUMNS,
        Column(_l("Course"), width=30),
        Column(_l("Mandatory"), width=8),
        Column(_l("Status"), "status"),
        Column(_l("Assigned"), "datetime"),
        Column(_l("Due"), "date"),
        Column(_l("Completed"), "datetime"),
        Column(_l("Certificate expires"), "datetime"),
        Column(_l("Hours earned"), "hours"),
    ]
    return Sheet(
        _("Assignments"),
        columns,
        (
            [
                *_person(enrolment.user, locale),
                enrolment.course.title,
                yes_no(enrolment.is_mandatory),
                status,
                enrolment.assigned_at,
                enrolment.due_on,
                enrolment.completed_at,
                enrolment.expires_at,
                enrolment.hours_earned,
            ]
            for enrolment, status in rows
        ),
    )


def quizzes_sheet(rows) -> Sheet:
    """Every quiz with the results of the people the viewer sees."""
    columns = [
        Column(_l("Quiz"), width=36),
        Column(_l("People"), "int"),
        Column(_l("Attempts"), "int"),
        Column(_l("Graded attempts"), "int"),
        Column(_l("Mean grade"), "percent"),
        Column(_l("Pass rate"), "percent"),
    ]
    return Sheet(
        _("Quizzes"),
        columns,
        (
            [
                quiz.title,
                people,
                n,
                graded,
                mean,
                (passed / judged) if judged else None,
            ]
            for quiz, people, n, graded, mean, passed, judged in rows
        ),
    )


def attempts_sheet(attempts) -> Sheet:
    """One quiz's attempts: person, attempt, state in words, local times, grade, verdict."""
    locale = select_locale()
    columns = [
        *PERSON_COLUMNS,
        Column(_l("Attempt number"), "int", width=8),
        Column(_l("State")),
        Column(_l("Started"), "datetime"),
        Column(_l("Finished"), "datetime"),
        Column(_l("Minutes"), "number", width=9),
        Column(_l("Grade"), "number", width=9),
        Column(_l("Maximum grade"), "number", width=9),
        Column(_l("Passed"), width=8),
    ]
    return Sheet(
        _("Results"),
        columns,
        (
            [
                *_person(attempt.user, locale),
                attempt.number,
                str(ATTEMPT_STATES[attempt_state(attempt)]),
                attempt.started_at,
                attempt.finished_at,
                quiz_results.minutes_taken(attempt),
                attempt.mark,
                attempt.max_mark,
                yes_no(attempt.passed),
            ]
            for attempt in attempts
        ),
    )
