"""Taking a quiz through the API: start, save every type, resume, submit, review."""

import json
from datetime import timedelta

from app.core import clock
from tests.quizzes.conftest import freeze_now

EVERY_KEY = ("t-single", "t-multiple", "t-tf", "t-short", "t-num", "t-match", "t-essay", "t-desc")


def _id_of(items, text):
    """The per-attempt id of the item showing ``text``."""
    return next(item["id"] for item in items if item["text"] == text)


def _start(client, headers, quiz_id):
    return client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=headers)


def _put(client, headers, attempt_id, slot, response, seq=None):
    body = {"response": response}
    if seq is not None:
        body["seq"] = seq
    return client.put(f"/api/v1/attempts/{attempt_id}/responses/{slot}", headers=headers, json=body)


def _answers(questions):
    """The right response to each question of EVERY_KEY, in the API's form, by slot."""
    by_type = {q["qtype"]: q for q in questions}
    single, multiple, match = by_type["single"], by_type["multiple"], by_type["matching"]
    return {
        single["slot"]: {"choice": _id_of(single["choices"], "5个工作日")},
        multiple["slot"]: {"choices": sorted(_id_of(multiple["choices"], t) for t in ("甲", "乙"))},
        by_type["truefalse"]["slot"]: {"value": True},
        by_type["shortanswer"]["slot"]: {"text": "首问负责制"},
        by_type["numerical"]["slot"]: {"value": "5", "unit": "天"},
        match["slot"]: {
            "pairs": {
                str(_id_of(match["subquestions"], stem)): _id_of(match["answers"], answer)
                for stem, answer in (
                    ("CTR", "营业厅柜员"),
                    ("CC", "客服座席"),
                    ("MI", "装表接电工"),
                )
            }
        },
        by_type["essay"]["slot"]: {"text": "受理、调查、答复、回访。"},
    }


def test_a_whole_attempt_through_the_api(client, api_as, make_quiz):
    quiz_id = make_quiz(fixed=EVERY_KEY)
    _user, headers = api_as("staff")

    started = _start(client, headers, quiz_id)
    assert started.status_code == 201
    attempt = started.get_json()
    assert set(attempt) == {"id", "deadline_at", "questions"} and attempt["deadline_at"] is None
    questions = attempt["questions"]
    assert [q["slot"] for q in questions] == list(range(1, 9))
    assert {q["question_id"] for q in questions} == set(EVERY_KEY)
    single = next(q for q in questions if q["qtype"] == "single")
    assert sorted(c["id"] for c in single["choices"]) == [1, 2]
    match = next(q for q in questions if q["qtype"] == "matching")
    assert len(match["subquestions"]) == 3 and len(match["answers"]) == 4
    assert "choices" not in match and "subquestions" not in single
    text = json.dumps(started.get_json(), ensure_ascii=False)
    for leak in ("fraction", "feedback", "正确", "不对", "graderinfo"):
        assert leak not in text

    answers = _answers(questions)
    for slot, response in answers.items():
        saved = _put(client, headers, attempt["id"], slot, response)
        assert saved.status_code == 200, saved.get_json()
        assert saved.get_json()["applied"] is True
        assert saved.get_json()["saved_at"].endswith("Z")

    # An out-of-order save: the newer sequence number wins whatever arrives last.
    slot = single["slot"]
    wrong = {"choice": _id_of(single["choices"], "10个工作日")}
    assert _put(client, headers, attempt["id"], slot, answers[slot], seq=4 * 10**15).json["applied"]
    late = _put(client, headers, attempt["id"], slot, wrong, seq=3 * 10**15)
    assert late.status_code == 200 and late.get_json()["applied"] is False

    resumed = _start(client, headers, quiz_id)
    assert resumed.status_code == 200
    assert resumed.get_json() == attempt  # same attempt, same frozen order

    state = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()
    assert state["state"] == "in_progress" and state["quiz_id"] == quiz_id
    read_back = {q["slot"]: q["response"] for q in state["questions"]}
    assert read_back == {**answers, 8: None}

    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    assert submitted.status_code == 200
    result = submitted.get_json()
    assert result == {
        "state": "finished",
        "mark": None,
        "max_mark": 100.0,
        "passed": None,
        "needs_grading": True,
    }
    again = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    assert again.status_code == 200 and again.get_json() == result

    closed = _put(client, headers, attempt["id"], 1, answers[1])
    assert closed.status_code == 409 and closed.get_json()["code"] == "attempt_closed"

    review = client.get(f"/api/v1/attempts/{attempt['id']}/review", headers=headers)
    assert review.status_code == 200
    body = review.get_json()
    assert body["review"] == ["marks"]  # right after the finish: marks only (the defaults)
    by_slot = {q["slot"]: q for q in body["questions"]}
    assert by_slot[single["slot"]]["earned_mark"] == 1.0
    assert by_slot[single["slot"]]["response"] == answers[single["slot"]]
    essay = next(q for q in body["questions"] if q["qtype"] == "essay")
    assert essay["earned_mark"] is None  # awaiting a trainer
    assert all(q["right_answer"] is None and q["feedback"] is None for q in body["questions"])


