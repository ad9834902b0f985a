"""Excel workbooks (.xlsx) for trainers: one row per question, answers in columns A-F.

The first sheet holds the questions (row 1 names the columns, in English and Chinese); the
template's second sheet explains every column in both languages and the third shows one example
of each type. A row becomes the same mapping that YAML files give, so the checks and messages
are the same, each problem carrying the row number as its line. Whatever the columns cannot
say goes, as JSON in the YAML keys, in the last column ("more"), so an export imports back
unchanged. Cells that start with = + - @ are written as text, never as formulas. Documented in
docs/question-format.md.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from app.bank.formats.mapping import read_question
from app.bank.qtypes import QTYPES
from app.bank.qtypes.base import DEFAULT_DIFFICULTY, FRACTION_TOLERANCE, Problem, QuestionData
from app.bank.qtypes.i18n import _

ZIP_MAGIC = b"PK\x03\x04"
GUIDE_NOTE_ZH = (
    "每行一道题；第1行是列名，请勿修改。导入时整表全部成功或全部不导入，错误信息会给出行号。"
)
GUIDE_NOTE_EN = (
    "One question per row; row 1 names the columns, keep it. An import takes every row or none, "
    "and each problem names its row."
)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TEMPLATE_LETTERS = LETTERS[:6]

#: the columns, in order: key, Chinese name, English help, Chinese help
COLUMNS: list[tuple[str, str, str, str]] = [
    ("id", "编号", "Stable key of the question (optional; one line, at most 100 characters). "
     "Re-importing a row with the same id updates that question.",
     "题目的固定编号（可空；一行，最多100个字符）。再次导入相同编号会更新该题。"),
    ("category", "分类", "Category path, names joined by '/', e.g. 服务规范/十项承诺.",
     "题目分类，多级用“/”连接，如：服务规范/十项承诺。"),
    ("qtype", "题型", "single, multiple, truefalse, shortanswer, numerical, matching, essay, "
     "description (or 单选, 多选, 判断, 填空, 数值, 匹配, 问答, 说明).",
     "单选、多选、判断、填空、数值、匹配、问答、说明（也可写英文名）。"),
    ("name", "题目名称", "A short title (required).", "简短标题（必填）。"),
    ("questiontext", "题干", "The question (Markdown).", "题目内容（支持 Markdown）。"),
    *[
        (letter, f"选项{letter}", f"Answer {letter}. Matching: one 'item=answer' per line "
         "('*=answer' is a distractor). Short answer and numerical: an accepted answer "
         "(numerical: 42±0.5 or *).",
         f"选项{letter}。匹配题：每行一对“左项=右项”（“*=右项”为干扰项）。"
         "填空/数值题：一个可接受的答案（数值写 42±0.5，或 * 表示任意数）。")
        for letter in TEMPLATE_LETTERS
    ],
    ("correct", "正确答案", "Single/multiple: the letters, e.g. B or A,C (multiple: each listed "
     "answer earns an equal share, each other one takes it all away); or weights "
     "A:50%,B:50%,C:-100%. True/false: true/false (对/错). Short answer: the letters of the "
     "full-mark answers, or the answer itself (one per line) with A-F left empty. Numerical: "
     "42 or 42±0.5 with A-F left empty. Essay: the marking guide for graders.",
     "单选/多选：填字母，如 B 或 A,C（多选：每个正确选项平分得分，选错一项不得分）；"
     "也可写权重 A:50%,B:50%,C:-100%。判断：对/错（true/false）。填空：满分选项的字母，"
     "或在选项为空时直接写答案（每行一个）。数值：选项为空时写 42 或 42±0.5。问答：评分要点。"),
    *[
        (f"feedback_{letter}", f"选项{letter}反馈", f"Feedback shown to whoever chose answer "
         f"{letter} (true/false: A for 'true', B for 'false').",
         f"选择选项{letter}后显示的反馈（判断题：A 为选“对”，B 为选“错”）。")
        for letter in TEMPLATE_LETTERS
    ],
    ("generalfeedback", "解析", "Explanation shown after answering.", "答题后显示的解析。"),
    ("defaultmark", "分值", "Mark of the question (default 1; description 0).",
     "题目分值（默认1；说明为0）。"),
    ("difficulty", "难度", "1, 2 or 3 (易, 中, 难); default 2.",
     "1、2、3（或 易、中、难），默认2。"),
    ("competencies", "能力项", "Competency codes such as SV1, BK2, separated by commas or 、.",
     "能力项代码，如 SV1、BK2，用逗号或顿号分隔。"),
    ("tags", "标签", "Labels, separated by commas or 、.", "标签，用逗号或顿号分隔。"),
    ("status", "状态", "draft, ready or retired (草稿, 可用, 停用); default draft. Only ready "
     "questions are drawn into quizzes.", "草稿、可用、停用（draft/ready/retired），默认草稿。"
     "只有“可用”的题目会被抽入测验。"),
    ("source_version", "依据版本", "The version of the rule the question tests, e.g. "
     "供电营业规则(2024).", "题目依据的规章版本，如：供电营业规则(2024)。"),
    ("units", "单位", "Numerical only: units with multipliers, e.g. V=1; kV=0.001 (the first "
     "is the base unit).", "仅数值题：单位及倍数，如 V=1; kV=0.001（第一个为基本单位）。"),
    ("more", "更多设置", "Advanced, usually empty: other settings as JSON with the YAML keys, "
     'e.g. {"penalty": 0.5, "hints": ["..."]}. Exports fill it where needed.',
     "高级设置，一般留空：其他设置，JSON 格式，键名同 YAML，"
     '如 {"penalty": 0.5, "hints": ["..."]}。导出时按需填写。'),
]  # fmt: skip
COLUMN_KEYS = [key for key, *_rest in COLUMNS]
_ALIASES = {zh: key for key, zh, *_rest in COLUMNS}
QTYPE_ALIASES = {
    "单选": "single", "单选题": "single", "多选": "multiple", "多选题": "multiple",
    "判断": "truefalse", "判断题": "truefalse", "填空": "shortanswer", "填空题": "shortanswer",
    "简答": "shortanswer", "数值": "numerical", "数值题": "numerical", "计算": "numerical",
    "匹配": "matching", "匹配题": "matching", "连线": "matching", "问答": "essay",
    "问答题": "essay", "论述": "essay", "说明": "description", "描述": "description",
}  # fmt: skip
STATUS_ALIASES = {"草稿": "draft", "可用": "ready", "停用": "retired"}
DIFFICULTY_ALIASES = {"易": 1, "容易": 1, "中": 2, "中等": 2, "难": 3, "困难": 3}
TRUE_WORDS = {"true", "t", "对", "正确", "√", "✓", "是", "yes", "1"}
FALSE_WORDS = {"false", "f", "错", "错误", "×", "✗", "否", "no", "0"}
_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
_WEIGHTED = re.compile(r"^([A-Za-z])\s*[:：=]\s*(-?\d+(?:\.\d*)?)\s*%?$")
_TOLERANCE = re.compile(r"^(.+?)\s*(?:±|\+-|\+/-)\s*(.+)$")
#: characters a worksheet cannot hold (openpyxl refuses them)
_NOT_IN_CELL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: the sheet that carries the files embedded in questions (exports only): one row per part
FILES_SHEET = "文件 Files"
FILE_COLUMNS = ("id", "path", "name", "mimetype", "part", "content_base64")
#: a cell holds at most 32,767 characters; longer files take several rows
FILE_PART = 32_000


# --- reading ----------------------------------------------------------------------------


def looks_like_xlsx(content: bytes) -> bool:
    """A zip archive holding a workbook (the name said nothing)."""
    return content.startswith(ZIP_MAGIC) and b"xl/" in content[:4096]


def parse_xlsx(content: bytes, filename: str) -> tuple[list[QuestionData], list[Problem]]:
    """Read the first sheet of a workbook; every problem carries its row number as its line."""
    import openpyxl  # imported here: the bank's pure core should not pay for it when unused

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
        if not key or not name or not part.isdigit():
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
    first_row_of_id: dict[str, int] = {}
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
        if question.id is not None:
            if question.id in first_row_of_id:
                problems.append(
                    Problem(
                        filename,
                        number,
                        _("duplicate id '%(id)s' (first used on row %(line)d)")
                        % {"id": question.id, "line": first_row_of_id[question.id]},
                    )
                )
                continue
            first_row_of_id[question.id] = number
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


def _share(n: int) -> float:
    """1/n as Moodle writes it (seven decimals)."""
    return round(1 / n, 7)


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
            weights = {letter: (_share(len(chosen)) if letter in chosen else -1.0)
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
}


# --- writing ----------------------------------------------------------------------------


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
    text = _NOT_IN_CELL.sub("", str(value))
    cell.value = text
    if text.startswith(_FORMULA_START):
        cell.data_type = "s"  # a string cell, never evaluated
        cell.quotePrefix = True  # and Excel keeps it text when someone edits it


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
        "questiontext": question.questiontext,
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
            abs(f - _share(len(right))) <= FRACTION_TOLERANCE if f > 0 else f == -1
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


_ROW_WRITERS = {
    "single": _write_choice,
    "multiple": _write_choice,
    "truefalse": _write_truefalse,
    "shortanswer": _write_shortanswer,
    "numerical": _write_numerical,
    "matching": _write_matching,
    "essay": _write_essay,
    "description": _write_description,
}

#: the template's example rows, one per type
EXAMPLES: list[dict[str, Any]] = [
    {
        "id": "ex-single-1", "category": "服务规范/十项承诺", "qtype": "单选",
        "name": "居民装表接电时限",
        "questiontext": "居民客户新装用电，供电企业应在几个工作日内装表接电？",
        "A": "3个工作日", "B": "5个工作日", "C": "7个工作日", "correct": "A",
        "feedback_B": "这是非居民客户的时限",
        "generalfeedback": "十项承诺：居民客户不超过3个工作日。", "difficulty": 1,
        "competencies": "SV1、BK1", "tags": "十项承诺", "status": "可用",
        "source_version": "国家电网十项承诺(2023)",
    },
    {
        "id": "ex-multiple-1", "qtype": "多选", "name": "两票",
        "questiontext": "下列哪些属于“两票”？",
        "A": "工作票", "B": "操作票", "C": "介绍信", "correct": "A,B", "competencies": "SF1",
    },
    {
        "id": "ex-tf-1", "qtype": "判断", "name": "停电通知",
        "questiontext": "计划停电应提前7天通知。", "correct": "对",
        "feedback_B": "应提前7天通知。",
    },
    {
        "id": "ex-short-1", "qtype": "填空", "name": "首问负责",
        "questiontext": "第一个接待客户的员工负责到底，这叫什么制度？", "correct": "首问负责制",
    },
    {
        "id": "ex-num-1", "qtype": "数值", "name": "电压",
        "questiontext": "我国低压居民用电的额定电压是多少伏？",
        "correct": "220±1", "units": "V=1; kV=0.001",
    },
    {
        "id": "ex-match-1", "qtype": "匹配", "name": "岗位",
        "questiontext": "把岗位与职责连起来。",
        "A": "营业厅柜员=受理业务", "B": "客服座席=接听95598", "C": "装表接电工=装表",
        "D": "*=巡视线路",
    },
    {
        "id": "ex-essay-1", "qtype": "问答", "name": "投诉处理",
        "questiontext": "说明投诉闭环的步骤。", "correct": "受理、调查、答复、回访各2.5分",
        "defaultmark": 10,
    },
    {
        "id": "ex-desc-1", "qtype": "说明", "name": "案例",
        "questiontext": "以下几题基于同一个案例。", "defaultmark": 0,
    },
]  # fmt: skip
