"""``flask quizzes ...`` commands and the quizzes' demo seeder."""

import click

from app.quizzes import services
from app.quizzes.blueprint import bp


@bp.cli.command("finish-overdue")
def finish_overdue_command():
    """Finish and grade every attempt past its deadline (run from cron on one node)."""
    n = services.finish_overdue_attempts()
    click.echo(f"{n} overdue attempt(s) finished")


# --- demo data ----------------------------------------------------------------------------


def role_focus(job_role_id: int) -> list[str]:
    """The key competencies of a job role: those its profile in force requires at level 4+."""
    from app.competencies.queries import required_levels

    levels = required_levels().get(job_role_id, {})
    return sorted(code for code, level in levels.items() if level >= 4)


DEMO_TITLE = "岗位应知应会测验（{name}）"
COMMON_TITLE = "供电服务规范综合测验"
CLOSED_TITLE = "上季度服务规范抽考"
CLOZE_TITLE = "十项承诺时限填空测验"
#: as trainers usually set them: marks and feedback right away, the right answers once the
#: quiz has closed (so no one passes the answers on while others still take it)
DEMO_REVIEW = {
    "immediately": ["marks", "feedback"],
    "open": ["marks", "feedback"],
    "closed": ["marks", "correct", "feedback"],
}


def _ready_keys_for(codes, limit, rng):
    from sqlalchemy import select

    from app.bank.models import Question, QuestionCompetency, QuestionVersion
    from app.extensions import db

    keys = db.session.scalars(
        select(Question.key)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .join(QuestionCompetency, QuestionCompetency.version_id == QuestionVersion.id)
        .where(
            QuestionVersion.number == Question.latest_number,
            Question.status == "ready",
            QuestionVersion.qtype.not_in(["essay", "description"]),
            QuestionCompetency.code.in_(codes),
        )
        .distinct()
        .order_by(Question.key)
    ).all()
    return rng.sample(keys, min(limit, len(keys)))


def _simulate_answers(attempt, skill: float, rng) -> None:
    """Answer like a person of the given skill: right with that probability, else a guess."""
    from app.bank.qtypes import QTYPES

    for slot in attempt.slots:
        version = slot.version
        qtype = QTYPES[version.qtype]
        if not qtype.is_graded:
            continue
        if qtype.is_manually_graded:
            response = "应先安抚客户情绪，受理诉求并记录，按时限调查处理、答复并回访。"
        elif rng.random() < skill:
            response = qtype.correct_response(version.data)
        elif version.qtype in ("single", "truefalse"):
            response = (
                rng.choice([True, False])
                if version.qtype == "truefalse"
                else rng.randrange(len(version.data["answers"]))
            )
        else:
            response = None
        if response is not None:
            services.save_response(attempt, slot.number, response)


