"""Use cases of the organisation: departments, job roles, accounts and the bulk user import.

Each public function owns its transaction (one commit), so the admin pages, the CLI and the
tests share the same behaviour.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.security import generate_password_hash

from app.core.audit import record_audit
from app.core.errors import DomainError, ImportRejected, NotFound, Problem
from app.core.hooks import password_changed, users_changed
from app.core.permissions import ROLE_VALUES, Role
from app.extensions import db
from app.org.models import Department, JobRole, User, new_session_token

#: the job roles of DOMAIN.md §2.4: (code, Chinese name, English name)
JOB_ROLES = (
    ("CTR", "营业厅柜员", "Service hall counter clerk"),
    ("CC", "95598客服座席", "95598 call-centre agent"),
    ("AM", "客户经理", "Account manager"),
    ("MR", "抄表催费员", "Meter reader and collector"),
    ("MI", "装表接电工", "Meter installer"),
    ("INS", "用电检查员", "Power-use inspector"),
)

IMPORT_COLUMNS = ("employee_no", "name", "email", "department", "job_role", "roles", "hired_at")
MIN_PASSWORD_LENGTH = 8
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMPLOYEE_NO_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def ensure_job_roles() -> None:
    """Create the six job roles where missing (idempotent)."""
    existing = set(db.session.scalars(select(JobRole.code)))
    for code, name_zh, name_en in JOB_ROLES:
        if code not in existing:
            db.session.add(JobRole(code=code, name_zh=name_zh, name_en=name_en))
    db.session.commit()


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


def create_department(name: str, parent: Department | None = None, kind: str = "office"):
    """Create a department under ``parent`` (None = a root)."""
    dept = _add_department(name, parent, kind)
    db.session.commit()
    return dept


def ensure_department_path(names: list[tuple[str, str]]) -> Department:
    """Create the chain of (name, kind) departments from the root where missing; return the leaf."""
    parent = None
    for name, kind in names:
        full = f"{parent.full_name}/{name}" if parent else name
        dept = db.session.scalar(select(Department).where(Department.full_name == full))
        parent = dept if dept is not None else _add_department(name, parent, kind)
    db.session.commit()
    return parent


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(_("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def _user_snapshot(user: User) -> dict:
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


def find_user(identifier: str) -> User | None:
    """The user with this employee number or email (case-insensitive email)."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    return db.session.scalar(
        select(User).where(
            or_(User.employee_no == identifier, func.lower(User.email) == identifier.lower())
        )
    )


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
    record_audit(actor, "user.create", user, None, _user_snapshot(user))
    users_changed([user])
    db.session.commit()
    return user


def update_user(actor: User | None, user: User, **changes) -> User:
    """Change a user's profile, organisation placement, roles or managed departments."""
    before = _user_snapshot(user)
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
    after = _user_snapshot(user)
    if after != before:
        record_audit(actor, "user.update", user, before, after)
    db.session.flush()
    users_changed([user])
    db.session.commit()
    return user


def ensure_user(actor: User | None, **fields) -> tuple[User, bool]:
    """Create the user unless one with that employee number holds exactly those roles.

    Returns (user, created). An existing user with other roles is refused, so a script
    cannot silently change who is an admin.
    """
    existing = db.session.scalar(select(User).where(User.employee_no == fields["employee_no"]))
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


def set_password(actor: User | None, user: User, password: str, must_change: bool = False) -> None:
    """Set a user's password (admin reset or CLI); ends the user's other sessions."""
    check_password_policy(password)
    user.set_password(password)
    user.must_change_password = must_change
    record_audit(actor, "user.password", user, None, {"must_change_password": must_change})
    password_changed(user)
    db.session.commit()


def change_own_password(user: User, current: str, new: str) -> None:
    """A signed-in user replaces their own password after proving the current one."""
    if not user.check_password(current):
        raise DomainError(_("The current password is wrong."))
    if current == new:
        raise DomainError(_("The new password must differ from the current one."))
    set_password(user, user, new, must_change=False)


def set_active(actor: User | None, user: User, active: bool) -> None:
    """Deactivate (sign out everywhere) or reactivate an account."""
    if actor is not None and actor.id == user.id and not active:
        raise DomainError(_("You cannot deactivate your own account."))
    before = {"is_active": user.is_active}
    user.is_active = active
    if not active:
        user.session_token = new_session_token()
    record_audit(actor, "user.active", user, before, {"is_active": active})
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """Remember the user's preferred language."""
    user.locale = locale
    db.session.commit()


# --- bulk import --------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One valid row of a user import, resolved against the database."""

    line: int
    employee_no: str
    name: str
    email: str | None
    department: Department | None
    job_role: JobRole | None
    roles: list[str]
    hired_at: date | None
    action: str = "create"  # create | update | unchanged
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did, or would do on a dry run."""

    rows: list[ImportRow]
    problems: list[Problem]
    dry_run: bool

    def count(self, action: str) -> int:
        """How many rows have ``action`` (create, update, unchanged)."""
        return sum(1 for row in self.rows if row.action == action)

    @property
    def summary(self) -> str:
        """One line for the CLI and flash messages."""
        return _(
            "%(created)d to create, %(updated)d to update, %(unchanged)d unchanged",
            created=self.count("create"),
            updated=self.count("update"),
            unchanged=self.count("unchanged"),
        )


def read_user_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """Read (row number, {column: text}) from a CSV (UTF-8, BOM optional) or XLSX file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    raise ImportRejected([Problem(0, _("Unsupported file type: use .csv or .xlsx."))])


