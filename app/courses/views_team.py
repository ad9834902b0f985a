"""Training pages for managers and HR: yearly quotas per job role, hours earned against them,
the team's assignments and one person's training."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import clock
from app.core.errors import DomainError
from app.core.pagination import paginate
from app.core.permissions import Role, can_view_people, can_view_user, guarded_by, role_required
from app.courses import queries, services
from app.courses.blueprint import bp
from app.courses.forms import QuotaForm
from app.courses.models import ENROLMENT_STATUSES
from app.org import queries as org_queries
from app.org.loaders import get_user_or_404, job_role_or_none


@bp.route("/courses/quotas", methods=["GET", "POST"])
@role_required(Role.HR, Role.ADMIN)
def quotas():
    """Yearly 学时 quota per job role."""
    year = request.args.get("year", services.local_today().year, type=int)
    form = QuotaForm(year=year)
    form.job_role_id.choices = org_queries.job_role_choices(blank=None)
    if form.validate_on_submit():
        try:
            services.set_quota(
                current_user,
                job_role_or_none(form.job_role_id.data),
                form.year.data,
                form.hours.data,
            )
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Quota saved."), "success")
            return redirect(url_for("courses.quotas", year=form.year.data))
    return render_template(
        "courses/quotas.html",
        form=form,
        roles=org_queries.job_roles(),
        year=year,
        quotas=queries.quotas_for(year),
    )


@bp.route("/courses/hours")
@guarded_by(can_view_people)
def hours():
    """学时 earned against quota for the people I may see."""
    year = request.args.get("year", services.local_today().year, type=int)
    department_id = request.args.get("department", type=int)
    page = paginate(
        queries.hours_people(current_user, department_id=department_id),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    earned = queries.hours_earned([p.id for p in page.items], year)
    quotas = queries.quotas_for(year)
    return render_template(
        "courses/hours.html",
        page=page,
        rows=[(p, earned.get(p.id, 0.0), quotas.get(p.job_role_id)) for p in page.items],
        year=year,
        department_id=department_id,
        departments=org_queries.department_tree(),
    )


@bp.route("/courses/team")
@guarded_by(can_view_people)
def team():
    """Assignments of the people I may see, filtered by status, course or department."""
    status = request.args.get("status") or None
    course_id = request.args.get("course", type=int)
    department_id = request.args.get("department", type=int)
    page = paginate(
        queries.team_enrolments(
            current_user, status=status, course_id=course_id, department_id=department_id
        ),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    now = clock.now()
    return render_template(
        "courses/team.html",
        page=page,
        rows=[(e, services.status_of(e, now)) for e in page.items],
        status=status,
        statuses=[s for s in ENROLMENT_STATUSES if s != "withdrawn"],
        department_id=department_id,
        departments=org_queries.department_tree(),
    )


@bp.route("/courses/people/<int:user_id>")
@guarded_by(can_view_people)
def person(user_id: int):
    """One person's assignments, certificates and hours."""
    person = get_user_or_404(user_id)
    if not can_view_user(current_user, person):
        abort(403)
    now = clock.now()
    year = services.local_today(now).year
    earned, quota = queries.hours_of(person, year)
    enrolments = queries.my_enrolments(person)
    return render_template(
        "courses/person.html",
        person=person,
        rows=[(e, services.status_of(e, now)) for e in enrolments],
        earned=earned,
        quota=quota,
        year=year,
    )
