"""Read-side queries of notifications: a user's notices, newest first, and the notices whose
email is still to be sent."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.notify.models import Notification
from app.org.models import User


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


def pending_emails(limit: int) -> list[Notification]:
    """Up to ``limit`` notices not emailed yet to active users with an address, oldest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.emailed_at.is_(None),
                User.email.is_not(None),
                User.email != "",
                User.is_active.is_(True),
            )
            .options(joinedload(Notification.user))
            .order_by(Notification.id)
            .limit(limit)
        )
    )
