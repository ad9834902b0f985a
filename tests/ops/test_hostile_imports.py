"""Hostile import files (issue 30, "Hostile input"): a clean, located error or a valid result.

Each importer gets mutations of a valid file: cells set to empty, huge, NUL, unicode, formula or
wrongly typed values; columns missing, extra, renamed or duplicated; rows repeated or dropped;
and the bytes truncated, flipped or replaced by random ones. The importer must either import
(and the rows written match its report) or refuse with its own error whose every problem has a
row or line number (0 = the file as a whole), leaving every table as it was. Any other
exception, an unlocated problem or a partial write fails the test, and hypothesis shrinks it.

Inputs per parser (``max_examples``) are the constants below; the lead's closing note quotes them.
"""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db as _db
from tests.quality.conftest import PERIOD, demo_indicators, indicators  # noqa: F401

#: inputs generated per parser
USERS_CSV_EXAMPLES = 150
USERS_XLSX_EXAMPLES = 80
SCORES_CSV_EXAMPLES = 150
SCORES_XLSX_EXAMPLES = 80
FRAMEWORK_XLSX_EXAMPLES = 30
FRAMEWORK_YAML_EXAMPLES = 40
QUESTIONS_XLSX_EXAMPLES = 40

HYPOTHESIS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

# --- hostile values and mutations -----------------------------------------------------------

HUGE = ["x" * 101, "名" * 256, "y" * 1001, "z" * 33_000]
FORMULAS = ["=1+1", '=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(A1)"]
TEXT = st.text(max_size=40)
CELL = st.one_of(
    st.sampled_from(["", " "]),
    TEXT,
    st.sampled_from(HUGE),
    st.sampled_from(HUGE).map(lambda huge: huge[:100] + "@x.cn"),  # past a column's length
    st.sampled_from(["\x00", "a\x00b", "\ufeff", "\u202e", "😀", "\r\n", '"', ";", "/"]),
    st.sampled_from(FORMULAS),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.sampled_from([date(1, 1, 1), date(9999, 12, 31), datetime(2026, 2, 28, 13, 5)]),
)


@st.composite
def mutated_table(draw, tables: dict[str, list[list]]):
    """A copy of ``tables`` (sheet name -> rows, header first) with a few random edits."""
    result = {name: [list(row) for row in rows] for name, rows in tables.items()}
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(sorted(result)))
        rows = result[name]
        width = max(1, *(len(row) for row in rows))
        kind = draw(
            st.sampled_from(
                [
                    "cell",
                    "cell",
                    "cell",
                    "column",
                    "column",
                    "header",
                    "drop-col",
                    "dup-col",
                    "extra-col",
                    "dup-row",
                    "drop-row",
                    "blank-row",
                ]  # fmt: skip
            )
        )
        row = draw(st.integers(0, len(rows) - 1))
        col = draw(st.integers(0, width - 1))
        if kind == "cell" and len(rows) > 1:
            row = draw(st.integers(1, len(rows) - 1))
            rows[row] += [None] * (col + 1 - len(rows[row]))
            rows[row][col] = draw(CELL)
        elif kind == "column":  # one value down a whole column: every row meets it
            value = draw(CELL)
            for r in rows[1:]:
                r += [None] * (col + 1 - len(r))
                r[col] = value
        elif kind == "header":
            rows[0] += [None] * (col + 1 - len(rows[0]))
            rows[0][col] = draw(st.one_of(CELL, st.sampled_from([str(rows[0][col]).upper()])))
        elif kind == "drop-col":
            for r in rows:
                del r[col : col + 1]
        elif kind == "dup-col":
            for r in rows:
                r.insert(col, r[col] if col < len(r) else None)
        elif kind == "extra-col":
            rows[0].append(draw(TEXT))
            for r in rows[1:]:
                r.append(draw(CELL))
        elif kind == "dup-row":
            rows.insert(row, list(rows[row]))
        elif kind == "drop-row" and len(rows) > 1:
            del rows[row]
        elif kind == "blank-row":
            rows.insert(row + 1, [])
        if not rows or not any(rows):
            rows[:] = [[]]
    return result


