"""Units and directions of service indicators: two small registries.

Pure: no database, no request. A unit says how its values are shown and which values are
possible (a percentage lies in 0–100, a count is a whole number ≥ 0); a score import refuses
a value its indicator's unit does not allow. Labels are lazy translations, read on the pages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.gettext import _

HIGHER = "higher"
LOWER = "lower"
DIRECTION_LABELS = {HIGHER: _l("Higher is better"), LOWER: _l("Lower is better")}
DIRECTIONS = tuple(DIRECTION_LABELS)


@dataclass(frozen=True)
class Unit:
    """A unit of measure: its stored name, its label, and the values it allows."""

    name: str
    label: object  #: a lazy translated string, e.g. "percentage (0–100)"
    #: written after a value ("%"), or "" when the label says enough
    symbol: str
    minimum: float
    maximum: float | None = None
    is_whole: bool = False

    def problem(self, value: float) -> str | None:
        """Why ``value`` is impossible in this unit (None: it is fine)."""
        if not math.isfinite(value):
            return _("not a number")
        if self.is_whole and not float(value).is_integer():
            return _("%(value)s is not a whole number (a count)", value=_plain(value))
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            if self.maximum is None:
                return _(
                    "%(value)s is out of range (at least %(low)s)",
                    value=_plain(value),
                    low=_plain(self.minimum),
                )
            return _(
                "%(value)s is out of range (%(low)s to %(high)s)",
                value=_plain(value),
                low=_plain(self.minimum),
                high=_plain(self.maximum),
            )
        return None

    def show(self, value: float | None) -> str:
        """``value`` as people read it: "98.5 %", "92", "1"."""
        if value is None:
            return "—"
        text = _plain(value)
        return f"{text} {self.symbol}" if self.symbol else text


def _plain(value: float) -> str:
    """A number without a needless ".0" and without float noise (98.5, 100, 0.05)."""
    value = round(float(value), 6)
    return str(int(value)) if value.is_integer() else f"{value:g}"


UNITS: dict[str, Unit] = {
    "percent": Unit("percent", _l("percentage (0–100)"), "%", 0.0, 100.0),
    "points": Unit("points", _l("points (0–100)"), "", 0.0, 100.0),
    "count": Unit("count", _l("count (a whole number, 0 or more)"), "", 0.0, None, is_whole=True),
}


def plain(value: float | None) -> str:
    """A number as text without float noise ("—" for none)."""
    return "—" if value is None else _plain(value)
