"""Use cases of courses: authoring, files, assignment rules and applying them, enrolment,
progress and completion, certificates and recertification, training-hour quotas, and the
notices about assignments.

Public functions own their transaction (one commit), except ``apply_rules_for_user(s)``, which
the organisation's services call inside theirs (through ``app.core.hooks``) and so never commit.
"""

import calendar
import hashlib
import io
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.bank.qtypes import COMPETENCY_CODES
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.hooks import on_users_changed
from app.core.permissions import Role
from app.courses.models import (
    ACTIVITY_KINDS,
    COMPLETION_RULES,
    DUE_KINDS,
    TARGET_KINDS,
    Activity,
    ActivityProgress,
    AssignmentRule,
    Certificate,
    Course,
    CourseCompetency,
    CourseFile,
    Enrolment,
    TrainingQuota,
)
from app.extensions import db
from app.notify.services import Notice, add_notices, register_kind, register_producer
from app.org.models import Department, JobRole, User


class CourseError(DomainError):
    """A course use case refused its input."""


# --- time -----------------------------------------------------------------------------------


def company_zone() -> ZoneInfo:
    """The time zone in which due dates and "today" are counted."""
    return clock.local_zone()


def local_today(now: datetime | None = None) -> date:
    """Today's date in the company's time zone."""
    return (now or clock.now()).astimezone(company_zone()).date()


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def soon_days() -> int:
    """Days before expiry in which a certificate counts as expiring soon."""
    return current_app.config["COURSE_EXPIRING_SOON_DAYS"]


def status_of(enrolment: Enrolment, now: datetime | None = None) -> str:
    """The derived status of ``enrolment`` now (or at ``now``)."""
    now = now or clock.now()
    return enrolment.status_at(now, local_today(now), soon_days())


# --- authoring ------------------------------------------------------------------------------


def _course_snapshot(course: Course) -> dict:
    return {
        "title": course.title,
        "category": course.category,
        "credit_hours": course.credit_hours,
        "status": course.status,
        "is_open": course.is_open,
        "completion_rule": course.completion_rule,
        "competencies": course.competencies,
    }


def _check_course_fields(title: str, credit_hours: float, completion_rule: str) -> None:
    if not (title or "").strip():
        raise CourseError(_("A course needs a title."))
    if credit_hours is None or credit_hours < 0:
        raise CourseError(_("Credit hours cannot be negative."))
    if completion_rule not in COMPLETION_RULES:
        raise CourseError(_("Unknown completion rule."))


def _set_competencies(course: Course, competencies: dict[str, int]) -> None:
    for code, level in competencies.items():
        if code not in COMPETENCY_CODES:
            raise CourseError(_("Unknown competency code %(code)s.", code=code))
        if not 1 <= int(level) <= 5:
            raise CourseError(_("A competency level is between 1 and 5."))
    current = {row.code: row for row in course.competency_rows}
    rows = []
    for code, level in sorted(competencies.items()):
        row = current.get(code) or CourseCompetency(code=code)
        row.level = int(level)
        rows.append(row)
    course.competency_rows = rows


def create_course(
    actor: User | None,
    *,
    title: str,
    summary: str = "",
    category: str = "",
    credit_hours: float = 0.0,
    competencies: dict[str, int] | None = None,
    is_open: bool = False,
    completion_rule: str = "all",
) -> Course:
    """Create a draft course."""
    _check_course_fields(title, credit_hours, completion_rule)
    course = Course(
        title=title.strip(),
        summary=summary or "",
        category=(category or "").strip(),
        credit_hours=float(credit_hours),
        is_open=is_open,
        completion_rule=completion_rule,
        created_by_id=getattr(actor, "id", None),
    )
    _set_competencies(course, competencies or {})
    db.session.add(course)
    db.session.flush()
    record_audit(actor, "course.create", course, None, _course_snapshot(course))
    db.session.commit()
    return course