def _check_header(header: list[str]) -> list[str]:
    header = [(h or "").strip().lower() for h in header]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in IMPORT_COLUMNS]
    problems = []
    if missing:
        problems.append(Problem(1, _("Missing columns: %(cols)s", cols=", ".join(missing))))
    if unknown:
        problems.append(Problem(1, _("Unknown columns: %(cols)s", cols=", ".join(unknown))))
    if problems:
        raise ImportRejected(problems)
    return header


def _read_csv(data: bytes) -> list[tuple[int, dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            [Problem(line, _("The file is not UTF-8 text; save it as CSV UTF-8."))]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected([Problem(1, _("The file is empty."))]) from None
    header = _check_header(header)
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        rows.append((line, dict(zip(header, (v.strip() for v in values), strict=False))))
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken file
        raise ImportRejected(
            [Problem(0, _("The file is not a readable .xlsx workbook."))]
        ) from None
    sheet = workbook.worksheets[0]
    rows = []
    header = None
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        texts = [_cell_text(v) for v in values]
        if header is None:
            header = _check_header(texts)
            continue
        if any(texts):
            rows.append((line, dict(zip(header, texts, strict=False))))
    workbook.close()
    if header is None:
        raise ImportRejected([Problem(1, _("The file is empty."))])
    return rows


def plan_user_import(raw_rows: list[tuple[int, dict]]) -> ImportReport:
    """Validate every row against the file and the database; nothing is written."""
    departments = {d.full_name: d for d in db.session.scalars(select(Department))}
    job_roles = {j.code: j for j in db.session.scalars(select(JobRole))}
    numbers = [r.get("employee_no", "") for _line, r in raw_rows]
    existing = {
        u.employee_no: u
        for u in db.session.scalars(select(User).where(User.employee_no.in_(numbers)))
    }
    emails = [r["email"].lower() for _line, r in raw_rows if r.get("email")]
    email_owner = {
        e.lower(): no
        for no, e in db.session.execute(
            select(User.employee_no, User.email).where(func.lower(User.email).in_(emails))
        )
    }
    problems: list[Problem] = []
    rows: list[ImportRow] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line, raw in raw_rows:
        errors: list[str] = []
        number = raw.get("employee_no", "")
        if not EMPLOYEE_NO_RE.match(number):
            errors.append(_("employee_no %(v)r is missing or malformed", v=number))
        elif number in seen_numbers:
            errors.append(
                _("employee_no %(v)s repeats row %(n)d", v=number, n=seen_numbers[number])
            )
        else:
            seen_numbers[number] = line
        name = raw.get("name", "")
        if not name:
            errors.append(_("name is required"))
        email = raw.get("email") or None
        if email:
            key = email.lower()
            if not EMAIL_RE.match(email):
                errors.append(_("email %(v)s is not valid", v=email))
            elif key in seen_emails:
                errors.append(_("email %(v)s repeats row %(n)d", v=email, n=seen_emails[key]))
            elif email_owner.get(key, number) != number:
                errors.append(_("email %(v)s belongs to %(no)s", v=email, no=email_owner[key]))
            seen_emails.setdefault(key, line)
        roles = [r.strip().lower() for r in (raw.get("roles") or "staff").split(";") if r.strip()]
        bad_roles = [r for r in roles if r not in ROLE_VALUES]
        if bad_roles:
            errors.append(
                _(
                    "unknown roles %(v)s (use %(ok)s)",
                    v=", ".join(bad_roles),
                    ok=", ".join(ROLE_VALUES),
                )
            )
        dept_name = raw.get("department", "")
        department = departments.get(dept_name) if dept_name else None
        if dept_name and department is None:
            errors.append(_("department %(v)s does not exist", v=dept_name))
        code = raw.get("job_role", "").upper()
        job_role = job_roles.get(code) if code else None
        if code and job_role is None:
            errors.append(
                _("job_role %(v)s is not one of %(ok)s", v=code, ok=", ".join(sorted(job_roles)))
            )
        if "staff" in roles and (not dept_name or not code):
            errors.append(_("staff need a department and a job_role"))
        hired_at = None
        if raw.get("hired_at"):
            try:
                hired_at = date.fromisoformat(raw["hired_at"])
            except ValueError:
                errors.append(_("hired_at %(v)s is not a YYYY-MM-DD date", v=raw["hired_at"]))
        if errors:
            problems.extend(Problem(line, msg) for msg in errors)
            continue
        row = ImportRow(line, number, name, email, department, job_role, sorted(roles), hired_at)
        user = existing.get(number)
        if user is not None:
            row.changes = _row_changes(user, row)
            row.action = "update" if row.changes else "unchanged"
        rows.append(row)
    return ImportReport(rows=rows, problems=problems, dry_run=True)


def _row_changes(user: User, row: ImportRow) -> list[str]:
    current = {
        "name": user.name,
        "email": user.email,
        "department": user.department_id,
        "job_role": user.job_role_id,
        "roles": user.role_names,
        "hired_at": user.hired_at,
    }
    wanted = {
        "name": row.name,
        "email": row.email,
        "department": row.department.id if row.department else None,
        "job_role": row.job_role.id if row.job_role else None,
        "roles": row.roles,
        "hired_at": row.hired_at,
    }
    return [key for key in current if current[key] != wanted[key]]


def import_users(
    actor: User | None,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    initial_password: str | None = None,
) -> ImportReport:
    """Import users from CSV/XLSX: all rows or none; every bad row reported with its number.

    New users get ``initial_password`` (and must change it) or no password at all, so they
    cannot sign in until an admin sets one.
    """
    if initial_password:
        check_password_policy(initial_password)
    report = plan_user_import(read_user_rows(data, filename))
    if report.problems:
        db.session.rollback()
        raise ImportRejected(report.problems)
    if dry_run:
        return report
    # One hash for every new account: scrypt is deliberately slow.
    password_hash = generate_password_hash(initial_password) if initial_password else None
    changed = _write_import_rows(actor, report, password_hash)
    db.session.flush()
    users_changed(changed)
    db.session.commit()
    report.dry_run = False
    return report


def _write_import_rows(actor: User | None, report: ImportReport, password_hash) -> list[User]:
    """Create and update the users of a clean plan (not committed); return those changed."""
    existing = {
        u.employee_no: u
        for u in db.session.scalars(
            select(User).where(User.employee_no.in_([r.employee_no for r in report.rows]))
        )
    }
    changed = []
    for row in report.rows:
        if row.action == "create":
            user = User(
                employee_no=row.employee_no,
                name=row.name,
                email=row.email,
                department=row.department,
                job_role=row.job_role,
                hired_at=row.hired_at,
                password_hash=password_hash,
                must_change_password=bool(password_hash),
            )
            user.set_roles(row.roles)
            db.session.add(user)
            db.session.flush()
            record_audit(actor, "user.import", user, None, _user_snapshot(user))
            changed.append(user)
        elif row.action == "update":
            user = existing[row.employee_no]
            before = _user_snapshot(user)
            user.name, user.email, user.hired_at = row.name, row.email, row.hired_at
            user.department, user.job_role = row.department, row.job_role
            user.set_roles(row.roles)
            record_audit(actor, "user.import", user, before, _user_snapshot(user))
            changed.append(user)
    return changed


#: the fields of a user record another system sends (``sync_users``)
SYNC_COLUMNS = ("employee_no", "name", "email", "department", "job_role", "hired_at")


def sync_users(actor: User | None, records: list[dict], *, dry_run: bool = False) -> ImportReport:
    """Upsert users by employee number from another system's master data: all rows or none.

    Each record has the text fields of SYNC_COLUMNS (empty = none) and ``is_active``; a record
    replaces those fields. Validation is the bulk import's (``plan_user_import``), row numbers
    count the records from 1. Existing users keep their roles; new users are staff without a
    password (they sign in through the directory, or once an admin sets one).
    """
    numbers = [str(r.get("employee_no") or "") for r in records]
    existing = {
        u.employee_no: u
        for u in db.session.scalars(select(User).where(User.employee_no.in_(numbers)))
    }
    raw_rows = []
    for line, record in enumerate(records, start=1):
        raw = {key: str(record.get(key) or "").strip() for key in SYNC_COLUMNS}
        user = existing.get(raw["employee_no"])
        raw["roles"] = ";".join(user.role_names) if user is not None else "staff"
        raw_rows.append((line, raw))
    report = plan_user_import(raw_rows)
    if report.problems:
        db.session.rollback()
        raise ImportRejected(report.problems)
    wanted_active = {}
    for row in report.rows:
        wanted_active[row.employee_no] = bool(records[row.line - 1].get("is_active", True))
        user = existing.get(row.employee_no)
        if user is None:
            continue
        row.roles = user.role_names  # the feed never changes roles, not even an empty set
        row.changes = _row_changes(user, row)
        if user.is_active != wanted_active[row.employee_no]:
            row.changes.append("is_active")
        row.action = "update" if row.changes else "unchanged"
    if dry_run:
        db.session.rollback()
        return report
    changed = _write_import_rows(actor, report, None)
    db.session.flush()
    by_number = {user.employee_no: user for user in changed} | existing
    for number, active in wanted_active.items():
        user = by_number[number]
        if user.is_active != active:
            record_audit(
                actor, "user.active", user, {"is_active": user.is_active}, {"is_active": active}
            )
            user.is_active = active
            if not active:
                user.session_token = new_session_token()
            if user not in changed:
                changed.append(user)
    db.session.flush()
    users_changed(changed)
    db.session.commit()
    report.dry_run = False
    return report
