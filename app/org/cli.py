"""``flask org ...`` commands and the organisation's demo seeder."""

import random
from datetime import date, timedelta
from pathlib import Path

import click
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.core.errors import DomainError, ImportRejected, NotFound
from app.core.permissions import ROLE_VALUES, Role
from app.core.uow import transaction
from app.extensions import db
from app.org import queries, services
from app.org.blueprint import bp
from app.org.models import Department, User

#: the password of every demo account (documented in the README)
DEMO_PASSWORD = "skillgrid-demo"  # noqa: S105 - documented demo credential


@bp.cli.command("create-user")
@click.argument("employee_no")
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--email")
@click.option(
    "--department", "department_path", help="Department names from the root, joined by '/'."
)
@click.option("--job-role", "job_role_code", help="CTR, CC, AM, MR, MI or INS.")
@click.option("--hired-at", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLE_VALUES))
def create_user_command(
    employee_no, name, password, email, department_path, job_role_code, hired_at, roles
):
    """Create an account (no change if it already exists with these roles)."""
    try:
        department = services.department_by_path(department_path) if department_path else None
        job_role = services.job_role_by_code(job_role_code.upper()) if job_role_code else None
        user, created = services.ensure_user(
            None,
            employee_no=employee_no,
            name=name,
            roles=[Role(r) for r in roles],
            password=password,
            email=email,
            department=department,
            job_role=job_role,
            hired_at=hired_at.date() if hired_at else None,
        )
    except (DomainError, NotFound) as exc:
        raise click.ClickException(str(exc)) from None
    if created:
        click.echo(f"created {user.employee_no} ({', '.join(user.role_names)})")
    else:
        click.echo(f"unchanged {user.employee_no}: already exists with these roles")


@bp.cli.command("set-password")
@click.argument("employee_no")
@click.argument("password")
def set_password_command(employee_no, password):
    """Set the password of an existing account."""
    user = queries.user_by_employee_no(employee_no)
    if user is None:
        raise click.ClickException(f"no user with employee number {employee_no}")
    try:
        services.set_password(None, user, password)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password set for {employee_no}")


@bp.cli.command("import-users")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--initial-password", help="Password for new accounts (to be changed at sign-in).")
def import_users_command(file: Path, dry_run: bool, initial_password: str | None):
    """Import users from a CSV or XLSX file: every row or none."""
    try:
        report = services.import_users(
            None, file.read_bytes(), file.name, dry_run=dry_run, initial_password=initial_password
        )
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(f"{file}:{problem.line}: {problem.message}", err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s); nothing was imported"
        ) from None
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    for row in report.rows:
        if row.action != "unchanged":
            detail = f" ({', '.join(row.changes)})" if row.changes else ""
            click.echo(f"{file}:{row.line}: {row.action} {row.employee_no}{detail}")
    prefix = "dry run, nothing written: " if dry_run else ""
    click.echo(prefix + report.summary)


# --- demo data ----------------------------------------------------------------------------

COMPANY = "国网示范市供电公司"
#: (branch, kind, [(team, kind, job roles and their weights)])
DEMO_TREE = [
    (
        "城区供电中心",
        "branch",
        [
            ("中山路营业厅", "hall", {"CTR": 8, "AM": 1}),
            ("人民路营业厅", "hall", {"CTR": 7, "AM": 1}),
            ("客户经理班", "office", {"AM": 6}),
            ("抄表催费班", "field", {"MR": 9}),
            ("装表接电班", "field", {"MI": 8}),
        ],
    ),
    (
        "客户服务中心",
        "branch",
        [
            ("95598客服一班", "callcentre", {"CC": 10}),
            ("95598客服二班", "callcentre", {"CC": 10}),
            ("用电检查班", "field", {"INS": 6}),
        ],
    ),
    (
        "东部供电分中心",
        "branch",
        [
            ("东城营业厅", "hall", {"CTR": 6, "AM": 1}),
            ("东城抄表班", "field", {"MR": 7}),
            ("东城装表班", "field", {"MI": 5, "INS": 2}),
        ],
    ),
    (
        "西部供电分中心",
        "branch",
        [
            ("西城营业厅", "hall", {"CTR": 6, "AM": 1}),
            ("西城抄表班", "field", {"MR": 7}),
            ("西城装表班", "field", {"MI": 5, "INS": 2}),
        ],
    ),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥"
    "建国志强海燕文博子涵思远雨婷浩然欣怡嘉怡俊杰晓东"
)
DEMO_STAFF = 320


