"""Read-side queries of grading: the queue, results per quiz, responses per question, and the
slots a regrade moves to a question's latest version."""

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.bank.models import Question, QuestionVersion
from app.bank.qtypes import QTYPES
from app.extensions import db
from app.org.models import Department, User
from app.quizzes.models import Attempt, AttemptSlot, Quiz
from app.quizzes.queries import current_values


def queue_by_quiz() -> list[tuple[Quiz, int]]:
    """Quizzes with responses awaiting a manual mark, and how many (one query)."""
    waiting = (
        select(Attempt.quiz_id, func.count(AttemptSlot.id).label("n"))
        .join(AttemptSlot, AttemptSlot.attempt_id == Attempt.id)
        .where(
            Attempt.state == "finished",
            Attempt.is_preview.is_(False),
            AttemptSlot.needs_grading.is_(True),
        )
        .group_by(Attempt.quiz_id)
        .subquery()
    )
    return db.session.execute(
        select(Quiz, waiting.c.n).join(waiting, waiting.c.quiz_id == Quiz.id).order_by(Quiz.title)
    ).all()


def waiting_slots(quiz: Quiz, question_id: int | None = None) -> list[AttemptSlot]:
    """Responses of a quiz awaiting a mark, oldest first, optionally for one question."""
    query = (
        select(AttemptSlot)
        .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .join(QuestionVersion, AttemptSlot.question_version_id == QuestionVersion.id)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.state == "finished",
            Attempt.is_preview.is_(False),
            AttemptSlot.needs_grading.is_(True),
        )
        .options(
            joinedload(AttemptSlot.attempt).joinedload(Attempt.user),
            joinedload(AttemptSlot.version),
        )
        .order_by(Attempt.finished_at, AttemptSlot.number)
    )
    if question_id:
        query = query.where(QuestionVersion.question_id == question_id)
    return db.session.scalars(query).all()


def quiz_attempts(quiz: Quiz, *, department: Department | None = None, job_role_id=None):
    """Real attempts of a quiz with their people (filters: department subtree, job role)."""
    query = (
        select(Attempt)
        .join(User, Attempt.user_id == User.id)
        .where(Attempt.quiz_id == quiz.id, Attempt.is_preview.is_(False))
        .options(
            joinedload(Attempt.user).joinedload(User.department),
            joinedload(Attempt.user).joinedload(User.job_role),
        )
        .order_by(User.employee_no, Attempt.number)
    )
    if department is not None:
        query = query.where(User.department_id.in_(department.subtree_ids()))
    if job_role_id:
        query = query.where(User.job_role_id == job_role_id)
    return db.session.scalars(query).unique().all()


def slots_of(attempts) -> list[AttemptSlot]:
    """Every slot of these attempts with its version (one query)."""
    if not attempts:
        return []
    return db.session.scalars(
        select(AttemptSlot)
        .where(AttemptSlot.attempt_id.in_([a.id for a in attempts]))
        .options(selectinload(AttemptSlot.version))
        .order_by(AttemptSlot.attempt_id, AttemptSlot.number)
    ).all()


def response_rows(attempts, slots) -> list[dict]:
    """Per slot of each attempt: question, summarised response, mark (one query more)."""
    if not slots:
        return []
    values = current_values([s.id for s in slots])
    people = {a.id: a for a in attempts}
    rows = []
    for slot in slots:
        qtype = QTYPES[slot.version.qtype]
        rows.append(
            {
                "attempt": people[slot.attempt_id],
                "slot": slot,
                "question": slot.version.name,
                "response": qtype.summarise_response(slot.version.data, values.get(slot.id)),
            }
        )
    return rows


def slots_to_regrade(question: Question, latest: QuestionVersion) -> list[AttemptSlot]:
    """Slots of finished attempts that used an older version of ``question`` (with their version
    and attempt)."""
    return db.session.scalars(
        select(AttemptSlot)
        .join(QuestionVersion, AttemptSlot.question_version_id == QuestionVersion.id)
        .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .where(
            QuestionVersion.question_id == question.id,
            AttemptSlot.question_version_id != latest.id,
            Attempt.state == "finished",
        )
        .options(selectinload(AttemptSlot.version), selectinload(AttemptSlot.attempt))
    ).all()


def questions_of_quiz(quiz: Quiz) -> list[tuple[str, str]]:
    """(key, latest name) of every automatically graded question the quiz's attempts used: the
    questions a trainer may regrade from the quiz's grading and results pages (one query)."""
    graded = [
        name for name, qtype in QTYPES.items() if qtype.is_graded and not qtype.is_manually_graded
    ]
    used = (
        select(QuestionVersion.question_id)
        .join(AttemptSlot, AttemptSlot.question_version_id == QuestionVersion.id)
        .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
        .where(Attempt.quiz_id == quiz.id, Attempt.is_preview.is_(False))
    )
    rows = db.session.execute(
        select(Question.key, QuestionVersion.name)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(
            Question.id.in_(used),
            QuestionVersion.number == Question.latest_number,
            QuestionVersion.qtype.in_(graded),
        )
        .order_by(QuestionVersion.name, Question.key)
    ).all()
    return [tuple(row) for row in rows]
