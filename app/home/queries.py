"""Read-side queries of the home pages: whether the database answers (the health check) and
what a trainer's dashboard lists (their courses and quizzes, what awaits a mark, recent imports).
"""

from sqlalchemy import func, select, text

from app.bank.services.imports import IMPORT_ACTION
from app.core.models import AuditEvent
from app.courses.models import Course
from app.extensions import db
from app.org.models import User
from app.quizzes.models import Quiz, QuizSlot

#: how many rows each list of the trainer's dashboard shows
DASHBOARD_ROWS = 5


def database_responds() -> bool:
    """Run ``SELECT 1``: True when the database answers (an error propagates as a 500)."""
    return db.session.execute(text("SELECT 1")).scalar() == 1


def courses_by(user, limit: int = DASHBOARD_ROWS) -> list[Course]:
    """The courses ``user`` wrote, most recently changed first."""
    return db.session.scalars(
        select(Course)
        .where(Course.created_by_id == user.id)
        .order_by(Course.updated_at.desc(), Course.id.desc())
        .limit(limit)
    ).all()


def quizzes_by(user, limit: int = DASHBOARD_ROWS) -> list[tuple[Quiz, int]]:
    """The quizzes ``user`` built with their number of slots, most recently changed first."""
    slots = (
        select(QuizSlot.quiz_id, func.count(QuizSlot.id).label("n"))
        .group_by(QuizSlot.quiz_id)
        .subquery()
    )
    return db.session.execute(
        select(Quiz, func.coalesce(slots.c.n, 0))
        .outerjoin(slots, slots.c.quiz_id == Quiz.id)
        .where(Quiz.created_by_id == user.id)
        .order_by(Quiz.updated_at.desc(), Quiz.id.desc())
        .limit(limit)
    ).all()


def recent_imports(limit: int = DASHBOARD_ROWS) -> list[tuple[AuditEvent, User | None]]:
    """The latest question imports (files, what they did) with who ran them, newest first."""
    return db.session.execute(
        select(AuditEvent, User)
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .where(AuditEvent.action == IMPORT_ACTION)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