def update_course(actor: User | None, course: Course, **changes) -> Course:
    """Change a course's description, credit hours, competencies or completion rule.

    A published course keeps its learners' progress: completions stay completed.
    """
    before = _course_snapshot(course)
    competencies = changes.pop("competencies", None)
    allowed = {"title", "summary", "category", "credit_hours", "is_open", "completion_rule"}
    unknown = set(changes) - allowed
    if unknown:
        raise CourseError(_("Unknown course fields: %(names)s", names=", ".join(sorted(unknown))))
    _check_course_fields(
        changes.get("title", course.title),
        changes.get("credit_hours", course.credit_hours),
        changes.get("completion_rule", course.completion_rule),
    )
    for key, value in changes.items():
        if isinstance(value, str) and key != "summary":
            value = value.strip()
        setattr(course, key, value)
    if competencies is not None:
        _set_competencies(course, competencies)
    course.updated_at = clock.now()
    after = _course_snapshot(course)
    if after != before:
        record_audit(actor, "course.update", course, before, after)
    db.session.flush()
    if course.is_published:
        _reevaluate_course(course)
    db.session.commit()
    return course


def publish_course(actor: User | None, course: Course) -> Course:
    """Publish a draft course and assign it by its rules; it needs an activity that counts."""
    if course.status == "published":
        return course
    if not any(course.counts_for_completion(a) for a in course.activities):
        raise CourseError(_("Add at least one activity that counts for completion first."))
    course.status = "published"
    course.published_at = clock.now()
    record_audit(actor, "course.publish", course, {"status": "draft"}, {"status": "published"})
    db.session.flush()
    _apply(_users_for_rules(_active_rules(course_id=course.id)), clock.now())
    db.session.commit()
    return course


def _check_activity_fields(kind, title, quiz_id, starts_at, ends_at) -> None:
    if kind not in ACTIVITY_KINDS:
        raise CourseError(_("Unknown activity kind."))
    if not (title or "").strip():
        raise CourseError(_("An activity needs a title."))
    if kind == "quiz" and not quiz_id:
        raise CourseError(_("A quiz activity needs a quiz."))
    if kind == "session" and starts_at is None:
        raise CourseError(_("An offline session needs a start time."))
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise CourseError(_("A session cannot end before it starts."))


def add_activity(
    actor: User | None,
    course: Course,
    *,
    kind: str,
    title: str,
    body: str = "",
    quiz_id: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    place: str | None = None,
    is_required: bool = True,
) -> Activity:
    """Append a lesson, quiz or offline session to a course."""
    _check_activity_fields(kind, title, quiz_id, starts_at, ends_at)
    if kind == "quiz":
        check_quiz_is_free(course, quiz_id)
    position = max((a.position for a in course.activities), default=0) + 1
    activity = Activity(
        course=course,
        position=position,
        kind=kind,
        title=title.strip(),
        body=body or "",
        quiz_id=quiz_id if kind == "quiz" else None,
        starts_at=starts_at if kind == "session" else None,
        ends_at=ends_at if kind == "session" else None,
        place=(place or "").strip() or None if kind == "session" else None,
        is_required=is_required,
    )
    db.session.add(activity)
    course.updated_at = clock.now()
    db.session.flush()
    record_audit(actor, "course.activity.add", course, None, {"activity": activity.id})
    db.session.commit()
    return activity


def update_activity(actor: User | None, activity: Activity, **changes) -> Activity:
    """Change an activity's title, text, quiz, session details or whether it is required."""
    allowed = {"title", "body", "quiz_id", "starts_at", "ends_at", "place", "is_required"}
    unknown = set(changes) - allowed
    if unknown:
        raise CourseError(_("Unknown activity fields: %(names)s", names=", ".join(sorted(unknown))))
    merged = {
        key: changes.get(key, getattr(activity, key))
        for key in ("title", "quiz_id", "starts_at", "ends_at")
    }
    _check_activity_fields(activity.kind, **merged)
    if activity.kind == "quiz":
        check_quiz_is_free(activity.course, merged["quiz_id"])
    for key, value in changes.items():
        setattr(activity, key, value)
    activity.course.updated_at = clock.now()
    db.session.flush()
    if activity.course.is_published:
        _reevaluate_course(activity.course)
    db.session.commit()
    return activity


def move_activity(actor: User | None, activity: Activity, offset: int) -> None:
    """Move an activity up (-1) or down (+1) among the course's live activities."""
    live = activity.course.live_activities
    index = live.index(activity)
    other = index + offset
    if 0 <= other < len(live):
        for position, item in enumerate(live, start=1):
            item.position = position
        live[index].position, live[other].position = live[other].position, live[index].position
        activity.course.updated_at = clock.now()
    db.session.commit()


