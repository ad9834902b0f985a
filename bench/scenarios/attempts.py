"""attempt_save: the 200-staff quiz load, every acknowledged save checked afterwards.

Each simulated person takes a 20-question quiz again and again: start (or resume), load the
attempt page, one autosave request per answer as the page's script sends them, submit. Only
the saves are measured (requests, rate, latency); ``lost`` counts the saves acknowledged with
``applied: true`` whose (attempt, slot, sequence) is not in the database afterwards.
"""

import re

from sqlalchemy import select

from bench.registry import http_scenario
from bench.scenarios.web import STAFF_SESSIONS

N_QUESTIONS = 20
QUIZ_TITLE = "压测自动保存测验"
#: the radio inputs of a slot, with the text of their label
CHOICE = re.compile(
    r'<input[^>]*name="q(\d+)"[^>]*value="(\d+)"[^>]*>\s*<label[^>]*>(.*?)</label>', re.S
)
ATTEMPT_URL = re.compile(r"/attempts/(\d+)")


def single_choices(prefix: str, name: str, category: str, count: int) -> str:
    """A question file of ``count`` single-choice questions ``{prefix}-{i}`` in ``category``,
    each with 甲 right and 乙, 丙 wrong."""
    return f"category: {category}\nquestions:\n" + "".join(
        f"""  - id: {prefix}-{i}
    qtype: single
    status: ready
    name: {name}{i}
    questiontext: 第{i}题，选哪一个？
    answers:
      - {{text: 甲{i}, fraction: 1}}
      - {{text: 乙{i}, fraction: 0}}
      - {{text: 丙{i}, fraction: 0}}
"""
        for i in range(count)
    )


def _create_quiz(harness) -> dict:
    """A published quiz of 20 single-choice questions (甲 is right) open to every department."""
    from app.bank import services as bank_services
    from app.bench.data.org import COMPANY
    from app.extensions import db
    from app.org.models import Department
    from app.quizzes import services as quiz_services

    questions = single_choices("bench-save", "自动保存题", "压测/自动保存", N_QUESTIONS)
    bank_services.import_questions(
        None, [bank_services.decode_source(questions.encode(), "bench-save.yaml")]
    )
    quiz = quiz_services.create_quiz(
        None,
        title=QUIZ_TITLE,
        is_published=True,
        questions_per_page=0,
        time_limit_minutes=60,
        attempts_allowed=0,
    )
    for i in range(N_QUESTIONS):
        quiz_services.add_fixed_slot(None, quiz, f"bench-save-{i}")
    company = db.session.scalar(select(Department.id).where(Department.full_name == COMPANY))
    quiz_services.set_audience(None, quiz, department_ids=[company])
    return {"quiz_id": quiz.id}


def _lost_saves(harness, acks: list) -> int:
    """Acknowledged saves whose (attempt, slot number, sequence) is not stored."""
    from app.extensions import db
    from app.quizzes.models import AttemptSlot, ResponseStep

    attempt_ids = sorted({attempt_id for attempt_id, _slot, _seq in acks})
    stored: set[tuple[int, int, int]] = set()
    for start in range(0, len(attempt_ids), 500):
        rows = db.session.execute(
            select(AttemptSlot.attempt_id, AttemptSlot.number, ResponseStep.seq)
            .join(ResponseStep, ResponseStep.attempt_slot_id == AttemptSlot.id)
            .where(AttemptSlot.attempt_id.in_(attempt_ids[start : start + 500]))
        )
        stored.update(tuple(row) for row in rows)
    return sum(1 for item in acks if tuple(item) not in stored)


@http_scenario(
    "attempt_save",
    identity="staff",
    identities=STAFF_SESSIONS,
    measured=("save",),
    setup=_create_quiz,
    verify=_lost_saves,
)
def attempt_save(user):
    """Start (or resume) the quiz, load the page, save every answer, submit."""
    quiz_id = user.params["quiz_id"]
    response = user.post(f"/quizzes/{quiz_id}/start", {}, name="start", expect=(302,))
    match = ATTEMPT_URL.search(response.headers.get("Location", "") or "")
    if match is None:
        raise AssertionError(f"no attempt after start: HTTP {response.status_code}")
    attempt_id = int(match.group(1))
    page = user.get(f"/attempts/{attempt_id}", name="attempt_page").text or ""
    right: dict[int, str] = {}
    for slot, value, label in CHOICE.findall(page):
        if "甲" in label:
            right[int(slot)] = value
    for slot in range(1, N_QUESTIONS + 1):
        response = user.post(
            f"/attempts/{attempt_id}/save",
            {"slot": slot, f"q{slot}": right.get(slot, "0")},
            name="save",
            expect=(200,),
        )
        if response.status_code == 200:
            body = response.json()
            if body.get("applied"):
                user.ack([attempt_id, slot, body["seq"]])
    user.post(f"/attempts/{attempt_id}/submit", {}, name="submit", expect=(302,))
