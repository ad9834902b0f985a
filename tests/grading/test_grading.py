"""Manual grading, regrades, overrides, review options and result exports."""

import csv
import io
import itertools
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.core import clock
from app.core.hooks import EXTENSION_KEY as HOOKS_KEY
from app.core.models import AuditEvent
from app.quizzes import queries, services
from app.quizzes.models import Attempt, Quiz
from tests.quizzes.conftest import freeze_now, page_of, save, start

WRONG_KEY = """
category: 题库/每种题型
questions:
  - id: t-key
    qtype: single
    status: ready
    name: 钥匙题
    questiontext: 居民客户全过程办电时间不超过几个工作日？
    shuffleanswers: false
    generalfeedback: GENERAL-FEEDBACK
    answers:
      - {text: 5个工作日, fraction: 0, feedback: FB-FIVE}
      - {text: 10个工作日, fraction: 1, feedback: FB-TEN}
"""


def _finish_with_essay(client, make_quiz, login_as):
    quiz_id = make_quiz(fixed=("t-single", "t-essay"), pass_mark=60)
    user = login_as("staff")
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 1, q1=page_of(client, attempt_id).choice(1, "5个工作日"))
    save(client, attempt_id, 2, q2="受理、调查、答复、回访。")
    client.post(f"/attempts/{attempt_id}/submit")
    return quiz_id, attempt_id, user


def test_essay_goes_to_the_queue_and_a_mark_makes_the_grade_final(
    app, db, client, login_as, make_quiz, make_app
):
    quiz_id, attempt_id, staff = _finish_with_essay(client, make_quiz, login_as)
    assert "Awaiting grading" in client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    graded = []
    trainer_app = make_app()
    trainer_app.extensions[HOOKS_KEY].connect("attempt_graded", graded.append)
    trainer = trainer_app.test_client()
    trainer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    from app.org.models import User
    from tests.conftest import TEST_PASSWORD

    with app.app_context():
        trainer_user = User(employee_no="GR1", name="阅卷人")
        trainer_user.set_roles(["trainer"])
        trainer_user.set_password(TEST_PASSWORD)
        db.session.add(trainer_user)
        db.session.commit()
    trainer.post("/login", data={"identifier": "GR1", "password": TEST_PASSWORD})
    queue = trainer.get("/grading/").get_data(as_text=True)
    assert 'data-testid="waiting">1<' in queue
    with app.app_context():
        slot_id = db.session.get(Attempt, attempt_id).slots[1].id
    page = trainer.get(f"/grading/slots/{slot_id}").get_data(as_text=True)
    assert "受理、调查、答复、回访。" in page and "受理、调查、答复、回访各 2.5 分" in page
    too_much = trainer.post(f"/grading/slots/{slot_id}", data={"mark": "11", "comment": ""})
    assert "The mark must be between 0 and 10." in too_much.get_data(as_text=True)
    trainer.post(f"/grading/slots/{slot_id}", data={"mark": "7.5", "comment": "要点基本齐全"})
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert not attempt.needs_grading
        assert attempt.mark == pytest.approx(100 * 8.5 / 11, rel=1e-4) and attempt.passed
        assert attempt.slots[1].comment == "要点基本齐全"
        assert db.session.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "attempt.grade")
        )
    assert [a.id for a in graded] == [attempt_id]
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert 'data-testid="review-grade"' in review and "Awaiting grading" not in review
    notices = client.get("/notifications").get_data(as_text=True)
    assert "Your grade for" in notices and "77.27 / 100" in notices
    assert "Nothing awaits a mark." in trainer.get("/grading/").get_data(as_text=True)


def test_regrade_dry_run_then_apply_with_audit(app, db, client, login_as, make_quiz, import_yaml):
    import_yaml(WRONG_KEY, name="key.yaml")
    quiz_id = make_quiz(fixed=("t-key",))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 1, q1=page_of(client, attempt_id).choice(1, "5个工作日"))
    client.post(f"/attempts/{attempt_id}/submit")
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).mark == 0.0
    fixed = WRONG_KEY.replace("fraction: 0, feedback: FB-FIVE", "fraction: 1, feedback: FB-FIVE")
    fixed = fixed.replace("fraction: 1, feedback: FB-TEN", "fraction: 0, feedback: FB-TEN")
    import_yaml(fixed, name="key.yaml")
    login_as("trainer")
    dry = client.get("/grading/questions/t-key/regrade").get_data(as_text=True)
    assert "1 response(s) use older versions; 1 mark(s) would change." in dry
    assert "0.00 → 100.00" in dry and "+100.00" in dry
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).mark == 0.0, "a dry run changes nothing"
    refused = client.post("/grading/questions/t-key/regrade", data={"reason": ""})
    assert refused.status_code == 200
    client.post("/grading/questions/t-key/regrade", data={"reason": "答案标错了"})
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.mark == 100.0 and attempt.passed
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attempt.regrade"))
        assert event.before["mark"] == 0.0 and event.after["mark"] == 100.0
        assert event.after["reason"] == "答案标错了" and event.actor_id is not None


def test_regrade_refuses_a_version_that_changed_what_people_saw(
    app, client, login_as, make_quiz, import_yaml
):
    import_yaml(WRONG_KEY, name="key.yaml")
    quiz_id = make_quiz(fixed=("t-key",))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    client.post(f"/attempts/{attempt_id}/submit")
    import_yaml(WRONG_KEY.replace("10个工作日", "15个工作日"), name="key.yaml")
    login_as("trainer")
    response = client.get("/grading/questions/t-key/regrade")
    assert response.status_code == 409
    assert "changes what people saw" in response.get_data(as_text=True)


def test_override_precedence_person_over_department_over_quiz(
    app, db, client, login_as, make_quiz, make_department
):
    from app.org.models import Department, User

    quiz_id = make_quiz(fixed=("t-tf",), time_limit_minutes=10, attempts_allowed=1)
    user = login_as("staff", department="测试公司/测试分中心/测试营业厅")
    branch = make_department("测试公司/测试分中心")
    hall = make_department("测试公司/测试分中心/测试营业厅")
    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        person = db.session.get(User, user.id)
        effective = queries.effective_settings
        assert effective(quiz, person).time_limit_minutes == 10
        services.set_override(
            None,
            quiz,
            department=db.session.get(Department, branch),
            time_limit_minutes=20,
            attempts_allowed=2,
        )
        assert (
            effective(quiz, person).time_limit_minutes,
            effective(quiz, person).attempts_allowed,
        ) == (20, 2)
        services.set_override(
            None, quiz, department=db.session.get(Department, hall), time_limit_minutes=30
        )
        assert (
            effective(quiz, person).time_limit_minutes,
            effective(quiz, person).attempts_allowed,
        ) == (30, 2)
        services.set_override(None, quiz, user=person, attempts_allowed=5)
        assert (
            effective(quiz, person).time_limit_minutes,
            effective(quiz, person).attempts_allowed,
        ) == (30, 5)
    page = client.get("/quizzes/").get_data(as_text=True)
    assert "30 minutes" in page and "<td>5</td>" in page
    start_at = freeze_now()
    attempt_id = start(client, quiz_id)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).deadline_at == start_at + timedelta(minutes=30)


def test_override_reopens_a_closed_quiz_for_one_person(app, db, client, login_as, make_quiz):
    from app.org.models import User

    now = freeze_now()
    quiz_id = make_quiz(fixed=("t-tf",), close_at=now - timedelta(days=1))
    user = login_as("staff")
    assert "No quizzes are open to you." in client.get("/quizzes/").get_data(as_text=True)
    with app.app_context():
        services.set_override(
            None,
            db.session.get(Quiz, quiz_id),
            user=db.session.get(User, user.id),
            close_at=now + timedelta(days=2),
        )
    assert start(client, quiz_id)


def test_override_pages(app, db, client, login_as, make_quiz, make_user):
    quiz_id = make_quiz(fixed=("t-tf",))
    make_user(employee_no="OV1")
    login_as("trainer")
    client.post(
        f"/quizzes/{quiz_id}/overrides",
        data={"employee_no": "OV1", "time_limit_minutes": 45, "department_id": 0},
    )
    page = client.get(f"/quizzes/{quiz_id}/overrides").get_data(as_text=True)
    assert "OV1" in page and "45 minutes" in page
    bad = client.post(
        f"/quizzes/{quiz_id}/overrides", data={"employee_no": "NOPE", "department_id": 0}
    )
    assert "No person has this employee number." in bad.get_data(as_text=True)


TIMES = ("immediately", "open", "closed")
ITEMS = ("marks", "correct", "feedback")
SUBSETS = [set(c) for n in range(4) for c in itertools.combinations(ITEMS, n)]


@pytest.mark.parametrize("when", TIMES)
@pytest.mark.parametrize("items", SUBSETS, ids=lambda s: "+".join(sorted(s)) or "none")
def test_every_review_option_combination(
    app, db, client, login_as, make_quiz, import_yaml, when, items
):
    import_yaml(WRONG_KEY, name="key.yaml")
    now = freeze_now()
    options = {time: [] for time in TIMES}
    options[when] = sorted(items)
    quiz_id = make_quiz(fixed=("t-key",), review_options=options, close_at=now + timedelta(days=1))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 1, q1=page_of(client, attempt_id).choice(1, "5个工作日"))
    client.post(f"/attempts/{attempt_id}/submit")
    clock.freeze(
        now
        + {
            "immediately": timedelta(seconds=30),
            "open": timedelta(hours=1),
            "closed": timedelta(days=2),
        }[when]
    )
    page = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert ('data-testid="review-grade"' in page) == ("marks" in items)
    assert ("The correct answer is" in page) == ("correct" in items)
    assert ("FB-FIVE" in page) == ("feedback" in items)
    assert ("GENERAL-FEEDBACK" in page) == ("feedback" in items)
    assert "FB-TEN" not in page, "the feedback of an answer not chosen is never shown"
    assert "5个工作日" in page, "the person's own answer is always shown"


def test_results_page_and_exports(app, db, client, login_as, make_quiz, make_user):
    quiz_id = make_quiz(fixed=("t-single",))
    for number, name in (("R1", '=HYPERLINK("http://x")'), ("R2", "王芳")):
        make_user(employee_no=number, name=name, department="测试公司/测试分中心/测试营业厅")
        with app.app_context():
            from app.org.models import User

            person = db.session.scalar(select(User).where(User.employee_no == number))
            attempt, _ = services.start_attempt(person, db.session.get(Quiz, quiz_id))
            services.save_response(attempt, 1, 0)
            services.submit_attempt(attempt)
    login_as("trainer")
    page = client.get(f"/grading/quizzes/{quiz_id}/results").get_data(as_text=True)
    assert "王芳" in page and "100.00" in page
    workbook = load_workbook(
        io.BytesIO(client.get(f"/grading/quizzes/{quiz_id}/results.xlsx").data)
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("employee_no", "name")
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["R2"] == "王芳"
    # formulas are neutralised: kept as text in a string cell with Excel's quote prefix
    r1 = next(row for row in workbook.active.iter_rows() if row[0].value == "R1")[1]
    assert r1.value == '=HYPERLINK("http://x")' and r1.data_type == "s" and r1.quotePrefix
    raw = client.get(f"/grading/quizzes/{quiz_id}/results.csv").data
    assert raw.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {r["employee_no"]: r["mark"] for r in records} == {"R1": "100.0", "R2": "100.0"}
    assert next(r for r in records if r["employee_no"] == "R1")["name"].startswith("'=")


def test_results_filters_and_constant_queries(
    app, db, client, login_as, make_quiz, make_user, count_queries
):
    from app.org.models import Department, User

    quiz_id = make_quiz(fixed=("t-tf", "t-single"))

    def take(number, dept):
        make_user(employee_no=number, department=dept)
        with app.app_context():
            person = db.session.scalar(select(User).where(User.employee_no == number))
            attempt, _ = services.start_attempt(person, db.session.get(Quiz, quiz_id))
            services.submit_attempt(attempt)

    take("F1", "测试公司/甲中心/一班")
    login_as("hr")
    with count_queries() as small:
        client.get(f"/grading/quizzes/{quiz_id}/results")
    for i in range(6):
        take(f"G{i}", "测试公司/乙中心/二班")
    with count_queries() as large:
        client.get(f"/grading/quizzes/{quiz_id}/results")
    assert large.n == small.n, large.statements
    with app.app_context():
        dept = db.session.scalar(select(Department.id).where(Department.name == "甲中心"))
    page = client.get(
        f"/grading/quizzes/{quiz_id}/results", query_string={"department": dept}
    ).get_data(as_text=True)
    assert "F1" in page and "G0" not in page


def test_a_comment_over_4_kb_is_refused(app, db, client, login_as, make_quiz):
    _quiz_id, attempt_id, _staff = _finish_with_essay(client, make_quiz, login_as)
    login_as("trainer")
    with app.app_context():
        slot_id = db.session.get(Attempt, attempt_id).slots[1].id
    page = client.post(
        f"/grading/slots/{slot_id}", data={"mark": "5", "comment": "评" * 1400}
    ).get_data(as_text=True)
    assert "At most 4 KB; this text is 4.1 KB." in page
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).slots[1].needs_grading


def test_regrade_is_linked_from_the_question_the_grading_page_and_results(
    client, login_as, make_quiz
):
    quiz_id, _attempt_id, _staff = _finish_with_essay(client, make_quiz, login_as)
    login_as("trainer")
    link = 'href="/grading/questions/t-single/regrade"'
    assert link in client.get("/bank/questions/t-single").get_data(as_text=True)
    assert link in client.get(f"/grading/quizzes/{quiz_id}").get_data(as_text=True)
    results = client.get(f"/grading/quizzes/{quiz_id}/results").get_data(as_text=True)
    assert link in results and "Regrade “居民办电时间”" in results
    # an essay is graded by hand: no regrade for it
    assert "/grading/questions/t-essay/regrade" not in results


def test_the_link_to_grade_an_answer_reads_pingfen(client, login_as, make_quiz):
    quiz_id, _attempt_id, _staff = _finish_with_essay(client, make_quiz, login_as)
    login_as("trainer")
    zh = {"Accept-Language": "zh-CN"}
    queue = client.get(f"/grading/quizzes/{quiz_id}", headers=zh).get_data(as_text=True)
    results = client.get(f"/grading/quizzes/{quiz_id}/results", headers=zh).get_data(as_text=True)
    for page in (queue, results):
        assert re.search(r'href="/grading/slots/\d+">评分</a>', page)
