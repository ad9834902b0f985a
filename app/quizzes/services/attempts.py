"""Use cases of attempts: start (freezing the questions), save a response, submit, finish, grade.

The attempt row is the serialisation point. Every save and the submit begin with a conditional
``UPDATE attempt ... WHERE state = 'in_progress'``: it locks the row (PostgreSQL) or takes the
write lock (SQLite), so a save and a submit of the same attempt never interleave, a save after the
finish is refused, and two submits grade once (the loser reads what the winner wrote).

Each write is one unit of work: ``_begin_attempt`` (a start), ``_append_step`` (a save) and
``_finish`` (the finish, the grading and the ``attempt_finished`` hooks together). The public
functions compose them where the behaviour needs two: an overdue attempt is finished, and stays
finished, before a save is refused or a new attempt starts; a start that loses the race to another
tab (the partial unique index says so) resumes the winner's attempt.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from app.bank.models import QuestionVersion
from app.bank.qtypes import QTYPES
from app.core import clock, hooks
from app.core.limits import MAX_ESSAY_BYTES, too_big
from app.core.permissions import can_author_quizzes
from app.core.uow import depth, refresh, transaction, unit_of_work
from app.extensions import db
from app.quizzes import queries
from app.quizzes.models import (
    Attempt,
    AttemptCompetencyResult,
    AttemptSlot,
    Quiz,
    ResponseStep,
)
from app.quizzes.queries import Settings
from app.quizzes.services.drawing import draw_questions
from app.quizzes.services.errors import AttemptClosed, QuizError


def grace() -> timedelta:
    """How late a save may arrive after the deadline (network, clock skew)."""
    return timedelta(seconds=current_app.config.get("QUIZ_GRACE_SECONDS", 30))


def cutoff(attempt: Attempt) -> datetime | None:
    """The last moment a save is accepted (deadline + grace), None without a deadline."""
    return attempt.deadline_at + grace() if attempt.deadline_at else None


# --- starting -----------------------------------------------------------------------------


class _StartLost(Exception):
    """Another request started this attempt first (the partial unique index refused ours)."""


def start_attempt(user, quiz: Quiz, *, preview: bool = False) -> tuple[Attempt, bool]:
    """Start or resume ``user``'s attempt; returns (attempt, started). Freezes the questions."""
    existing = queries.in_progress_attempt(user, quiz, preview=preview)
    if existing is not None and not finish_if_overdue(existing):
        return existing, False
    try:
        return _begin_attempt(user, quiz, preview), True
    except _StartLost:
        # Two starts raced (two tabs, a double click): the other one won; resume it. Inside an
        # outer unit of work the session still holds the failed insert, so let that one decide.
        existing = None if depth() else queries.in_progress_attempt(user, quiz, preview=preview)
        if existing is None:
            raise
        return existing, False


@transaction(expect=_StartLost)
def _begin_attempt(user, quiz: Quiz, preview: bool) -> Attempt:
    """Check the quiz may be started, draw its questions and write the attempt with its slots."""
    now = clock.now()
    if preview:
        if not can_author_quizzes(user):
            raise QuizError(_("Only trainers can preview a quiz."))
        # A preview never counts; the previous preview is replaced.
        old = db.session.scalars(
            select(Attempt).where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.is_preview
            )
        ).all()
        for attempt in old:
            db.session.delete(attempt)
        db.session.flush()
        number = 0
        settings = Settings.of(quiz)
    else:
        settings = queries.effective_settings(quiz, user)
        if not queries.is_open(quiz, now, settings):
            raise QuizError(_("This quiz is not open."))
        if not queries.in_audience(user, quiz):
            raise QuizError(_("This quiz is not open to you."))
        used = queries.attempts_used(user, quiz)
        if queries.attempts_left(quiz, used, settings) == 0:
            raise QuizError(_("You have no attempts left."))
        number = used + 1
    if not quiz.slots:
        raise QuizError(_("This quiz has no questions yet."))
    rng = random.SystemRandom()
    drawn = draw_questions(quiz, rng)
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    deadline = None
    if settings.time_limit_minutes:
        deadline = now + timedelta(minutes=settings.time_limit_minutes)
    if settings.close_at is not None and not preview:
        deadline = min(deadline, settings.close_at) if deadline else settings.close_at
    attempt = Attempt(
        quiz=quiz,
        user_id=user.id,
        number=number,
        is_preview=preview,
        started_at=now,
        deadline_at=deadline,
        max_mark=quiz.max_grade,
        raw_max=sum(slot.mark for slot, _v in drawn),
    )
    per_page = quiz.questions_per_page
    for index, (slot, version) in enumerate(drawn):
        qtype = QTYPES[version.qtype]
        attempt.slots.append(
            AttemptSlot(
                number=index + 1,
                page=index // per_page + 1 if per_page else 1,
                quiz_slot_id=slot.id,
                question_version_id=version.id,
                max_mark=slot.mark if qtype.is_graded else 0.0,
                choice_order=qtype.choice_order(version.data, quiz.shuffle_choices, rng),
            )
        )
    attempt.raw_max = sum(s.max_mark for s in attempt.slots)
    db.session.add(attempt)
    return attempt


