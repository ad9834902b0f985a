"""The audit trail: browsed and exported by HR and admins, append-only (issue 23, "Also")."""

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update

from app.core import clock
from app.core.models import AuditEvent, AuditIsAppendOnly
from app.org.models import User


@pytest.fixture
def events(app, db, make_user):
    """Three audited changes by an admin, on two days, and one by the system."""
    from app.org import services

    admin = make_user(
        ("admin",), employee_no="A0001", name="管理员甲", department=None, job_role=None
    )
    person = make_user(employee_no="P0001", name="柜员乙")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        clock.freeze(datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
        services.set_active(actor, db.session.get(User, person.id), False)
        clock.freeze(datetime(2026, 3, 5, 2, 0, tzinfo=UTC))
        services.set_active(actor, db.session.get(User, person.id), True)
        services.set_password(actor, db.session.get(User, person.id), "=HYPERLINK(x)-long")
        services.update_user(None, db.session.get(User, person.id), name="=cmd|' /C calc'!A0")
    clock.freeze(None)
    return admin, person


def test_hr_sees_the_trail_in_words_newest_first(client, login_as, events):
    login_as("hr")
    page = client.get("/audit/").get_data(as_text=True)
    assert "Account activated or deactivated" in page
    assert "Password set" in page
    assert "管理员甲 (A0001)" in page and "(P0001)" in page  # actor and the account changed
    assert page.index("Account changed") < page.index("Password set")  # newest first
    assert 'data-testid="audit-total"' in page


def test_unknown_actions_fall_back_to_their_code(app, db, client, login_as):
    from app.core.audit import record_audit

    user = login_as("admin")
    with app.app_context():
        record_audit(None, "contest.created", db.session.get(User, user.id), None, {"x": 1})
        db.session.commit()
    assert "contest.created" in client.get("/audit/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"who": "A0001"}, "Password set", "Account changed"),
        ({"who": "管理员"}, "Password set", "Account changed"),
        ({"action": "user.password"}, "Password set", "Account activated"),
        ({"since": "2026-03-04"}, "Password set", "x"),
        ({"until": "2026-03-02"}, "Account activated", "Password set"),
    ],
)
def test_filters_by_who_what_and_when(client, login_as, events, query, shown, hidden):
    login_as("admin")
    page = client.get("/audit/", query_string=query).get_data(as_text=True)
    table = page[page.index('data-testid="audit-table"') :]
    assert shown in table
    if hidden != "x":
        assert hidden not in table


def test_the_trail_is_paginated(app, db, client, login_as):
    from app.core.audit import record_audit

    user = login_as("hr")
    with app.app_context():
        target = db.session.get(User, user.id)
        for n in range(app.config["PAGE_SIZE"] + 3):
            record_audit(None, "user.update", target, {"n": n}, {"n": n + 1})
        db.session.commit()
    first = client.get("/audit/").get_data(as_text=True)
    assert "1 / 2" in first
    second = client.get("/audit/", query_string={"page": 2}).get_data(as_text=True)
    assert second.count("<tr>") == 3 + 1  # three rows and the header


def test_staff_trainers_and_managers_are_refused(client, login_as):
    for role in ("staff", "trainer", "manager"):
        login_as(role)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403


def test_csv_export_is_utf8_with_bom_and_keeps_formulas_as_text(client, login_as, events):
    login_as("hr")
    response = client.get("/audit/export.csv", query_string={"who": "A0001"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "Password set,user.password" in text
    assert "管理员甲" in text
    assert "Account changed" not in text  # the system's change is filtered out


def test_xlsx_export_opens_and_keeps_formulas_as_text(client, login_as, events):
    from openpyxl import load_workbook

    login_as("admin")
    response = client.get("/audit/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Time", "Employee number", "Name", "Action")
    assert len(rows) == 1 + 4
    formula_like = [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formula_like == []


def test_the_application_cannot_change_or_delete_audit_rows(app, db, events):
    with app.app_context():
        row = db.session.scalar(select(AuditEvent).limit(1))
        row.action = "user.nothing"
        with pytest.raises(AuditIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        row = db.session.scalar(select(AuditEvent).limit(1))
        db.session.delete(row)
        with pytest.raises(AuditIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(AuditIsAppendOnly):
            db.session.execute(update(AuditEvent).values(action="x"))
        with pytest.raises(AuditIsAppendOnly):
            db.session.execute(delete(AuditEvent))
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "x")) is None


def test_only_an_explicit_scratch_wipe_may_empty_the_audit_table(app, db, events):
    """The bench tool's ``--force`` empties every table; nothing else, and nothing selective."""
    from app.core.models import wiping_scratch_database

    with app.app_context():
        with wiping_scratch_database(db.session):
            with pytest.raises(AuditIsAppendOnly):
                db.session.execute(delete(AuditEvent).where(AuditEvent.id > 0))
            db.session.rollback()
            with pytest.raises(AuditIsAppendOnly):
                db.session.execute(update(AuditEvent).values(action="x"))
            db.session.rollback()
            db.session.execute(delete(AuditEvent))
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
        db.session.rollback()
        with pytest.raises(AuditIsAppendOnly):  # the permission ends with the block
            db.session.execute(delete(AuditEvent))
        db.session.rollback()
