"""Fixtures of the course tests: a frozen clock, and course, rule and enrolment factories."""

from datetime import UTC, datetime, timedelta

import pytest

from app.core import clock
from tests.bank.conftest import import_yaml  # noqa: F401  (fixtures shared with quiz tests)
from tests.quizzes.conftest import bank, make_quiz  # noqa: F401

#: 10:00 in Shanghai on a Monday
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DEPT = "测试公司/测试分中心/测试营业厅"


@pytest.fixture
def frozen(app):
    """Freeze the clock at T0 (the app fixture unfreezes it afterwards)."""
    clock.freeze(T0)
    return T0


def ensure_quiz(quiz_id: int) -> None:
    """A bare quiz row with this id (course tests only need something to point at)."""
    from app.extensions import db
    from app.quizzes.models import Quiz

    if db.session.get(Quiz, quiz_id) is None:
        db.session.add(Quiz(id=quiz_id, title=f"测验{quiz_id}"))
        db.session.flush()


@pytest.fixture
def make_course(app):
    """Factory: a course with lessons, quizzes and an optional session; returns its id."""
    from app.courses import services

    def make(
        title="安全规程培训",
        *,
        lessons=1,
        quiz_ids=(),
        session=False,
        publish=True,
        credit_hours=2.0,
        **fields,
    ) -> int:
        with app.app_context():
            course = services.create_course(None, title=title, credit_hours=credit_hours, **fields)
            for n in range(lessons):
                services.add_activity(
                    None, course, kind="lesson", title=f"第{n + 1}课", body=f"# 第{n + 1}课\n正文"
                )
            for quiz_id in quiz_ids:
                ensure_quiz(quiz_id)
                services.add_activity(
                    None, course, kind="quiz", title=f"测验{quiz_id}", quiz_id=quiz_id
                )
            if session:
                services.add_activity(
                    None,
                    course,
                    kind="session",
                    title="现场实训",
                    starts_at=clock.now() - timedelta(days=1),
                    place="二楼培训室",
                )
            if publish:
                services.publish_course(None, course)
            return course.id

    return make


@pytest.fixture
def assign(app, make_department):
    """Factory: ``assign(course_id, department="A/B")`` (or job_role=, user_id=) → rule id."""
    from app.courses import services
    from app.courses.models import Course
    from app.extensions import db
    from app.org.models import Department, User
    from app.org.services import job_role_by_code

    def make(course_id, *, department=None, job_role=None, user_id=None, **options) -> int:
        dept_id = make_department(department) if department else None
        with app.app_context():
            course = db.session.get(Course, course_id)
            if dept_id:
                department = db.session.get(Department, dept_id)
                target = {"target_kind": "department", "department": department}
            elif job_role:
                target = {"target_kind": "job_role", "job_role": job_role_by_code(job_role)}
            else:
                target = {"target_kind": "user", "user": db.session.get(User, user_id)}
            return services.create_rule(None, course, **target, **options).id

    return make


@pytest.fixture
def enrolment_of(app):
    """``enrolment_of(user_id, course_id)`` → the current Enrolment (detached) or None."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from app.courses.models import Enrolment
    from app.extensions import db

    def get(user_id, course_id, *, cycle=None):
        with app.app_context():
            query = select(Enrolment).where(
                Enrolment.user_id == user_id, Enrolment.course_id == course_id
            )
            if cycle is None:
                query = query.where(Enrolment.superseded_at.is_(None))
            else:
                query = query.where(Enrolment.cycle == cycle)
            enrolment = db.session.scalar(query.options(joinedload(Enrolment.certificate)))
            if enrolment is not None:
                db.session.expunge_all()
            return enrolment

    return get
