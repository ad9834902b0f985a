"""True/false: the learner says whether a statement is true."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from app.bank.qtypes._choice import group_legend
from app.bank.qtypes.api import ResponseRefused, expect_api_keys
from app.bank.qtypes.base import (
    ChoiceOrder,
    DataReader,
    Issue,
    QType,
    Rendering,
    correctness_badge,
    esc,
    feedback_block,
    not_answered_block,
    right_answer_block,
)
from app.bank.qtypes.i18n import _, _l

_TRUE_VALUES = {"1", "true", "t", "yes", "on"}
_FALSE_VALUES = {"0", "false", "f", "no", "off"}


class TrueFalse(QType):
    """`correct` is the right answer; truefeedback goes to whoever answers True, falsefeedback to
    whoever answers False (Moodle's feedbacktrue/feedbackfalse)."""

    name = "truefalse"
    label = _l("True/false")
    help = _l("Staff say whether the statement is true. Choose the right answer.")
    form_legend = _l("The right answer")
    form_layout = (("correct",), ("truefeedback", "falsefeedback"))
    api_schema = {
        "type": "object",
        "properties": {"value": {"type": "boolean", "nullable": True}},
        "required": ["value"],
        "additionalProperties": False,
    }
    default_penalty = 1.0  # Moodle forces penalty 1: a second try on true/false proves nothing
    keys = ("correct", "truefeedback", "falsefeedback")
    #: the JSON export writes the two Moodle answers instead; both shapes are read
    export_keys = ("answers",)

    def parse_dict(self, d: Mapping[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
        """Read either `correct`/truefeedback/falsefeedback or the exported two `answers`."""
        reader = DataReader()
        d = reader.mapping(d, ())
        if "answers" in d:
            reader.unknown_keys(d, self.export_keys, ())
            return self._read_answers(reader, d), reader.issues
        reader.unknown_keys(d, self.keys, ())
        if "correct" not in d:
            reader.add((), _("say which answer is right with 'correct: true' or 'correct: false'"))
        data = {
            "correct": reader.boolean(d, "correct", (), True),
            "truefeedback": reader.text(d, "truefeedback", ()),
            "falsefeedback": reader.text(d, "falsefeedback", ()),
        }
        return data, reader.issues

    def _read_answers(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Exported shape: [{text: "true", fraction, feedback}, {text: "false", ...}]."""
        found: dict[str, tuple[float, str]] = {}
        for index, item in reader.items(d, "answers", ()):
            path = ("answers", index)
            reader.unknown_keys(item, ("text", "fraction", "feedback"), path)
            text = reader.text(item, "text", path).strip().lower()
            fraction = reader.number(item, "fraction", path, 0.0)
            if text not in ("true", "false") or text in found:
                reader.add((*path, "text"), _("the answers must be exactly 'true' and 'false'"))
                continue
            if fraction not in (0, 1):
                reader.add((*path, "fraction"), _("a true/false answer has fraction 1 or 0"))
            found[text] = (fraction, reader.text(item, "feedback", path))
        if set(found) != {"true", "false"}:
            reader.add(("answers",), _("the answers must be exactly 'true' and 'false'"))
        elif found["true"][0] == found["false"][0]:
            reader.add(("answers",), _("exactly one of 'true' and 'false' has fraction 1"))
        return {
            "correct": found.get("true", (1.0, ""))[0] == 1,
            "truefeedback": found.get("true", (0.0, ""))[1],
            "falsefeedback": found.get("false", (0.0, ""))[1],
        }

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write `correct` and the two feedbacks."""
        return {
            "correct": bool(data["correct"]),
            "truefeedback": data.get("truefeedback", ""),
            "falsefeedback": data.get("falsefeedback", ""),
        }

    def export_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write Moodle's two answers: true then false, the right one with fraction 1."""
        correct = bool(data["correct"])
        return {
            "answers": [
                {
                    "text": "true",
                    "fraction": 1 if correct else 0,
                    "feedback": data.get("truefeedback", ""),
                },
                {
                    "text": "false",
                    "fraction": 0 if correct else 1,
                    "feedback": data.get("falsefeedback", ""),
                },
            ]
        }

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> bool | None:
        """Accept booleans, 1/0 and true/false words; anything else is "not answered"."""
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, (list, tuple)):
            raw = raw[0] if raw else None
        if raw is None:
            return None
        value = str(raw).strip().lower()
        if value in _TRUE_VALUES:
            return True
        if value in _FALSE_VALUES:
            return False
        return None

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        """1 when the response equals the right answer, else 0."""
        if not isinstance(response, bool):
            return 0.0
        return 1.0 if response == bool(data["correct"]) else 0.0

    def random_guess_score(self, data: Mapping[str, Any]) -> float:
        """One chance in two."""
        return 0.5

    def correct_response(self, data: Mapping[str, Any]) -> bool:
        """The right answer."""
        return bool(data["correct"])

    def summarise_response(self, data: Mapping[str, Any], response: Any) -> str:
        """ "True" or "False"."""
        if not isinstance(response, bool):
            return ""
        return _("True") if response else _("False")

    def choice_order(
        self, data: Mapping[str, Any], shuffle: bool, rng: random.Random
    ) -> ChoiceOrder:
        """True always comes first, as in Moodle."""
        return []

    def answer_html(self, view: Rendering) -> str:
        """Two radio buttons, True then False."""
        return self._render(view)

    def review_html(self, view: Rendering) -> str:
        """The chosen button, its mark and the feedback written for that choice."""
        body = self._render(view)
        if not isinstance(view.response, bool):
            body += not_answered_block()
        if view.show_correct:
            right = _("True") if view.data["correct"] else _("False")
            body += right_answer_block(_("The correct answer is:"), esc(right))
        return body

    def _render(self, view: Rendering) -> str:
        data, response, field_name = view.data, view.response, view.field_name
        parts = [
            '<fieldset class="answer qtype-truefalse">',
            group_legend(view, _("Select one:")),
        ]
        for value, label in ((True, _("True")), (False, _("False"))):
            input_id = f"{field_name}-{'true' if value else 'false'}"
            attrs = [
                'class="form-check-input"',
                'type="radio"',
                f'name="{esc(field_name)}"',
                f'id="{esc(input_id)}"',
                f'value="{1 if value else 0}"',
            ]
            if response is value:
                attrs.append("checked")
            extra = ""
            if view.is_review:
                attrs.append("disabled")
                if response is value:
                    if view.show_correct:
                        extra += correctness_badge(self.grade(data, response))
                    if view.show_feedback:
                        feedback = data["truefeedback"] if value else data["falsefeedback"]
                        extra += feedback_block(feedback, view.textformat)
            parts.append(
                '<div class="form-check">'
                f"<input {' '.join(attrs)}>"
                f'<label class="form-check-label" for="{esc(input_id)}">{esc(label)}</label>'
                + extra
                + "</div>"
            )
        parts.append("</fieldset>")
        return "".join(parts)

    def api_to_raw(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, response: Mapping[str, Any]
    ) -> bool | None:
        """``{"value": true | false | null}``."""
        expect_api_keys(response, "value")
        value = response["value"]
        if value is not None and not isinstance(value, bool):
            raise ResponseRefused("value", _("Give true or false."))
        return value

    def api_from_stored(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, stored: Any
    ) -> dict[str, Any] | None:
        """The answer given, true or false."""
        return {"value": stored} if isinstance(stored, bool) else None


qtype = TrueFalse()
