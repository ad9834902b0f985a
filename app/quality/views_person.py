"""A person's service results (their own, or a manager's or HR's view of them) with the composite
explained step by step and twelve months of trends; contesting a value; HR answering contests."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.i18n import select_locale
from app.core.permissions import can_manage_service_quality, can_view_user, guarded_by, login_only
from app.org.loaders import get_user_or_404
from app.quality import person as person_results
from app.quality import queries_follow, services
from app.quality.blueprint import bp
from app.quality.forms_follow import ContestForm, ResolveContestForm
from app.quality.loaders import get_contest_or_404, get_score_or_404
from app.quality.services.contests import STATUS_LABELS


def _render_person(person, *, is_self: bool):
    month = person_results.month_of(person, request.args.get("period"))
    locale = select_locale()
    return render_template(
        "quality/person.html",
        person=person,
        is_self=is_self,
        month=month,
        composite_chart=person_results.composite_chart(month) if month.history else None,
        indicator_charts=person_results.indicator_charts(month, locale) if month.history else [],
        contests=queries_follow.contests_of(person.id),
        gate_events=queries_follow.gate_events_of_person(person.id),
        status_labels=STATUS_LABELS,
        locale=locale,
    )


@bp.route("/my")
@login_only
def my_scores():
    """My service results: a month's indicators, the composite explained, ranks and trends."""
    return _render_person(current_user, is_self=True)


@bp.route("/people/<int:user_id>")
@login_only
def person_scores(user_id: int):
    """Someone's service results, for the person, their managers and HR (403 otherwise)."""
    person = get_user_or_404(user_id)
    if not can_view_user(current_user, person):
        abort(403)
    if person.id == current_user.id:
        return redirect(url_for("quality.my_scores", **request.args))
    return _render_person(person, is_self=False)


@bp.route("/scores/<int:score_id>/contest", methods=["GET", "POST"])
@login_only
def contest_score(score_id: int):
    """Contest one of my values with a comment (HR answers; 404 for someone else's value)."""
    score = get_score_or_404(score_id)
    if score.user_id != current_user.id:
        abort(404)
    form = ContestForm()
    if form.validate_on_submit():
        try:
            services.open_contest(current_user, score, form.comment.data)
        except services.ContestRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("Your contest is sent. HR will answer and you will be told."), "success")
            return redirect(url_for("quality.my_scores", period=score.period))
    return render_template(
        "quality/contest_form.html",
        form=form,
        score=score,
        open_contest=queries_follow.open_contest_for(score.id),
        locale=select_locale(),
    )


@bp.route("/contests")
@guarded_by(can_manage_service_quality)
def contests():
    """Contests waiting for an answer (oldest first) and those answered (newest first)."""
    return render_template(
        "quality/contests.html",
        waiting=queries_follow.contests("open"),
        answered=queries_follow.answered_contests(),
        status_labels=STATUS_LABELS,
        locale=select_locale(),
    )


@bp.route("/contests/<int:contest_id>", methods=["GET", "POST"])
@guarded_by(can_manage_service_quality)
def contest(contest_id: int):
    """One contest: the value, the person's comment; HR upholds or rejects it with the reason."""
    item = get_contest_or_404(contest_id)
    form = ResolveContestForm()
    if request.method == "GET" and item.score is not None:
        form.value.data = item.score.value
    if item.is_open and form.validate_on_submit():
        try:
            services.resolve_contest(
                current_user, item, form.outcome.data, form.reason.data, form.value.data
            )
        except services.ContestRefused as error:
            flash(str(error), "danger")
        except services.ScoreRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("The answer is recorded and the person is told."), "success")
            return redirect(url_for("quality.contests"))
    return render_template(
        "quality/contest.html",
        contest=item,
        form=form,
        status_labels=STATUS_LABELS,
        locale=select_locale(),
    )
