"""The bulk user import (CSV/XLSX files) and the HR master-data feed: all rows or none.

Both plan first (every row validated against the file and the database, nothing written) and then
write the clean plan inside one unit of work: any problem raises ``ImportRejected`` with every bad
row, and a dry run returns the plan without writing.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.core import hooks, tabular
from app.core.audit import record_audit
from app.core.errors import ImportRejected, Problem
from app.core.permissions import ROLE_VALUES
from app.core.uow import transaction
from app.extensions import db
from app.org.models import Department, JobRole, User, new_session_token
from app.org.services.accounts import (
    EMAIL_RE,
    EMPLOYEE_NO_RE,
    check_password_policy,
    user_snapshot,
)

IMPORT_COLUMNS = ("employee_no", "name", "email", "department", "job_role", "roles", "hired_at")


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


#: values per ``IN (...)`` look-up: SQLite allows 32,766 parameters, and one huge statement
#: would hold the planner and the connection for long
LOOKUP_CHUNK = 500


def _chunks(values) -> list[list]:
    """``values`` (deduplicated, in order) in lists of at most LOOKUP_CHUNK."""
    unique = list(dict.fromkeys(values))
    return [unique[i : i + LOOKUP_CHUNK] for i in range(0, len(unique), LOOKUP_CHUNK)]


def users_by_number(numbers) -> dict[str, User]:
    """Employee number -> user, for the numbers that exist (looked up in bounded chunks)."""
    return {
        u.employee_no: u
        for chunk in _chunks(n for n in numbers if n)
        for u in db.session.scalars(select(User).where(User.employee_no.in_(chunk)))
    }


#: the longest name and email the columns hold (PostgreSQL refuses longer ones at the write)
MAX_NAME = User.__table__.c.name.type.length
MAX_EMAIL = User.__table__.c.email.type.length
#: the most people one import file may hold (split bigger files; docs/operations.md)
MAX_IMPORT_ROWS = 50_000


def read_user_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """Read (row number, {column: text}) from a CSV (UTF-8, BOM optional) or XLSX file."""
    rows, problems = tabular.read_records(data, filename, IMPORT_COLUMNS, max_rows=MAX_IMPORT_ROWS)
    if problems:
        raise ImportRejected(problems)
    return rows


def plan_user_import(raw_rows: list[tuple[int, dict]]) -> ImportReport:
    """Validate every row against the file and the database; nothing is written."""
    departments = {d.full_name: d for d in db.session.scalars(select(Department))}
    job_roles = {j.code: j for j in db.session.scalars(select(JobRole))}
    existing = users_by_number(r.get("employee_no", "") for _line, r in raw_rows)
    emails = [r["email"].lower() for _line, r in raw_rows if r.get("email")]
    email_owner = {
        e.lower(): no
        for chunk in _chunks(emails)
        for no, e in db.session.execute(
            select(User.employee_no, User.email).where(func.lower(User.email).in_(chunk))
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
        elif len(name) > MAX_NAME:
            errors.append(_("name is longer than %(n)d characters", n=MAX_NAME))
        email = raw.get("email") or None
        if email:
            key = email.lower()
            if len(email) > MAX_EMAIL:
                errors.append(_("email is longer than %(n)d characters", n=MAX_EMAIL))
            elif not EMAIL_RE.match(email):
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


@transaction
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
        raise ImportRejected(report.problems)
    if dry_run:
        return report
    # One hash for every new account: scrypt is deliberately slow.
    password_hash = generate_password_hash(initial_password) if initial_password else None
    changed = _write_import_rows(actor, report, password_hash)
    db.session.flush()
    hooks.fire("users_changed", changed)
    report.dry_run = False
    return report


def _write_import_rows(actor: User | None, report: ImportReport, password_hash) -> list[User]:
    """Create and update the users of a clean plan (flushed only); return those changed."""
    existing = users_by_number(r.employee_no for r in report.rows)
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
            record_audit(actor, "user.import", user, None, user_snapshot(user))
            changed.append(user)
        elif row.action == "update":
            user = existing[row.employee_no]
            before = user_snapshot(user)
            user.name, user.email, user.hired_at = row.name, row.email, row.hired_at
            user.department, user.job_role = row.department, row.job_role
            user.set_roles(row.roles)
            record_audit(actor, "user.import", user, before, user_snapshot(user))
            changed.append(user)
    return changed


#: the fields of a user record another system sends (``sync_users``)
SYNC_COLUMNS = ("employee_no", "name", "email", "department", "job_role", "hired_at")


@transaction
def sync_users(actor: User | None, records: list[dict], *, dry_run: bool = False) -> ImportReport:
    """Upsert users by employee number from another system's master data: all rows or none.

    Each record has the text fields of SYNC_COLUMNS (empty = none) and ``is_active``; a record
    replaces those fields. Validation is the bulk import's (``plan_user_import``), row numbers
    count the records from 1. Existing users keep their roles; new users are staff without a
    password (they sign in through the directory, or once an admin sets one).
    """
    existing = users_by_number(str(r.get("employee_no") or "") for r in records)
    raw_rows = []
    for line, record in enumerate(records, start=1):
        raw = {key: str(record.get(key) or "").strip() for key in SYNC_COLUMNS}
        user = existing.get(raw["employee_no"])
        raw["roles"] = ";".join(user.role_names) if user is not None else "staff"
        raw_rows.append((line, raw))
    report = plan_user_import(raw_rows)
    if report.problems:
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
                hooks.fire("password_changed", user)  # ends their API tokens too
            if user not in changed:
                changed.append(user)
    db.session.flush()
    hooks.fire("users_changed", changed)
    report.dry_run = False
    return report
