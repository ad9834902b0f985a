"""Single choice: one answer chosen from several (Moodle multichoice with single = 1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.bank.qtypes._choice import ChoiceQType
from app.bank.qtypes.api import expect_api_keys, is_whole_number
from app.bank.qtypes.base import (
    FRACTION_TOLERANCE,
    ChoiceOrder,
    Issue,
    clamp_fraction,
    is_full_mark,
)
from app.bank.qtypes.i18n import _, _l


class SingleChoice(ChoiceQType):
    """One answer counts; negative fractions are allowed but the question never scores below 0."""

    name = "single"
    input_type = "radio"
    label = _l("Single choice")
    help = _l(
        "Staff choose one answer. Give at least 2 answers; the best must be worth 100%. "
        "A wrong answer may carry a negative grade (the question never scores below 0)."
    )
    api_schema = {
        "type": "object",
        "properties": {"choice": {"type": "integer", "minimum": 1, "nullable": True}},
        "required": ["choice"],
        "additionalProperties": False,
    }

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Moodle: the best answer must be worth 100% (several 100% answers are allowed)."""
        issues = super().check(data)
        fractions = [answer["fraction"] for answer in data["answers"]]
        if fractions and abs(max(fractions) - 1) > FRACTION_TOLERANCE:
            issues.append(
                Issue(
                    ("answers",),
                    _("one of the answers must have fraction 1 (100%%); the best has %(f)s")
                    % {"f": max(fractions)},
                )
            )
        return issues

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> int | None:
        """Map the chosen position back to the answer's index (None when nothing is chosen)."""
        order = self._order(data, choice_order)
        for position in self._positions(raw):
            if 0 <= position < len(order):
                return order[position]
        return None

    def _chosen(self, data: Mapping[str, Any], response: Any) -> set[int]:
        is_index = isinstance(response, int) and not isinstance(response, bool)
        if is_index and 0 <= response < len(data["answers"]):
            return {response}
        return set()

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        """The chosen answer's fraction, floored at 0; no answer scores 0."""
        chosen = self._chosen(data, response)
        if not chosen:
            return 0.0
        fraction = float(data["answers"][chosen.pop()]["fraction"])
        return clamp_fraction(fraction)

    def random_guess_score(self, data: Mapping[str, Any]) -> float | None:
        """Moodle: the mean fraction of the answers (here of the floored fractions we award)."""
        answers = data["answers"]
        if not answers:
            return None
        return sum(max(float(a["fraction"]), 0.0) for a in answers) / len(answers)

    def correct_response(self, data: Mapping[str, Any]) -> int | None:
        """The first answer with the highest fraction."""
        answers = data["answers"]
        if not answers:
            return None
        best = max(float(a["fraction"]) for a in answers)
        return next(i for i, a in enumerate(answers) if float(a["fraction"]) == best)

    def _right_answers(self, data: Mapping[str, Any]) -> list[int]:
        right = [i for i, a in enumerate(data["answers"]) if is_full_mark(float(a["fraction"]))]
        if right:
            return right
        best = self.correct_response(data)
        return [] if best is None else [best]

    def api_to_raw(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, response: Mapping[str, Any]
    ) -> int | None:
        """``{"choice": id}``: the position of the chosen choice (null: none chosen)."""
        expect_api_keys(response, "choice")
        if response["choice"] is None:
            return None
        return self._api_choice(data, choice_order, response["choice"], "choice")

    def api_from_stored(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, stored: Any
    ) -> dict[str, Any] | None:
        """The chosen answer as its per-attempt id."""
        order = self._order(data, choice_order)
        if is_whole_number(stored) and stored in order:
            return {"choice": order.index(stored) + 1}
        return None


qtype = SingleChoice()
