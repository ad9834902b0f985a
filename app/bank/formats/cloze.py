"""Moodle's Cloze text files (its "Embedded answers (Cloze)" import format): the whole file is
one Cloze question in Moodle's auto-format, named after its text, as qformat_multianswer reads
it. Moodle names no extension for them (its fixtures are `.txt`): `--format cloze`, or a `.txt`
file whose content holds a blank such as `{1:SHORTANSWER:=…}` under `--format auto`.

Every problem carries its line in the file (`FILE:LINE: blank 2: …`). Import only, as in Moodle;
`write_cloze` gives the text a question would be written as (round trips, authors' copies).
Documented in docs/question-format.md.
"""

from __future__ import annotations

from app.bank.formats.gift.syntax import default_name
from app.bank.formats.mapping import read_question
from app.bank.qtypes import get_qtype
from app.bank.qtypes.base import Problem, QuestionData
from app.bank.qtypes.cloze_syntax import gap_text, has_blanks
from app.bank.qtypes.i18n import _

#: Moodle's qformat_multianswer reads the text in Moodle's auto-format
TEXT_FORMAT = "moodle"


def looks_like_cloze(text: str) -> bool:
    """A text holding an embedded answer, and not a file of another format."""
    head = text.lstrip("\ufeff \t\r\n")
    return not head.startswith(("<", "[", "{#")) and has_blanks(text)


def parse_cloze(text: str, filename: str) -> tuple[list[QuestionData], list[Problem]]:
    """Read one Cloze question from a whole file; never raises."""
    body = text.lstrip("\ufeff")
    stripped = body.strip()
    if not stripped:
        return [], [
            Problem(
                filename,
                1,
                _("the file is empty: expected a text with blanks such as %(example)s")
                % {"example": "{1:SHORTANSWER:=…}"},
            )
        ]
    first_line = body[: len(body) - len(body.lstrip())].count("\n") + 1
    cloze = get_qtype("cloze")
    stored, _data, _issues = cloze.split_text(stripped, TEXT_FORMAT)
    name = default_name(" ".join(gap_text(stored).split()))
    node = {"qtype": "cloze", "name": name, "questiontext": stripped}
    node["questiontextformat"] = TEXT_FORMAT

    def locate(path: tuple[str | int, ...]) -> int:
        within = path[1] if len(path) > 1 and isinstance(path[1], int) else 0
        return first_line + within

    question, found = read_question(node, None, locate)
    prefix = f"[{name}] "
    problems = [Problem(filename, line, message.removeprefix(prefix)) for line, message in found]
    if question is not None:
        question.line = first_line
    return ([question] if question is not None else []), problems


def write_cloze(question: QuestionData) -> str:
    """A question's text with its blanks, as a Cloze text file holds it."""
    qtype = get_qtype(question.qtype)
    text = qtype.join_text(question.questiontext, question.data, question.questiontextformat)
    return text + "\n"
