"""How a Cloze question looks: its text with a control in place of each blank, for an attempt,
a review and the author's live preview.

Every control is phrasing content (an input, a select, or buttons in a span), so it can sit
inside a paragraph of the sentence; each carries the accessible name "Blank n" (第 n 空). An
attempt's HTML holds the texts of the choices only: never a grade, a feedback or a right answer.
"""

from __future__ import annotations

from typing import Any

from app.bank import richtext
from app.bank.qtypes.base import Rendering, correctness_badge, esc, not_answered_block
from app.bank.qtypes.cloze_parts import (
    SUBTYPES,
    answer_order,
    blank_label,
    part,
    sub_data,
)
from app.bank.qtypes.cloze_syntax import PLACEHOLDER, split_cloze
from app.bank.qtypes.i18n import _

#: the width of a typed blank in characters: the same whatever its answer, so it gives none away
TYPED_SIZES = {"shortanswer": 12, "numerical": 8}


def render(view: Rendering) -> str:
    """The text with its blanks; in review, each blank's mark, feedback and right answer as
    the review options allow, and "Not answered" when nothing was."""
    body = '<div class="answer qtype-cloze">' + _text_with_blanks(view) + "</div>"
    blanks = view.data["blanks"]
    answered = any(part(view.response, n) is not None for n in range(1, len(blanks) + 1))
    if view.is_review and not answered:
        body += not_answered_block()
    return body


def _text_with_blanks(view: Rendering) -> str:
    blanks = view.data["blanks"]
    # Without its text (a caller that does not pass it) the blanks are shown one after another.
    text = view.questiontext or " ".join(f"{{#{n}}}" for n in range(1, len(blanks) + 1))
    placed: set[int] = set()

    def control(match) -> str:
        number = int(match.group(1))
        if not 1 <= number <= len(blanks) or number in placed:
            return match.group()
        placed.add(number)
        return _blank_html(view, number)

    html = PLACEHOLDER.sub(control, richtext.render(text, view.textformat))
    missing = [n for n in range(1, len(blanks) + 1) if n not in placed]
    if missing:  # a placeholder the text format swallowed (e.g. inside a link): still answerable
        html += "<p>" + " ".join(_blank_html(view, n) for n in missing) + "</p>"
    return html


def _blank_html(view: Rendering, number: int) -> str:
    blank = view.data["blanks"][number - 1]
    name = f"{view.field_name}_b{number}"
    label = blank_label(number)
    answered = part(view.response, number)
    disabled = " disabled" if view.is_review else ""
    if blank["kind"] in TYPED_SIZES:
        control = _typed(blank, name, label, answered, disabled)
    elif blank["kind"] == "single" and blank.get("display", "dropdown") == "dropdown":
        control = _select(view, blank, number, name, label, answered, disabled)
    else:
        control = _buttons(view, blank, number, name, label, answered, disabled)
    if view.is_review:
        control += _marks(view, blank, answered)
    return '<span class="cloze-blank">' + control + "</span>"


def _typed(blank: dict[str, Any], name: str, label: str, answered: Any, disabled: str) -> str:
    attrs = [
        'type="text"',
        'class="form-control form-control-sm d-inline-block w-auto align-baseline"',
        f'name="{esc(name)}"',
        f'id="{esc(name)}"',
        f'value="{esc(answered if isinstance(answered, str) else "")}"',
        f'size="{TYPED_SIZES[blank["kind"]]}"',
        'autocomplete="off"',
        'spellcheck="false"',
        f'aria-label="{esc(label)}"',
    ]
    if blank["kind"] == "numerical":
        attrs.append('inputmode="decimal"')
    return "<input " + " ".join(attrs) + disabled + ">"


def _select(view, blank, number, name, label, answered, disabled) -> str:
    options = ['<option value=""></option>']
    chosen = _indexes(blank, answered)
    for position, index in enumerate(answer_order(view.data, view.order, number)):
        selected = " selected" if index in chosen else ""
        text = esc(blank["answers"][index]["text"])
        options.append(f'<option value="{position}"{selected}>{text}</option>')
    return (
        '<select class="form-select form-select-sm d-inline-block w-auto align-baseline"'
        f' name="{esc(name)}" id="{esc(name)}" aria-label="{esc(label)}"{disabled}>'
        + "".join(options)
        + "</select>"
    )


