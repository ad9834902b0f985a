"""Moodle's Cloze syntax for embedded answers: reading `{2:NUMERICAL:=45:5#对}` blanks out of a
question text and writing them back.

Every format that carries a Cloze question (Moodle XML, Moodle's Cloze text files, the YAML
bank, JSON, Excel and the authoring form) writes the blanks inside the question text; inside
SkillGrid the text keeps Moodle's placeholders `{#1}`, `{#2}`… and the blanks are the type's
data. Read as Moodle's qtype_multianswer_extract_question does, with one difference: a blank
that Moodle would silently leave in the text (an unknown type, a missing `}`, an empty answer)
is a problem on its line here. Pure: no Flask.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.bank.qtypes.i18n import _
from app.bank.qtypes.numerical import is_decimal

#: where a blank goes in the stored question text (Moodle's own placeholder)
PLACEHOLDER = re.compile(r"\{#(\d+)\}")
#: the start of an embedded answer: {weight:TYPE:
_START = re.compile(r"\{(\d*):([A-Za-z_]+):")
_GRADE = re.compile(r"%(-?[0-9]+(?:[.,][0-9]*)?)%")
_BAD_GRADE = re.compile(r"%([^%~#}\n]*)%")
_NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMERIC_ANSWER = re.compile(rf"^({_NUMBER})(?::({_NUMBER}))?$")
#: characters a backslash makes literal inside an answer or a feedback
_ESCAPABLE = '}#~\\/"&'
#: the rest of a numeric HTML entity after its `&`
_ENTITY_REST = re.compile(r"#(?:[0-9]+|[xX][0-9a-fA-F]+);")

#: the kinds of blank: each is graded by the question type of the same name
KINDS = ("shortanswer", "numerical", "single", "multiple")
#: how a choice blank is shown: a drop-down list, or buttons one under another or in a row
DISPLAYS = ("dropdown", "vertical", "horizontal")


@dataclass(frozen=True)
class BlankType:
    """What a type name of the syntax means: the kind of blank and how it is shown."""

    kind: str
    display: str = ""
    shuffle: bool = False
    usecase: bool = False


# fmt: off
#: every type name Moodle reads (and MRV, an alias some banks use for the vertical MR)
TYPE_NAMES: dict[str, BlankType] = {
    **dict.fromkeys(("NUMERICAL", "NM"), BlankType("numerical")),
    **dict.fromkeys(("SHORTANSWER", "SA", "MW"), BlankType("shortanswer")),
    **dict.fromkeys(("SHORTANSWER_C", "SAC", "MWC"), BlankType("shortanswer", usecase=True)),
    **dict.fromkeys(("MULTICHOICE", "MC"), BlankType("single", "dropdown")),
    **dict.fromkeys(("MULTICHOICE_S", "MCS"), BlankType("single", "dropdown", True)),
    **dict.fromkeys(("MULTICHOICE_V", "MCV"), BlankType("single", "vertical")),
    **dict.fromkeys(("MULTICHOICE_VS", "MCVS"), BlankType("single", "vertical", True)),
    **dict.fromkeys(("MULTICHOICE_H", "MCH"), BlankType("single", "horizontal")),
    **dict.fromkeys(("MULTICHOICE_HS", "MCHS"), BlankType("single", "horizontal", True)),
    **dict.fromkeys(("MULTIRESPONSE", "MR", "MRV"), BlankType("multiple", "vertical")),
    **dict.fromkeys(("MULTIRESPONSE_S", "MRS"), BlankType("multiple", "vertical", True)),
    **dict.fromkeys(("MULTIRESPONSE_H", "MRH"), BlankType("multiple", "horizontal")),
    **dict.fromkeys(("MULTIRESPONSE_HS", "MRHS"), BlankType("multiple", "horizontal", True)),
}
# fmt: on
#: the long name written for each blank type (the first name of each group above)
_WRITTEN: dict[BlankType, str] = {}
for _name, _type in TYPE_NAMES.items():
    _WRITTEN.setdefault(_type, _name)
_TYPE_HINT = "SHORTANSWER (SA), SHORTANSWER_C (SAC), NUMERICAL (NM), MULTICHOICE (MC, MCV, MCH), MULTIRESPONSE (MR, MRH)"  # noqa: E501


@dataclass(frozen=True)
class TextProblem:
    """A problem in a question text: the line within the text (0 for the first) and what."""

    line: int
    message: str


# --- reading ----------------------------------------------------------------------------------


def has_blanks(text: str) -> bool:
    """Whether a text holds anything written like an embedded answer."""
    return _START.search(text) is not None


def split_cloze(
    text: str, textformat: str = "markdown"
) -> tuple[str, list[dict[str, Any]], list[TextProblem]]:
    """Take the embedded answers out of `text`: (the text with {#n} placeholders, the blanks
    in order, the problems). A blank with a problem is left out of the blanks."""
    problems: list[TextProblem] = []
    parts: list[str] = []
    blanks: list[dict[str, Any]] = []
    #: the spans of text between blanks, where a stored placeholder must not be written
    outside: list[tuple[int, int]] = []
    position = 0
    number = 0
    while (start := _START.search(text, position)) is not None:
        number += 1
        parts.append(text[position : start.start()])
        outside.append((position, start.start()))
        line = _line(text, start.start())
        end, alternatives, error = _scan(text, start.end())
        blank, errors = (None, [error]) if error else _blank(start, alternatives, textformat)
        if blank is not None:
            errors = check_blank(blank)
        for message in errors:
            problems.append(TextProblem(line, _blank_message(number, message)))
        if end is None:
            parts.append(text[start.start() :])
            position = len(text)
            break
        if blank is not None:
            blanks.append(blank)
        parts.append(f"{{#{len(blanks)}}}" if blank is not None else text[start.start() : end])
        position = end
    parts.append(text[position:])
    outside.append((position, len(text)))
    # Only outside the blanks: inside one, "{#1}" can be an answer ending in "{" with the
    # feedback "1" (found by tests/bank/test_cloze_qtype.py's round trip).
    placeholders = [
        TextProblem(
            _line(text, match.start()),
            _(
                "'%(mark)s' is how SkillGrid stores a blank; write the blank itself, e.g. "
                "{1:SHORTANSWER:=answer}"
            )
            % {"mark": match.group()},
        )
        for begin, stop in outside
        for match in PLACEHOLDER.finditer(text, begin, stop)
    ]
    return "".join(parts), blanks, placeholders + problems


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def _blank_message(number: int, message: str) -> str:
    return _("blank %(n)d: %(problem)s") % {"n": number, "problem": message}


def _scan(text: str, start: int) -> tuple[int | None, list[tuple[str | None, str, str]], str]:
    """Read the alternatives of one blank from `start` (after `{n:TYPE:`) to its `}`:
    (the offset after the `}`, [(grade, answer, feedback)], a problem or "")."""
    alternatives: list[tuple[str | None, str, str]] = []
    index = start
    while True:
        grade: str | None = None
        if text.startswith("=", index):
            grade, index = "=", index + 1
        elif text.startswith("%", index):
            match = _GRADE.match(text, index)
            bad = _BAD_GRADE.match(text, index)
            if match is not None:
                grade, index = match.group(1), match.end()
            elif bad is not None:
                return (
                    _close(text, index),
                    [],
                    _("'%(grade)s' is not a grade: write a percentage such as %%50%%")
                    % {"grade": bad.group()},
                )
        answer, index, stop = _part(text, index, "~#}", after_entity=True)
        feedback = ""
        if stop == "#":
            feedback, index, stop = _part(text, index, "~}", after_entity=False)
        if stop is None:
            return None, [], _("no closing '}'")
        alternatives.append((grade, answer, feedback))
        if stop == "}":
            return index, alternatives, ""


def _close(text: str, index: int) -> int | None:
    """The offset after the `}` that ends a blank whose inside cannot be read."""
    _rest, end, stop = _part(text, index, "}", after_entity=False)
    return end if stop else None


def _part(text: str, index: int, stops: str, *, after_entity: bool) -> tuple[str, int, str | None]:
    """Read up to the first unescaped character of `stops`: (the text read, unescaped; the
    offset after the stop; the stop, or None at the end of the text). As in Moodle, a `#`
    right after `&` or `&amp;` in an answer starts an HTML entity (`&#35;`), not a feedback."""
    read = []
    tail = ""  # the characters just read, unescaped: an entity's start
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPABLE:
            read.append(text[index + 1])
            tail = ""
            index += 2
            continue
        if char in stops:
            is_entity = (
                after_entity
                and char == "#"
                and tail.endswith(("&", "&amp;"))
                and _ENTITY_REST.match(text, index) is not None
            )
            if not is_entity:
                return "".join(read), index + 1, char
        read.append(char)
        tail = (tail + char)[-5:]
        index += 1
    return "".join(read), index, None


def _decoded(text: str, textformat: str) -> str:
    """Undo the HTML editor's entities, as Moodle does, in HTML texts only; trimmed."""
    if textformat in ("html", "moodle"):
        text = html.unescape(text)
    return text.strip()


def _blank(
    start: re.Match[str], alternatives: list[tuple[str | None, str, str]], textformat: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """One blank from its type name, weight and alternatives; None and problems if wrong."""
    name = start.group(2)
    blank_type = TYPE_NAMES.get(name.upper())
    if blank_type is None:
        return None, [
            _("unknown type '%(type)s' (expected one of: %(allowed)s)")
            % {"type": name, "allowed": _TYPE_HINT}
        ]
    problems = []
    answers = []
    has_specific = False
    for index, (grade, raw_answer, raw_feedback) in enumerate(alternatives):
        text = _decoded(raw_answer, textformat)
        if not text:
            problems.append(_("answer %(n)d is empty") % {"n": index + 1})
        if grade == "=":
            fraction = 1.0
        elif grade is None:
            fraction = 0.0
        else:
            fraction = round(float(grade.replace(",", ".")) / 100, 7)
            has_specific = has_specific or grade != "0"  # Moodle: a "%0%" is no specific grade
        answer: dict[str, Any] = {"text": text, "fraction": fraction}
        if blank_type.kind == "numerical":
            match = _NUMERIC_ANSWER.match(text)
            answer["tolerance"] = 0.0
            if match is not None:
                answer["text"] = match.group(1).replace(",", ".")
                if match.group(2):
                    answer["tolerance"] = float(match.group(2).replace(",", "."))
        answer["feedback"] = _decoded(raw_feedback, textformat)
        answers.append(answer)
    if problems:
        return None, problems
    if blank_type.kind == "multiple":
        _share_out(answers, has_specific)
    blank: dict[str, Any] = {"kind": blank_type.kind, "mark": int(start.group(1) or 1)}
    if blank_type.kind == "shortanswer":
        blank["usecase"] = blank_type.usecase
    if blank_type.kind in ("single", "multiple"):
        blank["display"] = blank_type.display
        blank["shuffle"] = blank_type.shuffle
    blank["answers"] = answers
    return blank, []


def _share_out(answers: list[dict[str, Any]], has_specific: bool) -> None:
    """Moodle's rule for a multiple-response blank: the positive grades are scaled to add up
    to 100%; without any written grade, each wrong answer cancels one right one."""
    total = sum(answer["fraction"] for answer in answers if answer["fraction"] > 0)
    if not total:
        return
    for answer in answers:
        if answer["fraction"] > 0:
            if abs(total - 1) > 1e-6:  # already 100%: leave the grades as written
                answer["fraction"] = round(answer["fraction"] / total, 7)
        elif not has_specific:
            answer["fraction"] = round(-1 / total, 7)


# --- checking ---------------------------------------------------------------------------------


def check_blank(blank: Mapping[str, Any]) -> list[str]:
    """What is wrong with one blank (Moodle's Cloze rules, and numbers that are numbers)."""
    kind, answers = blank["kind"], blank["answers"]
    problems = []
    if kind in ("single", "multiple") and len(answers) < 2:
        problems.append(_("give at least 2 answers"))
    elif not answers:
        problems.append(_("give at least 1 answer"))
    for index, answer in enumerate(answers):
        n = index + 1
        fraction = float(answer["fraction"])
        lowest = -1 if kind in ("single", "multiple") else 0
        if not lowest - 1e-9 <= fraction <= 1 + 1e-9:
            problems.append(
                _("answer %(n)d: the grade %(grade)s%% is outside %(low)d%% to 100%%")
                % {"n": n, "grade": format(fraction * 100, ".7g"), "low": lowest * 100}
            )
        if kind == "numerical":
            problems.extend(_check_number(answer, n))
    if kind == "multiple":
        if answers and not any(a["fraction"] > 0 for a in answers):
            problems.append(_("at least one answer must have a positive grade"))
    elif answers and not any(abs(a["fraction"] - 1) <= 1e-6 for a in answers):
        problems.append(_("one of the answers must be worth 100%% (write = before it)") % {})
    return problems


def _check_number(answer: Mapping[str, Any], n: int) -> list[str]:
    problems = []
    if answer["text"] != "*" and not is_decimal(answer["text"]):
        problems.append(
            _("answer %(n)d: '%(text)s' is not a number (write digits, or * for any number)")
            % {"n": n, "text": answer["text"]}
        )
    if float(answer.get("tolerance") or 0) < 0:
        problems.append(_("answer %(n)d: the tolerance cannot be negative") % {"n": n})
    return problems


# --- writing ----------------------------------------------------------------------------------


def join_cloze(text: str, blanks: Sequence[Mapping[str, Any]], textformat: str = "markdown") -> str:
    """Put the blanks back in place of their {#n} placeholders, in Cloze syntax."""

    def blank_for(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        if 0 <= index < len(blanks):
            return write_blank(blanks[index], textformat)
        return match.group()

    return PLACEHOLDER.sub(blank_for, text)


def write_blank(blank: Mapping[str, Any], textformat: str = "markdown") -> str:
    """One blank as `{weight:TYPE:alternatives}`, read back by `split_cloze` unchanged."""
    kind = blank["kind"]
    blank_type = BlankType(
        kind,
        blank.get("display", "") if kind in ("single", "multiple") else "",
        bool(blank.get("shuffle")) if kind in ("single", "multiple") else False,
        bool(blank.get("usecase")) if kind == "shortanswer" else False,
    )
    answers = blank["answers"]
    implicit = kind == "multiple" and _is_implicit_share(answers)
    alternatives = []
    for answer in answers:
        text = str(answer["text"])
        if kind == "numerical" and answer.get("tolerance") and text != "*":
            text_part = _escape(text, textformat, "}#~") + ":" + _number(answer["tolerance"])
        else:
            text_part = _escape(text, textformat, "}#~")
        grade = _grade(float(answer["fraction"]), text, kind, implicit)
        feedback = answer.get("feedback") or ""
        tail = "#" + _escape(feedback, textformat, "}~") if feedback else ""
        alternatives.append(grade + text_part + tail)
    mark = blank.get("mark", 1)
    return "{" + _number(mark) + ":" + _WRITTEN[blank_type] + ":" + "~".join(alternatives) + "}"


def _is_implicit_share(answers: Sequence[Mapping[str, Any]]) -> bool:
    """Whether `=` alone says the grades (k right answers of 1/k, the others -1/k)."""
    right = [a for a in answers if a["fraction"] > 0]
    if not right:
        return False
    share = 1 / len(right)
    return all(
        abs(a["fraction"] - (share if a["fraction"] > 0 else -share)) <= 1e-6 for a in answers
    )


def _grade(fraction: float, text: str, kind: str, implicit: bool) -> str:
    if implicit:
        return "=" if fraction > 0 else ""
    if kind != "multiple" and abs(fraction - 1) <= 1e-9:
        return "="
    if fraction == 0:
        # a text that starts like a grade needs an explicit one, or it would be read as one
        return "%0%" if text.startswith(("=", "%")) else ""
    return "%" + format(round(fraction * 100, 5), ".15g") + "%"


def _escape(text: str, textformat: str, specials: str) -> str:
    """Escape what would end or split the piece; in HTML texts keep entities as written."""
    if textformat in ("html", "moodle") and html.unescape(text) != text:
        text = text.replace("&", "&amp;")
    text = text.replace("\\", "\\\\")
    for char in specials:
        text = text.replace(char, "\\" + char)
    if "#" in specials:
        # an answer ending like an entity's start would swallow the `#` of its feedback
        for end in ("&amp;", "&"):
            if text.endswith(end):
                return text[: -len(end)] + "\\" + end
    return text


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


# --- the text around the blanks ---------------------------------------------------------------


def placeholders(text: str) -> list[int]:
    """The blank numbers of a stored text's placeholders, in the order they appear."""
    return [int(match.group(1)) for match in PLACEHOLDER.finditer(text)]


def gap_text(text: str) -> str:
    """A stored text with each placeholder shown as a numbered gap, e.g. for a name."""
    return PLACEHOLDER.sub(lambda match: "__(" + match.group(1) + ")__", text)
