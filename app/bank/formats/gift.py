"""GIFT, Moodle's plain-text question format: read and write every SkillGrid question type.

The reader follows Moodle 4.5's qformat_gift rule for rule (shared/fixtures/moodle/
gift_spec_notes.md): blocks separated by blank lines, `//` comment lines carrying `[id:]` and
`[tag:]`, `::title::`, format tags, escapes, `%n%` weights, `#` feedback, `####` general
feedback, missing-word blanks, numerical ranges and tolerances, matching with distractors,
true/false with both feedbacks, `$CATEGORY:` switches. What Moodle does silently (turning a
non-numeric numerical answer into `*`, importing a question whose grades add up wrong) is
reported here instead, each problem on its line. SkillGrid's own fields that GIFT has no syntax
for travel in comment tokens Moodle ignores: `// [difficulty:1] [competency:SV1] [status:ready]
[source_version:...] [mark:2]`. Documented in docs/question-format.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.bank.formats.mapping import read_question
from app.bank.qtypes import QTYPES
from app.bank.qtypes.base import DEFAULT_DIFFICULTY, TEXT_FORMATS, Problem, QuestionData
from app.bank.qtypes.i18n import _

#: PHP's trim(): Moodle trims with it, so full-width spaces survive as they do there
_TRIM = " \t\n\r\0\x0b"
#: Unicode noncharacters stand in for escaped characters while a block is cut up (Moodle uses
#: "&&058;"-style strings, which could clash with real text; these never occur in real text)
_ESCAPED = {
    ":": "\ufdd0",
    "#": "\ufdd1",
    "=": "\ufdd2",
    "{": "\ufdd3",
    "}": "\ufdd4",
    "~": "\ufdd5",
}
_NEWLINE = "\ufdd6"
_BACKSLASH = "\ufdd7"
_PLACEHOLDERS = re.compile("[\ufdd0-\ufdd7]")
_RESTORE = {v: k for k, v in _ESCAPED.items()} | {_NEWLINE: "\n"}
_RESTORE_TABLE = str.maketrans(_RESTORE)

_WEIGHT = re.compile(r"%-*[0-9]{1,2}\.?[0-9]*%")
_TAG_TOKEN = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")
_ID_TOKEN = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_OWN_TOKEN = re.compile(
    r"\[(difficulty|competency|status|source_version|mark):((?:\\\]|[^\]\x00-\x1f\x7f])+)\]"
)
_CONTEXT_TOKEN = re.compile(r"^\$[a-z0-9]+\$$")
_HTML_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TF_WORDS = ("T", "TRUE", "F", "FALSE")
DEFAULT_NAME = "Question name"  # Moodle's get_string('questionname', 'question')
MISSING_WORD = "_____"
MAX_NAME_LENGTH = 255


# --- reading ----------------------------------------------------------------------------


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
        if _PLACEHOLDERS.search(line):
            problems.append(
                Problem(filename, number, _("the file contains Unicode noncharacters U+FDD0-FDD7"))
            )
            return [], problems
    category: str | None = None
    first_line_of_id: dict[str, int] = {}
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
        if question.id is not None:
            if question.id in first_line_of_id:
                problems.append(
                    Problem(
                        filename,
                        question.line or start,
                        _("duplicate id '%(id)s' (first used on line %(line)d)")
                        % {"id": question.id, "line": first_line_of_id[question.id]},
                    )
                )
                continue
            first_line_of_id[question.id] = question.line or start
        questions.append(question)
    problems.sort(key=lambda problem: problem.line)
    return questions, problems


def extract_id_and_tags(comment: str) -> tuple[str, list[str]]:
    """Moodle's extract_idnumber_and_tags_from_comment: the first `[id:]` and every `[tag:]`."""
    tags = [
        tag
        for tag in (
            m.group(1).replace("\\]", "]").strip(_TRIM) for m in _TAG_TOKEN.finditer(comment)
        )
        if tag
    ]
    found = _ID_TOKEN.search(comment)
    return (found.group(1).replace("\\]", "]").strip(_TRIM) if found else ""), tags


