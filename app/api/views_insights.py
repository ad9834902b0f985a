"""API resources of insights: a course's effect on a service indicator or the composite, and
which skills predict the service results of a job role."""

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.core.permissions import can_view_training_effect
from app.courses import queries as course_queries
from app.insights import course_effect, predictors
from app.org import queries as org_queries
from app.quality import queries as quality_queries


class CourseEffectQuerySchema(ma.Schema):
    """Which outcome, and how many months before and after completion."""

    indicator = fields.String(
        load_default=course_effect.COMPOSITE,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "an indicator's code, or `composite`", "example": "K01"},
    )
    window = fields.Integer(
        load_default=course_effect.DEFAULT_WINDOW,
        validate=validate.Range(min=1, max=course_effect.MAX_WINDOW),
        metadata={"description": "months before and after the month of completion (N)"},
    )


class CourseEffectSchema(ma.Schema):
    """The effect of a course on one outcome (difference in differences, person as the unit).

    Effects are null, never 0, where they cannot be computed; ``warnings`` then says why."""

    course_id = fields.Integer(required=True)
    indicator = fields.String(required=True, metadata={"example": "K01"})
    window = fields.Integer(required=True)
    effect = fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "completers' mean change − comparisons' (positive = better)"},
    )
    ci_low = fields.Float(allow_none=True, required=True)
    ci_high = fields.Float(allow_none=True, required=True)
    matched_effect = fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "against comparisons matched on the pre-period level"},
    )
    matched_ci_low = fields.Float(allow_none=True, required=True)
    matched_ci_high = fields.Float(allow_none=True, required=True)
    n_treated = fields.Integer(required=True)
    n_control = fields.Integer(required=True)
    pre_trend_ok = fields.Boolean(allow_none=True, required=True)
    warnings = fields.List(
        fields.String(validate=validate.OneOf(list(course_effect.WARNINGS))),
        required=True,
        metadata={"description": "codes: " + ", ".join(course_effect.WARNINGS)},
    )
    messages = fields.List(
        fields.String(), required=True, metadata={"description": "the warnings in words"}
    )


@bp.route("/reports/course-effect/<int:course_id>", tags=["reports"])
@token_required(scope="reports:read", check=can_view_training_effect)
@bp.arguments(CourseEffectQuerySchema, location="query")
@bp.response(200, CourseEffectSchema)
def course_effect_report(args, course_id: int):
    """Did the course work: its effect on an indicator's raw values (or the composite), with a
    Welch 95 % interval, the matched estimate and the pre-trend check."""
    course = course_queries.course_by_id(course_id)
    if course is None:
        raise ApiError(404, "not_found", _("No course has this id."))
    code = args["indicator"]
    indicator = None
    if code != course_effect.COMPOSITE:
        indicator = quality_queries.indicator_by_code(code)
        if indicator is None:
            raise ApiError(
                422, "validation_error", _("No indicator has the code %(code)s.", code=code)
            )
    outcome = course_effect.effect_on(course, indicator, args["window"])
    return course_effect.as_json(course, outcome)


class PredictorsQuerySchema(ma.Schema):
    """Which job role."""

    job_role = fields.String(
        required=True, validate=validate.Length(min=1, max=20), metadata={"example": "CTR"}
    )


class PredictorSchema(ma.Schema):
    """One predictor × indicator pair: coefficients oriented so that positive = better service,
    null where fewer than 3 people have both values or an input is constant."""

    predictor = fields.String(
        required=True,
        metadata={"description": "a competency code, or a question category's full name"},
    )
    kind = fields.String(required=True, validate=validate.OneOf(predictors.KINDS))
    indicator = fields.String(required=True, metadata={"example": "K01"})
    n = fields.Integer(required=True)
    spearman = fields.Float(allow_none=True, required=True)
    spearman_p = fields.Float(allow_none=True, required=True)
    pearson = fields.Float(allow_none=True, required=True)
    pearson_p = fields.Float(allow_none=True, required=True)
    q = fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "Benjamini–Hochberg q of spearman_p across the whole table"},
    )


class PredictorsSchema(ma.Schema):
    """The job role's table, sorted by |spearman| descending (nulls last)."""

    job_role = fields.String(required=True)
    items = fields.List(fields.Nested(PredictorSchema), required=True)


@bp.route("/reports/predictors", tags=["reports"])
@token_required(scope="reports:read", check=can_view_training_effect)
@bp.arguments(PredictorsQuerySchema, location="query")
@bp.response(200, PredictorsSchema)
def predictors_report(args):
    """Which competencies and question categories go with better service in a job role, over
    the last six complete months (Spearman and Pearson with p-values, BH q-values)."""
    role = org_queries.job_role_by_code(args["job_role"])
    if role is None:
        raise ApiError(
            422, "validation_error", _("No job role has the code %(code)s.", code=args["job_role"])
        )
    return predictors.as_json(predictors.predictor_report(role))