@st.composite
def damaged_bytes(draw, data: bytes):
    """``data`` unchanged (mostly), truncated, with bytes flipped or inserted, or replaced.

    Positions are drawn independently of ``data``'s length (a workbook's bytes carry the time
    they were saved, so its length may differ when hypothesis replays an example).
    """
    kind = draw(st.sampled_from(["same"] * 6 + ["truncate", "flip", "insert", "random"]))
    at = draw(st.integers(0, 2**20)) % (len(data) + 1)
    if kind == "truncate":
        return data[: min(at, len(data) - 1)]
    if kind == "flip" and at < len(data):
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
    if kind == "random":
        return draw(st.binary(max_size=300))
    return data


def csv_file(rows: list[list], encoding: str = "utf-8") -> bytes:
    """The rows as CSV text (every value as text, as a spreadsheet program saves them)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if value is None else str(value) for value in row])
    return buffer.getvalue().encode(encoding, "surrogatepass")


def xlsx_file(tables: dict[str, list[list]]) -> bytes:
    """A workbook with one sheet per table; characters a workbook cannot hold are left out."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(
                [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row]
            )
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def table_counts() -> dict[str, int]:
    """Rows per table of the whole schema, in one query."""
    tables = _db.metadata.sorted_tables
    row = _db.session.execute(
        select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    ).one()
    return dict(zip((t.name for t in tables), row, strict=True))


def imported_or_rejected(call, rejected: tuple[type[Exception], ...]):
    """Run an import; return its report, or None after checking the refusal was clean.

    Clean: the importer's own error, every problem with a line (0 = the whole file) and a
    message, and not one row of any table changed.
    """
    before = table_counts()
    try:
        report = call()
    except rejected as error:
        _db.session.rollback()
        assert error.problems, "a refusal without problems"
        for problem in error.problems:
            assert isinstance(problem.line, int) and problem.line >= 0, problem
            assert str(problem.message).strip(), problem
        assert table_counts() == before, "a refused import wrote rows"
        event("refused")
        return None, before
    event("imported")
    return report, before


def _delta(before: dict[str, int], table: str) -> int:
    return table_counts()[table] - before[table]


# --- the user import (CSV, XLSX) ------------------------------------------------------------

DEPT = "敌意公司/城区中心/中山路营业厅"
USERS = [
    ["employee_no", "name", "email", "department", "job_role", "roles", "hired_at"],
    ["H100", "王芳", "wf@example.test", DEPT, "CTR", "staff", "2019-03-01"],
    ["H101", "李强", "", DEPT, "CC", "staff;trainer", "2020-07-15"],
    ["H102", "赵敏", "zm@example.test", "", "", "hr", ""],
]


@pytest.fixture
def user_import(app, make_department):
    """Run the user import on bytes; check a success against what it reported."""
    from app.core.errors import ImportRejected
    from app.org import services
    from app.org.models import User

    make_department(DEPT, "hall")

    def run(data: bytes, filename: str):
        with app.app_context():
            report, before = imported_or_rejected(
                lambda: services.import_users(None, data, filename), (ImportRejected,)
            )
            if report is not None:
                assert _delta(before, "user_account") == report.count("create")
                for row in report.rows:
                    user = _db.session.scalar(
                        select(User).where(User.employee_no == row.employee_no)
                    )
                    assert (user.name, user.email) == (row.name, row.email)
            _db.session.remove()

    return run


@settings(max_examples=USERS_CSV_EXAMPLES, **HYPOTHESIS)
@given(data=st.data())
def test_hostile_user_csv_is_imported_or_refused_cleanly(user_import, data):
    tables = data.draw(mutated_table({"users": USERS}))
    encoding = data.draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16"]))
    raw = data.draw(damaged_bytes(csv_file(tables["users"], encoding)))
    user_import(raw, "people.csv")


