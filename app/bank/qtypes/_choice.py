"""What single and multiple choice share: answers, shuffling, numbering and rendering."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from app.bank import richtext
from app.bank.qtypes.api import api_id
from app.bank.qtypes.base import (
    ChoiceOrder,
    DataReader,
    Issue,
    QType,
    Rendering,
    check_answer_texts,
    check_fractions,
    correctness_badge,
    esc,
    feedback_block,
    not_answered_block,
    permutation_or_identity,
    read_answer,
    right_answer_block,
    write_answer,
)
from app.bank.qtypes.i18n import _

ANSWER_NUMBERINGS = ("abc", "ABCD", "123", "iii", "IIII", "none")
_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def number_label(position: int, style: str) -> str:
    """Return the label Moodle puts before choice `position` (0-based), e.g. "b. "."""
    n = position + 1
    if style == "abc":
        label = _letters(n).lower()
    elif style == "ABCD":
        label = _letters(n)
    elif style == "123":
        label = str(n)
    elif style == "iii":
        label = _roman(n)
    elif style == "IIII":
        label = _roman(n).upper()
    else:
        return ""
    return label + ". "


def _letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (spreadsheet style, so long lists stay distinct)."""
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def _roman(n: int) -> str:
    """Lower-case Roman numeral of n."""
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out += letters
            n -= value
    return out


def group_legend(view: Rendering, prompt: str) -> str:
    """The legend of a group of choices: the question it answers (for screen readers, when the
    page says which) and the prompt ("Select one:")."""
    named = (
        '<span class="visually-hidden">' + esc(view.question_label) + " </span>"
        if view.question_label
        else ""
    )
    return '<legend class="form-label fs-6">' + named + esc(prompt) + "</legend>"


