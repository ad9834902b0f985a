"""Pages of the competency framework: read by everyone signed in, edited by HR and admins."""

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.competencies import files, files_xlsx, queries, services
from app.competencies.blueprint import bp
from app.competencies.forms import (
    CompetencyForm,
    ConfirmFrameworkForm,
    ImportFrameworkForm,
    profile_form_class,
)
from app.competencies.loaders import (
    get_competency_or_404,
    get_domain_or_404,
    get_job_role_or_404,
)
from app.core import charts, clock
from app.core.forms import ConfirmForm
from app.core.i18n import format_date, select_locale
from app.core.permissions import can_edit_framework, guarded_by, login_only
from app.core.responses import download


@bp.route("/")
@login_only
def index():
    """The framework: the 1–5 scale, then each domain's competencies with their level texts."""
    show_retired = can_edit_framework(current_user) and request.args.get("retired") == "1"
    return render_template(
        "competencies/index.html",
        domains=queries.domains_with_competencies(),
        scale=queries.scale(),
        show_retired=show_retired,
        locale=select_locale(),
    )


@bp.route("/c/<code>")
@login_only
def competency(code: str):
    """One competency: its level descriptors, which roles require what, its history."""
    item = get_competency_or_404(code)
    roles = {role.id: role for role, _p, _n in queries.profile_summaries()}
    return render_template(
        "competencies/competency.html",
        competency=item,
        versions=queries.versions_of(item),
        requirements=[
            (roles[role_id], level)
            for role_id, level in sorted(queries.requirements_of(item).items())
            if role_id in roles
        ],
        level_names=queries.level_names(),
        locale=select_locale(),
        confirm=ConfirmForm(),
    )


def _fill_form(form: CompetencyForm, item=None) -> None:
    form.domain_id.choices = queries.domain_choices()
    if item is not None and request.method == "GET":
        version = item.latest
        form.domain_id.data = item.domain_id
        form.name_zh.data, form.name_en.data = version.name_zh, version.name_en
        form.description_zh.data = version.description_zh
        form.description_en.data = version.description_en
        form.validity_months.data = item.validity_months
        for level, zh_field, en_field in form.level_fields():
            entry = (version.levels or {}).get(str(level)) or {}
            zh_field.data, en_field.data = entry.get("zh", ""), entry.get("en", "")


@bp.route("/new", methods=["GET", "POST"])
@guarded_by(can_edit_framework)
def new():
    """Add a competency to a domain (every role then requires level 1 of it until set)."""
    form = CompetencyForm()
    _fill_form(form)
    if form.validate_on_submit():
        try:
            item = services.create_competency(
                current_user,
                code=form.code.data or "",
                domain=get_domain_or_404(form.domain_id.data),
                wording=form.wording(),
                validity_months=form.validity_months.data,
            )
        except services.CompetencyError as error:
            flash(str(error), "danger")
        else:
            flash(_("Competency %(code)s added.", code=item.code), "success")
            return redirect(url_for("competencies.competency", code=item.code))
    return render_template("competencies/form.html", form=form, competency=None)


