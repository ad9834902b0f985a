"""Reading GIFT: blocks, categories, comment tokens and every question type's answer syntax,
as Moodle 4.5's qformat_gift reads them; each problem is reported on its line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.bank.formats.gift.syntax import (
    PLACEHOLDERS,
    TRIM,
    WEIGHT,
    category_from_path,
    clean_name,
    default_name,
    drop_empty_first,
    escape_post,
    escape_pre,
    extract_id_and_tags,
    split_at,
    strip_with_offset,
    with_format,
)
from app.bank.formats.mapping import SeenIds, read_question
from app.bank.formats.moodle_common import php_number
from app.bank.qtypes.base import Problem, QuestionData
from app.bank.qtypes.i18n import _

_OWN_TOKEN = re.compile(
    r"\[(difficulty|competency|status|source_version|mark):((?:\\\]|[^\]\x00-\x1f\x7f])+)\]"
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TF_WORDS = ("T", "TRUE", "F", "FALSE")
MISSING_WORD = "_____"


def parse_gift(
    text: str,
    filename: str,
    *,
    answernumbering: str = "abc",
    shuffleanswers: bool = True,
) -> tuple[list[QuestionData], list[Problem]]:
    """Read a GIFT file; return its valid questions and every problem found, by line.

    `answernumbering` and `shuffleanswers` play the part of Moodle's site defaults, which a GIFT
    import copies into every choice and matching question. Never raises on bad input.
    """
    problems: list[Problem] = []
    questions: list[QuestionData] = []
    lines = _LINE_BREAK.split(text)
    for number, line in enumerate(lines, start=1):
        if PLACEHOLDERS.search(line):
            problems.append(
                Problem(filename, number, _("the file contains Unicode noncharacters U+FDD0-FDD7"))
            )
            return [], problems
    category: str | None = None
    seen = SeenIds(filename)
    reader = _BlockReader(filename, answernumbering, shuffleanswers)
    for start, block in _blocks(lines):
        outcome = reader.read(block, start, category)
        problems.extend(outcome.problems)
        if outcome.is_category:
            category = outcome.category
            continue
        question = outcome.question
        if question is None:
            continue
        repeat = seen.repeat(question, question.line or start)
        if repeat is not None:
            problems.append(repeat)
            continue
        questions.append(question)
    problems.sort(key=lambda problem: problem.line)
    return questions, problems


def _blocks(lines: list[str]) -> Iterable[tuple[int, list[str]]]:
    """Runs of non-blank lines with the number of their first line."""
    block: list[str] = []
    start = 1
    for number, line in enumerate(lines, start=1):
        if line.strip(TRIM):
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


class _Outcome:
    """What one block of a GIFT file turned out to be."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.question: QuestionData | None = None
        self.is_category = False
        self.category: str | None = None


