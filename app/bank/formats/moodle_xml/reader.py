"""Reading Moodle XML: categories, hints, embedded files, SkillGrid's `<skillgrid>` element and
every question type's elements, each problem on the line of the element to fix."""

from __future__ import annotations

import re
from typing import Any

from app.bank.formats.mapping import SeenIds, read_question
from app.bank.formats.moodle_common import category_from_path
from app.bank.formats.moodle_xml.tree import FORMAT_NAMES, Node, parse_tree
from app.bank.qtypes.base import Problem, QuestionData
from app.bank.qtypes.i18n import _

#: Moodle XML type -> SkillGrid qtype ("multichoice" becomes single or multiple)
TYPES = {
    "multichoice": "single",
    "truefalse": "truefalse",
    "shortanswer": "shortanswer",
    "numerical": "numerical",
    "matching": "matching",
    "match": "matching",
    "essay": "essay",
    "description": "description",
    "cloze": "cloze",  # Moodle's multianswer; the blanks are in the question text
    "multianswer": "cloze",
}
#: Moodle types SkillGrid cannot hold -> the name authors know them by
UNSUPPORTED = {
    "calculated": ("calculated", None),
    "calculatedsimple": ("calculatedsimple", None),
    "calculatedmulti": ("calculatedmulti", None),
    "ddwtos": ("ddwtos", "drag and drop into text"),
    "gapselect": ("gapselect", "select missing words"),
    "randomsamatch": ("randomsamatch", "random short-answer matching"),
    "ordering": ("ordering", None),
    "ddimageortext": ("ddimageortext", "drag and drop onto image"),
    "ddmarker": ("ddmarker", "drag and drop markers"),
    "random": ("random", None),
}
_TRUE_WORDS = {"true", "1", "yes"}
_FALSE_WORDS = {"false", "0", "no", ""}
_WHITESPACE = re.compile(r"\s+")


def parse_moodle_xml(text: str, filename: str) -> tuple[list[QuestionData], list[Problem]]:
    """Read a Moodle XML file; return its valid questions and every problem found, by line.

    The root is `<quiz>` (a lone `<question>` is read too). Never raises on bad input.
    """
    try:
        root = parse_tree(text)
    except ValueError as exc:
        line, message = exc.args
        return [], [Problem(filename, line, message)]
    if root.tag == "question":
        elements = [root]
    elif root.tag == "quiz":
        elements = root.findall("question")
    else:
        return [], [Problem(filename, root.line, _("expected <quiz> at the top of the file"))]
    problems: list[Problem] = []
    questions: list[QuestionData] = []
    category: str | None = None
    description: str | None = None
    seen = SeenIds(filename)
    for element in elements:
        kind = element.attrs.get("type", "").strip()
        if kind == "category":
            category, description = read_category(element)
            continue
        if kind not in TYPES:
            problems.append(Problem(filename, element.line, _type_message(kind)))
            continue
        reader = _QuestionReader(element)
        node = reader.read(kind)
        question, found = read_question(node, category, reader.locate)
        problems.extend(Problem(filename, line, message) for line, message in found)
        problems.extend(Problem(filename, line, message) for line, message in reader.problems)
        if question is None or reader.problems:
            continue
        question.category_description = description
        repeat = seen.repeat(question, element.line)
        if repeat is not None:
            problems.append(repeat)
            continue
        questions.append(question)
    problems.sort(key=lambda problem: problem.line)
    return questions, problems


def _type_message(kind: str) -> str:
    if not kind:
        return _('a <question> needs a type, e.g. type="multichoice"')
    name, label = UNSUPPORTED.get(kind, (kind, None))
    if label:
        return _("question type '%(type)s' (%(label)s) is not supported") % {
            "type": name,
            "label": label,
        }
    return _("question type '%(type)s' is not supported") % {"type": name}


