"""Assignment rules: assigning a course to a person, a department subtree or a job role (with a
due rule, mandatory or optional, and a recertification interval), and stopping a rule."""

from datetime import date

from flask_babel import gettext as _

from app.core import clock
from app.core.audit import record_audit
from app.core.uow import transaction
from app.courses import queries
from app.courses.models import DUE_KINDS, TARGET_KINDS, AssignmentRule, Course
from app.courses.services.applying import apply_rules, apply_to_users
from app.courses.services.errors import CourseError
from app.extensions import db
from app.org.models import Department, JobRole, User


def _rule_snapshot(rule: AssignmentRule) -> dict:
    return {
        "course_id": rule.course_id,
        "target_kind": rule.target_kind,
        "target_id": rule.user_id or rule.department_id or rule.job_role_id,
        "due_kind": rule.due_kind,
        "due_on": rule.due_on.isoformat() if rule.due_on else None,
        "due_days": rule.due_days,
        "is_mandatory": rule.is_mandatory,
        "recert_months": rule.recert_months,
        "is_active": rule.is_active,
        "reason": rule.reason,
    }


def _check_rule_fields(target, due_kind, due_on, due_days, recert_months) -> None:
    if target is None:
        raise CourseError(_("Choose whom the course is assigned to."))
    if due_kind not in DUE_KINDS:
        raise CourseError(_("Unknown kind of due date."))
    if due_kind == "fixed" and due_on is None:
        raise CourseError(_("A fixed due date needs a date."))
    if due_kind in ("after_assignment", "after_hire") and (due_days is None or due_days < 0):
        raise CourseError(_("A relative due date needs a number of days (0 or more)."))
    if recert_months is not None and recert_months <= 0:
        raise CourseError(_("The recertification interval is at least one month."))


@transaction
def create_rule(
    actor: User | None,
    course: Course,
    *,
    target_kind: str,
    user: User | None = None,
    department: Department | None = None,
    job_role: JobRole | None = None,
    due_kind: str = "none",
    due_on: date | None = None,
    due_days: int | None = None,
    is_mandatory: bool = True,
    recert_months: int | None = None,
    reason: str = "",
) -> AssignmentRule:
    """Assign ``course`` to a person, a department subtree or a job role, and apply it now.

    ``reason`` (at most 500 characters) is shown to the people it assigns the course to.
    """
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise CourseError(_("A reason has at most 500 characters."))
    if target_kind not in TARGET_KINDS:
        raise CourseError(_("Unknown assignment target."))
    target = {"user": user, "department": department, "job_role": job_role}[target_kind]
    _check_rule_fields(target, due_kind, due_on, due_days, recert_months)
    if course.status == "archived":
        raise CourseError(_("An archived course cannot be assigned."))
    rule = AssignmentRule(
        course=course,
        target_kind=target_kind,
        user_id=user.id if target_kind == "user" else None,
        department_id=department.id if target_kind == "department" else None,
        job_role_id=job_role.id if target_kind == "job_role" else None,
        due_kind=due_kind,
        due_on=due_on if due_kind == "fixed" else None,
        due_days=due_days if due_kind in ("after_assignment", "after_hire") else None,
        is_mandatory=is_mandatory,
        recert_months=recert_months,
        created_by_id=getattr(actor, "id", None),
        reason=reason,
    )
    db.session.add(rule)
    db.session.flush()
    record_audit(actor, "course.rule.create", rule, None, _rule_snapshot(rule))
    if course.is_published:
        apply_rules([rule], clock.now())
    return rule


@transaction
def delete_rule(actor: User | None, rule: AssignmentRule) -> None:
    """Stop a rule: unfinished enrolments it alone caused are withdrawn, completions stay."""
    if not rule.is_active:
        return
    before = _rule_snapshot(rule)
    rule.is_active = False
    record_audit(actor, "course.rule.delete", rule, before, _rule_snapshot(rule))
    db.session.flush()
    apply_to_users(queries.users_enrolled_by_rule(rule), clock.now())
