"""Generator step "courses": courses with competencies, activities, rules and enrolments.

Each course develops competencies of one domain, has lessons (and the domain's quiz or an
offline session), and one assignment rule (a job role, or a branch subtree). Enrolments are the
ones applying the rules would make, in every state: completed (with progress, a certificate
and hours), in progress, not started, overdue; recertified courses expire. The training-hour
quotas of the as-of year close the step.
"""

from __future__ import annotations

from datetime import timedelta

from app.bench.data.bank import DOMAINS
from app.bench.data.base import Context, bulk_insert, next_id, token
from app.courses.models import (
    Activity,
    ActivityProgress,
    AssignmentRule,
    Certificate,
    Course,
    CourseCompetency,
    Enrolment,
    TrainingQuota,
)

TITLES = {
    "SV": ("十项承诺与服务规范", "窗口服务礼仪"),
    "BK": ("业扩报装全流程", "电价政策与电费计算"),
    "SF": ("安规与两票三制", "现场作业安全"),
    "CM": ("投诉处理与沟通技巧", "特殊群体服务"),
    "IT": ("营销系统操作", "用电信息采集应用"),
    "LP": ("供电营业规则解读", "优化营商环境政策"),
}
DUE_DAYS = 60
DAYS_PER_PERIOD = 30.4


