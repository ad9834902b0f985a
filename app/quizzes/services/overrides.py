"""Use cases of overrides: other dates, time limit or attempts for one person or one department.

How overrides combine into the settings a person gets is read-side (``queries.effective_settings``).
"""

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.uow import transaction
from app.extensions import db
from app.quizzes.models import Quiz, QuizOverride
from app.quizzes.queries import OVERRIDE_FIELDS
from app.quizzes.services.authoring import check_window
from app.quizzes.services.errors import QuizError


@transaction
def set_override(actor, quiz: Quiz, *, user=None, department=None, **fields) -> QuizOverride:
    """Create or replace the override of one person or department (empty fields: no change)."""
    if (user is None) == (department is None):
        raise QuizError(_("An override is for one person or one department."))
    check_window(fields)
    target = (
        QuizOverride.user_id == user.id
        if user is not None
        else QuizOverride.department_id == department.id
    )
    row = db.session.scalar(select(QuizOverride).where(QuizOverride.quiz_id == quiz.id, target))
    before = _override_snapshot(row) if row else None
    if row is None:
        row = QuizOverride(
            quiz_id=quiz.id,
            user_id=user.id if user is not None else None,
            department_id=department.id if department is not None else None,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(row)
    for name in OVERRIDE_FIELDS:
        setattr(row, name, fields.get(name))
    db.session.flush()
    record_audit(actor, "quiz.override", quiz, before, _override_snapshot(row))
    return row


@transaction
def delete_override(actor, quiz: Quiz, row: QuizOverride) -> None:
    """Remove an override."""
    before = _override_snapshot(row)
    db.session.delete(row)
    record_audit(actor, "quiz.override.delete", quiz, before, None)


def _override_snapshot(row: QuizOverride) -> dict:
    values = {
        "user_id": row.user_id,
        "department_id": row.department_id,
        "time_limit_minutes": row.time_limit_minutes,
        "attempts_allowed": row.attempts_allowed,
    }
    for name in ("open_at", "close_at"):
        value = getattr(row, name)
        values[name] = value.isoformat() if value else None
    return values
