"""The competency part of the home page: a person's top gaps and the courses that close them;
for HR, admins and managers the attainment and largest gaps of the people they see."""

from __future__ import annotations

from app.competencies import evidence_read, matrix
from app.core.permissions import Role, can_view_people, has_role


def summary(user) -> dict:
    """A few numbers and lists for the home page (a fixed number of queries)."""
    result: dict = {}
    if has_role(user, Role.STAFF) and user.job_role_id is not None:
        states = evidence_read.person_states(user)
        gaps = sorted((s for s in states if s.gap > 0), key=lambda s: (-s.gap, s.competency.code))
        result["gaps"] = gaps[:3]
        result["n_gaps"] = len(gaps)
        result["courses"] = matrix.courses_developing([s.competency.code for s in gaps[:3]])[:3]
    if can_view_people(user):
        counted = matrix.tallies(user, None)
        met, total = matrix.attainment(user, None, counted)
        result["attainment"] = (met / total) if total else None
        result["largest_gaps"] = matrix.largest_gaps(user, None, limit=5, counted=counted)
    return result
