"""The HR reports: the dashboard of a department subtree and month, the lists behind its numbers
(the compliance matrix, the assignment lists), their exports and the printable PDFs. HR and
admins report on any department; managers on the subtrees they manage (403 elsewhere)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.core import charts, clock
from app.core.i18n import select_locale
from app.core.pagination import paginate
from app.core.permissions import can_view_people, guarded_by
from app.core.responses import download
from app.org import queries as org_queries
from app.reports import (
    assignments,
    competency_report,
    compliance,
    dashboard,
    exports,
    month,
    pdf,
    queries,
    sheets,
    training,
    words,
)
from app.reports.blueprint import bp
from app.reports.loaders import department_in_scope
from app.reports.queries_scope import departments_for


def _department():
    return department_in_scope(current_user, request.args.get("department", type=int))


def _month():
    return month.resolve(request.args.get("period"))


def _chart(board) -> str | None:
    """Coverage and attainment per child department, as an SVG bar chart."""
    if not board.children:
        return None
    return charts.bars(
        _("Training coverage and competency attainment by department"),
        [dept.name for dept, _f in board.children],
        [
            (_("Training coverage"), [_percent(f.coverage) for _d, f in board.children]),
            (_("Competency attainment"), [_percent(f.attainment) for _d, f in board.children]),
        ],
        show_legend=True,
    )


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


@bp.route("/dashboard")
@guarded_by(can_view_people)
def dashboard_page():
    """Training, competency and service figures of a department subtree for a month."""
    root, report_month = _department(), _month()
    board = dashboard.build(current_user, root, report_month)
    return render_template(
        "reports/dashboard.html",
        board=board,
        chart=_chart(board),
        months=month.picker(),
        departments=departments_for(current_user),
        latest_scores=queries.latest_scored_period(report_month.period),
        locale=select_locale(),
    )


@bp.route("/dashboard.<any(xlsx, csv):fmt>")
@guarded_by(can_view_people)
def dashboard_export(fmt: str):
    """The dashboard's department table (and its largest gaps) as XLSX or CSV."""
    root, report_month = _department(), _month()
    board = dashboard.build(current_user, root, report_month)
    content, mimetype = exports.as_file(
        fmt, sheets.dashboard_sheets(board), _("Training dashboard")
    )
    return download(content, f"dashboard-{report_month.period}.{fmt}", mimetype)


@bp.route("/dashboard.pdf")
@guarded_by(can_view_people)
def dashboard_pdf():
    """The dashboard as a printable PDF in the user's language."""
    root, report_month = _department(), _month()
    board = dashboard.build(current_user, root, report_month)
    content = pdf.render_pdf(
        "reports/dashboard_pdf.html",
        board=board,
        chart=_chart(board),
        printed_at=clock.now(),
        locale=select_locale(),
    )
    return download(content, f"dashboard-{report_month.period}.pdf", pdf.PDF_MIMETYPE)


@bp.route("/competencies.pdf")
@guarded_by(can_view_people)
def competency_report_pdf():
    """A department's competency report as a printable PDF: attainment, shares, largest gaps."""
    root = _department()
    report = competency_report.build(current_user, root)
    locale = select_locale()
    chart = None
    if report.total:
        chart = charts.bars(
            _("Share of staff meeting the requirement"),
            [c.code for c in report.columns],
            [(_("Share met"), [_percent(v) for v in report.column_shares()])],
        )
    content = pdf.render_pdf(
        "reports/competency_pdf.html",
        report=report,
        chart=chart,
        printed_at=clock.now(),
        locale=locale,
    )
    name = f"competencies-{root.id if root else 'all'}-{clock.local_today().isoformat()}.pdf"
    return download(content, name, pdf.PDF_MIMETYPE)


# --- the compliance matrix -------------------------------------------------------------------


def _compliance_filters() -> compliance.Filters:
    args = request.args
    status = args.get("status")
    return compliance.Filters(
        department=_department(),
        job_role_id=args.get("job_role", type=int) or None,
        course_id=args.get("course", type=int) or None,
        status=status if status in words.COMPLIANCE_STATUSES else None,
        compliant={"yes": True, "no": False}.get(args.get("compliant")),
    )


