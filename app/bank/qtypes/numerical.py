"""Numerical: a typed number within a tolerance of an accepted value, optionally with a unit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.bank.qtypes._typed import TypedAnswerQType
from app.bank.qtypes.api import ResponseRefused, expect_api_keys
from app.bank.qtypes.base import (
    FRACTION_TOLERANCE,
    ChoiceOrder,
    DataReader,
    Issue,
    check_fractions,
    clamp_fraction,
    read_answer,
    write_answer,
)
from app.bank.qtypes.i18n import _, _l

#: unitgradingtype values: units ignored, or a missing/wrong unit costs a share of the mark.
UNITS_NOT_GRADED = 0
UNITS_PENALTY_OF_RESPONSE = 1  # Moodle's UNITGRADEDOUTOFMARK
UNIT_GRADING_TYPES = (UNITS_NOT_GRADED, UNITS_PENALTY_OF_RESPONSE)

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_PREFIX = re.compile(_NUMBER)
_NUMBER_ONLY = re.compile(_NUMBER + r"\Z")
_WHITESPACE = re.compile(r"\s+")
#: a stored response split into its number and the unit typed after it (for the API)
_NUMBER_AND_UNIT = re.compile(r"\s*(" + _NUMBER + r")\s*(.*?)\s*\Z", re.S)
# Moodle adds 10^-precision to every tolerance (MDL-3225); we scale it with the value so that
# 12.5 kV against 12500 V survives binary floating point at any magnitude.
_RELATIVE_EPSILON = 1e-12


def is_decimal(text: str) -> bool:
    """Tell whether `text` is a plain decimal number such as -1.5, .5 or 1e3."""
    return _NUMBER_ONLY.match(text.strip()) is not None


def parse_response(
    text: str, units: list[dict[str, Any]]
) -> tuple[float | None, str, float | None]:
    """Split a typed answer into (value, unit text, unit multiplier or None if unknown).

    Like Moodle's apply_units: spaces are dropped, the number comes first, the rest is the
    unit. A value of None means the response is not a number.
    """
    compact = _WHITESPACE.sub("", text)
    match = _NUMBER_PREFIX.match(compact)
    if match is None:
        return None, "", None
    unit = compact[match.end() :]
    if unit[:1] in {".", ","} or unit[:1].isdigit():
        return None, unit, None  # "1,5" or "1.2.3": a malformed number, not a unit
    multiplier = None
    for known in units:
        if _WHITESPACE.sub("", known["unit"]) == unit and unit:
            multiplier = float(known["multiplier"])
            break
    return float(match.group()), unit, multiplier


def _within(answer: Mapping[str, Any], value: float) -> bool:
    """Moodle's nominal tolerance: answer ± tolerance, bounds included; `*` takes anything."""
    if answer["text"].strip() == "*":
        return True
    target = float(answer["text"])
    slack = abs(float(answer["tolerance"])) + _RELATIVE_EPSILON * max(1.0, abs(target))
    return target - slack <= value <= target + slack