def retire_activity(actor: User | None, activity: Activity) -> None:
    """Remove an activity: deleted from a draft, retired (progress kept) from a published course."""
    course = activity.course
    has_progress = db.session.scalar(
        select(func.count(ActivityProgress.id)).where(ActivityProgress.activity_id == activity.id)
    )
    if course.status == "draft" and not has_progress:
        course.activities.remove(activity)
        db.session.delete(activity)
    else:
        activity.retired_at = clock.now()
    course.updated_at = clock.now()
    record_audit(actor, "course.activity.remove", course, {"activity": activity.id}, None)
    db.session.flush()
    if course.is_published:
        _reevaluate_course(course)
    db.session.commit()


# --- files ----------------------------------------------------------------------------------

#: extension → (content type, test of the first bytes)
FILE_TYPES = {
    ".png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".gif": ("image/gif", lambda head: head.startswith((b"GIF87a", b"GIF89a"))),
    ".webp": ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    ".pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    ".mp4": ("video/mp4", lambda head: head[4:8] == b"ftyp"),
}


def _safe_filename(filename: str) -> str:
    name = Path((filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/|?*')
    return name[:200] or "file"


def add_file(
    actor: User | None,
    course: Course,
    filename: str,
    data: bytes,
    activity: Activity | None = None,
) -> CourseFile:
    """Store an image, PDF or MP4 for a course after checking its size and its real type."""
    name = _safe_filename(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_TYPES:
        raise CourseError(
            _("Unsupported file type: use %(types)s.", types=", ".join(sorted(FILE_TYPES)))
        )
    limit = current_app.config["COURSE_FILE_MAX_BYTES"]
    if not data:
        raise CourseError(_("The file is empty."))
    if len(data) > limit:
        raise CourseError(
            _("The file is larger than %(mb)d MB.", mb=max(1, limit // (1024 * 1024)))
        )
    content_type, looks_right = FILE_TYPES[suffix]
    if not looks_right(data[:16]):
        raise CourseError(_("The file's content does not match its type %(ext)s.", ext=suffix))
    if activity is not None and activity.course_id != course.id:
        raise CourseError(_("That activity belongs to another course."))
    stored = CourseFile(
        course_id=course.id,
        activity=activity,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=getattr(actor, "id", None),
    )
    folder = current_app.config.get("COURSE_FILES_FOLDER")
    if folder:
        stored.stored_name = f"{uuid.uuid4().hex}{suffix}"
        target = Path(folder) / stored.stored_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    else:
        stored.data = data
    db.session.add(stored)
    db.session.flush()
    record_audit(actor, "course.file.add", course, None, {"file": stored.id, "name": name})
    db.session.commit()
    return stored


def file_source(stored: CourseFile):
    """What ``send_file`` serves: a path in the shared folder, or the bytes from the database."""
    if stored.stored_name:
        folder = Path(current_app.config["COURSE_FILES_FOLDER"]).resolve()
        path = (folder / stored.stored_name).resolve()
        if folder not in path.parents:
            raise CourseError(_("The file is missing."))
        return path
    return io.BytesIO(stored.data or b"")


# --- assignment rules -----------------------------------------------------------------------


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
    }


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
) -> AssignmentRule:
    """Assign ``course`` to a person, a department subtree or a job role, and apply it now."""
    if target_kind not in TARGET_KINDS:
        raise CourseError(_("Unknown assignment target."))
    target = {"user": user, "department": department, "job_role": job_role}[target_kind]
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
    )
    db.session.add(rule)
    db.session.flush()
    record_audit(actor, "course.rule.create", rule, None, _rule_snapshot(rule))
    if course.is_published:
        _apply(_users_for_rules([rule]), clock.now())
    db.session.commit()
    return rule


def delete_rule(actor: User | None, rule: AssignmentRule) -> None:
    """Stop a rule: unfinished enrolments it alone caused are withdrawn, completions stay."""
    if not rule.is_active:
        return
    before = _rule_snapshot(rule)
    rule.is_active = False
    record_audit(actor, "course.rule.delete", rule, before, _rule_snapshot(rule))
    db.session.flush()
    affected = db.session.scalars(
        select(User)
        .where(User.id.in_(select(Enrolment.user_id).where(Enrolment.rule_id == rule.id)))
        .options(joinedload(User.department))
    ).all()
    _apply(affected, clock.now())
    db.session.commit()


# --- applying the rules ---------------------------------------------------------------------


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


def _active_rules(course_id: int | None = None) -> list[AssignmentRule]:
    query = (
        select(AssignmentRule)
        .join(Course, Course.id == AssignmentRule.course_id)
        .where(AssignmentRule.is_active.is_(True), Course.status == "published")
        .options(joinedload(AssignmentRule.department), joinedload(AssignmentRule.course))
        .order_by(AssignmentRule.id)
    )
    if course_id is not None:
        query = query.where(AssignmentRule.course_id == course_id)
    return list(db.session.scalars(query).unique())


def _users_for_rules(rules: list[AssignmentRule]) -> list[User]:
    """The users some of ``rules`` point at, or who hold an enrolment of their courses."""
    if not rules:
        return []
    conditions = []
    for rule in rules:
        if rule.target_kind == "user":
            conditions.append(User.id == rule.user_id)
        elif rule.target_kind == "job_role":
            conditions.append(User.job_role_id == rule.job_role_id)
        else:
            conditions.append(User.department_id.in_(rule.department.subtree_ids()))
    enrolled = select(Enrolment.user_id).where(
        Enrolment.course_id.in_({rule.course_id for rule in rules})
    )
    conditions.append(User.id.in_(enrolled))
    return list(
        db.session.scalars(
            select(User).where(or_(*conditions)).options(joinedload(User.department))
        ).unique()
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


def _notice(enrolment: Enrolment, kind: str, **params) -> Notice:
    return Notice(
        user_id=enrolment.user_id,
        kind=kind,
        subject_id=enrolment.id,
        params={"course": enrolment.course.title, **params},
        link=f"/courses/{enrolment.course_id}/learn",
    )


def _open_next_cycle(enrolment: Enrolment, rule: AssignmentRule | None, now: datetime):
    """Supersede an expired enrolment by a new cycle of the same course (not committed)."""
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


def _apply(users: list[User], now: datetime) -> ApplyReport:
    """Bring the enrolments of ``users`` in line with the active rules (not committed)."""
    report = ApplyReport()
    if not users:
        return report
    rules = _active_rules()
    today = local_today(now)
    ids = [u.id for u in users]
    current: dict[tuple[int, int], Enrolment] = {}
    for start in range(0, len(ids), 500):
        for enrolment in db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id.in_(ids[start : start + 500]))
            .where(Enrolment.superseded_at.is_(None))
            .options(joinedload(Enrolment.course))
        ):
            current[(enrolment.user_id, enrolment.course_id)] = enrolment
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
                following = _open_next_cycle(enrolment, rule, now)
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
            _notice(e, kind, due_on=e.due_on.isoformat() if e.due_on else None)
            for e, kind in created
        )
    return report