@bp.route("/c/<code>/edit", methods=["GET", "POST"])
@guarded_by(can_edit_framework)
def edit(code: str):
    """Change a competency's wording (a new version; the old one stays in the history)."""
    item = get_competency_or_404(code)
    form = CompetencyForm()
    _fill_form(form, item)
    del form.code
    if form.validate_on_submit():
        try:
            services.edit_competency(
                current_user,
                item,
                wording=form.wording(),
                validity_months=form.validity_months.data,
                note=form.note.data or "",
            )
        except services.CompetencyError as error:
            flash(str(error), "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("competencies.competency", code=item.code))
    return render_template("competencies/form.html", form=form, competency=item)


@bp.route("/c/<code>/retire", methods=["POST"])
@guarded_by(can_edit_framework)
def retire(code: str):
    """Retire a competency: hidden from pickers and the matrix, kept for history."""
    item = get_competency_or_404(code)
    if ConfirmForm().validate_on_submit():
        services.retire_competency(current_user, item)
        flash(_("%(code)s is retired.", code=item.code), "success")
    return redirect(url_for("competencies.competency", code=item.code))


@bp.route("/c/<code>/restore", methods=["POST"])
@guarded_by(can_edit_framework)
def restore(code: str):
    """Bring a retired competency back."""
    item = get_competency_or_404(code)
    if ConfirmForm().validate_on_submit():
        services.restore_competency(current_user, item)
        flash(_("%(code)s is active again.", code=item.code), "success")
    return redirect(url_for("competencies.competency", code=item.code))


# --- role profiles ---------------------------------------------------------------------------


@bp.route("/profiles")
@login_only
def profiles():
    """Every job role with the profile in force and how many versions it has had."""
    return render_template(
        "competencies/profiles.html", summaries=queries.profile_summaries(), locale=select_locale()
    )


def _radars(profile_levels: list[tuple[str, dict[str, int]]], locale: str):
    """One radar per domain: each profile version's required levels on the domain's axes."""
    result = []
    for domain in queries.domains_with_competencies():
        active = [c for c in domain.competencies if not c.is_retired]
        if len(active) < 3:
            continue  # a radar needs three axes; the table shows these
        series = [(label, [levels.get(c.code) for c in active]) for label, levels in profile_levels]
        result.append(
            (
                domain,
                charts.radar(
                    domain.name(locale), [c.label(locale) for c in active], series, maximum=5
                ),
            )
        )
    return result


@bp.route("/profiles/<role_code>")
@login_only
def profile(role_code: str):
    """A job role's required levels: every version side by side, a radar chart per domain."""
    role = get_job_role_or_404(role_code)
    locale = select_locale()
    versions = queries.profiles_of(role.id)
    in_force = queries.profile_in_force(role.id)
    shown = versions[:3]  # the newest three versions side by side
    series = [
        (
            _("From %(day)s", day=format_date(p.valid_from))
            + (" " + _("(in force)") if in_force and p.id == in_force.id else ""),
            p.levels,
        )
        for p in reversed(shown)
    ]
    return render_template(
        "competencies/profile.html",
        role=role,
        versions=versions,
        shown=shown,
        in_force=in_force,
        domains=queries.domains_with_competencies(),
        level_names=queries.level_names(locale),
        radars=_radars(series, locale),
        locale=locale,
        today=clock.local_today(),
    )


@bp.route("/profiles/<role_code>/edit", methods=["GET", "POST"])
@guarded_by(can_edit_framework)
def edit_profile(role_code: str):
    """Set new required levels for a job role from a date on."""
    role = get_job_role_or_404(role_code)
    locale = select_locale()
    active = queries.active_competencies()
    names = queries.level_names(locale)
    choices = [SelectChoice(n, f"{n} {names.get(n, '')}".strip()) for n in range(1, 6)]
    form_class = profile_form_class([c.code for c in active], choices)
    form = form_class()
    current = queries.profile_in_force(role.id)
    if request.method == "GET":
        levels = current.levels if current else {}
        for c in active:
            form[f"level_{c.code}"].data = levels.get(c.code, 1)
        form.valid_from.data = clock.local_today()
    if form.validate_on_submit():
        levels = {c.code: form[f"level_{c.code}"].data for c in active}
        try:
            services.set_profile(
                current_user, role, form.valid_from.data, levels, form.note.data or ""
            )
        except services.CompetencyError as error:
            flash(str(error), "danger")
        else:
            flash(_("The new profile is saved."), "success")
            return redirect(url_for("competencies.profile", role_code=role.code))
    return render_template(
        "competencies/profile_form.html",
        role=role,
        form=form,
        domains=queries.domains_with_competencies(),
        locale=locale,
    )


# --- files -----------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@guarded_by(can_edit_framework)
def import_framework():
    """Upload a framework file (YAML or XLSX): a preview of every change first."""
    form = ImportFrameworkForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "framework.yaml"
        try:
            report = services.import_file(current_user, data, filename, dry_run=True)
        except services.FrameworkRejected as rejected:
            return render_template(
                "competencies/import.html", form=form, problems=rejected.problems
            ), 422
        confirm = ConfirmFrameworkForm(
            filename=filename, payload=base64.b64encode(data).decode("ascii")
        )
        return render_template(
            "competencies/import.html", form=form, report=report, confirm=confirm
        )
    return render_template("competencies/import.html", form=form)


@bp.route("/import/confirm", methods=["POST"])
@guarded_by(can_edit_framework)
def import_confirm():
    """Run the previewed import (checked again: all of it or nothing)."""
    confirm = ConfirmFrameworkForm()
    if not confirm.validate_on_submit():
        flash(_("The import form expired; upload the file again."), "danger")
        return redirect(url_for("competencies.import_framework"))
    try:
        data = base64.b64decode(confirm.payload.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    try:
        report = services.import_file(current_user, data, confirm.filename.data or "upload")
    except services.FrameworkRejected as rejected:
        return render_template(
            "competencies/import.html", form=ImportFrameworkForm(), problems=rejected.problems
        ), 422
    flash(_("Import done: %(n)d change(s).", n=report.n_changes), "success")
    return redirect(url_for("competencies.index"))


@bp.route("/export.<fmt>")
@guarded_by(can_edit_framework)
def export(fmt: str):
    """Download the framework and every role profile as YAML or XLSX."""
    framework = queries.framework_for_export()
    stamp = clock.local_today().isoformat()
    if fmt == "xlsx":
        return download(
            files_xlsx.dump_xlsx(framework),
            f"competencies-{stamp}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if fmt == "yaml":
        return download(
            files.dump_yaml(framework).encode("utf-8"),
            f"competencies-{stamp}.yaml",
            "application/yaml; charset=utf-8",
        )
    abort(404)
