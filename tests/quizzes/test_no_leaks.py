"""Nothing that gives an answer away reaches the browser while an attempt is in progress."""

import re

from tests.quizzes.conftest import page_of, save, start

LEAKY = """
category: 题库/泄露检查
questions:
  - id: leak-single
    qtype: single
    status: ready
    name: 泄露单选
    questiontext: 选哪个？
    generalfeedback: LEAK-GENERAL-1
    correctfeedback: LEAK-COMBINED-OK
    incorrectfeedback: LEAK-COMBINED-BAD
    answers:
      - {text: 甲, fraction: 1, feedback: LEAK-FB-A}
      - {text: 乙, fraction: 0, feedback: LEAK-FB-B}
      - {text: 丙, fraction: 0, feedback: LEAK-FB-C}
  - id: leak-multi
    qtype: multiple
    status: ready
    name: 泄露多选
    questiontext: 选哪些？
    generalfeedback: LEAK-GENERAL-2
    answers:
      - {text: 子, fraction: 0.5, feedback: LEAK-FB-D}
      - {text: 丑, fraction: 0.5, feedback: LEAK-FB-E}
      - {text: 寅, fraction: -1, feedback: LEAK-FB-F}
  - id: leak-tf
    qtype: truefalse
    status: ready
    name: 泄露判断
    questiontext: 对吗？
    correct: false
    truefeedback: LEAK-FB-TRUE
    falsefeedback: LEAK-FB-FALSE
  - id: leak-short
    qtype: shortanswer
    status: ready
    name: 泄露填空
    questiontext: 填什么？
    answers:
      - {text: LEAK-ANSWER-SHORT, fraction: 1, feedback: LEAK-FB-G}
  - id: leak-num
    qtype: numerical
    status: ready
    name: 泄露数值
    questiontext: 多少？
    answers:
      - {text: '31415', tolerance: 0, fraction: 1, feedback: LEAK-FB-H}
  - id: leak-match
    qtype: matching
    status: ready
    name: 泄露匹配
    questiontext: 连线
    subquestions:
      - {text: 左一, answer: 右一}
      - {text: 左二, answer: 右二}
      - {text: 左三, answer: 右三}
  - id: leak-essay
    qtype: essay
    status: ready
    name: 泄露问答
    questiontext: 论述
    graderinfo: LEAK-GRADERINFO
"""

MARKERS = ("LEAK-", "31415", "fraction", "choice_order", '"stems"', "graderinfo")


def _leaks(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]


def test_attempt_pages_and_responses_reveal_nothing(app, client, login_as, make_quiz, import_yaml):
    import_yaml(LEAKY, name="leaky.yaml")
    keys = (
        "leak-single",
        "leak-multi",
        "leak-tf",
        "leak-short",
        "leak-num",
        "leak-match",
        "leak-essay",
    )
    quiz_id = make_quiz(fixed=keys, questions_per_page=3, time_limit_minutes=30)
    login_as("staff")
    seen = [
        client.get("/quizzes/").get_data(as_text=True),
        client.get(f"/quizzes/{quiz_id}").get_data(as_text=True),
    ]
    attempt_id = start(client, quiz_id)
    for page in (1, 2, 3):
        seen.append(page_of(client, attempt_id, page).text)
    first = page_of(client, attempt_id, 1)
    for response in (
        save(client, attempt_id, 1, q1=first.choice(1, "甲")),
        save(client, attempt_id, 4, q4="LEAK-ANSWER-SHORT"),
        client.post(f"/attempts/{attempt_id}/page", data={"page": 1, "action": "save"}),
        client.get(f"/attempts/{attempt_id}/summary"),
        client.get(f"/attempts/{attempt_id}/review", follow_redirects=True),
        client.get("/home"),
    ):
        text = response.get_data(as_text=True).replace("LEAK-ANSWER-SHORT", "")
        seen.append(text)
    for text in seen:
        assert _leaks(text) == [], _leaks(text)
    # Choices are numbered per attempt in displayed order: 0..n-1, nothing else.
    values = re.findall(r'name="q1" id="q1-(\d+)" value="(\d+)"', seen[2])
    assert [int(v) for _i, v in values] == [0, 1, 2]


def test_review_shows_only_what_the_options_allow(
    app, db, client, login_as, make_quiz, import_yaml
):
    import_yaml(LEAKY, name="leaky.yaml")
    quiz_id = make_quiz(
        fixed=("leak-single",),
        review_options={
            "immediately": ["marks"],
            "open": [],
            "closed": ["marks", "correct", "feedback"],
        },
    )
    login_as("staff")
    attempt_id = start(client, quiz_id)
    save(client, attempt_id, 1, q1=page_of(client, attempt_id).choice(1, "乙"))
    client.post(f"/attempts/{attempt_id}/submit")
    review = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert 'data-testid="review-grade"' in review
    assert _leaks(review) == []
    from datetime import timedelta

    from app.core import clock

    clock.freeze(clock.now() + timedelta(minutes=5))  # later, while open: nothing
    later = client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert 'data-testid="review-grade"' not in later and _leaks(later) == []


def test_each_choice_group_names_its_question_and_each_list_its_item(client, login_as, make_quiz):
    """WCAG 2.1: a radio group's legend says which question it answers; a matching list is
    labelled by its item."""
    quiz_id = make_quiz(fixed=("t-single", "t-tf", "t-match"))
    login_as("staff")
    attempt_id = start(client, quiz_id)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    legends = re.findall(r"<legend[^>]*>(.*?)</legend>", page, re.S)
    assert '<span class="visually-hidden">Question 1 </span>Select one:' in legends
    assert '<span class="visually-hidden">Question 2 </span>Select one:' in legends
    selects = re.findall(r'<select[^>]*name="q3_sub\d+"[^>]*>', page)
    assert selects
    for select in selects:
        label_id = re.search(r'aria-labelledby="([^"]+)"', select).group(1)
        assert f'id="{label_id}"' in page
