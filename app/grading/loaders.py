"""Object loaders of grading: a response to mark, or 404 before a view touches it."""

from flask import abort

from app.extensions import db
from app.quizzes.models import AttemptSlot


def get_gradable_slot_or_404(slot_id: int) -> AttemptSlot:
    """A slot of a real (not preview) attempt, or 404."""
    slot = db.session.get(AttemptSlot, slot_id)
    if slot is None or slot.attempt.is_preview:
        abort(404)
    return slot
