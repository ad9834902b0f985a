"""Object loaders of the competency framework, shared by pages and the API: a record or 404."""

from flask import abort

from app.competencies import queries
from app.competencies.models import Competency, CompetencyDomain
from app.extensions import db
from app.org.models import JobRole


def get_competency_or_404(code: str) -> Competency:
    """The competency with this code (retired ones too), or 404."""
    competency = queries.get_competency(code)
    if competency is None:
        abort(404)
    return competency


def get_domain_or_404(domain_id: int) -> CompetencyDomain:
    """The domain with this id, or 404."""
    domain = db.session.get(CompetencyDomain, domain_id)
    if domain is None:
        abort(404)
    return domain


def get_job_role_or_404(code: str) -> JobRole:
    """The job role with this code (CTR, CC, …), or 404."""
    role = queries.job_role_by_code(code)
    if role is None:
        abort(404)
    return role
