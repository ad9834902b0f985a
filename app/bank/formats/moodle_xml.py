"""Moodle XML: read and write every SkillGrid question type, categories, files and hints.

Read with defusedxml's expat parser (no DTD, no entity expansion, no network), with the line of
every element kept, so each problem names the line to fix. The layout written is Moodle 4.5's
qformat_xml, so Moodle imports SkillGrid's exports and vice versa. Moodle types SkillGrid does
not have (Cloze, calculated, drag and drop, ...) are reported by name and line, never dropped
silently. SkillGrid's own fields go in a `<skillgrid>` element that Moodle ignores.
Documented in docs/question-format.md.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from app.bank.formats.mapping import file_key, read_question
from app.bank.qtypes import QTYPES
from app.bank.qtypes.base import DEFAULT_DIFFICULTY, Problem, QuestionData
from app.bank.qtypes.i18n import _

#: Moodle's format names <-> SkillGrid's
FORMAT_NAMES = {
    "moodle_auto_format": "moodle",
    "html": "html",
    "plain_text": "plain",
    "markdown": "markdown",
    "wiki_like": "moodle",  # retired by Moodle long ago; its files still turn up
}
MOODLE_FORMATS = {"moodle": "moodle_auto_format", "html": "html", "plain": "plain_text",
                  "markdown": "markdown"}  # fmt: skip
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
}
#: Moodle types SkillGrid cannot hold -> the name authors know them by
UNSUPPORTED = {
    "cloze": ("multianswer", "Cloze"),
    "multianswer": ("multianswer", "Cloze"),
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
_CONTEXT_TOKEN = re.compile(r"^\$[a-z0-9]+\$$")
_WHITESPACE = re.compile(r"\s+")
#: characters XML 1.0 cannot carry at all, even in CDATA
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- a small tree that remembers lines ----------------------------------------------------


class Node:
    """An XML element: tag, attributes, children, its own text and the line it starts on."""

    __slots__ = ("tag", "attrs", "children", "parts", "line")

    def __init__(self, tag: str, attrs: dict[str, str], line: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node] = []
        self.parts: list[str] = []
        self.line = line

    @property
    def text(self) -> str:
        """The element's own character data (CDATA included), untrimmed."""
        return "".join(self.parts)

    def find(self, tag: str) -> Node | None:
        """The first child called `tag`."""
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Node]:
        """Every child called `tag`."""
        return [child for child in self.children if child.tag == tag]

    def iter(self, tag: str) -> Iterable[Node]:
        """Every descendant called `tag`, in document order."""
        for child in self.children:
            if child.tag == tag:
                yield child
            yield from child.iter(tag)


class _Builder:
    """The parser's target: builds Nodes, asking the expat parser for each start tag's line."""

    def __init__(self) -> None:
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.expat: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, dict(attrs), self.expat.CurrentLineNumber)
        if self.stack:
            self.stack[-1].children.append(node)
        elif self.root is None:
            self.root = node
        self.stack.append(node)

    def end(self, tag: str) -> None:
        self.stack.pop()

    def data(self, data: str) -> None:
        if self.stack:
            self.stack[-1].parts.append(data)

    def close(self) -> Node | None:
        return self.root


def parse_tree(text: str) -> Node:
    """Parse XML text safely into Nodes; raises ValueError(line, message) on bad XML."""
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    try:
        parser.feed(text)
        root = parser.close()
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        raise ValueError(
            line, _("XML syntax error: %(msg)s") % {"msg": _syntax_detail(exc)}
        ) from None
    except DefusedXmlException:
        line = builder.expat.CurrentLineNumber or 1
        raise ValueError(
            line, _("the XML declares a DTD or entities, which are refused for safety")
        ) from None
    if root is None:
        raise ValueError(1, _("the file has no XML element"))
    return root


def _syntax_detail(exc: ParseError) -> str:
    return re.sub(r": line \d+, column \d+$", "", str(exc))


# --- reading ----------------------------------------------------------------------------


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
    first_line_of_id: dict[str, int] = {}
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
        if question.id is not None:
            if question.id in first_line_of_id:
                problems.append(
                    Problem(
                        filename,
                        element.line,
                        _("duplicate id '%(id)s' (first used on line %(line)d)")
                        % {"id": question.id, "line": first_line_of_id[question.id]},
                    )
                )
                continue
            first_line_of_id[question.id] = element.line
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


