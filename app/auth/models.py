"""What sign-in remembers between requests: recent failures and locked accounts.

Both live in the database, not in Flask-Limiter's storage, so a lock holds on every app server
without Redis and survives a restart. ``account_key`` names what was tried: ``user:<id>`` when
the typed name matches an account, else ``name:<what was typed>`` (so an unknown name locks
exactly like a real one and a lock says nothing about whether an account exists).
"""

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.models import Base


class LoginFailure(Base):
    """One failed sign-in (wrong password or unknown name) of an account, by any method."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_account_key_at", "account_key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``user:<id>`` or ``name:<typed name, lower case>``
    account_key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=clock.now)


class LoginLock(Base):
    """An account locked after too many failed sign-ins, until ``locked_until``."""

    __tablename__ = "login_lock"

    #: ``user:<id>`` or ``name:<typed name, lower case>``
    account_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    locked_until: Mapped[datetime] = mapped_column()
    locked_at: Mapped[datetime] = mapped_column(default=clock.now)