class ChoiceQType(QType):
    """Base of single and multiple choice (Moodle's multichoice with single = 1 or 0)."""

    has_combined_feedback = True
    keys = ("shuffleanswers", "answernumbering", "shownumcorrect", "answers")
    form_layout = (("answers",), ("shuffleanswers", "answernumbering", "shownumcorrect"))
    allow_negative = True
    input_type = "radio"

    def read(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read shuffle, numbering and the answers."""
        numbering = reader.text(d, "answernumbering", (), "abc")
        if numbering not in ANSWER_NUMBERINGS:
            reader.add(
                ("answernumbering",),
                _("'answernumbering' must be one of: %(allowed)s")
                % {"allowed": ", ".join(ANSWER_NUMBERINGS)},
            )
            numbering = "abc"
        return {
            "shuffleanswers": reader.boolean(d, "shuffleanswers", (), True),
            "answernumbering": numbering,
            "shownumcorrect": reader.boolean(d, "shownumcorrect", (), False),
            "answers": [
                read_answer(reader, item, ("answers", index))
                for index, item in reader.items(d, "answers", ())
            ],
        }

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write shuffle, numbering and the answers."""
        return {
            "shuffleanswers": data["shuffleanswers"],
            "answernumbering": data["answernumbering"],
            "shownumcorrect": data.get("shownumcorrect", False),
            "answers": [write_answer(answer) for answer in data["answers"]],
        }

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Moodle's rules shared by both: at least two answers, each with text and a valid grade."""
        answers = data["answers"]
        issues = check_answer_texts(answers)
        if len(answers) < 2:
            issues.append(Issue(("answers",), _("give at least 2 answers")))
        issues.extend(check_fractions(answers, allow_negative=self.allow_negative))
        return issues

    def choice_order(
        self, data: Mapping[str, Any], shuffle: bool, rng: random.Random
    ) -> ChoiceOrder:
        """Shuffle only when both the quiz and the question allow it (as Moodle does)."""
        order = list(range(len(data["answers"])))
        if shuffle and data.get("shuffleanswers", True):
            rng.shuffle(order)
        return order

    def _order(self, data: Mapping[str, Any], choice_order: ChoiceOrder) -> list[int]:
        return permutation_or_identity(choice_order, len(data["answers"]))

    def _positions(self, raw: Any) -> list[int]:
        """Form values are positions in the shown order, never answer indexes (no leaks)."""
        values = raw if isinstance(raw, (list, tuple)) else [raw]
        positions = []
        for value in values:
            if isinstance(value, bool):
                continue
            try:
                positions.append(int(str(value).strip()))
            except ValueError:
                continue
        return positions

    def _chosen(self, data: Mapping[str, Any], response: Any) -> set[int]:
        raise NotImplementedError

    def _fraction_of(self, answer: Mapping[str, Any]) -> float:
        return float(answer["fraction"])

    def _right_answers(self, data: Mapping[str, Any]) -> list[int]:
        raise NotImplementedError

    def summarise_response(self, data: Mapping[str, Any], response: Any) -> str:
        """Return the chosen answers' plain text, in the authored order."""
        answers = data["answers"]
        return "; ".join(
            richtext.to_plain(answers[index]["text"], answers[index].get("format") or "plain")
            for index in sorted(self._chosen(data, response))
        )

    def _choice_label(
        self, data: Mapping[str, Any], index: int, position: int, textformat: str
    ) -> str:
        answer = data["answers"][index]
        numbering = number_label(position, data.get("answernumbering", "abc"))
        number_html = (
            '<span class="answernumber">' + esc(numbering) + "</span>" if numbering else ""
        )
        return number_html + richtext.render_inline(
            answer["text"], answer.get("format") or textformat
        )

    def answer_html(self, view: Rendering) -> str:
        """Radio buttons or checkboxes in the frozen order; values are positions only."""
        return self._render(view)

    def review_html(self, view: Rendering) -> str:
        """Disabled choices; marks, feedback of chosen answers and the right answer on request."""
        body = self._render(view)
        if not self._chosen(view.data, view.response):
            body += not_answered_block()
        if view.show_correct:
            answers = view.data["answers"]
            right = [
                richtext.render_inline(
                    answers[i]["text"], answers[i].get("format") or view.textformat
                )
                for i in self._right_answers(view.data)
            ]
            label = (
                _("The correct answer is:") if len(right) == 1 else _("The correct answers are:")
            )
            body += right_answer_block(label, ", ".join(right))
        return body

    def _render(self, view: Rendering) -> str:
        data, field_name, textformat = view.data, view.field_name, view.textformat
        chosen = self._chosen(data, view.response)
        prompt = _("Select one:") if self.input_type == "radio" else _("Select one or more:")
        parts = [
            f'<fieldset class="answer qtype-{esc(self.name)}">',
            group_legend(view, prompt),
        ]
        for position, index in enumerate(self._order(data, view.order)):
            input_id = f"{field_name}-{position}"
            attrs = [
                'class="form-check-input"',
                f'type="{self.input_type}"',
                f'name="{esc(field_name)}"',
                f'id="{esc(input_id)}"',
                f'value="{position}"',
            ]
            if index in chosen:
                attrs.append("checked")
            if view.is_review:
                attrs.append("disabled")
            extra = ""
            if view.is_review and index in chosen:
                answer = data["answers"][index]
                if view.show_correct:
                    extra += correctness_badge(self._fraction_of(answer))
                if view.show_feedback:
                    extra += feedback_block(
                        answer.get("feedback", ""), answer.get("feedbackformat") or textformat
                    )
            parts.append(
                '<div class="form-check">'
                f"<input {' '.join(attrs)}>"
                f'<label class="form-check-label" for="{esc(input_id)}">'
                + self._choice_label(data, index, position, textformat)
                + "</label>"
                + extra
                + "</div>"
            )
        parts.append("</fieldset>")
        return "".join(parts)

    def regrade_signature(self, data: Mapping[str, Any], questiontext: str) -> tuple:
        """The type, the text and the answers' texts in authored order."""
        return (self.name, questiontext, tuple(a.get("text") for a in data.get("answers", [])))

    def api_view(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, textformat: str
    ) -> dict[str, Any]:
        """The choices in displayed order, each with its per-attempt id and HTML."""
        answers = data["answers"]
        return {
            "choices": [
                {
                    "id": position + 1,
                    "text": richtext.render_inline(
                        answers[index]["text"], answers[index].get("format") or textformat
                    ),
                }
                for position, index in enumerate(self._order(data, choice_order))
            ]
        }

    def _api_choice(self, data: Mapping[str, Any], choice_order: ChoiceOrder, value, field: str):
        """A choice id sent to the API, as the position the page's form would send."""
        count = len(self._order(data, choice_order))
        return api_id(value, count, field, _("Give a choice id from 1 to %(n)d.")) - 1


def answer_indexes(values: Sequence[int], size: int) -> list[int]:
    """Keep the valid, distinct answer indexes of `values`, sorted."""
    return sorted(
        {v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < size}
    )
