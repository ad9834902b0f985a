"""Generator step "quizzes and attempts": a quiz per competency domain and graded attempts.

Quizzes are made by the quiz services (a random slot drawing the domain's choice and
true/false questions, open to the whole company). Attempts are written in bulk, shaped as
``start_attempt`` / ``save_response`` / ``submit_attempt`` leave them: frozen slots with their
choice order, one response step per answered slot, marks from the question type's own
``grade``, the attempt's total and its per-competency results. Who answers right depends on the
person's ability and the question's difficulty; attempts spread over the last ``periods``
months.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import timedelta

from app.bank import services as bank_services
from app.bank.qtypes import QTYPES
from app.bench.data.bank import DOMAINS, OBJECTIVE_TAG, PoolQuestion
from app.bench.data.base import Context, bulk_insert, next_id
from app.quizzes import services as quiz_services
from app.quizzes.models import (
    Attempt,
    AttemptCompetencyResult,
    AttemptSlot,
    ResponseStep,
)

QUESTIONS_PER_QUIZ = 20
PER_PAGE = 5
TIME_LIMIT_MINUTES = 30
PASS_MARK = 60.0
#: attempts written per batch (bounds memory whatever --attempts is)
BATCH = 1000
DAYS_PER_PERIOD = 30.4


def _wrong_response(qtype: str, data: dict, rng: random.Random):
    """A plausible wrong (or partly right) answer of the three generated types."""
    if qtype == "truefalse":
        return not bool(data["correct"])
    answers = data["answers"]
    if qtype == "single":
        wrong = [i for i, a in enumerate(answers) if a["fraction"] < 1]
        return rng.choice(wrong)
    right = [i for i, a in enumerate(answers) if a["fraction"] > 0]
    wrong = [i for i, a in enumerate(answers) if a["fraction"] <= 0]
    picked = set(rng.sample(right, rng.randrange(len(right)))) | {rng.choice(wrong)}
    return sorted(picked)


def _response(question: PoolQuestion, ability: float, rng: random.Random):
    """The person's answer: right with a probability from ability and difficulty."""
    chance = 1 / (1 + math.exp(-(1.0 + ability - (question.difficulty - 2) * 0.9)))
    if rng.random() < chance:
        return QTYPES[question.qtype].correct_response(question.data)
    return _wrong_response(question.qtype, question.data, rng)


def _quizzes(ctx: Context) -> list[tuple[str, int, int, list[PoolQuestion]]]:
    """Create one published quiz per domain with questions; (domain, quiz id, slot id, pool)."""
    pools: dict[str, list[PoolQuestion]] = ctx.shared["pools"]
    opened = ctx.now - timedelta(days=DAYS_PER_PERIOD * ctx.params.periods + 1)
    made = []
    for domain, pool in pools.items():
        category = bank_services.category_by_path(
            f"{ctx.shared['bank_root']}/{domain} {DOMAINS.get(domain, domain)}"
        )
        if category is None or not pool:
            continue
        quiz = quiz_services.create_quiz(
            None,
            title=f"{DOMAINS.get(domain, domain)}月度测验",
            description="压测数据生成的测验。",
            is_published=True,
            questions_per_page=PER_PAGE,
            time_limit_minutes=TIME_LIMIT_MINUTES,
            attempts_allowed=0,
            pass_mark=PASS_MARK,
            open_at=opened,
        )
        slot = quiz_services.add_random_slot(
            None,
            quiz,
            category,
            draw_count=min(QUESTIONS_PER_QUIZ, len(pool)),
            tag=OBJECTIVE_TAG,
        )
        quiz_services.set_audience(None, quiz, department_ids=[ctx.shared["company_id"]])
        made.append((domain, quiz.id, slot.id, pool))
    return made


