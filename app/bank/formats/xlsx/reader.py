"""Reading a workbook: the files sheet, the header row, then one question per row, with each
question type's columns turned into the mapping read_question reads."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from app.bank.formats.mapping import SeenIds, read_question
from app.bank.formats.xlsx.layout import (
    COLUMN_KEYS,
    COLUMNS,
    DIFFICULTY_ALIASES,
    FALSE_WORDS,
    FILE_COLUMNS,
    FILES_SHEET,
    LETTERS,
    QTYPE_ALIASES,
    STATUS_ALIASES,
    TRUE_WORDS,
    ZIP_MAGIC,
    equal_share,
)
from app.bank.qtypes.base import Problem, QuestionData
from app.bank.qtypes.i18n import _

_ALIASES = {zh: key for key, zh, *_rest in COLUMNS}
_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
_WEIGHTED = re.compile(r"^([A-Za-z])\s*[:：=]\s*(-?\d+(?:\.\d*)?)\s*%?$")
_TOLERANCE = re.compile(r"^(.+?)\s*(?:±|\+-|\+/-)\s*(.+)$")


#: the most rows a sheet of a question workbook may have (questions, or file parts)
MAX_ROWS = 20_000
#: Excel's own limit of characters in a cell
EXCEL_CELL_LIMIT = 32_767


def looks_like_xlsx(content: bytes) -> bool:
    """A zip archive holding a workbook (the name said nothing)."""
    return content.startswith(ZIP_MAGIC) and b"xl/" in content[:4096]


def parse_xlsx(content: bytes, filename: str) -> tuple[list[QuestionData], list[Problem]]:
    """Read the first sheet of a workbook; every problem carries its row number as its line."""
    import openpyxl  # imported here: the bank's pure core should not pay for it when unused

    from app.core.tabular import xlsx_problems

    # measured before openpyxl unpacks anything: parts' sizes, rows, columns, cell lengths
    too_big = xlsx_problems(content, max_rows=MAX_ROWS, max_cell=EXCEL_CELL_LIMIT)
    if too_big:
        return [], [Problem(filename, 1, message) for message in too_big]
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors alike mean "not a workbook"
        return [], [Problem(filename, 1, _("this is not an Excel workbook (.xlsx)"))]
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers declare a wrong size; read every row there is
        files: dict[str, list[dict[str, Any]]] = {}
        problems: list[Problem] = []
        if FILES_SHEET in workbook.sheetnames:
            files_sheet = workbook[FILES_SHEET]
            files_sheet.reset_dimensions()
            files, problems = _read_files(files_sheet.iter_rows(values_only=True), filename)
        questions, found = _read_rows(sheet.iter_rows(values_only=True), filename, files)
        return questions, sorted(problems + found, key=lambda problem: problem.line)
    finally:
        workbook.close()


def _read_files(
    rows: Iterable[tuple[Any, ...]], filename: str
) -> tuple[dict[str, list[dict[str, Any]]], list[Problem]]:
    """The files sheet: question id -> its files, their parts joined in order."""
    parts: dict[tuple[str, str, str], dict[str, Any]] = {}
    problems = []
    for number, values in enumerate(rows, start=1):
        cells = [_cell_text(value) for value in values] + [""] * len(FILE_COLUMNS)
        if number == 1 or not any(cells):
            continue
        key, path, name, mimetype, part, content = cells[: len(FILE_COLUMNS)]
        if not key or not name or not (part.isascii() and part.isdigit()):
            problems.append(
                Problem(
                    f"{filename} [{FILES_SHEET}]",
                    number,
                    _("a file row needs an id, a name and a part number"),
                )  # fmt: skip
            )
            continue
        entry = parts.setdefault(
            (key, path or "/", name),
            {"name": name, "path": path or "/", "mimetype": mimetype, "parts": {}},
        )
        entry["parts"][int(part)] = content
    files: dict[str, list[dict[str, Any]]] = {}
    for (key, _path, _name), entry in parts.items():
        chunks = entry.pop("parts")
        entry["content_base64"] = "".join(chunks[index] for index in sorted(chunks))
        files.setdefault(key, []).append(entry)
    return files, problems


def _read_rows(
    rows: Iterable[tuple[Any, ...]],
    filename: str,
    files: dict[str, list[dict[str, Any]]] | None = None,
) -> tuple[list[QuestionData], list[Problem]]:
    problems: list[Problem] = []
    questions: list[QuestionData] = []
    columns: dict[int, str] | None = None
    seen = SeenIds(filename, unit="row")
    for number, values in enumerate(rows, start=1):
        cells = [_cell_text(value) for value in values]
        if not any(cells):
            continue
        if columns is None:
            columns, found = _header(cells, number)
            problems.extend(Problem(filename, number, message) for message in found)
            if found:
                return [], problems
            continue
        row = {key: cells[index] for index, key in columns.items() if index < len(cells)}
        raw = {key: values[index] for index, key in columns.items() if index < len(values)}
        node, found = _row_to_node(row, raw)
        problems.extend(Problem(filename, number, message) for message in found)
        if found:
            continue
        if files and node.get("id") in files:
            node["files"] = files[node["id"]]
        question, issues = read_question(node, None, lambda _path, line=number: line)
        problems.extend(Problem(filename, line, message) for line, message in issues)
        if question is None:
            continue
        repeat = seen.repeat(question, number)
        if repeat is not None:
            problems.append(repeat)
            continue
        questions.append(question)
    if columns is None:
        problems.append(Problem(filename, 1, _("the first sheet is empty: expected a header row")))
    return questions, problems


def _header(cells: list[str], number: int) -> tuple[dict[int, str], list[str]]:
    """Map column positions to keys; a header cell may say `questiontext`, `题干` or both."""
    columns: dict[int, str] = {}
    problems = []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        key = next((k for k in (_column_key(t) for t in cell.split()) if k), None)
        if key is None:
            problems.append(_("unknown column '%(name)s'") % {"name": cell.replace("\n", " ")})
        elif key in columns.values():
            problems.append(_("column '%(name)s' appears twice") % {"name": key})
        else:
            columns[index] = key
    for required in ("qtype", "name", "questiontext"):
        if required not in columns.values() and not problems:
            problems.append(
                _("the header row (row %(row)d) has no '%(name)s' column")
                % {"row": number, "name": required}
            )
    return columns, problems


def _column_key(token: str) -> str | None:
    if token in _ALIASES:
        return _ALIASES[token]
    lowered = token.lower()
    if len(token) == 1 and token.upper() in LETTERS:
        return token.upper()
    if lowered.startswith("feedback_") and len(token) == 10 and token[-1].upper() in LETTERS:
        return "feedback_" + token[-1].upper()
    if lowered in COLUMN_KEYS:
        return lowered
    return None


def _cell_text(value: Any) -> str:
    """A cell as text: whole numbers without '.0', dates in ISO form, blanks as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value).strip()


