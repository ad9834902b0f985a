"""A Cloze question's blanks as the type and its rendering share them: the type that grades each
kind of blank, a blank as that type's data, a blank's part of a response and of the choice
order, and the words that name a blank."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.bank.qtypes.base import ChoiceOrder, QType, permutation_or_identity
from app.bank.qtypes.i18n import _
from app.bank.qtypes.multiple import qtype as multiple
from app.bank.qtypes.numerical import qtype as numerical
from app.bank.qtypes.shortanswer import qtype as shortanswer
from app.bank.qtypes.single import qtype as single

#: the type that grades each kind of blank
SUBTYPES: dict[str, QType] = {
    "shortanswer": shortanswer,
    "numerical": numerical,
    "single": single,
    "multiple": multiple,
}
CHOICE_KINDS = ("single", "multiple")


def sub_data(blank: Mapping[str, Any]) -> dict[str, Any]:
    """A blank as the data of the type that grades it."""
    kind = blank["kind"]
    if kind == "shortanswer":
        return {"usecase": bool(blank.get("usecase")), "answers": blank["answers"]}
    if kind == "numerical":
        return {"answers": blank["answers"], "units": [], "unitgradingtype": 0, "unitpenalty": 0.1}
    return {
        "shuffleanswers": bool(blank.get("shuffle")),
        "answernumbering": "none",
        "shownumcorrect": False,
        "answers": blank["answers"],
    }


def part(response: Any, number: int) -> Any:
    """What `response` holds for blank `number` (None when it was left empty)."""
    if not isinstance(response, Mapping):
        return None
    return response.get(str(number))


def answer_order(data: Mapping[str, Any], order: ChoiceOrder, number: int) -> list[int]:
    """The order blank `number` shows its answers in (as frozen for the attempt)."""
    size = len(data["blanks"][number - 1]["answers"])
    own = order.get(str(number)) if isinstance(order, Mapping) else None
    return permutation_or_identity(own, size)


def blank_label(number: int) -> str:
    """What a blank is called on pages and in summaries: "Blank 2" (第 2 空)."""
    return _("Blank %(n)d") % {"n": number}


def blank_problem(number: int, message: str) -> str:
    """A problem of one blank, named by its number as authors count them."""
    return _("blank %(n)d: %(problem)s") % {"n": number, "problem": message}
