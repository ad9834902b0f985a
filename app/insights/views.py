"""Insight pages: the courses whose effect can be measured, a course's effect on the service
results linked to what it teaches, and which skills predict the service results of a job role."""

from flask import abort, render_template, request

from app.core.gettext import _
from app.core.i18n import select_locale
from app.core.permissions import can_view_training_effect, guarded_by
from app.courses.loaders import get_course_or_404
from app.insights import charts, course_effect, predictors, queries
from app.insights.blueprint import bp
from app.insights.correlation import is_reliable
from app.org import queries as org_queries


def _window() -> int:
    window = request.args.get("window", type=int)
    if window is None or not 1 <= window <= course_effect.MAX_WINDOW:
        return course_effect.DEFAULT_WINDOW
    return window


@bp.route("/courses")
@guarded_by(can_view_training_effect)
def courses():
    """The courses someone has completed: each opens its effect on the service results."""
    return render_template(
        "insights/courses.html", courses=queries.courses_with_completions(), locale=select_locale()
    )


@bp.route("/courses/<int:course_id>/effect")
@guarded_by(can_view_training_effect)
def course_effect_page(course_id: int):
    """Did the course work: its effect on each linked indicator and on the composite."""
    course = get_course_or_404(course_id)
    window = _window()
    report = course_effect.course_effects(course, window)
    locale = select_locale()
    return render_template(
        "insights/course_effect.html",
        report=report,
        charts={o.code: charts.profile_chart(o, locale) for o in report.outcomes},
        windows=range(1, course_effect.MAX_WINDOW + 1),
        locale=locale,
        title=_("Effect of %(course)s", course=course.title),
        signed=course_effect.signed,
        plain=course_effect.shown,
        month_label=charts.month_label,
    )


@bp.route("/predictors")
@guarded_by(can_view_training_effect)
def predictors_page():
    """Which competencies and question categories go with better service, for a job role."""
    args = request.args
    roles = org_queries.job_roles()
    role = org_queries.job_role_by_code(args.get("job_role")) or next(
        (r for r in roles if r.code == predictors.DEFAULT_ROLE), roles[0] if roles else None
    )
    if role is None:
        abort(404)
    report = predictors.predictor_report(role)
    kind = args.get("kind") if args.get("kind") in predictors.KINDS else ""
    indicator = args.get("indicator") if args.get("indicator") in report.indicators else ""
    reliable_only = args.get("reliable") == "1"
    rows = [
        p
        for p in report.computed
        if (not kind or p.kind == kind)
        and (not indicator or p.indicator == indicator)
        and (not reliable_only or is_reliable(p.q))
    ]
    show_all = args.get("all") == "1"
    x_kind, _sep, x_key = args.get("x", "").partition(":")
    chosen = report.find(x_kind, x_key, args.get("y", ""))
    locale = select_locale()
    return render_template(
        "insights/predictors.html",
        report=report,
        roles=roles,
        role=role,
        kind=kind,
        indicator=indicator,
        rows=rows if show_all else rows[: predictors.PAGE_ROWS],
        n_rows=len(rows),
        show_all=show_all,
        reliable_only=reliable_only,
        n_missing=len(report.pairs) - len(report.computed),
        chosen=chosen,
        scatter=charts.predictor_scatter(report, chosen, locale) if chosen else None,
        reading=predictors.reading,
        label=predictors.label_of,
        kind_labels=predictors.KIND_LABELS,
        fmt=predictors.coefficient,
        fmt_p=predictors.p_value,
        is_reliable=is_reliable,
        locale=locale,
    )
