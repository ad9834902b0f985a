"""Sign in, sign out, change password, choose the language."""

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from app.core.errors import DomainError
from app.core.permissions import login_only, public
from app.core.urls import safe_next
from app.extensions import limiter
from app.org import services


def _account_key() -> str:
    """Rate-limit key for the account being tried (falls back to the address)."""
    identifier = (request.form.get("identifier") or "").strip().lower()
    return f"account:{identifier}" if identifier else f"addr:{request.remote_addr}"


def _login_failed(response) -> bool:
    """Only failed sign-ins count against the limits."""
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_ADDRESS"],
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
@public
def login():
    """Show the sign-in form; sign in by employee number or email."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.find_user(form.identifier.data)
        if user is not None and user.is_active and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            session.pop("locale", None) if user.locale else None
            if user.must_change_password:
                flash(_("Please choose a new password before you go on."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(form.next.data))
        g.login_failed = True
        current_app.logger.info("failed sign-in for %r", form.identifier.data)
        form.password.errors.append(_("Wrong employee number, email or password."))
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.errorhandler(429)
def too_many_attempts(error):
    """Throttled sign-in: say so clearly, keep the form."""
    form = LoginForm(next=request.form.get("next", ""))
    form.identifier.data = request.form.get("identifier", "")
    message = _(
        "Too many failed sign-ins. Wait a minute and try again, or ask an administrator "
        "to reset your password."
    )
    return render_template("auth/login.html", form=form, throttled=message), 429


@bp.route("/logout", methods=["POST"])
@login_only
def logout():
    """Sign out and go to the sign-in page."""
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_only
def change_password():
    """Let the signed-in user replace their password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current.data, form.new.data)
        except DomainError as exc:
            form.current.errors.append(str(exc))
        else:
            # The password change rotated the session token; sign in again with the new one.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language (remembered on the account when signed in)."""
    form = LanguageForm()
    locale = form.locale.data if form.validate_on_submit() else None
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            services.set_locale(current_user, locale)
    return redirect(safe_next(form.next.data))
