"""Read-side queries of courses: dashboards, course statistics, team overviews and hours, and
the reads the use cases build on (current enrolments, the rules and whom they reach, notices due).

Every list page runs a fixed number of queries whatever the data size; statuses of enrolments
are computed in SQL by ``status_expression`` (mirroring ``Enrolment.status_at``).
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.core import clock
from app.courses.dates import company_zone, local_today, soon_days
from app.courses.models import (
    ENROLMENT_STATUSES,
    Activity,
    ActivityProgress,
    AssignmentRule,
    Certificate,
    Course,
    CourseFile,
    Enrolment,
    TrainingQuota,
)
from app.extensions import db
from app.org.loaders import department_or_none
from app.org.models import User
from app.org.queries import visible_users
from app.quizzes.models import Quiz


def status_expression(now: datetime, today: date, soon: int):
    """SQL CASE giving an enrolment's status at ``now`` (same rules as Enrolment.status_at)."""
    completed = Enrolment.completed_at.is_not(None)
    expiring = Enrolment.expires_at.is_not(None)
    return case(
        (Enrolment.withdrawn_at.is_not(None), "withdrawn"),
        (and_(completed, expiring, Enrolment.expires_at <= now), "expired"),
        (
            and_(completed, expiring, Enrolment.expires_at <= now + timedelta(days=soon)),
            "expiring_soon",
        ),
        (completed, "completed"),
        (and_(Enrolment.due_on.is_not(None), Enrolment.due_on < today), "overdue"),
        (Enrolment.started_at.is_not(None), "in_progress"),
        else_="not_started",
    )


def current_status_expression():
    """``status_expression`` for the clock's now."""
    now = clock.now()
    return status_expression(now, local_today(now), soon_days())


def course_by_id(course_id: int, *, with_files: bool = False) -> Course | None:
    """A course with its competencies and activities (and the activities' files)."""
    loader = selectinload(Course.activities)
    if with_files:
        loader = loader.selectinload(Activity.files)
    return db.session.scalar(select(Course).where(Course.id == course_id).options(loader))


def files_of(course: Course) -> list[CourseFile]:
    """Every file of ``course`` in upload order (one query)."""
    return list(
        db.session.scalars(
            select(CourseFile).where(CourseFile.course_id == course.id).order_by(CourseFile.id)
        )
    )


def quizzes_by_title() -> list[Quiz]:
    """Every quiz by title, for a quiz activity's choices (one query)."""
    return list(db.session.scalars(select(Quiz).order_by(Quiz.title)))


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with this public verification code."""
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


# --- the learner ----------------------------------------------------------------------------


def current_enrolment(user, course: Course) -> Enrolment | None:
    """The user's current (not superseded) enrolment in ``course``."""
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.course_id == course.id,
            Enrolment.superseded_at.is_(None),
        )
    )


def my_enrolments(user) -> list[Enrolment]:
    """Every enrolment of ``user`` except withdrawn ones, with course and certificate."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.withdrawn_at.is_(None))
            .options(
                joinedload(Enrolment.course),
                joinedload(Enrolment.certificate),
                joinedload(Enrolment.rule),
            )
            .order_by(Enrolment.due_on.is_(None), Enrolment.due_on, Enrolment.assigned_at.desc())
        ).unique()
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants where ``year`` starts and ends in the company's time zone."""
    zone = company_zone()
    return (
        datetime(year, 1, 1, tzinfo=zone).astimezone(UTC),
        datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC),
    )


def hours_of(user, year: int) -> tuple[float, float | None]:
    """(学时 earned by ``user`` in ``year``, the quota of their job role or None): 2 queries."""
    start, end = year_bounds(year)
    earned = db.session.scalar(
        select(func.coalesce(func.sum(Enrolment.hours_earned), 0.0)).where(
            Enrolment.user_id == user.id,
            Enrolment.completed_at >= start,
            Enrolment.completed_at < end,
        )
    )
    quota = None
    if user.job_role_id:
        quota = db.session.scalar(
            select(TrainingQuota.hours).where(
                TrainingQuota.job_role_id == user.job_role_id, TrainingQuota.year == year
            )
        )
    return float(earned or 0.0), quota


def progress_of(enrolment: Enrolment) -> dict[int, ActivityProgress]:
    """Activity id → the learner's progress on it, for one enrolment (one query)."""
    return {
        p.activity_id: p
        for p in db.session.scalars(
            select(ActivityProgress).where(ActivityProgress.enrolment_id == enrolment.id)
        )
    }


def learner_summary(user) -> dict[str, int]:
    """Counts of the user's current enrolments per status (one query), for the home page."""
    status = current_status_expression()
    rows = db.session.execute(
        select(status, func.count(Enrolment.id))
        .where(Enrolment.user_id == user.id, Enrolment.superseded_at.is_(None))
        .group_by(status)
    ).all()
    counts = dict.fromkeys(ENROLMENT_STATUSES, 0)
    counts.update(dict(rows))
    return counts