class Numerical(TypedAnswerQType):
    """The first answer (in the order written) whose interval holds the value decides."""

    name = "numerical"
    label = _l("Numerical")
    help = _l(
        "Staff type a number. The first answer whose range (value ± tolerance) holds it "
        "decides the grade; * accepts any number. A tolerance cannot be negative. The first "
        "unit is the base unit (multiplier 1)."
    )
    keys = ("answers", "units", "unitgradingtype", "unitpenalty")
    answer_extra_keys = ("tolerance",)
    form_layout = (("answers",), ("units",), ("unitgradingtype", "unitpenalty"))
    start_rows = {"answers": 2, "units": 1}
    api_schema = {
        "type": "object",
        "properties": {
            "value": {"type": "string", "nullable": True, "example": "12.5"},
            "unit": {"type": "string", "nullable": True, "example": "kWh"},
        },
        "required": ["value"],
        "additionalProperties": False,
    }

    def read(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read answers with tolerances, units and the unit-grading rule."""
        answers = []
        for index, item in reader.items(d, "answers", ()):
            path = ("answers", index)
            if isinstance(item.get("text"), (int, float)) and not isinstance(item["text"], bool):
                item = {**item, "text": repr(float(item["text"]))}  # YAML read it as a number
            answer = read_answer(reader, item, path, extra_keys=self.answer_extra_keys)
            answer["text"] = answer["text"].strip()
            answer["tolerance"] = reader.number(item, "tolerance", path, 0.0)
            answers.append(answer)
        units = []
        for index, item in reader.items(d, "units", ()):
            path = ("units", index)
            reader.unknown_keys(item, ("unit", "multiplier"), path)
            units.append(
                {
                    "unit": reader.text(item, "unit", path).strip(),
                    "multiplier": reader.number(item, "multiplier", path, 1.0),
                }
            )
        grading = reader.integer(d, "unitgradingtype", (), UNITS_NOT_GRADED)
        if grading not in UNIT_GRADING_TYPES:
            reader.add(("unitgradingtype",), _("'unitgradingtype' must be 0 or 1"))
            grading = UNITS_NOT_GRADED
        return {
            "answers": answers,
            "units": units,
            "unitgradingtype": grading,
            "unitpenalty": reader.number(d, "unitpenalty", (), 0.1),
        }

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write answers as {text, tolerance, fraction, feedback}, then the units."""
        return {
            "answers": [
                write_answer(a, extra_keys=self.answer_extra_keys) for a in data["answers"]
            ],
            "units": [{"unit": u["unit"], "multiplier": u["multiplier"]} for u in data["units"]],
            "unitgradingtype": data["unitgradingtype"],
            "unitpenalty": data["unitpenalty"],
        }

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Moodle's numerical form rules, plus a base unit with multiplier 1."""
        answers = data["answers"]
        issues: list[Issue] = []
        if not answers:
            issues.append(Issue(("answers",), _("give at least 1 answer")))
        for index, answer in enumerate(answers):
            n = index + 1
            if answer["text"] != "*" and not is_decimal(answer["text"]):
                issues.append(
                    Issue(
                        ("answers", index, "text"),
                        _(
                            "answer %(n)d: '%(text)s' is not a number (write digits, or * for "
                            "any number)"
                        )
                        % {"n": n, "text": answer["text"]},
                    )
                )
            if answer["tolerance"] < 0:
                issues.append(
                    Issue(
                        ("answers", index, "tolerance"),
                        _("answer %(n)d: the tolerance cannot be negative") % {"n": n},
                    )
                )
        if answers and not any(abs(a["fraction"] - 1) <= FRACTION_TOLERANCE for a in answers):
            issues.append(Issue(("answers",), _("one of the answers must have fraction 1 (100%)")))
        issues.extend(check_fractions(answers, allow_negative=False))
        issues.extend(self._check_units(data))
        return issues

    def _check_units(self, data: Mapping[str, Any]) -> list[Issue]:
        issues: list[Issue] = []
        seen: set[str] = set()
        for index, unit in enumerate(data["units"]):
            name = _WHITESPACE.sub("", unit["unit"])
            if not name:
                issues.append(Issue(("units", index, "unit"), _("a unit needs a name")))
            elif name in seen:
                issues.append(
                    Issue(
                        ("units", index, "unit"),
                        _("unit '%(unit)s' is listed twice") % {"unit": unit["unit"]},
                    )
                )
            seen.add(name)
            if unit["multiplier"] <= 0:
                issues.append(
                    Issue(
                        ("units", index, "multiplier"),
                        _("the multiplier of unit '%(unit)s' must be above 0")
                        % {"unit": unit["unit"]},
                    )
                )
        if data["units"] and data["units"][0]["multiplier"] != 1:
            issues.append(
                Issue(
                    ("units", 0, "multiplier"),
                    _("the first unit is the base unit: its multiplier must be 1"),
                )
            )
        if data["unitgradingtype"] == UNITS_PENALTY_OF_RESPONSE and not data["units"]:
            issues.append(
                Issue(("units",), _("units are graded (unitgradingtype 1) but none are listed"))
            )
        if not 0 <= data["unitpenalty"] <= 1:
            issues.append(Issue(("unitpenalty",), _("'unitpenalty' must be between 0 and 1")))
        return issues

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> str | None:
        """Keep the text as typed (value and unit are read when grading)."""
        if isinstance(raw, (list, tuple)):
            raw = raw[0] if raw else None
        if raw is None or isinstance(raw, bool):
            return None
        text = str(raw).strip()
        return text or None

    def matching_answer(self, data: Mapping[str, Any], response: Any) -> int | None:
        """Index of the first answer whose interval holds the value (with or without its unit)."""
        return self.match_with_unit(data, response)[0]

    def match_with_unit(self, data: Mapping[str, Any], response: Any) -> tuple[int | None, bool]:
        """Return (index of the first matching answer, whether the unit was right).

        As in Moodle's get_matching_answer, each answer is tried first with the value
        converted by a known unit (unit right), then with the bare value (unit wrong).
        """
        if not isinstance(response, str):
            return None, False
        value, _unit, multiplier = parse_response(response, data["units"])
        if value is None:
            return None, False
        scaled = value / multiplier if multiplier is not None else value
        for index, answer in enumerate(data["answers"]):
            if multiplier is not None and _within(answer, scaled):
                return index, True
            if _within(answer, value):
                return index, False
        return None, False

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        """The matching answer's fraction, less the unit penalty when units are graded."""
        index, unit_is_right = self.match_with_unit(data, response)
        if index is None:
            return 0.0
        fraction = clamp_fraction(float(data["answers"][index]["fraction"]))
        return self.apply_unit_penalty(data, fraction, unit_is_right)

    def apply_unit_penalty(
        self, data: Mapping[str, Any], fraction: float, unit_is_right: bool
    ) -> float:
        """Moodle's apply_unit_penalty for "fraction of response grade"."""
        if unit_is_right or data["unitgradingtype"] == UNITS_NOT_GRADED:
            return fraction
        return clamp_fraction(fraction - float(data["unitpenalty"]) * fraction)

    def random_guess_score(self, data: Mapping[str, Any]) -> float:
        """Moodle: the fraction of a `*` answer less the unit penalty, if there is one."""
        for answer in data["answers"]:
            if answer["text"].strip() == "*":
                penalty = data["unitpenalty"] if data["unitgradingtype"] else 0.0
                return max(float(answer["fraction"]) - penalty, 0.0)
        return 0.0

    def correct_response(self, data: Mapping[str, Any]) -> str | None:
        """The first 100% answer, followed by the base unit when there are units."""
        for answer in data["answers"]:
            if abs(answer["fraction"] - 1) <= FRACTION_TOLERANCE and answer["text"] != "*":
                if data["units"]:
                    return answer["text"] + " " + data["units"][0]["unit"]
                return answer["text"]
        return None

    def api_to_raw(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, response: Mapping[str, Any]
    ) -> str | None:
        """``{"value": "12.5", "unit": "kWh"}``: the number as text, then the unit if any."""
        expect_api_keys(response, "value", ("unit",))
        value, unit = response["value"], response.get("unit")
        if value is None:
            return None
        if not isinstance(value, str) or not is_decimal(value):
            raise ResponseRefused("value", _('Give the number as text, such as "12.5".'))
        if unit is not None and (not isinstance(unit, str) or len(unit) > 100):
            raise ResponseRefused("unit", _('Give the unit as text, such as "kWh".'))
        unit = (unit or "").strip()
        return f"{value.strip()} {unit}" if unit else value.strip()

    def api_from_stored(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, stored: Any
    ) -> dict[str, Any] | None:
        """The number as typed, and the unit when one follows it."""
        if not isinstance(stored, str):
            return None
        match = _NUMBER_AND_UNIT.match(stored)
        if match is None:
            return {"value": stored}
        value, unit = match.groups()
        return {"value": value, "unit": unit} if unit else {"value": value}


qtype = Numerical()