@settings(max_examples=USERS_XLSX_EXAMPLES, **HYPOTHESIS)
@given(data=st.data())
def test_hostile_user_xlsx_is_imported_or_refused_cleanly(user_import, data):
    tables = data.draw(mutated_table({"users": USERS}))
    user_import(data.draw(damaged_bytes(xlsx_file(tables))), "people.xlsx")


# --- the service-score import (CSV, XLSX) ---------------------------------------------------

SCORES = [
    ["employee_no", "indicator", "value"],
    ["Q0001", "K01", 98.5],
    ["Q0002", "K01", "96"],
    ["Q0001", "K02", 3],
    ["Q0003", "K06", "93.0"],
]


@pytest.fixture
def score_import(app, indicators, make_user):  # noqa: F811
    """Run the score import of PERIOD on bytes; check a success against what it reported."""
    from app.core.errors import ImportRejected
    from app.quality import services

    for number, role in (("Q0001", "CTR"), ("Q0002", "CTR"), ("Q0003", "CC")):
        make_user(employee_no=number, job_role=role)

    def run(data: bytes, filename: str):
        with app.app_context():
            report, before = imported_or_rejected(
                lambda: services.import_score_file(None, PERIOD, data, filename),
                (ImportRejected,),
            )
            if report is not None:
                assert _delta(before, "service_score") == report.created - report.deleted
            _db.session.remove()

    return run


@settings(max_examples=SCORES_CSV_EXAMPLES, **HYPOTHESIS)
@given(data=st.data())
def test_hostile_score_csv_is_imported_or_refused_cleanly(score_import, data):
    tables = data.draw(mutated_table({"scores": SCORES}))
    score_import(data.draw(damaged_bytes(csv_file(tables["scores"]))), "scores.csv")


@settings(max_examples=SCORES_XLSX_EXAMPLES, **HYPOTHESIS)
@given(data=st.data())
def test_hostile_score_xlsx_is_imported_or_refused_cleanly(score_import, data):
    tables = data.draw(mutated_table({"scores": SCORES}))
    score_import(data.draw(damaged_bytes(xlsx_file(tables))), "scores.xlsx")


# --- the competency framework import (XLSX, YAML) -------------------------------------------


@pytest.fixture(scope="module")
def framework_files(demo_framework):
    """The demo framework as a workbook's tables and as YAML text."""
    from app.competencies.files import dump_yaml
    from app.competencies.files_xlsx import dump_xlsx

    book = openpyxl.load_workbook(io.BytesIO(dump_xlsx(demo_framework)))
    tables = {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }
    return tables, dump_yaml(demo_framework)


@pytest.fixture
def framework_import(app):
    """Run the framework import on bytes (the demo framework is already loaded)."""
    from app.competencies import services

    def run(data: bytes, filename: str):
        with app.app_context():
            report, _before = imported_or_rejected(
                lambda: services.import_file(None, data, filename), (services.FrameworkRejected,)
            )
            assert report is None or isinstance(report, services.FrameworkReport)
            _db.session.remove()

    return run


@settings(max_examples=FRAMEWORK_XLSX_EXAMPLES, **HYPOTHESIS)
@given(data=st.data())
def test_hostile_framework_xlsx_is_imported_or_refused_cleanly(
    framework_import, framework_files, data
):
    tables = data.draw(mutated_table(framework_files[0]))
    framework_import(data.draw(damaged_bytes(xlsx_file(tables))), "framework.xlsx")


@st.composite
def mutated_yaml(draw, text: str):
    """The YAML with lines dropped, repeated or given hostile values, then maybe damaged."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "value", "drop", "dup", "indent"]))
        if kind == "value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            value = draw(CELL)
            lines[at] = f"{key}: {value!s}"
        elif kind == "drop":
            del lines[at]
        elif kind == "dup":
            lines.insert(at, lines[at])
        elif kind == "indent":
            lines[at] = " " * draw(st.integers(1, 3)) + lines[at]
        if not lines:
            lines = [""]
    raw = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    return draw(damaged_bytes(raw))


@settings(max_examples=FRAMEWORK_YAML_EXAMPLES, **HYPOTHESIS)
@given(data=st.data())
def test_hostile_framework_yaml_is_imported_or_refused_cleanly(
    framework_import, framework_files, data
):
    framework_import(data.draw(mutated_yaml(framework_files[1])), "framework.yaml")


# --- the Excel question template --------------------------------------------------------------


def _template_rows() -> dict[str, list[list]]:
    from app.bank.formats.xlsx import template_workbook

    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    return {"questions": [list(row) for row in book.worksheets[2].iter_rows(values_only=True)]}


@pytest.fixture(scope="module")
def template_rows():
    """The template's header with its examples (every question type) as the questions sheet."""
    return _template_rows()


