"""Department trends of service results (managers: their subtrees; HR and admins: everyone), and
the gate events with the courses they assigned (HR and admins)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import clock
from app.core.forms import ConfirmForm
from app.core.i18n import select_locale
from app.core.permissions import (
    can_manage_service_quality,
    can_view_service_scores,
    guarded_by,
    sees_whole_company,
)
from app.org import queries as org_queries
from app.org.loaders import department_or_none
from app.quality import periods, queries, queries_follow, services
from app.quality import trends as department_trends
from app.quality.blueprint import bp
from app.quality.services import gates


def _departments(viewer) -> list:
    """The departments the viewer may choose: all for HR, a manager's subtrees otherwise."""
    tree = org_queries.department_tree()
    if sees_whole_company(viewer):
        return tree
    managed = [d.path for d in viewer.managed_departments]
    return [(d, n) for d, n in tree if any(d.path.startswith(path) for path in managed)]


@bp.route("/trends")
@guarded_by(can_view_service_scores)
def trends():
    """A subtree's mean composite and indicator scores over twelve months, who misses a target
    this month and whose composite fell most since the month before."""
    choices = _departments(current_user)
    allowed = {d.id for d, _n in choices}
    department = department_or_none(request.args.get("department", type=int))
    if department is not None and department.id not in allowed:
        department = None
    if department is None and not sees_whole_company(current_user) and choices:
        department = choices[0][0]
    available = queries.periods_with_scores()
    period = request.args.get("period", "")
    if not periods.is_period(period):
        period = available[0] if available else periods.last_complete(clock.local_today())
    found = department_trends.trends(
        current_user, department, period, request.args.get("indicator") or None
    )
    locale = select_locale()
    return render_template(
        "quality/trends.html",
        found=found,
        choices=choices,
        available=available,
        composite_chart=department_trends.composite_chart(found),
        indicator_charts=department_trends.indicator_charts(found, locale),
        locale=locale,
    )


@bp.route("/gate-events")
@guarded_by(can_manage_service_quality)
def gate_events():
    """Gate events with the course each assigned, those without a course flagged."""
    only_waiting = request.args.get("waiting") == "1"
    return render_template(
        "quality/gate_events.html",
        events=queries_follow.gate_events(without_course=only_waiting),
        n_waiting=queries_follow.count_gate_events_waiting(),
        only_waiting=only_waiting,
        form=ConfirmForm(),
        due_days=gates.due_days(),
        locale=select_locale(),
    )


@bp.route("/gate-events/assign", methods=["POST"])
@guarded_by(can_manage_service_quality)
def assign_gate_courses():
    """Look again for a course for the gate events that found none."""
    if ConfirmForm().validate_on_submit():
        assigned = services.assign_waiting(current_user)
        if assigned:
            flash(_("%(n)d course(s) assigned.", n=assigned), "success")
        else:
            flash(_("Still no published course develops these competencies."), "warning")
    return redirect(url_for("quality.gate_events"))
