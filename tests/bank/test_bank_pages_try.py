"""Preview and try: the question as staff see it, graded with the feedback it would give; the
choice order comes back from the seed in the form, never from server memory."""

import random
import re

import pytest

from app.bank.qtypes import QTYPES
from tests.bank.conftest import form_values
from tests.bank.test_import_service import EVERY_TYPE, SINGLE

WITH_FEEDBACK = """
category: 服务规范
questions:
  - id: t-fb
    qtype: single
    name: 抢修到达
    questiontext: 城区抢修平均到达现场时间？
    generalfeedback: 十项承诺（2023）第三条。
    correctfeedback: 全对！
    incorrectfeedback: 再看看第三条。
    defaultmark: 2
    answers:
      - {text: 45分钟, fraction: 1, feedback: 正确}
      - {text: 90分钟, fraction: 0, feedback: 这是农村的时限}
      - {text: 2小时, fraction: 0, feedback: 这是特殊边远地区}
"""


def _try_page(client, key, **query):
    response = client.get(f"/bank/questions/{key}/try", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _seed(page):
    return int(re.search(r'name="seed" type="hidden" value="(\d+)"', page).group(1))


def _section(page, testid):
    return re.search(rf'data-testid="{testid}">(.*?)</section>', page, re.S).group(1)


def _choice_position(seed, data, index):
    """Where answer ``index`` is shown in the order drawn from ``seed``."""
    order = QTYPES["single"].choice_order(data, True, random.Random(seed))
    return order.index(index)


def _data(app, key):
    from sqlalchemy import select

    from app.bank.models import Question
    from app.extensions import db

    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == key))
        return question.versions[-1].data


def test_try_shows_the_question_without_its_key(client, login_as, import_yaml):
    import_yaml(WITH_FEEDBACK)
    login_as("trainer")
    page = _try_page(client, "t-fb")
    shown = _section(page, "try-question")
    assert "城区抢修平均到达现场时间" in shown and "90分钟" in shown
    for secret in ("正确", "这是农村的时限", "十项承诺（2023）", "fraction"):
        assert secret not in shown
    assert 'name="answer"' in shown and _seed(page) >= 0


def test_the_right_answer_earns_the_mark_and_shows_every_feedback(
    app, client, login_as, import_yaml
):
    import_yaml(WITH_FEEDBACK)
    login_as("trainer")
    page = _try_page(client, "t-fb")
    position = _choice_position(_seed(page), _data(app, "t-fb"), 0)
    response = client.post(
        "/bank/questions/t-fb/try", data=form_values(page, "try-form", answer=str(position))
    )
    text = _section(response.get_data(as_text=True), "try-result")
    assert "Mark 2.00 out of 2.00" in text and "(100%)" in text
    assert "正确" in text and "全对！" in text and "十项承诺（2023）第三条。" in text
    assert "The correct answer is:" in text


def test_a_wrong_answer_shows_its_own_feedback(app, client, login_as, import_yaml):
    import_yaml(WITH_FEEDBACK)
    login_as("trainer")
    page = _try_page(client, "t-fb")
    position = _choice_position(_seed(page), _data(app, "t-fb"), 1)
    response = client.post(
        "/bank/questions/t-fb/try", data=form_values(page, "try-form", answer=str(position))
    )
    text = response.get_data(as_text=True)
    assert "Mark 0.00 out of 2.00" in text
    assert "这是农村的时限" in text and "再看看第三条。" in text
    assert "全对！" not in text


def test_the_order_comes_back_from_the_seed(app, client, login_as, import_yaml):
    import_yaml(WITH_FEEDBACK)
    login_as("trainer")
    page = _try_page(client, "t-fb")
    data = _data(app, "t-fb")
    for seed in (1, 2, 3, 4):
        sent = form_values(page, "try-form", seed=str(seed), answer="0")
        text = client.post("/bank/questions/t-fb/try", data=sent).get_data(as_text=True)
        first = QTYPES["single"].choice_order(data, True, random.Random(seed))[0]
        expected = "Mark 2.00" if first == 0 else "Mark 0.00"
        assert expected in text, seed
        assert f'name="seed" type="hidden" value="{seed}"' in text, "the same order is kept"