# --- saving -------------------------------------------------------------------------------


@dataclass
class SaveResult:
    """What a save did."""

    applied: bool
    saved_at: datetime
    seq: int


class _NotApplied(Exception):
    """The save changes nothing (an older or repeated sequence); carries what is stored."""

    def __init__(self, result: SaveResult):
        super().__init__()
        self.result = result


def _now_ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def attempt_slot(attempt: Attempt, slot_number: int) -> AttemptSlot:
    """One slot of an attempt with its question version (one query), or QuizError."""
    slot = db.session.scalar(
        select(AttemptSlot)
        .where(AttemptSlot.attempt_id == attempt.id, AttemptSlot.number == slot_number)
        .options(joinedload(AttemptSlot.version).selectinload(QuestionVersion.competency_rows))
    )
    if slot is None:
        raise QuizError(_("This attempt has no question %(n)d.", n=slot_number))
    return slot


def save_response(
    attempt: Attempt, slot_number: int | AttemptSlot, response, seq: int | None = None
) -> SaveResult:
    """Store a normalised response for one slot; an older sequence never overwrites a newer one.

    Raises AttemptClosed after the finish or past deadline + grace (finishing it first), and
    QuizError for an answer over MAX_ESSAY_BYTES (nothing is saved).
    """
    too_long = _oversized_answer(response)
    if too_long is not None:
        raise QuizError(_("This answer is too long to save. %(why)s", why=too_long))
    now = clock.now()
    slot = (
        slot_number if isinstance(slot_number, AttemptSlot) else attempt_slot(attempt, slot_number)
    )
    limit = cutoff(attempt)
    if attempt.state == "in_progress" and limit is not None and now > limit:
        finish_if_overdue(attempt)  # its own unit of work: the finish stays, the save is refused
        raise AttemptClosed(_("Time is up: answers can no longer be saved."))
    try:
        return _append_step(attempt, slot, response, seq, now)
    except _NotApplied as refused:
        return refused.result


def _oversized_answer(response) -> str | None:
    """Why a response is too big to keep (its texts over MAX_ESSAY_BYTES), or None."""
    if isinstance(response, str):
        return too_big(response, MAX_ESSAY_BYTES)
    if isinstance(response, dict | list | tuple):
        values = response.values() if isinstance(response, dict) else response
        return next((why for v in values if (why := _oversized_answer(v)) is not None), None)
    return None


@transaction
def _append_step(attempt: Attempt, slot: AttemptSlot, response, seq, now) -> SaveResult:
    """Lock the attempt row, then add the step unless a newer or equal sequence is stored."""
    locked = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(last_saved_at=now)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount != 1:
        raise AttemptClosed(_("This attempt has been submitted: answers can no longer be saved."))
    newest = db.session.execute(
        select(ResponseStep.seq, ResponseStep.saved_at)
        .where(ResponseStep.attempt_slot_id == slot.id)
        .order_by(ResponseStep.seq.desc())
        .limit(1)
    ).first()
    if seq is None:
        seq = max(_now_ms(now), (newest.seq + 1) if newest else 0)
    if newest is not None and seq <= newest.seq:
        # Raised, not returned, so that the lock's last_saved_at is rolled back too.
        raise _NotApplied(SaveResult(applied=False, saved_at=newest.saved_at, seq=newest.seq))
    # The same sequence arriving twice (a retry) is already stored: the unique index says so.
    with unit_of_work(expect=_NotApplied(SaveResult(applied=False, saved_at=now, seq=seq))):
        db.session.add(ResponseStep(attempt_slot_id=slot.id, seq=seq, value=response, saved_at=now))
    return SaveResult(applied=True, saved_at=now, seq=seq)


# --- finishing and grading ----------------------------------------------------------------