def _buttons(view, blank, number, name, label, answered, disabled) -> str:
    is_single = blank["kind"] == "single"
    chosen = set(_indexes(blank, answered))
    horizontal = blank.get("display") == "horizontal"
    items = []
    for position, index in enumerate(answer_order(view.data, view.order, number)):
        input_id = f"{name}-{position}"
        checked = " checked" if index in chosen else ""
        items.append(
            '<span class="form-check mb-0' + (" form-check-inline" if horizontal else "") + '">'
            f'<input class="form-check-input" type="{"radio" if is_single else "checkbox"}"'
            f' name="{esc(name)}" id="{esc(input_id)}" value="{position}"{checked}{disabled}>'
            f'<label class="form-check-label" for="{esc(input_id)}">'
            + esc(blank["answers"][index]["text"])
            + "</label></span>"
        )
    layout = "flex-row flex-wrap align-baseline" if horizontal else "flex-column align-middle"
    return (
        f'<span class="cloze-choices d-inline-flex {layout} border rounded px-2 py-1"'
        f' role="{"radiogroup" if is_single else "group"}" id="{esc(name)}"'
        f' aria-label="{esc(label)}">' + "".join(items) + "</span>"
    )


def _marks(view: Rendering, blank: dict[str, Any], answered: Any) -> str:
    """A blank's review: right or wrong, its feedback and its right answer, when allowed."""
    subtype, data = SUBTYPES[blank["kind"]], sub_data(blank)
    out = ""
    if view.show_correct:
        if answered is None:
            out += '<span class="badge text-bg-secondary ms-2">' + esc(_("Not answered"))
            out += "</span>"
        else:
            out += correctness_badge(subtype.grade(data, answered))
    if view.show_feedback and answered is not None:
        for feedback in _feedback_of(subtype, data, blank, answered):
            out += (
                '<span class="feedback small text-body-secondary ms-1">'
                + richtext.render_inline(feedback, view.textformat)
                + "</span>"
            )
    if view.show_correct:
        right = _answer_text(blank, subtype.correct_response(data))
        if right:
            out += (
                '<span class="rightanswer small text-success ms-1">'
                + esc(_("The correct answer is:"))
                + " "
                + esc(right)
                + "</span>"
            )
    return out


def _indexes(blank: dict[str, Any], part: Any) -> list[int]:
    """The answers a choice blank's stored part chose (anything else chooses none)."""
    values = part if isinstance(part, list) and blank["kind"] == "multiple" else [part]
    return [
        i
        for i in values
        if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(blank["answers"])
    ]


def _feedback_of(subtype, data: dict[str, Any], blank: dict[str, Any], part: Any) -> list[str]:
    answers = blank["answers"]
    if blank["kind"] in ("single", "multiple"):
        indexes = _indexes(blank, part)
    else:
        index = subtype.matching_answer(data, part)
        indexes = [] if index is None else [index]
    return [answers[i]["feedback"] for i in indexes if answers[i].get("feedback", "").strip()]


def _answer_text(blank: dict[str, Any], right: Any) -> str:
    """A right response of a blank as its text."""
    answers = blank["answers"]
    if right is None:
        return ""
    if blank["kind"] == "single":
        return answers[right]["text"]
    if blank["kind"] == "multiple":
        return ", ".join(answers[i]["text"] for i in right)
    return str(right)


def preview(questiontext: str, textformat: str) -> str:
    """The author's preview: the problems of the blanks if any, else the text as staff will
    see it and, under it, what each blank takes."""
    text, blanks, problems = split_cloze(questiontext, textformat)
    if problems:
        items = "".join(
            "<li>"
            + esc(_("line %(n)d: %(problem)s") % {"n": p.line + 1, "problem": p.message})
            + "</li>"
            for p in problems
        )
        return (
            '<ul class="text-danger small mb-2" data-testid="cloze-problems">'
            + items
            + "</ul>"
            + richtext.render(questiontext, textformat)
        )
    if not blanks:
        return richtext.render(questiontext, textformat) + (
            '<p class="small text-body-secondary mb-0">'
            + esc(_("No blank yet: write one such as {1:SHORTANSWER:=answer}."))
            + "</p>"
        )
    view = Rendering({"blanks": blanks}, None, None, "preview", textformat, True, questiontext=text)
    rows = []
    for number, blank in enumerate(blanks, start=1):
        subtype = SUBTYPES[blank["kind"]]
        right = _answer_text(blank, subtype.correct_response(sub_data(blank)))
        rows.append(
            "<li>"
            + esc(blank_label(number))
            + " · "
            + esc(str(subtype.label))
            + " · "
            + esc(_("weight %(n)d") % {"n": blank["mark"]})
            + " · "
            + esc(_("The correct answer is:"))
            + " "
            + esc(right)
            + "</li>"
        )
    return (
        _text_with_blanks(view)
        + '<ol class="small text-body-secondary mt-2 mb-0" data-testid="cloze-key">'
        + "".join(rows)
        + "</ol>"
    )
