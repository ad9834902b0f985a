"""Customers' ratings and who is on duty: checking in at a window, rating at the kiosk or
through a receipt's link, minting receipt tokens, HR's review of held comments.

A kiosk rating goes to the person whose check-in the kiosk showed (still on duty, or gone for
less than ``HANDOVER_MINUTES``); a receipt rating to the person the receipt names. One rating
per hall and transaction number: the database's unique constraint decides a race. Nothing about
the customer is stored (no address, device or name; the comment is the customer's own words).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.params import parse_int
from app.core.uow import transaction, unit_of_work
from app.extensions import db
from app.kiosk import tokens
from app.kiosk.models import CheckIn, Hall, HeldWord, KioskDevice, Rating, Reason, Window
from app.kiosk.moderation import MAX_COMMENT, hold_reason
from app.kiosk.services.indicator import sync_people
from app.org.models import User
from app.quality import periods

#: a kiosk form shown before a hand-over still rates the person it showed for this long
HANDOVER_MINUTES = 10
#: a receipt printed this far in the future is refused (clocks disagree a little)
CLOCK_SKEW = timedelta(minutes=5)


class RatingRefused(DomainError):
    """A rating or check-in was refused."""


class AlreadyRated(RatingRefused):
    """This transaction has been rated already."""

    def __init__(self) -> None:
        super().__init__(_("This transaction has already been rated. Thank you!"))


@dataclass(frozen=True)
class ReceiptContext:
    """A verified receipt: the hall, window and person it names, and whether it expired."""

    receipt: tokens.Receipt
    hall: Hall
    window: Window
    user: User
    expires_at: datetime

    @property
    def is_expired(self) -> bool:
        """True once the receipt's days to rate are over."""
        return clock.now() >= self.expires_at


def public_url(endpoint: str, **values) -> str:
    """The absolute address of a public page (``PUBLIC_BASE_URL`` first; works in commands)."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if has_request_context():
        return (
            base + url_for(endpoint, **values)
            if base
            else url_for(endpoint, _external=True, **values)
        )
    with current_app.test_request_context(base_url=base or "http://localhost"):
        return url_for(endpoint, _external=True, **values)


def receipt_days() -> int:
    """Days a receipt may be rated (``RATINGS_RECEIPT_DAYS``, default 7)."""
    return int(current_app.config.get("RATINGS_RECEIPT_DAYS", 7))


def period_of(moment: datetime) -> str:
    """The month (company time zone) a rating given at ``moment`` counts in."""
    return periods.of_date(clock.local_today(moment))


# --- on duty -------------------------------------------------------------------------------


def _in_hall(user: User, hall: Hall) -> bool:
    if hall.department_id is None:
        return True
    dept = user.department
    hall_dept = hall.department
    return dept is not None and hall_dept is not None and dept.path.startswith(hall_dept.path)


@transaction
def check_in(user: User, window: Window) -> CheckIn:
    """Put ``user`` on duty at ``window``: their other check-in ends, and so does that of
    whoever was at the window (a hand-over)."""
    with unit_of_work(
        expect=RatingRefused(_("Someone checked in at the same moment; please try again."))
    ):
        if not window.is_active:
            raise RatingRefused(_("This window is closed."))
        if not _in_hall(user, window.hall):
            raise RatingRefused(_("You can only check in at the windows of your own hall."))
        now = clock.now()
        ended = []
        for open_one in db.session.scalars(
            select(CheckIn).where(
                CheckIn.ended_at.is_(None),
                (CheckIn.user_id == user.id) | (CheckIn.window_id == window.id),
            )
        ):
            open_one.ended_at = now
            ended.append(open_one.id)
        db.session.flush()
        shift = CheckIn(window_id=window.id, user_id=user.id, started_at=now)
        db.session.add(shift)
        db.session.flush()
        record_audit(
            user,
            "window_check_in.start",
            shift,
            {"ended": ended} if ended else None,
            {"window": window.id, "user": user.id},
        )
    return shift


@transaction
def check_out(user: User) -> CheckIn | None:
    """End ``user``'s check-in, if any."""
    shift = db.session.scalar(
        select(CheckIn).where(CheckIn.user_id == user.id, CheckIn.ended_at.is_(None))
    )
    if shift is not None:
        shift.ended_at = clock.now()
        db.session.flush()
        record_audit(user, "window_check_in.end", shift, {"window": shift.window_id}, None)
    return shift


# --- rating --------------------------------------------------------------------------------


