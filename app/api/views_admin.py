"""The admin's page of API tokens: service tokens (create, shown once; revoke) and live tokens."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api import queries, services
from app.api.blueprint import pages
from app.api.forms import SCOPE_LABELS, RevokeForm, ServiceTokenForm
from app.core import clock
from app.core.errors import DomainError
from app.core.permissions import Role, role_required


def _page(form: ServiceTokenForm, new_token: str | None = None, status: int = 200):
    now = clock.now()
    return (
        render_template(
            "api/tokens.html",
            form=form,
            revoke=RevokeForm(),
            service_tokens=queries.service_tokens(),
            user_tokens=queries.live_user_tokens(now),
            new_token=new_token,
            scope_labels=SCOPE_LABELS,
            now=now,
        ),
        status,
    )


@pages.route("/admin/api-tokens", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def tokens():
    """Service tokens and people's live tokens; create a service token (shown once)."""
    form = ServiceTokenForm()
    if form.validate_on_submit():
        expires_at = (
            clock.now() + timedelta(days=form.expires_days.data) if form.expires_days.data else None
        )
        try:
            _token, raw = services.create_service_token(
                current_user, form.name.data, form.scopes.data, expires_at
            )
        except DomainError as exc:
            form.name.errors.append(str(exc))
            return _page(form, status=422)
        # Rendered, not flashed: a flash would put the token into the session cookie.
        return _page(ServiceTokenForm(formdata=None), new_token=raw)
    return _page(form, status=422 if form.errors else 200)


@pages.route("/admin/api-tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_token(token_id: int):
    """Revoke one token."""
    token = queries.token_by_id(token_id)
    if token is None:
        abort(404)
    if RevokeForm().validate_on_submit():
        services.revoke_token(current_user, token)
        flash(_("The token has been revoked."), "success")
    return redirect(url_for("api_pages.tokens"))
