"""Declarative base, the constraint naming convention and shared column types."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

from app.core import clock

# Named constraints let batch migrations on SQLite drop and re-create them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes and store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use app.core.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Give back an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), dict: JSON()},
    )


class AuditEvent(Base):
    """Who changed which record, when, and what it looked like before and after.

    Append-only from the application: the ORM events below refuse any update or delete.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: dotted verb, e.g. ``user.create``, ``user.roles``
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class AuditIsAppendOnly(RuntimeError):
    """Something in the application tried to change or delete an audit row."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_audit_update(mapper, connection, target) -> None:
    raise AuditIsAppendOnly("audit_event rows are never changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_delete(mapper, connection, target) -> None:
    raise AuditIsAppendOnly("audit_event rows are never deleted")


#: ``Session.info`` key set only inside ``wiping_scratch_database()``
_WIPING_SCRATCH_DATABASE = "skillgrid_wiping_scratch_database"


@contextmanager
def wiping_scratch_database(session: Session) -> Iterator[None]:
    """Let ``session`` empty whole tables, ``audit_event`` included, inside this block only.

    For one caller: the bench data tool emptying a scratch database on ``--force`` (SQLite has
    no TRUNCATE; PostgreSQL's bypasses the check anyway). Only a ``DELETE`` without ``WHERE``
    passes: an update, or a delete of chosen audit rows, is refused here too.
    """
    session.info[_WIPING_SCRATCH_DATABASE] = True
    try:
        yield
    finally:
        session.info.pop(_WIPING_SCRATCH_DATABASE, None)


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_bulk_change(state) -> None:
    """No ``update(AuditEvent)`` / ``delete(AuditEvent)`` through any session either.

    Only the database itself changes a row: ``actor_id`` becomes NULL when its user is deleted.
    The one exception is an explicit wipe of every row (see ``wiping_scratch_database``).
    """
    table = getattr(state.statement, "table", None)  # an ORM statement's table is annotated
    if not (state.is_update or state.is_delete) or getattr(table, "name", None) != "audit_event":
        return
    wiping = state.session.info.get(_WIPING_SCRATCH_DATABASE)
    if state.is_delete and wiping and state.statement.whereclause is None:
        return
    raise AuditIsAppendOnly("audit_event rows are never changed or deleted")


def in_values(column: str, values) -> str:
    """SQL text of a CHECK that ``column`` holds one of ``values``: ``kind IN ('a', 'b')``."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
