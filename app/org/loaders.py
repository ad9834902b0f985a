"""Object loaders of the organisation, shared by pages and the API: a record or 404."""

from flask import abort

from app.extensions import db
from app.org.models import Department, JobRole, User


def get_user_or_404(user_id: int) -> User:
    """The user with this id, or 404."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def department_or_none(department_id: int | None) -> Department | None:
    """The department with this id, or None for 0, None or an unknown id (form choices)."""
    return db.session.get(Department, department_id) if department_id else None


def job_role_or_none(job_role_id: int | None) -> JobRole | None:
    """The job role with this id, or None for 0, None or an unknown id (form choices)."""
    return db.session.get(JobRole, job_role_id) if job_role_id else None


def departments_by_ids(ids) -> list[Department]:
    """The departments with these ids that exist, in the order given."""
    found = [db.session.get(Department, i) for i in ids or []]
    return [department for department in found if department is not None]
