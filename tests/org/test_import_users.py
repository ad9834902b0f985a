"""Bulk user import from CSV and XLSX: all rows or none, every bad row reported by number."""

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.core.errors import ImportRejected
from app.org import services
from app.org.models import User

HEADER = "employee_no,name,email,department,job_role,roles,hired_at"
DEPT = "示范公司/城区中心/中山路营业厅"


@pytest.fixture
def dept(make_department):
    make_department(DEPT, "hall")
    return DEPT


def _csv(*rows: str, bom: bool = False) -> bytes:
    text = "\n".join((HEADER, *rows)) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _xlsx(*rows: list) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _count_users(app, db) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_csv_with_bom_creates_users(app, db, dept):
    data = _csv(
        f"S100,王芳,wf@example.test,{DEPT},CTR,staff,2019-03-01",
        f"S101,李强,,{DEPT},CC,staff;trainer,2020-07-15",
        bom=True,
    )
    with app.app_context():
        report = services.import_users(None, data, "people.csv")
        assert (report.count("create"), report.count("update")) == (2, 0)
        li = db.session.scalar(select(User).where(User.employee_no == "S101"))
        assert li.role_names == ["staff", "trainer"]
        assert li.department.full_name == DEPT and li.job_role.code == "CC"
        assert li.password_hash is None, "no password until one is set"


def test_xlsx_import_reads_dates_and_numbers(app, db, dept):
    from datetime import datetime

    data = _xlsx([1234, "赵敏", None, DEPT, "MR", "staff", datetime(2018, 5, 2)])
    with app.app_context():
        services.import_users(None, data, "people.xlsx")
        user = db.session.scalar(select(User).where(User.employee_no == "1234"))
        assert user.hired_at.isoformat() == "2018-05-02"


def test_bad_rows_are_all_reported_and_nothing_is_written(app, db, dept):
    data = _csv(
        f"S200,好人,,{DEPT},CTR,staff,2019-01-01",
        f"S201,,,{DEPT},CTR,staff,2019-01-01",
        "S202,张三,,不存在/的部门,CTR,staff,2019-01-01",
        f"S203,李四,,{DEPT},XYZ,staff,2019-01-01",
        f"S204,王五,,{DEPT},CTR,boss,2019-13-01",
        f"S200,重复,,{DEPT},CTR,staff,",
        "S205,无部门,,,,staff,",
    )
    before = _count_users(app, db)
    with app.app_context(), pytest.raises(ImportRejected) as caught:
        services.import_users(None, data, "people.csv")
    lines = sorted({p.line for p in caught.value.problems})
    assert lines == [3, 4, 5, 6, 7, 8]
    messages = " | ".join(f"{p.line}:{p.message}" for p in caught.value.problems)
    assert "3:name is required" in messages
    assert "4:department 不存在/的部门 does not exist" in messages
    assert "5:job_role XYZ is not one of" in messages
    assert "6:unknown roles boss" in messages and "6:hired_at 2019-13-01" in messages
    assert "7:employee_no S200 repeats row 2" in messages
    assert "8:staff need a department and a job_role" in messages
    assert _count_users(app, db) == before


def test_missing_columns_are_reported_on_row_one(app, dept):
    with app.app_context(), pytest.raises(ImportRejected) as caught:
        services.import_users(None, b"employee_no,name\nS1,x\n", "people.csv")
    assert caught.value.problems[0].line == 1
    assert "email" in caught.value.problems[0].message


def test_non_utf8_csv_is_refused_with_its_line(app, dept):
    data = _csv(f"S300,ok,,{DEPT},CTR,staff,").replace(b"ok", "好".encode("gbk"))
    with app.app_context(), pytest.raises(ImportRejected) as caught:
        services.import_users(None, data, "people.csv")
    assert caught.value.problems[0].line == 2
    assert "UTF-8" in caught.value.problems[0].message


def test_dry_run_reports_and_writes_nothing(app, db, dept):
    before = _count_users(app, db)
    with app.app_context():
        report = services.import_users(
            None, _csv(f"S400,钱七,,{DEPT},AM,staff,"), "p.csv", dry_run=True
        )
    assert report.count("create") == 1 and report.dry_run
    assert _count_users(app, db) == before


def test_reimport_updates_changed_rows_and_leaves_the_rest(app, db, dept):
    with app.app_context():
        services.import_users(
            None, _csv(f"S500,甲,,{DEPT},CTR,staff,", f"S501,乙,,{DEPT},CTR,staff,"), "p.csv"
        )
        report = services.import_users(
            None, _csv(f"S500,甲,,{DEPT},CTR,staff,", f"S501,乙,,{DEPT},AM,staff,"), "p.csv"
        )
        assert report.count("unchanged") == 1
        assert [r.changes for r in report.rows if r.action == "update"] == [["job_role"]]


def test_email_of_another_user_is_refused(app, make_user, dept):
    make_user(employee_no="OLD1", email="taken@example.test")
    with app.app_context(), pytest.raises(ImportRejected) as caught:
        services.import_users(None, _csv(f"S600,丙,taken@example.test,{DEPT},CTR,staff,"), "p.csv")
    assert "belongs to OLD1" in caught.value.problems[0].message


def test_initial_password_is_hashed_once_and_must_be_changed(app, db, dept):
    with app.app_context():
        services.import_users(
            None,
            _csv(f"S700,丁,,{DEPT},CTR,staff,", f"S701,戊,,{DEPT},CTR,staff,"),
            "p.csv",
            initial_password="first-login-1",
        )
        users = db.session.scalars(select(User).where(User.employee_no.in_(["S700", "S701"]))).all()
        assert all(u.check_password("first-login-1") and u.must_change_password for u in users)


def test_cli_import_users_dry_run_and_real(app, db, runner, dept, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(_csv(f"S800,己,,{DEPT},INS,staff,2021-01-01"))
    result = runner.invoke(args=["org", "import-users", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written: 1 to create, 0 to update, 0 unchanged" in result.output
    assert _count_users(app, db) == 0
    result = runner.invoke(args=["org", "import-users", str(path)])
    assert result.exit_code == 0 and f"{path}:2: create S800" in result.output
    assert _count_users(app, db) == 1


def test_cli_import_users_reports_bad_rows_with_file_and_row(app, db, runner, dept, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(_csv(f"S900,庚,,{DEPT},CTR,staff,", "S901,辛,,nowhere,CTR,staff,"))
    result = runner.invoke(args=["org", "import-users", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: department nowhere does not exist" in result.output
    assert "nothing was imported" in result.output
    assert _count_users(app, db) == 0


def test_admin_previews_then_confirms_an_upload(app, db, client, login_as, dept):
    login_as("admin")
    data = _csv(f"S950,壬,,{DEPT},CTR,staff,")
    response = client.post(
        "/org/users/import",
        data={"file": (io.BytesIO(data), "people.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="import-preview"' in page
    assert _count_users(app, db) == 1, "the preview writes nothing (only the admin exists)"
    import re

    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/org/users/import/confirm",
        data={"filename": "people.csv", "payload": payload, "initial_password": "welcome-123"},
    )
    assert response.status_code == 302
    assert _count_users(app, db) == 2


def test_admin_upload_with_bad_rows_shows_them(app, db, client, login_as, dept):
    login_as("admin")
    data = _csv("S960,癸,,nowhere,CTR,staff,")
    response = client.post(
        "/org/users/import",
        data={"file": (io.BytesIO(data), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "department nowhere does not exist" in response.get_data(as_text=True)
