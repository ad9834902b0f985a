"""The competency framework as a workbook: one sheet per part, one row per item.

Pure: no Flask, no database. Problems are located as ``FILE:ROW`` with the sheet named. The
sheets and their columns are ``files.SHEETS``; a workbook written and read back gives the same
framework.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from app.competencies.files import (
    LEVELS,
    MAX_NAME,
    MAX_TEXT,
    SHEETS,
    CompetencySpec,
    DomainSpec,
    Framework,
    ProfileSpec,
    Reader,
    ScaleSpec,
    Text,
    check,
    read_date,
)
from app.core.gettext import _
from app.core.problems import Problem
from app.core.spreadsheet import workbook_bytes, write_table
from app.core.tabular import xlsx_problems

#: the most rows one sheet of the framework workbook may have
MAX_ROWS = 5_000


def dump_xlsx(framework: Framework) -> bytes:
    """The framework as a workbook with one sheet per part (scale, domains, competencies,
    profiles), a bold frozen header row; every cell written as text or a number, never a
    formula."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    rows: dict[str, list[list[Any]]] = {name: [] for name in SHEETS}
    for s in sorted(framework.scale, key=lambda s: s.level):
        rows["scale"].append([s.level, s.name.zh, s.name.en, s.description.zh, s.description.en])
    for d in sorted(framework.domains, key=lambda d: d.position):
        rows["domains"].append([d.code, d.name.zh, d.name.en])
    order = {d.code: d.position for d in framework.domains}
    for c in sorted(framework.competencies, key=lambda c: (order.get(c.domain, 0), c.position)):
        level_cells = []
        for level in LEVELS:
            text = c.levels.get(level, Text())
            level_cells += [text.zh, text.en]
        rows["competencies"].append(
            [
                c.code,
                c.domain,
                c.name.zh,
                c.name.en,
                c.description.zh,
                c.description.en,
                *level_cells,
                c.validity_months,
                "yes" if c.retired else "",
            ]
        )
    for p in framework.profiles:
        for code, level in p.levels.items():
            rows["profiles"].append([p.job_role, p.valid_from.isoformat(), code, level])
    for name, columns in SHEETS.items():
        write_table(workbook.create_sheet(name), columns, rows[name])
    return workbook_bytes(workbook)