class _BlockReader:
    """Reads one block (Moodle's readquestion), remembering where each part was written."""

    def __init__(self, filename: str, answernumbering: str, shuffleanswers: bool) -> None:
        self.filename = filename
        self.answernumbering = answernumbering
        self.shuffleanswers = shuffleanswers

    def read(self, block: list[str], start: int, category: str | None) -> _Outcome:
        """Read one block: a question, a category switch, comments only, or problems."""
        outcome = _Outcome()
        comments: list[tuple[int, str]] = []
        body: list[str] = []
        for index, line in enumerate(block):
            if line.strip(TRIM).startswith("//"):
                comments.append((start + index, line.strip(TRIM)))
                body.append(" ")  # as Moodle does: the line stays, blank
            else:
                body.append(line)
        joined = "\n".join(body)
        self.source = escape_pre(joined.strip(TRIM))
        if not self.source:
            return outcome  # only comments
        self.first_line = start + joined[: len(joined) - len(joined.lstrip(TRIM))].count("\n")
        self.lines: dict[tuple[str | int, ...], int] = {}
        self.problems = outcome.problems
        if self.source.startswith("$CATEGORY:"):
            self._read_category(outcome)
            return outcome
        node = self._read_question()
        if node is None:
            return outcome
        self._read_comments(comments, node)
        question, found = read_question(node, category, self._locate)
        outcome.problems.extend(Problem(self.filename, line, message) for line, message in found)
        outcome.question = question
        return outcome

    # -- locating --------------------------------------------------------------------------

    def _line_at(self, offset: int) -> int:
        """The file line of an offset into the block's text (escapes never hide a newline)."""
        return self.first_line + self.source.count("\n", 0, max(offset, 0))

    def _locate(self, path: tuple[str | int, ...]) -> int:
        for depth in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:depth]))
            if line is not None:
                return line
        return self.first_line

    def _problem(self, offset: int, message: str) -> None:
        self.problems.append(Problem(self.filename, self._line_at(offset), message))

    # -- the parts of a block --------------------------------------------------------------

    def _read_category(self, outcome: _Outcome) -> None:
        first, _sep, rest = self.source.partition("\n")
        if rest.strip(TRIM):
            self._problem(
                len(first) + 1,
                _("a $CATEGORY line stands alone: put a blank line between it and the question"),
            )
            return
        outcome.is_category = True
        outcome.category = category_from_path(escape_post(first[len("$CATEGORY:") :]))

    def _read_comments(self, comments: list[tuple[int, str]], node: dict[str, Any]) -> None:
        """[id:], [tag:] (Moodle) and SkillGrid's own tokens, each remembered with its line."""
        tags: list[str] = []
        codes: list[str] = []
        for line, comment in comments:
            idnumber, found_tags = extract_id_and_tags(comment)
            if idnumber and "id" not in node:
                node["id"] = idnumber
                self.lines[("id",)] = line
            for tag in found_tags:
                self.lines[("tags", len(tags))] = line
                tags.append(tag)
            for match in _OWN_TOKEN.finditer(comment):
                key, value = match.group(1), match.group(2).replace("\\]", "]").strip(TRIM)
                if key == "competency":
                    self.lines[("competencies", len(codes))] = line
                    codes.append(value)
                    continue
                field_name = {"mark": "defaultmark"}.get(key, key)
                self.lines[(field_name,)] = line
                node[field_name] = (
                    _number_or_text(value) if key in ("difficulty", "mark") else value
                )
        if tags:
            node["tags"] = tags
        if codes:
            node["competencies"] = codes

    def _read_question(self) -> dict[str, Any] | None:
        text, offset = self.source, 0
        name = None
        if text.startswith("::"):
            text, offset = text[2:], 2
            end = text.find("::")
            if end >= 0:
                name = clean_name(escape_post(text[:end]))
                text, offset = strip_with_offset(text[end + 2 :], offset + end + 2)
        open_at, close_at = text.find("{"), text.find("}")
        if open_at < 0 and close_at < 0:
            qtype, answers, answers_at, feedback = "description", "", 0, ""
            questiontext = text
        elif open_at < 0 or close_at < open_at:
            where = close_at if open_at < 0 else open_at
            self._problem(offset + where, _("could not find {...} around the answers"))
            return None
        else:
            answers, answers_at = strip_with_offset(
                text[open_at + 1 : close_at], offset + open_at + 1
            )
            blank = "" if text.endswith("}") else MISSING_WORD
            questiontext = text[:open_at] + blank + text[close_at + 1 :]
            feedback = ""
            separator = answers.rfind("####")
            if separator >= 0:
                feedback = answers[separator + 4 :]
                self.lines[("generalfeedback",)] = self._line_at(answers_at + separator)
                answers = answers[:separator].rstrip(TRIM)
            qtype = _qtype_of(answers)
        qtext, qformat = with_format(questiontext, "moodle")
        feedback_text, feedback_format = with_format(feedback, qformat)
        node: dict[str, Any] = {
            "qtype": qtype,
            "name": name if name is not None else default_name(qtext),
            "questiontext": qtext,
            "questiontextformat": qformat,
            "generalfeedback": feedback_text,
        }
        if feedback_format != qformat:
            node["generalfeedbackformat"] = feedback_format
        reader = getattr(self, "_read_" + qtype)
        if not reader(node, answers, answers_at, qformat):
            return None
        return node

    def _answer(self, piece: str, default: str) -> tuple[str, str, str, str]:
        """Moodle's commentparser: (text, format, feedback, feedback format)."""
        text, _sep, feedback = piece.partition("#")
        text, text_format = with_format(text.strip(TRIM), default)
        feedback, feedback_format = with_format(feedback.strip(TRIM), default)
        return text, text_format, feedback, feedback_format

    def _weight(self, piece: str, offset: int, default: float) -> tuple[float, str]:
        """A leading %n% as a fraction (n/100), and the rest of the answer."""
        if not WEIGHT.match(piece):
            return default, piece
        end = piece.index("%", 1)
        try:
            fraction = round(float(piece[1:end]) / 100, 7)
        except ValueError:
            self._problem(
                offset, _("answer weight %(w)s is not a number") % {"w": piece[: end + 1]}
            )
            fraction = default
        return fraction, piece[end + 1 :]

    def _read_multiple(self, node, answers, offset, qformat) -> bool:
        return self._read_single(node, answers, offset, qformat)

    def _read_single(self, node, answers, offset, qformat) -> bool:
        node["qtype"] = "single" if "=" in answers else "multiple"
        node["answernumbering"] = self.answernumbering
        node["shuffleanswers"] = self.shuffleanswers
        items = []
        for index, (raw, at) in enumerate(drop_empty_first(split_at(answers, "~=", keep="="))):
            piece, at = strip_with_offset(raw, offset + at)
            self.lines[("answers", index)] = self._line_at(at)
            if piece.startswith("="):
                fraction, piece = 1.0, piece[1:]
            else:
                fraction, piece = self._weight(piece, at, 0.0)
            text, text_format, feedback, feedback_format = self._answer(piece, qformat)
            answer: dict[str, Any] = {"text": text, "fraction": fraction, "feedback": feedback}
            if text_format != qformat:
                answer["format"] = text_format
            if feedback_format != qformat:
                answer["feedbackformat"] = feedback_format
            items.append(answer)
        node["answers"] = items
        return True

    def _read_shortanswer(self, node, answers, offset, qformat) -> bool:
        items = []
        for index, (raw, at) in enumerate(drop_empty_first(split_at(answers, "="))):
            piece, at = strip_with_offset(raw, offset + at)
            self.lines[("answers", index)] = self._line_at(at)
            fraction, piece = self._weight(piece, at, 1.0)
            text, _fmt, feedback, feedback_format = self._answer(piece, qformat)
            answer: dict[str, Any] = {"text": text, "fraction": fraction, "feedback": feedback}
            if feedback_format != qformat:
                answer["feedbackformat"] = feedback_format
            items.append(answer)
        node["answers"] = items
        return True

    def _read_numerical(self, node, answers, offset, qformat) -> bool:
        answers, offset = answers[1:], offset + 1  # the leading '#'
        wrong_at = answers.find("~")
        wrong = answers[wrong_at:] if wrong_at >= 0 else ""
        if wrong_at >= 0:
            answers = answers[:wrong_at]
        items = []
        for index, (raw, at) in enumerate(drop_empty_first(split_at(answers, "="))):
            piece, at = strip_with_offset(raw, offset + at)
            self.lines[("answers", index)] = self._line_at(at)
            fraction, piece = self._weight(piece, at, 1.0)
            value, _fmt, feedback, feedback_format = self._answer(piece, qformat)
            parsed = self._number_and_tolerance(value, at)
            if parsed is None:
                return False
            answer: dict[str, Any] = {
                "text": parsed[0],
                "tolerance": parsed[1],
                "fraction": fraction,
                "feedback": feedback,
            }
            if feedback_format != qformat:
                answer["feedbackformat"] = feedback_format
            items.append(answer)
        if wrong:
            self.lines[("answers", len(items))] = self._line_at(offset + wrong_at)
            _text, _fmt, feedback, feedback_format = self._answer(wrong, qformat)
            answer = {"text": "*", "tolerance": 0.0, "fraction": 0.0, "feedback": feedback}
            if feedback_format != qformat:
                answer["feedbackformat"] = feedback_format
            items.append(answer)
        node["answers"] = items
        return True

    def _number_and_tolerance(self, value: str, offset: int) -> tuple[str, float] | None:
        """`x`, `x:tolerance` or `low..high` as (answer text, tolerance)."""
        if value.find("..") > 0:
            low, _sep, high = value.partition("..")
            try:
                low_value, high_value = float(low), float(high)
            except ValueError:
                self._problem(offset, _("a range is written low..high, e.g. 1..5"))
                return None
            middle = (low_value + high_value) / 2
            return php_number(middle), high_value - middle
        if value.find(":") > 0:
            number, _sep, tolerance = value.partition(":")
            try:
                return number.strip(TRIM), float(tolerance)
            except ValueError:
                self._problem(
                    offset,
                    _("the tolerance '%(t)s' is not a number") % {"t": tolerance.strip(TRIM)},
                )
                return None
        return value.strip(TRIM), 0.0

    def _read_matching(self, node, answers, offset, qformat) -> bool:
        node["shuffleanswers"] = self.shuffleanswers
        items = []
        for index, (raw, at) in enumerate(drop_empty_first(split_at(answers, "="))):
            piece, at = strip_with_offset(raw, offset + at)
            self.lines[("subquestions", index)] = self._line_at(at)
            marker = piece.find("->")
            if marker < 0:
                self._problem(at, _("each matching pair is written '=item -> answer'"))
                return False
            text, text_format = with_format(piece[:marker], qformat)
            item: dict[str, Any] = {
                "text": text,
                "answer": escape_post(piece[marker + 2 :]).strip(TRIM),
            }
            if text_format != qformat:
                item["format"] = text_format
            items.append(item)
        node["subquestions"] = items
        return True

    def _read_truefalse(self, node, answers, offset, qformat) -> bool:
        word, wrong, right = ([*answers.split("#", 2), "", ""])[:3]
        word = with_format(word.strip(TRIM), qformat)[0]
        wrong = with_format(wrong.strip(TRIM), qformat)[0]
        right = with_format(right.strip(TRIM), qformat)[0]
        correct = word in ("T", "TRUE")
        node["correct"] = correct
        # feedback A goes to whoever answers wrongly, B to whoever answers rightly
        node["truefeedback"], node["falsefeedback"] = (right, wrong) if correct else (wrong, right)
        return True

    def _read_essay(self, node, answers, offset, qformat) -> bool:
        node["graderinfoformat"] = "html"  # Moodle's GIFT import sets an empty HTML graderinfo
        return True

    def _read_description(self, node, answers, offset, qformat) -> bool:
        return True


def _qtype_of(answers: str) -> str:
    """Moodle's order of tests on the answer text (general feedback removed)."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "single"  # single or multiple: decided by the presence of '='
    if "=" in answers and "->" in answers:
        return "matching"
    word = answers[: answers.find("#")].strip(TRIM) if answers.find("#") > 0 else answers
    return "truefalse" if word in _TF_WORDS else "shortanswer"


def _number_or_text(value: str) -> Any:
    """A number where the text is one (the reader then checks it); else the text as is."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def looks_like_gift(text: str) -> bool:
    """A cheap test for GIFT content in a file whose name says nothing (e.g. .txt)."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return False
    return bool(_SNIFF.search(text))


_SNIFF = re.compile(
    r"^\s*(?:\$CATEGORY:|::[^:\n]+::)|\{\s*(?:[=~#]|T\s*\}|F\s*\}|TRUE\s*\}|FALSE\s*\})", re.M
)