def read_category(element: Node) -> tuple[str | None, str | None]:
    """A category switch: (the category, its description or None)."""
    path = _text_of(element.find("category"))
    info = _text_of(element.find("info"))
    return category_from_path(path), (info or None)


def _text_of(node: Node | None, default: str = "") -> str:
    """The trimmed text of `<x><text>...</text></x>`, as Moodle's getpath(..., true) reads it."""
    if node is None:
        return default
    text = node.find("text")
    return (text.text if text is not None else node.text).strip()


def _value(node: Node | None, default: str = "") -> str:
    """The trimmed character data of a simple element such as `<penalty>0.1</penalty>`."""
    return default if node is None else node.text.strip()


def _number(raw: str, default: Any) -> Any:
    """A number where the text is one; otherwise the text, for the reader to report."""
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        return raw
    return int(value) if value.is_integer() else value


def _flag(raw: str, default: bool) -> Any:
    """Moodle's booleans: true/false, 1/0; anything else is handed on for the reader to report."""
    word = raw.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return default if word == "" else False
    return raw


def read_text_with_files(node: Node, default_format: str) -> tuple[str, str, list[dict[str, Any]]]:
    """A text element with its format attribute and the files embedded in it."""
    fmt = FORMAT_NAMES.get(node.attrs.get("format", "").strip(), default_format)
    return _text_of(node), fmt, [_file_of(item) for item in node.findall("file")]


def _file_of(item: Node) -> dict[str, Any]:
    """An embedded `<file>` as the mapping read_question reads."""
    return {
        "name": item.attrs.get("name", ""),
        "path": item.attrs.get("path", "/") or "/",
        "content_base64": _WHITESPACE.sub("", item.text),
    }


def read_hints(element: Node, default_format: str, with_parts: bool = True) -> list[dict[str, Any]]:
    """The `<hint>`s of a question; `with_parts` keeps shownumcorrect and clearwrong."""
    hints = []
    for node in element.findall("hint"):
        text, fmt, _files = read_text_with_files(node, default_format)
        hint: dict[str, Any] = {"text": text}
        if fmt != default_format:
            hint["format"] = fmt
        if with_parts:
            for flag in ("shownumcorrect", "clearwrong"):
                if node.find(flag) is not None:
                    hint[flag] = True
        hints.append(hint)
    return hints


