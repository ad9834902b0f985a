"""The training-needs page: per department subtree, who needs which training (ranked), the
recommended courses to assign in one action, and the weak results that are probably not a
training matter."""

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import clock
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.i18n import select_locale
from app.core.params import parse_int
from app.core.permissions import can_view_people, guarded_by
from app.courses.loaders import get_course_or_404
from app.needs import queries, services
from app.needs.blueprint import bp
from app.org import queries as org_queries
from app.org.loaders import department_or_none
from app.quality import periods


def _choices() -> tuple:
    args = request.values
    period = args.get("period") if periods.is_period(args.get("period")) else None
    mode = args.get("mode") if args.get("mode") in queries.MODES else "month"
    return (
        department_or_none(args.get("department", type=int)),
        period or queries.default_period(),
        mode,
    )


@bp.route("/")
@guarded_by(can_view_people)
def index():
    """The people of a department subtree ranked by the urgency of their training needs."""
    department, period, mode = _choices()
    return render_template(
        "needs/index.html",
        items=queries.ranked_needs(current_user, department, period, mode),
        department=department,
        period=period,
        mode=mode,
        departments=org_queries.department_choices(blank=_("Everyone I see")),
        due_on=clock.local_today() + timedelta(days=30),
        form=ConfirmForm(),
        locale=select_locale(),
    )


@bp.route("/assign", methods=["POST"])
@guarded_by(can_view_people)
def assign():
    """Assign the ticked recommended courses, each with its reason, in one action."""
    department, period, mode = _choices()
    back = url_for(
        "needs.index",
        department=department.id if department else None,
        period=period,
        mode=mode,
    )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        due_on = date.fromisoformat(request.form.get("due_on", ""))
    except ValueError:
        flash(_("Give the date by which the courses are to be completed."), "danger")
        return redirect(back)
    picks = []
    for value in request.form.getlist("pick"):
        parts = value.split(":")
        ids = [parse_int(part) for part in parts[:2]]
        if len(parts) != 3 or None in ids:
            abort(400)
        picks.append((ids[0], ids[1], parts[2]))
    people = {p.id: p for p in queries.department_people(current_user, department)}
    wanted = [people[uid] for uid in {uid for uid, _c, _code in picks} if uid in people]
    if len(wanted) != len({uid for uid, _c, _code in picks}):
        abort(403)
    needs = {item.person.id: item for item in queries.needs_of(wanted, period, mode)}
    choices = [(needs[uid], get_course_or_404(course_id), code) for uid, course_id, code in picks]
    try:
        made = services.assign_recommended(current_user, choices, due_on)
    except DomainError as error:
        flash(str(error), "danger")
    else:
        flash(_("%(n)d course assignment(s) made.", n=made), "success")
    return redirect(back)
