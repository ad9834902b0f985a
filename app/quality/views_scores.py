"""Pages of service scores: a period's results per department (HR and admins: everyone; managers:
their subtree, read-only), score imports with a preview, the batches with their audit, and the
correction of one value."""

import base64

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core import clock, tabular
from app.core.errors import ImportRejected
from app.core.forms import decoded_payload
from app.core.i18n import select_locale
from app.core.permissions import (
    can_manage_service_quality,
    can_view_service_scores,
    guarded_by,
)
from app.core.responses import download
from app.org import queries as org_queries
from app.org.loaders import department_or_none
from app.quality import periods, queries, results, services
from app.quality.blueprint import bp
from app.quality.forms import ConfirmScoresForm, CorrectScoreForm, ImportScoresForm
from app.quality.loaders import get_batch_or_404, get_score_or_404

SORT_LABELS = {
    "employee_no": _l("Employee number"),
    "composite_desc": _l("Composite, highest first"),
    "composite_asc": _l("Composite, lowest first"),
    "department": _l("Department"),
}


def _last_complete() -> str:
    return periods.last_complete(clock.local_today())


@bp.route("/scores")
@guarded_by(can_view_service_scores)
def scores():
    """A period's results: each person's indicators, composite and ranks, filtered and sorted."""
    available = queries.periods_with_scores()
    period = request.args.get("period", "")
    if not periods.is_period(period):
        period = available[0] if available else _last_complete()
    department = department_or_none(request.args.get("department", type=int))
    job_role_id = request.args.get("job_role", type=int)
    sort = request.args.get("sort", "employee_no")
    result = results.board(
        current_user,
        period,
        department=department,
        job_role_id=job_role_id,
        sort=sort,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config.get("PAGE_SIZE", 50),
    )
    return render_template(
        "quality/scores.html",
        board=result,
        periods=available,
        department_id=department.id if department else None,
        job_role_id=job_role_id,
        sort=sort if sort in results.SORTS else "employee_no",
        sort_labels=SORT_LABELS,
        departments=org_queries.department_tree(),
        locale=select_locale(),
    )


@bp.route("/scores/import", methods=["GET", "POST"])
@guarded_by(can_manage_service_quality)
def import_scores():
    """Upload a period's scores (CSV or XLSX): a preview of what changes first."""
    form = ImportScoresForm()
    if request.method == "GET":
        form.period.data = _last_complete()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "scores.csv"
        try:
            report = services.import_score_file(
                current_user, form.period.data, data, filename, dry_run=True
            )
        except ImportRejected as rejected:
            return render_template(
                "quality/import_scores.html", form=form, problems=rejected.problems
            ), 422
        except services.ScoreRefused as error:
            flash(str(error), "danger")
            return render_template("quality/import_scores.html", form=form), 422
        confirm = ConfirmScoresForm(
            period=form.period.data,
            filename=filename,
            payload=base64.b64encode(data).decode("ascii"),
        )
        return render_template(
            "quality/import_scores.html", form=form, report=report, confirm=confirm
        )
    return render_template("quality/import_scores.html", form=form)


@bp.route("/scores/import/confirm", methods=["POST"])
@guarded_by(can_manage_service_quality)
def import_scores_confirm():
    """Run the previewed import (checked again: every row or none)."""
    confirm = ConfirmScoresForm()
    if not confirm.validate_on_submit():
        flash(_("The import form expired; upload the file again."), "danger")
        return redirect(url_for("quality.import_scores"))
    try:
        report = services.import_score_file(
            current_user,
            confirm.period.data,
            decoded_payload(confirm.payload),
            confirm.filename.data,
        )
    except ImportRejected as rejected:
        return render_template(
            "quality/import_scores.html", form=ImportScoresForm(), problems=rejected.problems
        ), 422
    except services.ScoreRefused as error:
        flash(str(error), "danger")
        return redirect(url_for("quality.import_scores"))
    flash(
        _(
            "Import done: %(created)d created, %(updated)d updated, %(deleted)d deleted.",
            created=report.created,
            updated=report.updated,
            deleted=report.deleted,
        ),
        "success",
    )
    return redirect(url_for("quality.batch", batch_id=report.batch_id))


@bp.route("/scores/template.<fmt>")
@guarded_by(can_manage_service_quality)
def score_template(fmt: str):
    """A blank score file: a row per active person and indicator of their job role's parameters."""
    period = request.args.get("period", "")
    if not periods.is_period(period):
        period = _last_complete()
    rows = [(number, code, "") for number, code in queries.template_rows(period)]
    if fmt == "csv":
        content = tabular.write_csv(services.COLUMNS, rows)
        return download(content, f"scores-{period}.csv", "text/csv; charset=utf-8")
    if fmt == "xlsx":
        content = tabular.write_xlsx(services.COLUMNS, rows, title=period)
        return download(
            content,
            f"scores-{period}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    abort(404)


@bp.route("/batches")
@guarded_by(can_manage_service_quality)
def batches():
    """The newest score batches (imports and corrections), optionally of one period."""
    period = request.args.get("period", "")
    period = period if periods.is_period(period) else None
    return render_template(
        "quality/batches.html",
        batches=queries.batches(period),
        period=period,
        periods=queries.periods_with_scores(),
    )


@bp.route("/batches/<int:batch_id>")
@guarded_by(can_manage_service_quality)
def batch(batch_id: int):
    """One batch: who, when, where from, what it changed (its audit) and the values it holds."""
    item = get_batch_or_404(batch_id)
    return render_template(
        "quality/batch.html",
        batch=item,
        audit=queries.audit_of_batch(item),
        values=queries.values_of_batch(item),
        indicators={i.code: i for i in queries.indicators_by_id().values()},
        locale=select_locale(),
    )


@bp.route("/scores/<int:score_id>/correct", methods=["GET", "POST"])
@guarded_by(can_manage_service_quality)
def correct(score_id: int):
    """Correct one value with the reason (recorded as a batch of its own, audited)."""
    score = get_score_or_404(score_id)
    form = CorrectScoreForm()
    if request.method == "GET":
        form.value.data = score.value
    if form.validate_on_submit():
        try:
            services.correct_score(current_user, score, form.value.data, form.reason.data)
        except services.ScoreRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("The value is corrected."), "success")
            return redirect(url_for("quality.scores", period=score.period))
    return render_template("quality/correct.html", form=form, score=score, locale=select_locale())
