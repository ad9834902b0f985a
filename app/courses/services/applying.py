"""Applying the assignment rules: who must take which course, when it is due, and the next
certification cycle once a certificate has expired.

Applying is idempotent. It runs when a course is published or a rule added or stopped, inside
the organisation's transaction when people are created, moved or imported (``users_changed``
hook), and daily for everyone (``flask courses apply-rules``).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from app.core import clock
from app.core.permissions import Role
from app.core.uow import transaction
from app.courses import queries
from app.courses.dates import local_today
from app.courses.models import AssignmentRule, Enrolment
from app.courses.services.notices import course_notice
from app.extensions import db
from app.notify.services import add_notices, restate_notices
from app.org.models import User


@dataclass
class ApplyReport:
    """What applying the rules changed."""

    assigned: int = 0
    reopened: int = 0
    withdrawn: int = 0
    restored: int = 0

    @property
    def summary(self) -> str:
        """One line for the CLI."""
        return (
            f"{self.assigned} assigned, {self.reopened} re-opened for recertification, "
            f"{self.withdrawn} withdrawn, {self.restored} restored"
        )


def rule_matches(rule: AssignmentRule, user: User) -> bool:
    """True when ``rule`` applies to ``user`` as the user is now."""
    if rule.target_kind == "user":
        return rule.user_id == user.id
    if rule.target_kind == "job_role":
        return user.job_role_id is not None and rule.job_role_id == user.job_role_id
    department = user.department
    return department is not None and department.path.startswith(rule.department.path)


def _due_for(rule: AssignmentRule, user: User, today: date) -> date | None:
    if rule.due_kind == "fixed":
        return rule.due_on
    if rule.due_kind == "after_assignment":
        return today + timedelta(days=rule.due_days or 0)
    if rule.due_kind == "after_hire":
        return (user.hired_at or today) + timedelta(days=rule.due_days or 0)
    return None


def _recert_due(rule: AssignmentRule | None, today: date) -> date:
    if rule is not None and rule.due_kind == "after_assignment":
        return today + timedelta(days=rule.due_days or 0)
    return today + timedelta(days=current_app.config["COURSE_RECERT_DUE_DAYS"])


def open_next_cycle(enrolment: Enrolment, rule: AssignmentRule | None, now: datetime):
    """Supersede an expired enrolment by a new cycle of the same course (not flushed)."""
    enrolment.superseded_at = now
    rule = rule or enrolment.rule
    following = Enrolment(
        user_id=enrolment.user_id,
        course=enrolment.course,
        cycle=enrolment.cycle + 1,
        rule=rule,
        source="rule" if rule is not None else enrolment.source,
        is_mandatory=rule.is_mandatory if rule is not None else enrolment.is_mandatory,
        recert_months=rule.recert_months if rule is not None else enrolment.recert_months,
        assigned_at=now,
        due_on=_recert_due(rule, local_today(now)),
    )
    db.session.add(following)
    return following


def apply_to_users(users: list[User], now: datetime) -> ApplyReport:
    """Bring the enrolments of ``users`` in line with the active rules (in the caller's unit)."""
    report = ApplyReport()
    if not users:
        return report
    rules = queries.active_rules()
    today = local_today(now)
    current = queries.current_enrolments_of([u.id for u in users])
    created: list[tuple[Enrolment, str]] = []
    for user in users:
        if not user.is_active:
            continue
        chosen: dict[int, AssignmentRule] = {}
        is_staff = Role.STAFF in user.role_set
        for rule in rules:
            # Department and job-role rules reach learners (staff); a person rule anyone.
            if (is_staff or rule.target_kind == "user") and rule_matches(rule, user):
                best = chosen.get(rule.course_id)
                # A mandatory rule wins over an optional one; otherwise the oldest rule.
                if best is None or (rule.is_mandatory and not best.is_mandatory):
                    chosen[rule.course_id] = rule
        for course_id, rule in chosen.items():
            enrolment = current.get((user.id, course_id))
            if enrolment is None:
                enrolment = Enrolment(
                    user_id=user.id,
                    course=rule.course,
                    rule=rule,
                    source="rule",
                    is_mandatory=rule.is_mandatory,
                    recert_months=rule.recert_months,
                    assigned_at=now,
                    due_on=_due_for(rule, user, today),
                )
                db.session.add(enrolment)
                created.append((enrolment, "course.assigned"))
                report.assigned += 1
                continue
            if enrolment.withdrawn_at is not None:
                enrolment.withdrawn_at = None
                report.restored += 1
            if enrolment.rule_id != rule.id:
                still_governed = (
                    enrolment.rule_id is not None
                    and any(r.id == enrolment.rule_id and r.course_id == course_id for r in rules)
                    and rule_matches(enrolment.rule, user)
                )
                # A mandatory rule takes over from an optional one that still applies.
                still_governed = still_governed and (
                    enrolment.rule.is_mandatory or not rule.is_mandatory
                )
                if not still_governed:
                    enrolment.rule = rule
                    enrolment.source = "rule"
                    if enrolment.completed_at is None:
                        enrolment.is_mandatory = rule.is_mandatory
                        enrolment.recert_months = rule.recert_months
                        if enrolment.due_on is None:
                            enrolment.due_on = _due_for(rule, user, today)
            if (
                enrolment.completed_at is not None
                and enrolment.expires_at is not None
                and enrolment.expires_at <= now
            ):
                following = open_next_cycle(enrolment, rule, now)
                created.append((following, "course.recertify"))
                report.reopened += 1
        for (user_id, course_id), enrolment in current.items():
            if user_id != user.id or course_id in chosen:
                continue
            if (
                enrolment.source == "rule"
                and enrolment.completed_at is None
                and enrolment.withdrawn_at is None
            ):
                enrolment.withdrawn_at = now
                report.withdrawn += 1
    if created:
        db.session.flush()
        add_notices(
            course_notice(
                e,
                kind,
                due_on=e.due_on.isoformat() if e.due_on else None,
                reason=e.rule.reason if e.rule is not None and e.rule.reason else None,
            )
            for e, kind in created
        )
    return report


def backdate_assignment(enrolment: Enrolment, assigned_at: datetime) -> None:
    """Move an assignment back to ``assigned_at`` (the demo's history): its due date follows
    from its rule as if applied then, and the notice that told the person about it says the
    same date, so notices and My learning never disagree (one source for due dates)."""
    enrolment.assigned_at = assigned_at
    if enrolment.rule is not None:
        enrolment.due_on = _due_for(enrolment.rule, enrolment.user, local_today(assigned_at))
    restate_notices(
        enrolment.id,
        ("course.assigned", "course.recertify"),
        created_at=assigned_at,
        due_on=enrolment.due_on.isoformat() if enrolment.due_on else None,
    )


def apply_rules(rules: list[AssignmentRule], now: datetime) -> ApplyReport:
    """Apply the active rules to everyone ``rules`` point at or who holds one of their courses."""
    return apply_to_users(queries.users_for_rules(rules), now)


def apply_rules_for_users(users: list[User]) -> ApplyReport:
    """Assign what the rules say to users just created, moved or imported (``users_changed``).

    Runs inside the organisation's unit of work, so people and their assignments land together.
    """
    return apply_to_users([u for u in users if u.id is not None], clock.now())


@transaction
def apply_all_rules() -> ApplyReport:
    """Apply every rule to every active user and re-open expired certificates.

    Idempotent: a second run changes nothing. Run daily (``flask courses apply-rules``).
    """
    return apply_to_users(queries.active_users(), clock.now())
