"""Reading a marks matrix from CSV (paper exams, another system) and writing its analysis as JSON.

The file: the first row holds the maximum mark of each question; each further row one attempt's
mark on each question. A blank cell is 0 (a short row is padded with blanks); an empty line is
skipped. Every problem is located as ``FILE:ROW`` (rows counted as a spreadsheet shows them).
Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

from app.core import tabular
from app.core.gettext import _
from app.core.problems import Problem
from app.reports.item_stats import Analysis, analyse


@dataclass
class MarksMatrix:
    """The maxima and the attempts' marks read from a file."""

    maxima: list[float] = field(default_factory=list)
    marks: list[list[float]] = field(default_factory=list)


def _number(text: str) -> float | None:
    """The cell as a finite number (blank = 0), or None when it is not one."""
    text = text.strip()
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


#: the most attempts (rows after the maxima), questions (columns) and characters in a cell a
#: marks file may hold: beyond them the file is refused at the first row that breaks one, before
#: any analysis (the request limit alone would let a 32 MB file of tiny cells through)
MAX_ATTEMPTS = tabular.MAX_ROWS
MAX_QUESTIONS = 1_000
MAX_CELL = 100


def _over_a_limit(cells: list[str], line: int, n_read: int, filename: str) -> Problem | None:
    """The problem of a row that breaks a limit (``n_read`` rows kept before it), else None."""
    if n_read > MAX_ATTEMPTS:
        limit = MAX_ATTEMPTS
        message = _("The file has more than %(n)d rows; split it into several files.", n=limit)
        return Problem(line, message, filename)
    if len(cells) > MAX_QUESTIONS:
        message = _("more than %(n)d questions in a row", n=MAX_QUESTIONS)
        return Problem(line, message, filename)
    if any(len(cell) > MAX_CELL for cell in cells):
        return Problem(line, _("A cell is longer than %(n)d characters.", n=MAX_CELL), filename)
    return None


def read_marks_csv(data: bytes, filename: str) -> tuple[MarksMatrix, list[Problem]]:
    """Read the maxima row and the marks rows; return the matrix and every problem found."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return MarksMatrix(), [Problem(line, _("The file is not UTF-8 text."), filename)]
    matrix = MarksMatrix()
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not cells:
                continue
            refused = _over_a_limit(cells, reader.line_num, len(rows), filename)
            if refused is not None:
                return MarksMatrix(), [refused]
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        message = _("The file is not readable CSV: %(detail)s", detail=str(exc))
        return matrix, [Problem(reader.line_num or 1, message, filename)]
    if not rows:
        return matrix, [Problem(1, _("The file is empty."), filename)]
    line, cells = rows[0]
    for column, cell in enumerate(cells, start=1):
        value = _number(cell)
        if value is None or value < 0:
            problems.append(
                Problem(
                    line,
                    _(
                        "column %(column)d: the maximum %(value)r is not a number of 0 or more",
                        column=column,
                        value=cell.strip(),
                    ),
                    filename,
                )
            )
        matrix.maxima.append(value if value is not None else 0.0)
    for line, cells in rows[1:]:
        if len(cells) > len(matrix.maxima):
            problems.append(
                Problem(
                    line,
                    _(
                        "%(n)d marks for %(m)d questions",
                        n=len(cells),
                        m=len(matrix.maxima),
                    ),
                    filename,
                )
            )
            continue
        marks = []
        for column, cell in enumerate(cells, start=1):
            value = _number(cell)
            maximum = matrix.maxima[column - 1]
            if value is None:
                problems.append(
                    Problem(
                        line,
                        _(
                            "column %(column)d: %(value)r is not a number",
                            column=column,
                            value=cell.strip(),
                        ),
                        filename,
                    )
                )
            elif not 0 <= value <= maximum:
                problems.append(
                    Problem(
                        line,
                        _(
                            "column %(column)d: the mark %(value)s is outside 0 to %(max)s",
                            column=column,
                            value=format(value, "g"),
                            max=format(maximum, "g"),
                        ),
                        filename,
                    )
                )
            marks.append(value if value is not None else 0.0)
        marks += [0.0] * (len(matrix.maxima) - len(marks))
        matrix.marks.append(marks)
    return matrix, problems


def analysis_json(analysis: Analysis) -> dict:
    """The analysis in the CLI's shape: ``{"test": {...}, "items": [{...}, ...]}``."""
    test = analysis.test
    return {
        "test": {
            "count": test.count,
            "mean": test.mean,
            "median": test.median,
            "sd": test.sd,
            "skewness": test.skewness,
            "kurtosis": test.kurtosis,
            "cic": test.cic,
            "error_ratio": test.error_ratio,
            "standard_error": test.standard_error,
        },
        "items": [
            {
                "index": index,
                "facility": item.facility,
                "sd": item.sd,
                "intended_weight": item.intended_weight,
                "effective_weight": item.effective_weight,
                "discrimination_index": item.discrimination_index,
                "discriminative_efficiency": item.discriminative_efficiency,
            }
            for index, item in enumerate(analysis.items, start=1)
        ],
    }


def analyse_marks(matrix: MarksMatrix) -> dict:
    """Analyse a matrix read from a file; the CLI's JSON."""
    return analysis_json(analyse(matrix.marks, matrix.maxima))
