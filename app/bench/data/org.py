"""Generator step "organisation": the department tree, the six job roles, people and roles.

A company of branches (供电分中心); each branch has service halls, call-centre teams, field
teams and account-manager groups sized like real ones (about 20 people), a manager per team
and per branch; HR, the training centre and IT sit under the company. Staff carry the job role
of their team; trainers, HR and admins are separate accounts. Every account's password is
``BENCH_PASSWORD``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.bench.data.base import (
    BENCH_PASSWORD,
    Context,
    bulk_insert,
    next_id,
    password_hash,
    spread,
    token,
)
from app.extensions import db
from app.org import services as org_services
from app.org.models import JobRole, User, UserRole, department_manager

COMPANY = "滨江供电公司"
#: branch names (a number is appended once they run out)
BRANCHES = ("城东", "城西", "城南", "城北", "高新", "江北", "江南", "滨湖", "临港", "开发区")
#: job role -> share of the staff, department kind, team name
TEAMS = {
    "CTR": (30, "hall", "营业厅{n}"),
    "CC": (20, "callcentre", "客服{n}班"),
    "AM": (10, "office", "客户经理{n}组"),
    "MR": (16, "field", "抄表催费{n}班"),
    "MI": (14, "field", "装表接电{n}班"),
    "INS": (10, "field", "用电检查{n}班"),
}
TEAM_SIZE = 20
STAFF_PER_BRANCH = 600
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文斌宇浩然欣怡子涵梓轩雨萱晨"


@dataclass(frozen=True)
class Person:
    """A generated staff member, as later steps need them."""

    id: int
    employee_no: str
    name: str
    job_role: str
    department_id: int
    branch_id: int
    hired_at: date
    #: how well the person does in quizzes (a standard normal draw)
    ability: float


def _name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def generate(ctx: Context) -> str:
    """Create the departments, the staff in teams with their managers, trainers, HR, admins."""
    rng = ctx.rng("organisation")
    org_services.ensure_job_roles()
    db.session.flush()
    role_ids = dict(db.session.execute(select(JobRole.code, JobRole.id)).all())
    n_staff = ctx.params.staff
    by_role = spread(n_staff, {code: share for code, (share, _k, _n) in TEAMS.items()})
    n_branches = max(1, min(60, round(n_staff / STAFF_PER_BRANCH)))

    def department(*chain: tuple[str, str]):
        return org_services.ensure_department_path([(COMPANY, "company"), *chain])

    company = department()
    offices = {
        name: department((name, "office")) for name in ("人力资源部", "培训中心", "信息中心")
    }
    branches = []
    for index in range(n_branches):
        label = BRANCHES[index] if index < len(BRANCHES) else f"第{index + 1}"
        branches.append(department((f"{label}供电分中心", "branch")))
    # Teams of each role, dealt over the branches in turn.
    teams: list[tuple[str, object]] = []
    for code, (_share, kind, pattern) in TEAMS.items():
        n_teams = max(1, math.ceil(by_role[code] / TEAM_SIZE)) if by_role[code] else 0
        for number in range(n_teams):
            branch = branches[number % n_branches]
            name = pattern.format(n=number // n_branches + 1)
            teams.append((code, department((branch.name, "branch"), (name, kind))))
    db.session.flush()

    user_id = next_id(User)
    hashed = password_hash(BENCH_PASSWORD, f"{ctx.params.seed}")
    users: list[dict] = []
    roles: list[dict] = []
    people: list[Person] = []
    managers: list[dict] = []

    def add(employee_no: str, department_id: int, job_role: str | None, role: str, hired: date):
        nonlocal user_id
        users.append(
            {
                "id": user_id,
                "employee_no": employee_no,
                "name": _name(rng),
                "email": f"{employee_no.lower()}@bench.example.cn",
                "password_hash": hashed,
                "auth_source": "local",
                "department_id": department_id,
                "job_role_id": role_ids[job_role] if job_role else None,
                "hired_at": hired,
                "locale": None,
                "is_active": True,
                "must_change_password": False,
                "session_token": token(rng),
                "created_at": ctx.now,
            }
        )
        roles.append({"user_id": user_id, "role": role})
        user_id += 1
        return user_id - 1

    def hired() -> date:
        return ctx.now.date() - timedelta(days=rng.randint(60, 25 * 365))

    serial = 0
    branch_managed: set[int] = set()
    for code, (_share, _kind, _pattern) in TEAMS.items():
        role_teams = [team for team_code, team in teams if team_code == code]
        for position in range(by_role[code]):
            team = role_teams[position % len(role_teams)]
            serial += 1
            when = hired()
            new_id = add(f"S{serial:06d}", team.id, code, "staff", when)
            people.append(
                Person(
                    new_id,
                    f"S{serial:06d}",
                    users[-1]["name"],
                    code,
                    team.id,
                    team.parent_id,
                    when,
                    rng.gauss(0.0, 1.0),
                )
            )
            if position < len(role_teams):  # the first member of each team leads it
                managers.append({"user_id": new_id, "department_id": team.id})
                if team.parent_id not in branch_managed:
                    branch_managed.add(team.parent_id)
                    managers.append({"user_id": new_id, "department_id": team.parent_id})
    n_trainers = max(2, n_staff // 250)
    n_hr = max(1, n_staff // 1000)
    trainers = [
        add(f"T{i:04d}", offices["培训中心"].id, None, "trainer", hired())
        for i in range(1, n_trainers + 1)
    ]
    hr = [
        add(f"H{i:04d}", offices["人力资源部"].id, None, "hr", hired()) for i in range(1, n_hr + 1)
    ]
    admins = [add("A0001", offices["信息中心"].id, None, "admin", hired())]

    bulk_insert(ctx, User, users)
    bulk_insert(ctx, UserRole, roles)
    bulk_insert(ctx, department_manager, managers)
    ctx.shared.update(
        people=people,
        trainer_ids=trainers,
        hr_ids=hr,
        admin_ids=admins,
        company_id=company.id,
        branch_ids=[b.id for b in branches],
        role_ids=role_ids,
    )
    return (
        f"1 company, {n_branches} branches, {len(teams)} teams; {len(people)} staff, "
        f"{len(trainers)} trainers, {len(hr)} HR, {len(admins)} admin "
        f"(password {BENCH_PASSWORD})"
    )