def _demo_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


@transaction
def seed_organisation() -> str:
    """A demo company: 4 branches, 14 teams, 320 staff, trainers, HR, admin and managers."""
    services.ensure_job_roles()
    seeded = db.session.scalar(
        select(func.count(User.id)).where(User.employee_no.in_(["S0001", "admin"]))
    )
    if seeded == 2:
        return "already seeded"
    rng = random.Random(20261127)  # noqa: S311 - reproducible demo data, not security
    company = services.ensure_department_path([(COMPANY, "company")])
    roles = {j.code: j for j in queries.job_roles()}
    teams: list[tuple[Department, dict]] = []
    for branch, kind, children in DEMO_TREE:
        for team, team_kind, weights in children:
            leaf = services.ensure_department_path(
                [(COMPANY, "company"), (branch, kind), (team, team_kind)]
            )
            teams.append((leaf, weights))
    # scrypt is slow on purpose: hash the shared demo password once.
    password_hash = generate_password_hash(DEMO_PASSWORD)
    total_weight = sum(sum(w.values()) for _d, w in teams)
    number = 0
    existing = set(db.session.scalars(select(User.employee_no)))
    for dept, weights in teams:
        share = round(DEMO_STAFF * sum(weights.values()) / total_weight)
        codes = [c for c, w in weights.items() for _ in range(w)]
        for _ in range(share):
            number += 1
            employee_no = f"S{number:04d}"
            if employee_no in existing:
                continue
            user = User(
                employee_no=employee_no,
                name=_demo_name(rng),
                email=f"{employee_no.lower()}@demo.skillgrid.local",
                department=dept,
                job_role=roles[rng.choice(codes)],
                hired_at=date(2026, 6, 30) - timedelta(days=rng.randint(60, 35 * 365)),
                password_hash=password_hash,
            )
            user.set_roles([Role.STAFF])
            db.session.add(user)
    hall = teams[0][0]
    callcentre = next(d for d, _w in teams if d.kind == "callcentre")
    specials = [
        ("T001", "培训师 周敏", [Role.TRAINER], None, None, []),
        ("T002", "培训师 陈建国", [Role.TRAINER], None, None, []),
        ("H001", "人力资源 林晓东", [Role.HR], None, None, []),
        ("admin", "系统管理员", [Role.ADMIN], None, None, []),
        ("M001", "营业厅主任 王海燕", [Role.STAFF], hall, "CTR", [hall]),
        ("M002", "客服中心主任 张志强", [Role.STAFF], callcentre.parent, "CC", [callcentre.parent]),
    ]
    for employee_no, name, user_roles, dept, code, managed in specials:
        if employee_no in existing:
            continue
        user = User(
            employee_no=employee_no,
            name=name,
            email=f"{employee_no.lower()}@demo.skillgrid.local",
            department=dept or company,
            job_role=roles[code] if code else None,
            hired_at=date(2015, 3, 1),
            password_hash=password_hash,
        )
        user.set_roles(user_roles)
        user.managed_departments = managed
        db.session.add(user)
    n_departments = db.session.scalar(select(func.count(Department.id)))
    n_users = db.session.scalar(select(func.count(User.id)))
    return f"{n_departments} departments, {n_users} users (password {DEMO_PASSWORD})"
