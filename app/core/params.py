"""Numbers from URLs, query strings and forms, bounded everywhere.

A number a client sends reaches a SQL parameter sooner or later; one past the column's range
raises ``OverflowError`` on SQLite and ``NumericValueOutOfRange`` on PostgreSQL (a 500 where a
404 or a 400 belongs). ``register(app)`` closes the three ways in, for every view, whether it
knows about this module or not:

- the ``int`` URL converter accepts 0..2147483647 (PostgreSQL's ``integer``): a larger or
  negative id is a 404 before the view runs;
- ``request.args``/``request.form``/``request.values`` ``.get(name, type=int)`` and
  ``.getlist(name, type=int)`` accept ASCII digits in 0..2147483647 only; anything else gives
  the default, as a malformed number always did;
- a query key named ``endpoint`` or starting with ``_`` (``url_for``'s own arguments, which
  pagers would pass on), and a NUL character in any query or form field, are a 400;
- WTForms' ``IntegerField`` refuses a value outside the 32-bit range with its usual
  "Not a valid integer value." error, ``DecimalField`` and ``FloatField`` refuse infinities,
  NaN and magnitudes past ``MAX_DECIMAL``.

Views that need something else name it: ``int_arg("seq", maximum=MAX_BIGINT, source=...)``.
"""

from __future__ import annotations

import math
from decimal import Decimal

from flask import Flask, Request, abort, request
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

#: PostgreSQL ``integer`` (every id column)
MAX_INT = 2_147_483_647
MIN_INT = -2_147_483_648
#: PostgreSQL ``bigint`` / SQLite's integers
MAX_BIGINT = 9_223_372_036_854_775_807
#: the largest magnitude a decimal or float form field accepts (marks, hours, grades)
MAX_DECIMAL = Decimal("1e12")


def parse_int(text, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """``text`` as an int when it is ASCII digits (a leading "-" if ``minimum`` < 0) in range.

    ``"²".isdigit()`` and ``int(" 1_0 ")`` both say yes to text that is no plain number;
    this says no, and never raises.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        value = text
    else:
        if not isinstance(text, str):
            return None
        digits = text[1:] if text.startswith("-") and minimum < 0 else text
        # 20 digits are more than any 64-bit number: longer text is refused unparsed
        if not (0 < len(digits) <= 20 and digits.isascii() and digits.isdigit()):
            return None
        value = int(text)
    return value if minimum <= value <= maximum else None


def _bounded_int(text) -> int:
    value = parse_int(text)
    if value is None:
        raise ValueError("not a bounded integer")
    return value


class BoundedMultiDict(ImmutableMultiDict):
    """Request parameters whose ``type=int`` look-ups are bounded (see the module docstring)."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        """As MultiDict.get; ``type=int`` accepts ASCII digits in 0..MAX_INT only."""
        return super().get(key, default, _bounded_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        """As MultiDict.getlist; ``type=int`` drops values that are not bounded ints."""
        return super().getlist(key, _bounded_int if type is int else type)


class BoundedCombinedMultiDict(CombinedMultiDict):
    """``request.values`` with the same bounded ``type=int``."""

    def get(self, key, default=None, type=None):  # noqa: A002
        """As CombinedMultiDict.get, bounded."""
        return super().get(key, default, _bounded_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        """As CombinedMultiDict.getlist, bounded."""
        return super().getlist(key, _bounded_int if type is int else type)


class SafeRequest(Request):
    """Flask's request with bounded ``type=int`` parameters."""

    parameter_storage_class = BoundedMultiDict

    @cached_property
    def values(self) -> CombinedMultiDict:
        """Query string and (for non-GET) form, bounded like each of them."""
        sources = [self.args]
        if self.method != "GET":
            sources.append(self.form)
        return BoundedCombinedMultiDict(
            [d if isinstance(d, MultiDict) else MultiDict(d) for d in sources]
        )


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in a URL: 0..2147483647 unless the rule says otherwise, ASCII digits only."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)
        if signed:
            self.regex = r"-?[0-9]+"
            if self.min is None:
                self.min = MIN_INT

    def to_python(self, value: str):
        """Refuse (404) numbers longer than any id before converting them."""
        from werkzeug.routing import ValidationError

        if len(value.lstrip("-")) > 20:
            raise ValidationError()
        return super().to_python(value)


def int_arg(
    name: str, default=None, *, minimum: int = 0, maximum: int = MAX_INT, source=None
) -> int | None:
    """A bounded int from the query string (or ``source``, e.g. ``request.form``)."""
    values = request.args if source is None else source
    raw = values.get(name)
    if raw is None:
        return default
    value = parse_int(raw, minimum=minimum, maximum=maximum)
    return default if value is None else value


def _bound_form_fields() -> None:
    """Make WTForms' number fields refuse what no column can hold (once per process)."""
    from wtforms import fields

    if getattr(fields.IntegerField, "_skillgrid_bounded", False):
        return

    def wrap(cls, check, message):
        original = cls.process_formdata

        def process_formdata(self, valuelist):
            original(self, valuelist)
            if self.data is not None and not check(self.data):
                self.data = None
                raise ValueError(self.gettext(message))  # WTForms' own translated message

        cls.process_formdata = process_formdata

    wrap(fields.IntegerField, lambda v: MIN_INT <= v <= MAX_INT, "Not a valid integer value.")
    wrap(
        fields.DecimalField,
        lambda v: Decimal(v).is_finite() and abs(Decimal(v)) <= MAX_DECIMAL,
        "Not a valid decimal value.",
    )
    wrap(
        fields.FloatField,
        lambda v: math.isfinite(v) and abs(v) <= float(MAX_DECIMAL),
        "Not a valid float value.",
    )
    fields.IntegerField._skillgrid_bounded = True


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in group) for key, group in values.lists())


def _refuse_hostile_parameters():
    """400 for query keys that collide with ``url_for``'s own arguments, and for NUL characters.

    Pages pass their query string on to ``url_for`` (pagers, sort links): ``?endpoint=x`` would
    be a second ``endpoint`` argument and ``?_scheme=…`` a scheme of the client's choosing. No
    text holds a NUL, and PostgreSQL refuses one in any text parameter.
    """
    if any(key == "endpoint" or key.startswith("_") for key in request.args):
        abort(400)
    if _has_nul(request.args) or (request.method != "GET" and _has_nul(request.form)):
        abort(400)


def register(app: Flask) -> None:
    """Install the bounded converter, request class and form fields (before any route)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = SafeRequest
    app.before_request(_refuse_hostile_parameters)
    _bound_form_fields()
