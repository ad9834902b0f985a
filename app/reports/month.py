"""The month a report covers and the moment its figures are taken at.

A report month is a period ``YYYY-MM`` (the periods of service results). Figures that are a state
(coverage, overdue assignments, certificates about to expire) are taken *as of* a moment: now for
the current month, the end of the month (midnight, company time) for a past one, so a past
month's report reads the same whatever day it is opened. Future months are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_skeleton
from flask_babel import get_locale

from app.core import clock
from app.quality import periods

#: how far back the month picker goes
PICKER_MONTHS = 24


@dataclass(frozen=True)
class ReportMonth:
    """A month of a report and the moment its state figures are taken at."""

    period: str
    #: UTC: now for the current month, else the first instant of the next month (company time)
    as_of: datetime
    is_current: bool

    @property
    def year(self) -> int:
        """The calendar year the month lies in (training-hour quotas are yearly)."""
        return periods.parse(self.period)[0]

    @property
    def first_day(self) -> date:
        """The month's first day."""
        return periods.first_day(self.period)

    @property
    def last_day(self) -> date:
        """The month's last day."""
        return periods.last_day(self.period)

    @property
    def today(self) -> date:
        """The company's date at ``as_of``: assignments due before it are overdue."""
        return clock.local_today(self.as_of)

    @property
    def shown_day(self) -> date:
        """The day the figures are shown as of: today, or the month's last day."""
        return self.today if self.is_current else self.last_day

    def after(self, days: int) -> datetime:
        """``days`` after ``as_of`` (certificates expiring within a window)."""
        return self.as_of + timedelta(days=days)

    def year_start(self) -> datetime:
        """UTC instant where the month's year starts in company time."""
        return datetime(self.year, 1, 1, tzinfo=clock.local_zone()).astimezone(UTC)


def current_period(now: datetime | None = None) -> str:
    """The period of today (company time)."""
    return periods.of_date(clock.local_today(now))


#: the earliest month a report may ask for (earlier ones, down to year 0, only break date maths)
EARLIEST = "1900-01"


def month_of(period: str, now: datetime | None = None) -> ReportMonth | None:
    """The report month of ``period``, or None when malformed or still to come."""
    if not periods.is_period(period) or period < EARLIEST:
        return None
    now = now or clock.now()
    current = current_period(now)
    if period > current:
        return None
    if period == current:
        return ReportMonth(period, now, True)
    start = periods.first_day(periods.shift(period, 1))
    as_of = datetime(start.year, start.month, 1, tzinfo=clock.local_zone()).astimezone(UTC)
    return ReportMonth(period, as_of, False)


def resolve(text: str | None, now: datetime | None = None) -> ReportMonth:
    """The month asked for (``?period=``), or the current month for anything else."""
    return month_of(text or "", now) or month_of(current_period(now), now)


def label(period: str) -> str:
    """The month in words in the user's language: "2026年11月", "November 2026"."""
    return format_skeleton("yMMMM", periods.first_day(period), locale=get_locale() or "en")


def picker(now: datetime | None = None) -> list[str]:
    """The months offered, newest first: the current one and the ones before it."""
    return periods.ending(current_period(now), PICKER_MONTHS)[::-1]