@on_users_changed
def apply_rules_for_users(users: list[User]) -> ApplyReport:
    """Assign what the rules say to users just created, moved or imported (no commit)."""
    return _apply([u for u in users if u.id is not None], clock.now())


def apply_rules_for_user(user: User) -> ApplyReport:
    """Assign what the rules say to one user (no commit: the caller's transaction owns it)."""
    return apply_rules_for_users([user])


def apply_all_rules() -> ApplyReport:
    """Apply every rule to every active user and re-open expired certificates; commit.

    Idempotent: a second run changes nothing. Run daily (``flask courses apply-rules``).
    """
    users = list(
        db.session.scalars(
            select(User).where(User.is_active.is_(True)).options(joinedload(User.department))
        ).unique()
    )
    report = _apply(users, clock.now())
    db.session.commit()
    return report


# --- learners -------------------------------------------------------------------------------


def current_enrolment(user: User, course: Course) -> Enrolment | None:
    """The user's current (not superseded) enrolment in ``course``."""
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.course_id == course.id,
            Enrolment.superseded_at.is_(None),
        )
    )


def self_enrol(user: User, course: Course) -> Enrolment:
    """Enrol in an open, published course (or return the current enrolment)."""
    enrolment = current_enrolment(user, course)
    if enrolment is not None and enrolment.withdrawn_at is None:
        return enrolment
    if not (course.is_published and course.is_open):
        raise CourseError(_("This course is not open for enrolment."))
    if enrolment is not None:
        enrolment.withdrawn_at = None
        enrolment.source = "self"
    else:
        enrolment = Enrolment(
            user_id=user.id, course=course, source="self", assigned_at=clock.now()
        )
        db.session.add(enrolment)
    db.session.commit()
    return enrolment


