"""Questions of an attempt as the API shows them, and their responses both ways.

The API names choices, subquestions and answers by per-attempt ids: 1..n in the order the
attempt displays them (frozen in ``AttemptSlot.choice_order``). Sending, an API response is turned
into the raw value the page's form would have sent, and the question type's own
``normalise_response`` stores it; reading, a stored response is turned back into ids. Nothing
here grades, and nothing reveals a fraction, feedback or the key.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from app.bank import richtext
from app.bank.qtypes import QTYPES
from app.bank.qtypes.base import esc, permutation_or_identity
from app.bank.qtypes.numerical import is_decimal

#: the longest text answer accepted (an essay)
MAX_TEXT = 100_000
_NUMBER_AND_UNIT = re.compile(
    r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*\Z", re.S
)


class ResponseInvalid(Exception):
    """The response does not fit the question's type; ``errors`` are field errors."""

    def __init__(self, errors: list[dict]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["message"] for e in errors))


def _refuse(field: str, message: str):
    raise ResponseInvalid(
        [{"field": f"response.{field}" if field else "response", "message": message}]
    )


def _expect_keys(response: Mapping, required: str, optional: tuple[str, ...] = ()) -> None:
    for key in response:
        if key not in (required, *optional):
            _refuse(str(key), _("Unknown field for this question type."))
    if required not in response:
        _refuse(required, _("Missing data for required field."))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choice_order(slot) -> list[int]:
    return permutation_or_identity(slot.choice_order, len(slot.version.data["answers"]))


def _matching_orders(slot) -> tuple[list[int], list[str]]:
    """(stem indexes, answer texts) in displayed order, as the matching type shows them."""
    return QTYPES["matching"]._orders(slot.version.data, slot.choice_order)


# --- showing questions ---------------------------------------------------------------------


def _choices(slot) -> dict:
    version = slot.version
    answers = version.data["answers"]
    return {
        "choices": [
            {
                "id": position + 1,
                "text": richtext.render_inline(
                    answers[index]["text"],
                    answers[index].get("format") or version.questiontextformat,
                ),
            }
            for position, index in enumerate(_choice_order(slot))
        ]
    }


def _matching(slot) -> dict:
    version = slot.version
    stems, shown = _matching_orders(slot)
    subs = version.data["subquestions"]
    return {
        "subquestions": [
            {
                "id": position + 1,
                "text": richtext.render_inline(
                    subs[stem]["text"], subs[stem].get("format") or version.questiontextformat
                ),
            }
            for position, stem in enumerate(stems)
        ],
        # Answers are plain text on the pages too; escaped, every "text" of the API is HTML.
        "answers": [{"id": position + 1, "text": esc(text)} for position, text in enumerate(shown)],
    }


def question_view(slot) -> dict:
    """A slot as the API shows it: text, mark, and choices with per-attempt ids."""
    version = slot.version
    item = {
        "slot": slot.number,
        "question_id": version.question.key,
        "qtype": version.qtype,
        "text": richtext.render(version.questiontext, version.questiontextformat),
        "mark": slot.max_mark,
    }
    extra = SHAPES[version.qtype].show
    if extra is not None:
        item.update(extra(slot))
    return item


# --- API response -> the raw form value --------------------------------------------------


def _single_raw(slot, response: Mapping):
    _expect_keys(response, "choice")
    choice = response["choice"]
    if choice is None:
        return None
    n = len(_choice_order(slot))
    if not _is_int(choice) or not 1 <= choice <= n:
        _refuse("choice", _("Give a choice id from 1 to %(n)d.", n=n))
    return choice - 1


def _multiple_raw(slot, response: Mapping):
    _expect_keys(response, "choices")
    choices = response["choices"]
    if choices is None:
        return []
    if not isinstance(choices, list):
        _refuse("choices", _("Give a list of choice ids."))
    n = len(_choice_order(slot))
    for index, choice in enumerate(choices):
        if not _is_int(choice) or not 1 <= choice <= n:
            _refuse(f"choices.{index}", _("Give a choice id from 1 to %(n)d.", n=n))
    return [choice - 1 for choice in choices]


def _truefalse_raw(slot, response: Mapping):
    _expect_keys(response, "value")
    value = response["value"]
    if value is not None and not isinstance(value, bool):
        _refuse("value", _("Give true or false."))
    return value