def generate(ctx: Context) -> str:
    """Create the quizzes, then ``attempts`` finished and graded attempts in batches."""
    rng = ctx.rng("quizzes and attempts")
    quizzes = _quizzes(ctx)
    people = ctx.shared["people"]
    ctx.shared["quiz_by_domain"] = {domain: quiz_id for domain, quiz_id, _s, _p in quizzes}
    if not quizzes or not people:
        return f"{len(quizzes)} quizzes, no attempts (no questions or no staff)"
    attempt_id, slot_id, step_id = next_id(Attempt), next_id(AttemptSlot), next_id(ResponseStep)
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    span_minutes = int(DAYS_PER_PERIOD * ctx.params.periods * 24 * 60)
    totals = {"attempts": 0, "slots": 0, "passed": 0, "results": 0}
    remaining = ctx.params.attempts
    while remaining > 0:
        batch = min(BATCH, remaining)
        remaining -= batch
        attempts, slots, steps, results = [], [], [], []
        for _ in range(batch):
            person = rng.choice(people)
            _domain, quiz_id, quiz_slot_id, pool = rng.choice(quizzes)
            numbers[(quiz_id, person.id)] += 1
            started = ctx.now - timedelta(minutes=rng.randint(60, span_minutes))
            finished = started + timedelta(minutes=rng.randint(6, TIME_LIMIT_MINUTES - 2))
            drawn = rng.sample(pool, min(QUESTIONS_PER_QUIZ, len(pool)))
            earned_by: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
            raw_mark = 0.0
            for index, question in enumerate(drawn):
                qtype = QTYPES[question.qtype]
                response = _response(question, person.ability, rng)
                fraction = qtype.grade(question.data, response)
                saved = started + (finished - started) * (index + 1) / (len(drawn) + 1)
                slots.append(
                    {
                        "id": slot_id,
                        "attempt_id": attempt_id,
                        "number": index + 1,
                        "page": index // PER_PAGE + 1,
                        "quiz_slot_id": quiz_slot_id,
                        "question_version_id": question.version_id,
                        "max_mark": 1.0,
                        "choice_order": qtype.choice_order(question.data, True, rng),
                        "fraction": fraction,
                        "mark": fraction,
                        "needs_grading": False,
                        "graded_at": finished,
                        "grader_id": None,
                        "comment": "",
                    }
                )
                steps.append(
                    {
                        "id": step_id,
                        "attempt_slot_id": slot_id,
                        "seq": int(saved.timestamp() * 1000),
                        "value": response,
                        "saved_at": saved,
                    }
                )
                raw_mark += fraction
                for code in question.codes:
                    row = earned_by[(code, question.difficulty)]
                    row[0] += fraction
                    row[1] += 1.0
                    row[2] += 1
                slot_id += 1
                step_id += 1
            mark = round(raw_mark * 100.0 / len(drawn), 5)
            attempts.append(
                {
                    "id": attempt_id,
                    "quiz_id": quiz_id,
                    "user_id": person.id,
                    "number": numbers[(quiz_id, person.id)],
                    "is_preview": False,
                    "state": "finished",
                    "started_at": started,
                    "deadline_at": started + timedelta(minutes=TIME_LIMIT_MINUTES),
                    "finished_at": finished,
                    "last_saved_at": steps[-1]["saved_at"],
                    "raw_mark": raw_mark,
                    "raw_max": float(len(drawn)),
                    "mark": mark,
                    "max_mark": 100.0,
                    "passed": mark >= PASS_MARK - 1e-9,
                    "needs_grading": False,
                }
            )
            results.extend(
                {
                    "attempt_id": attempt_id,
                    "code": code,
                    "difficulty": difficulty,
                    "earned": earned,
                    "available": available,
                    "n_questions": n,
                }
                for (code, difficulty), (earned, available, n) in earned_by.items()
            )
            totals["passed"] += mark >= PASS_MARK - 1e-9
            attempt_id += 1
        totals["attempts"] += bulk_insert(ctx, Attempt, attempts)
        totals["slots"] += bulk_insert(ctx, AttemptSlot, slots)
        bulk_insert(ctx, ResponseStep, steps)
        totals["results"] += bulk_insert(ctx, AttemptCompetencyResult, results)
    return (
        f"{len(quizzes)} quizzes; {totals['attempts']} graded attempts "
        f"({totals['passed']} passed), {totals['slots']} answered questions, "
        f"{totals['results']} per-competency results"
    )
