"""Loaders of the HR reports, shared by pages and the API: the department a report is about (403
outside the viewer's scope), the report month, a quiz, a person whose record the viewer may see."""

from __future__ import annotations

from flask import abort

from app.core.permissions import can_report_on, can_view_user, sees_all_quiz_results
from app.org.loaders import department_or_none, get_user_or_404
from app.org.models import Department, User


def department_in_scope(viewer, department_id: int | None) -> Department | None:
    """The department with this id (None: no department or an unknown id), or 403 when it lies
    outside what ``viewer`` may report on."""
    department = department_or_none(department_id)
    if not can_report_on(viewer, department):
        abort(403)
    return department


def results_department_in_scope(viewer, department_id: int | None) -> Department | None:
    """The department of a quiz results filter: any department for those who see every result
    (HR, admins, trainers), else one the manager reports on (403 otherwise)."""
    if sees_all_quiz_results(viewer):
        return department_or_none(department_id)
    return department_in_scope(viewer, department_id)


def person_in_scope(viewer, user_id: int) -> User:
    """The person with this id (404) whom ``viewer`` may see (403 otherwise)."""
    person = get_user_or_404(user_id)
    if not can_view_user(viewer, person):
        abort(403)
    return person