def _checked(stars, reason_ids, comment) -> tuple[int, list[Reason], str]:
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise RatingRefused(_("Choose from 1 to 5 stars."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise RatingRefused(_("A comment has at most %(n)d characters.", n=MAX_COMMENT))
    wanted = sorted({int(r) for r in reason_ids or ()})
    reasons = (
        list(
            db.session.scalars(
                select(Reason).where(Reason.id.in_(wanted), Reason.is_active.is_(True))
            )
        )
        if wanted
        else []
    )
    if len(reasons) != len(wanted):
        raise RatingRefused(_("Choose reasons from the list."))
    return stars, reasons, comment


def _new_rating(
    *,
    hall_id,
    window_id,
    user_id,
    source,
    stars,
    reasons,
    comment,
    transaction_no=None,
    device_id=None,
) -> Rating:
    words = db.session.scalars(select(HeldWord.word)).all()
    held = hold_reason(comment, words) if comment else None
    now = clock.now()
    rating = Rating(
        hall_id=hall_id,
        window_id=window_id,
        user_id=user_id,
        source=source,
        transaction_no=transaction_no,
        device_id=device_id,
        stars=stars,
        comment=comment,
        comment_state="none" if not comment else ("held" if held else "shown"),
        held_because=(held or "")[:60],
        rated_at=now,
        period=period_of(now),
    )
    rating.reasons = reasons
    db.session.add(rating)
    db.session.flush()
    sync_people(rating.period, [user_id])
    return rating


@transaction
def rate_at_kiosk(device: KioskDevice, check_in_id, stars, reason_ids, comment) -> Rating:
    """A customer's rating at the counter, of the person the kiosk showed on duty."""
    shift_id = parse_int(check_in_id) if check_in_id else None
    shift = db.session.get(CheckIn, shift_id) if shift_id else None
    now = clock.now()
    if (
        shift is None
        or shift.window_id != device.window_id
        or (
            shift.ended_at is not None
            and now - shift.ended_at > timedelta(minutes=HANDOVER_MINUTES)
        )
    ):
        raise RatingRefused(_("The person on duty has changed. Please rate again."))
    stars, reasons, comment = _checked(stars, reason_ids, comment)
    device.last_used_at = now
    return _new_rating(
        hall_id=device.window.hall_id,
        window_id=device.window_id,
        user_id=shift.user_id,
        source="kiosk",
        stars=stars,
        reasons=reasons,
        comment=comment,
        device_id=device.id,
    )


def read_receipt(token: str) -> ReceiptContext | None:
    """The verified receipt of ``token``, or None when it is malformed, forged, signed with a
    rotated secret, or names a hall, window or person that does not exist."""
    try:
        claimed = tokens.read(token)
    except tokens.BadToken:
        return None
    hall = db.session.scalar(select(Hall).where(Hall.code == claimed.hall))
    if hall is None:
        return None
    try:
        receipt = tokens.verify(token, hall.secret)
    except tokens.BadToken:
        return None
    if receipt.issued_at > clock.now() + CLOCK_SKEW:
        return None
    window = db.session.scalar(
        select(Window).where(Window.hall_id == hall.id, Window.code == receipt.window)
    )
    user = db.session.scalar(select(User).where(User.employee_no == receipt.employee_no))
    if window is None or user is None:
        return None
    return ReceiptContext(
        receipt, hall, window, user, receipt.issued_at + timedelta(days=receipt_days())
    )


def is_rated(context: ReceiptContext) -> bool:
    """True when the receipt's transaction has a rating."""
    return (
        db.session.scalar(
            select(Rating.id).where(
                Rating.hall_id == context.hall.id,
                Rating.transaction_no == context.receipt.transaction_no,
            )
        )
        is not None
    )


@transaction
def rate_receipt(context: ReceiptContext, stars, reason_ids, comment) -> Rating:
    """A customer's rating through the receipt's link: once per transaction, within the days."""
    with unit_of_work(expect=AlreadyRated):
        if context.is_expired:
            raise RatingRefused(_("This receipt can no longer be rated."))
        if is_rated(context):
            raise AlreadyRated()
        stars, reasons, comment = _checked(stars, reason_ids, comment)
        return _new_rating(
            hall_id=context.hall.id,
            window_id=context.window.id,
            user_id=context.user.id,
            source="receipt",
            transaction_no=context.receipt.transaction_no,
            stars=stars,
            reasons=reasons,
            comment=comment,
        )


def mint_receipt_token(
    hall_code: str,
    window_code: str,
    employee_no: str,
    transaction_no: str,
    issued_at: datetime | None = None,
):
    """Sign a receipt token as the hall's system would: (token, receipt, expires_at)."""
    hall = db.session.scalar(select(Hall).where(Hall.code == hall_code))
    if hall is None:
        raise RatingRefused(_("Unknown hall %(code)s.", code=hall_code))
    window = db.session.scalar(
        select(Window).where(Window.hall_id == hall.id, Window.code == window_code)
    )
    if window is None:
        raise RatingRefused(_("Unknown window %(code)s.", code=window_code))
    if db.session.scalar(select(User.id).where(User.employee_no == employee_no)) is None:
        raise RatingRefused(_("unknown employee %(no)s", no=employee_no))
    issued = issued_at or clock.now()
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    issued = issued.astimezone(UTC).replace(microsecond=0)
    if issued > clock.now() + CLOCK_SKEW:
        raise RatingRefused(_("A receipt cannot be issued in the future."))
    receipt = tokens.Receipt(hall_code, window_code, employee_no, transaction_no, issued)
    bad = tokens.check_fields(receipt)
    if bad:
        raise RatingRefused(_("%(field)s may hold only letters, digits, '_' and '-'.", field=bad))
    token = tokens.sign(receipt, hall.secret)
    return token, receipt, issued + timedelta(days=receipt_days())


# --- HR's review ---------------------------------------------------------------------------


@transaction
def review_comment(actor, rating: Rating, show: bool) -> Rating:
    """HR shows a held comment, or removes its text (the stars stay and count)."""
    if rating.comment_state != "held":
        raise RatingRefused(_("This comment is not waiting for review."))
    before = {"state": "held", "held_because": rating.held_because}
    rating.comment_state = "shown" if show else "rejected"
    if not show:
        rating.comment = ""
    rating.reviewed_at = clock.now()
    rating.reviewed_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(actor, "customer_rating.review", rating, before, {"state": rating.comment_state})
    return rating
