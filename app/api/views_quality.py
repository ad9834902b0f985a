"""API resources of service quality: a period's raw scores in (a source system's batch) and the
computed results out.

``PUT`` replaces, for each indicator the batch contains, that period's values of every person
(every row or none); ``GET`` gives each visible person's indicator values and scores, composite
and rank in their department, ordered by employee number. User tokens see what the user sees on
the pages (themselves, a manager their subtree, HR and admins everyone).
"""

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from app.api.auth import current_api_user, token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.schemas import DryRunQuerySchema, Strict
from app.api.views import department_or_422
from app.core.errors import ImportRejected
from app.core.permissions import Role
from app.quality import periods, queries, results, scoring, services

#: the most rows one PUT may carry (a month of every indicator for about 5000 people)
MAX_SCORE_ROWS = 50_000
PERIOD_DOC = {"description": "A month, YYYY-MM", "example": "2026-11"}


class ScoreRowSchema(Strict):
    """One raw value: a person, an indicator, the value (percentages as 0–100)."""

    employee_no = fields.String(
        required=True, validate=validate.Length(min=1, max=32), metadata={"example": "S0008"}
    )
    indicator = fields.String(
        required=True, validate=validate.Length(min=1, max=10), metadata={"example": "K01"}
    )
    value = fields.Float(required=True, allow_nan=False, metadata={"example": 98.5})


class ScoreBatchSchema(Strict):
    """A period's values of one or more indicators: for each indicator given, the whole month."""

    rows = fields.List(
        fields.Nested(ScoreRowSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_SCORE_ROWS),
    )


class ScoreBatchResultSchema(ma.Schema):
    """What the batch did (or would do, on a dry run)."""

    period = fields.String(required=True, metadata=PERIOD_DOC)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    deleted = fields.Integer(
        required=True,
        metadata={"description": "Values of the batch's indicators whose person it left out"},
    )


class ScoresQuerySchema(ma.Schema):
    """Filters of a period's results."""

    department = fields.String(
        validate=validate.Length(max=500),
        metadata={
            "description": "Department path from the root; includes its subtree (the department "
            "each value was recorded in)"
        },
    )


class IndicatorScoreSchema(ma.Schema):
    """One indicator of a person: raw value and 0–100 score."""

    indicator = fields.String(required=True, metadata={"example": "K01"})
    value = fields.Float(required=True)
    score = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "0–100, two decimals; null when the job role has no "
            "parameters for the indicator in the period"
        },
    )


class PersonScoresSchema(ma.Schema):
    """A person's results of the period."""

    employee_no = fields.String(required=True)
    job_role = fields.String(
        required=True, metadata={"description": "The job role the values were recorded with"}
    )
    composite = fields.Float(
        required=True,
        allow_none=True,
        metadata={
            "description": "0–100, two decimals; null when the values present cover less than "
            "half of the job role's weights; at most 60 after a gate violation"
        },
    )
    rank = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "Rank of the composite in the person's department (ties share "
            "a rank: 1, 2, 2, 4); null without a composite"
        },
    )
    indicators = fields.List(fields.Nested(IndicatorScoreSchema), required=True)


class ScoreListSchema(ma.Schema):
    """A page of a period's results, ordered by employee number."""

    items = fields.List(fields.Nested(PersonScoresSchema), required=True)


def _period_or_error(period: str) -> str:
    if not periods.is_period(period):
        message = _("'%(period)s' is not a period (YYYY-MM).", period=period)
        raise ApiError(
            422, "validation_error", message, errors=[{"field": "period", "message": message}]
        )
    return period


@bp.route(
    "/service-quality/periods/<string(maxlength=7):period>/scores",
    methods=["PUT"],
    tags=["service quality"],
)
@token_required(Role.HR, Role.ADMIN, scope="scores:write")
@bp.arguments(DryRunQuerySchema, location="query")
@bp.arguments(ScoreBatchSchema)
@bp.response(200, ScoreBatchResultSchema)
@bp.alt_response(422, response="Error", description="Rejected: every bad row, nothing written")
def put_scores(options, body, period: str):
    """Replace the period's values of each indicator in the batch: every row or none."""
    _period_or_error(period)
    rows = [(number, row) for number, row in enumerate(body["rows"], start=1)]
    try:
        report = services.import_scores(
            current_api_user(), period, rows, source="api", dry_run=options["dry_run"]
        )
    except ImportRejected as exc:
        raise ApiError(
            422,
            "import_rejected",
            _("Some rows have problems; nothing was changed."),
            errors=[{"row": p.line, "message": p.message} for p in exc.problems],
        ) from None
    except services.ScoreRefused as exc:
        raise ApiError(
            422, "validation_error", str(exc), errors=[{"field": "period", "message": str(exc)}]
        ) from None
    return {
        "period": period,
        "created": report.created,
        "updated": report.updated,
        "deleted": report.deleted,
    }


@bp.route("/service-quality/periods/<string(maxlength=7):period>/scores", tags=["service quality"])
@token_required(scope="reports:read")
@bp.arguments(ScoresQuerySchema, location="query")
@bp.response(200, ScoreListSchema)
@bp.paginate(page_size=50, max_page_size=500)
@bp.alt_response(422, response="Error", description="A malformed period or unknown department")
def get_scores(filters, period: str, pagination_parameters):
    """Each visible person's values and scores, composite and rank in department."""
    _period_or_error(period)
    department = None
    if filters.get("department"):
        department = department_or_422(filters["department"])
    found = results.visible_results(current_api_user(), period, department=department)
    pagination_parameters.item_count = len(found)
    start = (pagination_parameters.page - 1) * pagination_parameters.page_size
    page = found[start : start + pagination_parameters.page_size] if start < len(found) else []
    roles = queries.job_roles_by_id()
    return {
        "items": [
            {
                "employee_no": person.employee_no,
                "job_role": roles[person.job_role_id].code,
                "composite": person.composite_value,
                "rank": person.rank_in_department,
                "indicators": [
                    {
                        "indicator": item.code,
                        "value": item.value,
                        "score": scoring.rounded(item.score),
                    }
                    for item in sorted(person.indicators, key=lambda i: i.code)
                ],
            }
            for person in page
        ]
    }
