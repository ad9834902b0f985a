"""Use cases of quizzes and attempts, one module per family, re-exported here.

- ``authoring``: a quiz's settings, slots and audience;
- ``overrides``: other dates, limit or attempts for one person or department;
- ``drawing``: the questions a new attempt freezes;
- ``attempts``: start, save, submit, finish and grade an attempt;
- ``errors``: the domain errors.

Reads (who may take a quiz, settings after overrides, saved responses, review) live in
``app.quizzes.queries``; who may author is ``app.core.permissions.can_author_quizzes``.
"""

from app.quizzes.services.attempts import (
    SaveResult,
    attempt_slot,
    finish_if_overdue,
    finish_overdue_attempts,
    save_response,
    start_attempt,
    submit_attempt,
    total_attempt,
    write_competency_results,
)
from app.quizzes.services.authoring import (
    MAX_TIME_LIMIT_MINUTES,
    add_fixed_slot,
    add_fixed_slots,
    add_random_slot,
    check_publishable,
    create_quiz,
    move_slot,
    remove_slot,
    set_audience,
    update_quiz,
)
from app.quizzes.services.errors import AttemptClosed, QuizError
from app.quizzes.services.overrides import delete_override, set_override

__all__ = [
    "MAX_TIME_LIMIT_MINUTES",
    "AttemptClosed",
    "QuizError",
    "SaveResult",
    "add_fixed_slot",
    "add_fixed_slots",
    "add_random_slot",
    "check_publishable",
    "attempt_slot",
    "create_quiz",
    "delete_override",
    "finish_if_overdue",
    "finish_overdue_attempts",
    "move_slot",
    "remove_slot",
    "save_response",
    "set_audience",
    "set_override",
    "start_attempt",
    "submit_attempt",
    "total_attempt",
    "update_quiz",
    "write_competency_results",
]
