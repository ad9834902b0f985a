"""Use cases of the organisation's records: job roles, departments, accounts and passwords.

Every write runs in the unit of work (``@transaction``): it adds and flushes, the outermost unit
commits, so the admin pages, the CLI, the API and the tests share the same behaviour.
"""

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.core import hooks
from app.core.audit import record_audit
from app.core.errors import DomainError, NotFound
from app.core.permissions import Role
from app.core.uow import transaction
from app.extensions import db
from app.org.models import Department, JobRole, User, new_session_token
from app.org.queries import user_by_employee_no

#: the job roles of DOMAIN.md §2.4: (code, Chinese name, English name)
JOB_ROLES = (
    ("CTR", "营业厅柜员", "Service hall counter clerk"),
    ("CC", "95598客服座席", "95598 call-centre agent"),
    ("AM", "客户经理", "Account manager"),
    ("MR", "抄表催费员", "Meter reader and collector"),
    ("MI", "装表接电工", "Meter installer"),
    ("INS", "用电检查员", "Power-use inspector"),
)

MIN_PASSWORD_LENGTH = 8
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMPLOYEE_NO_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@transaction
def ensure_job_roles() -> None:
    """Create the six job roles where missing (idempotent)."""
    existing = set(db.session.scalars(select(JobRole.code)))
    for code, name_zh, name_en in JOB_ROLES:
        if code not in existing:
            db.session.add(JobRole(code=code, name_zh=name_zh, name_en=name_en))


def job_role_by_code(code: str) -> JobRole:
    """The job role with ``code``, or NotFound."""
    role = db.session.scalar(select(JobRole).where(JobRole.code == code))
    if role is None:
        raise NotFound(_("Unknown job role %(code)s.", code=code))
    return role


def department_by_path(full_name: str) -> Department:
    """The department named by its path of names from the root, or NotFound."""
    dept = db.session.scalar(select(Department).where(Department.full_name == full_name.strip()))
    if dept is None:
        raise NotFound(_("Unknown department %(path)s.", path=full_name))
    return dept


def _add_department(name: str, parent: Department | None, kind: str) -> Department:
    name = name.strip()
    if not name or "/" in name:
        raise DomainError(_("A department name must not be empty or contain '/'."))
    dept = Department(
        name=name,
        kind=kind,
        parent=parent,
        full_name=f"{parent.full_name}/{name}" if parent else name,
    )
    db.session.add(dept)
    db.session.flush()  # the id is part of the materialised path
    dept.path = f"{parent.path if parent else '/'}{dept.id}/"
    return dept


