"""Writing Moodle XML in the layout of Moodle 4.5's qformat_xml, every question type's elements
included; SkillGrid's own fields go in a `<skillgrid>` element that Moodle ignores."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from app.bank.formats.mapping import file_key
from app.bank.formats.moodle_common import category_path, php_number
from app.bank.formats.moodle_xml.tree import MOODLE_FORMATS
from app.bank.qtypes import QTYPES
from app.bank.qtypes.base import DEFAULT_DIFFICULTY, QuestionData

#: characters XML 1.0 cannot carry at all, even in CDATA
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_escape(text: str) -> str:
    """Moodle's xml_escape: text with markup goes in CDATA (split where it holds `]]>`)."""
    text = _NOT_XML.sub("", text)
    if text and html.escape(text, quote=True) != text:
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return text


def _fmt(fmt: str | None) -> str:
    return f'format="{MOODLE_FORMATS[fmt or "moodle"]}"'


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
        """Whether `text` links to the file (its key as written, or URL-quoted)."""
        key = file_key(item)
        return "@@PLUGINFILE@@/" + key in text or "@@PLUGINFILE@@/" + quote(key) in text

    def write(self, text: str, indent: int, *, leftovers: bool = False) -> str:
        """The `<file>` elements of the files `text` refers to (and, with `leftovers`, of those
        no text refers to)."""
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
    qtype = QTYPES[question.qtype]
    # A Cloze question's blanks are written inside its text, as Moodle writes them.
    question = replace(
        question, questiontext=qtype.join_text(question.questiontext, question.data, qformat)
    )
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
        _defaultgrade(question, qtype),
        f"    <penalty>{php_number(question.penalty)}</penalty>\n",
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


def _defaultgrade(question: QuestionData, qtype) -> str:
    """Moodle writes no <defaultgrade> for Cloze, whose mark is the sum of its blanks'
    weights; SkillGrid writes one only when the mark differs from that sum."""
    if question.qtype in _MARK_FROM_BLANKS and question.defaultmark == qtype.default_mark_for(
        question.data
    ):
        return ""
    return f"    <defaultgrade>{php_number(question.defaultmark)}</defaultgrade>\n"


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
            a,
            "plain",
            qformat,
            files,
            f"      <tolerance>{php_number(a['tolerance'])}</tolerance>\n",
        )
        for a in data["answers"]
    ]
    units = data.get("units") or []
    if units:
        out.append("<units>\n")
        for unit in units:
            out.append(
                "  <unit>\n"
                f"    <multiplier>{php_number(unit['multiplier'])}</multiplier>\n"
                f"    <unit_name>{xml_escape(unit['unit'])}</unit_name>\n"
                "  </unit>\n"
            )
        out.append("</units>\n")
    grading, penalty = data.get("unitgradingtype", 0), data.get("unitpenalty", 0.1)
    if units or grading != 0 or penalty != 0.1:
        out.append(f"    <unitgradingtype>{grading}</unitgradingtype>\n")
        out.append(f"    <unitpenalty>{php_number(penalty)}</unitpenalty>\n")
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
        f"    <minwordlimit>{php_number(data.get('minwordlimit'))}</minwordlimit>\n"
        f"    <maxwordlimit>{php_number(data.get('maxwordlimit'))}</maxwordlimit>\n"
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


def _write_cloze(question, data, qformat, files) -> str:
    return ""  # the blanks are in the question text


#: the types Moodle writes without <defaultgrade>
_MARK_FROM_BLANKS = {"cloze"}


_TYPE_WRITERS = {
    "single": _write_choice,
    "multiple": _write_choice,
    "truefalse": _write_truefalse,
    "shortanswer": _write_shortanswer,
    "numerical": _write_numerical,
    "matching": _write_matching,
    "essay": _write_essay,
    "description": _write_description,
    "cloze": _write_cloze,
}
assert set(_TYPE_WRITERS) == set(QTYPES)  # noqa: S101 - a new qtype must get a writer here
