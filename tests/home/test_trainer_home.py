"""The trainer's home page lists their work: courses, quizzes, what awaits a mark, imports."""

from app.bank import services as bank_services
from app.courses.services import create_course
from app.org.models import User
from app.quizzes import services
from tests.quizzes.conftest import start


def test_a_new_trainer_sees_where_to_start_not_a_placeholder(client, login_as):
    login_as("trainer")
    page = client.get("/home").get_data(as_text=True)
    assert "will appear here" not in page
    for words in ("You have not built a quiz yet.", "You have not written a course yet."):
        assert words in page
    assert "Nothing awaits a mark." in page and "No questions imported yet." in page


def test_the_trainer_sees_their_courses_quizzes_grading_and_imports(
    app, db, client, login_as, make_quiz
):
    quiz_id = make_quiz(fixed=("t-single", "t-essay"), title="投诉处理测验")
    login_as("staff")
    attempt_id = start(client, quiz_id)
    client.post(f"/attempts/{attempt_id}/save", data={"slot": 2, "seq": 1, "q2": "先安抚。"})
    client.post(f"/attempts/{attempt_id}/submit")
    trainer = login_as("trainer", name="培训师老李")
    with app.app_context():
        me = db.session.get(User, trainer.id)
        services.create_quiz(me, title="我的新测验")
        create_course(me, title="我的新课程", summary="", category="服务", credit_hours=1.0)
        source = bank_services.decode_source(b"::Q:: \xe9\xa2\x98 {T}\n", "\u65b0\u9898.gift")
        bank_services.import_questions(me, [source])
    page = client.get("/home").get_data(as_text=True)
    section = page[page.index('data-testid="home-trainer"') :]
    assert "我的新测验" in section and "我的新课程" in section
    assert "投诉处理测验</a>: 1 response" in section
    assert "培训师老李 · 新题.gift: 1 created, 0 new versions" in section
    assert f'href="/grading/quizzes/{quiz_id}"' in section
