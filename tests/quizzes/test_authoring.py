"""Trainers build quizzes through the pages: settings, slots, audience, preview."""

import re

from sqlalchemy import select

from app.quizzes.models import Quiz, QuizAudience, QuizSlot


def _new_quiz(client, **overrides):
    data = {
        "title": "业扩时限测验",
        "description": "**十项承诺**",
        "questions_per_page": 5,
        "shuffle_choices": "y",
        "time_limit_minutes": 10,
        "attempts_allowed": 2,
        "grading_method": "highest",
        "max_grade": "100",
        "pass_mark": "60",
        "review_immediately_marks": "y",
        "review_closed_correct": "y",
        **overrides,
    }
    return client.post("/quizzes/new", data=data)


def test_trainer_creates_a_quiz_with_fixed_and_random_slots(
    app, db, client, login_as, bank, make_department
):
    login_as("trainer")
    response = _new_quiz(client)
    assert response.status_code == 302
    quiz_id = int(re.search(r"/quizzes/(\d+)/slots", response.headers["Location"]).group(1))
    assert (
        client.post(
            f"/quizzes/{quiz_id}/slots/fixed",
            data={"fixed-question_key": "t-single", "fixed-mark": "2"},
        ).status_code
        == 302
    )
    with app.app_context():
        from app.bank.services import category_by_path

        pool = category_by_path("题库/随机池").id
    client.post(
        f"/quizzes/{quiz_id}/slots/random",
        data={
            "random-category_id": pool,
            "random-draw_count": 3,
            "random-include_subcategories": "y",
            "random-competency": "",
            "random-difficulty": "",
            "random-tag": "",
            "random-mark": "1",
        },
    )
    page = client.get(f"/quizzes/{quiz_id}/slots").get_data(as_text=True)
    assert "t-single" in page and "3 random from 题库/随机池" in page and "(12 available)" in page
    dept = make_department("测试公司/测试分中心")
    client.post(f"/quizzes/{quiz_id}/audience", data={"department_ids": [dept]})
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        assert [(s.kind, s.mark) for s in quiz.slots] == [("fixed", 2.0), ("random", 1.0)]
        assert quiz.time_limit_minutes == 10 and quiz.review_options["immediately"] == ["marks"]
        assert quiz.review_options["closed"] == ["correct"]
        assert db.session.scalar(select(QuizAudience.department_id)) == dept


def test_too_few_questions_for_a_random_slot_is_refused(app, db, client, login_as, bank):
    login_as("trainer")
    quiz_id = int(re.search(r"/quizzes/(\d+)/", _new_quiz(client).headers["Location"]).group(1))
    with app.app_context():
        from app.bank.services import category_by_path

        pool = category_by_path("题库/随机池").id
    response = client.post(
        f"/quizzes/{quiz_id}/slots/random",
        data={"random-category_id": pool, "random-draw_count": 50, "random-mark": "1"},
        follow_redirects=True,
    )
    assert "Only 12 ready questions match; the slot needs 50." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QuizSlot.id)) is None


def test_settings_are_validated(client, login_as):
    login_as("trainer")
    page = _new_quiz(client, time_limit_minutes=0).get_data(as_text=True)
    assert "Number must be between 1 and 600." in page


def test_slots_can_be_reordered_and_removed(app, db, client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-single", "t-tf", "t-short"))
    login_as("trainer")
    with app.app_context():
        ids = [s.id for s in db.session.get(Quiz, quiz_id).slots]
    client.post(f"/quizzes/{quiz_id}/slots/{ids[2]}/up")
    client.post(f"/quizzes/{quiz_id}/slots/{ids[0]}/remove")
    with app.app_context():
        keys = [s.question.key for s in db.session.get(Quiz, quiz_id).slots]
        numbers = [s.number for s in db.session.get(Quiz, quiz_id).slots]
    assert keys == ["t-short", "t-tf"] and numbers == [1, 2]


def test_staff_cannot_author(client, login_as, make_quiz):
    quiz_id = make_quiz()
    login_as("staff")
    assert client.get(f"/quizzes/{quiz_id}/edit").status_code == 403
    assert client.post(f"/quizzes/{quiz_id}/preview").status_code == 403


def test_quiz_list_pages_keep_a_constant_number_of_queries(
    client, login_as, make_quiz, count_queries
):
    make_quiz(title="甲")
    login_as("staff")
    with count_queries() as small:
        client.get("/quizzes/")
    for i in range(8):
        make_quiz(title=f"乙{i}", fixed=("t-tf",))
    with count_queries() as large:
        page = client.get("/quizzes/").get_data(as_text=True)
    assert page.count('data-testid="quiz-row"') == 9
    assert large.n == small.n, large.statements


def test_manage_page_keeps_a_constant_number_of_queries(client, login_as, make_quiz, count_queries):
    make_quiz(title="甲")
    login_as("trainer")
    with count_queries() as small:
        client.get("/quizzes/manage")
    for i in range(8):
        make_quiz(title=f"乙{i}")
    with count_queries() as large:
        client.get("/quizzes/manage")
    assert large.n == small.n


def test_attempt_page_queries_do_not_grow_with_the_questions(
    client, login_as, make_quiz, count_queries
):
    from tests.quizzes.conftest import start

    small_quiz = make_quiz(fixed=("t-single",))
    big_quiz = make_quiz(
        fixed=("t-single", "t-multiple", "t-tf", "t-short", "t-num", "t-match"),
        random=[("题库/随机池", 10)],
    )
    login_as("staff")
    small_attempt, big_attempt = start(client, small_quiz), start(client, big_quiz)
    with count_queries() as small:
        client.get(f"/attempts/{small_attempt}")
    with count_queries() as large:
        client.get(f"/attempts/{big_attempt}")
    assert large.n == small.n, large.statements


def test_demo_seeder_creates_quizzes_per_role_and_attempts(app, db, runner, client):
    from sqlalchemy import func

    from app.org.models import User
    from app.quizzes.models import Attempt

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "quizzes: 7 quizzes" in result.output
    with app.app_context():
        finished = db.session.scalar(
            select(func.count(Attempt.id)).where(Attempt.state == "finished")
        )
        assert finished >= 40
        staff = db.session.scalar(select(User).where(User.employee_no == "S0001"))
        token = staff.session_token
    with client.session_transaction() as session:
        session["_user_id"] = token
    page = client.get("/quizzes/").get_data(as_text=True)
    assert page.count('data-testid="quiz-row"') == 2
    assert "already seeded" in runner.invoke(args=["seed-demo"]).output


def test_health_check_answers(client):
    assert client.get("/healthz").json == {"status": "ok"}
