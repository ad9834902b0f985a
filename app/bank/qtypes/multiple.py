"""Multiple choice: any number of answers chosen (Moodle multichoice with single = 0)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.bank.qtypes._choice import ChoiceQType, answer_indexes
from app.bank.qtypes.api import ResponseRefused, expect_api_keys, is_whole_number
from app.bank.qtypes.base import (
    ChoiceOrder,
    Issue,
    clamp_fraction,
)
from app.bank.qtypes.i18n import _, _l


class MultipleChoice(ChoiceQType):
    """The fractions of the chosen answers add up; the total is kept between 0 and 1."""

    name = "multiple"
    label = _l("Multiple choice")
    help = _l(
        "Staff tick any number of answers. The positive grades must add up to 100%; give "
        "wrong answers negative grades so that ticking everything does not pay."
    )
    input_type = "checkbox"
    api_schema = {
        "type": "object",
        "properties": {"choices": {"type": "array", "items": {"type": "integer", "minimum": 1}}},
        "required": ["choices"],
        "additionalProperties": False,
    }

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Moodle: the positive fractions must add up to 100% (compared at 2 decimals)."""
        issues = super().check(data)
        positive = round(sum(a["fraction"] for a in data["answers"] if a["fraction"] > 0), 2)
        if data["answers"] and positive != 1:
            issues.append(
                Issue(
                    ("answers",),
                    _("the positive fractions must add up to 1 (100%%); they add up to %(f)s")
                    % {"f": positive},
                )
            )
        return issues

    def _fraction_of(self, answer: Mapping[str, Any]) -> float:
        """Moodle marks each ticked choice right when its fraction is positive."""
        return 1.0 if answer["fraction"] > 0 else 0.0

    def read_form(self, data: Mapping[str, Any], form: Any, field_name: str) -> Any:
        """Checkboxes submit one value per ticked box."""
        if hasattr(form, "getlist"):
            return form.getlist(field_name)
        return form.get(field_name)

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> list[int] | None:
        """Map ticked positions back to sorted answer indexes (None when nothing is ticked)."""
        order = self._order(data, choice_order)
        chosen = sorted({order[p] for p in self._positions(raw) if 0 <= p < len(order)})
        return chosen or None

    def _chosen(self, data: Mapping[str, Any], response: Any) -> set[int]:
        if not isinstance(response, (list, tuple)):
            return set()
        return set(answer_indexes(response, len(data["answers"])))

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        """Sum of the chosen answers' fractions, floored at 0 and capped at 1."""
        answers = data["answers"]
        total = sum(float(answers[i]["fraction"]) for i in self._chosen(data, response))
        return clamp_fraction(total)

    def random_guess_score(self, data: Mapping[str, Any]) -> None:
        """Moodle does not compute one for multiple-response questions."""
        return None

    def correct_response(self, data: Mapping[str, Any]) -> list[int] | None:
        """Every answer with a positive fraction (Moodle's get_correct_response)."""
        return [i for i, a in enumerate(data["answers"]) if a["fraction"] > 0] or None

    def _right_answers(self, data: Mapping[str, Any]) -> list[int]:
        return self.correct_response(data) or []

    def api_to_raw(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, response: Mapping[str, Any]
    ) -> list[int]:
        """``{"choices": [id, ...]}``: the positions of the ticked choices."""
        expect_api_keys(response, "choices")
        chosen = response["choices"]
        if chosen is None:
            return []
        if not isinstance(chosen, list):
            raise ResponseRefused("choices", _("Give a list of choice ids."))
        return [
            self._api_choice(data, choice_order, choice, f"choices.{index}")
            for index, choice in enumerate(chosen)
        ]

    def api_from_stored(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, stored: Any
    ) -> dict[str, Any] | None:
        """The ticked answers as their per-attempt ids, ascending."""
        order = self._order(data, choice_order)
        if not isinstance(stored, list):
            return None
        return {
            "choices": sorted(
                order.index(i) + 1 for i in stored if is_whole_number(i) and i in order
            )
        }


qtype = MultipleChoice()
