"""Attempts through the pages: freezing, autosave, sequence numbers, deadlines, submit, grading."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.quizzes import queries, services
from app.quizzes.models import Attempt, AttemptCompetencyResult, Quiz, ResponseStep
from app.quizzes.services import attempts
from tests.quizzes.conftest import freeze_now, page_of, save, start


def test_staff_in_the_audience_see_the_quiz_with_limit_and_attempts_left(
    client, login_as, make_quiz
):
    make_quiz(title="十项承诺测验", time_limit_minutes=20, attempts_allowed=2)
    make_quiz(title="别的部门", audience="别的公司")
    login_as("staff")
    page = client.get("/quizzes/").get_data(as_text=True)
    assert "十项承诺测验" in page and "20 minutes" in page
    assert "别的部门" not in page
    assert re.search(r"<td>2</td>", page)


def test_job_role_and_person_audiences(app, db, client, login_as, make_quiz):
    from app.org.models import JobRole

    quiz_id = make_quiz(title="客服测验", audience=None)
    user = login_as("staff", job_role="CC")
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        cc = db.session.scalar(select(JobRole.id).where(JobRole.code == "CC"))
        services.set_audience(None, quiz, job_role_ids=[cc])
    assert "客服测验" in client.get("/quizzes/").get_data(as_text=True)
    with app.app_context():
        services.set_audience(None, db.session.get(Quiz, quiz_id), user_ids=[user.id])
    assert "客服测验" in client.get("/quizzes/").get_data(as_text=True)
    with app.app_context():
        services.set_audience(None, db.session.get(Quiz, quiz_id))
    assert "客服测验" not in client.get("/quizzes/").get_data(as_text=True)
    assert client.post(f"/quizzes/{quiz_id}/start").status_code == 404


def test_starting_freezes_the_questions_and_a_reload_sees_the_same(
    client, login_as, make_quiz, attempt_of
):
    quiz_id = make_quiz(
        fixed=("t-single", "t-multiple"), random=[("题库/随机池", 5)], shuffle_questions=True
    )
    login_as("staff")
    attempt_id = start(client, quiz_id)
    first = attempt_of(attempt_id)
    assert start(client, quiz_id) == attempt_id, "starting again resumes"
    again = attempt_of(attempt_id)
    frozen = [(s.number, s.question_version_id, s.choice_order) for s in first.slots]
    assert frozen == [(s.number, s.question_version_id, s.choice_order) for s in again.slots]
    drawn = [s.version.question_id for s in first.slots]
    assert len(drawn) == 7 and len(set(drawn)) == 7, "no question twice in an attempt"
    # the same page twice; only the CSRF token (signed with the second it was made) may differ
    token = re.compile(r'name="csrf_token"[^>]*value="[^"]*"|"csrf-token" content="[^"]*"')
    pages = [token.sub("", page_of(client, attempt_id).text) for _ in range(2)]
    assert pages[0] == pages[1]


def test_random_slots_honour_the_filters(client, login_as, make_quiz, attempt_of):
    by_code = make_quiz(fixed=(), random=[("题库", 3, {"competency": "SV2"})])
    by_level = make_quiz(fixed=(), random=[("题库/随机池", 4, {"difficulty": 2, "tag": "池"})])
    login_as("staff")
    attempt = attempt_of(start(client, by_code))
    assert [s.version.competencies for s in attempt.slots] == [["SV2"]] * 3
    attempt = attempt_of(start(client, by_level))
    assert [s.version.difficulty for s in attempt.slots] == [2] * 4


def test_a_new_version_after_the_start_does_not_change_the_attempt(
    app, client, login_as, make_quiz, attempt_of, import_yaml
):
    from tests.bank.test_import_service import SINGLE

    quiz_id = make_quiz(fixed=("t-single",))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    before = attempt_of(attempt_id).slots[0].question_version_id
    edited = SINGLE.replace("不超过几个工作日", "最多几个工作日").replace(
        "category: 服务规范/十项承诺", "category: 题库/每种题型"
    )
    import_yaml(edited)
    assert attempt_of(attempt_id).slots[0].question_version_id == before
    assert "不超过几个工作日" in page_of(client, attempt_id).text


def test_autosave_and_resume_after_logout(client, login_as, make_quiz, app):
    quiz_id = make_quiz(fixed=("t-single", "t-short"))
    user = login_as("staff")
    attempt_id = start(client, quiz_id)
    page = page_of(client, attempt_id)
    response = save(client, attempt_id, 1, q1=page.choice(1, "5个工作日"))
    assert response.status_code == 200 and response.json["applied"] is True
    save(client, attempt_id, 2, q2="首问负责制")
    client.post("/logout")
    from tests.conftest import TEST_PASSWORD

    client.post("/login", data={"identifier": user.employee_no, "password": TEST_PASSWORD})
    resumed = page_of(client, attempt_id)
    chosen = resumed.choice(1, "5个工作日")
    assert re.search(rf'name="q1" id="[^"]+" value="{chosen}" checked', resumed.text)
    assert resumed.text.count("checked") == 1
    assert 'value="首问负责制"' in resumed.text


def test_an_older_save_never_overwrites_a_newer_one(client, login_as, make_quiz, app, db):
    quiz_id = make_quiz(fixed=("t-short",))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    assert save(client, attempt_id, 1, seq=200, q1="新的答案").json["applied"] is True
    late = save(client, attempt_id, 1, seq=100, q1="旧的答案")
    assert late.status_code == 200 and late.json["applied"] is False
    repeat = save(client, attempt_id, 1, seq=200, q1="重复")
    assert repeat.json["applied"] is False
    assert 'value="新的答案"' in page_of(client, attempt_id).text
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert queries.current_responses(attempt) == {1: "新的答案"}
        assert db.session.scalar(select(func.count(ResponseStep.id))) == 1


def test_page_buttons_save_without_javascript(client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-single", "t-short"), questions_per_page=1)
    login_as("staff")
    attempt_id = start(client, quiz_id)
    page = page_of(client, attempt_id, 1)
    assert page.slots() == [1]
    response = client.post(
        f"/attempts/{attempt_id}/page",
        data={"page": 1, "action": "next", "q1": page.choice(1, "5个工作日")},
    )
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}?page=2")
    client.post(f"/attempts/{attempt_id}/page", data={"page": 2, "action": "save", "q2": "首问"})
    assert 'value="首问"' in page_of(client, attempt_id, 2).text
    assert "checked" in page_of(client, attempt_id, 1).text


def test_submit_twice_grades_once(app, db, client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-single",), pass_mark=50)
    login_as("staff")
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 1, q1=page_of(client, attempt_id).choice(1, "5个工作日"))
    first = client.post(f"/attempts/{attempt_id}/submit")
    second = client.post(f"/attempts/{attempt_id}/submit")
    assert first.status_code == second.status_code == 302
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert (attempt.state, attempt.mark, attempt.passed) == ("finished", 100.0, True)
        finished_at = attempt.finished_at
    client.post(f"/attempts/{attempt_id}/submit")
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).finished_at == finished_at
    late = save(client, attempt_id, 1, q1="0")
    assert late.status_code == 409


def test_concurrent_submits_grade_once(app, db, make_user, make_quiz):
    quiz_id = make_quiz(fixed=("t-single",))
    user = make_user(department="测试公司/一中心/一班")
    from app.org.models import User

    with app.app_context():
        attempt, _ = services.start_attempt(
            db.session.get(User, user.id), db.session.get(Quiz, quiz_id)
        )
        attempt_id = attempt.id
    outcomes = []

    def submit():
        with app.app_context():
            found = db.session.get(Attempt, attempt_id)
            outcomes.append(attempts._finish(found, until=None))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AttemptCompetencyResult.code)).where(
                    AttemptCompetencyResult.attempt_id == attempt_id
                )
            )
            == 2
        )


def test_a_start_that_loses_the_race_resumes_the_winners_attempt(
    app, db, make_user, make_quiz, monkeypatch
):
    quiz_id = make_quiz(fixed=("t-single",))
    user = make_user(department="测试公司/一中心/一班")
    from app.org.models import User

    with app.app_context():
        person, quiz = db.session.get(User, user.id), db.session.get(Quiz, quiz_id)
        winner, _ = services.start_attempt(person, quiz)
        winner_id = winner.id
        # The other tab's start lands between our check and our insert: the check sees nothing.
        real = queries.in_progress_attempt
        calls = []

        def check_then_real(*args, **kwargs):
            calls.append(1)
            return None if len(calls) == 1 else real(*args, **kwargs)

        monkeypatch.setattr(queries, "in_progress_attempt", check_then_real)
        resumed, started = services.start_attempt(person, quiz)
        assert (resumed.id, started) == (winner_id, False)
        assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_concurrent_starts_make_one_attempt(app, db, make_user, make_quiz):
    quiz_id = make_quiz(fixed=("t-single",))
    user = make_user(department="测试公司/一中心/一班")
    from app.org.models import User

    outcomes = []

    def begin():
        with app.app_context():
            attempt, started = services.start_attempt(
                db.session.get(User, user.id), db.session.get(Quiz, quiz_id)
            )
            outcomes.append((attempt.id, started))

    threads = [threading.Thread(target=begin) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({attempt_id for attempt_id, _ in outcomes}) == 1
    assert sorted(started for _, started in outcomes) == [False, False, True]


def test_save_after_deadline_and_grace_is_refused_and_finishes_with_saved_answers(
    app, db, client, login_as, make_quiz
):
    start_at = freeze_now()
    quiz_id = make_quiz(fixed=("t-single", "t-short"), time_limit_minutes=10)
    login_as("staff")
    attempt_id = start(client, quiz_id)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).deadline_at == start_at + timedelta(minutes=10)
    choice = page_of(client, attempt_id).choice(1, "5个工作日")
    clock.freeze(start_at + timedelta(minutes=9))
    assert save(client, attempt_id, 1, q1=choice).json["applied"]
    clock.freeze(start_at + timedelta(minutes=10, seconds=20))  # within the grace
    assert save(client, attempt_id, 2, q2="首问负责制").json["applied"]
    clock.freeze(start_at + timedelta(minutes=11))
    refused = save(client, attempt_id, 2, q2="太晚了")
    assert refused.status_code == 409 and "Time is up" in refused.json["error"]
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "finished"
        assert attempt.finished_at == start_at + timedelta(minutes=10)
        assert queries.current_responses(attempt) == {1: 0, 2: "首问负责制"}
        assert attempt.raw_mark == 2.0


def test_overdue_attempt_is_finished_on_its_next_request(app, db, client, login_as, make_quiz):
    start_at = freeze_now()
    quiz_id = make_quiz(fixed=("t-short",), time_limit_minutes=5)
    login_as("staff")
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 1, q1="首问负责制")
    clock.freeze(start_at + timedelta(hours=1))
    response = client.get(f"/attempts/{attempt_id}")
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/review")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "finished" and attempt.mark == 100.0


def test_finish_overdue_command(app, db, client, runner, login_as, make_quiz):
    start_at = freeze_now()
    quiz_id = make_quiz(fixed=("t-short",), time_limit_minutes=5)
    login_as("staff")
    attempt_id = start(client, quiz_id)
    assert runner.invoke(args=["quizzes", "finish-overdue"]).output.strip() == (
        "0 overdue attempt(s) finished"
    )
    clock.freeze(start_at + timedelta(minutes=6))
    assert "1 overdue" in runner.invoke(args=["quizzes", "finish-overdue"]).output
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).state == "finished"
    assert "0 overdue" in runner.invoke(args=["quizzes", "finish-overdue"]).output


def test_deadline_is_capped_by_the_close_time(app, db, client, login_as, make_quiz):
    start_at = freeze_now()
    quiz_id = make_quiz(
        fixed=("t-short",), time_limit_minutes=60, close_at=start_at + timedelta(minutes=15)
    )
    login_as("staff")
    attempt_id = start(client, quiz_id)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).deadline_at == start_at + timedelta(minutes=15)


def test_closed_or_unopened_quiz_cannot_be_started(client, login_as, make_quiz):
    now = freeze_now()
    later = make_quiz(title="未开放", open_at=now + timedelta(days=1))
    login_as("staff")
    response = client.post(f"/quizzes/{later}/start", follow_redirects=True)
    assert "This quiz is not open." in response.get_data(as_text=True)


def test_attempts_allowed_is_enforced(client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-tf",), attempts_allowed=1)
    login_as("staff")
    attempt_id = start(client, quiz_id)
    client.post(f"/attempts/{attempt_id}/submit")
    response = client.post(f"/quizzes/{quiz_id}/start", follow_redirects=True)
    assert "You have no attempts left." in response.get_data(as_text=True)


def test_someone_elses_attempt_is_forbidden(app, db, client, login_as, make_user, make_quiz):
    from app.org.models import User

    quiz_id = make_quiz(fixed=("t-short",))
    owner = make_user(department="测试公司/一中心/一班")
    with app.app_context():
        attempt, _ = services.start_attempt(
            db.session.get(User, owner.id), db.session.get(Quiz, quiz_id)
        )
        attempt_id = attempt.id
    login_as("staff")
    assert client.get(f"/attempts/{attempt_id}").status_code == 403
    assert save(client, attempt_id, 1, q1="偷看").status_code == 403
    assert client.post(f"/attempts/{attempt_id}/submit").status_code == 403
    assert client.get(f"/attempts/{attempt_id}/review").status_code == 403
    with app.app_context():
        assert queries.current_responses(db.session.get(Attempt, attempt_id)) == {}


@pytest.mark.parametrize(
    ("key", "answer", "expected"),
    [
        ("t-single", {"choice": "5个工作日"}, 1.0),
        ("t-single", {"choice": "10个工作日"}, 0.0),
        ("t-multiple", {"choices": ["甲", "乙"]}, 1.0),
        ("t-multiple", {"choices": ["甲", "丙"]}, 0.0),
        ("t-multiple", {"choices": ["甲"]}, 0.5),
        ("t-tf", {"choice": "True"}, 1.0),
        ("t-tf", {"choice": "False"}, 0.0),
        ("t-short", {"text": "首问负责制"}, 1.0),
        ("t-short", {"text": "实行首问制度"}, 0.5),
        ("t-short", {"text": "不知道"}, 0.0),
        ("t-num", {"text": "5"}, 1.0),
        ("t-num", {"text": "5 天"}, 1.0),
        ("t-num", {"text": "6"}, 0.0),
        ("t-match", {"pairs": {"CTR": "营业厅柜员", "CC": "客服座席", "MI": "装表接电工"}}, 1.0),
        ("t-match", {"pairs": {"CTR": "营业厅柜员", "CC": "干扰项", "MI": "客服座席"}}, 1 / 3),
    ],
)
def test_every_type_is_graded_through_a_whole_attempt(
    app, db, client, login_as, make_quiz, key, answer, expected
):
    quiz_id = make_quiz(fixed=(key,))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    page = page_of(client, attempt_id)
    if "choice" in answer:
        fields = {"q1": page.choice(1, answer["choice"])}
    elif "choices" in answer:
        fields = {"q1": [page.choice(1, c) for c in answer["choices"]]}
    elif "text" in answer:
        fields = {"q1": answer["text"]}
    else:
        fields = page.matching(1, answer["pairs"])
    assert save(client, attempt_id, 1, **fields).json["applied"]
    client.post(f"/attempts/{attempt_id}/submit")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.slots[0].fraction == pytest.approx(expected)
        assert attempt.mark == pytest.approx(100 * expected)


def test_essay_leaves_the_attempt_awaiting_grading(app, db, client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-single", "t-essay"))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 2, q2="受理、调查、答复、回访。")
    client.post(f"/attempts/{attempt_id}/submit")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.needs_grading and attempt.mark is None and attempt.passed is None
    page = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Awaiting grading" in page


def test_competency_results_are_written_per_code_and_difficulty(
    app, db, client, login_as, make_quiz
):
    quiz_id = make_quiz(fixed=("t-single", "t-multiple"))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 1, q1=page_of(client, attempt_id).choice(1, "5个工作日"))
    client.post(f"/attempts/{attempt_id}/submit")
    with app.app_context():
        rows = db.session.execute(
            select(
                AttemptCompetencyResult.code,
                AttemptCompetencyResult.difficulty,
                AttemptCompetencyResult.earned,
                AttemptCompetencyResult.available,
            ).where(AttemptCompetencyResult.attempt_id == attempt_id)
        ).all()
    assert sorted(rows) == [("BK1", 1, 1.0, 1.0), ("SV1", 1, 1.0, 1.0), ("SV5", 2, 0.0, 1.0)]


def test_preview_never_counts_and_shows_everything(app, db, client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-single",), attempts_allowed=1)
    login_as("trainer")
    response = client.post(f"/quizzes/{quiz_id}/preview")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    client.post(f"/attempts/{attempt_id}/submit")
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Preview" in review and 'data-testid="review-grade"' in review
    client.post(f"/quizzes/{quiz_id}/preview")
    with app.app_context():
        attempts = db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz_id)).all()
        assert [(a.is_preview, a.number) for a in attempts] == [(True, 0)]


IMAGE_QUESTION = """\
category: 题库/图片
questions:
  - id: img-1
    qtype: truefalse
    status: ready
    name: 电表读数
    questiontext: '![电表](@@PLUGINFILE@@/images/meter.png) 表上的读数是 1234。'
    correct: true
    files:
      - {name: meter.png, path: /images/, mimetype: image/png, content_base64: %s}
"""


def test_staff_see_the_images_of_the_questions_they_meet_and_no_others(
    app, db, client, login_as, make_quiz, import_yaml
):
    from tests.bank.test_moodle_xml import PNG

    import_yaml(IMAGE_QUESTION % PNG, name="img.yaml")
    quiz_id = make_quiz(fixed=("img-1",))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    url = re.search(r'src="(/bank/files/\d+/images/meter\.png)"', page).group(1)
    image = client.get(url)
    assert image.status_code == 200 and image.mimetype == "image/png"
    client.post(f"/attempts/{attempt_id}/submit")
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert url in review and client.get(url).status_code == 200
    login_as("staff")  # someone who never met the question
    assert client.get(url).status_code == 404
    login_as("trainer")
    assert client.get(url).status_code == 200
