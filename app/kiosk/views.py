"""A clerk's pages: check in at a window (the kiosk there then shows them) and their own
ratings (stars, reasons and shown comments; never who gave them)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.core import clock
from app.core.forms import ConfirmForm
from app.core.i18n import select_locale
from app.core.params import int_arg
from app.core.permissions import login_only
from app.kiosk import queries, services
from app.kiosk.blueprint import bp
from app.kiosk.forms import STAR_WORDS, CheckInForm
from app.kiosk.loaders import get_window_or_404
from app.quality import periods


@bp.route("/ratings/counter", methods=["GET", "POST"])
@login_only
def counter():
    """My counter: where I am checked in; check in at a window of my hall, or check out."""
    windows = queries.windows_open_to(current_user)
    form = CheckInForm()
    form.window.choices = [SelectChoice(w.id, w.label()) for w in windows]
    if form.validate_on_submit():
        window = get_window_or_404(form.window.data)
        try:
            services.check_in(current_user, window)
        except services.RatingRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("You are checked in at %(window)s.", window=window.label()), "success")
            return redirect(url_for("kiosk.counter"))
    return render_template(
        "kiosk/counter.html",
        form=form,
        out_form=ConfirmForm(),
        windows=windows,
        shift=queries.check_in_of(current_user.id),
    )


@bp.route("/ratings/counter/out", methods=["POST"])
@login_only
def check_out():
    """End my check-in."""
    form = ConfirmForm()
    if form.validate_on_submit() and services.check_out(current_user) is not None:
        flash(_("You are checked out."), "success")
    return redirect(url_for("kiosk.counter"))


@bp.route("/ratings/my")
@login_only
def my_ratings():
    """My ratings from customers: a summary by month and the ratings themselves."""
    months = periods.ending(periods.of_date(clock.local_today()), 12)
    return render_template(
        "kiosk/my_ratings.html",
        page=queries.own_ratings(current_user.id, int_arg("page", 1, minimum=1), 50),
        trend=queries.trend(months, user_id=current_user.id),
        star_words=STAR_WORDS,
        locale=select_locale(),
    )