def _right_fields(qtype, data, seed):
    """A right response to ``data`` as form fields (choice positions found from the seed)."""
    order = QTYPES[qtype].choice_order(data, True, random.Random(seed))
    if qtype == "single":
        return {"answer": str(order.index(0))}
    if qtype == "multiple":
        return {"answer": [str(order.index(0)), str(order.index(1))]}
    if qtype == "truefalse":
        return {"answer": "1"}
    if qtype == "shortanswer":
        return {"answer": " 首问负责制 "}
    if qtype == "numerical":
        return {"answer": "5 天"}
    if qtype == "matching":
        answers = []
        for sub in data["subquestions"]:
            if sub["answer"] not in answers:
                answers.append(sub["answer"])
        choices = [answers[i] for i in order["choices"]]
        return {
            f"answer_sub{i}": str(choices.index(sub["answer"]))
            for i, sub in enumerate(data["subquestions"])
            if sub["text"]
        }
    return {"answer": "受理、调查、答复、回访。"}


@pytest.mark.parametrize("qtype", ["single", "multiple", "truefalse", "shortanswer", "numerical"])
def test_every_auto_graded_type_can_be_answered_right(app, client, login_as, import_yaml, qtype):
    report = import_yaml(EVERY_TYPE[qtype], name="x.yaml")
    key = report.items[0].key
    login_as("trainer")
    page = _try_page(client, key)
    fields = _right_fields(qtype, _data(app, key), _seed(page))
    response = client.post(
        f"/bank/questions/{key}/try", data=form_values(page, "try-form", **fields)
    )
    assert "Mark 1.00 out of 1.00" in response.get_data(as_text=True)


def test_matching_is_graded_per_item(app, client, login_as, import_yaml):
    import_yaml(EVERY_TYPE["matching"], name="x.yaml")
    login_as("trainer")
    page = _try_page(client, "t-match")
    fields = _right_fields("matching", _data(app, "t-match"), _seed(page))
    right = client.post("/bank/questions/t-match/try", data=form_values(page, "try-form", **fields))
    assert "Mark 1.00 out of 1.00" in right.get_data(as_text=True)
    one_left_out = {**fields, "answer_sub0": ""}
    partly = client.post(
        "/bank/questions/t-match/try", data=form_values(page, "try-form", **one_left_out)
    )
    assert "Mark 0.67 out of 1.00" in partly.get_data(as_text=True)


def test_an_essay_waits_for_a_trainer_and_a_description_has_nothing_to_answer(
    client, login_as, import_yaml
):
    import_yaml(EVERY_TYPE["essay"], name="e.yaml")
    import_yaml(EVERY_TYPE["description"], name="d.yaml")
    login_as("trainer")
    page = _try_page(client, "t-essay")
    answered = client.post(
        "/bank/questions/t-essay/try", data=form_values(page, "try-form", answer="先受理再调查")
    ).get_data(as_text=True)
    assert "A trainer marks this question" in answered and "先受理再调查" in answered
    assert "受理、调查、答复、回访各 2.5 分" not in answered, "grader information stays hidden"
    description = _try_page(client, "t-desc")
    assert "There is nothing to answer in a description." in description
    assert 'name="answer"' not in description


def test_an_older_version_can_be_tried(client, login_as, import_yaml):
    import_yaml(SINGLE)
    import_yaml(SINGLE.replace("5个工作日", "3个工作日"))
    login_as("trainer")
    latest = _section(_try_page(client, "t-single"), "try-question")
    older = _try_page(client, "t-single", version=1)
    assert "3个工作日" in latest and "5个工作日" in _section(older, "try-question")
    assert 'name="version" type="hidden" value="1"' in older
