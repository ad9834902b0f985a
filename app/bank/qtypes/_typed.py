"""What short answer and numerical share: one text box, graded against a list of answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.bank.qtypes.base import (
    QType,
    Rendering,
    correctness_badge,
    esc,
    feedback_block,
    not_answered_block,
    right_answer_block,
)
from app.bank.qtypes.i18n import _


def text_input(qtype_name: str, field_name: str, response: Any, *, disabled: bool) -> str:
    """A Bootstrap text box for short typed answers."""
    value = response if isinstance(response, str) else ""
    attrs = [
        'type="text"',
        'class="form-control"',
        f'name="{esc(field_name)}"',
        f'id="{esc(field_name)}"',
        f'value="{esc(value)}"',
        'autocomplete="off"',
        'spellcheck="false"',
        'aria-label="' + esc(_("Answer")) + '"',
    ]
    if disabled:
        attrs.append("disabled")
    return f'<div class="answer qtype-{esc(qtype_name)}"><input {" ".join(attrs)}></div>'


class TypedAnswerQType(QType):
    """Base of the types answered in one text box: the first answer that matches decides."""

    def matching_answer(self, data: Mapping[str, Any], response: Any) -> int | None:
        """Index of the first answer that `response` matches, None when none does."""
        raise NotImplementedError

    def summarise_response(self, data: Mapping[str, Any], response: Any) -> str:
        """The text as typed."""
        return response if isinstance(response, str) else ""

    def answer_html(self, view: Rendering) -> str:
        """One text box holding the learner's own text."""
        return text_input(self.name, view.field_name, view.response, disabled=False)

    def review_html(self, view: Rendering) -> str:
        """The text typed, its mark, the matching answer's feedback and a right answer."""
        data, response = view.data, view.response
        body = text_input(self.name, view.field_name, response, disabled=True)
        index = self.matching_answer(data, response)
        if not isinstance(response, str) or not response.strip():
            body += not_answered_block()
        elif view.show_correct:
            body += correctness_badge(self.grade(data, response))
        if view.show_feedback and index is not None:
            answer = data["answers"][index]
            body += feedback_block(
                answer["feedback"], answer.get("feedbackformat") or view.textformat
            )
        if view.show_correct:
            right = self.correct_response(data)
            if right:
                body += right_answer_block(_("The correct answer is:"), esc(right))
        return body