def finish_if_overdue(attempt: Attempt) -> bool:
    """Finish an attempt past deadline + grace with the answers saved in time; True if it did."""
    limit = cutoff(attempt)
    if attempt.state != "in_progress" or limit is None or clock.now() <= limit:
        return False
    _finish(attempt, until=limit)
    return True


def submit_attempt(attempt: Attempt) -> Attempt:
    """Finish and grade the attempt; idempotent (a second submit changes nothing)."""
    limit = cutoff(attempt)
    if attempt.state == "in_progress" and limit is not None and clock.now() > limit:
        _finish(attempt, until=limit)
    else:
        _finish(attempt, until=None)
    refresh(attempt)  # after a lost race: the winner's result
    return attempt


@transaction
def _finish(attempt: Attempt, until: datetime | None) -> bool:
    """One conditional update in_progress → finished, then grading and the hooks in the same
    transaction; False when another request finished the attempt first."""
    now = clock.now()
    # An overdue attempt ends at its deadline, not when someone noticed.
    finished_at = min(now, attempt.deadline_at) if until is not None else now
    won = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state="finished", finished_at=finished_at)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        return False
    refresh(attempt)
    _grade(attempt, queries.latest_steps(attempt, until))
    if not attempt.is_preview:
        hooks.fire("attempt_finished", attempt)
    return True


def _versions_of(attempt: Attempt) -> dict[int, QuestionVersion]:
    """Version id -> the question version of each slot of the attempt (one query)."""
    return {
        v.id: v
        for v in db.session.scalars(
            select(QuestionVersion).where(
                QuestionVersion.id.in_([s.question_version_id for s in attempt.slots])
            )
        )
    }


def _grade(attempt: Attempt, steps: dict[int, ResponseStep]) -> None:
    """Grade every slot from its current response and total the attempt (pure per slot)."""
    versions = _versions_of(attempt)
    for slot in attempt.slots:
        version = versions[slot.question_version_id]
        qtype = QTYPES[version.qtype]
        step = steps.get(slot.id)
        response = step.value if step is not None else None
        if not qtype.is_graded:
            slot.fraction, slot.mark, slot.needs_grading = None, None, False
        elif qtype.is_manually_graded:
            slot.needs_grading = response is not None and slot.mark is None
            if response is None:
                slot.fraction, slot.mark = 0.0, 0.0
        else:
            fraction = qtype.grade(version.data, response)
            slot.fraction = fraction
            slot.mark = fraction * slot.max_mark
            slot.needs_grading = False
    total_attempt(attempt)
    write_competency_results(attempt, versions)


def total_attempt(attempt: Attempt) -> None:
    """Sum slot marks, scale to the quiz maximum, decide pass/fail (None while grading waits)."""
    attempt.needs_grading = any(s.needs_grading for s in attempt.slots)
    attempt.raw_mark = sum(s.mark or 0.0 for s in attempt.slots)
    if attempt.needs_grading:
        attempt.mark, attempt.passed = None, None
        return
    scale = attempt.max_mark / attempt.raw_max if attempt.raw_max else 0.0
    attempt.mark = round(attempt.raw_mark * scale, 5)
    attempt.passed = attempt.mark >= attempt.quiz.pass_mark - 1e-9


def write_competency_results(attempt: Attempt, versions: dict | None = None) -> None:
    """Rewrite the attempt's marks earned/available per competency code and difficulty."""
    if versions is None:
        versions = _versions_of(attempt)
    db.session.execute(
        delete(AttemptCompetencyResult).where(AttemptCompetencyResult.attempt_id == attempt.id)
    )
    totals: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for slot in attempt.slots:
        version = versions[slot.question_version_id]
        if not slot.max_mark:
            continue
        for code in version.competencies:
            row = totals[(code, version.difficulty)]
            row[0] += slot.mark or 0.0
            row[1] += slot.max_mark
            row[2] += 1
    for (code, difficulty), (earned, available, n) in totals.items():
        db.session.add(
            AttemptCompetencyResult(
                attempt_id=attempt.id,
                code=code,
                difficulty=difficulty,
                earned=earned,
                available=available,
                n_questions=n,
            )
        )


def finish_overdue_attempts() -> int:
    """Finish every attempt past deadline + grace (for cron, on one node); returns how many.

    One unit of work per attempt, so a long run never holds every attempt's row lock at once.
    """
    limit = clock.now() - grace()
    ids = db.session.scalars(
        select(Attempt.id).where(Attempt.state == "in_progress", Attempt.deadline_at < limit)
    ).all()
    finished = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is not None and finish_if_overdue(attempt):
            finished += 1
    return finished
