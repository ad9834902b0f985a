"""Locking an account after repeated failed sign-ins, and the key every sign-in limit uses.

After ``LOGIN_LOCKOUT_FAILURES`` failures within ``LOGIN_LOCKOUT_WINDOW_MINUTES`` the account is
locked for ``LOGIN_LOCKOUT_MINUTES`` (config.py; 10 in 15 minutes, 15 minutes by default): every
password sign-in (the form, LDAP, the API's token request) and single sign-on refuse it, and
say so plainly, until the time passes or an administrator unlocks it. The rows live in the
database (``app.auth.models``), so the lock holds across app servers without Redis.

``account_key`` resolves what was typed to the account it names, so ``S0040`` and
``s0040@demo.skillgrid.local`` meet the same lock and the same Flask-Limiter bucket.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from app.auth.models import LoginFailure, LoginLock
from app.core import clock
from app.core.audit import record_audit
from app.core.uow import transaction
from app.extensions import db
from app.org.models import User

#: the longest typed name kept in a key (the sign-in form allows 255 characters)
_MAX_NAME = 250


def account_key(identifier: str | None, user: User | None) -> str:
    """``user:<id>`` for an account, else ``name:<typed name in lower case>``."""
    if user is not None:
        return f"user:{user.id}"
    return "name:" + (identifier or "").strip().lower()[:_MAX_NAME]


def keys_of(user: User) -> list[str]:
    """Every key that can lock ``user``: theirs, and the names they are known by."""
    keys = [account_key(None, user), account_key(user.employee_no, None)]
    if user.email:
        keys.append(account_key(user.email, None))
    return keys


def _settings() -> tuple[int, timedelta, timedelta]:
    config = current_app.config
    return (
        int(config.get("LOGIN_LOCKOUT_FAILURES", 10)),
        timedelta(minutes=int(config.get("LOGIN_LOCKOUT_WINDOW_MINUTES", 15))),
        timedelta(minutes=int(config.get("LOGIN_LOCKOUT_MINUTES", 15))),
    )


def locked_until(*keys: str) -> datetime | None:
    """When the lock on any of ``keys`` ends, or None when none is locked now."""
    if not keys:
        return None
    return db.session.scalar(
        select(func.max(LoginLock.locked_until)).where(
            LoginLock.account_key.in_(keys), LoginLock.locked_until > clock.now()
        )
    )


def user_locked_until(user: User) -> datetime | None:
    """When ``user``'s lock ends (by any of their keys), or None."""
    return locked_until(*keys_of(user))


class _LockedMeanwhile(Exception):
    """A concurrent failure locked the account first (its lock stands)."""


@transaction(expect=_LockedMeanwhile)
def _record_failure(key: str, user: User | None) -> datetime | None:
    now = clock.now()
    limit, window, duration = _settings()
    db.session.add(LoginFailure(account_key=key, at=now))
    db.session.execute(
        delete(LoginFailure).where(LoginFailure.account_key == key, LoginFailure.at <= now - window)
    )
    db.session.flush()
    recent = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.account_key == key)
    )
    if recent < limit:
        return None
    until = now + duration
    lock = db.session.get(LoginLock, key)
    if lock is None:
        db.session.add(LoginLock(account_key=key, locked_until=until, locked_at=now))
    else:
        lock.locked_until, lock.locked_at = until, now
    db.session.execute(delete(LoginFailure).where(LoginFailure.account_key == key))
    if user is not None:
        record_audit(
            None, "user.lock", user, None, {"locked_until": until.isoformat(), "failures": recent}
        )
    return until


def note_failure(key: str, user: User | None) -> datetime | None:
    """Count a failed sign-in (committed at once); return the lock's end if it locked now."""
    try:
        return _record_failure(key, user)
    except _LockedMeanwhile:
        return locked_until(key)


@transaction
def forget_failures(key: str) -> None:
    """A successful sign-in starts the count again."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.account_key == key))


def has_failures(key: str) -> bool:
    """True when failed sign-ins of ``key`` are being counted."""
    return (
        db.session.scalar(select(LoginFailure.id).where(LoginFailure.account_key == key).limit(1))
        is not None
    )


@transaction
def unlock(actor: User | None, user: User) -> bool:
    """An administrator lifts ``user``'s lock and clears the count (audited); False if none."""
    keys = keys_of(user)
    until = locked_until(*keys)
    db.session.execute(delete(LoginLock).where(LoginLock.account_key.in_(keys)))
    db.session.execute(
        delete(LoginFailure).where(or_(*(LoginFailure.account_key == k for k in keys)))
    )
    if until is None:
        return False
    record_audit(actor, "user.unlock", user, {"locked_until": until.isoformat()}, None)
    return True
