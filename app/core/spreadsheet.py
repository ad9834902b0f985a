"""Writing spreadsheets safely: the one place that keeps text from turning into formulas.

A cell whose text starts with ``= + - @`` (or a tab or carriage return) would be a formula to
Excel and WPS: in XLSX it is written as a string cell with Excel's quote prefix (the text stays
exactly as it was and stays text when someone edits it); in CSV, where there are no types, it
gets a leading apostrophe. Every export (results, reports, the question template, the
competency framework, the matrix) writes through here. Pure: openpyxl only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: characters an XLSX cell cannot hold (openpyxl refuses them)
_NOT_IN_CELL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def looks_like_formula(value: Any) -> bool:
    """True for text a spreadsheet would evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: formula-like text gets a leading apostrophe; None is empty."""
    if value is None:
        return ""
    if looks_like_formula(value):
        return "'" + value
    return value


def set_cell(cell, value: Any) -> None:
    """Write ``value`` into an openpyxl cell: numbers and dates as they are, text as text."""
    if value is None or isinstance(value, (bool, int, float)):
        cell.value = value
        return
    if not isinstance(value, str) and hasattr(value, "isoformat"):
        cell.value = value  # dates and datetimes: openpyxl formats them
        return
    text = _NOT_IN_CELL.sub("", str(value))
    cell.value = text
    if text.startswith(FORMULA_START):
        cell.data_type = "s"  # a string cell, never evaluated
        cell.quotePrefix = True  # and it stays text when someone edits it


def write_table(
    sheet,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    freeze: str | None = "A2",
    widths: dict[int, float] | None = None,
) -> None:
    """Write a bold header row and the rows, every cell through ``set_cell``; freeze panes."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for column, value in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=column)
        set_cell(cell, value)
        cell.font = bold
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            set_cell(sheet.cell(row=number, column=column), value)
    if freeze:
        sheet.freeze_panes = freeze
    for column, width in (widths or {}).items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def workbook_bytes(workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class FastSheet:
    """A large styled sheet written with xlsxwriter (rows streamed in order, constant memory):
    for exports of hundreds of thousands of cells, where openpyxl is too slow. Text never
    becomes a formula: it is written as a string, with Excel's quote prefix when it looks
    like one."""

    def __init__(self, workbook, name: str) -> None:
        self.workbook = workbook
        self.sheet = workbook.add_worksheet(name[:31])
        self._formats: dict[tuple, Any] = {}
        self.row = 0

    def style(self, **options):
        """A cell format (cached): bold=True, bg_color="#C6EFCE", …."""
        key = tuple(sorted(options.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(options)
        return self._formats[key]

    def write(self, row: int, column: int, value: Any, style=None) -> None:
        """Write one cell: numbers as numbers, everything else as text (never a formula)."""
        if value is None:
            if style is not None:
                self.sheet.write_blank(row, column, None, style)
            return
        if type(value) in (int, float, bool):
            self.sheet.write_number(row, column, value, style)
            return
        text = _NOT_IN_CELL.sub("", str(value))
        if text.startswith(FORMULA_START):
            style = self.style(quote_prefix=True, **self._options(style))
        self.sheet.write_string(row, column, text, style)

    def _options(self, style) -> dict:
        if style is None:
            return {}
        for key, cached in self._formats.items():
            if cached is style:
                return dict(key)
        return {}

    def append(self, values: Sequence[Any], styles: Sequence[Any] | None = None) -> None:
        """Write the next row."""
        for column, value in enumerate(values):
            self.write(self.row, column, value, styles[column] if styles else None)
        self.row += 1


def fast_workbook():
    """(an xlsxwriter workbook writing to memory, a function returning its bytes when done)."""
    import xlsxwriter

    buffer = io.BytesIO()
    # rows are flushed to a temporary file as they are written: memory stays flat
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})

    def finish() -> bytes:
        workbook.close()
        return buffer.getvalue()

    return workbook, finish