def catalogue() -> Select:
    """Published courses open for self-enrolment, by category and title."""
    return (
        select(Course)
        .where(Course.status == "published", Course.is_open.is_(True))
        .order_by(Course.category, Course.title)
    )


def enrolled_course_ids(user) -> set[int]:
    """Ids of courses ``user`` is currently enrolled in (one query)."""
    return set(
        db.session.scalars(
            select(Enrolment.course_id).where(
                Enrolment.user_id == user.id,
                Enrolment.superseded_at.is_(None),
                Enrolment.withdrawn_at.is_(None),
            )
        )
    )


# --- trainers and HR ------------------------------------------------------------------------


def course_list(*, status: str | None = None, search: str = "") -> Select:
    """Courses for authoring and assigning, newest first."""
    query = select(Course).options(selectinload(Course.competency_rows))
    if status:
        query = query.where(Course.status == status)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(Course.title.ilike(like) | Course.category.ilike(like))
    return query.order_by(Course.updated_at.desc(), Course.id.desc())


def status_counts(course_ids: list[int]) -> dict[int, dict[str, int]]:
    """Course id → {status: number of current enrolments} (one query)."""
    counts: dict[int, dict[str, int]] = {
        course_id: dict.fromkeys(ENROLMENT_STATUSES, 0) for course_id in course_ids
    }
    if not course_ids:
        return counts
    status = current_status_expression()
    rows = db.session.execute(
        select(Enrolment.course_id, status, func.count(Enrolment.id))
        .where(Enrolment.course_id.in_(course_ids), Enrolment.superseded_at.is_(None))
        .group_by(Enrolment.course_id, status)
    ).all()
    for course_id, name, n in rows:
        counts[course_id][name] = n
    return counts


def course_stats(course: Course) -> dict:
    """Enrolled, started, completed, overdue, expired and quiz pass rate of a course (2 queries)."""
    counts = status_counts([course.id])[course.id]
    enrolled = sum(n for name, n in counts.items() if name != "withdrawn")
    started = enrolled - counts["not_started"] - counts["overdue"]
    quiz = db.session.execute(
        select(
            func.count(ActivityProgress.id),
            func.sum(case((ActivityProgress.status == "passed", 1), else_=0)),
        )
        .join(Activity, Activity.id == ActivityProgress.activity_id)
        .where(Activity.course_id == course.id, Activity.kind == "quiz")
    ).one()
    attempted, passed = quiz[0] or 0, quiz[1] or 0
    return {
        "counts": counts,
        "enrolled": enrolled,
        "started": max(started, 0),
        "completed": counts["completed"] + counts["expiring_soon"],
        "overdue": counts["overdue"],
        "expired": counts["expired"],
        "quiz_attempted": attempted,
        "quiz_pass_rate": (passed / attempted) if attempted else None,
    }


def learners_of(course: Course, *, status: str | None = None) -> Select:
    """Current enrolments of a course with their learners, by employee number."""
    query = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.course_id == course.id, Enrolment.superseded_at.is_(None))
        .options(
            joinedload(Enrolment.user).joinedload(User.department),
            joinedload(Enrolment.certificate),
        )
        .order_by(User.employee_no)
    )
    if status in ENROLMENT_STATUSES:
        query = query.where(current_status_expression() == status)
    return query


def current_learners(course: Course) -> list[Enrolment]:
    """The learners of a course who have not withdrawn, by employee number (one query)."""
    enrolments = db.session.scalars(learners_of(course)).unique()
    return [e for e in enrolments if e.withdrawn_at is None]


def progress_map(enrolment_ids: list[int]) -> dict[tuple[int, int], ActivityProgress]:
    """(enrolment id, activity id) → progress, for a page of enrolments (one query)."""
    if not enrolment_ids:
        return {}
    return {
        (p.enrolment_id, p.activity_id): p
        for p in db.session.scalars(
            select(ActivityProgress).where(ActivityProgress.enrolment_id.in_(enrolment_ids))
        )
    }


def rules_of(course: Course) -> list[AssignmentRule]:
    """The active assignment rules of a course with their targets (one query)."""
    return list(
        db.session.scalars(
            select(AssignmentRule)
            .where(AssignmentRule.course_id == course.id, AssignmentRule.is_active.is_(True))
            .options(
                joinedload(AssignmentRule.user),
                joinedload(AssignmentRule.department),
                joinedload(AssignmentRule.job_role),
            )
            .order_by(AssignmentRule.id)
        ).unique()
    )


# --- managers and HR ------------------------------------------------------------------------


def _visible_user_ids(viewer) -> Select:
    return visible_users(viewer).with_only_columns(User.id).order_by(None)


