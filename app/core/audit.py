"""Audit trail: one ``AuditEvent`` row in the same transaction as the change it records."""

from app.core.models import AuditEvent
from app.extensions import db


def record_audit(actor, action: str, target, before: dict | None, after: dict | None) -> None:
    """Add an audit row for ``target`` (not committed: the caller's transaction owns it)."""
    db.session.add(
        AuditEvent(
            actor_id=getattr(actor, "id", None),
            action=action,
            target_type=type(target).__name__,
            target_id=str(target.id),
            before=before,
            after=after,
        )
    )
