"""API resource of training needs: a person's top needs for a period and the flagged results."""

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from app.api.auth import current_api_user, token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.core.permissions import can_view_user
from app.needs import queries
from app.org import queries as org_queries
from app.quality import periods


class NeedsQuerySchema(ma.Schema):
    """Which month (default: the last complete one)."""

    period = fields.String(
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
        metadata={"description": "YYYY-MM", "example": "2026-11"},
    )


class CourseRefSchema(ma.Schema):
    """A published course that develops the competency."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)


class NeedSchema(ma.Schema):
    """A competency the person needs training in."""

    code = fields.String(required=True)
    need = fields.Float(required=True)
    gap = fields.Integer(required=True)
    priority = fields.Float(required=True)
    courses = fields.List(fields.Nested(CourseRefSchema), required=True)


class FlagSchema(ma.Schema):
    """A weak result whose primary competencies the person meets: probably not training."""

    indicator = fields.String(required=True)
    score = fields.Float(required=True)
    reason = fields.String(required=True)


class TrainingNeedsSchema(ma.Schema):
    """A person's training needs for a period (at most three, highest priority first)."""

    employee_no = fields.String(required=True)
    period = fields.String(required=True)
    needs = fields.List(fields.Nested(NeedSchema), required=True)
    flags = fields.List(fields.Nested(FlagSchema), required=True)


@bp.route("/people/<string(maxlength=32):employee_no>/training-needs", tags=["competencies"])
@token_required(scope="reports:read")
@bp.arguments(NeedsQuerySchema, location="query")
@bp.response(200, TrainingNeedsSchema)
def training_needs(args, employee_no: str):
    """The competencies a person most needs training in, from a month's service results."""
    person = org_queries.user_by_employee_no(employee_no)
    if person is None:
        raise ApiError(404, "not_found", _("No person has this employee number."))
    if not can_view_user(current_api_user(), person):
        raise ApiError(403, "forbidden", _("You may not see this person's training needs."))
    period = args.get("period") or queries.default_period()
    if not periods.is_period(period):
        raise ApiError(422, "validation_error", _("A period is written YYYY-MM."))
    (item,) = queries.needs_of([person], period)
    return {
        "employee_no": person.employee_no,
        "period": period,
        "needs": [
            {
                "code": need.code,
                "need": round(need.need, 4),
                "gap": need.gap,
                "priority": round(need.priority, 4),
                "courses": [
                    {"id": course.id, "title": course.title}
                    for course, _level in item.courses.get(need.code, [])
                ],
            }
            for need in item.needs
        ],
        "flags": [
            {
                "indicator": flag.indicator,
                "score": round(flag.score, 2),
                "reason": _(
                    "%(codes)s already meet the requirement: probably a process, system or "
                    "staffing cause.",
                    codes="、".join(flag.met),
                ),
            }
            for flag in item.flags
        ],
    }
