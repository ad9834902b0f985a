"""Reading uploaded tables (CSV or XLSX) into a header and numbered rows: shared by every importer.

Pure: no Flask, no database. ``read_table`` takes the bytes of a ``.csv`` (UTF-8, with or without
a byte-order mark) or ``.xlsx`` file (its first sheet, read with openpyxl in read-only mode) and
gives the header and every non-blank row with its row number as the user sees it (the header is
row 1), or the problems that stop the file from being read at all. ``read_records`` also checks
the header against the columns an importer expects and pairs each row's cells with them.

Both cap what they read (rows, characters per cell), so a huge or hostile upload ends with a
clear problem instead of exhausting the server. An .xlsx is measured before openpyxl opens it
(``xlsx_problems``): the zip's directory gives every part's unpacked size (at most
``MAX_UNPACKED`` in all), and the shared strings and sheets are streamed through expat in 64 KB
chunks, counting rows (``max_rows`` per sheet, plus ``BLANK_ROWS`` empty ones), columns
(``MAX_COLUMNS``) and characters per cell (``max_cell``) without holding any of them. The other
workbook readers (the question bank's, the competency framework's) call it too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from app.core.gettext import _
from app.core.problems import Problem

#: the most data rows one file may hold
MAX_ROWS = 200_000
#: the most characters one cell may hold
MAX_CELL = 1_000
#: the most columns a row may use (a cell at column XFD would make every row 16,384 wide)
MAX_COLUMNS = 100
#: empty rows tolerated beyond ``max_rows`` (a million empty rows is still a million rows)
BLANK_ROWS = 1_000
#: the most bytes an .xlsx may unpack to, all its parts together
MAX_UNPACKED = 64 * 1024 * 1024
#: the most parts (files) the .xlsx zip may hold
MAX_PARTS = 1_000
EXTENSIONS = (".csv", ".xlsx")
_CHUNK = 64 * 1024


@dataclass
class Table:
    """A read table: the header's cells and each non-blank data row with its row number."""

    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def cell_text(value) -> str:
    """A spreadsheet cell as text: dates as YYYY-MM-DD, whole floats without ".0", trimmed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(
    data: bytes, filename: str, *, max_rows: int = MAX_ROWS, max_cell: int = MAX_CELL
) -> tuple[Table, list[Problem]]:
    """Read a .csv or .xlsx file by its name; return the table and the problems that stop it."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, filename, max_rows, max_cell)
    if name.endswith(".csv"):
        return _read_csv(data, filename, max_rows, max_cell)
    return Table(), [Problem(0, _("Unsupported file type: use .csv or .xlsx."), filename)]


def _too_many_rows(filename: str, line: int, max_rows: int) -> Problem:
    return Problem(
        line,
        _("The file has more than %(n)d rows; split it into several files.", n=max_rows),
        filename,
    )


def _long_cells(cells: list[str], line: int, filename: str, max_cell: int) -> list[Problem]:
    problems = []
    if any(len(cell) > max_cell for cell in cells):
        problems.append(
            Problem(line, _("A cell is longer than %(n)d characters.", n=max_cell), filename)
        )
    # PostgreSQL cannot hold a NUL in text: refused here, on its row, not by the database.
    if any("\x00" in cell for cell in cells):
        problems.append(Problem(line, _("A cell holds a NUL character."), filename))
    return problems


class _Refused(Exception):
    """The streamed part broke a limit; the message says which."""


def _column_number(reference: str) -> int:
    """1 for "A7", 16384 for "XFD1"."""
    number = 0
    for char in reference:
        if not ("A" <= char <= "Z"):
            break
        number = number * 26 + ord(char) - 64
    return number


