"""Who sees whom, and the account administration pages."""

from sqlalchemy import select

from app.core.models import AuditEvent
from app.org.models import User


def _people(client, **params) -> set[str]:
    """Employee numbers listed on the people page."""
    import re

    page = client.get("/org/people", query_string=params).get_data(as_text=True)
    return set(re.findall(r"<tr>\s*<td>(?:<a [^>]*>)?([^<]+)", page))


def test_staff_cannot_browse_people(client, login_as):
    login_as("staff")
    assert client.get("/org/people").status_code == 403


def test_manager_sees_only_their_subtree(client, make_user, login_as):
    make_user(employee_no="IN1", department="测试公司/测试分中心/一班")
    make_user(employee_no="IN2", department="测试公司/测试分中心/二班")
    make_user(employee_no="OUT1", department="测试公司/别的中心/一班")
    login_as("manager", employee_no="MGR1")
    page = _people(client)
    assert "IN1" in page and "IN2" in page and "MGR1" in page
    assert "OUT1" not in page


def test_hr_sees_the_whole_company(client, make_user, login_as):
    make_user(employee_no="IN1", department="测试公司/测试分中心/一班")
    make_user(employee_no="OUT1", department="测试公司/别的中心/一班")
    login_as("hr")
    page = _people(client)
    assert "IN1" in page and "OUT1" in page


def test_people_search_and_filters(app, db, client, make_user, login_as):
    make_user(employee_no="F1", name="欧阳锋", job_role="CC")
    make_user(employee_no="F2", name="黄药师", job_role="MI")
    login_as("hr")
    assert "F1" in _people(client, q="欧阳") and "F2" not in _people(client, q="欧阳")
    with app.app_context():
        from app.org.models import JobRole

        mi = db.session.scalar(select(JobRole.id).where(JobRole.code == "MI"))
    page = _people(client, job_role=mi)
    assert "F2" in page and "F1" not in page


def test_people_page_queries_do_not_grow_with_people(client, make_user, login_as, count_queries):
    login_as("hr")
    for i in range(3):
        make_user(employee_no=f"Q{i}", department=f"测试公司/中心{i}/班组{i}")
    with count_queries() as small:
        assert client.get("/org/people").status_code == 200
    for i in range(3, 30):
        make_user(employee_no=f"Q{i}", department=f"测试公司/中心{i}/班组{i}")
    with count_queries() as large:
        assert client.get("/org/people").status_code == 200
    assert large.n == small.n, (small.statements, large.statements)
    assert large.n <= 8


def test_department_page_queries_do_not_grow(client, make_user, login_as, count_queries):
    login_as("hr")
    make_user(department="测试公司/甲中心/一班")
    with count_queries() as small:
        client.get("/org/departments")
    for i in range(10):
        make_user(department=f"测试公司/乙中心/班{i}")
    with count_queries() as large:
        page = client.get("/org/departments").get_data(as_text=True)
    assert large.n == small.n
    assert "班9" in page


def test_home_page_queries_are_constant_for_hr(client, make_user, login_as, count_queries):
    login_as("hr")
    with count_queries() as small:
        client.get("/home")
    for i in range(20):
        make_user(job_role=("CTR", "CC", "AM")[i % 3])
    with count_queries() as large:
        page = client.get("/home").get_data(as_text=True)
    assert large.n == small.n
    assert 'data-testid="active-accounts">21<' in page


def test_admin_creates_an_account(app, db, client, login_as, make_department):
    login_as("admin")
    dept_id = make_department("测试公司/测试分中心/测试营业厅", "hall")
    with app.app_context():
        from app.org.models import JobRole

        ctr = db.session.scalar(select(JobRole.id).where(JobRole.code == "CTR"))
    response = client.post(
        "/org/users/new",
        data={
            "employee_no": "N001",
            "name": "新员工",
            "email": "n001@example.test",
            "department_id": dept_id,
            "job_role_id": ctr,
            "hired_at": "2024-09-01",
            "roles": ["staff"],
            "password": "first-pass-1",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.employee_no == "N001"))
        assert user.must_change_password and user.check_password("first-pass-1")
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create")).after[
                "employee_no"
            ]
            == "N001"
        )


def test_admin_form_refuses_staff_without_department(app, db, client, login_as):
    login_as("admin")
    response = client.post(
        "/org/users/new", data={"employee_no": "N002", "name": "x", "roles": ["staff"]}
    )
    assert "Staff need a department and a job role." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_no == "N002")) is None


def test_admin_edits_roles_and_it_is_audited(app, db, client, login_as, make_user):
    login_as("admin")
    target = make_user(employee_no="R001")
    page = client.get(f"/org/users/{target.id}").get_data(as_text=True)
    assert 'value="R001"' in page
    response = client.post(
        f"/org/users/{target.id}",
        data={
            "employee_no": "R001",
            "name": target.name,
            "department_id": target.department_id,
            "job_role_id": target.job_role_id,
            "roles": ["staff", "trainer"],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
        assert event.before["roles"] == ["staff"] and event.after["roles"] == ["staff", "trainer"]


def test_admin_deactivates_and_resets(app, db, client, login_as, make_user):
    admin = login_as("admin")
    target = make_user(employee_no="D001")
    assert client.post(f"/org/users/{target.id}/active").status_code == 302
    assert (
        client.post(
            f"/org/users/{target.id}/password",
            data={"password": "reset-pass-1", "must_change": "y"},
        ).status_code
        == 302
    )
    with app.app_context():
        user = db.session.get(User, target.id)
        assert not user.is_active and user.check_password("reset-pass-1")
    # An admin cannot lock themselves out.
    client.post(f"/org/users/{admin.id}/active")
    with app.app_context():
        assert db.session.get(User, admin.id).is_active


def test_missing_user_is_404(client, login_as):
    login_as("admin")
    assert client.get("/org/users/99999").status_code == 404
