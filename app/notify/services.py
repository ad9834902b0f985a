"""Notifications: a registry of notice kinds and producers, in-app notices and their emails.

Features connect the kinds of notice they send (how to word them) and producers (which notices
are due now) to the ``notice_kind`` and ``notice_producer`` hooks. ``send_due`` makes the due
notices that do not exist yet in one unit of work, then emails every notice not emailed before,
each marked as emailed in the unit of work of its own sending, so cron may run it as often as it
likes on one node and a failure halfway never sends a notice twice.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_mailman import EmailMessage
from sqlalchemy import select, tuple_, update

from app.core import clock, hooks
from app.core.uow import transaction, unit_of_work
from app.extensions import db
from app.notify import queries
from app.notify.models import Notification


@dataclass(frozen=True)
class NoticeKind:
    """How a kind of notice is worded: ``subject(params)`` and ``body(params)``, translated."""

    name: str
    subject: Callable[[dict], str]
    body: Callable[[dict], str]


def register_kind(registry, *kinds: NoticeKind) -> None:
    """Make these kinds of notice known (a feature's ``register_hooks`` calls this with the
    registry it is given): how each is worded, in-app and in its email."""
    for kind in kinds:
        registry.connect("notice_kind", kind)


@dataclass
class Notice:
    """A notice to make: who, what kind, about which record, with which values."""

    user_id: int
    kind: str
    subject_id: int
    params: dict = field(default_factory=dict)
    link: str = ""


def notice_kind(name: str) -> NoticeKind | None:
    """How notices of kind ``name`` are worded (features connect kinds to ``notice_kind``)."""
    return next((kind for kind in hooks.handlers("notice_kind") if kind.name == name), None)


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


def restate_notices(subject_id: int, kinds: Iterable[str], created_at=None, **params) -> int:
    """Change the values shown by notices already made about ``subject_id`` (and when they
    were made): when the record they describe is moved back in time, as the demo does, the
    notice says what the record says. Returns how many notices changed."""
    rows = db.session.scalars(
        select(Notification).where(
            Notification.subject_id == subject_id, Notification.kind.in_(list(kinds))
        )
    ).all()
    for row in rows:
        row.params = {**(row.params or {}), **params}
        if created_at is not None:
            row.created_at = created_at
    return len(rows)


def render(notification: Notification) -> tuple[str, str]:
    """The (subject, body) of a notice in the current language."""
    kind = notice_kind(notification.kind)
    if kind is None:
        return notification.kind, ""
    return kind.subject(notification.params or {}), kind.body(notification.params or {})


@transaction
def collect_due(now: datetime | None = None) -> int:
    """Make every notice the producers say is due and that does not exist yet."""
    now = now or clock.now()
    notices = [notice for produced in hooks.fire("notice_producer", now) for notice in produced]
    return add_notices(notices)


def send_pending_emails(limit: int = 500) -> int:
    """Email notices not emailed before, in each user's language; each is marked as emailed in
    the unit of work of its own sending, so a failure later in the batch never resends it."""
    pending = queries.pending_emails(limit)
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
        with unit_of_work():
            # Marked before the send, in the same unit: a failed send un-marks it.
            db.session.execute(
                update(Notification)
                .where(Notification.id == notification.id)
                .values(emailed_at=clock.now())
            )
            EmailMessage(subject, body, to=[user.email], connection=connection).send()
        sent += 1
    return sent


def send_due(now: datetime | None = None) -> tuple[int, int]:
    """Make the due notices, then email what has not been emailed: (made, emailed).

    Runs several units of work (one to make the notices, one per email), so it is called from
    outside any (``flask notify send-due``), never from inside another use case.
    """
    made = collect_due(now)
    emailed = 0
    while True:
        batch = send_pending_emails()
        emailed += batch
        if batch == 0:
            break
    return made, emailed


@transaction
def mark_all_read(user) -> int:
    """Mark every unread notice of ``user`` as read."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount or 0