@bp.route("/compliance")
@guarded_by(can_view_people)
def compliance_page():
    """Staff × mandatory courses with each person's status, filtered."""
    filters, report_month = _compliance_filters(), _month()
    courses = compliance.columns(current_user, report_month, filters)
    course_ids = [c.id for c in courses]
    page = paginate(
        compliance.people(current_user, report_month, filters, course_ids),
        request.args.get("page", 1, type=int),
        compliance.PAGE_SIZE,
    )
    return render_template(
        "reports/compliance.html",
        month_=report_month,
        filters=filters,
        courses=courses,
        page=page,
        rows=compliance.rows(page.items, course_ids, report_month),
        statuses=words.COMPLIANCE_STATUSES,
        months=month.picker(),
        departments=departments_for(current_user),
        job_roles=org_queries.job_roles(),
        all_courses=assignments.course_choices(),
        locale=select_locale(),
    )


@bp.route("/compliance.<any(xlsx, csv):fmt>")
@guarded_by(can_view_people)
def compliance_export(fmt: str):
    """The whole filtered compliance matrix as XLSX or CSV."""
    filters, report_month = _compliance_filters(), _month()
    courses = compliance.columns(current_user, report_month, filters)
    course_ids = [c.id for c in courses]
    rows = compliance.all_rows(
        compliance.people(current_user, report_month, filters, course_ids),
        course_ids,
        report_month,
    )
    content, mimetype = exports.as_file(
        fmt, [sheets.compliance_sheet(courses, rows)], _("Compliance matrix")
    )
    return download(content, f"compliance-{report_month.period}.{fmt}", mimetype)


# --- the assignment lists --------------------------------------------------------------------


def _assignment_filters() -> assignments.Filters:
    args = request.args
    expiring = args.get("expiring", type=int)
    return assignments.Filters(
        department=_department(),
        job_role_id=args.get("job_role", type=int) or None,
        course_id=args.get("course", type=int) or None,
        status=args.get("status") if args.get("status") in words.STATUS_COLOURS else None,
        is_mandatory=args.get("mandatory") == "1",
        is_due=args.get("due") == "1",
        expiring=expiring if expiring in training.WINDOWS else None,
    )


def _assignments_title(filters: assignments.Filters, report_month) -> str:
    if filters.expiring:
        return _("Certificates expiring within %(days)d days", days=filters.expiring)
    if filters.is_due:
        return _("Assignments due in %(month)s", month=month.label(report_month.period))
    if filters.status == "overdue" and filters.is_mandatory:
        return _("Overdue mandatory assignments")
    return _("Assignments")


@bp.route("/assignments")
@guarded_by(can_view_people)
def assignments_page():
    """The assignments behind a dashboard figure: overdue, due in the month, expiring, …"""
    filters, report_month = _assignment_filters(), _month()
    page = paginate(
        assignments.enrolments(current_user, report_month, filters),
        request.args.get("page", 1, type=int),
        assignments.PAGE_SIZE,
    )
    return render_template(
        "reports/assignments.html",
        title=_assignments_title(filters, report_month),
        month_=report_month,
        filters=filters,
        page=page,
        rows=assignments.rows(page.items, report_month),
        statuses=[s for s in words.COMPLIANCE_STATUSES if s != words.NOT_ASSIGNED],
        months=month.picker(),
        departments=departments_for(current_user),
        job_roles=org_queries.job_roles(),
        all_courses=assignments.course_choices(),
        locale=select_locale(),
    )


@bp.route("/assignments.<any(xlsx, csv):fmt>")
@guarded_by(can_view_people)
def assignments_export(fmt: str):
    """Every assignment of the filtered list as XLSX or CSV."""
    filters, report_month = _assignment_filters(), _month()
    items = assignments.everything(assignments.enrolments(current_user, report_month, filters))
    content, mimetype = exports.as_file(
        fmt,
        [sheets.assignments_sheet(assignments.rows(items, report_month))],
        _assignments_title(filters, report_month),
    )
    return download(content, f"assignments-{report_month.period}.{fmt}", mimetype)
