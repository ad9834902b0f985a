"""Progress and completion: lessons read, quizzes passed, sessions attended, statuses by date."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.courses import services
from app.courses.models import ActivityProgress, Certificate, Course, Enrolment
from app.courses.queries import status_expression
from app.extensions import db
from app.org.models import User
from tests.courses.conftest import DEPT, T0


def _read_all(user_id, course_id):
    user = db.session.get(User, user_id)
    course = db.session.get(Course, course_id)
    for activity in course.live_activities:
        if activity.kind == "lesson":
            services.mark_lesson_viewed(user, activity)


def test_reading_every_lesson_completes_the_course_with_a_certificate(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    person = make_user()
    course = make_course(lessons=2, credit_hours=3.5)
    assign(course, department=DEPT, recert_months=12)
    with app.app_context():
        _read_all(person.id, course)
    enrolment = enrolment_of(person.id, course)
    assert enrolment.completed_at == T0
    assert enrolment.expires_at == datetime(2027, 3, 2, 2, 0, tzinfo=UTC)
    assert enrolment.hours_earned == 3.5
    assert len(enrolment.certificate.code) >= 24


def test_the_quiz_activity_completes_through_record_quiz_result(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    person = make_user()
    course = make_course(lessons=1, quiz_ids=[7])
    assign(course, department=DEPT)
    with app.app_context():
        _read_all(person.id, course)
        user = db.session.get(User, person.id)
        assert services.record_quiz_result(user, 99, True, T0) == []
        touched = services.record_quiz_result(user, 7, False, T0)
        assert len(touched) == 1 and touched[0].completed_at is None
    assert enrolment_of(person.id, course).completed_at is None
    passed_at = T0 + timedelta(hours=2)
    with app.app_context():
        services.record_quiz_result(db.session.get(User, person.id), 7, True, passed_at)
    assert enrolment_of(person.id, course).completed_at == passed_at
    with app.app_context():
        # A later failed attempt never undoes the pass.
        services.record_quiz_result(db.session.get(User, person.id), 7, False, passed_at)
        statuses = db.session.scalars(select(ActivityProgress.status)).all()
        assert sorted(statuses) == ["passed", "viewed"]


def test_quiz_result_of_someone_not_enrolled_is_ignored(app, frozen, make_user, make_course):
    person = make_user()
    make_course(quiz_ids=[3])
    with app.app_context():
        assert services.record_quiz_result(db.session.get(User, person.id), 3, True, T0) == []


def test_completion_rule_selected_ignores_optional_activities(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    person = make_user()
    course_id = make_course(lessons=1, quiz_ids=[5], publish=False, completion_rule="selected")
    with app.app_context():
        course = db.session.get(Course, course_id)
        quiz = next(a for a in course.activities if a.kind == "quiz")
        services.update_activity(None, quiz, is_required=False)
        services.publish_course(None, course)
    assign(course_id, department=DEPT)
    with app.app_context():
        _read_all(person.id, course_id)
    assert enrolment_of(person.id, course_id).completed_at is not None


def test_trainer_records_attendance_of_an_offline_session(
    app, frozen, client, login_as, make_user, make_course, assign, enrolment_of
):
    present = make_user(name="到场者")
    absent = make_user(name="缺席者")
    course = make_course(lessons=0, session=True)
    assign(course, department=DEPT)
    with app.app_context():
        session_id = db.session.get(Course, course).activities[0].id
    login_as("trainer")
    page = client.get(f"/courses/{course}/activities/{session_id}/attendance")
    assert "到场者" in page.get_data(as_text=True)
    response = client.post(
        f"/courses/{course}/activities/{session_id}/attendance", data={"attended": [present.id]}
    )
    assert response.status_code == 302
    assert enrolment_of(present.id, course).completed_at is not None
    assert enrolment_of(absent.id, course).completed_at is None
    with app.app_context():
        statuses = dict(
            db.session.execute(
                select(Enrolment.user_id, ActivityProgress.status).join(
                    ActivityProgress, ActivityProgress.enrolment_id == Enrolment.id
                )
            ).all()
        )
    assert statuses == {present.id: "attended", absent.id: "absent"}


def test_learner_marks_a_lesson_read_through_the_page(
    app, frozen, client, login_as, make_course, assign
):
    course = make_course(lessons=2)
    user = login_as("staff")
    assign(course, user_id=user.id)
    with app.app_context():
        first = db.session.get(Course, course).live_activities[0].id
    page = client.get(f"/courses/{course}/activities/{first}").get_data(as_text=True)
    assert "<h1>第1课</h1>" in page
    client.post(f"/courses/{course}/activities/{first}/done")
    page = client.get(f"/courses/{course}/learn").get_data(as_text=True)
    assert 'data-status="in_progress"' in page


CASES = [
    # (assigned offset, due in days, started?, completed offset, recert months, expected)
    ("not_started", None, False, None, None),
    ("in_progress", 5, True, None, None),
    ("overdue", -1, True, None, None),
    ("overdue", -1, False, None, None),
    ("completed", -1, True, -10, None),
    ("completed", None, True, -10, 12),
    ("expiring_soon", None, True, -350, 12),
    ("expired", None, True, -370, 12),
]


@pytest.mark.parametrize(("expected", "due", "started", "completed", "recert"), CASES)
def test_status_in_python_and_in_sql_agree(
    app, frozen, make_user, make_course, expected, due, started, completed, recert
):
    person = make_user()
    course = make_course()
    today = services_today = None
    with app.app_context():
        services_today = services.local_today()
        enrolment = Enrolment(
            user_id=person.id,
            course_id=course,
            source="rule",
            due_on=services_today + timedelta(days=due) if due is not None else None,
            started_at=T0 - timedelta(days=20) if started else None,
            completed_at=T0 + timedelta(days=completed) if completed is not None else None,
            recert_months=recert,
        )
        if completed is not None and recert:
            enrolment.expires_at = services.add_months(enrolment.completed_at, recert)
        db.session.add(enrolment)
        db.session.commit()
        today = services_today
        in_python = enrolment.status_at(T0, today, services.soon_days())
        in_sql = db.session.scalar(
            select(status_expression(T0, today, services.soon_days())).where(
                Enrolment.id == enrolment.id
            )
        )
    assert in_python == in_sql == expected


def test_add_months_keeps_the_end_of_the_month():
    moment = datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert services.add_months(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert services.add_months(moment, 13) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert services.add_months(moment, -2) == datetime(2025, 11, 30, 12, tzinfo=UTC)


def test_expiry_reopens_the_course_and_keeps_the_old_certificate(
    app, frozen, runner, make_user, make_course, assign, enrolment_of
):
    person = make_user()
    course = make_course()
    assign(course, department=DEPT, recert_months=12, due_kind="after_assignment", due_days=20)
    with app.app_context():
        _read_all(person.id, course)
    clock.advance(timedelta(days=340))
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_of(person.id, course).id)
        assert services.status_of(enrolment) == "expiring_soon"
    clock.advance(timedelta(days=60))
    result = runner.invoke(args=["courses", "apply-rules"])
    assert "1 re-opened" in result.output
    fresh = enrolment_of(person.id, course)
    assert fresh.cycle == 2 and fresh.completed_at is None
    assert fresh.due_on == services_local(app) + timedelta(days=20)
    old = enrolment_of(person.id, course, cycle=1)
    assert old.superseded_at is not None and old.certificate is not None
    with app.app_context():
        assert services.status_of(db.session.get(Enrolment, old.id)) == "expired"
        assert not db.session.get(Certificate, old.certificate.id).is_valid_at(clock.now())
    runner.invoke(args=["courses", "apply-rules"])
    assert enrolment_of(person.id, course).cycle == 2


def services_local(app):
    """Today's local date, for assertions."""
    with app.app_context():
        return services.local_today()


def test_learning_on_an_expired_course_opens_the_next_cycle(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    person = make_user()
    course = make_course()
    assign(course, department=DEPT, recert_months=6)
    with app.app_context():
        _read_all(person.id, course)
    clock.advance(timedelta(days=200))
    with app.app_context():
        _read_all(person.id, course)
    current = enrolment_of(person.id, course)
    assert current.cycle == 2 and current.completed_at == clock.now()


def test_retiring_an_activity_keeps_progress_and_can_complete_learners(
    app, frozen, make_user, make_course, assign, enrolment_of
):
    person = make_user()
    course_id = make_course(lessons=2)
    assign(course_id, department=DEPT)
    with app.app_context():
        course = db.session.get(Course, course_id)
        first, second = course.live_activities
        services.mark_lesson_viewed(db.session.get(User, person.id), first)
        services.retire_activity(None, second)
    assert enrolment_of(person.id, course_id).completed_at is not None
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert len(course.activities) == 2 and len(course.live_activities) == 1
        services.retire_activity(None, course.live_activities[0])
        assert db.session.scalar(select(ActivityProgress.id)) is not None