def _scan_part(stream, *, is_sheet: bool, max_rows: int, max_cell: int) -> None:
    """Stream one XML part through expat, raising _Refused at the first limit it breaks."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    state = {"rows": 0, "chars": 0, "open": False}
    cell_tag = "c" if is_sheet else "si"

    def forbidden(*_args):
        raise _Refused(_("The workbook declares a DTD or entities; save it again from Excel."))

    def start(name, attrs):
        local = name.rsplit(":", 1)[-1]
        if local == cell_tag:
            state["open"], state["chars"] = True, 0
            if is_sheet and _column_number(attrs.get("r", "")) > MAX_COLUMNS:
                raise _Refused(_("A row uses more than %(n)d columns.", n=MAX_COLUMNS))
        elif is_sheet and local == "row":
            state["rows"] += 1
            if state["rows"] > max_rows + 1 + BLANK_ROWS:
                raise _Refused(
                    _("The file has more than %(n)d rows; split it into several files.", n=max_rows)
                )

    def end(name):
        if name.rsplit(":", 1)[-1] == cell_tag:
            state["open"] = False

    def text(data):
        if state["open"]:
            state["chars"] += len(data)
            if state["chars"] > max_cell:
                raise _Refused(_("A cell is longer than %(n)d characters.", n=max_cell))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = forbidden
    parser.EntityDeclHandler = forbidden
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def xlsx_problems(
    data: bytes,
    *,
    max_rows: int = MAX_ROWS,
    max_cell: int = MAX_CELL,
    max_unpacked: int = MAX_UNPACKED,
) -> list[str]:
    """Why an .xlsx is too big to open, found without unpacking it; [] when it may be opened.

    A file that is no zip at all gives [] too: the reader then says it is not a workbook.
    """
    import zipfile
    import zlib
    from xml.parsers import expat

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError):
        # NotImplementedError: a zip version zipfile cannot read; the reader then says so
        return []
    if len(parts) > MAX_PARTS:
        return [_("The workbook has more than %(n)d parts.", n=MAX_PARTS)]
    if sum(part.file_size for part in parts) > max_unpacked:
        mb = max_unpacked // (1024 * 1024)
        return [_("The workbook unpacks to more than %(mb)d MB; split it.", mb=mb)]
    for part in parts:
        name = part.filename.lower()
        is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
        if not is_sheet and not name.endswith("sharedstrings.xml"):
            continue
        try:
            with archive.open(part) as stream:
                _scan_part(stream, is_sheet=is_sheet, max_rows=max_rows, max_cell=max_cell)
        except _Refused as refused:
            return [str(refused)]
        except (
            expat.ExpatError,
            zipfile.BadZipFile,
            zlib.error,  # a damaged compressed part
            NotImplementedError,  # a compression method zipfile does not know
            RuntimeError,  # an encrypted part
            ValueError,
            OSError,
            EOFError,
        ):
            return [_("The file is not a readable .xlsx workbook.")]
    return []


def _read_csv(
    data: bytes, filename: str, max_rows: int, max_cell: int
) -> tuple[Table, list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return Table(), [
            Problem(line, _("The file is not UTF-8 text; save it as CSV UTF-8."), filename)
        ]
    reader = csv.reader(io.StringIO(text, newline=""))
    table = Table()
    problems: list[Problem] = []
    try:
        header = next(reader, None)
        if header is None:
            return table, [Problem(1, _("The file is empty."), filename)]
        table.header = [cell.strip() for cell in header]
        problems += _long_cells(table.header, 1, filename, max_cell)
        for values in reader:
            line = reader.line_num
            if len(values) > MAX_COLUMNS:
                message = _("A row uses more than %(n)d columns.", n=MAX_COLUMNS)
                problems.append(Problem(line, message, filename))
                break
            cells = [cell.strip() for cell in values]
            if line > max_rows + 1 + BLANK_ROWS or (any(cells) and len(table.rows) >= max_rows):
                problems.append(_too_many_rows(filename, line, max_rows))
                break
            if not any(cells):
                continue
            problems += _long_cells(cells, line, filename, max_cell)
            table.rows.append((line, cells))
    except csv.Error as exc:  # a NUL byte, a field beyond the csv module's own limit
        problems.append(
            Problem(
                reader.line_num or 1,
                _("The file is not readable CSV: %(detail)s", detail=str(exc)),
                filename,
            )
        )
    return table, problems


def _read_xlsx(
    data: bytes, filename: str, max_rows: int, max_cell: int
) -> tuple[Table, list[Problem]]:
    from openpyxl import load_workbook

    too_big = xlsx_problems(data, max_rows=max_rows, max_cell=max_cell)
    if too_big:
        return Table(), [Problem(0, message, filename) for message in too_big]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a declared A1:XFD1048576 must not pad every row
    except Exception:  # openpyxl raises many types for a broken file
        return Table(), [Problem(0, _("The file is not a readable .xlsx workbook."), filename)]
    table = Table()
    problems: list[Problem] = []
    seen_header = False
    try:
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(value) for value in values[:MAX_COLUMNS]]
            if not seen_header:
                seen_header = True
                table.header = cells
                problems += _long_cells(cells, line, filename, max_cell)
                continue
            if line > max_rows + 1 + BLANK_ROWS or (any(cells) and len(table.rows) >= max_rows):
                problems.append(_too_many_rows(filename, line, max_rows))
                break
            if not any(cells):
                continue
            problems += _long_cells(cells, line, filename, max_cell)
            table.rows.append((line, cells))
    except Exception:  # a damaged sheet part is only noticed while reading it
        problems.append(Problem(0, _("The file is not a readable .xlsx workbook."), filename))
    finally:
        workbook.close()
    if not seen_header:
        return table, [Problem(1, _("The file is empty."), filename)]
    return table, problems


def check_header(
    header: Sequence[str], required: Sequence[str], optional: Sequence[str] = (), filename=None
) -> tuple[list[str], list[Problem]]:
    """The header in lower case, and a problem on row 1 for missing or unknown columns."""
    names = [(cell or "").strip().lower() for cell in header]
    allowed = (*required, *optional)
    missing = [column for column in required if column not in names]
    unknown = [name for name in names if name and name not in allowed]
    problems = []
    if missing:
        message = _("Missing columns: %(cols)s", cols=", ".join(missing))
        problems.append(Problem(1, message, filename))
    if unknown:
        message = _("Unknown columns: %(cols)s", cols=", ".join(unknown))
        problems.append(Problem(1, message, filename))
    return names, problems


def read_records(
    data: bytes,
    filename: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    max_rows: int = MAX_ROWS,
    max_cell: int = MAX_CELL,
) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """(row number, {column: text}) of each data row, checked against the expected columns."""
    table, problems = read_table(data, filename, max_rows=max_rows, max_cell=max_cell)
    if problems and not table.header:
        return [], problems
    names, header_problems = check_header(table.header, required, optional, filename)
    if header_problems:
        return [], header_problems + problems
    records = [(line, dict(zip(names, cells, strict=False))) for line, cells in table.rows]
    return records, problems


def write_csv(header: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    """A CSV file (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese right)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(header: Sequence[str], rows: Sequence[Sequence], title: str = "data") -> bytes:
    """A one-sheet workbook with ``header`` in bold on row 1 and ``rows`` below."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "data")
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