def _learning_enrolment(user: User, course: Course, now: datetime) -> Enrolment:
    """The enrolment a learner's action counts towards; an expired one opens its next cycle."""
    enrolment = current_enrolment(user, course)
    if enrolment is None or enrolment.withdrawn_at is not None:
        raise CourseError(_("You are not enrolled in this course."))
    if (
        enrolment.completed_at is not None
        and enrolment.expires_at is not None
        and enrolment.expires_at <= now
    ):
        enrolment = _open_next_cycle(enrolment, None, now)
        db.session.flush()
        add_notices([_notice(enrolment, "course.recertify", due_on=enrolment.due_on.isoformat())])
    return enrolment


def record_progress(
    enrolment: Enrolment,
    activity: Activity,
    status: str,
    at: datetime,
    recorded_by: User | None = None,
) -> None:
    """Set a learner's status on ``activity``; complete the course after the last (no commit)."""
    progress = db.session.scalar(
        select(ActivityProgress).where(
            ActivityProgress.enrolment_id == enrolment.id,
            ActivityProgress.activity_id == activity.id,
        )
    )
    if progress is None:
        progress = ActivityProgress(enrolment=enrolment, activity=activity, status=status)
        db.session.add(progress)
    done = status == activity.done_status
    if progress.done_at is not None and not done and activity.kind == "quiz":
        return  # a failed retake never undoes a pass
    progress.status = status
    progress.done_at = (progress.done_at or at) if done else None
    progress.updated_at = clock.now()
    progress.recorded_by_id = getattr(recorded_by, "id", None)
    if enrolment.started_at is None:
        enrolment.started_at = at
    db.session.flush()
    _check_completion(enrolment)


def _check_completion(enrolment: Enrolment) -> bool:
    """Complete ``enrolment`` (and issue its certificate) once every counted activity is done."""
    if enrolment.completed_at is not None or enrolment.withdrawn_at is not None:
        return False
    course = enrolment.course
    counted = [a for a in course.activities if course.counts_for_completion(a)]
    if not counted:
        return False
    done_at = dict(
        db.session.execute(
            select(ActivityProgress.activity_id, ActivityProgress.done_at).where(
                ActivityProgress.enrolment_id == enrolment.id,
                ActivityProgress.done_at.is_not(None),
            )
        ).all()
    )
    if any(a.id not in done_at for a in counted):
        return False
    completed_at = max(done_at[a.id] for a in counted)
    enrolment.completed_at = completed_at
    enrolment.hours_earned = course.credit_hours
    if enrolment.recert_months:
        enrolment.expires_at = add_months(completed_at, enrolment.recert_months)
    if enrolment.started_at is None:
        enrolment.started_at = completed_at
    _issue_certificate(enrolment)
    record_audit(
        None,
        "enrolment.complete",
        enrolment,
        None,
        {"completed_at": completed_at.isoformat(), "course_id": course.id},
    )
    return True


def _issue_certificate(enrolment: Enrolment) -> Certificate:
    user = db.session.get(User, enrolment.user_id)
    certificate = Certificate(
        enrolment=enrolment,
        user_id=enrolment.user_id,
        course_id=enrolment.course_id,
        code=secrets.token_urlsafe(18),
        holder_name=user.name,
        employee_no=user.employee_no,
        course_title=enrolment.course.title,
        credit_hours=enrolment.course.credit_hours,
        issued_at=enrolment.completed_at,
        expires_at=enrolment.expires_at,
    )
    db.session.add(certificate)
    return certificate


def _reevaluate_course(course: Course) -> None:
    """After a course changed, complete unfinished enrolments that now meet its rule."""
    for enrolment in db.session.scalars(
        select(Enrolment).where(
            Enrolment.course_id == course.id,
            Enrolment.superseded_at.is_(None),
            Enrolment.completed_at.is_(None),
            Enrolment.withdrawn_at.is_(None),
            Enrolment.started_at.is_not(None),
        )
    ):
        _check_completion(enrolment)


def mark_lesson_viewed(user: User, activity: Activity) -> Enrolment:
    """The learner has read a lesson (or seen a quiz/session page: lessons only count)."""
    if activity.kind != "lesson" or activity.retired_at is not None:
        raise CourseError(_("Only a lesson can be marked as read."))
    now = clock.now()
    enrolment = _learning_enrolment(user, activity.course, now)
    record_progress(enrolment, activity, "viewed", now)
    db.session.commit()
    return enrolment