def _split_list(text: str) -> list[str]:
    return [item for item in _LIST_SEPARATORS.split(text) if item]


def _row_to_node(row: dict[str, str], raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One spreadsheet row as the mapping read_question reads, or the problems found."""
    problems: list[str] = []
    qtype = QTYPE_ALIASES.get(row.get("qtype", ""), row.get("qtype", "").lower())
    node: dict[str, Any] = {"qtype": qtype}
    for key in ("id", "category", "name", "questiontext", "generalfeedback", "source_version"):
        if row.get(key):
            node[key] = row[key]
    if row.get("defaultmark"):
        node["defaultmark"] = _number(row["defaultmark"], raw.get("defaultmark"))
    if row.get("difficulty"):
        text = row["difficulty"]
        node["difficulty"] = DIFFICULTY_ALIASES.get(text, _number(text, raw.get("difficulty")))
    if row.get("status"):
        node["status"] = STATUS_ALIASES.get(row["status"], row["status"].lower())
    for key in ("competencies", "tags"):
        if row.get(key):
            node[key] = _split_list(row[key])
    if row.get("more"):
        try:
            more = json.loads(row["more"])
        except ValueError as exc:
            return node, [_("'more' is not valid JSON: %(msg)s") % {"msg": exc}]
        if not isinstance(more, dict):
            return node, [_("'more' must be a JSON object, e.g. {\"penalty\": 0.5}")]
        for key, value in more.items():
            if key in node or key in COLUMN_KEYS:
                problems.append(
                    _("'%(key)s' has its own column; leave it out of 'more'") % {"key": key}
                )
            else:
                node[key] = value
    reader = _TYPE_READERS.get(qtype)
    if reader is not None:
        problems.extend(reader(row, node))
    return node, problems


def _number(text: str, raw: Any) -> Any:
    """The cell's number (as Excel stored it, or parsed from text); else the text."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return raw
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def _answer_cells(row: dict[str, str]) -> dict[str, str]:
    """The filled answer cells, letter -> text, in column order."""
    return {letter: row[letter] for letter in LETTERS if row.get(letter)}


def _weights(text: str, letters: Iterable[str]) -> tuple[dict[str, float] | None, list[str]]:
    """The `correct` cell as letter -> fraction (None: plain letters, see _letters)."""
    tokens = [token for token in re.split(r"[,，、;；\s]+", text.strip()) if token]
    if not any(_WEIGHTED.match(token) for token in tokens):
        return None, []
    weights: dict[str, float] = {}
    for token in tokens:
        match = _WEIGHTED.match(token)
        if match is None:
            return {}, [_("write every answer of 'correct' as letter:weight, e.g. A:50%,B:50%")]
        weights[match.group(1).upper()] = round(float(match.group(2)) / 100, 7)
    unknown = sorted(set(weights) - set(letters))
    if unknown:
        return {}, [_("'correct' names answer %(letters)s, whose cell is empty")
                    % {"letters": ", ".join(unknown)}]  # fmt: skip
    return weights, []


def _letters(text: str, letters: Iterable[str]) -> tuple[list[str], list[str]]:
    """Plain letters of the `correct` cell: "B", "A,C", "A、C" or "AC"."""
    compact = text.strip().upper()
    if re.fullmatch(r"[A-Z]+", compact):
        chosen = list(compact)
    else:
        chosen = [token.upper() for token in _split_list(compact)]
    if not chosen or any(len(letter) != 1 or letter not in LETTERS for letter in chosen):
        return [], [_("'correct' must give answer letters, e.g. B or A,C")]
    unknown = sorted(set(chosen) - set(letters))
    if unknown:
        return [], [_("'correct' names answer %(letters)s, whose cell is empty")
                    % {"letters": ", ".join(unknown)}]  # fmt: skip
    if len(set(chosen)) != len(chosen):
        return [], [_("'correct' names an answer twice")]
    return chosen, []


def _feedback(row: dict[str, str], letter: str) -> str:
    return row.get("feedback_" + letter, "")


def _read_choice(row: dict[str, str], node: dict[str, Any]) -> list[str]:
    if "answers" in node:
        return _no_cells(row, "answers")
    cells = _answer_cells(row)
    correct = row.get("correct", "")
    if not correct:
        return [_("'correct' is empty: give the letters of the right answers")]
    weights, problems = _weights(correct, cells)
    if problems:
        return problems
    if weights is None:
        chosen, problems = _letters(correct, cells)
        if problems:
            return problems
        if node["qtype"] == "single":
            weights = {letter: (1.0 if letter in chosen else 0.0) for letter in cells}
        else:
            # each right answer an equal share; any wrong one cancels the lot (错选不得分)
            weights = {letter: (equal_share(len(chosen)) if letter in chosen else -1.0)
                       for letter in cells}  # fmt: skip
    node["answers"] = [
        {"text": text, "fraction": weights.get(letter, 0.0), "feedback": _feedback(row, letter)}
        for letter, text in cells.items()
    ]
    return []


def _read_shortanswer(row: dict[str, str], node: dict[str, Any]) -> list[str]:
    if "answers" in node:
        return _no_cells(row, "answers")
    cells = _answer_cells(row)
    correct = row.get("correct", "")
    if not cells:
        lines = [line.strip() for line in correct.splitlines() if line.strip()]
        if not lines:
            return [_("give the answer in 'correct' or in the answer columns")]
        cells = {LETTERS[i]: line for i, line in enumerate(lines[: len(LETTERS)])}
        weights: dict[str, float] | None = dict.fromkeys(cells, 1.0)
    elif not correct:
        weights = dict.fromkeys(cells, 1.0)  # every answer written is a right one
    else:
        weights, problems = _weights(correct, cells)
        if problems:
            return problems
        if weights is None:
            chosen, problems = _letters(correct, cells)
            if problems:
                return problems
            weights = {letter: (1.0 if letter in chosen else 0.0) for letter in cells}
    answers = []
    for letter, text in cells.items():
        answer: dict[str, Any] = {
            "text": text,
            "fraction": weights.get(letter, 0.0),
            "feedback": _feedback(row, letter),
        }
        if node["qtype"] == "numerical":
            value, tolerance = _value_and_tolerance(text)
            answer["text"], answer["tolerance"] = value, tolerance
        answers.append(answer)
    node["answers"] = answers
    return []


def _value_and_tolerance(text: str) -> tuple[str, Any]:
    match = _TOLERANCE.match(text.strip())
    if match is None:
        return text.strip(), 0.0
    value, tolerance = match.group(1).strip(), match.group(2).strip()
    try:
        return value, float(tolerance)
    except ValueError:
        return value, tolerance  # read_question says it is not a number


def _read_numerical(row: dict[str, str], node: dict[str, Any]) -> list[str]:
    problems = _read_shortanswer(row, node)
    if row.get("units"):
        if "units" in node:
            return [*problems, _("'units' has its own column; leave it out of 'more'")]
        units = []
        for item in re.split(r"[;；\n]+", row["units"]):
            if not item.strip():
                continue
            name, sep, multiplier = item.partition("=")
            units.append(
                {
                    "unit": name.strip(),
                    "multiplier": _number(multiplier.strip(), None) if sep else 1,
                }
            )
        node["units"] = units
    return problems


def _read_truefalse(row: dict[str, str], node: dict[str, Any]) -> list[str]:
    word = row.get("correct", "").strip().lower()
    if word in TRUE_WORDS:
        node["correct"] = True
    elif word in FALSE_WORDS:
        node["correct"] = False
    else:
        return [_("'correct' of a true/false question is true or false (对 or 错)")]
    node["truefeedback"] = _feedback(row, "A")
    node["falsefeedback"] = _feedback(row, "B")
    return []


def _read_matching(row: dict[str, str], node: dict[str, Any]) -> list[str]:
    if "subquestions" in node:
        return _no_cells(row, "subquestions")
    subquestions = []
    for letter, cell in _answer_cells(row).items():
        for line in cell.splitlines():
            if not line.strip():
                continue
            pair = _split_pair(line)
            if pair is None:
                return [_("answer %(letter)s: write each pair as item=answer") % {"letter": letter}]
            subquestions.append({"text": pair[0], "answer": pair[1]})
    node["subquestions"] = subquestions
    return []


def _split_pair(line: str) -> tuple[str, str] | None:
    """`item=answer`, where `\\=`, `\\n` and `\\\\` escape within either side; an item
    that is a bare `*` (or nothing) makes the answer a distractor. (A cell cannot start with
    `=`, or Excel takes it for a formula.)"""
    head = line.strip()
    if head.startswith("*") and head[1:].lstrip().startswith("="):
        line = head[1:].lstrip()
    parts: list[str] = [""]
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            following = line[index + 1]
            parts[-1] += {"n": "\n"}.get(following, following)
            index += 2
            continue
        if char == "=" and len(parts) == 1:
            parts.append("")
        else:
            parts[-1] += char
        index += 1
    if len(parts) != 2:
        return None
    return parts[0].strip(), parts[1].strip()


def _read_essay(row: dict[str, str], node: dict[str, Any]) -> list[str]:
    if row.get("correct"):
        if "graderinfo" in node:
            return [_("'graderinfo' has its own column ('correct'); leave it out of 'more'")]
        node["graderinfo"] = row["correct"]
    return []


def _read_cloze(row: dict[str, str], node: dict[str, Any]) -> list[str]:
    if _answer_cells(row) or row.get("correct"):
        return [_("a Cloze question's blanks are written in its text ('questiontext'): leave "
                  "the answer columns and 'correct' empty")]  # fmt: skip
    return []


def _no_cells(row: dict[str, str], key: str) -> list[str]:
    if _answer_cells(row) or row.get("correct"):
        return [_("'%(key)s' is given in 'more': leave the answer columns and 'correct' empty")
                % {"key": key}]  # fmt: skip
    return []


_TYPE_READERS = {
    "single": _read_choice,
    "multiple": _read_choice,
    "shortanswer": _read_shortanswer,
    "numerical": _read_numerical,
    "truefalse": _read_truefalse,
    "matching": _read_matching,
    "essay": _read_essay,
    "cloze": _read_cloze,
}
