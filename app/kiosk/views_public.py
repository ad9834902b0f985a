"""The public pages customers use, without signing in: the counter kiosk and the receipt link.

Both keep CSRF on their forms and are throttled: per kiosk device and per client address
(Flask-Limiter; Redis in production, so every app server counts together). A missing, revoked
or wrong kiosk token and a malformed or forged receipt answer 404.
"""

import hashlib

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.core.i18n import select_locale
from app.core.permissions import public
from app.extensions import limiter
from app.kiosk import queries, services
from app.kiosk.blueprint import bp
from app.kiosk.forms import RatingForm
from app.kiosk.loaders import get_kiosk_or_404, get_receipt_or_404

#: the counter kiosk speaks Chinese whatever the tablet's browser asks for; the receipt page
#: follows the customer's phone (Chinese by default)
KIOSK_LOCALE = "zh_CN"


def _device_key() -> str:
    """Throttle key of a kiosk: its token's hash (never the token itself)."""
    token = (request.view_args or {}).get("token", "")
    return "kiosk:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:32]


def _rating_form(locale=None) -> RatingForm:
    form = RatingForm()
    locale = locale or select_locale()
    form.reasons.choices = [SelectChoice(r.id, r.label_in(locale)) for r in queries.reasons()]
    return form


def _reset_seconds() -> int:
    return int(current_app.config.get("RATINGS_RESET_SECONDS", 8))


@bp.route("/kiosk/<string(maxlength=100):token>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATINGS_LIMIT_DEVICE"],
    key_func=_device_key,
    methods=["POST"],
    scope="ratings-device",
)
@limiter.limit(
    lambda: current_app.config["RATINGS_LIMIT_ADDRESS"],
    methods=["POST"],
    scope="ratings-address",
)
@public
def kiosk_page(token: str):
    """The counter kiosk: who is on duty, stars, reasons, a comment."""
    with force_locale(KIOSK_LOCALE):
        return _kiosk_page(token)


def _kiosk_page(token: str):
    device = get_kiosk_or_404(token)
    shift = queries.on_duty(device.window_id)
    form = _rating_form(KIOSK_LOCALE)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.rate_at_kiosk(
                device, form.shift.data, form.stars.data, form.reasons.data, form.comment.data
            )
        except services.RatingRefused as error:
            form.stars.errors = [*form.stars.errors, str(error)]
            status = 409
        else:
            return redirect(url_for("kiosk.kiosk_thanks", token=token))
    elif request.method == "POST":
        status = 422
    if shift is not None:
        form.shift.data = str(shift.id)
    page = render_template(
        "kiosk/kiosk.html",
        device=device,
        shift=shift,
        form=form,
        token=token,
        idle_seconds=int(current_app.config.get("RATINGS_KIOSK_IDLE_SECONDS", 120)),
        page_locale=KIOSK_LOCALE,
    )
    return page, status


@bp.route("/kiosk/<string(maxlength=100):token>/thanks")
@public
def kiosk_thanks(token: str):
    """Thanks; the page goes back to the kiosk after a few seconds (kiosk.js)."""
    with force_locale(KIOSK_LOCALE):
        device = get_kiosk_or_404(token)
        return render_template(
            "kiosk/thanks.html",
            device=device,
            back_url=url_for("kiosk.kiosk_page", token=token),
            reset_seconds=_reset_seconds(),
            page_locale=KIOSK_LOCALE,
        )


@bp.route("/rate/<string(maxlength=400):token>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RATINGS_LIMIT_ADDRESS"],
    methods=["POST"],
    scope="ratings-address",
)
@public
def rate(token: str):
    """The receipt's link: rate the person who served you, once, within the days allowed."""
    context = get_receipt_or_404(token)
    form = _rating_form()
    if context.is_expired:
        return render_template("kiosk/rate_closed.html", context=context, expired=True), 410
    if services.is_rated(context):
        return render_template("kiosk/rate_closed.html", context=context, expired=False), 409
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.rate_receipt(context, form.stars.data, form.reasons.data, form.comment.data)
        except services.AlreadyRated:
            return render_template("kiosk/rate_closed.html", context=context, expired=False), 409
        except services.RatingRefused as error:
            form.stars.errors = [*form.stars.errors, str(error)]
            status = 409
        else:
            return redirect(url_for("kiosk.rate_thanks", token=token))
    elif request.method == "POST":
        status = 422
    return render_template("kiosk/rate.html", context=context, form=form), status


@bp.route("/rate/<string(maxlength=400):token>/thanks")
@public
def rate_thanks(token: str):
    """Thanks for rating through the receipt."""
    context = get_receipt_or_404(token)
    return render_template("kiosk/rate_thanks.html", context=context)


@bp.errorhandler(429)
def too_many_ratings(error):
    """Throttled: say so plainly, in the kiosk's own layout (and language)."""
    locale = KIOSK_LOCALE if request.endpoint == "kiosk.kiosk_page" else select_locale()
    with force_locale(locale):
        page = render_template(
            "kiosk/message.html",
            title=_("Please wait a moment"),
            message=_("Too many ratings in a short time. Please try again in a minute."),
            page_locale=locale,
        )
    return page, 429
