"""Pages of the indicator system: read by everyone signed in (staff see what they are measured
by), edited by HR and admins; the indicator file's import and export."""

import base64

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.competencies import queries as competency_queries
from app.competencies.files import Text
from app.competencies.loaders import get_job_role_or_404
from app.core import clock
from app.core.errors import ImportRejected
from app.core.forms import decoded_payload
from app.core.i18n import select_locale
from app.core.permissions import can_manage_service_quality, guarded_by, login_only
from app.core.responses import download
from app.org import queries as org_queries
from app.quality import files, periods, queries, services
from app.quality.blueprint import bp
from app.quality.files import IndicatorSpec, ParameterSpec
from app.quality.forms import (
    ConfirmFileForm,
    ImportIndicatorsForm,
    indicator_form_class,
    parameter_form_class,
)
from app.quality.loaders import get_indicator_or_404


def _this_period() -> str:
    return periods.of_date(clock.local_today())


@bp.route("/")
@login_only
def index():
    """The indicators: wording, unit, direction, source, and the weight per job role in force."""
    period = _this_period()
    summaries = queries.set_summaries(period)
    weights = {}
    for role, parameter_set, _n in summaries:
        for p in parameter_set.parameters if parameter_set else []:
            weights[(p.indicator.code, role.id)] = p
    return render_template(
        "quality/indicators.html",
        indicators=queries.indicators(),
        summaries=summaries,
        weights=weights,
        locale=select_locale(),
        period=period,
    )


@bp.route("/indicators/<code>")
@login_only
def indicator(code: str):
    """One indicator: definition, source, linked competencies, parameters per job role."""
    item = get_indicator_or_404(code)
    period = _this_period()
    rows = []
    for role, parameter_set, _n in queries.set_summaries(period):
        found = next(
            (
                p
                for p in (parameter_set.parameters if parameter_set else [])
                if p.indicator_id == item.id
            ),
            None,
        )
        rows.append((role, parameter_set, found))
    return render_template(
        "quality/indicator.html",
        indicator=item,
        rows=rows,
        locale=select_locale(),
        period=period,
    )


def _competency_pairs(keep: dict[str, int]):
    locale = select_locale()
    pairs = [(c.code, c.label(locale)) for c in competency_queries.active_competencies()]
    codes = {code for code, _label in pairs}
    pairs += [
        (code, competency_queries.competency_label(code, locale))
        for code in keep
        if code not in codes
    ]
    return pairs


def _spec_from(form, code: str, pairs) -> IndicatorSpec:
    return IndicatorSpec(
        code=code,
        name=Text(form.name_zh.data.strip(), (form.name_en.data or "").strip()),
        definition=Text(
            (form.definition_zh.data or "").strip(), (form.definition_en.data or "").strip()
        ),
        unit=form.unit.data,
        direction=form.direction.data,
        source=Text((form.source_zh.data or "").strip(), (form.source_en.data or "").strip()),
        competencies={
            c: form[f"strength_{c}"].data for c, _label in pairs if form[f"strength_{c}"].data
        },
    )


@bp.route("/indicators/new", methods=["GET", "POST"])
@guarded_by(can_manage_service_quality)
def new_indicator():
    """Add an indicator (its parameters per job role are set on the parameters page)."""
    pairs = _competency_pairs({})
    form = indicator_form_class(pairs)()
    if form.validate_on_submit():
        code = (form.code.data or "").strip().upper()
        try:
            item = services.save_indicator(current_user, None, _spec_from(form, code, pairs))
        except services.IndicatorError as error:
            flash(str(error), "danger")
        else:
            flash(_("Indicator %(code)s added.", code=item.code), "success")
            return redirect(url_for("quality.indicator", code=item.code))
    return render_template(
        "quality/indicator_form.html", form=form, indicator=None, pairs=pairs, has_scores=False
    )


@bp.route("/indicators/<code>/edit", methods=["GET", "POST"])
@guarded_by(can_manage_service_quality)
def edit_indicator(code: str):
    """Change an indicator's wording, source or competency links (audited, versioned)."""
    item = get_indicator_or_404(code)
    pairs = _competency_pairs(item.strengths)
    form = indicator_form_class(pairs)()
    del form.code
    if request.method == "GET":
        for name in ("name_zh", "name_en", "definition_zh", "definition_en", "unit"):
            form[name].data = getattr(item, name)
        form.direction.data, form.source_zh.data = item.direction, item.source_zh
        form.source_en.data = item.source_en
        for c, strength in item.strengths.items():
            form[f"strength_{c}"].data = strength
    if form.validate_on_submit():
        try:
            services.save_indicator(current_user, item, _spec_from(form, item.code, pairs))
        except services.IndicatorError as error:
            flash(str(error), "danger")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("quality.indicator", code=item.code))
    return render_template(
        "quality/indicator_form.html",
        form=form,
        indicator=item,
        pairs=pairs,
        has_scores=item.id in queries.indicators_with_scores(),
    )