def category_from_path(path: str) -> str | None:
    """A `$CATEGORY:` path as SkillGrid names it: `$course$/top/A/B` -> "A/B"; root -> None.

    A doubled `//` is Moodle's slash inside a name; SkillGrid separates names with `/`, so it
    becomes a full-width ／ instead.
    """
    names = [name.replace("\0", "／").strip(_TRIM) for name in path.replace("//", "\0").split("/")]
    names = [name for name in names if name]
    if names and _CONTEXT_TOKEN.match(names[0]):
        names = names[1:]
    if names and names[0] == "top":
        names = names[1:]
    return "/".join(names) or None


def _blocks(lines: list[str]) -> Iterable[tuple[int, list[str]]]:
    """Runs of non-blank lines with the number of their first line."""
    block: list[str] = []
    start = 1
    for number, line in enumerate(lines, start=1):
        if line.strip(_TRIM):
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _escape_pre(text: str) -> str:
    """Moodle's escapedchar_pre: `\\\\` is a backslash, `\\:` etc. become placeholders."""
    text = text.replace("\\\\", _BACKSLASH)
    for char, placeholder in _ESCAPED.items():
        text = text.replace("\\" + char, placeholder)
    return text.replace("\\n", _NEWLINE).replace(_BACKSLASH, "\\")


def _escape_post(text: str) -> str:
    """Moodle's escapedchar_post: placeholders back to their characters."""
    return text.translate(_RESTORE_TABLE)


def _with_format(text: str, default: str) -> tuple[str, str]:
    """Moodle's parse_text_with_format: a leading [html] etc. sets the piece's format."""
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in TEXT_FORMATS:
            fmt = text[1:end]
            text = text[end + 1 :]
    return _escape_post(text).strip(_TRIM), fmt


def _split(text: str, separators: str, keep: str = "") -> list[tuple[str, int]]:
    """Cut `text` before each separator: (piece, offset). Separators in `keep` stay at the
    start of their piece (Moodle's `str_replace("=", "~=")` then `explode("~")`)."""
    pieces: list[tuple[str, int]] = []
    start = 0
    for index, char in enumerate(text):
        if char in separators:
            pieces.append((text[start:index], start))
            start = index if char in keep else index + 1
    pieces.append((text[start:], start))
    return pieces


