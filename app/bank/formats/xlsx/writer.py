"""Writing workbooks: the template trainers fill in, and exports with one row per question,
each question type's data spread over the columns (and 'more' for what they cannot say)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from app.bank.formats.xlsx.layout import (
    COLUMNS,
    EXAMPLES,
    FILE_COLUMNS,
    FILE_PART,
    FILES_SHEET,
    GUIDE_NOTE_EN,
    GUIDE_NOTE_ZH,
    LETTERS,
    TEMPLATE_LETTERS,
    equal_share,
)
from app.bank.qtypes import QTYPES
from app.bank.qtypes.base import DEFAULT_DIFFICULTY, FRACTION_TOLERANCE, QuestionData
from app.core.spreadsheet import set_cell

#: characters a worksheet cannot hold (openpyxl refuses them)


def template_workbook() -> bytes:
    """The empty workbook trainers fill in: questions, a bilingual guide and examples."""
    workbook = _new_workbook(TEMPLATE_LETTERS)
    guide = workbook.create_sheet("说明 Guide")
    guide.append(["列 Column", "中文说明", "English"])
    for key, zh, english, zh_help in COLUMNS:
        guide.append([f"{key} {zh}" if key != zh else key, zh_help, english])
    guide.append([])
    guide.append(["", GUIDE_NOTE_ZH, GUIDE_NOTE_EN])
    _style_guide(guide)
    examples = workbook.create_sheet("示例 Examples")
    _write_rows(examples, EXAMPLES, TEMPLATE_LETTERS)
    return _save(workbook)


def dump_xlsx(questions: list[QuestionData]) -> bytes:
    """Write questions as a workbook with one row per question (the template's layout);
    embedded files go on a sheet of their own, keyed by the question's id."""
    rows = [_question_row(question) for question in questions]
    letters = max(
        (letter for row in rows for letter in LETTERS if row.get(letter)),
        default="F",
    )
    used = LETTERS[: max(LETTERS.index(letters) + 1, len(TEMPLATE_LETTERS))]
    workbook = _new_workbook(used, rows)
    with_files = [question for question in questions if question.files and question.id]
    if with_files:
        sheet = workbook.create_sheet(FILES_SHEET)
        sheet.append(list(FILE_COLUMNS))
        for question in with_files:
            for item in question.files:
                content = item["content_base64"]
                for part, start in enumerate(range(0, max(len(content), 1), FILE_PART), start=1):
                    chunk = content[start : start + FILE_PART]
                    values = [question.id, item["path"], item["name"], item["mimetype"], part]
                    sheet.append([*values, chunk])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    _set_text(cell, cell.value)
    return _save(workbook)


def _headers(letters: str) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for key, zh, *_rest in COLUMNS:
        if key in TEMPLATE_LETTERS:
            if key == "A":
                keys += [(letter, f"选项{letter}") for letter in letters]
        elif key.startswith("feedback_"):
            if key == "feedback_A":
                keys += [(f"feedback_{letter}", f"选项{letter}反馈") for letter in letters]
        else:
            keys.append((key, zh))
    return keys


def _new_workbook(letters: str, rows: list[dict[str, str]] | None = None):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题目 Questions"
    _write_rows(sheet, rows or [], letters)
    return workbook


def _write_rows(sheet, rows: list[dict[str, str]], letters: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    headers = _headers(letters)
    sheet.append([f"{key}\n{zh}" for key, zh in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    for number, row in enumerate(rows, start=2):
        for column, (key, _zh) in enumerate(headers, start=1):
            value = row.get(key)
            if value in (None, ""):
                continue
            cell = sheet.cell(row=number, column=column)
            _set_text(cell, value)
    for column, (key, _zh) in enumerate(headers, start=1):
        wide = key in ("questiontext", "generalfeedback", "correct", "more")
        sheet.column_dimensions[get_column_letter(column)].width = 40 if wide else 16


def _set_text(cell, value: Any) -> None:
    """Write a value as text; one that Excel would take for a formula stays text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        return
    set_cell(cell, str(value))


def _style_guide(sheet) -> None:
    from openpyxl.styles import Alignment, Font

    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 70


def _save(workbook) -> bytes:
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _percent(fraction: float) -> str:
    return format(float(fraction) * 100, ".14g") + "%"


def _question_row(question: QuestionData) -> dict[str, Any]:
    """One question as a row: its columns, and 'more' for what they cannot say."""
    qtype = QTYPES[question.qtype]
    row: dict[str, Any] = {
        "id": question.id or "",
        "category": question.category or "",
        "qtype": question.qtype,
        "name": question.name,
        # a Cloze question's blanks go back into its text
        "questiontext": qtype.join_text(
            question.questiontext, question.data, question.questiontextformat
        ),
        "generalfeedback": question.generalfeedback,
        "defaultmark": question.defaultmark,
        "difficulty": question.difficulty if question.difficulty != DEFAULT_DIFFICULTY else "",
        "competencies": ", ".join(question.competencies),
        "tags": ", ".join(question.tags),
        "status": question.status,
        "source_version": question.source_version or "",
    }
    more: dict[str, Any] = {}
    if question.questiontextformat != "markdown":
        more["questiontextformat"] = question.questiontextformat
    if question.generalfeedbackformat is not None:
        more["generalfeedbackformat"] = question.generalfeedbackformat
    if question.penalty != qtype.default_penalty:
        more["penalty"] = question.penalty
    if question.hints:
        more["hints"] = question.hints
    for key in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        if getattr(question, key):
            more[key] = getattr(question, key)
    data = question.data
    _ROW_WRITERS[question.qtype](data, row, more)
    if more:
        row["more"] = json.dumps(more, ensure_ascii=False, sort_keys=True)
    return row


def _defaults(data: Mapping[str, Any], more: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    for key, default in defaults.items():
        if key in data and data[key] != default:
            more[key] = data[key]


def _has_formats(items: list[Mapping[str, Any]]) -> bool:
    return any(item.get("format") or item.get("feedbackformat") for item in items)


def _write_choice(data, row, more) -> None:
    _defaults(
        data, more, {"shuffleanswers": True, "answernumbering": "abc", "shownumcorrect": False}
    )
    answers = data["answers"]
    if _has_formats(answers) or len(answers) > len(LETTERS):
        more["answers"] = answers
        return
    letters = LETTERS[: len(answers)]
    fractions = [float(answer["fraction"]) for answer in answers]
    right = [letter for letter, f in zip(letters, fractions, strict=True) if f > 0]
    is_single = row["qtype"] == "single"
    simple = (
        all(f in (0.0, 1.0) for f in fractions)
        if is_single
        else bool(right)
        and all(
            abs(f - equal_share(len(right))) <= FRACTION_TOLERANCE if f > 0 else f == -1
            for f in fractions
        )
    )
    if simple:
        row["correct"] = ",".join(right)
    else:
        row["correct"] = ",".join(
            f"{letter}:{_percent(f)}" for letter, f in zip(letters, fractions, strict=True) if f
        )
    for letter, answer in zip(letters, answers, strict=True):
        row[letter] = answer["text"]
        row["feedback_" + letter] = answer.get("feedback", "")


def _write_answers(data, row, more, *, numerical: bool) -> None:
    answers = data["answers"]
    if _has_formats(answers) or len(answers) > len(LETTERS) or not answers:
        more["answers"] = answers
        return
    fractions = [float(answer["fraction"]) for answer in answers]
    texts = [
        answer["text"] + (f"±{_tolerance(answer['tolerance'])}" if numerical and
                          answer["text"] != "*" and answer["tolerance"] else "")
        for answer in answers
    ]  # fmt: skip
    plain = all(f == 1.0 for f in fractions) and not any(a.get("feedback") for a in answers)
    if plain and all("\n" not in text and text == text.strip() for text in texts):
        row["correct"] = "\n".join(texts)
        return
    letters = LETTERS[: len(answers)]
    if not all(f in (0.0, 1.0) for f in fractions):
        row["correct"] = ",".join(
            f"{letter}:{_percent(f)}" for letter, f in zip(letters, fractions, strict=True) if f
        )
    elif not all(f == 1.0 for f in fractions):
        row["correct"] = ",".join(
            letter for letter, f in zip(letters, fractions, strict=True) if f == 1.0
        )
    for letter, answer, text in zip(letters, answers, texts, strict=True):
        row[letter] = text
        row["feedback_" + letter] = answer.get("feedback", "")


def _tolerance(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _write_shortanswer(data, row, more) -> None:
    _defaults(data, more, {"usecase": False})
    _write_answers(data, row, more, numerical=False)


def _write_numerical(data, row, more) -> None:
    _defaults(data, more, {"unitgradingtype": 0, "unitpenalty": 0.1})
    _write_answers(data, row, more, numerical=True)
    units = data.get("units") or []
    if units and any(";" in u["unit"] or "=" in u["unit"] for u in units):
        more["units"] = units
    elif units:
        row["units"] = "; ".join(f"{u['unit']}={_tolerance(u['multiplier'])}" for u in units)


def _write_truefalse(data, row, more) -> None:
    row["correct"] = "true" if data["correct"] else "false"
    row["feedback_A"] = data.get("truefeedback", "")
    row["feedback_B"] = data.get("falsefeedback", "")


def _pair_side(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("=", "\\=").replace("\n", "\\n")
    return "\\*" if escaped == "*" else escaped


def _write_matching(data, row, more) -> None:
    _defaults(data, more, {"shuffleanswers": True, "shownumcorrect": False})
    subquestions = data["subquestions"]
    fits = len(subquestions) <= len(LETTERS) and not _has_formats(subquestions)
    if not fits or any(s["text"] != s["text"].strip() for s in subquestions):
        more["subquestions"] = subquestions
        return
    for letter, sub in zip(LETTERS, subquestions, strict=False):
        item = _pair_side(sub["text"]) if sub["text"] else "*"
        row[letter] = item + "=" + _pair_side(sub["answer"])


def _write_essay(data, row, more) -> None:
    defaults = {
        "responseformat": "editor",
        "responserequired": True,
        "responsefieldlines": 15,
        "attachments": 0,
        "attachmentsrequired": 0,
        "minwordlimit": None,
        "maxwordlimit": None,
        "graderinfoformat": None,
        "responsetemplate": "",
    }
    _defaults(data, more, defaults)
    graderinfo = data.get("graderinfo", "")
    if graderinfo != graderinfo.strip():
        more["graderinfo"] = graderinfo
    else:
        row["correct"] = graderinfo


def _write_description(data, row, more) -> None:
    return None


def _write_cloze(data, row, more) -> None:
    return None  # the blanks are in the question text


_ROW_WRITERS = {
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
