"""Assignment by rule: who gets a course, when it is due, and rules that keep applying."""

from datetime import date, timedelta

from sqlalchemy import func, select

from app.courses import services
from app.courses.models import Enrolment
from tests.courses.conftest import DEPT


def _count(app, course_id) -> int:
    from app.extensions import db

    with app.app_context():
        return db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.course_id == course_id,
                Enrolment.superseded_at.is_(None),
                Enrolment.withdrawn_at.is_(None),
            )
        )


def test_department_rule_reaches_the_subtree_and_nobody_else(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    inside = make_user(department="测试公司/测试分中心/测试营业厅")
    deeper = make_user(department="测试公司/测试分中心/测试营业厅/二组")
    outside = make_user(department="测试公司/另一分中心/营业厅")
    course = make_course()
    assign(course, department="测试公司/测试分中心", due_kind="fixed", due_on=date(2026, 4, 1))
    assert enrolment_of(inside.id, course).due_on == date(2026, 4, 1)
    assert enrolment_of(deeper.id, course) is not None
    assert enrolment_of(outside.id, course) is None


def test_job_role_and_person_rules(app, frozen, make_user, make_course, assign, enrolment_of):
    clerk = make_user(job_role="CTR")
    agent = make_user(job_role="CC")
    trainer = make_user(("trainer",), department=None, job_role=None)
    course = make_course()
    assign(course, job_role="CC", due_kind="after_assignment", due_days=14)
    assign(course, user_id=trainer.id, is_mandatory=False)
    assert enrolment_of(agent.id, course).due_on == date(2026, 3, 16)
    assert enrolment_of(clerk.id, course) is None
    # A person rule reaches anyone; department and role rules reach staff only.
    assert enrolment_of(trainer.id, course).is_mandatory is False


def test_due_after_hire_date(app, frozen, make_user, make_course, assign, enrolment_of):
    newcomer = make_user(hired_at=date(2026, 2, 20))
    course = make_course()
    assign(course, department=DEPT, due_kind="after_hire", due_days=30)
    assert enrolment_of(newcomer.id, course).due_on == date(2026, 3, 22)


def test_non_staff_in_an_assigned_department_are_not_assigned(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    hr = make_user(("hr",), department=DEPT, job_role=None)
    course = make_course()
    assign(course, department="测试公司")
    assert enrolment_of(hr.id, course) is None


def test_draft_course_rules_apply_on_publishing(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    from app.courses.models import Course
    from app.extensions import db

    staff = make_user()
    course = make_course(publish=False)
    assign(course, department=DEPT)
    assert enrolment_of(staff.id, course) is None
    with app.app_context():
        services.publish_course(None, db.session.get(Course, course))
    assert enrolment_of(staff.id, course) is not None


def test_applying_twice_changes_nothing(app, frozen, runner, make_user, make_course, assign):
    for _ in range(3):
        make_user()
    course = make_course()
    assign(course, department=DEPT)
    assert _count(app, course) == 3
    result = runner.invoke(args=["courses", "apply-rules"])
    assert result.exit_code == 0, result.output
    assert "0 assigned" in result.output
    runner.invoke(args=["courses", "apply-rules"])
    assert _count(app, course) == 3


def test_a_newcomer_created_later_is_assigned(app, frozen, make_course, assign, make_department):
    from app.extensions import db
    from app.org import services as org
    from app.org.models import Department

    course = make_course()
    assign(course, department="测试公司/测试分中心", due_kind="after_assignment", due_days=10)
    hall = make_department(DEPT)
    other = make_department("测试公司/另一分中心")
    with app.app_context():
        newcomer = org.create_user(
            None,
            employee_no="N001",
            name="新员工",
            roles=["staff"],
            department=db.session.get(Department, hall),
            job_role=org.job_role_by_code("CTR"),
        )
        stranger = org.create_user(
            None,
            employee_no="N002",
            name="别的部门",
            roles=["staff"],
            department=db.session.get(Department, other),
            job_role=org.job_role_by_code("CTR"),
        )
        mine = db.session.scalar(select(Enrolment).where(Enrolment.user_id == newcomer.id))
        assert mine is not None and mine.due_on == date(2026, 3, 12)
        assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == stranger.id)) is None


def test_moving_out_withdraws_unfinished_work_and_moving_back_restores_it(
    app, frozen, make_user, make_course, assign, make_department, enrolment_of
):
    from app.extensions import db
    from app.org import services as org
    from app.org.models import Department, User

    person = make_user()
    course = make_course(lessons=2)
    assign(course, department=DEPT)
    with app.app_context():
        user = db.session.get(User, person.id)
        first = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        services.mark_lesson_viewed(user, first.course.live_activities[0])
        away = db.session.get(Department, make_department("测试公司/另一分中心/营业厅"))
        org.update_user(None, user, department=away)
    assert enrolment_of(person.id, course).withdrawn_at is not None
    with app.app_context():
        user = db.session.get(User, person.id)
        org.update_user(None, user, department=db.session.get(Department, make_department(DEPT)))
    back = enrolment_of(person.id, course)
    assert back.withdrawn_at is None and back.started_at is not None


def test_completed_work_stays_when_the_person_moves(
    app, frozen, make_user, make_course, assign, make_department, enrolment_of
):
    from app.extensions import db
    from app.org import services as org
    from app.org.models import Department, User

    person = make_user()
    course = make_course()
    assign(course, department=DEPT)
    with app.app_context():
        user = db.session.get(User, person.id)
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        services.mark_lesson_viewed(user, enrolment.course.live_activities[0])
        away = db.session.get(Department, make_department("测试公司/另一分中心/营业厅"))
        org.update_user(None, user, department=away)
    kept = enrolment_of(person.id, course)
    assert kept.withdrawn_at is None and kept.completed_at is not None


def test_imported_users_are_assigned(app, frozen, make_course, assign, make_department):
    from app.extensions import db
    from app.org import services as org

    make_department(DEPT)
    course = make_course()
    assign(course, job_role="MR")
    csv = (
        "employee_no,name,email,department,job_role,roles,hired_at\n"
        f"I001,抄表员甲,,{DEPT},MR,staff,2026-01-05\n"
        f"I002,柜员乙,,{DEPT},CTR,staff,2026-01-05\n"
    ).encode()
    with app.app_context():
        org.import_users(None, csv, "people.csv")
        numbers = db.session.scalars(
            select(Enrolment.user_id).where(Enrolment.course_id == course)
        ).all()
        assert len(numbers) == 1


def test_deleting_a_rule_withdraws_who_has_not_finished(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    from app.courses.models import AssignmentRule
    from app.extensions import db

    person = make_user()
    course = make_course()
    rule_id = assign(course, department=DEPT)
    with app.app_context():
        services.delete_rule(None, db.session.get(AssignmentRule, rule_id))
    assert enrolment_of(person.id, course).withdrawn_at is not None


def test_a_mandatory_rule_takes_over_an_optional_one(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    person = make_user(job_role="CTR")
    course = make_course()
    assign(course, department=DEPT, is_mandatory=False)
    assert enrolment_of(person.id, course).is_mandatory is False
    assign(course, job_role="CTR", is_mandatory=True, recert_months=12)
    enrolment = enrolment_of(person.id, course)
    assert enrolment.is_mandatory is True and enrolment.recert_months == 12


def test_rule_page_assigns_a_department_with_a_due_date(
    app, frozen, client, login_as, make_user, make_course, make_department, enrolment_of
):
    staff = make_user()
    course = make_course()
    login_as("hr")
    dept = make_department("测试公司/测试分中心")
    response = client.post(
        f"/courses/{course}/rules",
        data={
            "target_kind": "department",
            "department_id": dept,
            "job_role_id": 0,
            "due_kind": "fixed",
            "due_on": "2026-03-31",
            "is_mandatory": "y",
            "recert_months": 12,
        },
    )
    assert response.status_code == 302
    enrolment = enrolment_of(staff.id, course)
    assert enrolment.due_on == date(2026, 3, 31) and enrolment.recert_months == 12
    page = client.get(f"/courses/{course}/rules").get_data(as_text=True)
    assert "测试公司/测试分中心" in page and "12 months" in page


def test_rule_page_refuses_a_relative_due_date_without_days(
    app, frozen, client, login_as, make_course, make_department
):
    course = make_course()
    login_as("trainer")
    dept = make_department("测试公司/测试分中心")
    response = client.post(
        f"/courses/{course}/rules",
        data={"target_kind": "department", "department_id": dept, "due_kind": "after_hire"},
        follow_redirects=True,
    )
    assert "needs a number of days" in response.get_data(as_text=True)


def test_self_enrolment_in_an_open_course(app, frozen, client, login_as, make_course, enrolment_of):
    open_course = make_course("自选课", is_open=True)
    closed = make_course("必修课")
    user = login_as("staff")
    assert "自选课" in client.get("/courses/catalogue").get_data(as_text=True)
    client.post(f"/courses/{open_course}/enrol")
    assert enrolment_of(user.id, open_course).source == "self"
    client.post(f"/courses/{closed}/enrol")
    assert enrolment_of(user.id, closed) is None
    assert client.get(f"/courses/{closed}/learn").status_code == 403


def test_due_dates_count_in_the_company_time_zone(
    app, make_user, make_course, assign, enrolment_of
):
    from datetime import UTC, datetime

    from app.core import clock

    # 23:30 UTC on 1 March is already 2 March in Shanghai.
    clock.freeze(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    person = make_user()
    course = make_course()
    assign(course, department=DEPT, due_kind="after_assignment", due_days=0)
    assert enrolment_of(person.id, course).due_on == date(2026, 3, 2)
    clock.advance(timedelta(days=1))
    with app.app_context():
        from app.extensions import db

        enrolment = db.session.get(Enrolment, enrolment_of(person.id, course).id)
        assert services.status_of(enrolment) == "overdue"
