"""People and account administration pages."""

import base64

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.auth import lockout
from app.core.errors import DomainError, ImportRejected
from app.core.forms import ConfirmForm, decoded_payload
from app.core.pagination import paginate
from app.core.permissions import Role, can_view_people, guarded_by, role_required
from app.org import queries, services
from app.org.blueprint import bp
from app.org.forms import (
    ConfirmImportForm,
    ImportUsersForm,
    ResetPasswordForm,
    UserForm,
)
from app.org.loaders import (
    department_or_none,
    departments_by_ids,
    get_user_or_404,
    job_role_or_none,
)


def _fill_choices(form: UserForm) -> None:
    form.department_id.choices = queries.department_choices()
    form.managed_department_ids.choices = [
        SelectChoice(d.id, d.full_name) for d, _n in queries.department_tree()
    ]
    form.job_role_id.choices = queries.job_role_choices()


def _form_changes(form: UserForm) -> dict:
    return {
        "name": form.name.data,
        "email": form.email.data or "",
        "department": department_or_none(form.department_id.data),
        "job_role": job_role_or_none(form.job_role_id.data),
        "hired_at": form.hired_at.data,
        "locale": form.locale.data or None,
        "roles": form.roles.data,
        "managed_departments": departments_by_ids(form.managed_department_ids.data),
    }


@bp.route("/people")
@guarded_by(can_view_people)
def people():
    """People the viewer may see (HR and admins: everyone; managers: their subtree)."""
    search = request.args.get("q", "")
    department_id = request.args.get("department", type=int)
    job_role_id = request.args.get("job_role", type=int)
    query = queries.people_page(
        current_user, search=search, department_id=department_id, job_role_id=job_role_id
    )
    page = paginate(query, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    return render_template(
        "org/people.html",
        page=page,
        search=search,
        department_id=department_id,
        job_role_id=job_role_id,
        departments=queries.department_tree(),
        job_roles=queries.job_roles(),
    )


@bp.route("/departments")
@role_required(Role.HR, Role.ADMIN)
def departments():
    """The department tree with head counts."""
    return render_template("org/departments.html", departments=queries.department_tree())


@bp.route("/users")
@role_required(Role.ADMIN)
def users():
    """All accounts, for administration."""
    return people()


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_new():
    """Create an account."""
    form = UserForm()
    _fill_choices(form)
    if form.validate_on_submit():
        changes = _form_changes(form)
        try:
            user = services.create_user(
                current_user,
                employee_no=form.employee_no.data,
                name=changes["name"],
                roles=changes["roles"],
                password=form.password.data or None,
                email=changes["email"],
                department=changes["department"],
                job_role=changes["job_role"],
                hired_at=changes["hired_at"],
                locale=changes["locale"],
                must_change_password=bool(form.password.data),
            )
            if changes["managed_departments"]:
                services.update_user(
                    current_user, user, managed_departments=changes["managed_departments"]
                )
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Account %(no)s created.", no=user.employee_no), "success")
            return redirect(url_for("org.user_edit", user_id=user.id))
    return render_template("org/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_edit(user_id: int):
    """Edit an account's profile, placement and roles."""
    user = get_user_or_404(user_id)
    form = UserForm(obj=user)
    del form.password
    _fill_choices(form)
    if request.method == "GET":
        form.department_id.data = user.department_id or 0
        form.job_role_id.data = user.job_role_id or 0
        form.roles.data = user.role_names
        form.locale.data = user.locale or ""
        form.managed_department_ids.data = [d.id for d in user.managed_departments]
    if form.validate_on_submit():
        try:
            services.update_user(current_user, user, **_form_changes(form))
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(_("Account %(no)s saved.", no=user.employee_no), "success")
            return redirect(url_for("org.user_edit", user_id=user.id))
    return render_template(
        "org/user_form.html",
        form=form,
        user=user,
        reset_form=ResetPasswordForm(),
        confirm_form=ConfirmForm(),
        locked_until=lockout.user_locked_until(user),
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@role_required(Role.ADMIN)
def user_reset_password(user_id: int):
    """Set a new password for an account."""
    user = get_user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(current_user, user, form.password.data, form.must_change.data)
        except DomainError as exc:  # a directory account has no password here
            flash(str(exc), "danger")
        else:
            flash(_("The password of %(no)s has been reset.", no=user.employee_no), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("org.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def user_toggle_active(user_id: int):
    """Deactivate or reactivate an account."""
    user = get_user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_active(current_user, user, not user.is_active)
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            message = _("Account reactivated.") if user.is_active else _("Account deactivated.")
            flash(message, "success")
    return redirect(url_for("org.user_edit", user_id=user.id))


@bp.route("/users/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_users():
    """Upload a user file: a dry-run preview first, then the confirmed import."""
    form = ImportUsersForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "upload.csv"
        try:
            report = services.import_users(current_user, data, filename, dry_run=True)
        except ImportRejected as exc:
            return render_template("org/import.html", form=form, problems=exc.problems), 422
        confirm = ConfirmImportForm(
            filename=filename, payload=base64.b64encode(data).decode("ascii")
        )
        return render_template("org/import.html", form=form, report=report, confirm=confirm)
    return render_template("org/import.html", form=form)


@bp.route("/users/import/confirm", methods=["POST"])
@role_required(Role.ADMIN)
def import_users_confirm():
    """Run the previewed import for real (re-validated: all rows or none)."""
    confirm = ConfirmImportForm()
    if not confirm.validate_on_submit():
        flash(_("The import form expired; upload the file again."), "danger")
        return redirect(url_for("org.import_users"))
    try:
        report = services.import_users(
            current_user,
            decoded_payload(confirm.payload),
            confirm.filename.data,
            initial_password=confirm.initial_password.data or None,
        )
    except ImportRejected as exc:
        page = render_template("org/import.html", form=ImportUsersForm(), problems=exc.problems)
        return page, 422
    except DomainError as exc:  # the initial password breaks the policy
        flash(str(exc), "danger")
        return redirect(url_for("org.import_users"))
    flash(_("Import done: %(summary)s.", summary=report.summary), "success")
    return redirect(url_for("org.users"))