@pytest.fixture
def question_import(app):
    """Upload a question workbook through the bank's import; check a success's new rows."""
    from app.bank import services

    def run(data: bytes, filename: str):
        with app.app_context():
            report, before = imported_or_rejected(
                lambda: services.import_upload(None, data, filename),
                (services.BankImportRejected,),
            )
            if report is not None:
                assert _delta(before, "question") == report.count("create")
            _db.session.remove()

    return run


@settings(max_examples=QUESTIONS_XLSX_EXAMPLES, **HYPOTHESIS)
@given(data=st.data())
def test_hostile_question_workbook_is_imported_or_refused_cleanly(
    question_import, template_rows, data
):
    tables = data.draw(mutated_table(template_rows))
    question_import(data.draw(damaged_bytes(xlsx_file(tables))), "questions.xlsx")


# --- what the search found (each failed on PostgreSQL with a DataError, unlocated) ------------


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (("H1", "x" * 101, ""), "name is longer than 100 characters"),
        (("H1", "王芳", "a" * 250 + "@b.example"), "email is longer than 255 characters"),
        (("\x00", "王芳", ""), "A cell holds a NUL character."),
        (("H1", "王\x00芳", ""), "A cell holds a NUL character."),
    ],
    ids=["long-name", "long-email", "nul-number", "nul-name"],
)
def test_user_rows_the_database_cannot_hold_are_refused_on_their_row(
    app, make_department, cells, message
):
    from app.core.errors import ImportRejected
    from app.org import services

    make_department(DEPT, "hall")
    number, name, email = cells
    data = csv_file([USERS[0], [number, name, email, DEPT, "CTR", "staff", "2019-03-01"]])
    with app.app_context():
        before = table_counts()
        with pytest.raises(ImportRejected) as refused:
            services.import_users(None, data, "people.csv")
        assert [(p.line, p.message) for p in refused.value.problems] == [(2, message)]
        assert table_counts() == before


def test_every_damaged_byte_of_a_compressed_sheet_gives_a_problem_not_an_exception():
    """A flipped byte inside a deflated part made zlib raise through ``xlsx_problems``."""
    import zipfile

    from app.core import tabular

    data = xlsx_file({"scores": SCORES})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    local_header = data[info.header_offset : info.header_offset + 30]
    start = (
        info.header_offset
        + 30
        + int.from_bytes(local_header[26:28], "little")
        + int.from_bytes(local_header[28:30], "little")
    )
    refused = 0
    for at in range(start, start + info.compress_size):
        damaged = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
        table, problems = tabular.read_table(damaged, "scores.xlsx")
        refused += bool(problems)
        assert all(problem.line >= 0 and problem.message for problem in problems)
    assert refused > info.compress_size // 2


def test_a_tag_longer_than_its_column_is_refused_on_its_line(app):
    from app.bank import services

    rows = [list(template_row) for template_row in _template_rows()["questions"][:2]]
    tags = next(i for i, cell in enumerate(rows[0]) if str(cell).startswith("tags"))
    rows[1][tags] = "x" * 101
    with app.app_context():
        before = table_counts()
        with pytest.raises(services.BankImportRejected) as refused:
            services.import_upload(None, xlsx_file({"questions": rows}), "q.xlsx")
        assert [(p.line, p.message) for p in refused.value.problems] == [
            (2, "[ex-single-1] a tag is longer than 100 characters")
        ]
        assert table_counts() == before
