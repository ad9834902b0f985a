"""Ratings into the satisfaction indicator (K01 by default, ``RATINGS_INDICATOR``).

Per person and month: satisfied ratings (4–5 stars) ÷ all ratings × 100, into the month the
rating was given (company time zone). The value is an ordinary ``service_score`` row of a
``ratings`` batch (one batch per month), so composites, ranks, evidence and gates follow it
like any other value. Where the month also holds a value another batch imported, the indicator's
setting decides: ``keep`` the imported value (default) or ``replace`` it with the ratings'.
A value HR corrected by hand (a ``correction`` batch, an upheld contest) always stands.

An import replaces an indicator's whole month and so may delete or overwrite ratings' values:
the ``scores_changed`` handler puts them back by the same rule, inside the import's unit of
work. The handler changes nothing when everything already agrees, so it never loops.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import case, func, select

from app.core import clock, hooks
from app.core.audit import record_audit
from app.core.uow import transaction
from app.extensions import db
from app.kiosk.models import IndicatorSetting, Rating
from app.kiosk.moderation import satisfaction
from app.org.models import User
from app.quality.models import Indicator, Score, ScoreBatch

SOURCE = "ratings"


def rated_indicator() -> Indicator | None:
    """The indicator ratings feed (``RATINGS_INDICATOR``, default K01), if it exists."""
    code = current_app.config.get("RATINGS_INDICATOR", "K01")
    return db.session.scalar(select(Indicator).where(Indicator.code == code))


def policy_of(indicator: Indicator) -> str:
    """keep | replace: what ratings do to an imported value of the same month."""
    setting = db.session.get(IndicatorSetting, indicator.id)
    return setting.on_imported if setting is not None else "keep"


def month_counts(period: str, user_ids) -> dict[int, tuple[int, int]]:
    """user id -> (satisfied, all) ratings of ``period``."""
    rows = db.session.execute(
        select(
            Rating.user_id,
            func.sum(case((Rating.stars >= 4, 1), else_=0)),
            func.count(Rating.id),
        )
        .where(Rating.period == period, Rating.user_id.in_(sorted(user_ids)))
        .group_by(Rating.user_id)
    )
    return {user_id: (int(good or 0), int(total)) for user_id, good, total in rows}


def _month_batch(period: str) -> ScoreBatch:
    batch = db.session.scalar(
        select(ScoreBatch)
        .where(ScoreBatch.period == period, ScoreBatch.source == SOURCE)
        .order_by(ScoreBatch.id)
        .limit(1)
    )
    if batch is None:
        batch = ScoreBatch(
            period=period,
            source=SOURCE,
            created_at=clock.now(),
            indicators=[],
        )
        db.session.add(batch)
        db.session.flush()
    return batch


def sync_people(period: str, user_ids, actor=None) -> list[int]:
    """Bring the ratings' indicator values of ``user_ids`` in ``period`` up to date; return the
    people whose value changed (and fire ``scores_changed`` for them)."""
    user_ids = sorted(set(user_ids))
    indicator = rated_indicator()
    if indicator is None or not user_ids:
        return []
    counts = month_counts(period, user_ids)
    if not counts:
        return []
    wanted = {uid: satisfaction(good, total) for uid, (good, total) in counts.items()}
    existing = {
        score.user_id: (score, source)
        for score, source in db.session.execute(
            select(Score, ScoreBatch.source)
            .join(ScoreBatch, ScoreBatch.id == Score.batch_id)
            .where(
                Score.period == period,
                Score.indicator_id == indicator.id,
                Score.user_id.in_(sorted(wanted)),
            )
        )
    }
    replace = policy_of(indicator) == "replace"
    changes: list[tuple[int, float | None, float, Score | None]] = []
    for user_id, value in sorted(wanted.items()):
        score, source = existing.get(user_id, (None, None))
        if score is None:
            changes.append((user_id, None, value, None))
        elif source == "correction":
            continue  # HR corrected this value by hand, with a reason: it stands
        elif (source == SOURCE or replace) and (score.value != value or source != SOURCE):
            changes.append((user_id, score.value, value, score))
    if not changes:
        return []
    batch = _month_batch(period)
    placement = _placements(period, [c[0] for c in changes if c[3] is None])
    numbers = dict(
        db.session.execute(
            select(User.id, User.employee_no).where(User.id.in_([c[0] for c in changes]))
        ).all()
    )
    before: dict[str, float] = {}
    after: dict[str, float] = {}
    changed: list[int] = []
    for user_id, old, value, score in changes:
        label = f"{numbers[user_id]} {indicator.code}"
        if score is None:
            role_id, department_id = placement.get(user_id, (None, None))
            if role_id is None:
                continue  # no job role: the value could not be judged (as an import refuses)
            db.session.add(
                Score(
                    user_id=user_id,
                    indicator_id=indicator.id,
                    period=period,
                    value=value,
                    job_role_id=role_id,
                    department_id=department_id,
                    batch_id=batch.id,
                )
            )
            batch.n_created += 1
        else:
            before[label] = old
            score.value = value
            score.batch_id = batch.id
            batch.n_updated += 1
        after[label] = value
        changed.append(user_id)
    if not changed:
        return []
    batch.indicators = sorted({*(batch.indicators or []), indicator.code})
    db.session.flush()
    record_audit(
        actor,
        "service_scores.ratings",
        batch,
        {"values": before} if before else None,
        {"period": period, "source": SOURCE, "values": after},
    )
    hooks.fire("scores_changed", period, changed)
    return changed


def _placements(period: str, user_ids) -> dict[int, tuple[int | None, int | None]]:
    """user id -> (job role, department) of the period: those of an existing value of the
    month, else the person's current ones (as an import places a first value)."""
    if not user_ids:
        return {}
    placed = {
        uid: (role_id, dept_id)
        for uid, role_id, dept_id in db.session.execute(
            select(Score.user_id, Score.job_role_id, Score.department_id)
            .where(Score.period == period, Score.user_id.in_(user_ids))
            .distinct()
        )
    }
    for uid, role_id, dept_id in db.session.execute(
        select(User.id, User.job_role_id, User.department_id).where(User.id.in_(user_ids))
    ):
        placed.setdefault(uid, (role_id, dept_id))
    return placed


def on_scores_changed(period: str, user_ids) -> None:
    """After an import or correction: put the ratings' values back where the rule wants them."""
    sync_people(period, user_ids)


@transaction
def sync_period(actor, period: str) -> list[int]:
    """Recompute a whole month from its ratings (after changing the setting, say)."""
    user_ids = db.session.scalars(
        select(Rating.user_id).where(Rating.period == period).distinct()
    ).all()
    return sync_people(period, user_ids, actor)
