"""Spreadsheet and CSV limits (issue 23, finding 4): measured before openpyxl opens anything.

The probe's files, rebuilt small: one huge cell in a tiny XLSX (a 300 MB shared string
compresses to a few hundred KB), a million empty rows, a cell at column XFD, a zip that unpacks
past the cap. Each is refused with a clear problem, quickly, without openpyxl being asked; the
user import never builds an unbounded ``IN (...)``.
"""

import io
import time
import zipfile

import pytest

from app.core import tabular

OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<Types xmlns="{PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{OOXML}.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{RELS}">'
    '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def workbook(sheet_rows=(), shared=("employee_no",), big_string=0) -> bytes:
    """A hand-made .xlsx, written in streamed chunks so a huge cell costs no memory here."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            for text in shared:
                part.write(f"<si><t>{text}</t></si>".encode())
            if big_string:
                part.write(b"<si><t>")
                chunk = b"A" * (1024 * 1024)
                for _ in range(big_string // len(chunk)):
                    part.write(chunk)
                part.write(b"</t></si>")
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(SHEET_HEAD.encode())
            for row in sheet_rows:
                part.write(row.encode() if isinstance(row, str) else row)
            part.write(SHEET_TAIL.encode())
    return buffer.getvalue()


@pytest.fixture
def openpyxl_never_opens(monkeypatch):
    """Fail if openpyxl is asked to load the workbook (the pre-check must refuse it first)."""
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open a workbook the pre-check must refuse")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_a_tiny_workbook_with_a_huge_cell_is_refused_before_opening(openpyxl_never_opens):
    data = workbook(big_string=70 * 1024 * 1024)  # unpacks past MAX_UNPACKED
    assert len(data) < 1024 * 1024
    started = time.monotonic()
    table, problems = tabular.read_table(data, "people.xlsx")
    assert time.monotonic() - started < 5
    assert table.rows == [] and len(problems) == 1
    assert "unpacks to more than 64 MB" in problems[0].message


def test_a_cell_longer_than_the_limit_is_refused_while_streaming(openpyxl_never_opens):
    data = workbook(shared=("employee_no", "x" * 5000))
    _table, problems = tabular.read_table(data, "people.xlsx", max_cell=1000)
    assert [p.message for p in problems] == ["A cell is longer than 1000 characters."]


def test_a_million_empty_rows_are_refused_quickly(openpyxl_never_opens):
    rows = (f'<row r="{n}"/>' for n in range(2, 1_000_002))
    data = workbook(sheet_rows=rows)
    assert len(data) < 3 * 1024 * 1024
    started = time.monotonic()
    _table, problems = tabular.read_table(data, "people.xlsx")
    assert time.monotonic() - started < 10
    assert "more than 200000 rows" in problems[0].message


def test_rows_past_the_limit_are_refused(openpyxl_never_opens):
    rows = (f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(2, 1_100))
    _table, problems = tabular.read_table(workbook(sheet_rows=rows), "x.xlsx", max_rows=50)
    assert "more than 50 rows" in problems[0].message


def test_a_cell_at_column_xfd_is_refused(openpyxl_never_opens):
    data = workbook(sheet_rows=['<row r="2"><c r="XFD2" t="s"><v>0</v></c></row>'])
    _table, problems = tabular.read_table(data, "x.xlsx")
    assert problems[0].message == "A row uses more than 100 columns."


def test_a_declared_dimension_does_not_pad_rows():
    rows = ['<row r="2"><c r="A2" t="s"><v>0</v></c></row>']
    data = workbook(sheet_rows=rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(
                    b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>'
                )
            target.writestr(item, content)
    started = time.monotonic()
    table, problems = tabular.read_table(buffer.getvalue(), "x.xlsx")
    assert time.monotonic() - started < 5
    assert problems == [] and table.header == ["employee_no"]
    assert table.rows == [(2, ["employee_no"])]


def test_a_workbook_with_a_dtd_is_refused(openpyxl_never_opens):
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><row r="2"/>'
    data = workbook(sheet_rows=[bomb])
    _table, problems = tabular.read_table(data, "x.xlsx")
    assert problems and "DTD" in problems[0].message or "not a readable" in problems[0].message


def test_a_normal_workbook_still_reads():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["employee_no", "name"])
    book.active.append(["E1", "张三"])
    buffer = io.BytesIO()
    book.save(buffer)
    table, problems = tabular.read_table(buffer.getvalue(), "people.xlsx")
    assert problems == []
    assert table.rows == [(2, ["E1", "张三"])]


def test_a_zip_version_zipfile_cannot_read_is_refused_cleanly():
    """Found by the hypothesis import tests: a central directory asking for zip version 8.4
    made zipfile raise NotImplementedError while the size check opened the archive."""
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    data = bytearray(buffer.getvalue())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 6 : at + 8] = (84).to_bytes(2, "little")  # version needed to extract: 8.4
        at = data.find(b"PK\x01\x02", at + 4)
    table, problems = tabular.read_table(bytes(data), "people.xlsx")
    assert [p.message for p in problems] == ["The file is not a readable .xlsx workbook."]
    assert table.rows == []


def test_csv_blank_lines_and_wide_rows_count_too():
    blank = ("employee_no\n" + "\n" * (100 + tabular.BLANK_ROWS + 5)).encode()
    _table, problems = tabular.read_table(blank, "x.csv", max_rows=100)
    assert "more than 100 rows" in problems[0].message
    wide = ("employee_no\n" + "," * 200 + "\n").encode()
    _table, problems = tabular.read_table(wide, "x.csv")
    assert problems[0].message == "A row uses more than 100 columns."


def test_the_bank_and_framework_readers_measure_first(openpyxl_never_opens):
    from app.bank.formats.xlsx.reader import parse_xlsx
    from app.competencies.files_xlsx import parse_xlsx as parse_framework

    data = workbook(big_string=70 * 1024 * 1024)
    _questions, problems = parse_xlsx(data, "bank.xlsx")
    assert "unpacks to more than 64 MB" in problems[0].message
    _framework, problems = parse_framework(data, "framework.xlsx")
    assert "unpacks to more than 64 MB" in problems[0].message


def test_the_user_import_looks_people_up_in_bounded_chunks(app, count_queries, make_department):
    from app.org import services

    make_department("测试公司/测试分中心/测试营业厅", "hall")
    lines = ["employee_no,name,email,department,job_role,roles,hired_at"]
    lines += [
        f"N{n:05d},员工{n},n{n}@example.test,测试公司/测试分中心/测试营业厅,CTR,staff,"
        for n in range(1, 1_301)
    ]
    data = ("\n".join(lines) + "\n").encode()
    with count_queries() as counter, app.app_context():
        report = services.import_users(None, data, "people.csv", dry_run=True)
    assert report.count("create") == 1_300
    widest = max(statement.count("?") + statement.count("%(") for statement in counter.statements)
    assert widest <= services.user_import.LOOKUP_CHUNK + 5


def test_the_user_import_caps_its_rows():
    from app.core.errors import ImportRejected
    from app.org.services.user_import import MAX_IMPORT_ROWS, read_user_rows

    header = "employee_no,name,email,department,job_role,roles,hired_at\n"
    data = (header + "E1,x,,,,admin,\n" * (MAX_IMPORT_ROWS + 1)).encode()
    with pytest.raises(ImportRejected) as refused:
        read_user_rows(data, "people.csv")
    assert f"more than {MAX_IMPORT_ROWS} rows" in refused.value.problems[0].message
