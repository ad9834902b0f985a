"""Writing GIFT as Moodle 4.5's qformat_gift writes it, every question type's answer syntax
included; SkillGrid's own fields go in comment tokens that Moodle ignores."""

from __future__ import annotations

from app.bank.formats.gift.syntax import SPACES, WEIGHT
from app.bank.formats.moodle_common import category_path, php_number
from app.bank.qtypes import QTYPES
from app.bank.qtypes.base import DEFAULT_DIFFICULTY, TEXT_FORMATS, QuestionData


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
    if question.qtype not in _WRITERS:
        # GIFT has no syntax for it (Cloze): Moodle's own export writes the comments only.
        out.append(f"// {question.qtype}: GIFT cannot hold this type; export it as Moodle XML\n\n")
        return "".join(out)
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
        tokens.append(f"[mark:{php_number(question.defaultmark)}]")
    return tokens


def _comment_safe(text: str) -> str:
    """A name for the `// question:` comment: one line, and no token a reader would pick up."""
    return SPACES.sub(" ", text).replace("[", "(").replace("]", ")")


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
        if mark == "~" and WEIGHT.match(text):
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
                f"{php_number(answer['tolerance'])}#{feedback}\n"
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
