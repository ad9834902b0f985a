"""Notifications: a registry of notice kinds and producers, in-app notices and their emails.

Features register the kinds of notice they send (how to word them) and producers (which notices
are due now). ``send_due`` makes the due notices that do not exist yet and emails every notice not
emailed before, so cron may run it as often as it likes on one node.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_mailman import EmailMessage
from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import joinedload

from app.core import clock
from app.extensions import db
from app.notify.models import Notification
from app.org.models import User


@dataclass(frozen=True)
class NoticeKind:
    """How a kind of notice is worded: ``subject(params)`` and ``body(params)``, translated."""

    name: str
    subject: Callable[[dict], str]
    body: Callable[[dict], str]


@dataclass
class Notice:
    """A notice to make: who, what kind, about which record, with which values."""

    user_id: int
    kind: str
    subject_id: int
    params: dict = field(default_factory=dict)
    link: str = ""


KINDS: dict[str, NoticeKind] = {}
PRODUCERS: list[Callable[[datetime], Iterable[Notice]]] = []


def register_kind(name: str, subject: Callable[[dict], str], body: Callable[[dict], str]) -> None:
    """Register how notices of kind ``name`` are worded."""
    KINDS[name] = NoticeKind(name, subject, body)


def register_producer(fn: Callable[[datetime], Iterable[Notice]]):
    """Register ``fn(now)``, which lists the notices due at ``now`` (duplicates are dropped)."""
    if fn not in PRODUCERS:
        PRODUCERS.append(fn)
    return fn


def add_notices(notices: Iterable[Notice]) -> int:
    """Add the notices that do not exist yet (no commit: the caller's transaction owns them)."""
    wanted = {(n.user_id, n.kind, n.subject_id): n for n in notices}
    if not wanted:
        return 0
    existing = set()
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        existing.update(
            db.session.execute(
                select(Notification.user_id, Notification.kind, Notification.subject_id).where(
                    tuple_(Notification.user_id, Notification.kind, Notification.subject_id).in_(
                        chunk
                    )
                )
            ).all()
        )
    added = 0
    for key, notice in wanted.items():
        if key in existing:
            continue
        db.session.add(
            Notification(
                user_id=notice.user_id,
                kind=notice.kind,
                subject_id=notice.subject_id,
                params=notice.params,
                link=notice.link,
            )
        )
        added += 1
    return added


def render(notification: Notification) -> tuple[str, str]:
    """The (subject, body) of a notice in the current language."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind, ""
    return kind.subject(notification.params or {}), kind.body(notification.params or {})


def collect_due(now: datetime | None = None) -> int:
    """Make every notice the producers say is due and that does not exist yet; commit."""
    now = now or clock.now()
    notices = [notice for producer in PRODUCERS for notice in producer(now)]
    added = add_notices(notices)
    db.session.commit()
    return added


def send_pending_emails(limit: int = 500) -> int:
    """Email notices not emailed before, in each user's language; mark them sent; commit."""
    pending = db.session.scalars(
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
    ).all()
    if not pending:
        return 0
    connection = current_app.extensions["mailman"].get_connection()
    base_url = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    sent = 0
    for notification in pending:
        user = notification.user
        with force_locale(user.locale or default_locale):
            subject, body = render(notification)
        if notification.link:
            body = f"{body}\n\n{base_url}{notification.link}"
        EmailMessage(subject, body, to=[user.email], connection=connection).send()
        # Marked right after its own send, so a failure later in the batch never resends it.
        db.session.execute(
            update(Notification)
            .where(Notification.id == notification.id)
            .values(emailed_at=clock.now())
        )
        db.session.commit()
        sent += 1
    return sent


def send_due(now: datetime | None = None) -> tuple[int, int]:
    """Make the due notices, then email what has not been emailed: (made, emailed)."""
    made = collect_due(now)
    emailed = 0
    while True:
        batch = send_pending_emails()
        emailed += batch
        if batch == 0:
            break
    return made, emailed


def mark_all_read(user) -> int:
    """Mark every unread notice of ``user`` as read; commit."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    db.session.commit()
    return result.rowcount or 0
