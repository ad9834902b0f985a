"""Use cases of the API: tokens (users' and services'), and the feeds other systems push.

A token is shown once; only its SHA-256 is kept. A service token acts as its own system user
(employee number ``svc-NAME``, no password), whose roles follow the scopes of its live tokens,
so role checks and audit rows name the system that did something.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.api.models import SCOPES, ApiToken
from app.auth.services import local_account_for
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError, ImportRejected, Problem
from app.core.permissions import Role
from app.core.uow import transaction
from app.extensions import db
from app.org import services as org
from app.org.models import User
from app.org.queries import user_by_employee_no

#: employee numbers of service users start with this; people never get one
SERVICE_PREFIX = "svc-"
SERVICE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,27}$")
#: what each scope makes a service user, so role-scoped queries see what the scope allows
SCOPE_ROLES = {
    "users:read": Role.HR,
    "users:write": Role.HR,
    "questions:read": Role.TRAINER,
    "questions:write": Role.TRAINER,
    "training:read": Role.HR,
    "reports:read": Role.HR,
    "scores:write": Role.HR,
    "ratings:mint": Role.HR,
}
#: how often last_used_at is written (every request would turn reads into writes)
TOUCH_EVERY = timedelta(minutes=1)


class PasswordChangeRequired(DomainError):
    """The account must choose a new password on the website first."""


def hash_token(raw: str) -> str:
    """The stored form of a token: hex SHA-256."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_token_value() -> str:
    return "sg_" + secrets.token_urlsafe(32)


def user_token_lifetime() -> timedelta:
    """How long a user's token lives (API_TOKEN_HOURS)."""
    return timedelta(hours=current_app.config.get("API_TOKEN_HOURS", 24))


def issue_user_token(identifier: str, password: str) -> tuple[ApiToken, str]:
    """A new token for the local account these credentials prove: (token row, the token).

    Not one unit of work: a failure is counted towards the account's lock-out (committed by
    ``app.auth``) even though the request fails. Raises WrongCredentials or AccountLocked.
    """
    user = local_account_for(identifier, password or "")
    if user.must_change_password:
        raise PasswordChangeRequired(
            _("Please sign in on the website and choose a new password first.")
        )
    return issue_token_for(user)


@transaction
def issue_token_for(user: User) -> tuple[ApiToken, str]:
    """A new token acting as ``user`` with their roles, valid for API_TOKEN_HOURS."""
    now = clock.now()
    raw = _new_token_value()
    token = ApiToken(
        user_id=user.id,
        name="api",
        token_hash=hash_token(raw),
        scopes=None,
        created_at=now,
        expires_at=now + user_token_lifetime(),
    )
    db.session.add(token)
    return token, raw


def token_for(raw: str) -> ApiToken | None:
    """The live token ``raw`` names, whose user is active; None otherwise."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or not token.is_live(clock.now()) or not token.user.is_active:
        return None
    return token


@transaction
def touch_token(token_id: int, last_used_at: datetime | None) -> None:
    """Note that the token was used (at most once a minute); called once the answer is ready."""
    now = clock.now()
    if last_used_at is None or now - last_used_at >= TOUCH_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def _token_snapshot(token: ApiToken) -> dict:
    return {
        "name": token.name,
        "user": token.user.employee_no if token.user else None,
        "scopes": token.scopes,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


@transaction
def revoke_token(actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token (idempotent); a service user's roles then follow its remaining tokens."""
    if token.revoked_at is not None:
        return token
    token.revoked_at = clock.now()
    if token.is_service or getattr(actor, "id", None) != token.user_id:
        record_audit(actor, "api_token.revoke", token, _token_snapshot(token), None)
    if token.is_service:
        _sync_service_roles(actor, token.user)
    return token


def service_roles(scopes) -> list[Role]:
    """The roles a service user gets for ``scopes``."""
    return sorted({SCOPE_ROLES[s] for s in scopes}, key=lambda r: r.value)


def _sync_service_roles(actor: User | None, user: User) -> None:
    live = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    scopes = {s for t in live for s in (t.scopes or [])}
    roles = service_roles(scopes)
    if sorted(r.value for r in roles) != user.role_names:
        before = {"roles": user.role_names}
        user.set_roles(roles)
        record_audit(actor, "user.update", user, before, {"roles": user.role_names})


def check_scopes(scopes) -> list[str]:
    """The scopes, checked and sorted; at least one."""
    scopes = sorted(set(scopes or ()))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise DomainError(
            _(
                "Unknown scopes %(scopes)s (use %(ok)s).",
                scopes=", ".join(unknown),
                ok=", ".join(SCOPES),
            )
        )
    if not scopes:
        raise DomainError(_("Give a service token at least one scope."))
    return scopes


@transaction
def create_service_token(
    actor: User | None, name: str, scopes, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for the service ``name`` (its system user is created on first use).

    Returns (token row, the token); the token is never stored and cannot be shown again.
    """
    name = (name or "").strip().lower()
    if not SERVICE_NAME_RE.match(name):
        raise DomainError(
            _(
                "A service name has 1 to 28 lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter or digit."
            )
        )
    scopes = check_scopes(scopes)
    if expires_at is not None and expires_at <= clock.now():
        raise DomainError(_("The expiry must lie in the future."))
    employee_no = SERVICE_PREFIX + name
    user = user_by_employee_no(employee_no)
    if user is None:
        user = org.create_user(
            actor, employee_no=employee_no, name=name, roles=service_roles(scopes)
        )
    elif user.password_hash is not None or not user.is_local_account:
        raise DomainError(_("%(no)s belongs to a person's account, not a service.", no=employee_no))
    raw = _new_token_value()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(raw),
        scopes=scopes,
        created_at=clock.now(),
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    record_audit(actor, "api_token.create", token, None, _token_snapshot(token))
    _sync_service_roles(actor, user)
    if not user.is_active:
        record_audit(actor, "user.active", user, {"is_active": False}, {"is_active": True})
        user.is_active = True
    return token, raw


@transaction
def sync_users_feed(actor: User | None, records: list[dict], *, dry_run: bool = False):
    """Upsert people from HR master data (all or nothing); service accounts are off limits."""
    reserved = [
        Problem(
            line,
            _("employee_no %(v)s is reserved for service accounts", v=record["employee_no"]),
        )
        for line, record in enumerate(records, start=1)
        if str(record.get("employee_no", "")).lower().startswith(SERVICE_PREFIX)
    ]
    if reserved:
        raise ImportRejected(reserved)
    return org.sync_users(actor, records, dry_run=dry_run)


def revoke_tokens_of(user: User) -> int:
    """A new password ends the person's API tokens too (in the caller's unit of work)."""
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = clock.now()
    return len(tokens)