def _text_raw(slot, response: Mapping):
    _expect_keys(response, "text")
    text = response["text"]
    if text is None:
        return None
    if not isinstance(text, str):
        _refuse("text", _("Give the answer as text."))
    if len(text) > MAX_TEXT:
        _refuse("text", _("The answer is longer than %(n)d characters.", n=MAX_TEXT))
    return text


def _numerical_raw(slot, response: Mapping):
    _expect_keys(response, "value", ("unit",))
    value, unit = response["value"], response.get("unit")
    if value is None:
        return None
    if not isinstance(value, str) or not is_decimal(value):
        _refuse("value", _('Give the number as text, such as "12.5".'))
    if unit is not None and (not isinstance(unit, str) or len(unit) > 100):
        _refuse("unit", _('Give the unit as text, such as "kWh".'))
    unit = (unit or "").strip()
    return f"{value.strip()} {unit}" if unit else value.strip()


def _matching_raw(slot, response: Mapping):
    _expect_keys(response, "pairs")
    pairs = response["pairs"]
    if pairs is None:
        return {}
    if not isinstance(pairs, Mapping):
        _refuse("pairs", _("Give an object of subquestion id to answer id."))
    stems, shown = _matching_orders(slot)
    raw = {}
    for key, answer in pairs.items():
        try:
            sub = int(str(key))
        except ValueError:
            sub = 0
        if not 1 <= sub <= len(stems):
            _refuse(f"pairs.{key}", _("No subquestion has this id (1 to %(n)d).", n=len(stems)))
        if answer is None:
            continue
        if not _is_int(answer) or not 1 <= answer <= len(shown):
            _refuse(f"pairs.{key}", _("Give an answer id from 1 to %(n)d.", n=len(shown)))
        raw[str(stems[sub - 1])] = str(answer - 1)
    return raw


def _no_answer_raw(slot, response: Mapping):
    _refuse("", _("This question takes no answer."))


def normalised_response(slot, response) -> object:
    """The stored form of an API response for ``slot``; ResponseInvalid if it does not fit."""
    if not isinstance(response, Mapping):
        _refuse("", _("Give the response as an object."))
    version = slot.version
    raw = SHAPES[version.qtype].to_raw(slot, response)
    return QTYPES[version.qtype].normalise_response(version.data, raw, slot.choice_order)


# --- a stored response -> the API's form --------------------------------------------------


def _single_api(slot, stored):
    order = _choice_order(slot)
    if _is_int(stored) and stored in order:
        return {"choice": order.index(stored) + 1}
    return None


def _multiple_api(slot, stored):
    order = _choice_order(slot)
    if not isinstance(stored, list):
        return None
    return {"choices": sorted(order.index(i) + 1 for i in stored if _is_int(i) and i in order)}


def _truefalse_api(slot, stored):
    return {"value": stored} if isinstance(stored, bool) else None


def _text_api(slot, stored):
    return {"text": stored} if isinstance(stored, str) else None


def _numerical_api(slot, stored):
    if not isinstance(stored, str):
        return None
    match = _NUMBER_AND_UNIT.match(stored)
    if match is None:
        return {"value": stored}
    value, unit = match.groups()
    return {"value": value, "unit": unit} if unit else {"value": value}


def _matching_api(slot, stored):
    if not isinstance(stored, Mapping):
        return None
    stems, shown = _matching_orders(slot)
    pairs = {}
    for position, stem in enumerate(stems):
        text = stored.get(str(stem))
        if isinstance(text, str) and text in shown:
            pairs[str(position + 1)] = shown.index(text) + 1
    return {"pairs": pairs}


def api_response(slot, stored) -> dict | None:
    """A stored response (or a right answer) in the API's form; None when there is none."""
    if stored is None:
        return None
    return SHAPES[slot.version.qtype].to_api(slot, stored)


@dataclass(frozen=True)
class Shape:
    """How one question type's choices and responses look in the API."""

    show: Callable | None
    to_raw: Callable
    to_api: Callable


#: qtype name -> its API shape (a registry: a new question type adds one entry)
SHAPES: dict[str, Shape] = {
    "single": Shape(_choices, _single_raw, _single_api),
    "multiple": Shape(_choices, _multiple_raw, _multiple_api),
    "truefalse": Shape(None, _truefalse_raw, _truefalse_api),
    "shortanswer": Shape(None, _text_raw, _text_api),
    "essay": Shape(None, _text_raw, _text_api),
    "numerical": Shape(None, _numerical_raw, _numerical_api),
    "matching": Shape(_matching, _matching_raw, _matching_api),
    "description": Shape(None, _no_answer_raw, lambda slot, stored: None),
}
