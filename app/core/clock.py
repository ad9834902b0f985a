"""The one clock of the app: every "now" goes through here so tests can freeze and move it."""

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