def test_a_fully_graded_attempt_reports_mark_and_pass(client, api_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-single", "t-tf"), pass_mark=60)
    _user, headers = api_as("staff")
    attempt = _start(client, headers, quiz_id).get_json()
    by_type = {q["qtype"]: q for q in attempt["questions"]}
    single = by_type["single"]
    _put(
        client,
        headers,
        attempt["id"],
        single["slot"],
        {"choice": _id_of(single["choices"], "5个工作日")},
    )
    _put(client, headers, attempt["id"], by_type["truefalse"]["slot"], {"value": False})
    result = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers).get_json()
    assert result == {
        "state": "finished",
        "mark": 50.0,
        "max_mark": 100.0,
        "passed": False,
        "needs_grading": False,
    }


def test_review_after_the_close_shows_right_answers_in_the_api_form(client, api_as, make_quiz):
    freeze_now()
    quiz_id = make_quiz(
        fixed=("t-single", "t-num", "t-match"), close_at=clock.now() + timedelta(hours=1)
    )
    _user, headers = api_as("staff")
    attempt = _start(client, headers, quiz_id).get_json()
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    freeze_now(timedelta(hours=2))
    body = client.get(f"/api/v1/attempts/{attempt['id']}/review", headers=headers).get_json()
    assert body["review"] == ["marks", "correct", "feedback"]
    by_type = {q["qtype"]: q for q in body["questions"]}
    single = by_type["single"]
    assert single["right_answer"] == {"choice": _id_of(single["choices"], "5个工作日")}
    assert by_type["numerical"]["right_answer"] == {"value": "5", "unit": "天"}
    match = by_type["matching"]
    assert match["right_answer"] == {
        "pairs": {
            str(_id_of(match["subquestions"], stem)): _id_of(match["answers"], answer)
            for stem, answer in (("CTR", "营业厅柜员"), ("CC", "客服座席"), ("MI", "装表接电工"))
        }
    }
    assert all(q["response"] is None and q["earned_mark"] == 0.0 for q in body["questions"])


def test_a_response_that_does_not_fit_the_type_is_a_422_with_its_field(client, api_as, make_quiz):
    quiz_id = make_quiz(fixed=EVERY_KEY)
    _user, headers = api_as("staff")
    attempt = _start(client, headers, quiz_id).get_json()
    slot_of = {q["qtype"]: q["slot"] for q in attempt["questions"]}
    cases = [
        ("single", {"choice": 3}, "response.choice"),
        ("single", {"choices": [1]}, "response.choices"),
        ("multiple", {"choices": [1, 9]}, "response.choices.1"),
        ("truefalse", {"value": "yes"}, "response.value"),
        ("shortanswer", {"text": 5}, "response.text"),
        ("numerical", {"value": "五"}, "response.value"),
        ("numerical", {"value": "5", "unit": 3}, "response.unit"),
        ("matching", {"pairs": {"7": 1}}, "response.pairs.7"),
        ("matching", {"pairs": {"1": 9}}, "response.pairs.1"),
        ("description", {"text": "x"}, "response"),
    ]
    for qtype, response, field in cases:
        answer = _put(client, headers, attempt["id"], slot_of[qtype], response)
        assert answer.status_code == 422, (qtype, response)
        body = answer.get_json()
        assert body["code"] == "invalid_response"
        assert [e["field"] for e in body["errors"]] == [field], (qtype, response)
    not_an_object = _put(client, headers, attempt["id"], 1, "5")
    assert not_an_object.status_code == 422
    assert not_an_object.get_json()["errors"][0]["field"] == "response"
    missing_slot = _put(client, headers, attempt["id"], 99, {"choice": 1})
    assert missing_slot.status_code == 404


def test_a_save_after_the_deadline_is_a_409_and_finishes_the_attempt(client, api_as, make_quiz):
    freeze_now()
    quiz_id = make_quiz(fixed=("t-tf",), time_limit_minutes=5)
    _user, headers = api_as("staff")
    attempt = _start(client, headers, quiz_id).get_json()
    assert attempt["deadline_at"] == "2026-11-27T09:05:00Z"
    assert _put(client, headers, attempt["id"], 1, {"value": True}).status_code == 200
    freeze_now(timedelta(minutes=6))
    late = _put(client, headers, attempt["id"], 1, {"value": False})
    assert late.status_code == 409 and late.get_json()["code"] == "attempt_closed"
    state = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()
    assert state["state"] == "finished" and state["mark"] == 100.0
    assert state["questions"][0]["response"] == {"value": True}