def team_enrolments(
    viewer,
    *,
    status: str | None = None,
    course_id: int | None = None,
    department_id: int | None = None,
) -> Select:
    """Current enrolments of the people ``viewer`` may see, worst first."""
    status_col = current_status_expression()
    query = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.user_id.in_(_visible_user_ids(viewer)),
            Enrolment.superseded_at.is_(None),
            Enrolment.withdrawn_at.is_(None),
        )
        .options(
            joinedload(Enrolment.user).joinedload(User.department),
            joinedload(Enrolment.course),
        )
    )
    if status in ENROLMENT_STATUSES:
        query = query.where(status_col == status)
    if course_id:
        query = query.where(Enrolment.course_id == course_id)
    if department_id:
        dept = department_or_none(department_id)
        if dept is not None:
            query = query.where(User.department_id.in_(dept.subtree_ids()))
    return query.order_by(Enrolment.due_on.is_(None), Enrolment.due_on, User.employee_no)


def hours_people(viewer, *, department_id: int | None = None) -> Select:
    """Active people with a job role whom ``viewer`` may see, for the hours report."""
    query = visible_users(viewer).where(User.is_active.is_(True), User.job_role_id.is_not(None))
    if department_id:
        dept = department_or_none(department_id)
        if dept is not None:
            query = query.where(User.department_id.in_(dept.subtree_ids()))
    return query.order_by(User.employee_no)


def hours_earned(user_ids: list[int], year: int) -> dict[int, float]:
    """User id → 学时 earned in ``year`` (one query)."""
    if not user_ids:
        return {}
    start, end = year_bounds(year)
    rows = db.session.execute(
        select(Enrolment.user_id, func.sum(Enrolment.hours_earned))
        .where(
            Enrolment.user_id.in_(user_ids),
            Enrolment.completed_at >= start,
            Enrolment.completed_at < end,
        )
        .group_by(Enrolment.user_id)
    ).all()
    return {user_id: float(hours or 0.0) for user_id, hours in rows}


def quotas_for(year: int) -> dict[int, float]:
    """Job role id → quota hours for ``year`` (one query)."""
    return dict(
        db.session.execute(
            select(TrainingQuota.job_role_id, TrainingQuota.hours).where(TrainingQuota.year == year)
        ).all()
    )


# --- the use cases' reads -------------------------------------------------------------------


def course_quiz_ids(user) -> Select:
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


def active_rules(course_id: int | None = None) -> list[AssignmentRule]:
    """The active rules of published courses (of one course if given), oldest first."""
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


def users_for_rules(rules: list[AssignmentRule]) -> list[User]:
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


def users_enrolled_by_rule(rule: AssignmentRule) -> list[User]:
    """The users who hold an enrolment (of any cycle) that ``rule`` made or governs."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(select(Enrolment.user_id).where(Enrolment.rule_id == rule.id)))
            .options(joinedload(User.department))
        ).unique()
    )


def active_users() -> list[User]:
    """Every active user with their department, for applying every rule."""
    return list(
        db.session.scalars(
            select(User).where(User.is_active.is_(True)).options(joinedload(User.department))
        ).unique()
    )


def current_enrolments_of(user_ids: list[int]) -> dict[tuple[int, int], Enrolment]:
    """(user id, course id) → current enrolment, with its course (one query per 500 users)."""
    current: dict[tuple[int, int], Enrolment] = {}
    for start in range(0, len(user_ids), 500):
        for enrolment in db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id.in_(user_ids[start : start + 500]))
            .where(Enrolment.superseded_at.is_(None))
            .options(joinedload(Enrolment.course))
        ):
            current[(enrolment.user_id, enrolment.course_id)] = enrolment
    return current


def _noticeable_enrolments() -> Select:
    """Current enrolments of active people in published courses, with their course."""
    return (
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


def open_enrolments_due_between(first: date, last: date) -> list[Enrolment]:
    """Unfinished enrolments due from ``first`` to ``last`` (both included), for notices."""
    return list(
        db.session.scalars(
            _noticeable_enrolments().where(
                Enrolment.completed_at.is_(None),
                Enrolment.due_on >= first,
                Enrolment.due_on <= last,
            )
        )
    )


def open_enrolments_due_before(day: date) -> list[Enrolment]:
    """Unfinished enrolments that were due before ``day`` (overdue), for notices."""
    return list(
        db.session.scalars(
            _noticeable_enrolments().where(Enrolment.completed_at.is_(None), Enrolment.due_on < day)
        )
    )


def enrolments_expiring_between(start: datetime, end: datetime) -> list[Enrolment]:
    """Enrolments whose certificate expires after ``start`` and by ``end``, for notices."""
    return list(
        db.session.scalars(
            _noticeable_enrolments().where(
                Enrolment.expires_at.is_not(None),
                Enrolment.expires_at > start,
                Enrolment.expires_at <= end,
            )
        )
    )
