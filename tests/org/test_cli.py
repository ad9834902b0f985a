"""``flask org create-user``, ``flask org set-password`` and ``flask seed-demo``."""

from sqlalchemy import func, select

from app.core.models import AuditEvent
from app.org.models import Department, User


def _user(app, db, employee_no):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.employee_no == employee_no))
        if user is not None:
            _ = (user.role_names, user.department, user.job_role)
            db.session.expunge(user)
        return user


def test_create_admin_user(app, db, runner):
    result = runner.invoke(
        args=[
            "org",
            "create-user",
            "A001",
            "--name",
            "管理员",
            "--password",
            "admin-pass-1",
            "--role",
            "admin",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created A001 (admin)" in result.output
    user = _user(app, db, "A001")
    assert user.role_names == ["admin"] and user.check_password("admin-pass-1")


def test_create_user_twice_with_the_same_roles_changes_nothing(app, db, runner):
    args = [
        "org",
        "create-user",
        "A002",
        "--name",
        "x",
        "--password",
        "admin-pass-1",
        "--role",
        "admin",
        "--role",
        "hr",
    ]
    assert runner.invoke(args=args).exit_code == 0
    with app.app_context():
        n_events = db.session.scalar(select(func.count(AuditEvent.id)))
    result = runner.invoke(
        args=args[:5] + ["--password", "other-password-1", "--role", "hr", "--role", "admin"]
    )
    assert result.exit_code == 0 and "unchanged A002" in result.output
    assert _user(app, db, "A002").check_password("admin-pass-1")
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == n_events


def test_create_existing_user_with_other_roles_is_refused(runner):
    base = ["org", "create-user", "A003", "--name", "x", "--password", "admin-pass-1"]
    assert runner.invoke(args=base + ["--role", "trainer"]).exit_code == 0
    result = runner.invoke(args=base + ["--role", "admin"])
    assert result.exit_code == 1
    assert "already exists with roles trainer" in result.output


def test_staff_need_department_and_job_role(app, db, runner, make_department):
    base = [
        "org",
        "create-user",
        "S001",
        "--name",
        "柜员",
        "--password",
        "staff-pass-1",
        "--role",
        "staff",
    ]
    result = runner.invoke(args=base)
    assert result.exit_code == 1 and "department and a job role" in result.output
    make_department("公司/分中心/营业厅", "hall")
    result = runner.invoke(
        args=base
        + [
            "--department",
            "公司/分中心/营业厅",
            "--job-role",
            "ctr",
            "--hired-at",
            "2020-02-02",
            "--email",
            "s001@example.test",
        ]
    )
    assert result.exit_code == 0, result.output
    user = _user(app, db, "S001")
    assert user.department.full_name == "公司/分中心/营业厅" and user.job_role.code == "CTR"
    assert user.hired_at.isoformat() == "2020-02-02"


def test_unknown_department_is_a_clear_error(runner):
    result = runner.invoke(
        args=[
            "org",
            "create-user",
            "S002",
            "--name",
            "x",
            "--password",
            "staff-pass-1",
            "--role",
            "staff",
            "--department",
            "无此部门",
            "--job-role",
            "CTR",
        ]
    )
    assert result.exit_code == 1 and "Unknown department 无此部门" in result.output


def test_short_password_is_refused(runner):
    result = runner.invoke(
        args=["org", "create-user", "A004", "--name", "x", "--password", "short", "--role", "hr"]
    )
    assert result.exit_code == 1 and "at least 8 characters" in result.output


def test_set_password(app, db, runner, make_user):
    make_user(employee_no="S003")
    result = runner.invoke(args=["org", "set-password", "S003", "brand-new-pass"])
    assert result.exit_code == 0
    assert _user(app, db, "S003").check_password("brand-new-pass")
    assert runner.invoke(args=["org", "set-password", "NOBODY", "brand-new-pass"]).exit_code == 1


def test_seed_demo_builds_a_company_and_is_idempotent(seeded_demo, db):
    app = seeded_demo.app
    with app.app_context():
        n_departments = db.session.scalar(select(func.count(Department.id)))
        depths = {d.depth for d in db.session.scalars(select(Department))}
        staff = db.session.scalars(select(User).where(User.employee_no.like("S%"))).all()
        roles = {u.job_role.code for u in staff}
        managers = db.session.scalars(select(User).where(User.managed_departments.any())).all()
        n_users = db.session.scalar(select(func.count(User.id)))
    assert n_departments >= 8 and depths == {0, 1, 2}
    assert len(staff) >= 300 and roles == {"CTR", "CC", "AM", "MR", "MI", "INS"}
    assert len(managers) == 2
    for number, role in (
        ("T001", "trainer"),
        ("T002", "trainer"),
        ("H001", "hr"),
        ("admin", "admin"),
    ):
        user = _user(app, db, number)
        assert role in user.role_names
    assert _user(app, db, "S0001").check_password("skillgrid-demo")
    assert "already seeded" in seeded_demo.again
    assert seeded_demo.counts_again["user_account"] == seeded_demo.counts["user_account"] == n_users


def test_seeding_the_demo_again_adds_no_row_anywhere(seeded_demo):
    grown = {
        table: (rows, seeded_demo.counts_again[table])
        for table, rows in seeded_demo.counts.items()
        if seeded_demo.counts_again[table] != rows
    }
    # the bank import that found all 256 questions unchanged is still an import in the trail
    before = seeded_demo.counts["audit_event"]
    assert grown == {"audit_event": (before, before + 1)}
    assert seeded_demo.counts["question"] >= 100 and seeded_demo.counts["attempt"] >= 40
