"""Courses and quizzes: enrolled learners may take a course's quiz; passing completes it."""

import pytest
from sqlalchemy import select

from tests.quizzes.conftest import page_of, save, start


@pytest.fixture
def course_with_quiz(app, db, make_quiz, make_course, assign):
    """Factory: a published course (a lesson and a quiz) assigned to 测试公司/测试分中心."""

    def make():
        quiz_id = make_quiz(title="课程测验", fixed=("t-single",), audience=None, pass_mark=60)
        course_id = make_course("十项承诺课程", lessons=1, quiz_ids=[quiz_id])
        assign(course_id, department="测试公司/测试分中心")
        return course_id, quiz_id

    return make


def test_enrolled_learner_can_take_the_course_quiz_and_passing_completes(
    app, db, client, login_as, course_with_quiz
):
    from app.courses.models import ActivityProgress

    login_as("staff", department="测试公司/测试分中心/测试营业厅")
    course_id, quiz_id = course_with_quiz()
    assert "课程测验" in client.get("/quizzes/").get_data(as_text=True)
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 1, q1=page_of(client, attempt_id).choice(1, "5个工作日"))
    client.post(f"/attempts/{attempt_id}/submit")
    with app.app_context():
        statuses = db.session.scalars(select(ActivityProgress.status)).all()
    assert "passed" in statuses


def test_people_outside_the_course_do_not_get_its_quiz(app, client, login_as, course_with_quiz):
    login_as("staff", department="别的公司/别的中心/别的班")
    _course_id, quiz_id = course_with_quiz()
    assert "课程测验" not in client.get("/quizzes/").get_data(as_text=True)
    assert client.post(f"/quizzes/{quiz_id}/start").status_code == 404


def test_a_quiz_belongs_to_at_most_one_course(app, db, make_course, course_with_quiz):
    from app.core.errors import DomainError

    _course_id, quiz_id = course_with_quiz()
    with pytest.raises(DomainError, match="already belongs to the course 十项承诺课程"):
        make_course("另一门课", quiz_ids=[quiz_id])