def category_from_path(path: str) -> str | None:
    """A Moodle category path as SkillGrid names it: `$course$/top/A/B` -> "A/B"; root -> None.

    Moodle writes a slash inside a name as `//`; SkillGrid separates names with `/`, so such a
    slash becomes a full-width ／.
    """
    names = [name.replace("\0", "／").strip() for name in path.replace("//", "\0").split("/")]
    names = [name for name in names if name]
    if names and _CONTEXT_TOKEN.match(names[0]):
        names = names[1:]
    if names and names[0] == "top":
        names = names[1:]
    return "/".join(names) or None


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
    files = [
        {
            "name": item.attrs.get("name", ""),
            "path": item.attrs.get("path", "/") or "/",
            "content_base64": _WHITESPACE.sub("", item.text),
        }
        for item in node.findall("file")
    ]
    return _text_of(node), fmt, files


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

    def locate(self, path: tuple[str | int, ...]) -> int:
        """The line of the element a problem is about (the question's, if nothing closer)."""
        for depth in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:depth]))
            if line is not None:
                return line
        return self.element.line

    def child(self, tag: str, key: str | None = None) -> Node | None:
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
        node["files"] = [
            {
                "name": item.attrs.get("name", ""),
                "path": item.attrs.get("path", "/") or "/",
                "content_base64": _WHITESPACE.sub("", item.text),
            }
            for item in self.element.iter("file")
        ]
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


# --- writing ----------------------------------------------------------------------------


def xml_escape(text: str) -> str:
    """Moodle's xml_escape: text with markup goes in CDATA (split where it holds `]]>`)."""
    text = _NOT_XML.sub("", text)
    if text and html.escape(text, quote=True) != text:
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return text


def _fmt(fmt: str | None) -> str:
    return f'format="{MOODLE_FORMATS[fmt or "moodle"]}"'


def _num(value: Any) -> str:
    """A number as PHP prints it; exact (repr) where 14 digits would round it."""
    if value is None:
        return ""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    short = format(value, ".14g")
    return short if float(short) == value else repr(value)


def _writetext(text: str, indent: int) -> str:
    return "  " * indent + "<text>" + xml_escape(text) + "</text>\n"


def dump_moodle_xml(questions: list[QuestionData]) -> str:
    """Write questions as a Moodle XML file, with a category switch wherever it changes."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    current: Any = object()
    for number, question in enumerate(questions, start=1):
        if question.category != current:
            out.append(write_category(question.category, question.category_description) + "\n")
            current = question.category
        out.append(write_moodle_xml_question(question, number) + "\n")
    out.append("</quiz>\n")
    return "".join(out)


def category_path(category: str | None) -> str:
    """The Moodle path of a category: "A/B" -> `$course$/top/A/B`."""
    return "$course$/top" + ("/" + category if category else "")


def write_category(category: str | None, description: str | None = None) -> str:
    """A category switch as Moodle writes it."""
    return (
        "<!-- question: 0  -->\n"
        '  <question type="category">\n'
        "    <category>\n"
        "      " + _writetext(category_path(category), 0) + "    </category>\n"
        '    <info format="html">\n'
        "      " + _writetext(description or "", 0) + "    </info>\n"
        "    <idnumber></idnumber>\n"
        "  </question>\n"
    )


class _FileWriter:
    """Puts each embedded file under the texts that refer to it (Moodle keeps a file area per
    text); files no text mentions go with the question text."""

    def __init__(self, question: QuestionData) -> None:
        self.files = question.files
        self.texts: list[str] = []

    def refers(self, text: str, item: dict[str, Any]) -> bool:
        key = file_key(item)
        return "@@PLUGINFILE@@/" + key in text or "@@PLUGINFILE@@/" + quote(key) in text

    def write(self, text: str, indent: int, *, leftovers: bool = False) -> str:
        chosen = [item for item in self.files if self.refers(text, item)]
        if leftovers:
            chosen += [
                item for item in self.files if item not in chosen and not self._anywhere(item)
            ]
        return "".join(
            "  " * indent
            + f'<file name="{html.escape(item["name"])}" path="{html.escape(item["path"])}"'
            + f' encoding="base64">{item["content_base64"]}</file>\n'
            for item in chosen
        )

    def _anywhere(self, item: dict[str, Any]) -> bool:
        return any(self.refers(text, item) for text in self.texts)


def _all_texts(question: QuestionData) -> list[str]:
    """Every text of a question a file could be referred from."""
    data = question.data
    texts = [question.questiontext, question.generalfeedback, question.correctfeedback,
             question.partiallycorrectfeedback, question.incorrectfeedback]  # fmt: skip
    texts += [hint.get("text", "") for hint in question.hints]
    for answer in data.get("answers", []):
        texts += [str(answer.get("text", "")), answer.get("feedback", "")]
    texts += [sub.get("text", "") for sub in data.get("subquestions", [])]
    texts += [
        data.get("graderinfo", ""),
        data.get("truefeedback", ""),
        data.get("falsefeedback", ""),
    ]
    return [text for text in texts if text]


def write_moodle_xml_question(question: QuestionData, number: int | str = 0) -> str:
    """One question as Moodle's writequestion gives it; `number` goes in the first comment."""
    qformat = question.questiontextformat
    files = _FileWriter(question)
    files.texts = _all_texts(question)
    kind = {"single": "multichoice", "multiple": "multichoice"}.get(question.qtype, question.qtype)
    out = [
        f"<!-- question: {number}  -->\n",
        f'  <question type="{kind}">\n',
        "    <name>\n",
        _writetext(question.name, 3),
        "    </name>\n",
        f"    <questiontext {_fmt(qformat)}>\n",
        _writetext(question.questiontext, 3),
        files.write(question.questiontext, 3, leftovers=True),
        "    </questiontext>\n",
        f"    <generalfeedback {_fmt(question.generalfeedbackformat or qformat)}>\n",
        _writetext(question.generalfeedback, 3),
        files.write(question.generalfeedback, 3),
        "    </generalfeedback>\n",
        f"    <defaultgrade>{_num(question.defaultmark)}</defaultgrade>\n",
        f"    <penalty>{_num(question.penalty)}</penalty>\n",
        f"    <hidden>{1 if question.status == 'retired' else 0}</hidden>\n",
        f"    <idnumber>{xml_escape(question.id or '')}</idnumber>\n",
    ]
    out.append(_TYPE_WRITERS[question.qtype](question, question.data, qformat, files))
    for hint in question.hints:
        out.append(f"    <hint {_fmt(hint.get('format') or qformat)}>\n")
        out.append(_writetext(hint.get("text", ""), 3))
        out.append(files.write(hint.get("text", ""), 3))
        if hint.get("shownumcorrect"):
            out.append("      <shownumcorrect/>\n")
        if hint.get("clearwrong"):
            out.append("      <clearwrong/>\n")
        out.append("    </hint>\n")
    if question.tags:
        out.append("    <tags>\n")
        out += [f"      <tag><text>{xml_escape(tag)}</text></tag>\n" for tag in question.tags]
        out.append("    </tags>\n")
    out.append(_own_element(question))
    out.append("  </question>\n")
    return "".join(out)


