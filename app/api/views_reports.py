"""API resource of the HR dashboard: a department subtree's training, competency and service
figures for a month, the same numbers as the dashboard page.

User tokens see what the user sees: HR and admins any department, a manager the subtrees they
manage (another department is a 403; no department: their subtrees), staff nothing; service
tokens need ``reports:read`` and see the whole company.
"""

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from app.api.auth import current_api_user, token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.views import department_or_422
from app.core.permissions import can_report_on, can_view_people
from app.reports import dashboard, month


class DashboardQuerySchema(ma.Schema):
    """Which department subtree and month."""

    department = fields.String(
        validate=validate.Length(max=500),
        metadata={
            "description": "Department path from the root; includes its subtree. "
            "Omitted: the whole company (a manager: the subtrees they manage)"
        },
    )
    period = fields.String(
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
        metadata={"description": "YYYY-MM, not in the future (default: this month)"},
    )


class ExpiringSchema(ma.Schema):
    """Valid certificates expiring within 30, 60 and 90 days of the month's moment."""

    d30 = fields.Integer(required=True, data_key="30", attribute="30")
    d60 = fields.Integer(required=True, data_key="60", attribute="60")
    d90 = fields.Integer(required=True, data_key="90", attribute="90")


class HoursSchema(ma.Schema):
    """学时 earned from 1 January to the month's moment, and the year's quotas of the staff."""

    done = fields.Float(required=True)
    quota = fields.Float(required=True)


class GapSchema(ma.Schema):
    """A competency with staff below the requirement."""

    code = fields.String(required=True)
    below = fields.Integer(required=True)


class DashboardSchema(ma.Schema):
    """The dashboard's figures; shares are fractions 0–1 (null when nothing is counted)."""

    department = fields.String(
        required=True, allow_none=True, metadata={"description": "null: everything you see"}
    )
    period = fields.String(required=True)
    staff = fields.Integer(required=True)
    coverage = fields.Float(required=True, allow_none=True)
    completion_rate = fields.Float(required=True, allow_none=True)
    overdue_mandatory = fields.Integer(required=True)
    expiring = fields.Nested(ExpiringSchema, required=True)
    hours = fields.Nested(HoursSchema, required=True)
    attainment = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "cells with current ≥ required ÷ all cells of the people's "
            "/people/{employee_no}/competencies (current null counts below)"
        },
    )
    top_gaps = fields.List(fields.Nested(GapSchema), required=True)
    service_composite = fields.Float(required=True, allow_none=True)


@bp.route("/reports/dashboard", tags=["reports"])
@token_required(scope="reports:read", check=can_view_people)
@bp.arguments(DashboardQuerySchema, location="query")
@bp.response(200, DashboardSchema)
def reports_dashboard(args):
    """Training coverage, completion, overdue and expiring assignments, hours against quota,
    competency attainment and gaps, and the service composite of a department for a month."""
    viewer = current_api_user()
    root = None
    if args.get("department"):
        root = department_or_422(args["department"])
        if not can_report_on(viewer, root):
            raise ApiError(403, "forbidden", _("You may not see this department's reports."))
    report_month = month.month_of(args.get("period") or month.current_period())
    if report_month is None:
        message = _("The month must be YYYY-MM, from 1900-01 up to this month.")
        raise ApiError(
            422, "validation_error", message, errors=[{"field": "period", "message": message}]
        )
    return dashboard.build(viewer, root, report_month, with_children=False).as_json()
