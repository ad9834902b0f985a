"""Periods of service results: calendar months written ``YYYY-MM``.

Pure: a period is text that sorts in time order, so the database compares periods as strings.
"""

from __future__ import annotations

import re
from datetime import date

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: SQL LIKE pattern of the period columns' CHECK constraints
PERIOD_LIKE = "____-__"


def is_period(text: object) -> bool:
    """True for a well-formed period: ``2026-11``."""
    return isinstance(text, str) and PERIOD_RE.match(text) is not None


def parse(text: str) -> tuple[int, int]:
    """(year, month) of a period; ValueError when malformed."""
    match = PERIOD_RE.match(text or "")
    if match is None:
        raise ValueError(f"not a period (YYYY-MM): {text!r}")
    return int(match.group(1)), int(match.group(2))


def of_date(day: date) -> str:
    """The period ``day`` lies in."""
    return f"{day.year:04d}-{day.month:02d}"


def shift(period: str, months: int) -> str:
    """The period ``months`` later (earlier when negative)."""
    year, month = parse(period)
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def last_complete(today: date) -> str:
    """The last month that has ended by ``today``."""
    return shift(of_date(today), -1)


def span(first: str, last: str) -> list[str]:
    """Every period from ``first`` to ``last``, both included (empty when first > last)."""
    periods = []
    current = first
    while current <= last:
        periods.append(current)
        current = shift(current, 1)
    return periods


def ending(last: str, n: int) -> list[str]:
    """The ``n`` periods that end with ``last``, oldest first."""
    return span(shift(last, -(n - 1)), last) if n > 0 else []


def first_day(period: str) -> date:
    """The first day of a period."""
    year, month = parse(period)
    return date(year, month, 1)


def last_day(period: str) -> date:
    """The last day of ``period``."""
    import calendar

    year, month = parse(period)
    return date(year, month, calendar.monthrange(year, month)[1])
