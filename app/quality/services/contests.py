"""Contests: a person questions one of their values with a comment; HR upholds it (the value is
corrected with the reason through ``correct_score``, so the composite, the evidence and the gates
follow) or rejects it (the value is kept), always with the reason. The person is told by an
in-app notice that is also emailed (notice kind ``quality.contest_resolved``). Contests are
never deleted, and every step writes an audit row.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.uow import transaction, unit_of_work
from app.extensions import db
from app.notify.services import Notice, NoticeKind, add_notices
from app.quality import queries, queries_follow
from app.quality.models import Score, ScoreContest
from app.quality.services.scores import MAX_REASON, correct_score, parse_value
from app.quality.units import UNITS, plain

MAX_COMMENT = 2000
NOTICE_KIND = "quality.contest_resolved"
OUTCOMES = ("upheld", "rejected")
STATUS_LABELS = {"open": _l("Waiting for HR"), "upheld": _l("Upheld"), "rejected": _l("Rejected")}


class ContestRefused(DomainError):
    """A contest could not be opened or resolved."""


def _snapshot(contest: ScoreContest) -> dict:
    return {
        "person": contest.user.employee_no if contest.user else contest.user_id,
        "indicator": contest.indicator.code,
        "period": contest.period,
        "value": contest.value,
        "status": contest.status,
        "comment": contest.comment,
        "resolution": contest.resolution,
        "corrected_value": contest.corrected_value,
    }


@transaction
def open_contest(actor, score: Score, comment: str) -> ScoreContest:
    """The person whose value it is contests it, saying why."""
    if actor is None or score.user_id != getattr(actor, "id", None):
        raise ContestRefused(_("Only the person a value belongs to may contest it."))
    comment = (comment or "").strip()
    if not comment:
        raise ContestRefused(_("Say why the value is wrong."))
    if len(comment) > MAX_COMMENT:
        raise ContestRefused(_("A comment has at most %(n)d characters.", n=MAX_COMMENT))
    already = _("You have already contested this value; HR will answer.")
    if queries_follow.open_contest_for(score.id) is not None:
        raise ContestRefused(already)
    with unit_of_work(expect=lambda _error: ContestRefused(already)):
        contest = ScoreContest(
            score_id=score.id,
            user_id=score.user_id,
            indicator_id=score.indicator_id,
            period=score.period,
            value=score.value,
            comment=comment,
            status="open",
            created_at=clock.now(),
        )
        db.session.add(contest)
        db.session.flush()
    record_audit(actor, "service_score.contest", contest, None, _snapshot(contest))
    return contest


@transaction
def resolve_contest(
    actor, contest: ScoreContest, outcome: str, reason: str, value=None
) -> ScoreContest:
    """HR upholds a contest (the value corrected to ``value``) or rejects it, with the reason."""
    if not contest.is_open:
        raise ContestRefused(_("This contest has already been answered."))
    if outcome not in OUTCOMES:
        raise ContestRefused(_("Uphold or reject the contest."))
    reason = (reason or "").strip()
    if not reason:
        raise ContestRefused(_("Give the reason, the person will read it."))
    if len(reason) > MAX_REASON:
        raise ContestRefused(_("A reason has at most %(n)d characters.", n=MAX_REASON))
    before = _snapshot(contest)
    now = clock.now()
    if outcome == "upheld":
        if contest.score is None:
            raise ContestRefused(
                _("A later import removed this value: it cannot be corrected. Reject the contest.")
            )
        if parse_value(value) is None:
            raise ContestRefused(_("Give the corrected value."))
        score = correct_score(actor, contest.score, value, reason)
        contest.corrected_value = score.value
        contest.batch_id = score.batch_id
    contest.status = outcome
    contest.resolution = reason
    contest.resolved_at = now
    contest.resolved_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(actor, "service_score.contest_resolve", contest, before, _snapshot(contest))
    unit = UNITS[contest.indicator.unit]
    add_notices(
        [
            Notice(
                user_id=contest.user_id,
                kind=NOTICE_KIND,
                subject_id=contest.id,
                params={
                    "indicator": contest.indicator.code,
                    "period": contest.period,
                    "outcome": outcome,
                    "value": unit.show(contest.value),
                    "corrected": unit.show(contest.corrected_value)
                    if contest.corrected_value is not None
                    else "",
                    "reason": reason,
                },
                link=f"/quality/my?period={contest.period}",
            )
        ]
    )
    return contest


# --- the notice ------------------------------------------------------------------------------


def _subject(params: dict) -> str:
    label = queries.indicator_label(params.get("indicator"))
    if params.get("outcome") == "upheld":
        return _(
            "Your contest of %(indicator)s %(period)s was upheld",
            indicator=label,
            period=params.get("period", ""),
        )
    return _(
        "Your contest of %(indicator)s %(period)s was rejected",
        indicator=label,
        period=params.get("period", ""),
    )


def _body(params: dict) -> str:
    label = queries.indicator_label(params.get("indicator"))
    if params.get("outcome") == "upheld":
        body = _(
            "HR upheld your contest of %(indicator)s in %(period)s: the value is corrected from "
            "%(before)s to %(after)s and your composite is recomputed.",
            indicator=label,
            period=params.get("period", ""),
            before=params.get("value", ""),
            after=params.get("corrected", ""),
        )
    else:
        body = _(
            "HR rejected your contest of %(indicator)s in %(period)s: the value %(value)s stays.",
            indicator=label,
            period=params.get("period", ""),
            value=params.get("value", ""),
        )
    return body + " " + _("Reason: %(reason)s", reason=params.get("reason", ""))


#: how the notice to the person is worded (connected to ``notice_kind``)
CONTEST_NOTICE = NoticeKind(NOTICE_KIND, _subject, _body)


def value_text(contest: ScoreContest, value: float | None) -> str:
    """A contest's value as people read it ("95.6 %")."""
    return UNITS[contest.indicator.unit].show(value) if value is not None else plain(None)
