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


def test_demo_seeder_creates_quizzes_per_role_and_attempts(seeded_demo, db):
    from sqlalchemy import func

    from app.org.models import User
    from app.quizzes.models import Attempt

    app = seeded_demo.app
    assert "quizzes: 9 quizzes" in seeded_demo.output, seeded_demo.output
    with app.app_context():
        finished = db.session.scalar(
            select(func.count(Attempt.id)).where(Attempt.state == "finished")
        )
        assert finished >= 40
        staff = db.session.scalar(select(User).where(User.employee_no == "S0001"))
        closed = db.session.scalar(
            select(Attempt)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.user_id == staff.id, Quiz.title == "上季度服务规范抽考")
        )
        demo = db.session.scalars(
            select(Quiz).where(
                Quiz.title.like("岗位应知应会测验%")
                | Quiz.title.in_(["供电服务规范综合测验", "上季度服务规范抽考"])
            )
        ).all()
        assert len(demo) == 8
        closed_options = {tuple(q.review_options["closed"]) for q in demo}
        assert closed_options == {("marks", "correct", "feedback")}
    client = seeded_demo.client("S0001")
    page = client.get("/quizzes/").get_data(as_text=True)
    # the three quizzes of the demo (role, common, the commitments' Cloze quiz) and the six
    # domain assessments; the closed quiz is no longer offered, but its review shows the right
    # answers and feedback
    assert page.count('data-testid="quiz-row"') == 9
    review = client.get(f"/attempts/{closed.id}/review").get_data(as_text=True)
    assert "rightanswer" in review and "review-grade" in review
    assert "quizzes: already seeded" in seeded_demo.again


def test_health_check_answers(client):
    assert client.get("/healthz").json == {"status": "ok"}


def _slots_page(client, quiz_id, **args):
    return client.get(f"/quizzes/{quiz_id}/slots", query_string=args).get_data(as_text=True)


def test_search_lists_questions_with_an_add_button_each_and_adds_by_clicking(
    app, db, client, login_as, bank
):
    from tests.bank.conftest import form_values

    login_as("trainer")
    quiz_id = int(re.search(r"/quizzes/(\d+)/", _new_quiz(client).headers["Location"]).group(1))
    page = _slots_page(client, quiz_id, q="")  # an empty search lists every question
    assert 'name="add" value="t-single"' in page and 'name="add" value="t-essay"' in page
    assert "Single choice" in page and "SV1 " in page and "(single)" not in page
    # One button adds its question.
    data = form_values(page, "search-results-form")
    data.add("add", "t-single")
    response = client.post(f"/quizzes/{quiz_id}/slots/found", data=data)
    assert response.status_code == 302 and "q=" in response.headers["Location"]
    # "Add selected" adds every ticked question; one already in the quiz is not offered again.
    page = _slots_page(client, quiz_id, q="t-")
    assert 'name="add" value="t-single"' not in page and "In this quiz" in page
    data = form_values(page, "search-results-form")
    data.add("keys", "t-tf")
    data.add("keys", "t-essay")
    client.post(f"/quizzes/{quiz_id}/slots/found", data=data)
    with app.app_context():
        keys = [s.question.key for s in db.session.get(Quiz, quiz_id).slots]
    assert keys == ["t-single", "t-tf", "t-essay"]
    slots = _slots_page(client, quiz_id)
    table = slots[slots.index('data-testid="slots"') : slots.index("</table>")]
    for words in (
        "居民办电时间",
        "Single choice",
        "SV1 ",
        "BK1 ",
        "投诉处理",
        "Essay",
        "True/false",
    ):
        assert words in table, words
    assert "t-single</a>" not in table, "the slot shows the question's name, not its id"


def test_search_filters_by_category(app, client, login_as, bank, make_quiz):
    from app.bank.services import category_by_path

    quiz_id = make_quiz(fixed=())
    login_as("trainer")
    with app.app_context():
        pool = category_by_path("题库/随机池").id
    page = _slots_page(client, quiz_id, q="", category=pool)
    assert 'value="pool-0"' in page and 'value="t-single"' not in page


def test_a_draft_question_warns_and_blocks_publishing_until_ready(
    app, db, client, login_as, bank, import_yaml
):
    import_yaml(
        """\
        questions:
          - id: d-1
            qtype: truefalse
            name: 草稿题
            questiontext: 草稿
            correct: true
        """,
        name="draft.yaml",
    )
    login_as("trainer")
    quiz_id = int(re.search(r"/quizzes/(\d+)/", _new_quiz(client).headers["Location"]).group(1))
    added = client.post(
        f"/quizzes/{quiz_id}/slots/fixed", data={"fixed-question_key": "d-1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "d-1 is not ready yet" in added and 'data-testid="unready-warning"' in added
    settings = client.get(f"/quizzes/{quiz_id}/edit").get_data(as_text=True)
    assert "Not ready yet: 草稿题" in settings
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        form = {
            "title": quiz.title,
            "questions_per_page": 5,
            "attempts_allowed": 1,
            "grading_method": "highest",
            "max_grade": "100",
            "pass_mark": "60",
            "is_published": "y",
        }
    refused = client.post(f"/quizzes/{quiz_id}/edit", data=form, follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert "cannot be published yet" in text and "草稿题 (d-1)" in text
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).is_published is False
        from app.bank import services as bank_services
        from app.bank.models import Question

        question = db.session.scalar(select(Question).where(Question.key == "d-1"))
        bank_services.bulk_update(None, [question], "ready")
    client.post(f"/quizzes/{quiz_id}/edit", data=form)
    with app.app_context():
        assert db.session.get(Quiz, quiz_id).is_published is True
    assert 'data-testid="unready-warning"' not in _slots_page(client, quiz_id)


def test_quiz_title_and_description_have_a_maximum(client, login_as):
    login_as("trainer")
    page = _new_quiz(client, title="测" * 201, description="x" * 70_000).get_data(as_text=True)
    assert "Field cannot be longer than 200 characters." in page
    assert "At most 64 KB; this text is 68.4 KB." in page
