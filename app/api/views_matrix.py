"""API resources of competency levels: a person's competencies with their evidence, the
staff × competency matrix, and ratings.

User tokens see what the same user sees on the pages: themselves, a manager their subtree, HR
and admins everyone; service tokens need ``reports:read``.
"""

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from app.api import queries as api_queries
from app.api import services as api_services
from app.api.auth import current_api_user, token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.schemas import Strict, UTCDateTime
from app.api.views import department_or_422
from app.competencies import evidence_read, queries
from app.competencies import services as competencies
from app.core import clock
from app.core.i18n import select_locale
from app.core.permissions import can_rate, can_view_competencies_of
from app.org import queries as org_queries


class EvidenceItemSchema(ma.Schema):
    """One piece of evidence behind a level."""

    source = fields.String(
        required=True,
        metadata={"description": "quiz_attempt, course_completion, rating or service_quality"},
    )
    source_id = fields.Integer(required=True)
    level = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "The level it supports (quiz results: the level their share "
            "meets for their difficulty, null below every threshold)"
        },
    )
    observed_at = UTCDateTime(required=True)
    valid_until = UTCDateTime(required=True)


class PersonCompetencySchema(ma.Schema):
    """One competency of a person: the required level, the current one, its evidence."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    required = fields.Integer(required=True, allow_none=True)
    current = fields.Integer(required=True, allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceItemSchema), required=True)


class PersonCompetenciesSchema(ma.Schema):
    """Every active competency of the framework for one person."""

    employee_no = fields.String(required=True)
    job_role = fields.String(required=True, allow_none=True)
    competencies = fields.List(fields.Nested(PersonCompetencySchema), required=True)


class CellSchema(ma.Schema):
    """One cell of the matrix."""

    required = fields.Integer(required=True, allow_none=True)
    current = fields.Integer(required=True, allow_none=True)


class MatrixRowSchema(ma.Schema):
    """One person's row of the matrix."""

    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    department = fields.String(required=True, allow_none=True)
    job_role = fields.String(required=True, allow_none=True)
    competencies = fields.Dict(
        keys=fields.String(), values=fields.Nested(CellSchema), required=True
    )


class MatrixSchema(ma.Schema):
    """A page of the matrix, ordered by employee number."""

    items = fields.List(fields.Nested(MatrixRowSchema), required=True)


class MatrixQuerySchema(ma.Schema):
    """Filters of the matrix."""

    department = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "Department path from the root; includes its subtree"},
    )
    job_role = fields.String(validate=validate.Length(max=10), metadata={"description": "e.g. CTR"})


class RatingSchema(Strict):
    """A rating of a person's level in one competency, as observed on the job."""

    code = fields.String(required=True, validate=validate.Length(max=10))
    level = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=4000))


class RatingResultSchema(ma.Schema):
    """The rating as recorded, and the level it leaves."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    level = fields.Integer(required=True)
    rater_role = fields.String(required=True)
    observed_at = UTCDateTime(required=True)
    valid_until = UTCDateTime(required=True)
    current = fields.Integer(required=True, allow_none=True)


def _person_or_error(employee_no: str, check):
    found = org_queries.user_by_employee_no(employee_no)
    if found is None:
        raise ApiError(404, "not_found", _("No person has this employee number."))
    if not check(current_api_user(), found):
        raise ApiError(403, "forbidden", _("You may not see this person's competencies."))
    return found


def _quiz_level(result) -> int | None:
    """The level a quiz result's own share meets for its difficulty (None below all)."""
    from app.competencies.rule import THRESHOLDS

    met = [
        level
        for level, conditions in THRESHOLDS.items()
        for difficulty, minimum in conditions
        if difficulty == result.difficulty and result.share + 1e-9 >= minimum
    ]
    return max(met) if met else None


@bp.route("/people/<string(maxlength=32):employee_no>/competencies", tags=["competencies"])
@token_required(scope="reports:read")
@bp.response(200, PersonCompetenciesSchema)
def person_competencies(employee_no: str):
    """Every active competency of a person: required level, current level and its evidence."""
    person = _person_or_error(employee_no, can_view_competencies_of)
    locale = select_locale()
    items = []
    for state in evidence_read.person_states(person, clock.now()):
        evidence = [
            {
                "source": "quiz_attempt",
                "source_id": r.attempt_id,
                "level": _quiz_level(r),
                "observed_at": r.observed_at,
                "valid_until": r.valid_until,
            }
            for r in state.result.quiz
        ] + [
            {
                "source": e.source,
                "source_id": e.source_id,
                "level": e.level,
                "observed_at": e.observed_at,
                "valid_until": e.valid_until,
            }
            for e in state.result.evidence
        ]
        items.append(
            {
                "code": state.competency.code,
                "name": state.competency.name(locale),
                "required": state.required,
                "current": state.current,
                "evidence": evidence,
            }
        )
    return {
        "employee_no": person.employee_no,
        "job_role": person.job_role.code if person.job_role else None,
        "competencies": items,
    }


@bp.route("/competency-matrix", tags=["competencies"])
@token_required(scope="reports:read")
@bp.arguments(MatrixQuerySchema, location="query")
@bp.response(200, MatrixSchema)
@bp.paginate(page_size=50, max_page_size=500)
def competency_matrix(filters, pagination_parameters):
    """Staff × active competencies (required and current level), by employee number."""
    department = None
    if filters.get("department"):
        department = department_or_422(filters["department"])
    query = queries.matrix_people(
        api_queries.people(
            current_api_user(),
            department=department,
            job_role=filters.get("job_role"),
            service_prefix=api_services.SERVICE_PREFIX,
        )
    )
    people, total = api_queries.page_of(
        query, pagination_parameters.page, pagination_parameters.page_size
    )
    pagination_parameters.item_count = total
    codes = [c.code for c in queries.active_competencies()]
    required = queries.required_levels()
    current = competencies.current_levels([p.id for p in people])
    return {
        "items": [
            {
                "employee_no": p.employee_no,
                "name": p.name,
                "department": p.department.full_name if p.department else None,
                "job_role": p.job_role.code if p.job_role else None,
                "competencies": {
                    code: {
                        "required": required.get(p.job_role_id, {}).get(code),
                        "current": current.get((p.id, code)),
                    }
                    for code in codes
                },
            }
            for p in people
        ]
    }


@bp.route(
    "/people/<string(maxlength=32):employee_no>/ratings", methods=["POST"], tags=["competencies"]
)
@token_required()
@bp.arguments(RatingSchema)
@bp.response(201, RatingResultSchema)
@bp.alt_response(422, response="Error", description="Unknown competency or refused rating")
def rate_person(body, employee_no: str):
    """Record a rating (trainers, HR and the person's managers; never of oneself)."""
    person = _person_or_error(employee_no, can_rate)
    competency = queries.get_competency(body["code"])
    if competency is None or competency.is_retired:
        message = _("There is no active competency %(code)s.", code=body["code"])
        raise ApiError(
            422, "validation_error", message, errors=[{"field": "code", "message": message}]
        )
    try:
        rating = competencies.record_rating(
            current_api_user(), person, competency, body["level"], body["comment"]
        )
    except competencies.RatingRefused as exc:
        raise ApiError(422, "validation_error", str(exc)) from None
    current = competencies.current_levels([person.id]).get((person.id, competency.code))
    return {
        "id": rating.id,
        "code": competency.code,
        "level": rating.level,
        "rater_role": rating.rater_role,
        "observed_at": rating.observed_at,
        "valid_until": rating.valid_until,
        "current": current,
    }
