"""Short answer: a typed word or phrase compared with accepted answers, `*` as wildcard."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from app.bank.qtypes.base import (
    FRACTION_TOLERANCE,
    ChoiceOrder,
    DataReader,
    Issue,
    QType,
    check_answer_texts,
    check_fractions,
    clamp_fraction,
    correctness_badge,
    esc,
    feedback_block,
    not_answered_block,
    read_answer,
    review_name,
    right_answer_block,
    write_answer,
)
from app.bank.qtypes.i18n import _

# A run of asterisks not preceded by a backslash is one wildcard (Moodle: '/(?<!\\\\)\*+/').
_WILDCARD_RUN = re.compile(r"(?<!\\)\*+")
_ONE_WILDCARD = re.compile(r"(?<!\\)\*")


def matches_pattern(response: str, pattern: str, *, usecase: bool) -> bool:
    """Tell whether `response` matches an accepted answer, as Moodle's
    compare_string_with_wildcard does: `*` matches any run of characters, `\\*` is a literal
    asterisk, the response is trimmed, case is ignored unless `usecase`."""
    response = unicodedata.normalize("NFC", response).strip()
    pattern = unicodedata.normalize("NFC", pattern).strip()
    bits = [re.escape(bit.replace("\\*", "*")) for bit in _WILDCARD_RUN.split(pattern)]
    flags = 0 if usecase else re.IGNORECASE
    # Moodle's PCRE pattern has no /s flag, so a wildcard does not cross a line break either.
    return re.fullmatch(".*".join(bits), response, flags) is not None


def clean_answer(pattern: str) -> str:
    """Turn an accepted-answer pattern into something showable: wildcards become spaces."""
    bits = [bit.replace("\\*", "*") for bit in _ONE_WILDCARD.split(pattern)]
    return " ".join(bits).strip()


class ShortAnswer(QType):
    """The first accepted answer (in the order written) that matches decides the fraction."""

    name = "shortanswer"
    keys = ("usecase", "answers")

    def read(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read case sensitivity and the accepted answers."""
        return {
            "usecase": reader.boolean(d, "usecase", (), False),
            "answers": [
                read_answer(reader, item, ("answers", index))
                for index, item in reader.items(d, "answers", ())
            ],
        }

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write case sensitivity and the accepted answers."""
        return {
            "usecase": bool(data["usecase"]),
            "answers": [write_answer(answer) for answer in data["answers"]],
        }

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Moodle: at least one answer, one of them worth 100%, grades from the option list."""
        answers = data["answers"]
        issues = check_answer_texts(answers)
        if not answers:
            issues.append(Issue(("answers",), _("give at least 1 answer")))
        elif not any(abs(a["fraction"] - 1) <= FRACTION_TOLERANCE for a in answers):
            issues.append(Issue(("answers",), _("one of the answers must have fraction 1 (100%)")))
        issues.extend(check_fractions(answers, allow_negative=False))
        return issues

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> str | None:
        """Keep the text as typed (grading trims it); blank means not answered."""
        if isinstance(raw, (list, tuple)):
            raw = raw[0] if raw else None
        if raw is None or isinstance(raw, bool):
            return None
        text = str(raw)
        return text if text.strip() else None

    def matching_answer(self, data: Mapping[str, Any], response: Any) -> int | None:
        """Index of the first accepted answer that `response` matches."""
        if not isinstance(response, str) or not response.strip():
            return None  # Moodle: a blank response is not gradable, even against '*'
        for index, answer in enumerate(data["answers"]):
            if matches_pattern(response, answer["text"], usecase=bool(data["usecase"])):
                return index
        return None

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        """The fraction of the first matching answer; 0 when none matches."""
        index = self.matching_answer(data, response)
        if index is None:
            return 0.0
        return clamp_fraction(float(data["answers"][index]["fraction"]))

    def random_guess_score(self, data: Mapping[str, Any]) -> float:
        """Moodle: the fraction of a bare `*` answer, if there is one."""
        for answer in data["answers"]:
            if answer["text"].strip() == "*":
                return float(answer["fraction"])
        return 0.0

    def correct_response(self, data: Mapping[str, Any]) -> str | None:
        """The first 100% answer with its wildcards blanked out."""
        for answer in data["answers"]:
            if abs(answer["fraction"] - 1) <= FRACTION_TOLERANCE:
                return clean_answer(answer["text"])
        return None

    def summarise_response(self, data: Mapping[str, Any], response: Any) -> str:
        """The text as typed."""
        return response if isinstance(response, str) else ""

    def render_answer(
        self,
        data: Mapping[str, Any],
        response: Any,
        choice_order: ChoiceOrder,
        field_name: str,
        *,
        textformat: str = "markdown",
    ) -> str:
        """One text box holding the learner's own text."""
        return text_input(self.name, field_name, response, disabled=False)

    def render_review(
        self,
        data: Mapping[str, Any],
        response: Any,
        choice_order: ChoiceOrder,
        show_correct: bool,
        show_feedback: bool,
        *,
        textformat: str = "markdown",
        field_name: str | None = None,
    ) -> str:
        """The text typed, its mark, the matching answer's feedback and a right answer."""
        body = text_input(self.name, review_name(field_name), response, disabled=True)
        index = self.matching_answer(data, response)
        if not isinstance(response, str) or not response.strip():
            body += not_answered_block()
        elif show_correct:
            body += correctness_badge(self.grade(data, response))
        if show_feedback and index is not None:
            answer = data["answers"][index]
            body += feedback_block(answer["feedback"], answer.get("feedbackformat") or textformat)
        if show_correct:
            right = self.correct_response(data)
            if right:
                body += right_answer_block(_("The correct answer is:"), esc(right))
        return body


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


qtype = ShortAnswer()