def record_quiz_result(user: User, quiz_id: int, passed: bool, at: datetime) -> list[Enrolment]:
    """The quiz engine reports a finished attempt; quiz activities using that quiz count a pass.

    Every current enrolment of ``user`` whose course has a live quiz activity for ``quiz_id``
    records "passed" or "failed" (a later fail never undoes a pass) and may complete. Returns the
    enrolments touched. Commits.
    """
    activities = db.session.scalars(
        select(Activity)
        .join(Course, Course.id == Activity.course_id)
        .where(
            Activity.kind == "quiz",
            Activity.quiz_id == quiz_id,
            Activity.retired_at.is_(None),
            Course.status == "published",
        )
        .options(joinedload(Activity.course))
    ).all()
    touched = []
    now = clock.now()
    for activity in activities:
        enrolment = current_enrolment(user, activity.course)
        if enrolment is None or enrolment.withdrawn_at is not None:
            continue
        enrolment = _learning_enrolment(user, activity.course, now)
        record_progress(enrolment, activity, "passed" if passed else "failed", at)
        touched.append(enrolment)
    db.session.commit()
    return touched


def record_attendance(
    actor: User | None, activity: Activity, attended_ids: set[int], absent_ids: set[int]
) -> int:
    """A trainer records who attended an offline session (and who did not); returns changes."""
    if activity.kind != "session":
        raise CourseError(_("Attendance is recorded for offline sessions only."))
    if attended_ids & absent_ids:
        raise CourseError(_("Someone cannot be both present and absent."))
    enrolments = db.session.scalars(
        select(Enrolment).where(
            Enrolment.course_id == activity.course_id,
            Enrolment.superseded_at.is_(None),
            Enrolment.withdrawn_at.is_(None),
            Enrolment.user_id.in_(attended_ids | absent_ids),
        )
    ).all()
    at = activity.starts_at or clock.now()
    for enrolment in enrolments:
        status = "attended" if enrolment.user_id in attended_ids else "absent"
        record_progress(enrolment, activity, status, at, recorded_by=actor)
    record_audit(
        actor,
        "course.attendance",
        activity,
        None,
        {"attended": sorted(attended_ids), "absent": sorted(absent_ids)},
    )
    db.session.commit()
    return len(enrolments)


# --- certificates ---------------------------------------------------------------------------


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with this public verification code."""
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def verification_url(certificate: Certificate) -> str:
    """The public address that confirms ``certificate``."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return base + url_for("courses.verify", code=certificate.code)
    return url_for("courses.verify", code=certificate.code, _external=True)


def _local_static_fetcher():
    """A WeasyPrint URL fetcher that serves only files under the app's static folder."""
    from weasyprint.urls import URLFetcher

    static = Path(current_app.static_folder).resolve()

    class LocalStaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://"):
                path = Path(url[len("file://") :].split("?")[0]).resolve()
                if path == static or static in path.parents:
                    return super().fetch(url, headers)
            raise ValueError(f"refused to fetch {url}")

    return LocalStaticFetcher(allowed_protocols={"file"})