@transaction
def ensure_department_path(names: list[tuple[str, str]]) -> Department:
    """Create the chain of (name, kind) departments from the root where missing; return the leaf."""
    parent = None
    for name, kind in names:
        full = f"{parent.full_name}/{name}" if parent else name
        dept = db.session.scalar(select(Department).where(Department.full_name == full))
        parent = dept if dept is not None else _add_department(name, parent, kind)
    return parent


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(_("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def user_snapshot(user: User) -> dict:
    """The audited fields of a user (never the password hash)."""
    return {
        "employee_no": user.employee_no,
        "name": user.name,
        "email": user.email,
        "department": user.department.full_name if user.department else None,
        "job_role": user.job_role.code if user.job_role else None,
        "roles": user.role_names,
        "hired_at": user.hired_at.isoformat() if user.hired_at else None,
        "is_active": user.is_active,
    }


def _check_staff_fields(roles, department, job_role) -> None:
    if Role.STAFF in {Role(r) for r in roles} and (department is None or job_role is None):
        raise DomainError(_("Staff need a department and a job role."))


def _storable(text: str) -> bool:
    """True when ``text`` encodes as UTF-8 (no lone surrogate, no NUL)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def find_user(identifier: str) -> User | None:
    """The user with this employee number or email (case-insensitive email)."""
    identifier = (identifier or "").strip()
    if not identifier or len(identifier) > 255 or not _storable(identifier):
        return None  # no account has such a name; a lone surrogate would fail in the driver
    return db.session.scalar(
        select(User).where(
            or_(User.employee_no == identifier, func.lower(User.email) == identifier.lower())
        )
    )


@transaction
def create_user(
    actor: User | None,
    *,
    employee_no: str,
    name: str,
    roles,
    password: str | None = None,
    email: str | None = None,
    department: Department | None = None,
    job_role: JobRole | None = None,
    hired_at: date | None = None,
    locale: str | None = None,
    must_change_password: bool = False,
) -> User:
    """Create an account; staff need a department and a job role."""
    employee_no = (employee_no or "").strip()
    if not EMPLOYEE_NO_RE.match(employee_no):
        raise DomainError(_("An employee number has 1 to 32 letters, digits, '.', '_' or '-'."))
    if not (name or "").strip():
        raise DomainError(_("A name is required."))
    roles = list(roles) or [Role.STAFF]
    _check_staff_fields(roles, department, job_role)
    email = (email or "").strip() or None
    if email and not EMAIL_RE.match(email):
        raise DomainError(_("%(email)s is not a valid email address.", email=email))
    if db.session.scalar(select(User.id).where(User.employee_no == employee_no)):
        raise DomainError(_("Employee number %(no)s is taken.", no=employee_no))
    if email and find_user(email):
        raise DomainError(_("Email %(email)s is taken.", email=email))
    user = User(
        employee_no=employee_no,
        name=name.strip(),
        email=email,
        department=department,
        job_role=job_role,
        hired_at=hired_at,
        locale=locale,
        must_change_password=must_change_password,
    )
    user.set_roles(roles)
    if password is not None:
        check_password_policy(password)
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "user.create", user, None, user_snapshot(user))
    hooks.fire("users_changed", [user])
    return user


@transaction
def update_user(actor: User | None, user: User, **changes) -> User:
    """Change a user's profile, organisation placement, roles or managed departments."""
    before = user_snapshot(user)
    roles = changes.pop("roles", None)
    managed = changes.pop("managed_departments", None)
    email = changes.get("email")
    if email is not None:
        email = email.strip() or None
        if email and not EMAIL_RE.match(email):
            raise DomainError(_("%(email)s is not a valid email address.", email=email))
        other = find_user(email) if email else None
        if other is not None and other.id != user.id:
            raise DomainError(_("Email %(email)s is taken.", email=email))
        changes["email"] = email
    for key, value in changes.items():
        setattr(user, key, value)
    if roles is not None:
        user.set_roles(roles)
    if managed is not None:
        user.managed_departments = list(managed)
    _check_staff_fields(user.role_names, user.department, user.job_role)
    after = user_snapshot(user)
    if after != before:
        record_audit(actor, "user.update", user, before, after)
    db.session.flush()
    hooks.fire("users_changed", [user])
    return user


@transaction
def ensure_user(actor: User | None, **fields) -> tuple[User, bool]:
    """Create the user unless one with that employee number holds exactly those roles.

    Returns (user, created). An existing user with other roles is refused, so a script
    cannot silently change who is an admin.
    """
    existing = user_by_employee_no(fields["employee_no"])
    if existing is None:
        return create_user(actor, **fields), True
    wanted = {Role(r).value for r in fields["roles"]}
    if set(existing.role_names) != wanted:
        raise DomainError(
            _(
                "User %(no)s already exists with roles %(roles)s; change roles on the admin pages.",
                no=existing.employee_no,
                roles=", ".join(existing.role_names),
            )
        )
    return existing, False


@transaction
def set_password(actor: User | None, user: User, password: str, must_change: bool = False) -> None:
    """Set a user's password (admin reset or CLI); ends the user's other sessions."""
    check_password_policy(password)
    user.set_password(password)
    user.must_change_password = must_change
    record_audit(actor, "user.password", user, None, {"must_change_password": must_change})
    hooks.fire("password_changed", user)


@transaction
def change_own_password(user: User, current: str, new: str) -> None:
    """A signed-in user replaces their own password after proving the current one."""
    if not user.check_password(current):
        raise DomainError(_("The current password is wrong."))
    if current == new:
        raise DomainError(_("The new password must differ from the current one."))
    set_password(user, user, new, must_change=False)


@transaction
def set_active(actor: User | None, user: User, active: bool) -> None:
    """Deactivate (sign out everywhere) or reactivate an account."""
    if actor is not None and actor.id == user.id and not active:
        raise DomainError(_("You cannot deactivate your own account."))
    before = {"is_active": user.is_active}
    user.is_active = active
    if not active:
        user.session_token = new_session_token()
        # ends the person's API tokens for good: a reactivation does not bring them back
        hooks.fire("password_changed", user)
    record_audit(actor, "user.active", user, before, {"is_active": active})


@transaction
def set_locale(user: User, locale: str) -> None:
    """Remember the user's preferred language."""
    user.locale = locale
