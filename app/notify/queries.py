"""Read-side queries of notifications: a user's notices, newest first."""

from sqlalchemy import Select, func, select

from app.extensions import db
from app.notify.models import Notification


def notices_of(user) -> Select:
    """The notices of ``user``, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(user) -> int:
    """How many notices ``user`` has not read (one query)."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )
