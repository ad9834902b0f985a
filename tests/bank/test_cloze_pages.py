"""Cloze questions on the pages: authored in the bank's form with a live preview of the blanks,
tried as staff, answered inline on the attempt page, reviewed blank by blank, and in the API."""

import re

from sqlalchemy import select

from app.bank.models import Question
from app.quizzes.cli import CLOZE_TITLE
from tests.api.conftest import api_as, user_token  # noqa: F401  (fixtures shared)
from tests.bank.conftest import form_values
from tests.quizzes.conftest import bank, make_quiz, page_of, save, start  # noqa: F401

#: weights 1, 2, 1 (4 in all): a number, a typed answer with half credit, a drop-down list
CLOZE_YAML = """
category: 服务规范/十项承诺
questions:
  - id: cz-page
    qtype: cloze
    status: ready
    name: 抢修时限（多空）
    questiontext: |
      城区{1:NUMERICAL:=45#LEAK-FB-NUM}分钟，农村{2:SA:=LEAK-ANSWER-RURAL~%50%九十#LEAK-FB-HALF}，{1:MC:=甲#LEAK-FB-A~乙#LEAK-FB-B}。
    generalfeedback: LEAK-GENERAL
"""
LEAKS = ("LEAK-", "fraction", "45</", 'value="45"', "rightanswer", "text-bg-success")


def _leaks(text):
    return [marker for marker in LEAKS if marker in text]


def _data(app, key="cz-page"):
    from app.extensions import db

    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == key))
        return question.versions[-1].to_data()


def _option(page, name, label):
    """The value of the option called ``label`` in the select ``name``."""
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return next(v for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select_html)
                if t == label)  # fmt: skip


# --- authoring ---------------------------------------------------------------------------------


def test_a_trainer_writes_the_blanks_in_the_question_text(app, db, client, login_as):
    login_as("trainer", locale="zh_CN")
    page = client.get("/bank/questions/new?qtype=cloze").get_data(as_text=True)
    assert "Cloze 语法" in page and 'data-qtype="cloze"' in page
    assert 'name="answers-0-text"' not in page  # no answer rows: the text says it all
    values = form_values(
        page,
        "question-form",
        name="表单多空",
        category="培训/表单",
        questiontext="城区{1:NM:=45}分钟，农村{2:SA:=90分钟~%50%九十分钟}",
    )
    assert values["defaultmark"] == ""  # the sum of the weights unless the trainer says
    response = client.post("/bank/questions/new?qtype=cloze", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    key = response.headers["Location"].rsplit("/", 1)[1]
    saved = _data(app, key)
    assert saved.questiontext == "城区{#1}分钟，农村{#2}" and saved.defaultmark == 3.0
    assert [b["kind"] for b in saved.data["blanks"]] == ["numerical", "shortanswer"]
    # Editing shows the blanks back in the text, and the preview shows them as staff will.
    edit = client.get(f"/bank/questions/{key}/edit").get_data(as_text=True)
    assert "城区{1:NUMERICAL:=45}分钟，农村{2:SHORTANSWER:=90分钟~%50%九十分钟}" in edit
    assert 'aria-label="第 1 空"' in edit and 'data-testid="cloze-key"' in edit
    assert form_values(edit, "question-form")["defaultmark"] == ""


def test_a_malformed_blank_is_shown_on_the_question_text_and_nothing_is_saved(
    app, db, client, login_as
):
    login_as("trainer", locale="zh_CN")
    page = client.get("/bank/questions/new?qtype=cloze").get_data(as_text=True)
    values = form_values(
        page, "question-form", name="坏", category="培训", questiontext="a{1:SA:=x}\n{1:NM:=五}"
    )
    response = client.post("/bank/questions/new?qtype=cloze", data=values)
    assert response.status_code == 422
    problems = re.search(r'data-testid="form-problems".*?</ul>', response.get_data(as_text=True),
                         re.S).group(0)  # fmt: skip
    assert 'href="#questiontext"' in problems and "第 2 空：第 1 个答案：“五”不是数字" in problems
    with app.app_context():
        assert db.session.scalar(select(Question.id)) is None


def test_the_live_preview_shows_the_blanks_or_their_problems(client, login_as):
    login_as("trainer", locale="zh_CN")
    url = "/bank/preview"
    shown = client.post(url, json={"text": "城区{1:NM:=45}分钟{1:MC:=甲~乙}", "qtype": "cloze"})
    html = shown.get_json()["html"]
    assert "<select" in html and 'aria-label="第 2 空"' in html and "cloze-key" in html
    broken = client.post(url, json={"text": "x\n{1:FOO:=a}", "qtype": "cloze"}).get_json()["html"]
    assert "第 2 行：第 1 空：未知的空类型“FOO”" in broken
    plain = client.post(url, json={"text": "城区{1:NM:=45}", "format": "markdown"}).get_json()
    assert "<select" not in plain["html"] and "{1:NM:=45}" in plain["html"]


def test_try_as_staff_grades_each_blank(app, client, login_as, import_yaml):
    import_yaml(CLOZE_YAML)
    login_as("trainer")
    page = client.get("/bank/questions/cz-page/try").get_data(as_text=True)
    tried = re.search(r'data-testid="try-question">(.*?)</form>', page, re.S).group(1)
    assert 'name="answer_b1"' in tried and _leaks(tried) == []
    values = form_values(page, "try-form", answer_b1="45", answer_b2="九十")
    values["answer_b3"] = _option(page, "answer_b3", "乙")
    result = client.post("/bank/questions/cz-page/try", data=values).get_data(as_text=True)
    # (1×1 + 2×0.5 + 1×0) / 4 = 50% of the mark 4
    assert re.search(r"Mark 2.00 out of 4.00|得分 2.00[^<]*4.00", result), result[:2000]
    assert "LEAK-FB-HALF" in result and "LEAK-FB-B" in result


def test_the_question_page_previews_and_shows_the_key(client, login_as, import_yaml):
    import_yaml(CLOZE_YAML)
    login_as("trainer")
    page = client.get("/bank/questions/cz-page").get_data(as_text=True)
    preview = re.search(r'data-testid="question-preview">(.*?)</section>', page, re.S).group(1)
    assert 'name="preview-' in preview and "LEAK-FB" not in preview
    assert "LEAK-ANSWER-RURAL" in page  # the answer key section


# --- taking a quiz -----------------------------------------------------------------------------


def _cloze_quiz(import_yaml, make_quiz, **settings):  # noqa: F811
    import_yaml(CLOZE_YAML, name="cloze.yaml")
    return make_quiz(fixed=("cz-page",), **settings)


def test_the_attempt_page_puts_labelled_controls_in_the_sentence_and_leaks_nothing(
    client,
    login_as,
    import_yaml,
    make_quiz,  # noqa: F811
):
    quiz_id = _cloze_quiz(import_yaml, make_quiz)
    login_as("staff", locale="zh_CN")
    attempt_id = start(client, quiz_id)
    page = page_of(client, attempt_id).text
    body = re.search(r'data-slot="1".*?</section>', page, re.S).group(0)
    assert body.index("城区") < body.index('name="q1_b1"') < body.index("分钟，农村")
    for number in (1, 2, 3):
        assert f'aria-label="第 {number} 空"' in body
    assert _leaks(page) == []


def test_saved_blanks_come_back_and_the_review_marks_each_one(
    client,
    login_as,
    import_yaml,
    make_quiz,  # noqa: F811
):
    review_options = {"immediately": ["marks", "correct", "feedback"], "open": [], "closed": []}
    quiz_id = _cloze_quiz(import_yaml, make_quiz, review_options=review_options)
    login_as("staff")
    attempt_id = start(client, quiz_id)
    page = page_of(client, attempt_id).text
    chosen = _option(page, "q1_b3", "乙")
    answer = save(client, attempt_id, 1, q1_b1="45", q1_b2="九十", q1_b3=chosen)
    assert answer.status_code == 200 and answer.get_json()["applied"]
    again = page_of(client, attempt_id).text
    assert 'value="45"' in again and 'value="九十"' in again and _leaks(again.replace(
        'value="45"', "")) == []  # fmt: skip
    client.post(f"/attempts/{attempt_id}/submit")
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    # (1×1 + 2×0.5 + 1×0) / 4 of 1 mark
    assert re.search(r'data-testid="review-grade">\s*50.00 / 100', review)
    question = re.search(r'id="r1".*?</section>', review, re.S).group(0)
    assert question.count("text-bg-success") == 1
    assert question.count("text-bg-warning") == 1
    assert question.count("text-bg-danger") == 1
    assert "LEAK-FB-HALF" in question and "LEAK-ANSWER-RURAL" in question


# --- the API -----------------------------------------------------------------------------------


def test_the_api_shows_the_blanks_and_takes_a_response_per_blank(
    client,
    api_as,  # noqa: F811
    import_yaml,
    make_quiz,  # noqa: F811
):
    quiz_id = _cloze_quiz(import_yaml, make_quiz)
    _user, headers = api_as("staff")
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers).get_json()
    [question] = attempt["questions"]
    assert question["qtype"] == "cloze" and "{#1}" in question["text"]
    assert [(b["id"], b["type"], b["mark"]) for b in question["blanks"]] == [
        (1, "numerical", 1),
        (2, "shortanswer", 2),
        (3, "single", 1),
    ]
    choices = question["blanks"][2]["choices"]
    assert [c["text"] for c in choices] == ["甲", "乙"] and _leaks(str(attempt)) == []
    url = f"/api/v1/attempts/{attempt['id']}/responses/1"
    response = {"blanks": ["45", None, choices[0]["id"]]}
    assert client.put(url, headers=headers, json={"response": response}).status_code == 200
    state = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()
    assert state["questions"][0]["response"] == response
    refused = client.put(url, headers=headers, json={"response": {"blanks": [None, None, "甲"]}})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["response.blanks.2"]


# --- the demo quiz -----------------------------------------------------------------------------


def test_the_demo_seeder_makes_a_cloze_quiz_open_to_every_department(
    app, db, make_user, make_department
):
    from pathlib import Path

    from app.bank import services as bank_services
    from app.org.models import Department, User
    from app.quizzes.cli import _seed_cloze_quiz
    from app.quizzes.models import Quiz

    demo = Path(__file__).resolve().parents[2] / "question_bank/service/commitments_cloze.yaml"
    trainer = make_user(("trainer",), employee_no="T001", department=None, job_role=None)
    make_department("测试公司")
    with app.app_context():
        source = bank_services.read_source(demo)
        bank_services.import_questions(None, [source])
        company = db.session.scalar(select(Department).where(Department.parent_id.is_(None)))
        assert _seed_cloze_quiz(db.session.get(User, trainer.id), company) == 1
        quiz = db.session.scalar(select(Quiz).where(Quiz.title == CLOZE_TITLE))
        assert quiz.is_published and len(quiz.slots) >= 10
        assert [a.department_id for a in quiz.audience] == [company.id]
