"""Use cases of the organisation, re-exported so callers keep ``from app.org import services``.

``accounts``: job roles, departments, accounts and passwords; ``user_import``: the bulk user
import and the HR master-data feed. Every write runs in the unit of work (``app.core.uow``).
"""

from app.org.services.accounts import (
    EMAIL_RE,
    EMPLOYEE_NO_RE,
    JOB_ROLES,
    MIN_PASSWORD_LENGTH,
    change_own_password,
    check_password_policy,
    create_user,
    department_by_path,
    ensure_department_path,
    ensure_job_roles,
    ensure_user,
    find_user,
    job_role_by_code,
    set_active,
    set_locale,
    set_password,
    update_user,
)
from app.org.services.user_import import (
    IMPORT_COLUMNS,
    SYNC_COLUMNS,
    ImportReport,
    ImportRow,
    import_users,
    plan_user_import,
    read_user_rows,
    sync_users,
)

__all__ = [
    "EMAIL_RE",
    "EMPLOYEE_NO_RE",
    "IMPORT_COLUMNS",
    "JOB_ROLES",
    "MIN_PASSWORD_LENGTH",
    "SYNC_COLUMNS",
    "ImportReport",
    "ImportRow",
    "change_own_password",
    "check_password_policy",
    "create_user",
    "department_by_path",
    "ensure_department_path",
    "ensure_job_roles",
    "ensure_user",
    "find_user",
    "import_users",
    "job_role_by_code",
    "plan_user_import",
    "read_user_rows",
    "set_active",
    "set_locale",
    "set_password",
    "sync_users",
    "update_user",
]
