"""Course time: the company's day, calendar months and the status an enrolment has now.

Due dates and "today" are counted in the company's time zone; instants come from the app clock.
Pure of the database, so queries and services both build on it.
"""

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from app.core import clock
from app.courses.models import Enrolment


def company_zone() -> ZoneInfo:
    """The time zone in which due dates and "today" are counted."""
    return clock.local_zone()


def local_today(now: datetime | None = None) -> date:
    """Today's date in the company's time zone."""
    return (now or clock.now()).astimezone(company_zone()).date()


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def soon_days() -> int:
    """Days before expiry in which a certificate counts as expiring soon."""
    return current_app.config["COURSE_EXPIRING_SOON_DAYS"]


def status_of(enrolment: Enrolment, now: datetime | None = None) -> str:
    """The derived status of ``enrolment`` now (or at ``now``)."""
    now = now or clock.now()
    return enrolment.status_at(now, local_today(now), soon_days())
