"""The audit trail as CSV (UTF-8 with a byte-order mark) or XLSX: one row per event.

Every cell goes through ``app.core.spreadsheet``, so a name or value that starts like a formula
stays text in Excel and WPS.
"""

from __future__ import annotations

import json

from app.audit.labels import action_label, target_label
from app.core import clock
from app.core.spreadsheet import csv_cell, set_cell
from app.core.tabular import write_csv

#: the most rows one export holds (narrow the filters for more)
EXPORT_LIMIT = 50_000


def header() -> list[str]:
    """The column names (in the user's language)."""
    from app.core.gettext import _

    return [
        _("Time"),
        _("Employee number"),
        _("Name"),
        _("Action"),
        _("Action code"),
        _("Record"),
        _("Record id"),
        _("Before"),
        _("After"),
    ]


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def rows(events) -> list[list]:
    """One list of cells per (event, actor) pair."""
    return [
        [
            clock.to_local(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            actor.employee_no if actor else "",
            actor.name if actor else "",
            action_label(event.action),
            event.action,
            target_label(event.target_type),
            event.target_id,
            _json(event.before),
            _json(event.after),
        ]
        for event, actor in events
    ]


def to_csv(events) -> bytes:
    """The events as CSV (utf-8-sig)."""
    return write_csv(header(), [[csv_cell(cell) for cell in row] for row in rows(events)])


def to_xlsx(events) -> bytes:
    """The events as a one-sheet workbook (written row by row, in write-only mode)."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("audit")
    bold = Font(bold=True)

    def cells(values, font=None):
        made = []
        for value in values:
            cell = WriteOnlyCell(sheet)
            set_cell(cell, value)
            if font is not None:
                cell.font = font
            made.append(cell)
        return made

    sheet.append(cells(header(), bold))
    for row in rows(events):
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
