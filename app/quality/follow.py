"""What follows from service scores, wired through hooks by ``blueprint.register_hooks``: the
``scores_changed`` handler (evidence and gates, in the importer's unit of work), the
``service_quality`` evidence source for the competency trail, and the demo's last step.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.competencies.services.evidence import levels_recomputed_once
from app.competencies.sources import EvidenceSource
from app.core.permissions import can_view_service_scores
from app.core.uow import unit_of_work
from app.quality import demo, periods, queries, queries_follow
from app.quality.services import evidence, gates


def on_scores_changed(period: str, user_ids: list[int]) -> None:
    """Hook ``scores_changed``: the evidence whose later month is this one or the next, then
    the gate events of the month, for the people whose values changed."""
    evidence.sync_evidence(user_ids, [period, periods.shift(period, 1)])
    gates.sync_gates(period, user_ids)


def seed_follow_ups() -> str:
    """Demo: the evidence and gate events of the whole demo history, levels recomputed once,
    and two contests (idempotent: a second run finds nothing to do)."""
    if not queries.periods_with_scores():
        return "skipped: no scores"
    with unit_of_work(), levels_recomputed_once():
        found = evidence.sync_all_evidence()
        opened = gates.sync_all_gates()
        contested = demo.seed_contests()
    return (
        f"{found.added} pieces of service evidence added, {found.withdrawn} withdrawn "
        f"({len(found.people)} people); {opened.assigned} gate courses assigned, "
        f"{opened.without_course} gate events without a course; {contested}"
    )


def _describe(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Score id -> (title, link to the person's scores of that month) for the evidence trail."""
    viewer = current_user if current_user and current_user.is_authenticated else None
    found = {}
    for score_id, user_id, code, period in queries_follow.describe_scores(ids):
        title = _(
            "%(indicator)s at target in %(first)s and %(last)s",
            indicator=queries.indicator_label(code),
            first=periods.shift(period, -1),
            last=period,
        )
        linked = viewer is not None and (viewer.id == user_id or can_view_service_scores(viewer))
        link = url_for("quality.person_scores", user_id=user_id, period=period) if linked else None
        found[score_id] = (title, link)
    return found


#: the evidence source connected to ``evidence_source``
EVIDENCE_SOURCE = EvidenceSource("service_quality", _l("Service results at target"), _describe)