def _own_element(question: QuestionData) -> str:
    """SkillGrid's fields Moodle has no element for (only those that differ from the default)."""
    parts = []
    if question.difficulty != DEFAULT_DIFFICULTY:
        parts.append(f"      <difficulty>{question.difficulty}</difficulty>\n")
    parts += [f"      <competency>{code}</competency>\n" for code in question.competencies]
    if question.status not in ("draft", "retired"):
        parts.append(f"      <status>{question.status}</status>\n")
    if question.source_version is not None:
        parts.append("      <source_version>\n" + _writetext(question.source_version, 4)
                     + "      </source_version>\n")  # fmt: skip
    if not parts:
        return ""
    return "    <skillgrid>\n" + "".join(parts) + "    </skillgrid>\n"


def _answer(
    answer: dict[str, Any], fmt: str, qformat: str, files: _FileWriter, extra: str = ""
) -> str:
    text, feedback = str(answer.get("text", "")), answer.get("feedback", "")
    return (
        f'    <answer fraction="{format(float(answer["fraction"]) * 100, ".14g")}" {_fmt(fmt)}>\n'
        + _writetext(text, 3)
        + files.write(text, 3)
        + f"      <feedback {_fmt(answer.get('feedbackformat') or qformat)}>\n"
        + _writetext(feedback, 4)
        + files.write(feedback, 4)
        + "      </feedback>\n"
        + extra
        + "    </answer>\n"
    )


def _combined_feedback(question: QuestionData, data: dict[str, Any], qformat: str, files) -> str:
    out = []
    for key in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        text = getattr(question, key)
        out.append(f"    <{key} {_fmt(qformat)}>\n" + _writetext(text, 3) + files.write(text, 3)
                   + f"    </{key}>\n")  # fmt: skip
    if data.get("shownumcorrect"):
        out.append("    <shownumcorrect/>\n")
    return "".join(out)


def _bool(value: Any) -> str:
    return "true" if value else "false"


def _write_choice(question, data, qformat, files) -> str:
    out = [
        f"    <single>{_bool(question.qtype == 'single')}</single>\n",
        f"    <shuffleanswers>{_bool(data.get('shuffleanswers', True))}</shuffleanswers>\n",
        f"    <answernumbering>{data.get('answernumbering', 'abc')}</answernumbering>\n",
        "    <showstandardinstruction>0</showstandardinstruction>\n",
        _combined_feedback(question, data, qformat, files),
    ]
    out += [_answer(a, a.get("format") or qformat, qformat, files) for a in data["answers"]]
    return "".join(out)