def parse_xlsx(content: bytes, filename: str) -> tuple[Framework, list[Problem]]:
    """Read the workbook form; problems are located as ``FILE:ROW`` with the sheet named."""
    from openpyxl import load_workbook

    reader = Reader(filename)
    framework = Framework()
    # measured before openpyxl unpacks anything: parts' sizes, rows, columns, cell lengths
    for message in xlsx_problems(content, max_rows=MAX_ROWS, max_cell=32_767):
        reader.add(1, message)
    if reader.problems:
        return framework, reader.problems
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        reader.add(1, _("the file is not a readable .xlsx workbook"))
        return framework, reader.problems
    unknown = [name for name in workbook.sheetnames if name not in SHEETS]
    for name in unknown:
        reader.add(
            1,
            _("unknown sheet '%(name)s' (expected %(names)s)", name=name, names=", ".join(SHEETS)),
        )
    tables = {
        name: _sheet_rows(reader, workbook[name], name)
        for name in SHEETS
        if name in workbook.sheetnames
    }
    workbook.close()
    for row, cells in tables.get("scale", []):
        level = _cell_int(reader, cells, "level", row, "scale", 1, 5)
        if level is not None:
            framework.scale.append(
                ScaleSpec(
                    level,
                    _cell_text(reader, cells, "name", row, "scale", True, 50),
                    _cell_text(reader, cells, "description", row, "scale", False, MAX_TEXT),
                    row,
                )
            )
    for position, (row, cells) in enumerate(tables.get("domains", [])):
        code = _cell(cells, "code")
        if not code:
            reader.add(row, _("sheet %(sheet)s: 'code' is missing", sheet="domains"))
        framework.domains.append(
            DomainSpec(
                code,
                _cell_text(reader, cells, "name", row, "domains", True, MAX_NAME),
                position,
                row,
            )
        )
    positions: dict[str, int] = {}
    for row, cells in tables.get("competencies", []):
        code, domain = _cell(cells, "code"), _cell(cells, "domain")
        if not code:
            reader.add(row, _("sheet %(sheet)s: 'code' is missing", sheet="competencies"))
        levels = {}
        for level in LEVELS:
            zh, en = _cell(cells, f"level{level}_zh"), _cell(cells, f"level{level}_en")
            if not zh:
                reader.add(row, _("sheet competencies: level %(n)d has no descriptor", n=level))
            levels[level] = Text(zh, en)
        retired = _cell(cells, "retired").lower() in ("yes", "true", "1", "是")
        framework.competencies.append(
            CompetencySpec(
                code,
                domain,
                _cell_text(reader, cells, "name", row, "competencies", True, MAX_NAME),
                _cell_text(reader, cells, "description", row, "competencies", False, MAX_TEXT),
                levels,
                _cell_int(reader, cells, "validity_months", row, "competencies", 1, 120),
                retired,
                positions.setdefault(domain, 0),
                row,
            )
        )
        positions[domain] += 1
    by_key: dict[tuple[str, date], ProfileSpec] = {}
    for row, cells in tables.get("profiles", []):
        role, code = _cell(cells, "job_role"), _cell(cells, "competency")
        valid_from = read_date(reader, _cell(cells, "valid_from") or None, row)
        level = _cell_int(reader, cells, "level", row, "profiles", 1, 5)
        if not role or not code or valid_from is None or level is None:
            if not role or not code or not _cell(cells, "valid_from"):
                reader.add(
                    row,
                    _("sheet profiles: job_role, valid_from, competency and level are all needed"),
                )
            continue
        profile = by_key.get((role, valid_from))
        if profile is None:
            profile = by_key[(role, valid_from)] = ProfileSpec(role, valid_from, {}, row, {})
            framework.profiles.append(profile)
        if code in profile.levels:
            reader.add(
                row,
                _(
                    "sheet profiles: %(code)s is given twice for %(role)s from %(day)s",
                    code=code,
                    role=role,
                    day=valid_from.isoformat(),
                ),
            )
        profile.levels[code] = level
        profile.lines[code] = row
    check(framework, reader)
    return framework, reader.problems


def _sheet_rows(reader: Reader, sheet, name: str) -> list[tuple[int, dict[str, Any]]]:
    sheet.reset_dimensions()  # a declared A1:XFD1048576 must not pad every row
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    columns = [str(c).strip() if c is not None else "" for c in header]
    missing = [c for c in SHEETS[name] if c not in columns and c not in ("retired",)]
    if missing:
        reader.add(
            1,
            _("sheet %(sheet)s lacks the column(s) %(cols)s", sheet=name, cols=", ".join(missing)),
        )
        return []
    result = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        result.append((number, dict(zip(columns, values, strict=False))))
    return result


def _cell(cells: dict, key: str) -> str:
    value = cells.get(key)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _cell_text(reader, cells, base, row, sheet, required, limit) -> Text:
    zh, en = _cell(cells, f"{base}_zh"), _cell(cells, f"{base}_en")
    if required and not zh:
        reader.add(row, _("sheet %(sheet)s: '%(key)s' is missing", sheet=sheet, key=base + "_zh"))
    for key, value in ((f"{base}_zh", zh), (f"{base}_en", en)):
        if len(value) > limit:
            reader.add(
                row,
                _(
                    "sheet %(sheet)s: '%(key)s' is longer than %(n)d characters",
                    sheet=sheet,
                    key=key,
                    n=limit,
                ),
            )
    return Text(zh, en)


def _cell_int(reader, cells, key, row, sheet, low, high) -> int | None:
    raw = _cell(cells, key)
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        reader.add(
            row,
            _(
                "sheet %(sheet)s: '%(key)s' must be a whole number from %(low)d to %(high)d",
                sheet=sheet,
                key=key,
                low=low,
                high=high,
            ),
        )
        return None
    return value
