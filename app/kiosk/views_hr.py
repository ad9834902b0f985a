"""HR's pages: the ratings per hall, window and person (reasons, comments, a monthly trend),
held comments to review, and the set-up (halls, windows, kiosk tokens, reasons, held words,
what ratings do to an imported K01)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.core import clock
from app.core.forms import ConfirmForm
from app.core.i18n import select_locale
from app.core.params import int_arg
from app.core.permissions import can_manage_ratings, guarded_by
from app.kiosk import queries, services
from app.kiosk.blueprint import bp
from app.kiosk.forms import (
    STAR_WORDS,
    DeviceForm,
    HallForm,
    PolicyForm,
    ReasonForm,
    ReviewForm,
    WindowForm,
    WordsForm,
)
from app.kiosk.loaders import (
    get_device_or_404,
    get_hall_or_404,
    get_rating_or_404,
    get_reason_or_404,
    get_window_or_404,
)
from app.kiosk.services.indicator import policy_of, rated_indicator
from app.org.loaders import department_or_none
from app.org.queries import department_choices
from app.quality import periods


@bp.route("/ratings/")
@guarded_by(can_manage_ratings)
def ratings():
    """Ratings per hall, window and person for a month, with reasons, comments and a trend."""
    current = periods.of_date(clock.local_today())
    period = request.args.get("period") or current
    if not periods.is_period(period):
        period = current
    filters = {
        "hall_id": int_arg("hall"),
        "window_id": int_arg("window"),
        "user_id": int_arg("person"),
    }
    month = {**filters, "period": period}
    return render_template(
        "kiosk/ratings.html",
        period=period,
        filters=filters,
        halls=queries.halls(),
        people=queries.people_choices(),
        by_hall=queries.summary_by("hall", **month),
        by_window=queries.summary_by("window", **month),
        by_person=queries.summary_by("person", **month),
        reasons=queries.reason_counts(**month),
        trend=queries.trend(periods.ending(period, 12), **filters),
        page=queries.ratings_page(int_arg("page", 1, minimum=1), 50, **month),
        star_words=STAR_WORDS,
        locale=select_locale(),
        n_held=len(queries.held_comments()),
    )


@bp.route("/ratings/review")
@guarded_by(can_manage_ratings)
def review():
    """Comments held for review (empty or with a held word), oldest first."""
    return render_template(
        "kiosk/review.html", held=queries.held_comments(), form=ReviewForm(), locale=select_locale()
    )


@bp.route("/ratings/<int:rating_id>/review", methods=["POST"])
@guarded_by(can_manage_ratings)
def review_rating(rating_id: int):
    """Show a held comment or remove its text."""
    rating = get_rating_or_404(rating_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review_comment(current_user, rating, show=bool(form.show.data))
        except services.RatingRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("The comment is reviewed."), "success")
    return redirect(url_for("kiosk.review"))


def _hall_form(hall=None) -> HallForm:
    form = HallForm(obj=hall)
    form.department.choices = department_choices(blank="—")
    if hall is not None and request.method == "GET":
        form.department.data = hall.department_id or 0
    return form


@bp.route("/ratings/halls", methods=["GET", "POST"])
@guarded_by(can_manage_ratings)
def halls():
    """The service halls; add one."""
    form = _hall_form()
    if form.validate_on_submit() and (saved := _save_hall(form, None)) is not None:
        return saved
    return render_template("kiosk/halls.html", halls=queries.halls(), form=form)


def _save_hall(form, hall):
    """Save the form into ``hall`` (None: a new hall); the redirect to the hall's page, or
    None after a refusal (flashed)."""
    try:
        hall = services.save_hall(
            current_user,
            hall,
            code=form.code.data,
            name=form.name.data,
            department=department_or_none(form.department.data),
        )
    except services.SetupRefused as error:
        flash(str(error), "danger")
        return None
    flash(_("The hall is saved."), "success")
    return redirect(url_for("kiosk.hall", hall_id=hall.id))


def _render_hall(hall, *, form=None, window_form=None, device_form=None, issued=None):
    device_form = device_form or DeviceForm()
    device_form.window.choices = [SelectChoice(w.id, w.name) for w in hall.windows if w.is_active]
    return render_template(
        "kiosk/hall.html",
        hall=hall,
        form=form or _hall_form(hall),
        window_form=window_form or WindowForm(),
        device_form=device_form,
        confirm=ConfirmForm(),
        devices=queries.devices_of(hall.id),
        on_duty=queries.on_duty_in(hall.id),
        issued=issued,
    )


@bp.route("/ratings/halls/<int:hall_id>", methods=["GET", "POST"])
@guarded_by(can_manage_ratings)
def hall(hall_id: int):
    """A hall: its name and department, windows, who is on duty, kiosk tokens, its secret."""
    item = get_hall_or_404(hall_id)
    form = _hall_form(item)
    if form.validate_on_submit() and (saved := _save_hall(form, item)) is not None:
        return saved
    return _render_hall(item, form=form)


@bp.route("/ratings/halls/<int:hall_id>/windows", methods=["POST"])
@guarded_by(can_manage_ratings)
def add_window(hall_id: int):
    """Add a window to the hall."""
    item = get_hall_or_404(hall_id)
    form = WindowForm()
    if form.validate_on_submit():
        try:
            services.save_window(
                current_user,
                item,
                None,
                code=form.code.data,
                name=form.name.data,
                is_active=form.is_active.data,
            )
        except services.SetupRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("The window is saved."), "success")
            return redirect(url_for("kiosk.hall", hall_id=item.id))
    return _render_hall(item, window_form=form)


@bp.route("/ratings/windows/<int:window_id>", methods=["GET", "POST"])
@guarded_by(can_manage_ratings)
def edit_window(window_id: int):
    """Rename a window, or close it (its kiosks then answer 404)."""
    window = get_window_or_404(window_id)
    form = WindowForm(obj=window)
    if form.validate_on_submit():
        try:
            services.save_window(
                current_user,
                window.hall,
                window,
                code=form.code.data,
                name=form.name.data,
                is_active=form.is_active.data,
            )
        except services.SetupRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("The window is saved."), "success")
            return redirect(url_for("kiosk.hall", hall_id=window.hall_id))
    return render_template("kiosk/window_form.html", window=window, form=form)


@bp.route("/ratings/halls/<int:hall_id>/rotate", methods=["POST"])
@guarded_by(can_manage_ratings)
def rotate_secret(hall_id: int):
    """A new receipt secret for the hall (receipts signed with the old one stop working)."""
    item = get_hall_or_404(hall_id)
    if ConfirmForm().validate_on_submit():
        services.rotate_secret(current_user, item)
        flash(_("The hall has a new secret. Give it to the hall's system now."), "warning")
    return redirect(url_for("kiosk.hall", hall_id=item.id))


@bp.route("/ratings/halls/<int:hall_id>/devices", methods=["POST"])
@guarded_by(can_manage_ratings)
def issue_device(hall_id: int):
    """Issue a kiosk token for a window of the hall; its address is shown once."""
    item = get_hall_or_404(hall_id)
    form = DeviceForm()
    form.window.choices = [SelectChoice(w.id, w.name) for w in item.windows if w.is_active]
    if form.validate_on_submit():
        window = get_window_or_404(form.window.data, item)
        _device, raw = services.issue_device(current_user, window, form.note.data)
        issued = services.public_url("kiosk.kiosk_page", token=raw)
        return _render_hall(get_hall_or_404(hall_id), issued=issued)
    return _render_hall(item, device_form=form)


@bp.route("/ratings/devices/<int:device_id>/revoke", methods=["POST"])
@guarded_by(can_manage_ratings)
def revoke_device(device_id: int):
    """Revoke a kiosk token: the tablet's address answers 404 from now on."""
    device = get_device_or_404(device_id)
    if ConfirmForm().validate_on_submit():
        services.revoke_device(current_user, device)
        flash(_("The kiosk token is revoked."), "success")
    return redirect(url_for("kiosk.hall", hall_id=device.window.hall_id))