class _QuestionReader:
    """Turns one `<question>` into the mapping that every format hands to read_question."""

    def __init__(self, element: Node) -> None:
        self.element = element
        self.lines: dict[tuple[str | int, ...], int] = {(): element.line}
        self.problems: list[tuple[int, str]] = []
        #: where the question text's first line is (after the blanks Moodle trims)
        self.text_line = element.line

    def locate(self, path: tuple[str | int, ...]) -> int:
        """The line of the element a problem is about (the question's, if nothing closer);
        ("questiontext", n) is line n of the question text (a Cloze blank's)."""
        if len(path) == 2 and path[0] == "questiontext" and isinstance(path[1], int):
            return self.text_line + path[1]
        for depth in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:depth]))
            if line is not None:
                return line
        return self.element.line

    def child(self, tag: str, key: str | None = None) -> Node | None:
        """The first child called `tag`, its line remembered under `key` (default: the tag)."""
        node = self.element.find(tag)
        if node is not None:
            self.lines[(key or tag,)] = node.line
        return node

    def read(self, kind: str) -> dict[str, Any]:
        """The common fields, then the type's own."""
        qtype = TYPES[kind]
        if qtype == "single" and _flag(_value(self.child("single")), True) is False:
            qtype = "multiple"
        node: dict[str, Any] = {"qtype": qtype, "name": _text_of(self.child("name"))}
        qtext = self.child("questiontext")
        text, qformat, files = read_text_with_files(qtext, "html") if qtext else ("", "html", [])
        if qtext is not None:
            holder = qtext.find("text") or qtext
            raw = holder.text
            self.text_line = holder.line + raw[: len(raw) - len(raw.lstrip())].count("\n")
        node["questiontext"], node["questiontextformat"] = text, qformat
        self.qformat = qformat
        feedback = self.child("generalfeedback")
        if feedback is not None:
            node["generalfeedback"], fmt, _files = read_text_with_files(feedback, qformat)
            if fmt != qformat:
                node["generalfeedbackformat"] = fmt
        if self.child("defaultgrade", "defaultmark") is not None:
            node["defaultmark"] = _number(_value(self.element.find("defaultgrade")), 1)
        if self.child("penalty") is not None:
            node["penalty"] = _number(_value(self.element.find("penalty")), 0.3333333)
        idnumber = _value(self.child("idnumber", "id"))
        if idnumber:
            node["id"] = idnumber
        tags = self.child("tags")
        if tags is not None:
            node["tags"] = []
            for index, tag in enumerate(tags.findall("tag")):
                self.lines[("tags", index)] = tag.line
                node["tags"].append(_text_of(tag))
        if _value(self.child("hidden", "status")) == "1":
            node["status"] = "retired"
        self._read_hints(node)
        self._read_own(node)
        getattr(self, "_read_" + qtype)(node)
        node["files"] = [_file_of(item) for item in self.element.iter("file")]
        for index, item in enumerate(self.element.iter("file")):
            self.lines[("files", index)] = item.line
        if not node["files"]:
            del node["files"]
        return node

    def _read_hints(self, node: dict[str, Any]) -> None:
        hints = read_hints(self.element, self.qformat)
        for index, hint_node in enumerate(self.element.findall("hint")):
            self.lines[("hints", index)] = hint_node.line
        if hints:
            node["hints"] = hints

    def _read_own(self, node: dict[str, Any]) -> None:
        """SkillGrid's `<skillgrid>` element: difficulty, competencies, status, source version."""
        own = self.child("skillgrid")
        if own is None:
            return
        for tag, key in (("difficulty", "difficulty"), ("status", "status")):
            item = own.find(tag)
            if item is not None:
                self.lines[(key,)] = item.line
                node[key] = (
                    _number(item.text.strip(), "") if key == "difficulty" else item.text.strip()
                )
        source = own.find("source_version")
        if source is not None:
            self.lines[("source_version",)] = source.line
            node["source_version"] = _text_of(source)
        codes = own.findall("competency")
        if codes:
            node["competencies"] = []
            for index, code in enumerate(codes):
                self.lines[("competencies", index)] = code.line
                node["competencies"].append(code.text.strip())

    def _combined_feedback(self, node: dict[str, Any]) -> None:
        for key in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            item = self.child(key)
            if item is not None:
                node[key] = _text_of(item)
        node["shownumcorrect"] = self.element.find("shownumcorrect") is not None

    def _answers(self, *, plain: bool, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        answers = []
        for index, item in enumerate(self.element.findall("answer")):
            self.lines[("answers", index)] = item.line
            raw = item.attrs.get("fraction", "0").strip()
            fraction = _number(raw, 0)
            answer: dict[str, Any] = {
                "text": _text_of(item),
                "fraction": round(fraction / 100, 7) if isinstance(fraction, (int, float)) else raw,
            }
            if not plain:
                fmt = FORMAT_NAMES.get(item.attrs.get("format", "").strip(), self.qformat)
                if fmt != self.qformat:
                    answer["format"] = fmt
            feedback = item.find("feedback")
            answer["feedback"] = ""
            if feedback is not None:
                answer["feedback"], fmt, _files = read_text_with_files(feedback, self.qformat)
                if fmt != self.qformat:
                    answer["feedbackformat"] = fmt
            if "tolerance" in extra:
                answer["tolerance"] = _number(_value(item.find("tolerance")), 0)
            answers.append(answer)
        return answers

    def _read_single(self, node: dict[str, Any]) -> None:
        node["shuffleanswers"] = _flag(_value(self.child("shuffleanswers")), True)
        numbering = _value(self.child("answernumbering"))
        node["answernumbering"] = numbering or "abc"
        self._combined_feedback(node)
        node["answers"] = self._answers(plain=False)

    _read_multiple = _read_single

    def _read_truefalse(self, node: dict[str, Any]) -> None:
        """As Moodle: each answer says whether its word is right; the last one read decides."""
        node["correct"] = True
        for index, item in enumerate(self.element.findall("answer")):
            self.lines[("answers", index)] = item.line
            word = _text_of(item).lower()
            if word not in ("true", "false"):
                word = "true" if index == 0 else "false"  # old files: true first, then false
            fraction = _number(item.attrs.get("fraction", "0").strip(), 0)
            is_full = isinstance(fraction, (int, float)) and fraction == 100
            node["correct"] = is_full if word == "true" else not is_full
            node[word + "feedback"] = _text_of(item.find("feedback"))

    def _read_shortanswer(self, node: dict[str, Any]) -> None:
        node["usecase"] = _flag(_value(self.child("usecase")), False)
        node["answers"] = self._answers(plain=True)

    def _read_numerical(self, node: dict[str, Any]) -> None:
        node["answers"] = self._answers(plain=True, extra=("tolerance",))
        units = self.child("units")
        if units is not None:
            node["units"] = []
            for index, unit in enumerate(units.findall("unit")):
                self.lines[("units", index)] = unit.line
                node["units"].append(
                    {
                        "unit": _value(unit.find("unit_name")),
                        "multiplier": _number(_value(unit.find("multiplier")), 1),
                    }
                )
        for key, default in (("unitgradingtype", 0), ("unitpenalty", 0.1)):
            item = self.child(key)
            if item is not None:
                node[key] = _number(item.text.strip(), default)

    def _read_matching(self, node: dict[str, Any]) -> None:
        node["shuffleanswers"] = _flag(_value(self.child("shuffleanswers")), True)
        self._combined_feedback(node)
        node["subquestions"] = []
        for index, item in enumerate(self.element.findall("subquestion")):
            self.lines[("subquestions", index)] = item.line
            text, fmt, _files = read_text_with_files(item, self.qformat)
            sub: dict[str, Any] = {"text": text, "answer": _text_of(item.find("answer"))}
            if fmt != self.qformat:
                sub["format"] = fmt
            node["subquestions"].append(sub)

    def _read_essay(self, node: dict[str, Any]) -> None:
        for key in ("responseformat",):
            item = self.child(key)
            if item is not None and item.text.strip():
                node[key] = item.text.strip()
        if self.child("responserequired") is not None:
            node["responserequired"] = _flag(_value(self.element.find("responserequired")), True)
        for key, default in (
            ("responsefieldlines", 15),
            ("attachments", 0),
            ("attachmentsrequired", 0),
            ("minwordlimit", None),
            ("maxwordlimit", None),
        ):
            item = self.child(key)
            if item is not None:
                node[key] = _number(item.text.strip(), default)
        graderinfo = self.child("graderinfo")
        if graderinfo is not None:
            node["graderinfo"], fmt, _files = read_text_with_files(graderinfo, self.qformat)
            if fmt != self.qformat:
                node["graderinfoformat"] = fmt
        template = self.child("responsetemplate")
        if template is not None:
            node["responsetemplate"] = _text_of(template)

    def _read_description(self, node: dict[str, Any]) -> None:
        node.setdefault("defaultmark", 0)

    def _read_cloze(self, node: dict[str, Any]) -> None:
        """Nothing of its own: the blanks are in the question text, and without a
        <defaultgrade> (Moodle writes none) the mark is the sum of their weights."""


# --- writing ----------------------------------------------------------------------------


def looks_like_moodle_xml(text: str) -> bool:
    """A cheap test for Moodle XML content in a file whose name says nothing."""
    head = text.lstrip("\ufeff \t\r\n")[:500]
    return head.startswith("<?xml") and "<quiz" in text[:2000] or head.startswith("<quiz")
