"""Demo competency evidence: a history of graded assessment quizzes and a few ratings.

Six domain assessments ("SV 服务理念与规范礼仪 能力测评" …) draw three questions per competency and
difficulty from the demo bank; over the last eighteen months most demo staff took most of them.
Attempts go through the real quiz engine (draw, grade, per-competency results) with answers
simulated from each person's skill, so the matrix shows a realistic spread: most people with a
level in most competencies, some gaps, some with none. Two counter clerks of 中山路营业厅 are
planted for the training-needs demo (README): S0008 is weak in CM2 (level 2 of the 4 required)
and strong in CM1; S0009 meets CM1 and CM2 at level 4.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.bank.qtypes import QTYPES
from app.competencies import queries
from app.competencies.models import Competency
from app.competencies.services import evidence
from app.core import clock
from app.core.uow import unit_of_work
from app.extensions import db
from app.org.models import Department, User
from app.quizzes import services as quizzes
from app.quizzes.models import Quiz, ResponseStep

TITLE = "{code} {name}能力测评"
DESCRIPTION = "：每个能力项按难度一至三各抽 3 题，用于评定能力等级。"
#: employee number -> code -> share of right answers per difficulty (deterministic)
PLANTED = {
    "S0008": {
        "CM2": {1: 1.0, 2: 2 / 3, 3: 0.0},
        "CM1": {1: 1.0, 2: 1.0, 3: 1.0},
        "SV1": {1: 1.0, 2: 1.0, 3: 0.0},
        "SV2": {1: 1.0, 2: 1.0, 3: 0.0},
    },
    "S0009": {"CM1": {1: 1.0, 2: 1.0, 3: 1.0}, "CM2": {1: 1.0, 2: 1.0, 3: 1.0}},
}
#: (rater, person, code, level, comment): the planted clerks' manager observed them on the job
PLANTED_RATINGS = (
    ("M001", "S0008", "CM1", 4, "能准确复述客户诉求，追问到位。"),
    ("M001", "S0009", "CM1", 4, "倾听耐心，需求识别准确，可带教新员工。"),
    ("M001", "S0009", "CM2", 4, "多次化解激动客户的情绪，处置得当。"),
)


def _paper(code: str, difficulty: int, used: set[int], rng: random.Random, wanted: int = 3):
    """Keys of ``wanted`` ready questions of a competency and difficulty not in the paper yet,
    preferring questions that test this competency alone (so every result is unambiguous)."""
    from sqlalchemy import func

    from app.bank.models import Question, QuestionCompetency, QuestionVersion

    n_codes = (
        select(func.count())
        .where(QuestionCompetency.version_id == QuestionVersion.id)
        .correlate(QuestionVersion)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Question.id, Question.key, n_codes)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id)
            & (QuestionVersion.number == Question.latest_number),
        )
        .join(QuestionCompetency, QuestionCompetency.version_id == QuestionVersion.id)
        .where(
            Question.status == "ready",
            QuestionCompetency.code == code,
            QuestionVersion.difficulty == difficulty,
        )
        .order_by(Question.key)
    ).all()
    alone = [(qid, key) for qid, key, n in rows if n == 1 and qid not in used]
    shared = [(qid, key) for qid, key, n in rows if n > 1 and qid not in used]
    picked = rng.sample(alone, min(wanted, len(alone)))
    picked += rng.sample(shared, min(wanted - len(picked), len(shared)))
    used.update(qid for qid, _key in picked)
    return [key for _qid, key in picked]


def _wrong(version, rng: random.Random):
    """A plausible wrong (or guessed) answer: a random choice, or nothing at all."""
    if version.qtype == "single":
        return rng.randrange(len(version.data["answers"]))
    if version.qtype == "truefalse":
        return not bool(version.data["correct"])
    return None


def _versions(ids) -> dict:
    """Version id -> version with its competency codes loaded (two queries)."""
    from sqlalchemy.orm import selectinload

    from app.bank.models import QuestionVersion

    return {
        v.id: v
        for v in db.session.scalars(
            select(QuestionVersion)
            .where(QuestionVersion.id.in_(list(ids)))
            .options(selectinload(QuestionVersion.competency_rows))
        )
    }


def _answers(attempt, person, skill: dict, planted: dict, rng: random.Random) -> list:
    """The response of each graded slot: right with the person's chance, else wrong.

    For a planted person, each planted competency and difficulty gets exactly its share of
    right answers over every question that tests it (single-competency questions first).
    """
    steps = []
    versions = _versions({slot.question_version_id for slot in attempt.slots})
    graded = [
        (slot, versions[slot.question_version_id])
        for slot in sorted(attempt.slots, key=lambda s: s.number)
        if QTYPES[versions[slot.question_version_id].qtype].is_graded
        and not QTYPES[versions[slot.question_version_id].qtype].is_manually_graded
    ]
    graded.sort(key=lambda pair: len(pair[1].competencies))
    targets: dict[tuple[str, int], int] = {}
    for code, shares in planted.items():
        for difficulty, share in shares.items():
            n = sum(1 for _s, v in graded if code in v.competencies and v.difficulty == difficulty)
            targets[(code, difficulty)] = round(n * share)
    given = dict.fromkeys(targets, 0)
    for slot, version in graded:
        keys = [
            (c, version.difficulty)
            for c in version.competencies
            if (c, version.difficulty) in targets
        ]
        if keys:
            right = all(given[key] < targets[key] for key in keys)
            if right:
                for key in keys:
                    given[key] += 1
        else:
            code = (version.competencies or [""])[0]
            chance = skill.get(code, 0.7) - 0.12 * (version.difficulty - 1)
            right = rng.random() < chance
        qtype = QTYPES[version.qtype]
        value = qtype.correct_response(version.data) if right else _wrong(version, rng)
        if value is not None:
            steps.append((slot, value))
    return steps


def seed_assessments() -> str:
    """Domain assessment quizzes and eighteen months of graded attempts (idempotent)."""
    domains = queries.domains_with_competencies()
    if not domains:
        return "no framework"
    first = TITLE.format(code=domains[0].code, name=domains[0].name_zh)
    if db.session.scalar(select(Quiz.id).where(Quiz.title == first)):
        return "already seeded"
    rng = random.Random(2742)  # noqa: S311 - reproducible demo data
    now = clock.now()
    with unit_of_work():
        trainer = db.session.scalar(select(User).where(User.employee_no == "T001"))
        company = db.session.scalar(select(Department).where(Department.parent_id.is_(None)))
        assessments = []
        for domain in domains:
            quiz = quizzes.create_quiz(
                trainer,
                title=TITLE.format(code=domain.code, name=domain.name_zh),
                description=domain.name_zh + DESCRIPTION,
                is_published=True,
                questions_per_page=9,
                shuffle_questions=True,
                time_limit_minutes=60,
                attempts_allowed=0,
                review_options={
                    "immediately": ["marks"],
                    "open": ["marks"],
                    "closed": ["marks", "correct", "feedback"],
                },
            )
            used: set[int] = set()
            for competency in domain.competencies:
                if competency.is_retired:
                    continue
                for difficulty in (1, 2, 3):
                    for key in _paper(competency.code, difficulty, used, rng):
                        quizzes.add_fixed_slot(trainer, quiz, key)
            if company is not None:
                quizzes.set_audience(trainer, quiz, department_ids=[company.id])
            assessments.append(quiz)
        staff_ids = list(
            db.session.scalars(
                select(User.id)
                .where(User.employee_no.like("S%"), User.job_role_id.is_not(None))
                .order_by(User.employee_no)
            )
        )
        quiz_ids = [quiz.id for quiz in assessments]
        codes = [c.code for d in domains for c in d.competencies if not c.is_retired]
        n_attempts = 0
        with evidence.levels_recomputed_once(now):
            for person_id in staff_ids[
                : int(__import__("os").environ.get("DEMO_STAFF_LIMIT", "100000"))
            ]:
                n_attempts += _history(db.session.get(User, person_id), quiz_ids, codes, rng, now)
                _forget_attempts()
        ratings = _ratings(rng, now)
    return f"{len(assessments)} assessments, {n_attempts} graded attempts, {ratings} ratings"


def _history(person: User, quiz_ids: list[int], codes: list[str], rng, now) -> int:
    """One person's graded assessments over the last eighteen months; returns how many."""
    planted = PLANTED.get(person.employee_no, {})
    if not planted and rng.random() < 0.05:
        return 0  # a few people have never been assessed
    base = rng.gauss(0.8, 0.08)
    skill = {code: min(0.98, max(0.2, base + rng.gauss(0, 0.1))) for code in codes}
    taken = 0
    for quiz_id in quiz_ids:
        if not planted and rng.random() < 0.3:
            continue  # not everyone took every domain
        quiz = db.session.get(Quiz, quiz_id)
        when = now - timedelta(days=rng.randrange(20, 540), hours=rng.randrange(0, 8))
        with clock.running_at(when):
            attempt, _started = quizzes.start_attempt(person, quiz)
            for slot, value in _answers(attempt, person, skill, planted, rng):
                db.session.add(
                    ResponseStep(
                        attempt_slot_id=slot.id,
                        seq=int(when.timestamp() * 1000) + slot.number,
                        value=value,
                        saved_at=when,
                    )
                )
            db.session.flush()
        with clock.running_at(when + timedelta(minutes=rng.randrange(15, 55))):
            quizzes.submit_attempt(attempt)
        taken += 1
    return taken


