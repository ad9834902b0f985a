"""Object loaders of quizzes, shared by the quiz and grading pages and the API: a row, or 404/403
before a view touches it."""

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from app.core.permissions import can_author_quizzes
from app.extensions import db
from app.quizzes import queries
from app.quizzes.models import Attempt, AttemptSlot, Quiz, QuizOverride, QuizSlot
from app.quizzes.services.errors import QuizError


def get_quiz_or_404(quiz_id: int) -> Quiz:
    """A quiz, or 404."""
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    return quiz


def get_visible_quiz_or_404(quiz_id: int, user=None) -> Quiz:
    """A quiz ``user`` (default: the current user) may see: authors always, others when it is
    published and they are in its audience; else 404."""
    user = user if user is not None else current_user
    quiz = get_quiz_or_404(quiz_id)
    if can_author_quizzes(user):
        return quiz
    if not quiz.is_published or not queries.in_audience(user, quiz):
        abort(404)
    return quiz


def get_attempt_or_404(
    attempt_id: int, *, allow_authors: bool = False, with_questions: bool = True, user=None
) -> Attempt:
    """An attempt (with its questions unless told not to); 403 unless it is ``user``'s own (default:
    the current user's) or ``allow_authors`` and ``user`` authors quizzes."""
    user = user if user is not None else current_user
    if with_questions:
        attempt = queries.attempt_with_versions(attempt_id)
    else:
        attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.user_id != user.id and not (allow_authors and can_author_quizzes(user)):
        abort(403)
    return attempt


def get_attempt_slot_or_404(attempt_id: int, slot_number: int) -> tuple[Attempt, AttemptSlot]:
    """The current user's attempt and its slot ``slot_number`` (with its question version), in
    one query: 404 without the attempt, 403 for another person's, QuizError without the slot."""
    found = queries.attempt_and_slot(attempt_id, slot_number)
    if found is None:
        abort(404)
    attempt, slot = found
    if attempt.user_id != current_user.id:
        abort(403)
    if slot is None:
        raise QuizError(_("This attempt has no question %(n)d.", n=slot_number))
    return attempt, slot


def get_slot_or_404(quiz: Quiz, slot_id: int) -> QuizSlot:
    """A slot of ``quiz``, or 404 (also for a slot of another quiz)."""
    slot = db.session.get(QuizSlot, slot_id)
    if slot is None or slot.quiz_id != quiz.id:
        abort(404)
    return slot


def get_override_or_404(quiz: Quiz, override_id: int) -> QuizOverride:
    """An override of ``quiz``, or 404 (also for an override of another quiz)."""
    row = db.session.get(QuizOverride, override_id)
    if row is None or row.quiz_id != quiz.id:
        abort(404)
    return row
