"""The competency matrix as a workbook: the page's colours, a legend sheet, frozen header row and
name columns, every cell through the shared formula-safe writer (xlsxwriter: thousands of people
× dozens of competencies in seconds)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.competencies import matrix, queries
from app.core.spreadsheet import FastSheet, fast_workbook

#: cell state -> fill colour (the page's: green, amber, red, grey)
FILLS = {
    "met": "#C6EFCE",
    "one_below": "#FFEB9C",
    "two_below": "#FFC7CE",
    "no_evidence": "#E7E6E6",
    "not_required": "#FFFFFF",
}
#: how each cell state is called in the legend and read out on the page
STATE_WORDS = {
    "met": _l("Meets the required level"),
    "one_below": _l("One level below"),
    "two_below": _l("Two or more levels below"),
    "no_evidence": _l("No evidence yet"),
    "not_required": _l("Not required"),
}
#: people read per query (bounded memory for any size of company)
BATCH = 1000


def matrix_xlsx(query, columns, locale: str) -> bytes:
    """Every row of the matrix ``query`` (not only one page), coloured like the page."""
    from app.extensions import db

    workbook, finish = fast_workbook()
    sheet = FastSheet(workbook, str(_l("Matrix")))
    bold = sheet.style(bold=True, bottom=1)
    fills = {state: sheet.style(bg_color=colour, align="center") for state, colour in FILLS.items()}
    header = [_l("Employee number"), _l("Name"), _l("Department"), _l("Job role"), _l("Gaps")]
    header = [str(h) for h in header] + [c.code for c in columns]
    sheet.sheet.freeze_panes(1, 5)
    for column, width in enumerate((12, 12, 36, 16, 8)):
        sheet.sheet.set_column(column, column, width)
    sheet.sheet.set_column(5, 4 + len(columns), 5)
    sheet.append(header, [bold] * len(header))
    required = queries.required_levels()
    codes = [c.code for c in columns]
    column_ids = [c.id for c in columns]
    cell_state = matrix.cell_state
    offset = 0
    while True:
        batch = [tuple(row) for row in db.session.execute(query.limit(BATCH).offset(offset))]
        if not batch:
            break
        levels = matrix.levels_of([person.id for person, _below in batch])
        for person, _below in batch:
            role_levels = required.get(person.job_role_id, {})
            currents = [levels.get((person.id, cid)) for cid in column_ids]
            states = [
                cell_state(role_levels.get(code), current)
                for code, current in zip(codes, currents, strict=True)
            ]
            values = [
                person.employee_no,
                person.name,
                person.department.full_name if person.department else "",
                person.job_role.display_name(locale) if person.job_role else "",
                sum(1 for state in states if state in matrix.BELOW),
                *currents,
            ]
            sheet.append(values, [None] * 5 + [fills[state] for state in states])
        offset += BATCH
        for person, _below in batch:  # written: keep the session small
            db.session.expunge(person)
    legend = FastSheet(workbook, str(_l("Legend")))
    legend_bold = legend.style(bold=True)
    legend.sheet.set_column(1, 1, 40)
    legend.sheet.set_column(2, 2, 24)
    legend.append([str(_l("Code")), str(_l("Competency")), str(_l("Domain"))], [legend_bold] * 3)
    for c in columns:
        legend.append([c.code, c.label(locale), c.domain.name(locale)])
    legend.row += 1
    legend.append([str(_l("Colours"))], [legend_bold])
    for state, colour in FILLS.items():
        legend.append(["", str(STATE_WORDS[state])], [legend.style(bg_color=colour), None])
    legend.row += 1
    legend.append([str(_l("Levels"))], [legend_bold])
    for level, name in sorted(queries.level_names(locale).items()):
        legend.append([level, name])
    return finish()