def _courses(ctx: Context, rng) -> list[dict]:
    """Course rows, two per domain in use (more for a larger company)."""
    domains = sorted({code.rstrip("0123456789") for code in ctx.shared["codes"]})
    per_domain = max(2, min(6, ctx.params.staff // 1000 + 1))
    course_id = next_id(Course)
    rows = []
    for domain in domains:
        for k in range(per_domain):
            names = TITLES.get(domain) or (
                DOMAINS.get(domain, domain) + "基础",
                DOMAINS.get(domain, domain) + "进阶",
            )
            base = names[k % 2]
            title = base if k < 2 else f"{base}（第{k // 2 + 1}期）"
            rows.append(
                {
                    "id": course_id,
                    "title": title,
                    "summary": f"{DOMAINS.get(domain, domain)}：{title}。",
                    "category": DOMAINS.get(domain, domain),
                    "credit_hours": float(rng.choice((2, 4, 6, 8, 12, 16))),
                    "status": "published",
                    "is_open": rng.random() < 0.3,
                    "completion_rule": "all",
                    "created_by_id": ctx.shared["trainer_ids"][0],
                    "created_at": ctx.now - timedelta(days=400),
                    "updated_at": ctx.now - timedelta(days=400),
                    "published_at": ctx.now - timedelta(days=400),
                    "domain": domain,
                }
            )
            course_id += 1
    return rows


def generate(ctx: Context) -> str:
    """Create courses, their rules, and the enrolments the rules give, in every state."""
    rng = ctx.rng("courses")
    people = ctx.shared["people"]
    codes = ctx.shared["codes"]
    courses = _courses(ctx, rng)
    quiz_by_domain = dict(ctx.shared.get("quiz_by_domain", {}))
    competencies, activities, rules = [], [], []
    activity_id, rule_id = next_id(Activity), next_id(AssignmentRule)
    done_kinds: dict[int, list[tuple[int, str]]] = {}
    role_codes = sorted(ctx.shared["role_ids"])
    for course in courses:
        domain = course.pop("domain")
        own = [code for code in codes if code.startswith(domain)]
        for code in rng.sample(own, min(len(own), rng.randint(1, 3))):
            level = rng.randint(2, 4)
            competencies.append({"course_id": course["id"], "code": code, "level": level})
        kinds = ["lesson", "lesson"]
        if domain in quiz_by_domain:
            kinds.append("quiz")  # a quiz belongs to at most one course: the domain's first
        elif rng.random() < 0.5:
            kinds.append("session")
        done_kinds[course["id"]] = []
        for position, kind in enumerate(kinds):
            session_at = ctx.now - timedelta(days=30) if kind == "session" else None
            activities.append(
                {
                    "id": activity_id,
                    "course_id": course["id"],
                    "position": position,
                    "kind": kind,
                    "title": f"{course['title']}·{position + 1}",
                    "body": f"{course['title']}的学习内容。",
                    "quiz_id": quiz_by_domain.pop(domain) if kind == "quiz" else None,
                    "starts_at": session_at,
                    "ends_at": session_at + timedelta(hours=3) if session_at else None,
                    "place": "培训中心" if kind == "session" else None,
                    "is_required": True,
                    "retired_at": None,
                    "created_at": course["created_at"],
                }
            )
            done_kinds[course["id"]].append((activity_id, kind))
            activity_id += 1
        by_role = rng.random() < 0.7 or not ctx.shared["branch_ids"]
        rules.append(
            {
                "id": rule_id,
                "course_id": course["id"],
                "target_kind": "job_role" if by_role else "department",
                "user_id": None,
                "department_id": None if by_role else rng.choice(ctx.shared["branch_ids"]),
                "job_role_id": ctx.shared["role_ids"][rng.choice(role_codes)] if by_role else None,
                "due_kind": "after_assignment",
                "due_on": None,
                "due_days": DUE_DAYS,
                "is_mandatory": True,
                "recert_months": 12 if rng.random() < 0.3 else None,
                "is_active": True,
                "created_by_id": course["created_by_id"],
                "created_at": course["created_at"],
            }
        )
        rule_id += 1
    bulk_insert(ctx, Course, courses)
    bulk_insert(ctx, CourseCompetency, competencies)
    bulk_insert(ctx, Activity, activities)
    bulk_insert(ctx, AssignmentRule, rules)
    counts = _enrolments(ctx, rng, people, courses, rules, done_kinds)
    year = ctx.now.year
    bulk_insert(
        ctx,
        TrainingQuota,
        (
            {"job_role_id": ctx.shared["role_ids"][code], "year": year, "hours": 32.0}
            for code in role_codes
        ),
    )
    return (
        f"{len(courses)} courses, {len(rules)} rules; {counts['enrolments']} enrolments "
        f"({counts['completed']} completed, {counts['certificates']} certificates)"
    )


def _enrolments(ctx: Context, rng, people, courses, rules, done_kinds) -> dict[str, int]:
    """The enrolments the rules give, with progress and certificates for completed ones."""
    role_of = {value: key for key, value in ctx.shared["role_ids"].items()}
    courses_by_id = {course["id"]: course for course in courses}
    enrolment_id, certificate_id = next_id(Enrolment), next_id(Certificate)
    span = int(DAYS_PER_PERIOD * ctx.params.periods)
    enrolments, progress, certificates = [], [], []
    for rule in rules:
        course = courses_by_id[rule["course_id"]]
        if rule["target_kind"] == "job_role":
            members = [p for p in people if p.job_role == role_of[rule["job_role_id"]]]
        else:
            members = [p for p in people if p.branch_id == rule["department_id"]]
        for person in members:
            assigned = ctx.now - timedelta(days=rng.randint(1, max(2, span)))
            due_on = (assigned + timedelta(days=DUE_DAYS)).date()
            state = rng.choices(("completed", "started", "new"), weights=(55, 20, 25))[0]
            started = assigned + timedelta(days=rng.randint(0, 20)) if state != "new" else None
            completed = expires = None
            if state == "completed" and started is not None and started < ctx.now:
                completed = min(ctx.now, started + timedelta(days=rng.randint(1, 30)))
                if rule["recert_months"]:
                    expires = completed + timedelta(days=rule["recert_months"] * 30)
            elif started is not None and started > ctx.now:
                started = None
            enrolments.append(
                {
                    "id": enrolment_id,
                    "user_id": person.id,
                    "course_id": course["id"],
                    "cycle": 1,
                    "rule_id": rule["id"],
                    "source": "rule",
                    "is_mandatory": True,
                    "recert_months": rule["recert_months"],
                    "assigned_at": assigned,
                    "due_on": due_on,
                    "started_at": started,
                    "completed_at": completed,
                    "expires_at": expires,
                    "hours_earned": course["credit_hours"] if completed else None,
                    "withdrawn_at": None,
                    "superseded_at": None,
                }
            )
            if completed is not None:
                for activity_id, kind in done_kinds[course["id"]]:
                    status = {"lesson": "viewed", "quiz": "passed", "session": "attended"}[kind]
                    progress.append(
                        {
                            "enrolment_id": enrolment_id,
                            "activity_id": activity_id,
                            "status": status,
                            "done_at": completed,
                            "updated_at": completed,
                            "recorded_by_id": None,
                        }
                    )
                certificates.append(
                    {
                        "id": certificate_id,
                        "enrolment_id": enrolment_id,
                        "user_id": person.id,
                        "course_id": course["id"],
                        "code": token(rng, 18),
                        "holder_name": person.name,
                        "employee_no": person.employee_no,
                        "course_title": course["title"],
                        "credit_hours": course["credit_hours"],
                        "issued_at": completed,
                        "expires_at": expires,
                        "revoked_at": None,
                    }
                )
                certificate_id += 1
            enrolment_id += 1
    return {
        "enrolments": bulk_insert(ctx, Enrolment, enrolments),
        "progress": bulk_insert(ctx, ActivityProgress, progress),
        "certificates": bulk_insert(ctx, Certificate, certificates),
        "completed": len(certificates),
    }
