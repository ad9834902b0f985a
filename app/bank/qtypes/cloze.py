"""Cloze (多空填空, Moodle's multianswer): a text with several blanks, each graded on its own by
the short-answer, numerical or choice rules and weighted by its mark.

The stored question text holds Moodle's placeholders `{#1}`, `{#2}`…; the data holds the
blanks in order, each in the shape of the type that grades it (``cloze_syntax`` reads and writes
the `{1:SHORTANSWER:=45分钟}` syntax files use). A response maps a blank's number ("1", "2"…)
to what that blank's own type stores. Rendering is in ``cloze_render``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from app.bank.qtypes import cloze_render
from app.bank.qtypes.api import (
    MAX_API_TEXT,
    ResponseRefused,
    api_id,
    expect_api_keys,
    is_whole_number,
)
from app.bank.qtypes.base import (
    ChoiceOrder,
    DataReader,
    Issue,
    QType,
    Rendering,
    clamp_fraction,
    esc,
    read_answer,
)
from app.bank.qtypes.cloze_parts import (
    CHOICE_KINDS,
    SUBTYPES,
    answer_order,
    blank_label,
    blank_problem,
    part,
    sub_data,
)
from app.bank.qtypes.cloze_syntax import (
    DISPLAYS,
    KINDS,
    check_blank,
    join_cloze,
    split_cloze,
)
from app.bank.qtypes.i18n import _, _l

#: the keys a blank of each kind holds besides its kind, mark and answers
_BLANK_KEYS = {
    "shortanswer": ("usecase",),
    "numerical": (),
    "single": ("display", "shuffle"),
    "multiple": ("display", "shuffle"),
}
#: Moodle's question_utils::MARK_TOLERANCE
_MARK_TOLERANCE = 1e-8


class Cloze(QType):
    """Several blanks in one text; the fraction is the mark-weighted mean of theirs (Moodle)."""

    name = "cloze"
    label = _l("Cloze (multiple blanks)")
    help = _l(
        "Write the blanks inside the question text in Moodle's Cloze syntax: "
        "{1:SHORTANSWER:=45 minutes#Right~%50%45} for a typed answer (SAC: case matters), "
        "{1:NUMERICAL:=30:5} for a number with its tolerance, {1:MULTICHOICE:=yes~no} for a "
        "drop-down list (MCV, MCH: buttons; MR, MRH: tick several). The number before the "
        "first colon is the blank's weight; = marks a right answer, %50% half credit, and # "
        "starts the feedback. The question's mark defaults to the sum of the weights."
    )
    form_legend = _l("Blanks")
    answers_in_text = True
    has_parts = True
    api_schema = {
        "type": "object",
        "properties": {
            "blanks": {
                "type": "array",
                "description": "one entry per blank, in order: the text typed (short answer, "
                "numerical), a choice id (single) or a list of choice ids (multiple); null "
                "when not answered",
                "items": {
                    "nullable": True,
                    "anyOf": [
                        {"type": "string"},
                        {"type": "integer", "minimum": 1},
                        {"type": "array", "items": {"type": "integer", "minimum": 1}},
                    ],
                },
            }
        },
        "required": ["blanks"],
        "additionalProperties": False,
    }

    # --- the blanks as data ----------------------------------------------------------------

    def parse_dict(self, d: Mapping[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
        """Read stored data, ``{"blanks": [...]}`` (files write the blanks in the text)."""
        reader = DataReader()
        d = reader.mapping(d, ())
        reader.unknown_keys(d, ("blanks",), ())
        return self.read(reader, d), reader.issues

    def read(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read each blank: its kind, weight, options and answers."""
        blanks = []
        for index, item in reader.items(d, "blanks", ()):
            path = ("blanks", index)
            kind = reader.text(item, "kind", path)
            if kind not in KINDS:
                reader.add(
                    (*path, "kind"),
                    _("'%(key)s' must be one of: %(allowed)s")
                    % {"key": "kind", "allowed": ", ".join(KINDS)},
                )
                continue
            extra = _BLANK_KEYS[kind]
            reader.unknown_keys(item, ("kind", "mark", *extra, "answers"), path)
            blank: dict[str, Any] = {"kind": kind, "mark": reader.integer(item, "mark", path, 1)}
            if kind == "shortanswer":
                blank["usecase"] = reader.boolean(item, "usecase", path, False)
            if kind in CHOICE_KINDS:
                default = "dropdown" if kind == "single" else "vertical"
                blank["display"] = reader.text(item, "display", path, default)
                blank["shuffle"] = reader.boolean(item, "shuffle", path, False)
            tolerance = ("tolerance",) if kind == "numerical" else ()
            answers = []
            for number, answer_item in reader.items(item, "answers", path):
                answer_path = (*path, "answers", number)
                answer = read_answer(reader, answer_item, answer_path, extra_keys=tolerance)
                if tolerance:
                    answer["tolerance"] = reader.number(answer_item, "tolerance", answer_path, 0.0)
                answers.append(answer)
            blank["answers"] = answers
            blanks.append(blank)
        return {"blanks": blanks}

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Nothing: files write the blanks inside the question text (`join_text`)."""
        return {}

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Every blank by Moodle's Cloze rules, and at least one blank with some weight."""
        blanks = data["blanks"]
        issues = [Issue(("blanks",), message) for message in _question_problems(blanks)]
        for index, blank in enumerate(blanks):
            problems = check_blank(blank)
            if blank["mark"] is None or blank["mark"] < 0:
                problems.append(_("the weight cannot be negative"))
            if blank["kind"] in CHOICE_KINDS and not _display_fits(blank):
                problems.append(
                    _("'%(key)s' must be one of: %(allowed)s")
                    % {"key": "display", "allowed": ", ".join(_displays(blank["kind"]))}
                )
            issues += [Issue(("blanks", index), blank_problem(index + 1, p)) for p in problems]
        return issues

    def split_text(
        self, questiontext: str, textformat: str
    ) -> tuple[str, dict[str, Any] | None, list[Issue]]:
        """Read the blanks written in the text; each problem at the line of its blank."""
        text, blanks, problems = split_cloze(questiontext, textformat)
        issues = [Issue(("questiontext", problem.line), problem.message) for problem in problems]
        if not issues:
            issues = [Issue(("questiontext",), m) for m in _question_problems(blanks)]
        return text, {"blanks": blanks}, issues

    def join_text(self, questiontext: str, data: Mapping[str, Any], textformat: str) -> str:
        """The text with each blank written back in Cloze syntax."""
        return join_cloze(questiontext, data.get("blanks", []), textformat)

    def default_mark_for(self, data: Mapping[str, Any]) -> float:
        """Moodle: the sum of the blanks' weights."""
        return float(sum(blank["mark"] for blank in data.get("blanks", [])))

    # --- responses and grading ---------------------------------------------------------------

    def choice_order(
        self, data: Mapping[str, Any], shuffle: bool, rng: random.Random
    ) -> ChoiceOrder:
        """The order of each choice blank's answers: shuffled when the quiz and the blank
        both allow it (the _S types)."""
        orders = {}
        for number, blank in enumerate(data["blanks"], start=1):
            if blank["kind"] in CHOICE_KINDS:
                order = list(range(len(blank["answers"])))
                if shuffle and blank.get("shuffle"):
                    rng.shuffle(order)
                orders[str(number)] = order
        return orders

    def _order(self, data: Mapping[str, Any], order: ChoiceOrder, number: int) -> list[int]:
        return answer_order(data, order, number)

    def read_form(self, data: Mapping[str, Any], form: Any, field_name: str) -> Any:
        """One field per blank, named <field>_b<n>; a multiple-response blank sends a list."""
        raw = {}
        for number, blank in enumerate(data["blanks"], start=1):
            name = f"{field_name}_b{number}"
            if blank["kind"] == "multiple" and hasattr(form, "getlist"):
                raw[str(number)] = form.getlist(name)
            else:
                raw[str(number)] = form.get(name)
        return raw

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> dict[str, Any] | None:
        """Each answered blank stored as its own type stores it; None when none is answered."""
        if not isinstance(raw, Mapping):
            return None
        response = {}
        for number, blank in enumerate(data["blanks"], start=1):
            value = raw.get(str(number))
            if value is None:
                continue
            subtype = SUBTYPES[blank["kind"]]
            order = self._order(data, choice_order, number)
            part = subtype.normalise_response(sub_data(blank), value, order)
            if part is not None:
                response[str(number)] = part
        return response or None

    def part(self, response: Any, number: int) -> Any:
        """What `response` holds for blank `number` (None when it was left empty)."""
        return part(response, number)

    def is_complete_response(self, data: Mapping[str, Any], response: Any) -> bool:
        """Moodle: complete once every blank is answered."""
        return all(
            self.part(response, number) is not None for number in range(1, len(data["blanks"]) + 1)
        )

    def grade_parts(self, data: Mapping[str, Any], response: Any) -> list[float | None]:
        """Each blank's fraction by its own type's rules (an empty blank scores 0)."""
        return [
            SUBTYPES[blank["kind"]].grade(sub_data(blank), self.part(response, number)) or 0.0
            for number, blank in enumerate(data["blanks"], start=1)
        ]

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        """Moodle's multianswer rule: the blanks' fractions weighted by their marks."""
        marks = [blank["mark"] for blank in data["blanks"]]
        total = sum(marks)
        if total <= 0:
            return 0.0
        earned = sum(
            mark * (fraction or 0.0)
            for mark, fraction in zip(marks, self.grade_parts(data, response), strict=True)
        )
        return clamp_fraction(earned / total)

    def random_guess_score(self, data: Mapping[str, Any]) -> float | None:
        """Moodle's multianswer: the blanks' own guess scores added up (unweighted, a missing
        one as 0) over the sum of the weights."""
        total = sum(blank["mark"] for blank in data["blanks"])
        if total <= _MARK_TOLERANCE:
            return None
        guesses = [
            SUBTYPES[blank["kind"]].random_guess_score(sub_data(blank)) or 0.0
            for blank in data["blanks"]
        ]
        return sum(guesses) / total

    def correct_response(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """A right answer for every blank; None if one blank has none (Moodle)."""
        response = {}
        for number, blank in enumerate(data["blanks"], start=1):
            right = SUBTYPES[blank["kind"]].correct_response(sub_data(blank))
            if right is None:
                return None
            response[str(number)] = right
        return response or None

    def summarise_parts(self, data: Mapping[str, Any], response: Any) -> list[str]:
        """Each blank's response as its own type summarises it ("" when left empty)."""
        return [
            SUBTYPES[blank["kind"]].summarise_response(sub_data(blank), answer)
            if (answer := self.part(response, number)) is not None
            else ""
            for number, blank in enumerate(data["blanks"], start=1)
        ]

    def part_label(self, number: int) -> str:
        """A blank by its number: "Blank 2" (第 2 空)."""
        return blank_label(number)

    def summarise_response(self, data: Mapping[str, Any], response: Any) -> str:
        """Moodle's "part 1: …; part 2: …" as "Blank 1: 45; Blank 2: 90"."""
        if not isinstance(response, Mapping):
            return ""
        parts = self.summarise_parts(data, response)
        return "; ".join(
            blank_label(number) + ": " + summary for number, summary in enumerate(parts, start=1)
        )

    def regrade_signature(self, data: Mapping[str, Any], questiontext: str) -> tuple:
        """The type, the text and each blank's kind with the choices it offers."""
        blanks = tuple(
            (
                blank.get("kind"),
                tuple(a.get("text") for a in blank.get("answers", []))
                if blank.get("kind") in CHOICE_KINDS
                else (),
            )
            for blank in data.get("blanks", [])
        )
        return (self.name, questiontext, blanks)

    # --- rendering -----------------------------------------------------------------------

    def answer_html(self, view: Rendering) -> str:
        """The text with an input, a list or buttons in place of each blank."""
        return cloze_render.render(view)

    def review_html(self, view: Rendering) -> str:
        """The text with each blank's response, its mark, feedback and right answer."""
        return cloze_render.render(view)

    def preview_html(self, questiontext: str, textformat: str) -> str:
        """The blanks as staff will see them, what each one takes, and any problem."""
        return cloze_render.preview(questiontext, textformat)

    # --- the API's shape -----------------------------------------------------------------

    def api_view(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, textformat: str
    ) -> dict[str, Any]:
        """The blanks in order ({#n} in the text): type, weight, and the choices of a
        choice blank in displayed order with per-attempt ids."""
        blanks = []
        for number, blank in enumerate(data["blanks"], start=1):
            item: dict[str, Any] = {"id": number, "type": blank["kind"], "mark": blank["mark"]}
            if blank["kind"] in CHOICE_KINDS:
                answers = blank["answers"]
                item["choices"] = [
                    {"id": position + 1, "text": esc(answers[index]["text"])}
                    for position, index in enumerate(self._order(data, choice_order, number))
                ]
            blanks.append(item)
        return {"blanks": blanks}

    def api_to_raw(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, response: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``{"blanks": [...]}``: the field values the page's form would send."""
        expect_api_keys(response, "blanks")
        values = response["blanks"]
        if values is None:
            return {}
        blanks = data["blanks"]
        if not isinstance(values, list):
            raise ResponseRefused("blanks", _("Give a list with one entry per blank."))
        if len(values) > len(blanks):
            raise ResponseRefused(
                "blanks", _("The question has %(n)d blanks.") % {"n": len(blanks)}
            )
        raw: dict[str, Any] = {}
        for index, value in enumerate(values):
            if value is not None:
                number = index + 1
                raw[str(number)] = self._api_part(data, choice_order, number, value)
        return raw

    def _api_part(self, data: Mapping[str, Any], choice_order: ChoiceOrder, number: int, value):
        field = f"blanks.{number - 1}"
        kind = data["blanks"][number - 1]["kind"]
        if kind not in CHOICE_KINDS:
            if not isinstance(value, str):
                raise ResponseRefused(field, _("Give the answer as text."))
            if len(value) > MAX_API_TEXT:
                raise ResponseRefused(
                    field, _("The answer is longer than %(n)d characters.") % {"n": MAX_API_TEXT}
                )
            return value
        count = len(self._order(data, choice_order, number))
        message = _("Give a choice id from 1 to %(n)d.")
        if kind == "single":
            return str(api_id(value, count, field, message) - 1)
        if not isinstance(value, list):
            raise ResponseRefused(field, _("Give a list of choice ids."))
        return [
            str(api_id(choice, count, f"{field}.{i}", message) - 1)
            for i, choice in enumerate(value)
        ]

    def api_from_stored(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, stored: Any
    ) -> dict[str, Any] | None:
        """Each blank's response: its text, or its choices as per-attempt ids."""
        if not isinstance(stored, Mapping):
            return None
        values: list[Any] = []
        for number, blank in enumerate(data["blanks"], start=1):
            part = stored.get(str(number))
            order = self._order(data, choice_order, number)
            if blank["kind"] == "single":
                values.append(order.index(part) + 1 if is_whole_number(part) and part in order
                              else None)  # fmt: skip
            elif blank["kind"] == "multiple":
                chosen = part if isinstance(part, list) else []
                ids = [order.index(i) + 1 for i in chosen if is_whole_number(i) and i in order]
                values.append(sorted(ids) or None)
            else:
                values.append(part if isinstance(part, str) else None)
        return {"blanks": values}


def _displays(kind: str) -> tuple[str, ...]:
    return DISPLAYS if kind == "single" else DISPLAYS[1:]


def _display_fits(blank: Mapping[str, Any]) -> bool:
    return blank.get("display") in _displays(blank["kind"])


def _question_problems(blanks: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the question as a whole: no blank, or no weight at all."""
    if not blanks:
        return [_("a Cloze question needs at least one blank, e.g. {1:SHORTANSWER:=answer}")]
    if sum(blank["mark"] or 0 for blank in blanks) <= 0:
        return [_("the blanks' weights add up to 0: give one a weight of 1 or more")]
    return []


qtype = Cloze()
