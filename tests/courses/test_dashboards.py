"""Dashboards: my learning, home summary, course statistics, team and hours overviews."""

from datetime import date

from sqlalchemy import select

from app.courses import services
from app.courses.models import Course
from app.extensions import db
from app.org.models import JobRole, User
from tests.courses.conftest import DEPT


def _complete(app, user_id, course_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        for activity in db.session.get(Course, course_id).live_activities:
            services.mark_lesson_viewed(user, activity)


def test_my_learning_groups_assignments_and_shows_hours_against_quota(
    app, frozen, client, login_as, make_course, assign
):
    user = login_as("staff")
    done = make_course("已完成的课", credit_hours=6)
    late = make_course("逾期的课")
    todo = make_course("待学的课")
    assign(done, user_id=user.id, recert_months=12)
    assign(late, user_id=user.id, due_kind="fixed", due_on=date(2026, 2, 1))
    assign(todo, user_id=user.id, due_kind="fixed", due_on=date(2026, 4, 1))
    _complete(app, user.id, done)
    with app.app_context():
        clerk = db.session.scalar(select(JobRole).where(JobRole.code == "CTR"))
        services.set_quota(None, clerk, 2026, 24)
    page = client.get("/courses/my").get_data(as_text=True)
    overdue = page.split('data-testid="my-overdue"')[1].split("</section>")[0]
    due = page.split('data-testid="my-due"')[1].split("</section>")[0]
    completed = page.split('data-testid="my-done"')[1].split("</section>")[0]
    assert "逾期的课" in overdue and "待学的课" in due and "已完成的课" in completed
    assert "6.0 of 24.0 hours earned" in page
    assert "Download PDF" in completed
    home = client.get("/home").get_data(as_text=True)
    assert "Courses: 1 to do, 1 overdue, 1 completed." in home


def test_trainer_sees_course_statistics(
    app, frozen, client, login_as, make_user, make_course, assign
):
    people = [make_user() for _ in range(4)]
    course = make_course(lessons=2)
    assign(course, department=DEPT, due_kind="fixed", due_on=date(2026, 2, 20))
    _complete(app, people[0].id, course)
    with app.app_context():
        lesson = db.session.get(Course, course).live_activities[0]
        services.mark_lesson_viewed(db.session.get(User, people[1].id), lesson)
    login_as("trainer")
    page = client.get(f"/courses/{course}/stats").get_data(as_text=True)
    stat = {
        key: page.split(f'data-testid="stat-{key}">')[1].split("<")[0]
        for key in ("enrolled", "started", "completed", "overdue")
    }
    assert stat == {"enrolled": "4", "started": "1", "completed": "1", "overdue": "3"}
    overdue_only = client.get(f"/courses/{course}/stats?status=overdue").get_data(as_text=True)
    assert overdue_only.count('data-status="overdue"') == 3


def test_manager_sees_the_subtree_and_staff_see_only_themselves(
    app, frozen, client, login_as, make_user, make_course, assign
):
    mine = make_user(name="本组员工")
    other = make_user(name="外组员工", department="测试公司/另一分中心/营业厅")
    course = make_course()
    assign(course, department="测试公司")
    login_as("manager")
    page = client.get("/courses/team").get_data(as_text=True)
    assert "本组员工" in page and "外组员工" not in page
    assert client.get(f"/courses/people/{mine.id}").status_code == 200
    assert client.get(f"/courses/people/{other.id}").status_code == 403
    with client.session_transaction() as session:
        session.clear()
    login_as("staff")
    assert client.get("/courses/team").status_code == 403
    assert client.get(f"/courses/people/{mine.id}").status_code == 403


def test_hr_sets_a_quota_and_sees_hours_earned(
    app, frozen, client, login_as, make_user, make_course, assign
):
    person = make_user(name="学时达标者", job_role="CC")
    course = make_course(credit_hours=8)
    assign(course, department=DEPT)
    _complete(app, person.id, course)
    login_as("hr")
    with app.app_context():
        role_id = db.session.scalar(select(JobRole.id).where(JobRole.code == "CC"))
    response = client.post(
        "/courses/quotas", data={"job_role_id": role_id, "year": 2026, "hours": "16"}
    )
    assert response.status_code == 302
    page = client.get("/courses/hours?year=2026").get_data(as_text=True)
    row = page.split("学时达标者")[1].split("</tr>")[0]
    assert "8.0" in row and "16.0" in row and 'aria-valuenow="50"' in row


def _pages_are_constant(client, count_queries, url, grow):
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    grow()
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.n == small.n, (small.statements, large.statements)


def test_list_pages_keep_a_constant_number_of_queries(
    app, frozen, client, login_as, make_user, make_course, assign, count_queries
):
    course = make_course(lessons=2, is_open=True)
    assign(course, department="测试公司", due_kind="fixed", due_on=date(2026, 2, 1))
    for _ in range(2):
        make_user()

    def grow():
        for n in range(6):
            make_user(department=f"测试公司/测试分中心/组{n}")
        extra = make_course(f"新课{len(grow.made)}", is_open=True)
        grow.made.append(extra)
        assign(extra, department="测试公司", recert_months=12)
        with app.app_context():
            services.apply_all_rules()

    grow.made = []
    hr = login_as("hr", department="测试公司/测试分中心/测试营业厅", job_role="CTR")
    assign(course, user_id=hr.id)
    for url in (
        "/courses/manage",
        f"/courses/{course}/stats",
        "/courses/team",
        "/courses/hours",
        "/courses/my",
        "/courses/catalogue",
        "/notifications",
    ):
        _pages_are_constant(client, count_queries, url, grow)