def _drop_empty_first(pieces: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Moodle trims the first piece and drops it when empty (a leading `=` or `~`)."""
    if pieces and not pieces[0][0].strip(_TRIM):
        return pieces[1:]
    return pieces


def _strip_with_offset(text: str, offset: int) -> tuple[str, int]:
    """Trim `text`, moving its offset past what was cut from the front."""
    stripped = text.lstrip(_TRIM)
    return stripped.rstrip(_TRIM), offset + len(text) - len(stripped)


def _clean_name(name: str) -> str:
    """Moodle's clean_question_name: tags removed, trimmed, at most 255 characters."""
    name = _HTML_TAG.sub("", name).strip(_TRIM)
    if len(name) > MAX_NAME_LENGTH:
        name = name[: MAX_NAME_LENGTH - 3].rstrip() + "..."
    return name


def _default_name(questiontext: str) -> str:
    """Moodle's create_default_question_name: the text shortened to about 80 characters."""
    plain = _SPACES.sub(" ", _HTML_TAG.sub("", questiontext)).strip()
    if len(plain) > 80:
        cut = plain[:80]
        if " " in cut:
            cut = cut[: cut.rfind(" ")]
        plain = cut.rstrip() + "..."
    return _clean_name(plain) or DEFAULT_NAME


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
            if line.strip(_TRIM).startswith("//"):
                comments.append((start + index, line.strip(_TRIM)))
                body.append(" ")  # as Moodle does: the line stays, blank
            else:
                body.append(line)
        joined = "\n".join(body)
        self.source = _escape_pre(joined.strip(_TRIM))
        if not self.source:
            return outcome  # only comments
        self.first_line = start + joined[: len(joined) - len(joined.lstrip(_TRIM))].count("\n")
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
        if rest.strip(_TRIM):
            self._problem(
                len(first) + 1,
                _("a $CATEGORY line stands alone: put a blank line between it and the question"),
            )
            return
        outcome.is_category = True
        outcome.category = category_from_path(_escape_post(first[len("$CATEGORY:") :]))

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
                key, value = match.group(1), match.group(2).replace("\\]", "]").strip(_TRIM)
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
                name = _clean_name(_escape_post(text[:end]))
                text, offset = _strip_with_offset(text[end + 2 :], offset + end + 2)
        open_at, close_at = text.find("{"), text.find("}")
        if open_at < 0 and close_at < 0:
            qtype, answers, answers_at, feedback = "description", "", 0, ""
            questiontext = text
        elif open_at < 0 or close_at < open_at:
            where = close_at if open_at < 0 else open_at
            self._problem(offset + where, _("could not find {...} around the answers"))
            return None
        else:
            answers, answers_at = _strip_with_offset(
                text[open_at + 1 : close_at], offset + open_at + 1
            )
            blank = "" if text.endswith("}") else MISSING_WORD
            questiontext = text[:open_at] + blank + text[close_at + 1 :]
            feedback = ""
            separator = answers.rfind("####")
            if separator >= 0:
                feedback = answers[separator + 4 :]
                self.lines[("generalfeedback",)] = self._line_at(answers_at + separator)
                answers = answers[:separator].rstrip(_TRIM)
            qtype = _qtype_of(answers)
        qtext, qformat = _with_format(questiontext, "moodle")
        feedback_text, feedback_format = _with_format(feedback, qformat)
        node: dict[str, Any] = {
            "qtype": qtype,
            "name": name if name is not None else _default_name(qtext),
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
        text, text_format = _with_format(text.strip(_TRIM), default)
        feedback, feedback_format = _with_format(feedback.strip(_TRIM), default)
        return text, text_format, feedback, feedback_format

    def _weight(self, piece: str, offset: int, default: float) -> tuple[float, str]:
        """A leading %n% as a fraction (n/100), and the rest of the answer."""
        if not _WEIGHT.match(piece):
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
        for index, (raw, at) in enumerate(_drop_empty_first(_split(answers, "~=", keep="="))):
            piece, at = _strip_with_offset(raw, offset + at)
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
        for index, (raw, at) in enumerate(_drop_empty_first(_split(answers, "="))):
            piece, at = _strip_with_offset(raw, offset + at)
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
        for index, (raw, at) in enumerate(_drop_empty_first(_split(answers, "="))):
            piece, at = _strip_with_offset(raw, offset + at)
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
            return _number(middle), high_value - middle
        if value.find(":") > 0:
            number, _sep, tolerance = value.partition(":")
            try:
                return number.strip(_TRIM), float(tolerance)
            except ValueError:
                self._problem(
                    offset,
                    _("the tolerance '%(t)s' is not a number") % {"t": tolerance.strip(_TRIM)},
                )
                return None
        return value.strip(_TRIM), 0.0

    def _read_matching(self, node, answers, offset, qformat) -> bool:
        node["shuffleanswers"] = self.shuffleanswers
        items = []
        for index, (raw, at) in enumerate(_drop_empty_first(_split(answers, "="))):
            piece, at = _strip_with_offset(raw, offset + at)
            self.lines[("subquestions", index)] = self._line_at(at)
            marker = piece.find("->")
            if marker < 0:
                self._problem(at, _("each matching pair is written '=item -> answer'"))
                return False
            text, text_format = _with_format(piece[:marker], qformat)
            item: dict[str, Any] = {
                "text": text,
                "answer": _escape_post(piece[marker + 2 :]).strip(_TRIM),
            }
            if text_format != qformat:
                item["format"] = text_format
            items.append(item)
        node["subquestions"] = items
        return True

    def _read_truefalse(self, node, answers, offset, qformat) -> bool:
        word, wrong, right = ([*answers.split("#", 2), "", ""])[:3]
        word = _with_format(word.strip(_TRIM), qformat)[0]
        wrong = _with_format(wrong.strip(_TRIM), qformat)[0]
        right = _with_format(right.strip(_TRIM), qformat)[0]
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
    word = answers[: answers.find("#")].strip(_TRIM) if answers.find("#") > 0 else answers
    return "truefalse" if word in _TF_WORDS else "shortanswer"


def _number_or_text(value: str) -> Any:
    """A number where the text is one (the reader then checks it); else the text as is."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


# --- writing ----------------------------------------------------------------------------


def dump_gift(questions: list[QuestionData], category: str | None = None) -> str:
    """Write questions as GIFT, with a `$CATEGORY:` switch wherever the category changes."""
    parts: list[str] = []
    current = category
    for number, question in enumerate(questions, start=1):
        if question.category != current:
            parts.append(write_category(question.category))
            current = question.category
        parts.append(write_gift_question(question, number))
    return "".join(parts)


def category_path(category: str | None) -> str:
    """The Moodle path of a category: "A/B" -> `$course$/top/A/B`."""
    return "$course$/top" + ("/" + category if category else "")


def write_category(category: str | None) -> str:
    """A category switch as Moodle writes it."""
    path = category_path(category)
    return f"// question: 0  name: Switch category to {path}\n$CATEGORY: {path}\n\n"


def write_gift_question(question: QuestionData, number: int | str = 0) -> str:
    """One question as Moodle's writequestion gives it; `number` goes in the first comment."""
    qformat = question.questiontextformat
    out = [f"// question: {number}  name: {_comment_safe(question.name)}\n"]
    moodle_bits = []
    if question.id:
        moodle_bits.append("[id:" + question.id.replace("]", "\\]") + "]")
    moodle_bits += ["[tag:" + tag.replace("]", "\\]") + "]" for tag in question.tags]
    if moodle_bits:
        out.append("// " + " ".join(moodle_bits) + "\n")
    own = _own_tokens(question)
    if own:
        out.append("// " + " ".join(own) + "\n")
    out.append(
        "::" + _escape(question.name) + "::" + _text(question.questiontext, qformat, "moodle")
    )
    out.append(_WRITERS[question.qtype](question, question.data, qformat))
    out.append("\n")
    return "".join(out)


def _own_tokens(question: QuestionData) -> list[str]:
    """SkillGrid's fields that Moodle's GIFT cannot say, as comment tokens (defaults left out)."""
    tokens = []
    if question.difficulty != DEFAULT_DIFFICULTY:
        tokens.append(f"[difficulty:{question.difficulty}]")
    tokens += [f"[competency:{code}]" for code in question.competencies]
    if question.status != "draft":
        tokens.append(f"[status:{question.status}]")
    if question.source_version:
        tokens.append("[source_version:" + question.source_version.replace("]", "\\]") + "]")
    if question.defaultmark != QTYPES[question.qtype].default_mark:
        tokens.append(f"[mark:{_number(question.defaultmark)}]")
    return tokens


def _comment_safe(text: str) -> str:
    """A name for the `// question:` comment: one line, and no token a reader would pick up."""
    return _SPACES.sub(" ", text).replace("[", "(").replace("]", ")")


def _escape(text: str) -> str:
    """Moodle's repchar: escape `\\ # = ~ { } :`, newlines as `\\n`, CRs dropped."""
    text = text.replace("\\", "\\\\")
    for char in "#=~{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n").replace("\r", "")


def _text(text: str, fmt: str | None, default: str) -> str:
    """Moodle's write_questiontext: a [format] tag where the format is not the default.

    A text that itself starts with something like [html] always gets its tag, so that its
    first characters are not read back as a format.
    """
    fmt = fmt or default
    escaped = _escape(text)
    looks_tagged = escaped.startswith("[") and escaped[1 : escaped.find("]")] in TEXT_FORMATS
    if text and (fmt != default or looks_tagged):
        return f"[{fmt}]" + escaped
    return escaped


def _general_feedback(question: QuestionData, qformat: str, indent: str = "\t") -> str:
    feedback = _text(question.generalfeedback, question.generalfeedbackformat, qformat)
    if not feedback:
        return ""
    return f"{indent}####{feedback}\n" if indent else "####" + feedback


def _number(value: float) -> str:
    """A number as PHP prints it (14 significant digits), exact where that would round."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    short = format(value, ".14g")
    return short if float(short) == value else repr(value)


def _weight_text(fraction: float) -> str:
    """A fraction as Moodle's percentage weight, e.g. 0.3333333 -> 33.33333."""
    return format(float(fraction) * 100, ".14g")


def _write_description(question, data, qformat) -> str:
    return "\n"


def _write_essay(question, data, qformat) -> str:
    return "{" + _general_feedback(question, qformat, "") + "}\n"


def _write_truefalse(question, data, qformat) -> str:
    correct = bool(data["correct"])
    right = _text(data["truefeedback"] if correct else data["falsefeedback"], qformat, qformat)
    wrong = _text(data["falsefeedback"] if correct else data["truefeedback"], qformat, qformat)
    out = "{" + ("TRUE" if correct else "FALSE")
    if wrong:
        out += "#" + wrong
    elif right:
        out += "#"
    if right:
        out += "#" + right
    return out + _general_feedback(question, qformat, "") + "}\n"


def _write_choice(question, data, qformat) -> str:
    is_single = question.qtype == "single"
    out = ["{\n"]
    for answer in data["answers"]:
        fraction = float(answer["fraction"])
        if fraction == 1 and is_single:
            mark = "="
        elif fraction == 0:
            mark = "~"
        else:
            mark = "~%" + _weight_text(fraction) + "%"
        text = _text(answer["text"], answer.get("format"), qformat)
        if mark == "~" and _WEIGHT.match(text):
            mark = "~%0%"  # or the text's own "%50%" would be read as a weight
        line = "\t" + mark + text
        if answer.get("feedback"):
            line += "#" + _text(answer["feedback"], answer.get("feedbackformat"), qformat)
        out.append(line + "\n")
    out.append(_general_feedback(question, qformat))
    return "".join(out) + "}\n"


def _write_shortanswer(question, data, qformat) -> str:
    out = ["{\n"]
    for answer in data["answers"]:
        feedback = _text(answer.get("feedback", ""), answer.get("feedbackformat"), qformat)
        out.append(
            "\t=%" + _weight_text(answer["fraction"]) + "%" + _escape(answer["text"]) + "#"
            f"{feedback}\n"
        )
    out.append(_general_feedback(question, qformat))
    return "".join(out) + "}\n"


def _write_numerical(question, data, qformat) -> str:
    out = ["{#\n"]
    answers = data["answers"]
    for index, answer in enumerate(answers):
        feedback = _text(answer.get("feedback", ""), answer.get("feedbackformat"), qformat)
        is_catch_all = answer["text"] in ("", "*")
        if is_catch_all and index == len(answers) - 1 and float(answer["fraction"]) == 0:
            out.append(f"\t~#{feedback}\n")  # the catch-all wrong answer is written last
        elif is_catch_all:
            out.append("\t=%" + _weight_text(answer["fraction"]) + f"%*#{feedback}\n")
        else:
            out.append(
                "\t=%" + _weight_text(answer["fraction"]) + "%" + answer["text"] + ":"
                f"{_number(answer['tolerance'])}#{feedback}\n"
            )
    out.append(_general_feedback(question, qformat))
    return "".join(out) + "}\n"


def _write_matching(question, data, qformat) -> str:
    out = ["{\n"]
    for sub in data["subquestions"]:
        out.append(
            "\t=" + _text(sub["text"], sub.get("format"), qformat) + " -> "
            f"{_escape(sub['answer'])}\n"
        )
    out.append(_general_feedback(question, qformat))
    return "".join(out) + "}\n"


_WRITERS = {
    "single": _write_choice,
    "multiple": _write_choice,
    "truefalse": _write_truefalse,
    "shortanswer": _write_shortanswer,
    "numerical": _write_numerical,
    "matching": _write_matching,
    "essay": _write_essay,
    "description": _write_description,
}


def looks_like_gift(text: str) -> bool:
    """A cheap test for GIFT content in a file whose name says nothing (e.g. .txt)."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return False
    return bool(_SNIFF.search(text))


_SNIFF = re.compile(
    r"^\s*(?:\$CATEGORY:|::[^:\n]+::)|\{\s*(?:[=~#]|T\s*\}|F\s*\}|TRUE\s*\}|FALSE\s*\})", re.M
)
