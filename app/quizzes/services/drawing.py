"""Drawing the questions of a new attempt: fixed slots claim their questions, random slots draw
from their pool without repeating a question of the attempt.

The pools themselves are read-side (``queries.random_pool``, ``queries.count_candidates``).
"""

import random

from flask_babel import gettext as _

from app.bank.models import QuestionVersion
from app.quizzes import queries
from app.quizzes.models import Quiz, QuizSlot
from app.quizzes.services.errors import QuizError


def draw_questions(quiz: Quiz, rng: random.Random) -> list[tuple[QuizSlot, QuestionVersion]]:
    """The versions for a new attempt: fixed slots first claim their questions, then random
    slots draw without repeating any question of the attempt."""
    chosen: dict[int, list[QuestionVersion]] = {}
    used: set[int] = set()
    fixed = [s for s in quiz.slots if s.kind == "fixed"]
    if fixed:
        latest = queries.latest_versions_of(s.question_id for s in fixed)
        for slot in fixed:
            chosen[slot.id] = [latest[slot.question_id]]
            used.add(slot.question_id)
    drawn: dict[int, list[int]] = {}
    for slot in (s for s in quiz.slots if s.kind == "random"):
        pool = [(vid, qid) for vid, qid in queries.random_pool(slot) if qid not in used]
        if len(pool) < slot.draw_count:
            raise QuizError(
                _(
                    "Slot %(n)d cannot draw %(k)d questions: only %(m)d are available.",
                    n=slot.number,
                    k=slot.draw_count,
                    m=len(pool),
                )
            )
        picked = rng.sample(pool, slot.draw_count)
        used.update(qid for _vid, qid in picked)
        drawn[slot.id] = [vid for vid, _qid in picked]
    versions = queries.versions_by_id(vid for ids in drawn.values() for vid in ids)
    for slot_id, ids in drawn.items():
        chosen[slot_id] = [versions[vid] for vid in ids]
    return [(slot, version) for slot in quiz.slots for version in chosen[slot.id]]