# --- parameters per job role -----------------------------------------------------------------


@bp.route("/parameters/<role_code>")
@login_only
def parameters(role_code: str):
    """A job role's parameter sets, newest first: weight, floor, target, ceiling per indicator."""
    role = get_job_role_or_404(role_code)
    period = _this_period()
    sets = queries.parameter_sets_of(role.id)
    in_force = next((s for s in sets if s.valid_from <= period), None)
    return render_template(
        "quality/parameters.html",
        role=role,
        sets=sets,
        in_force=in_force,
        locale=select_locale(),
        period=period,
    )


@bp.route("/parameters/<role_code>/edit", methods=["GET", "POST"])
@guarded_by(can_manage_service_quality)
def edit_parameters(role_code: str):
    """New parameters for a job role from a period on (an indicator counts when it has a target)."""
    role = get_job_role_or_404(role_code)
    indicators = queries.indicators()
    form = parameter_form_class([i.code for i in indicators])()
    period = _this_period()
    if request.method == "GET":
        current = queries.set_in_force(role.id, period)
        for p in current.parameters if current else []:
            code = p.indicator.code
            form[f"weight_{code}"].data = p.weight
            form[f"floor_{code}"].data = p.floor
            form[f"target_{code}"].data = p.target
            form[f"ceiling_{code}"].data = p.ceiling
            form[f"gate_{code}"].data = p.is_gate
        form.valid_from.data = periods.shift(period, 1)
    if form.validate_on_submit():
        chosen = {
            i.code: ParameterSpec(
                i.code,
                None if form[f"gate_{i.code}"].data else form[f"weight_{i.code}"].data,
                form[f"floor_{i.code}"].data,
                form[f"target_{i.code}"].data,
                form[f"ceiling_{i.code}"].data,
                bool(form[f"gate_{i.code}"].data),
            )
            for i in indicators
            if form[f"target_{i.code}"].data is not None
        }
        try:
            services.set_parameters(
                current_user, role, form.valid_from.data, chosen, form.note.data or ""
            )
        except services.IndicatorError as error:
            flash(str(error), "danger")
        else:
            flash(_("The new parameters are saved."), "success")
            return redirect(url_for("quality.parameters", role_code=role.code))
    return render_template(
        "quality/parameters_form.html",
        role=role,
        form=form,
        indicators=indicators,
        locale=select_locale(),
    )


# --- the indicator file ----------------------------------------------------------------------


@bp.route("/indicators/import", methods=["GET", "POST"])
@guarded_by(can_manage_service_quality)
def import_indicators():
    """Upload an indicator file (YAML): a preview of every change first."""
    form = ImportIndicatorsForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "indicators.yaml"
        try:
            report = services.import_file(current_user, data, filename, dry_run=True)
        except ImportRejected as rejected:
            return render_template(
                "quality/import_indicators.html", form=form, problems=rejected.problems
            ), 422
        confirm = ConfirmFileForm(filename=filename, payload=base64.b64encode(data).decode("ascii"))
        return render_template(
            "quality/import_indicators.html",
            form=form,
            report=report,
            confirm=confirm,
            role_names={
                role.code: role.display_name(select_locale()) for role in org_queries.job_roles()
            },
        )
    return render_template("quality/import_indicators.html", form=form)


@bp.route("/indicators/import/confirm", methods=["POST"])
@guarded_by(can_manage_service_quality)
def import_indicators_confirm():
    """Run the previewed import (checked again: all of it or nothing)."""
    confirm = ConfirmFileForm()
    if not confirm.validate_on_submit():
        flash(_("The import form expired; upload the file again."), "danger")
        return redirect(url_for("quality.import_indicators"))
    try:
        report = services.import_file(
            current_user, decoded_payload(confirm.payload), confirm.filename.data
        )
    except ImportRejected as rejected:
        return render_template(
            "quality/import_indicators.html",
            form=ImportIndicatorsForm(),
            problems=rejected.problems,
        ), 422
    flash(_("Import done: %(n)d change(s).", n=report.n_changes), "success")
    return redirect(url_for("quality.index"))


@bp.route("/indicators/export.yaml")
@guarded_by(can_manage_service_quality)
def export_indicators():
    """Download every indicator and parameter set as YAML."""
    stamp = clock.local_today().isoformat()
    return download(
        files.dump_yaml(queries.file_for_export()).encode("utf-8"),
        f"indicators-{stamp}.yaml",
        "application/yaml; charset=utf-8",
    )