def _forget_attempts() -> None:
    """Drop the flushed attempts from the session (it keeps the quizzes and question versions,
    which every later attempt reads again)."""
    from app.quizzes.models import Attempt, AttemptCompetencyResult, AttemptSlot

    kinds = (Attempt, AttemptSlot, ResponseStep, AttemptCompetencyResult, User)
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, kinds):
            db.session.expunge(instance)


def _ratings(rng: random.Random, now) -> int:
    """A few ratings by the managers and trainers, and the planted clerks' ratings."""
    staff = list(
        db.session.scalars(
            select(User)
            .where(User.employee_no.like("S%"), User.job_role_id.is_not(None))
            .order_by(User.employee_no)
        )
    )
    people = {u.employee_no: u for u in staff}
    raters = {
        u.employee_no: u
        for u in db.session.scalars(
            select(User).where(User.employee_no.in_(["M001", "M002", "T001", "T002"]))
        )
    }
    competencies = {c.code: c for c in db.session.scalars(select(Competency))}
    made = 0
    for rater_no, person_no, code, level, comment in PLANTED_RATINGS:
        if rater_no in raters and person_no in people and code in competencies:
            with clock.running_at(now - timedelta(days=10)):
                evidence.record_rating(
                    raters[rater_no], people[person_no], competencies[code], level, comment
                )
            made += 1
    trainers = [raters[n] for n in ("T001", "T002") if n in raters]
    comments = {
        3: "能独立完成常规业务，符合时限要求。",
        4: "处理复杂业务熟练，能带教新员工。",
        2: "标准业务尚需复核，建议参加培训。",
    }
    for person in rng.sample(staff, k=min(150, len(staff))):
        if person.employee_no in PLANTED or not trainers:
            continue
        code = rng.choice(list(competencies))
        level = rng.choice([2, 3, 3, 3, 4])
        with clock.running_at(now - timedelta(days=rng.randrange(1, 200))):
            evidence.record_rating(
                rng.choice(trainers), person, competencies[code], level, comments[level]
            )
        made += 1
    return made
