"""Read side of the audit pages: filtered, newest-first ``audit_event`` rows with their actors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select

from app.core import clock
from app.core.models import AuditEvent
from app.core.params import parse_int
from app.extensions import db
from app.org.models import User


@dataclass(frozen=True)
class AuditFilter:
    """Who (employee number or part of a name), what (an action) and when (local dates)."""

    who: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    @property
    def is_empty(self) -> bool:
        """True when nothing narrows the list."""
        return not (self.who or self.action or self.since or self.until)


def _local_midnight(day: date) -> datetime:
    return clock.from_local(datetime.combine(day, time.min))


def audit_events(filters: AuditFilter) -> Select:
    """Rows of (AuditEvent, actor User or None), newest first, narrowed by ``filters``."""
    query = select(AuditEvent, User).outerjoin(User, AuditEvent.actor_id == User.id)
    who = filters.who.strip()
    if who:
        query = query.where(
            or_(
                func.lower(User.employee_no) == who.lower(),
                User.name.contains(who, autoescape=True),
            )
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.at >= _local_midnight(filters.since))
    if filters.until:
        query = query.where(AuditEvent.at < _local_midnight(filters.until + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def export_rows(filters: AuditFilter, limit: int) -> list[tuple[AuditEvent, User | None]]:
    """At most ``limit`` rows of ``audit_events(filters)``."""
    return [tuple(row) for row in db.session.execute(audit_events(filters).limit(limit)).all()]


def accounts_named(events) -> dict[str, User]:
    """The accounts the events of type User point at, by their id as text (one query)."""
    ids = {parse_int(e.target_id) for e in events if e.target_type == "User"} - {None}
    if not ids:
        return {}
    return {str(u.id): u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