def seed_quizzes() -> str:
    """One quiz per job role from the demo bank, one common quiz with an essay, some attempts."""
    import random

    from sqlalchemy import func, select

    from app.bank.models import Category
    from app.extensions import db
    from app.org.models import Department, JobRole, User
    from app.quizzes.models import Attempt, Quiz

    if db.session.scalar(select(Quiz.id).where(Quiz.title == COMMON_TITLE)):
        return "already seeded"
    rng = random.Random(5598)  # noqa: S311 - reproducible demo data
    trainer = db.session.scalar(select(User).where(User.employee_no == "T001"))
    company = db.session.scalar(select(Department).where(Department.parent_id.is_(None)))
    created = []
    for role in db.session.scalars(select(JobRole).order_by(JobRole.id)):
        quiz = services.create_quiz(
            trainer,
            title=DEMO_TITLE.format(name=role.name_zh),
            description=f"{role.name_zh}岗位的应知应会抽测，覆盖岗位要求最高的能力项。",
            is_published=True,
            questions_per_page=5,
            shuffle_questions=True,
            time_limit_minutes=20,
            attempts_allowed=3,
            review_options=DEMO_REVIEW,
        )
        for key in _ready_keys_for(role_focus(role.id), 8, rng):
            services.add_fixed_slot(trainer, quiz, key)
        services.set_audience(trainer, quiz, job_role_ids=[role.id])
        created.append(quiz)
    common = services.create_quiz(
        trainer,
        title=COMMON_TITLE,
        description="十项承诺、服务礼仪与投诉处理的综合测验，最后一题为问答题，由培训师评分。",
        is_published=True,
        questions_per_page=4,
        time_limit_minutes=30,
        attempts_allowed=2,
        review_options=DEMO_REVIEW,
    )
    service_root = db.session.scalar(select(Category).where(Category.full_name == "服务规范"))
    if service_root is not None:
        services.add_random_slot(trainer, common, service_root, draw_count=6, mark=1.0)
    from app.bank.models import Question, QuestionVersion

    essay_key = db.session.scalar(
        select(Question.key)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(QuestionVersion.qtype == "essay", Question.status == "ready")
        .order_by(Question.key)
        .limit(1)
    )
    if essay_key:
        services.add_fixed_slot(trainer, common, essay_key, 5.0)
    services.set_audience(trainer, common, department_ids=[company.id])
    created.append(common)
    n_cloze = _seed_cloze_quiz(trainer, company)
    # Some finished attempts: a spread of skills across staff of each role.
    staff = db.session.scalars(
        select(User).where(User.employee_no.like("S%")).order_by(User.employee_no)
    ).all()
    n_attempts = 0
    for person in staff[::8]:
        quiz = next(q for q in created[:-1] if q.audience[0].job_role_id == person.job_role_id)
        attempt, _started = services.start_attempt(person, quiz)
        _simulate_answers(attempt, rng.uniform(0.35, 0.95), rng)
        services.submit_attempt(attempt)
        n_attempts += 1
    for person in staff[3::40]:
        attempt, _started = services.start_attempt(person, common)
        _simulate_answers(attempt, rng.uniform(0.5, 0.9), rng)
        services.submit_attempt(attempt)
        n_attempts += 1
    n_attempts += _seed_closed_quiz(trainer, company, staff, rng)
    total = db.session.scalar(select(func.count(Attempt.id)))
    return f"{len(created) + 1 + n_cloze} quizzes, {n_attempts} demo attempts ({total} in all)"


def _seed_cloze_quiz(trainer, company) -> int:
    """The commitments' time limits and figures as multi-blank (Cloze) questions, each blank
    marked on its own; open to every department. Returns the number of quizzes made."""
    from sqlalchemy import select

    from app.bank.models import Question, QuestionVersion
    from app.extensions import db

    keys = db.session.scalars(
        select(Question.key)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(
            QuestionVersion.number == Question.latest_number,
            QuestionVersion.qtype == "cloze",
            Question.status == "ready",
        )
        .order_by(Question.key)
    ).all()
    if not keys:
        return 0
    quiz = services.create_quiz(
        trainer,
        title=CLOZE_TITLE,
        description="2011版与2023版供电服务“十项承诺”中的时限和数字：一句话里有几个空，"
        "每空单独判分，填对几空得几空的分。",
        is_published=True,
        questions_per_page=3,
        time_limit_minutes=20,
        attempts_allowed=3,
        review_options=DEMO_REVIEW,
    )
    for key in keys:
        services.add_fixed_slot(trainer, quiz, key)
    services.set_audience(trainer, quiz, department_ids=[company.id])
    return 1


def _seed_closed_quiz(trainer, company, staff, rng) -> int:
    """Last quarter's quiz, taken then closed: its reviews show the right answers and the
    feedback, so a new user (S0001 among them) sees what a full review looks like."""
    from datetime import timedelta

    from app.core import clock

    quiz = services.create_quiz(
        trainer,
        title=CLOSED_TITLE,
        description="上季度的服务规范抽考，已截止：可查看正确答案和反馈。",
        is_published=True,
        questions_per_page=0,
        attempts_allowed=1,
        review_options=DEMO_REVIEW,
    )
    for key in _ready_keys_for(["SV1", "SV2", "SV4", "CM1"], 5, rng):
        services.add_fixed_slot(trainer, quiz, key)
    services.set_audience(trainer, quiz, department_ids=[company.id])
    takers = staff[:1] + staff[5::25]
    for person in takers:
        attempt, _started = services.start_attempt(person, quiz)
        _simulate_answers(attempt, rng.uniform(0.4, 0.9), rng)
        services.submit_attempt(attempt)
    services.update_quiz(trainer, quiz, close_at=clock.now() - timedelta(days=1))
    return len(takers)