def test_clearing_a_response(client, api_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-multiple",))
    _user, headers = api_as("staff")
    attempt = _start(client, headers, quiz_id).get_json()
    assert _put(client, headers, attempt["id"], 1, {"choices": [1]}).status_code == 200
    assert _put(client, headers, attempt["id"], 1, {"choices": []}).status_code == 200
    state = client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json()
    assert state["questions"][0]["response"] is None


def test_my_quizzes_lists_what_i_can_attempt_now(client, api_as, make_quiz):
    freeze_now()
    open_id = make_quiz(title="开放", attempts_allowed=2, time_limit_minutes=30)
    make_quiz(title="未开始", open_at=clock.now() + timedelta(days=1))
    make_quiz(title="别的部门", audience="别的公司")
    _user, headers = api_as("staff")
    answer = client.get("/api/v1/me/quizzes", headers=headers)
    assert answer.status_code == 200
    assert answer.get_json()["items"] == [
        {
            "id": open_id,
            "title": "开放",
            "time_limit_minutes": 30,
            "attempts_left": 2,
            "close_at": None,
        }
    ]
    assert json.loads(answer.headers["X-Pagination"])["total"] == 1


def test_someone_elses_attempt_is_refused(client, api_as, make_quiz):
    quiz_id = make_quiz()
    _owner, owner_headers = api_as("staff")
    _other, other_headers = api_as("staff")
    attempt = _start(client, owner_headers, quiz_id).get_json()
    for method, url in (
        ("GET", f"/api/v1/attempts/{attempt['id']}"),
        ("POST", f"/api/v1/attempts/{attempt['id']}/submit"),
        ("GET", f"/api/v1/attempts/{attempt['id']}/review"),
    ):
        answer = client.open(url, method=method, headers=other_headers)
        assert answer.status_code == 403, url
    assert _put(client, other_headers, attempt["id"], 1, {"choice": 1}).status_code == 403


def test_review_of_an_attempt_in_progress_is_a_409(client, api_as, make_quiz):
    quiz_id = make_quiz()
    _user, headers = api_as("staff")
    attempt = _start(client, headers, quiz_id).get_json()
    answer = client.get(f"/api/v1/attempts/{attempt['id']}/review", headers=headers)
    assert answer.status_code == 409 and answer.get_json()["code"] == "attempt_in_progress"


def test_a_quiz_outside_my_audience_is_not_found_and_a_closed_one_conflicts(
    client, api_as, make_quiz
):
    freeze_now()
    elsewhere = make_quiz(audience="别的公司")
    later = make_quiz(open_at=clock.now() + timedelta(days=1))
    _user, headers = api_as("staff")
    assert _start(client, headers, elsewhere).status_code == 404
    refused = _start(client, headers, later)
    assert refused.status_code == 409 and refused.get_json()["code"] == "quiz_unavailable"


def test_service_tokens_cannot_take_quizzes(client, service_token, make_quiz):
    quiz_id = make_quiz()
    headers = service_token("training:read")
    answer = _start(client, headers, quiz_id)
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "user_token_required"
    assert client.get("/api/v1/me/quizzes", headers=headers).status_code == 403


def test_a_revoked_token_no_longer_works(client, api_as):
    _user, headers = api_as("staff")
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["code"] == "invalid_token"


def test_a_trainer_reviews_a_learners_attempt_in_full(client, api_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-single",))
    _learner, headers = api_as("staff")
    attempt = _start(client, headers, quiz_id).get_json()
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers)
    _trainer, trainer_headers = api_as("trainer")
    body = client.get(f"/api/v1/attempts/{attempt['id']}/review", headers=trainer_headers)
    assert body.status_code == 200
    assert body.get_json()["review"] == ["marks", "correct", "feedback"]
    single = body.get_json()["questions"][0]
    assert single["right_answer"] == {"choice": _id_of(single["choices"], "5个工作日")}
    refused = client.get(f"/api/v1/attempts/{attempt['id']}", headers=trainer_headers)
    assert refused.status_code == 403  # reviewing is not taking it over


def test_an_essay_over_64_kb_is_refused_with_the_limit(client, api_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-essay",))
    _user, headers = api_as("staff")
    attempt = _start(client, headers, quiz_id).get_json()
    slot = attempt["questions"][0]["slot"]
    refused = _put(client, headers, attempt["id"], slot, {"text": "答" * 22_000})  # 66 KB
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["code"] == "invalid_response" and "64 KB" in body["message"]
    assert body["errors"][0]["field"] == "response"
    assert _put(client, headers, attempt["id"], slot, {"text": "答" * 21_000}).status_code == 200