def certificate_pdf(certificate: Certificate, locale: str | None = None) -> bytes:
    """The certificate as a PDF in the holder's language (or ``locale``)."""
    from weasyprint import HTML

    holder = db.session.get(User, certificate.user_id)
    locale = (
        locale or (holder.locale if holder else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    with force_locale(locale):
        page = render_template(
            "courses/certificate_pdf.html",
            certificate=certificate,
            verify_url=verification_url(certificate),
            is_zh=str(locale).startswith("zh"),
        )
    base_url = Path(current_app.static_folder).resolve().as_uri() + "/"
    return HTML(string=page, base_url=base_url, url_fetcher=_local_static_fetcher()).write_pdf()


# --- training hours -------------------------------------------------------------------------


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
    db.session.commit()
    return quota


# --- notices --------------------------------------------------------------------------------


def _format_day(iso: str | None) -> str:
    from flask_babel import format_date

    return format_date(date.fromisoformat(iso), "medium") if iso else "—"


def _assigned_body(params: dict) -> str:
    if params.get("due_on"):
        return _(
            "You have been assigned the course %(course)s. Complete it by %(due)s.",
            course=params["course"],
            due=_format_day(params["due_on"]),
        )
    return _("You have been assigned the course %(course)s.", course=params["course"])


register_kind(
    "course.assigned",
    lambda p: _("New course assigned: %(course)s", course=p["course"]),
    _assigned_body,
)
register_kind(
    "course.recertify",
    lambda p: _("Recertification due: %(course)s", course=p["course"]),
    lambda p: _(
        "Your certificate for %(course)s has expired. Complete the course again by %(due)s.",
        course=p["course"],
        due=_format_day(p.get("due_on")),
    ),
)
register_kind(
    "course.due_soon",
    lambda p: _("Due soon: %(course)s", course=p["course"]),
    lambda p: _(
        "The course %(course)s is due on %(due)s.",
        course=p["course"],
        due=_format_day(p.get("due_on")),
    ),
)
register_kind(
    "course.overdue",
    lambda p: _("Overdue: %(course)s", course=p["course"]),
    lambda p: _(
        "The course %(course)s was due on %(due)s and is not completed yet.",
        course=p["course"],
        due=_format_day(p.get("due_on")),
    ),
)
register_kind(
    "course.expiring",
    lambda p: _("Certificate expiring: %(course)s", course=p["course"]),
    lambda p: _(
        "Your certificate for %(course)s expires on %(expires)s.",
        course=p["course"],
        expires=_format_day(p.get("expires_on")),
    ),
)


@register_producer
def due_course_notices(now: datetime) -> list[Notice]:
    """Due soon, overdue and expiring-certificate notices for current enrolments (3 queries)."""
    today = local_today(now)
    due_soon_until = today + timedelta(days=current_app.config["COURSE_DUE_SOON_DAYS"])
    base = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(
            Enrolment.superseded_at.is_(None),
            Enrolment.withdrawn_at.is_(None),
            User.is_active.is_(True),
            Course.status == "published",
        )
        .options(joinedload(Enrolment.course))
    )
    notices = []
    open_ = base.where(Enrolment.completed_at.is_(None), Enrolment.due_on.is_not(None))
    for enrolment in db.session.scalars(
        open_.where(Enrolment.due_on >= today, Enrolment.due_on <= due_soon_until)
    ):
        notices.append(_notice(enrolment, "course.due_soon", due_on=enrolment.due_on.isoformat()))
    for enrolment in db.session.scalars(open_.where(Enrolment.due_on < today)):
        notices.append(_notice(enrolment, "course.overdue", due_on=enrolment.due_on.isoformat()))
    for enrolment in db.session.scalars(
        base.where(
            Enrolment.expires_at.is_not(None),
            Enrolment.expires_at > now,
            Enrolment.expires_at <= now + timedelta(days=soon_days()),
        )
    ):
        expires_on = enrolment.expires_at.astimezone(company_zone()).date().isoformat()
        notices.append(_notice(enrolment, "course.expiring", expires_on=expires_on))
    return notices


# --- the link to the quiz engine -------------------------------------------------------------


def check_quiz_is_free(course: Course, quiz_id: int) -> None:
    """A quiz belongs to at most one course: refuse one another course's activity uses."""
    other = db.session.scalar(
        select(Course.title)
        .join(Activity, Activity.course_id == Course.id)
        .where(
            Activity.kind == "quiz",
            Activity.quiz_id == quiz_id,
            Activity.retired_at.is_(None),
            Course.id != course.id,
        )
        .limit(1)
    )
    if other is not None:
        raise CourseError(_("This quiz already belongs to the course %(title)s.", title=other))


def course_quiz_ids(user: User):
    """Select the quizzes of the courses ``user`` is currently enrolled in (quiz access hook)."""
    return (
        select(Activity.quiz_id)
        .join(Course, Course.id == Activity.course_id)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.withdrawn_at.is_(None),
            Enrolment.superseded_at.is_(None),
            Activity.kind == "quiz",
            Activity.retired_at.is_(None),
            Activity.quiz_id.is_not(None),
            Course.status == "published",
        )
    )


def quiz_attempt_finished(attempt) -> None:
    """A finished, graded attempt counts for the quiz activities of the person's courses."""
    if attempt.is_preview or attempt.needs_grading or attempt.passed is None:
        return
    record_quiz_result(attempt.user, attempt.quiz_id, bool(attempt.passed), attempt.finished_at)


def _link_quiz_engine() -> None:
    from app.grading.services import register_graded_hook
    from app.quizzes.services import register_access_hook, register_finish_hook

    register_access_hook(course_quiz_ids)
    register_finish_hook(quiz_attempt_finished)
    register_graded_hook(quiz_attempt_finished)


_link_quiz_engine()