def _write_truefalse(question, data, qformat, files) -> str:
    correct = bool(data["correct"])
    return "".join(
        _answer(
            {
                "text": word,
                "fraction": 1 if is_right else 0,
                "feedback": data.get(word + "feedback", ""),
            },
            "plain",
            qformat,
            files,
        )
        for word, is_right in (("true", correct), ("false", not correct))
    )


def _write_shortanswer(question, data, qformat, files) -> str:
    out = [f"    <usecase>{1 if data.get('usecase') else 0}</usecase>\n"]
    out += [_answer(a, "plain", qformat, files) for a in data["answers"]]
    return "".join(out)


def _write_numerical(question, data, qformat, files) -> str:
    out = [
        _answer(
            a, "plain", qformat, files, f"      <tolerance>{_num(a['tolerance'])}</tolerance>\n"
        )
        for a in data["answers"]
    ]
    units = data.get("units") or []
    if units:
        out.append("<units>\n")
        for unit in units:
            out.append(
                "  <unit>\n"
                f"    <multiplier>{_num(unit['multiplier'])}</multiplier>\n"
                f"    <unit_name>{xml_escape(unit['unit'])}</unit_name>\n"
                "  </unit>\n"
            )
        out.append("</units>\n")
    grading, penalty = data.get("unitgradingtype", 0), data.get("unitpenalty", 0.1)
    if units or grading != 0 or penalty != 0.1:
        out.append(f"    <unitgradingtype>{grading}</unitgradingtype>\n")
        out.append(f"    <unitpenalty>{_num(penalty)}</unitpenalty>\n")
    return "".join(out)


def _write_matching(question, data, qformat, files) -> str:
    out = [
        f"    <shuffleanswers>{_bool(data.get('shuffleanswers', True))}</shuffleanswers>\n",
        _combined_feedback(question, data, qformat, files),
    ]
    for sub in data["subquestions"]:
        out.append(
            f"    <subquestion {_fmt(sub.get('format') or qformat)}>\n"
            + _writetext(sub["text"], 3)
            + files.write(sub["text"], 3)
            + "      <answer>\n"
            + _writetext(sub["answer"], 4)
            + "      </answer>\n"
            + "    </subquestion>\n"
        )
    return "".join(out)


def _write_essay(question, data, qformat, files) -> str:
    graderinfo = data.get("graderinfo", "")
    required = 1 if data.get("responserequired", True) else 0
    return (
        f"    <responseformat>{data.get('responseformat', 'editor')}</responseformat>\n"
        f"    <responserequired>{required}</responserequired>\n"
        f"    <responsefieldlines>{data.get('responsefieldlines', 15)}</responsefieldlines>\n"
        f"    <minwordlimit>{_num(data.get('minwordlimit'))}</minwordlimit>\n"
        f"    <maxwordlimit>{_num(data.get('maxwordlimit'))}</maxwordlimit>\n"
        f"    <attachments>{data.get('attachments', 0)}</attachments>\n"
        f"    <attachmentsrequired>{data.get('attachmentsrequired', 0)}</attachmentsrequired>\n"
        "    <maxbytes>0</maxbytes>\n"
        "    <filetypeslist></filetypeslist>\n"
        f"    <graderinfo {_fmt(data.get('graderinfoformat') or qformat)}>\n"
        + _writetext(graderinfo, 3)
        + files.write(graderinfo, 3)
        + "    </graderinfo>\n"
        f"    <responsetemplate {_fmt(qformat)}>\n"
        + _writetext(data.get("responsetemplate", ""), 3)
        + "    </responsetemplate>\n"
    )


def _write_description(question, data, qformat, files) -> str:
    return ""


_TYPE_WRITERS = {
    "single": _write_choice,
    "multiple": _write_choice,
    "truefalse": _write_truefalse,
    "shortanswer": _write_shortanswer,
    "numerical": _write_numerical,
    "matching": _write_matching,
    "essay": _write_essay,
    "description": _write_description,
}
assert set(_TYPE_WRITERS) == set(QTYPES)  # noqa: S101 - a new qtype must get a writer here


def looks_like_moodle_xml(text: str) -> bool:
    """A cheap test for Moodle XML content in a file whose name says nothing."""
    head = text.lstrip("\ufeff \t\r\n")[:500]
    return head.startswith("<?xml") and "<quiz" in text[:2000] or head.startswith("<quiz")
