"""Read-side queries of the bank: the paged list of latest versions and a question's history."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.bank.models import Category, Question, QuestionCompetency, QuestionTag, QuestionVersion
from app.extensions import db


def bank_list(
    *,
    category_id=None,
    qtype=None,
    competency=None,
    difficulty=None,
    status=None,
    tag=None,
    text="",
):
    """Latest versions matching the filters, with question, category, tags and competencies."""
    query = (
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .join(Category, Question.category_id == Category.id)
        .where(QuestionVersion.number == Question.latest_number)
        .options(
            contains_eager(QuestionVersion.question).contains_eager(Question.category),
            selectinload(QuestionVersion.competency_rows),
        )
    )
    if category_id:
        category = db.session.get(Category, category_id)
        if category is not None:
            query = query.where(Category.path.startswith(category.path))
    if qtype:
        query = query.where(QuestionVersion.qtype == qtype)
    if difficulty:
        query = query.where(QuestionVersion.difficulty == difficulty)
    if status:
        query = query.where(Question.status == status)
    if competency:
        query = query.where(
            QuestionVersion.id.in_(
                select(QuestionCompetency.version_id).where(QuestionCompetency.code == competency)
            )
        )
    if tag:
        query = query.where(
            Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == tag))
        )
    if text:
        like = f"%{text.strip()}%"
        query = query.where(
            or_(
                QuestionVersion.name.ilike(like),
                QuestionVersion.questiontext.ilike(like),
                Question.key.ilike(like),
            )
        )
    return query.order_by(Category.full_name, Question.key)


def categories_with_counts() -> list[tuple[Category, int]]:
    """Every category in path-name order with its number of questions (one query)."""
    counts = (
        select(Question.category_id, func.count(Question.id).label("n"))
        .group_by(Question.category_id)
        .subquery()
    )
    return db.session.execute(
        select(Category, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.category_id == Category.id)
        .order_by(Category.full_name)
    ).all()


def question_by_key(key: str) -> Question | None:
    """The question with this stable key."""
    return db.session.scalar(select(Question).where(Question.key == key))


def history(question: Question) -> list[QuestionVersion]:
    """Every version of ``question``, newest first, with authors (one query)."""
    return db.session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .options(selectinload(QuestionVersion.author))
        .order_by(QuestionVersion.number.desc())
    ).all()
