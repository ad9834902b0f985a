"""Multiple choice: any number of answers chosen (Moodle multichoice with single = 0)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.bank.qtypes._choice import ChoiceQType, answer_indexes
from app.bank.qtypes.base import ChoiceOrder, Issue, clamp_fraction
from app.bank.qtypes.i18n import _


class MultipleChoice(ChoiceQType):
    """The fractions of the chosen answers add up; the total is kept between 0 and 1."""

    name = "multiple"
    input_type = "checkbox"

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


qtype = MultipleChoice()