@bp.route("/ratings/settings", methods=["GET", "POST"])
@guarded_by(can_manage_ratings)
def settings():
    """Reasons customers may tick, words that hold a comment, what ratings do to K01."""
    indicator = rated_indicator()
    words_form = WordsForm(prefix="words")
    policy_form = PolicyForm(prefix="policy")
    reason_form = ReasonForm(prefix="reason")
    if request.method == "GET":
        words_form.words.data = "\n".join(queries.held_words())
        if indicator is not None:
            policy_form.on_imported.data = policy_of(indicator)
    try:
        if words_form.submit.data and words_form.validate_on_submit():
            services.set_held_words(current_user, words_form.words.data)
            flash(_("The words are saved."), "success")
            return redirect(url_for("kiosk.settings"))
        if policy_form.submit.data and indicator and policy_form.validate_on_submit():
            services.set_indicator_policy(current_user, indicator, policy_form.on_imported.data)
            flash(_("The setting is saved."), "success")
            return redirect(url_for("kiosk.settings"))
        if reason_form.submit.data and reason_form.validate_on_submit():
            services.save_reason(
                current_user,
                None,
                text_zh=reason_form.text_zh.data,
                text_en=reason_form.text_en.data,
                position=reason_form.position.data or 0,
                is_active=reason_form.is_active.data,
            )
            flash(_("The reason is saved."), "success")
            return redirect(url_for("kiosk.settings"))
    except services.SetupRefused as error:
        flash(str(error), "danger")
    return render_template(
        "kiosk/settings.html",
        indicator=indicator,
        words_form=words_form,
        policy_form=policy_form,
        reason_form=reason_form,
        reasons=queries.reasons(active_only=False),
        locale=select_locale(),
    )


@bp.route("/ratings/reasons/<int:reason_id>", methods=["GET", "POST"])
@guarded_by(can_manage_ratings)
def edit_reason(reason_id: int):
    """Edit a reason, or stop offering it (ratings that used it keep it)."""
    reason = get_reason_or_404(reason_id)
    form = ReasonForm(obj=reason)
    if form.validate_on_submit():
        try:
            services.save_reason(
                current_user,
                reason,
                text_zh=form.text_zh.data,
                text_en=form.text_en.data,
                position=form.position.data or 0,
                is_active=form.is_active.data,
            )
        except services.SetupRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("The reason is saved."), "success")
            return redirect(url_for("kiosk.settings"))
    return render_template("kiosk/reason_form.html", reason=reason, form=form)
