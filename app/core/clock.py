"""The one clock of the app: every "now" goes through here so tests can freeze and move it."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_frozen_at: datetime | None = None


def now() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return _frozen_at if _frozen_at is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Freeze the clock at ``at`` (tests only); ``None`` unfreezes it."""
    global _frozen_at
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    _frozen_at = at


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward by ``delta`` and return the new time (tests only)."""
    if _frozen_at is None:
        raise RuntimeError("advance() needs a frozen clock")
    freeze(_frozen_at + delta)
    return now()


def local_zone():
    """The zone times are shown and entered in (SKILLGRID_TIMEZONE, default Asia/Shanghai)."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def from_local(naive: datetime | None) -> datetime | None:
    """A naive local time from a form, as an aware UTC datetime."""
    if naive is None:
        return None
    return naive.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local(aware: datetime | None) -> datetime | None:
    """An aware datetime as a naive local time, for a form field."""
    if aware is None:
        return None
    return aware.astimezone(local_zone()).replace(tzinfo=None)


def local_today(at: datetime | None = None):
    """The date in the company's zone at ``at`` (default now): due dates and periods count in it."""
    return (at or now()).astimezone(local_zone()).date()


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months (the 31st becomes the month's last day)."""
    import calendar

    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@contextmanager
def running_at(moment: datetime) -> Iterator[datetime]:
    """Run the block as if it were ``moment`` (tests, and the demo seeder writing history)."""
    previous = _frozen_at
    freeze(moment)
    try:
        yield moment
    finally:
        freeze(previous)
