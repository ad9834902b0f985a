"""Report tables as files: XLSX through the shared writer (``FastSheet``: styled frozen headers,
text never a formula) and CSV in UTF-8 with a byte-order mark (what Chinese Excel opens right).

A table is a list of ``Column``s (a heading in the user's language and a kind) and rows of plain
values; the kind says how a value is written: times in the company's zone, fractions as
percentages, statuses in words (coloured in workbooks). Headings are lazy strings, so the file
is in the language of the request that makes it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.core import clock
from app.core.spreadsheet import FastSheet, csv_cell, fast_workbook
from app.reports.words import STATUS_FILLS, status_word

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
#: number formats of the kinds of column, in workbooks
_FORMATS = {
    "int": "#,##0",
    "number": "#,##0.00",
    "hours": "#,##0.0",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
_WIDTHS = {"text": 16, "status": 12, "date": 12, "datetime": 17, "percent": 10}


@dataclass(frozen=True)
class Column:
    """One column: its heading (a lazy string) and how its values are written.

    Kinds: text, int, number, hours, percent (a fraction 0–1), date, datetime (aware UTC,
    shown in company time), status (an assignment status code, shown in words)."""

    heading: Any
    kind: str = "text"
    width: float | None = None


@dataclass
class Sheet:
    """A sheet of a workbook: a name, the columns, the rows."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


def _local(value: datetime) -> datetime:
    """An aware datetime as a naive company time (workbooks have no zones)."""
    return value.astimezone(clock.local_zone()).replace(tzinfo=None)


def _write_sheet(workbook, sheet: Sheet) -> None:
    out = FastSheet(workbook, sheet.name)
    header = out.style(
        bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, valign="top", font_color="#1F2D3D"
    )
    formats = {kind: out.style(num_format=fmt) for kind, fmt in _FORMATS.items()}
    fills = {status: out.style(bg_color=fill, border=1) for status, fill in STATUS_FILLS.items()}
    for index, column in enumerate(sheet.columns):
        width = column.width or _WIDTHS.get(column.kind, 12)
        out.sheet.set_column(index, index, width)
    out.sheet.freeze_panes(1, 0)
    out.append([str(column.heading) for column in sheet.columns], [header] * len(sheet.columns))
    for values in sheet.rows:
        for index, (column, value) in enumerate(zip(sheet.columns, values, strict=True)):
            _write_cell(out, index, column.kind, value, formats, fills)
        out.row += 1
    out.sheet.autofilter(0, 0, max(out.row - 1, 0), max(len(sheet.columns) - 1, 0))


def _write_cell(out: FastSheet, index: int, kind: str, value, formats, fills) -> None:
    if value is None or value == "":
        return
    if kind == "status":
        out.write(out.row, index, status_word(value), fills.get(value))
    elif kind == "datetime" and isinstance(value, datetime):
        out.sheet.write_datetime(out.row, index, _local(value), formats["datetime"])
    elif kind == "date" and isinstance(value, date):
        out.sheet.write_datetime(out.row, index, value, formats["date"])
    elif kind in formats and isinstance(value, (int, float)) and not isinstance(value, bool):
        out.write(out.row, index, value, formats[kind])
    else:
        out.write(out.row, index, str(value))


def xlsx(sheets: Sequence[Sheet], title: str = "") -> bytes:
    """The sheets as the bytes of one workbook."""
    workbook, finish = fast_workbook()
    workbook.set_properties({"title": title[:250]})
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    return finish()


def _csv_value(kind: str, value) -> Any:
    if value is None:
        return ""
    if kind == "status":
        return status_word(value)
    if kind == "datetime" and isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if kind == "percent" and isinstance(value, (int, float)):
        return round(value, 4)
    return csv_cell(value)


def csv_bytes(sheet: Sheet) -> bytes:
    """One sheet as CSV (UTF-8 with a byte-order mark; formula-like text made inert)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(column.heading) for column in sheet.columns])
    for values in sheet.rows:
        writer.writerow(
            [
                _csv_value(column.kind, value)
                for column, value in zip(sheet.columns, values, strict=True)
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def as_file(fmt: str, sheets: Sequence[Sheet], title: str) -> tuple[bytes, str]:
    """(content, mimetype) of the sheets as ``fmt`` (xlsx: every sheet; csv: the first)."""
    if fmt == "csv":
        return csv_bytes(sheets[0]), CSV_MIMETYPE
    return xlsx(sheets, title), XLSX_MIMETYPE
