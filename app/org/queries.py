"""Read-side queries of the organisation: who a viewer may see, head counts, choices, look-ups."""

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from app.core.i18n import select_locale
from app.core.permissions import sees_whole_company
from app.extensions import db
from app.org.models import Department, JobRole, User


def visible_users(viewer) -> Select:
    """Users ``viewer`` may see: all for HR/admin, managed subtrees for managers, else self."""
    query = select(User).options(joinedload(User.department), joinedload(User.job_role))
    if sees_whole_company(viewer):
        return query
    conditions = [User.id == viewer.id]
    managed = viewer.managed_departments
    if managed:
        subtree = select(Department.id).where(
            or_(*(Department.path.startswith(d.path) for d in managed))
        )
        conditions.append(User.department_id.in_(subtree))
    return query.where(or_(*conditions) if conditions else false())


def people_page(viewer, *, search: str = "", department_id=None, job_role_id=None):
    """The filtered, ordered select of people ``viewer`` may browse."""
    query = visible_users(viewer)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(
            or_(User.name.ilike(like), User.employee_no.ilike(like), User.email.ilike(like))
        )
    if department_id:
        dept = db.session.get(Department, department_id)
        if dept is not None:
            query = query.where(User.department_id.in_(dept.subtree_ids()))
    if job_role_id:
        query = query.where(User.job_role_id == job_role_id)
    return query.order_by(User.employee_no)


def department_tree() -> list[tuple[Department, int]]:
    """Every department in tree order with its number of active members (one query)."""
    counts = (
        select(User.department_id, func.count(User.id).label("n"))
        .where(User.is_active.is_(True))
        .group_by(User.department_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Department, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.department_id == Department.id)
        .order_by(Department.path)
    ).all()
    # Path order sorts ids as text; rebuild a depth-first order by walking parents.
    by_parent: dict[int | None, list] = {}
    for dept, n in rows:
        by_parent.setdefault(dept.parent_id, []).append((dept, n))
    ordered: list[tuple[Department, int]] = []

    def walk(parent_id):
        for dept, n in sorted(by_parent.get(parent_id, []), key=lambda r: r[0].name):
            ordered.append((dept, n))
            walk(dept.id)

    walk(None)
    return ordered


def headcount_by_job_role() -> list[tuple[JobRole, int]]:
    """Active staff per job role (one query)."""
    return db.session.execute(
        select(JobRole, func.count(User.id))
        .outerjoin(User, (User.job_role_id == JobRole.id) & User.is_active.is_(True))
        .group_by(JobRole.id)
        .order_by(JobRole.id)
    ).all()


def user_counts() -> dict[str, int]:
    """Active and inactive account counts (one query)."""
    rows = db.session.execute(select(User.is_active, func.count(User.id)).group_by(User.is_active))
    counts = {"active": 0, "inactive": 0}
    for is_active, n in rows:
        counts["active" if is_active else "inactive"] = n
    return counts


def job_roles() -> list[JobRole]:
    """Every job role in their fixed order (one query)."""
    return list(db.session.scalars(select(JobRole).order_by(JobRole.id)))


def job_role_by_code(code: str | None) -> JobRole | None:
    """The job role with this code (CTR …), or None."""
    if not code:
        return None
    return db.session.scalar(select(JobRole).where(JobRole.code == code))


def departments_by_name() -> list[Department]:
    """Every department ordered by its full name, for filters (one query)."""
    return list(db.session.scalars(select(Department).order_by(Department.full_name)))


def job_role_choices(blank: str | None = "—") -> list[SelectChoice]:
    """Job roles as form choices, named in the user's language (with a blank first if given)."""
    locale = select_locale()
    choices = [SelectChoice(0, blank)] if blank is not None else []
    return choices + [SelectChoice(j.id, j.display_name(locale)) for j in job_roles()]


def department_choices(blank: str | None = "—") -> list[SelectChoice]:
    """Departments as form choices in tree order, indented by depth (a blank first if given)."""
    choices = [SelectChoice(0, blank)] if blank is not None else []
    return choices + [
        SelectChoice(d.id, "\u2003" * d.depth + d.name) for d, _n in department_tree()
    ]


def user_by_employee_no(employee_no: str) -> User | None:
    """The person with this employee number (department and job role loaded), or None."""
    return db.session.scalar(
        select(User)
        .where(User.employee_no == employee_no)
        .options(joinedload(User.department), joinedload(User.job_role))
    )
