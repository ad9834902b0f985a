"""Training hours: the 学时 quota each job role must earn in a year."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.audit import record_audit
from app.core.uow import transaction
from app.courses.models import TrainingQuota
from app.courses.services.errors import CourseError
from app.extensions import db
from app.org.models import JobRole, User


@transaction
def set_quota(actor: User | None, job_role: JobRole, year: int, hours: float) -> TrainingQuota:
    """Set the 学时 a job role must earn in ``year``."""
    if hours is None or hours < 0:
        raise CourseError(_("A quota cannot be negative."))
    if not 2000 <= year <= 2100:
        raise CourseError(_("Choose a year between 2000 and 2100."))
    quota = db.session.scalar(
        select(TrainingQuota).where(
            TrainingQuota.job_role_id == job_role.id, TrainingQuota.year == year
        )
    )
    before = {"hours": quota.hours} if quota else None
    if quota is None:
        quota = TrainingQuota(job_role_id=job_role.id, year=year, hours=hours)
        db.session.add(quota)
    quota.hours = float(hours)
    db.session.flush()
    record_audit(actor, "course.quota", quota, before, {"hours": quota.hours, "year": year})
    return quota
