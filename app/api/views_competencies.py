"""API resources of the competency framework: the competencies and the role profiles.

Names and level texts are in the request's language (``Accept-Language``; Chinese by default).
"""

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields

from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.competencies import queries
from app.competencies.models import LEVELS
from app.core import clock
from app.core.i18n import select_locale


class CompetencySchema(ma.Schema):
    """A competency with its name and the descriptor of each level 1–5."""

    code = fields.String(required=True, metadata={"example": "SV1"})
    domain = fields.String(required=True, metadata={"example": "SV"})
    name = fields.String(required=True, metadata={"example": "服务意识与承诺践行"})
    levels = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": 'Level "1" … "5" -> what a person at that level does'},
    )


class CompetencyListSchema(ma.Schema):
    """Every active competency of the framework, in framework order."""

    items = fields.List(fields.Nested(CompetencySchema), required=True)


class RequirementSchema(ma.Schema):
    """The level a job role requires of one competency."""

    code = fields.String(required=True, metadata={"example": "CM2"})
    required = fields.Integer(required=True, metadata={"example": 4})


class ProfileSchema(ma.Schema):
    """A job role's profile in force on a date."""

    job_role = fields.String(required=True, metadata={"example": "CTR"})
    valid_from = fields.Date(required=True)
    competencies = fields.List(fields.Nested(RequirementSchema), required=True)


class ProfileQuerySchema(ma.Schema):
    """Which day's profile (default: today in the company's zone)."""

    on = fields.Date(metadata={"description": "The day whose profile in force is wanted"})


@bp.route("/competencies", tags=["competencies"])
@token_required(scope="reports:read")
@bp.response(200, CompetencyListSchema)
def list_competencies():
    """Every active competency: code, domain, name and the five level descriptors."""
    locale = select_locale()
    return {
        "items": [
            {
                "code": c.code,
                "domain": c.domain.code,
                "name": c.name(locale),
                "levels": {str(n): c.latest.descriptor(n, locale) for n in LEVELS},
            }
            for c in queries.active_competencies()
        ]
    }


@bp.route("/job-roles/<string:code>/profile", tags=["competencies"])
@token_required(scope="reports:read")
@bp.arguments(ProfileQuerySchema, location="query")
@bp.response(200, ProfileSchema)
def job_role_profile(args, code):
    """The required level of each active competency for a job role (the profile in force)."""
    role = queries.job_role_by_code(code)
    if role is None:
        raise ApiError(404, "not_found", _("There is no job role %(code)s.", code=code))
    profile = queries.profile_in_force(role.id, args.get("on") or clock.local_today())
    if profile is None:
        raise ApiError(404, "not_found", _("The job role %(code)s has no profile yet.", code=code))
    levels = profile.levels
    return {
        "job_role": role.code,
        "valid_from": profile.valid_from,
        "competencies": [
            {"code": c.code, "required": levels[c.code]}
            for c in queries.active_competencies()
            if c.code in levels
        ],
    }
