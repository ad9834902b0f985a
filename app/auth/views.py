"""Sign in (local password, LDAP, OpenID Connect), sign out, change password, language."""

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import lockout, oidc
from app.auth import services as auth_services
from app.auth.blueprint import SETTINGS_KEY, bp
from app.auth.directory import DirectoryRefused, DirectoryUnavailable
from app.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from app.auth.settings import LoginSettings
from app.core.errors import DomainError
from app.core.forms import ConfirmForm
from app.core.permissions import Role, login_only, public, role_required
from app.core.urls import safe_next
from app.extensions import limiter
from app.org import services
from app.org.loaders import get_user_or_404

#: where the local ``next`` target waits while the browser visits the OIDC provider
SSO_NEXT_KEY = "sso_next"


def _login_settings() -> LoginSettings:
    return current_app.extensions[SETTINGS_KEY]


def _account_key() -> str:
    """Rate-limit key of the account being tried, whatever name of it was typed."""
    identifier = (request.form.get("identifier") or "").strip()
    if not identifier:
        return f"addr:{request.remote_addr}"
    return auth_services.throttle_key(identifier)


def _login_failed(response) -> bool:
    """Only failed sign-ins count against the limits."""
    return bool(g.get("login_failed"))


def _login_form(settings: LoginSettings, **data) -> LoginForm:
    form = LoginForm(**data)
    if "ldap" in settings.methods:
        form.identifier.label.text = _("Company user name, employee number or email")
    return form


def _login_page(form: LoginForm, status: int = 200, **extra):
    settings = _login_settings()
    return (
        render_template(
            "auth/login.html",
            form=form,
            methods=settings.methods,
            sso_name=settings.oidc.provider_name if settings.oidc else "",
            **extra,
        ),
        status,
    )


def _signed_in(user, remember: bool = False) -> None:
    login_user(user, remember=remember)
    if user.locale:
        session.pop("locale", None)


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
    """Show the sign-in page; sign in with a local or company-directory password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    settings = _login_settings()
    if request.method == "POST" and not settings.offers_password_form:
        abort(404)
    form = _login_form(settings, next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = auth_services.sign_in_with_password(
                settings, form.identifier.data, form.password.data
            )
        except auth_services.SignInUnavailable as exc:
            # The directory is down: not the person's fault, so not counted as a failure.
            form.password.errors.append(str(exc))
            return _login_page(form, 503)
        except auth_services.WrongCredentials:
            message = (
                _("Wrong user name or password.")
                if "ldap" in settings.methods
                else _("Wrong employee number, email or password.")
            )
            form.password.errors.append(message)
        except auth_services.AccountLocked as exc:
            # Already counted (or refused unchecked): the lock, not the limiter, speaks now.
            form.password.errors.append(str(exc))
            return _login_page(form, 403)
        except auth_services.SignInRefused as exc:
            form.password.errors.append(str(exc))
        else:
            _signed_in(user, remember=form.remember.data)
            if user.must_change_password and user.is_local_account:
                flash(_("Please choose a new password before you go on."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(form.next.data))
        g.login_failed = True
        current_app.logger.info("failed sign-in for %r", form.identifier.data)
        return _login_page(form)
    return _login_page(form)


@bp.errorhandler(429)
def too_many_attempts(error):
    """Throttled sign-in: say so clearly, keep the form."""
    form = _login_form(_login_settings(), next=request.form.get("next", ""))
    form.identifier.data = request.form.get("identifier", "")
    message = _(
        "Too many failed sign-ins. Wait a minute and try again, or ask an administrator "
        "to reset your password."
    )
    return _login_page(form, 429, throttled=message)


def _sso_unavailable(exc: Exception) -> None:
    current_app.logger.error("single sign-on unavailable: %s", exc)
    message = _("Single sign-on cannot be reached right now. Try again in a few minutes.")
    flash(message, "danger")


@bp.route("/login/sso")
@public
def oidc_login():
    """Send the browser to the OpenID Connect provider to sign in."""
    settings = _login_settings()
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    if settings.oidc is None:  # a stale link: offer what is configured
        return redirect(url_for("auth.login"))
    session[SSO_NEXT_KEY] = safe_next(request.args.get("next"))
    try:
        return oidc.begin_sign_in(settings.oidc)
    except DirectoryUnavailable as exc:
        _sso_unavailable(exc)
        return redirect(url_for("auth.login"))


@bp.route("/login/sso/callback")
@public
def oidc_callback():
    """Finish an OpenID Connect sign-in: verify the ID token, set up the account, sign in."""
    settings = _login_settings()
    if current_user.is_authenticated:
        return redirect(safe_next(session.pop(SSO_NEXT_KEY, None)))
    if settings.oidc is None:
        return redirect(url_for("auth.login"))
    try:
        profile = oidc.finish_sign_in(settings.oidc)
        user = auth_services.provision_directory_user("oidc", profile, settings.oidc.group_map)
        auth_services.refuse_if_locked(user)
    except DirectoryUnavailable as exc:
        _sso_unavailable(exc)
    except DirectoryRefused as exc:
        current_app.logger.warning("single sign-on refused: %s", exc)
        refusal = auth_services.refusal_for(exc)
        if isinstance(refusal, auth_services.WrongCredentials):
            flash(_("Single sign-on did not complete. Please try again."), "danger")
        else:
            flash(str(refusal), "danger")
    except auth_services.SignInRefused as exc:
        flash(str(exc), "danger")
    else:
        _signed_in(user)
        return redirect(safe_next(session.pop(SSO_NEXT_KEY, None)))
    return redirect(url_for("auth.login"))


@bp.route("/logout", methods=["POST"])
@login_only
def logout():
    """Sign out everywhere (the session token changes, so a copied cookie dies too)."""
    auth_services.sign_out(current_user._get_current_object())
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/org/users/<int:user_id>/unlock", methods=["POST"])
@role_required(Role.ADMIN)
def unlock_account(user_id: int):
    """Lift the lock that failed sign-ins put on an account (audited)."""
    user = get_user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        if lockout.unlock(current_user, user):
            flash(_("Account %(no)s unlocked.", no=user.employee_no), "success")
        else:
            flash(_("Account %(no)s was not locked.", no=user.employee_no), "info")
    return redirect(url_for("org.user_edit", user_id=user.id))


@bp.route("/account/password", methods=["GET", "POST"])
@login_only
def change_password():
    """Let the signed-in user replace their password."""
    if not current_user.is_local_account:
        flash(_("Your password is managed by the company directory; change it there."), "info")
        return redirect(url_for("home.index"))
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
